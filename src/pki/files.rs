//! Writing certificates and keys so that nothing is ever half-written or readable by others:
//! every file goes to a temporary sibling first (keys created with mode 0600), is synced, and only
//! then renamed into place, and a set of files is written only when all of them can be.
//!
//! A kill can still land between two renames, or before a temporary file is renamed. What such
//! a kill leaves is recognised by the next write into the same folder:
//! - temporary files (`.NAME.<12 hex digits>.tmp`, for the names being written) are removed:
//!   only that exact pattern, only in that folder, so nothing that is not ours is touched;
//! - a set is marked as being renamed: before the first rename a marker ([`PENDING`]) lists each
//!   file's name and the SHA-256 of what it will hold, and it is removed after the last rename.
//!   A file named in a marker that still holds exactly those bytes was put there by a write that
//!   never finished and never told anyone it had, so it may be replaced without `--force`. A
//!   complete set has no marker and a file changed since no longer matches, so both still need
//!   `--force`: nothing a user was shown, or edited, is replaced silently.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{PkiError, Result};

pub struct OutputFile {
    pub name: String,
    pub contents: String,
    /// Private keys: mode 0600 from the moment the file exists.
    pub secret: bool,
}

impl OutputFile {
    /// A file to be written where `path` points (its directory given to the writer).
    pub fn named_after(path: &Path, contents: String, secret: bool) -> Self {
        Self {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            contents,
            secret,
        }
    }
}

impl std::fmt::Debug for OutputFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputFile")
            .field("name", &self.name)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

/// The marker of a set being renamed into place: `sha256sum` lines (digest, two spaces, name).
pub const PENDING: &str = ".aop-wizard-pending.sha256";

/// Writes all `files` into `dir` (created when missing) or none of them. Existing files are kept
/// unless `force`, except what an interrupted write left (see the module's notes). Returns the
/// final paths in the order given.
pub fn write_files_atomically(
    dir: &Path,
    files: &[OutputFile],
    force: bool,
) -> Result<Vec<PathBuf>> {
    write_until(dir, files, force, &mut || true)
}

/// The first of `names` in `dir` that writing there would replace without `--force`: one that
/// exists and is not what an interrupted write left.
pub fn existing_file<'a>(dir: &Path, names: impl IntoIterator<Item = &'a str>) -> Option<PathBuf> {
    let pending = pending(dir);
    names.into_iter().map(|name| dir.join(name)).find(|path| {
        path.exists()
            && !pending.iter().any(|(digest, name)| {
                dir.join(name) == *path
                    && std::fs::read(path).is_ok_and(|held| sha256(&held) == *digest)
            })
    })
}

