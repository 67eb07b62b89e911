//! Log files, read line by line in constant memory: plain or gzip-compressed (told by their
//! first bytes, not their names), regular files only, and lines cut at a length no server
//! writes, so one endless line cannot fill the memory.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::EvidenceError;

/// Longer than any line the snippets' formats write (a request line is at most a few KB).
pub const MOST_LINE_BYTES: usize = 64 * 1024;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub struct LogFile {
    reader: Box<dyn BufRead>,
    pub compressed: bool,
}

impl LogFile {
    pub fn open(path: &Path) -> Result<Self, EvidenceError> {
        let failed = |cause: std::io::Error| EvidenceError::Open {
            path: path.display().to_string(),
            cause,
        };
        let not_a_file = |metadata: std::fs::Metadata| {
            (!metadata.is_file()).then(|| EvidenceError::NotAFile {
                path: path.display().to_string(),
                what: crate::pki::file_kind(&metadata.file_type()),
            })
        };
        // Looked at before opening (opening a FIFO blocks until something writes to it), and
        // again on the open file, which may have been swapped in between.
        if let Some(refused) = not_a_file(std::fs::metadata(path).map_err(failed)?) {
            return Err(refused);
        }
        let file = File::open(path).map_err(failed)?;
        if let Some(refused) = not_a_file(file.metadata().map_err(failed)?) {
            return Err(refused);
        }
        let mut buffered = BufReader::with_capacity(256 * 1024, file);
        let compressed = buffered
            .fill_buf()
            .map_err(failed)?
            .starts_with(&GZIP_MAGIC);
        let reader: Box<dyn BufRead> = if compressed {
            Box::new(BufReader::with_capacity(
                256 * 1024,
                flate2::bufread::MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Self { reader, compressed })
    }

    /// The next line into `line` (without its newline): `Ok(None)` at the end, `Ok(Some(true))`
    /// when the line was longer than `MOST_LINE_BYTES` and only its start was kept.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
        line.clear();
        let mut cut = false;
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(any.then_some(cut));
            }
            any = true;
            let (taken, ends) = match memchr::memchr(b'\n', available) {
                Some(at) => (at, true),
                None => (available.len(), false),
            };
            let room = MOST_LINE_BYTES.saturating_sub(line.len());
            line.extend_from_slice(&available[..taken.min(room)]);
            cut |= taken > room;
            self.reader.consume(taken + usize::from(ends));
            if ends {
                return Ok(Some(cut));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of(path: &Path) -> Vec<(String, bool)> {
        let mut file = LogFile::open(path).unwrap();
        let mut line = Vec::new();
        let mut all = Vec::new();
        while let Some(cut) = file.next_line(&mut line).unwrap() {
            all.push((String::from_utf8(line.clone()).unwrap(), cut));
        }
        all
    }

    #[test]
    fn plain_gzip_and_endless_lines() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("access.log");
        let long = "x".repeat(MOST_LINE_BYTES + 10);
        std::fs::write(&plain, format!("one\n{long}\nthree")).unwrap();
        let read = lines_of(&plain);
        assert_eq!(read.len(), 3);
        assert_eq!(read[0], ("one".into(), false));
        assert_eq!(read[1].0.len(), MOST_LINE_BYTES);
        assert!(read[1].1);
        assert_eq!(read[2], ("three".into(), false));

        // Rotated and compressed, under a name that does not say so; two gzip members.
        let rotated = dir.path().join("access.log.2");
        let mut bytes = Vec::new();
        for part in ["a\nb\n", "c\n"] {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(part.as_bytes()).unwrap();
            bytes.extend(encoder.finish().unwrap());
        }
        std::fs::write(&rotated, bytes).unwrap();
        assert!(LogFile::open(&rotated).unwrap().compressed);
        let read: Vec<String> = lines_of(&rotated).into_iter().map(|(l, _)| l).collect();
        assert_eq!(read, ["a", "b", "c"]);
    }

    #[test]
    fn not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            LogFile::open(dir.path()),
            Err(EvidenceError::NotAFile { .. })
        ));
        assert!(matches!(
            LogFile::open(&dir.path().join("missing")),
            Err(EvidenceError::Open { .. })
        ));
    }
}
