//! Writing certificates and keys so that nothing is ever half-written or readable by others:
//! every file goes to a temporary sibling first (keys created with mode 0600), is synced, and only
//! then renamed into place, and a set of files is written only when all of them can be.

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

/// Writes all `files` into `dir` (created when missing) or none of them. Existing files are kept
/// unless `force`. Returns the final paths in the order given.
pub fn write_files_atomically(
    dir: &Path,
    files: &[OutputFile],
    force: bool,
) -> Result<Vec<PathBuf>> {
    let write_err = |cause| PkiError::Write {
        dir: dir.to_path_buf(),
        cause,
    };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    let targets: Vec<PathBuf> = files.iter().map(|f| dir.join(&f.name)).collect();
    if !force && let Some(existing) = targets.iter().find(|p| p.exists()) {
        return Err(PkiError::WouldOverwrite {
            path: existing.clone(),
        });
    }
    let mut staged: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
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
    for (tmp, target) in staged.iter().zip(&targets) {
        std::fs::rename(tmp, target).map_err(write_err)?;
    }
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(targets)
}

/// The files among `files` that are already in `dir` with other contents: writing them would
/// replace something. A file that cannot be read counts as different.
pub fn differing_files(dir: &Path, files: &[OutputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|file| (dir.join(&file.name), file))
        .filter(|(path, file)| {
            path.exists()
                && std::fs::read(path).map_or(true, |held| held != file.contents.as_bytes())
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
    format!("{} line(s) of other text", text.lines().count())
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
        let ca = crate::pki::CaSpec {
            common_name: "evil\u{1b}[2J\u{202E}name".into(),
            organization: None,
            validity: crate::pki::Validity::days_from(time::OffsetDateTime::now_utc(), 30),
        };
        let leaf = crate::pki::LeafSpec {
            common_name: "leaf".into(),
            validity: crate::pki::Validity::days_from(time::OffsetDateTime::now_utc(), 10),
            purpose: crate::pki::LeafPurpose::ClientAuth,
        };
        let set =
            crate::pki::generate_ca_and_leaf(crate::pki::KeyType::EcdsaP256, &ca, &leaf).unwrap();
        let path = dir.path().join("ca.crt");
        std::fs::write(&path, set.ca.cert_pem()).unwrap();
        let said = describe_file(&path);
        assert!(said.starts_with("CA certificate"), "{said}");
        assert!(
            !said.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{said:?}"
        );
        std::fs::write(&path, [0xff, 0x00, 0x1b]).unwrap();
        assert_eq!(describe_file(&path), "binary data");
    }
}