/// The write, asking `go_on` before every step that changes the folder: a test stops it there
/// as a kill would, leaving everything as it is.
fn write_until(
    dir: &Path,
    files: &[OutputFile],
    force: bool,
    go_on: &mut dyn FnMut() -> bool,
) -> Result<Vec<PathBuf>> {
    let write_err = |cause| PkiError::Write {
        dir: dir.to_path_buf(),
        cause,
    };
    let stopped = || write_err(std::io::Error::other("stopped"));
    if dir.exists() && !dir.is_dir() {
        return Err(PkiError::NotAFolder {
            dir: dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(dir).map_err(write_err)?;
    remove_leftover_temps(dir, files).map_err(write_err)?;
    if !force && let Some(existing) = existing_file(dir, files.iter().map(|f| f.name.as_str())) {
        return Err(PkiError::WouldOverwrite { path: existing });
    }
    let targets: Vec<PathBuf> = files.iter().map(|f| dir.join(&f.name)).collect();
    let mut staged: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
        if !go_on() {
            return Err(stopped());
        }
        match stage(dir, file) {
            Ok(tmp) => staged.push(tmp),
            Err(source) => {
                for tmp in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(write_err(source));
            }
        }
    }
    // One file is renamed in one step: only a set can be left half-renamed.
    let marked = files.len() > 1;
    if marked {
        let listing: String = files
            .iter()
            .map(|f| format!("{}  {}\n", sha256(f.contents.as_bytes()), f.name))
            .collect();
        let marker = OutputFile {
            name: PENDING.into(),
            contents: listing,
            secret: false,
        };
        if !go_on() {
            return Err(stopped());
        }
        let tmp = stage(dir, &marker).map_err(write_err)?;
        if !go_on() {
            return Err(stopped());
        }
        std::fs::rename(tmp, dir.join(PENDING)).map_err(write_err)?;
    }
    for (tmp, target) in staged.iter().zip(&targets) {
        if !go_on() {
            return Err(stopped());
        }
        std::fs::rename(tmp, target).map_err(write_err)?;
    }
    sync_dir(dir);
    if marked {
        if !go_on() {
            return Err(stopped());
        }
        std::fs::remove_file(dir.join(PENDING)).map_err(write_err)?;
        sync_dir(dir);
    }
    Ok(targets)
}

fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn sha256(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The names and digests in `dir`'s marker, if a write there was interrupted. A line that does
/// not read as one of ours is ignored, so it can only make a file need `--force`.
fn pending(dir: &Path) -> Vec<(String, String)> {
    let Ok(listing) = std::fs::read_to_string(dir.join(PENDING)) else {
        return Vec::new();
    };
    listing
        .lines()
        .filter_map(|line| line.split_once("  "))
        .filter(|(digest, name)| {
            digest.len() == 64 && !name.contains('/') && !name.contains('\\') && !name.is_empty()
        })
        .map(|(digest, name)| (digest.to_string(), name.to_string()))
        .collect()
}

/// Whether `file_name` is a temporary file [`stage`] makes for `name`.
fn is_temp_of(file_name: &str, name: &str) -> bool {
    file_name
        .strip_prefix('.')
        .and_then(|rest| rest.strip_prefix(name))
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(".tmp"))
        .is_some_and(|tag| {
            tag.len() == 12 && tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

/// Removes the temporary files an interrupted write into `dir` left for these names (private
/// keys among them). A write running at the same moment into the same folder would lose its
/// temporary files and fail rather than write a mixed set; two writers into one folder were
/// never going to produce one coherent set anyway.
fn remove_leftover_temps(dir: &Path, files: &[OutputFile]) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let ours = files
            .iter()
            .map(|f| f.name.as_str())
            .chain([PENDING])
            .any(|name| is_temp_of(file_name, name));
        if ours && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The files among `files` that are already in `dir` with other contents: writing them would
/// replace something. A file that cannot be read counts as different.
pub fn differing_files(dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|file| (dir.join(&file.name), file))
        .filter(|(path, file)| {
            // What cannot be read within the cap (a device, a huge file) is not what we write.
            path.exists()
                && super::read_input(path, super::INPUT_CAP)
                    .map_or(true, |held| held != file.contents.as_bytes())
        })
        .map(|(path, _)| path)
        .collect()
}

/// What a file holds, in a few words safe to put on a screen: a certificate's subject and end
/// (the first of a bundle), a private key, or how much other text. Never the file's own text
/// beyond the subject, and that without control characters.
pub fn describe_file(path: &Path) -> String {
    let Ok(bytes) = super::read_input(path, super::INPUT_CAP) else {
        return "a file that cannot be read".into();
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return "binary data".into();
    };
    if let Ok(certificates) = super::certificates_from_pem(&text, path)
        && let Some(first) = certificates.first()
        && let Ok(info) = super::inspect_certificate(first, time::OffsetDateTime::now_utc())
    {
        let subject = crate::untrusted::one_line(&info.subject, 100);
        let more = match certificates.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return format!(
            "{} certificate {subject}, valid until {}{more}",
            info.kind(),
            info.not_after.date()
        );
    }
    if text.contains("ENCRYPTED PRIVATE KEY-----") {
        return "a private key, encrypted".into();
    }
    if text.contains("PRIVATE KEY-----") {
        return "a private key".into();
    }
    crate::words::plural(
        text.lines().count() as u64,
        "line of other text",
        "lines of other text",
    )
}

fn stage(dir: &Path, file: &OutputFile) -> std::io::Result<PathBuf> {
    let mut suffix = [0u8; 6];
    let _ = aws_lc_rs::rand::fill(&mut suffix);
    let tag: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{}.{tag}.tmp", file.name));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if file.secret { 0o600 } else { 0o644 });
    }
    let result = (|| {
        let mut handle = options.open(&tmp)?;
        handle.write_all(file.contents.as_bytes())?;
        handle.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_described_file_never_carries_control_characters_to_the_screen() {
        let dir = tempfile::tempdir().unwrap();
        // Made by hand: this tool refuses to make such a name, but a file may hold one.
        let mut params = rcgen::CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "evil\u{1b}[2J\u{202E}name");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        let path = dir.path().join("ca.crt");
        std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
        let said = describe_file(&path);
        assert!(said.starts_with("CA certificate"), "{said}");
        assert!(
            !said.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{said:?}"
        );
        std::fs::write(&path, [0xff, 0x00, 0x1b]).unwrap();
        assert_eq!(describe_file(&path), "binary data");
    }

    fn set(version: &str) -> Vec<OutputFile> {
        ["ca.crt", "ca.key", "client.crt", "client.key"]
            .into_iter()
            .map(|name| OutputFile {
                name: name.into(),
                contents: format!("{name} {version}"),
                secret: name.ends_with(".key"),
            })
            .collect()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// Every step of a write (4 temporary files, the marker's temporary file and its rename, 4
    /// renames, the marker's removal) is where a kill can land: stopped there, the rerun without
    /// --force writes the whole new set and leaves no temporary file and no marker.
    #[test]
    fn a_write_killed_at_any_step_is_finished_by_the_next_without_force() {
        let steps: usize = 11;
        for kill_at in 0..steps {
            let dir = tempfile::tempdir().unwrap();
            let mut left = kill_at;
            let stopped = write_until(dir.path(), &set("old"), false, &mut || {
                let go = left > 0;
                left = left.saturating_sub(1);
                go
            });
            assert!(stopped.is_err(), "step {kill_at}");
            write_files_atomically(dir.path(), &set("new"), false)
                .unwrap_or_else(|e| panic!("after a kill at step {kill_at}: {e}"));
            assert_eq!(
                names(dir.path()),
                ["ca.crt", "ca.key", "client.crt", "client.key"],
                "step {kill_at}"
            );
            for file in set("new") {
                let held = std::fs::read_to_string(dir.path().join(&file.name)).unwrap();
                assert_eq!(held, file.contents, "step {kill_at}");
            }
        }
        // A write that was not stopped counts its steps as above.
        let dir = tempfile::tempdir().unwrap();
        let mut taken = 0;
        write_until(dir.path(), &set("old"), false, &mut || {
            taken += 1;
            true
        })
        .unwrap();
        assert_eq!(taken, steps);
    }

    #[test]
    fn a_complete_set_an_edited_file_and_foreign_files_are_never_replaced_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        write_files_atomically(dir.path(), &set("old"), false).unwrap();
        let foreign = [
            ".ca.key.backup.tmp",
            ".ca.key.ABCDEF012345.tmp",
            ".notes.0123456789ab.tmp",
            "ca.key.0123456789ab.tmp",
        ];
        for name in foreign {
            std::fs::write(dir.path().join(name), "mine").unwrap();
        }
        std::fs::write(dir.path().join(".ca.key.0123456789ab.tmp"), "left").unwrap();
        let refused = write_files_atomically(dir.path(), &set("new"), false).unwrap_err();
        assert!(
            matches!(refused, PkiError::WouldOverwrite { .. }),
            "{refused:?}"
        );
        for file in set("old") {
            let held = std::fs::read_to_string(dir.path().join(&file.name)).unwrap();
            assert_eq!(held, file.contents);
        }
        // Our leftover temporary file is gone; the look-alikes are not ours and stay.
        let mut expected: Vec<String> = ["ca.crt", "ca.key", "client.crt", "client.key"]
            .into_iter()
            .chain(foreign)
            .map(String::from)
            .collect();
        expected.sort();
        assert_eq!(names(dir.path()), expected);

        // Killed between renames, then ca.key edited by hand: that file needs --force again.
        let dir = tempfile::tempdir().unwrap();
        let mut left: usize = 8;
        let _ = write_until(dir.path(), &set("old"), false, &mut || {
            let go = left > 0;
            left = left.saturating_sub(1);
            go
        });
        assert!(dir.path().join("ca.key").exists());
        std::fs::write(dir.path().join("ca.key"), "edited").unwrap();
        let refused = write_files_atomically(dir.path(), &set("new"), false).unwrap_err();
        assert!(
            matches!(&refused, PkiError::WouldOverwrite { path } if path.ends_with("ca.key")),
            "{refused:?}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("ca.key")).unwrap(),
            "edited"
        );
    }
}
