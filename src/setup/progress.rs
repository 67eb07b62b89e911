//! The wizard's progress through the set-up, saved after every completed effect, one file per
//! zone in the data directory, so a restart resumes where it stopped: which stages of the
//! set-up it reached, with the certificate's files and id. Never the token: that stays in the
//! keyring.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Scope, Stage};
use crate::pki::GeneratedFiles;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub zone: String,
    pub scope: Scope,
    /// The stages of the set-up reached so far.
    pub reached: BTreeSet<Stage>,
    #[serde(default)]
    pub certificate: Option<GeneratedFiles>,
    #[serde(default)]
    pub certificate_id: Option<String>,
    #[serde(default)]
    pub hostnames: Vec<String>,
    /// Every file written, with what it is for.
    #[serde(default)]
    pub files: Vec<(String, PathBuf)>,
    /// The expiry alert policy made, if one was.
    #[serde(default)]
    pub alert_id: Option<String>,
}

fn file_for(dir: &Path, zone: &str) -> PathBuf {
    crate::data_dir::state_file(dir, "progress", zone)
}

pub fn save(dir: &Path, progress: &Progress) -> Result<PathBuf, String> {
    let path = file_for(dir, &progress.zone);
    crate::data_dir::save_json(&path, progress)?;
    Ok(path)
}

/// A saved progress's text, read.
pub fn decode(text: &str) -> Result<Progress, serde_json::Error> {
    serde_json::from_str(text)
}

/// Every saved progress, newest first; unreadable files are skipped (and logged).
pub fn load_all(dir: &Path) -> Vec<Progress> {
    let Ok(entries) = std::fs::read_dir(dir.join("progress")) else {
        return Vec::new();
    };
    let mut found: Vec<(std::time::SystemTime, Progress)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| {
            let modified = e.metadata().and_then(|m| m.modified()).ok()?;
            let text = crate::data_dir::read_state(&e.path()).ok().flatten()?;
            match decode(&text) {
                Ok(progress) => Some((modified, progress)),
                Err(error) => {
                    tracing::warn!(path = %e.path().display(), %error, "ignoring unreadable progress");
                    None
                }
            }
        })
        .collect();
    found.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Days each set-up's client certificate has left, read from its file when it is at hand.
pub fn days_left(saved: &[Progress]) -> Vec<Option<i64>> {
    let now = time::OffsetDateTime::now_utc();
    saved
        .iter()
        .map(|progress| {
            let cert = &progress.certificate.as_ref()?.client_cert;
            let der = crate::pki::load_certificates(cert)
                .ok()?
                .into_iter()
                .next()?;
            crate::pki::inspect_certificate(&der, now)
                .ok()
                .map(|info| info.days_left)
        })
        .collect()
}

pub fn forget(dir: &Path, zone: &str) {
    let _ = std::fs::remove_file(file_for(dir, zone));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_and_never_holds_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let progress = Progress {
            zone: "example.com".into(),
            scope: Scope::Zone,
            reached: [Stage::SslModeReady, Stage::CertificateReady].into(),
            certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
            ..Progress::default()
        };
        let path = save(dir.path(), &progress).unwrap();
        assert_eq!(load_all(dir.path()), vec![progress]);
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.to_lowercase().contains("token\":"), "{text}");
        forget(dir.path(), "example.com");
        assert!(load_all(dir.path()).is_empty());
    }
}
