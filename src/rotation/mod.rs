//! Certificate rotation without a moment in which Cloudflare presents nothing to an enforcing
//! origin: a plan decided once and saved, then carried out stage by stage, saving after each, so
//! a run killed anywhere resumes where it stopped. Every stage can be repeated safely: uploads
//! are matched by fingerprint, re-pointing is idempotent, a certificate already deleted is done.

mod plan;
mod run;

use std::path::{Path, PathBuf};

pub use plan::{Rotation, RotationRequest, Stage, plan};
pub use run::{Event, Finish, Rotated, abort, carry_out};

use crate::cloudflare::CloudflareError;
use crate::ops::OperationError;

/// What stopped a rotation, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// What every procedure can meet (Cloudflare, a certificate, a snippet, a probe), kept in
    /// the one type that classifies it, so no match has two places to look.
    #[error(transparent)]
    Operation(#[from] OperationError),
    /// The rotation cannot be planned or continued as asked (a flag, a file, the zone's state).
    #[error("{0}")]
    Refused(String),
    /// The saved rotation cannot be read, written or removed, or is incomplete.
    #[error("{0}")]
    State(String),
}

/// Through `OperationError`, as everywhere else.
macro_rules! through_operation {
    ($($error:ty),*) => {$(
        impl From<$error> for RotationError {
            fn from(error: $error) -> Self {
                RotationError::Operation(error.into())
            }
        }
    )*};
}
through_operation!(
    CloudflareError,
    crate::pki::PkiError,
    crate::snippets::SnippetError,
    crate::probe::ProbeError
);

impl RotationError {
    /// A Cloudflare API, network or credential failure, as opposed to bad input.
    pub fn is_cloudflare(&self) -> bool {
        matches!(self, RotationError::Operation(error) if error.is_cloudflare())
    }

    /// Something the rotation needs was not given.
    pub fn is_usage(&self) -> bool {
        matches!(self, RotationError::Operation(error) if error.is_usage())
    }
}

/// Rotations in flight, one file per zone (or zone and hostname) in the data directory.
#[derive(Debug, Clone)]
pub struct RotationStore {
    dir: PathBuf,
}

impl RotationStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.to_path_buf(),
        }
    }

    fn path(&self, zone: &str, hostname: Option<&str>) -> PathBuf {
        let name = match hostname {
            Some(hostname) => format!("{zone}+{hostname}"),
            None => zone.to_string(),
        };
        crate::data_dir::state_file(&self.dir, "rotations", &name)
    }

    fn path_of(&self, rotation: &Rotation) -> PathBuf {
        let hostname = match rotation.scope {
            crate::cloudflare::CertificateScope::Zone => None,
            crate::cloudflare::CertificateScope::Hostname => {
                rotation.hostnames.first().map(String::as_str)
            }
        };
        self.path(&rotation.zone, hostname)
    }

    /// The rotation in flight for this zone (and hostname), if any.
    pub fn load(
        &self,
        zone: &str,
        hostname: Option<&str>,
    ) -> Result<Option<Rotation>, RotationError> {
        let path = self.path(zone, hostname);
        let Some(text) = crate::data_dir::read_state(&path).map_err(RotationError::State)? else {
            return Ok(None);
        };
        Self::decode(&text, &path).map(Some)
    }

    /// A saved rotation's text, read and checked as a resume needs it; `path` names where the
    /// text came from, for errors.
    pub fn decode(text: &str, path: &Path) -> Result<Rotation, RotationError> {
        let rotation: Rotation = serde_json::from_str(text).map_err(|e| {
            // serde quotes what it could not read, and that came from the file.
            RotationError::State(format!(
                "{} is not a rotation state this version understands ({}); move it away to start over",
                path.display(),
                crate::untrusted::one_line(&e.to_string(), 200)
            ))
        })?;
        rotation.check_values().map_err(|why| {
            RotationError::State(format!(
                "{} cannot be resumed: {why}; the file was damaged or edited, so move it away to start over",
                path.display()
            ))
        })?;
        Ok(rotation)
    }

    pub fn save(&self, rotation: &Rotation) -> Result<PathBuf, RotationError> {
        let path = self.path_of(rotation);
        rotation.check_values().map_err(|why| {
            RotationError::Refused(format!(
                "the rotation plan was not saved: {why}; give other day counts"
            ))
        })?;
        crate::data_dir::save_json(&path, rotation).map_err(RotationError::State)?;
        Ok(path)
    }

    pub fn forget(&self, rotation: &Rotation) -> Result<(), RotationError> {
        match std::fs::remove_file(self.path_of(rotation)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(RotationError::State(e.to_string()))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As for a set-up (found by fuzzing): the file's text never reaches the sentence raw.
    #[test]
    fn a_damaged_rotation_is_refused_in_one_line_without_the_file_s_control_characters() {
        let text = r#"{"zone": "example.com", "scope": "\u001b]0;PWNED\u0007\r\n"}"#;
        let error = RotationStore::decode(text, Path::new("example.com.json")).unwrap_err();
        let said = error.to_string();
        assert!(
            said.contains("is not a rotation state this version understands (unknown variant"),
            "{said}"
        );
        assert!(!said.chars().any(char::is_control), "{said:?}");
    }
}
