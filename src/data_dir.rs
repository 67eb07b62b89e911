//! Where aop-wizard keeps what must survive a restart (wizard progress, rotations in flight,
//! the log): `AOP_WIZARD_DATA_DIR`, else the platform's data directory. Never a token or a key.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// `AOP_WIZARD_DATA_DIR`, else the platform's data directory (`~/.local/share/aop-wizard`).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AOP_WIZARD_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "aop-wizard").map(|d| d.data_dir().to_path_buf())
}

/// `dir/kind/<name>.json`, with anything but letters, digits, dots and dashes replaced.
pub fn state_file(dir: &Path, kind: &str, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(kind).join(format!("{safe}.json"))
}

/// A saved state's text, or `None` when none is saved. Read as any input is: only from a regular
/// file and at most [`crate::pki::INPUT_CAP`] bytes.
pub fn read_state(path: &Path) -> Result<Option<String>, String> {
    match crate::pki::read_input(path, crate::pki::INPUT_CAP) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            format!(
                "{} is not text, so not a state this program saved; move it away to start over",
                path.display()
            )
        }),
        Err(crate::pki::PkiError::Read { cause, .. })
            if cause.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Written beside the target and renamed: a crash leaves the old state or the new, never half.
pub fn save_json(path: &Path, value: &impl Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    let parent = path.parent().unwrap_or(Path::new("."));
    let file = crate::pki::OutputFile::named_after(path, text, false);
    crate::pki::write_files_atomically(parent, &[file], true)
        .map(drop)
        .map_err(|e| e.to_string())
}
