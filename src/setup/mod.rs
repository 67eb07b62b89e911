//! The first set-up, as Cloudflare documents it: SSL mode → certificate → upload → the origin
//! asks and logs → enable → proven through Cloudflare → the origin enforces → proven again →
//! an expiry alert. A plan decided once and saved per zone, carried out stage by stage, saving
//! after each, so a run killed anywhere continues where it stopped. The manual steps on the
//! origin are explicit outcomes (`Finish::NeedsOrigin`), never a guess. Both faces drive it:
//! `aop-wizard setup` headless, the wizard one screen per stage; each stage is one operation in
//! `ops`, which the wizard's screens call too.

pub mod certificate;
pub mod ops;
mod plan;
mod run;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use plan::{CertificateSource, Setup, SetupRequest, Stage, plan};
pub use run::{Event, Finish, carry_out, preview};

use crate::cloudflare::{CertificateScope, CloudflareError};

/// Which certificate Cloudflare presents to the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scope {
    Global,
    #[default]
    Zone,
    Hostname,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Zone, Scope::Hostname, Scope::Global];

    pub fn label(self) -> &'static str {
        match self {
            Scope::Global => "Global",
            Scope::Zone => "Zone-level",
            Scope::Hostname => "Per-hostname",
        }
    }

    /// As `--scope` takes it.
    pub fn cli_name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Zone => "zone",
            Scope::Hostname => "hostname",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Scope::Zone => {
                "Your own CA and certificate, sent for every proxied hostname of the zone. Recommended: only your certificate opens your origin."
            }
            Scope::Hostname => {
                "Your own certificate for chosen hostnames only (up to 10 certificates per zone, 100 hostnames each); it wins over zone-level."
            }
            Scope::Global => {
                "Cloudflare's shared certificate, the same for every Cloudflare customer: anyone on Cloudflare can reach your origin. Quick, but weak."
            }
        }
    }

    /// Global AOP uses Cloudflare's certificate: nothing to upload, no expiry alert to set.
    pub fn uses_own_certificate(self) -> bool {
        self != Scope::Global
    }

    /// Where an own certificate is uploaded; none for global.
    pub fn certificate_scope(self) -> Option<CertificateScope> {
        match self {
            Scope::Global => None,
            Scope::Zone => Some(CertificateScope::Zone),
            Scope::Hostname => Some(CertificateScope::Hostname),
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.cli_name() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown scope {s:?}; choose zone, hostname or global"))
    }
}

/// What went wrong in a set-up step, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Cloudflare(#[from] CloudflareError),
    #[error(transparent)]
    Certificate(#[from] crate::pki::PkiError),
    #[error(transparent)]
    Snippet(#[from] crate::snippets::SnippetError),
    /// The request cannot be carried out as given (a flag, a file, the zone's state).
    #[error("{0}")]
    Refused(String),
    /// The saved progress cannot be read or written.
    #[error("{0}")]
    State(String),
}

impl SetupError {
    /// A Cloudflare API, network or credential failure, as opposed to bad input.
    pub fn is_cloudflare(&self) -> bool {
        matches!(self, SetupError::Cloudflare(_))
    }
}

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

    fn path(&self, zone: &str) -> PathBuf {
        crate::data_dir::state_file(&self.dir, "setups", &zone.to_ascii_lowercase())
    }

    /// The set-up saved for this zone, if any.
    pub fn load(&self, zone: &str) -> Result<Option<Setup>, SetupError> {
        let path = self.path(zone);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                SetupError::State(format!(
                    "{} is not a set-up this version understands ({e}); move it away to start over",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SetupError::State(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    pub fn save(&self, setup: &Setup) -> Result<PathBuf, SetupError> {
        let path = self.path(&setup.zone);
        crate::data_dir::save_json(&path, setup).map_err(SetupError::State)?;
        Ok(path)
    }
}
