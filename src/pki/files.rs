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
