//! The first set-up, as Cloudflare documents it: SSL mode → certificate → upload → the origin
//! asks and logs → enable → proven through Cloudflare → the origin enforces → proven again →
//! an expiry alert. A plan decided once and saved per zone, carried out stage by stage, saving
//! after each, so a run killed anywhere continues where it stopped. The manual steps on the
//! origin are explicit outcomes (`Finish::NeedsOrigin`), never a guess. Both faces drive it:
//! `aop-wizard setup` headless, the wizard one screen per stage; each stage is one operation in
//! `ops`, which the wizard's screens call too.

mod plan;
pub mod progress;
mod recheck;
mod run;

use std::path::{Path, PathBuf};

pub use plan::{CertificateSource, Setup, SetupRequest, Stage, plan};
pub use recheck::{Recheck, recheck};
pub use run::{Event, Finish, carry_out, preview};

use crate::ops::OperationError;
pub use crate::ops::Scope;

/// Set-ups in progress, one file per zone in the data directory.
#[derive(Debug, Clone)]
pub struct SetupStore {
    dir: PathBuf,
}

impl SetupStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.to_path_buf(),
        }
    }

    /// The file a zone's set-up is saved in.
    pub fn path(&self, zone: &str) -> PathBuf {
        crate::data_dir::state_file(&self.dir, "setups", &zone.to_ascii_lowercase())
    }

    /// The set-up saved for this zone, if any.
    pub fn load(&self, zone: &str) -> Result<Option<Setup>, OperationError> {
        let path = self.path(zone);
        let Some(text) = crate::data_dir::read_state(&path).map_err(OperationError::State)? else {
            return Ok(None);
        };
        Self::decode(&text, &path).map(Some)
    }

    /// A saved set-up's text, read; `path` names where the text came from, for errors.
    pub fn decode(text: &str, path: &Path) -> Result<Setup, OperationError> {
        serde_json::from_str(text).map_err(|e| {
            // serde quotes what it could not read, and that came from the file.
            OperationError::State(format!(
                "{} is not a set-up this version understands ({}); move it away to start over",
                path.display(),
                crate::untrusted::one_line(&e.to_string(), 200)
            ))
        })
    }

    pub fn save(&self, setup: &Setup) -> Result<PathBuf, OperationError> {
        let path = self.path(&setup.zone);
        crate::data_dir::save_json(&path, setup).map_err(OperationError::State)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/regressions/saved_state/`): serde's error quoted the file's
    /// text, a control character included, into the sentence shown to the user.
    #[test]
    fn a_damaged_set_up_is_refused_in_one_line_without_the_file_s_control_characters() {
        let text = r#"{"zone": "example.com", "scope": "Z\u007fne\n\u001b[2J"}"#;
        let error = SetupStore::decode(text, Path::new("example.com.json")).unwrap_err();
        let said = error.to_string();
        assert!(
            said.contains("is not a set-up this version understands (unknown variant"),
            "{said}"
        );
        assert!(said.ends_with("move it away to start over"), "{said}");
        assert!(!said.chars().any(char::is_control), "{said:?}");
    }
}
