//! Certificate rotation without a moment in which Cloudflare presents nothing to an enforcing
//! origin: a plan decided once and saved, then carried out stage by stage, saving after each, so
//! a run killed anywhere resumes where it stopped. Every stage can be repeated safely: uploads
//! are matched by fingerprint, re-pointing is idempotent, a certificate already deleted is done.

mod plan;
mod run;

use std::path::{Path, PathBuf};

pub use plan::{Rotation, RotationRequest, Stage, plan};
pub use run::{Event, Finish, Rotated, abort, carry_out};

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
    pub fn load(&self, zone: &str, hostname: Option<&str>) -> Result<Option<Rotation>, String> {
        let path = self.path(zone, hostname);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                format!(
                    "{} is not a rotation state this version understands ({e}); move it away to start over",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn save(&self, rotation: &Rotation) -> Result<PathBuf, String> {
        let path = self.path_of(rotation);
        crate::data_dir::save_json(&path, rotation)?;
        Ok(path)
    }

    pub fn forget(&self, rotation: &Rotation) -> Result<(), String> {
        match std::fs::remove_file(self.path_of(rotation)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        }
    }
}
