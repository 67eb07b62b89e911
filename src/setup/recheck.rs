//! A saved set-up, checked again before it is resumed: nothing in the saved progress is taken on
//! trust. Cloudflare and the files are read again, each saved stage is kept only if what it
//! stands for is still so (and the stages it stands on are), and every difference is said in
//! plain words. Reads only; nothing is changed anywhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::progress::Progress;
use super::{Scope, Stage};
use crate::cloudflare::{Client, SslMode, UploadedCertificate, Zone, certificate_in_use};
use crate::ops::{OperationError, certificate};
use crate::pki::GeneratedFiles;
use crate::snippets::SnippetPhase;

/// What a saved set-up still is, read now.
#[derive(Debug, Clone)]
pub struct Recheck {
    pub zone: Zone,
    pub ssl_mode: SslMode,
    /// Saved stages that are still true.
    pub holds: BTreeSet<Stage>,
    /// Saved stages proven on the origin (a probe), whose Cloudflare side still holds. The
    /// origin is not reachable from a re-check's reads, and proving them means probing it, which
    /// the wizard's own screens do when the user gets there: they are neither done nor lost.
    pub prove_again: BTreeSet<Stage>,
    /// What changed since the set-up was saved, one plain sentence each.
    pub changes: Vec<String>,
    /// The certificate files, when they still check out.
    pub certificate: Option<GeneratedFiles>,
    /// The uploaded certificate, when it is still on Cloudflare as saved.
    pub certificate_id: Option<String>,
    /// The saved files that are still on disk.
    pub files: Vec<(String, PathBuf)>,
    /// The expiry alert policy, when it still exists.
    pub alert_id: Option<String>,
}

/// Re-reads the zone, its SSL/TLS mode, the certificate files, the uploaded certificate, the
/// scope's switch, the written files and the alert policy, and decides which saved stages hold.
pub async fn recheck(client: &Client, progress: &Progress) -> Result<Recheck, OperationError> {
    let zone = client.zone_by_name(&progress.zone).await?;
    let saved = &progress.reached;
    let mut found = Found {
        changes: Vec::new(),
        holds: BTreeSet::new(),
    };

    let ssl_mode = client.ssl_mode(&zone.id).await?;
    if saved.contains(&Stage::SslModeReady) {
        found.check(Stage::SslModeReady, &[], || {
            ssl_mode.supports_aop().then_some(()).ok_or_else(|| {
                format!(
                    "The SSL/TLS mode is now {}: AOP needs Full or Full (strict).",
                    ssl_mode.label()
                )
            })
        });
    }

    let fingerprint = certificate_files(progress, &mut found);
    let own = progress.scope.certificate_scope();
    let uploaded = match (own, &progress.certificate_id, &fingerprint) {
        (Some(scope), Some(id), Some(fingerprint)) => {
            let listed = client.list_certificates(scope, &zone.id).await?;
            // An upload that is not active yet is uploaded again: the upload finds it there
            // (same fingerprint, never a second copy) and waits until it is active.
            for stage in [Stage::Uploaded, Stage::Active] {
                if saved.contains(&stage) {
                    found.check(stage, &[Stage::CertificateReady], || {
                        as_saved_on_cloudflare(&listed, id, fingerprint)
                    });
                }
            }
            Some(listed)
        }
        (Some(_), None, _) if saved.contains(&Stage::Active) => {
            found.lost("The saved set-up names no uploaded certificate: it is uploaded again.");
            None
        }
        _ => None,
    };

    let files = existing_files(progress, &mut found);
    let enforce_suffix = format!("-{}.conf", SnippetPhase::Enforce.name());
    let missing_in_phase = |enforce: bool| {
        progress.files.iter().any(|(_, path)| {
            !path.exists()
                && is_origin_file(progress, path)
                && path.to_string_lossy().ends_with(&enforce_suffix) == enforce
        })
    };
    for (stage, enforce) in [
        (Stage::LogSnippetWritten, false),
        (Stage::EnforceSnippetWritten, true),
    ] {
        if saved.contains(&stage) {
            // The CA copy beside the snippet is of the set-up's CA: it stands on the certificate.
            found.check(stage, &[Stage::CertificateReady], || {
                if missing_in_phase(enforce) {
                    Err(String::new())
                } else {
                    Ok(())
                }
            });
        }
    }

    if saved.contains(&Stage::Enabled) {
        let stands_on: &[Stage] = if progress.scope.uses_own_certificate() {
            &[Stage::Active]
        } else {
            &[Stage::CertificateReady]
        };
        let switch = if found.all_hold(stands_on) {
            switch_on(client, &zone, progress, uploaded.as_deref()).await?
        } else {
            Ok(())
        };
        found.check(Stage::Enabled, stands_on, || switch);
    }

    origin_proofs(saved, &mut found, missing_in_phase(true));

    if saved.contains(&Stage::AlertSet) {
        let policies = crate::cloudflare::expiry_alerts(client, &zone.account.id).await?;
        found.check(Stage::AlertSet, &[], || match &progress.alert_id {
            Some(id) if policies.iter().any(|p| p.id == *id) => Ok(()),
            Some(_) => Err(
                "The certificate expiry alert is gone from the account: it is set up again.".into(),
            ),
            // Saved before the id was kept: the alert screen finds the policy again (an
            // identical one is reused, never duplicated).
            None => Err(
                "The saved set-up does not name its expiry alert: it is looked up again.".into(),
            ),
        });
    }

    let holds = found.holds;
    let prove_again = saved
        .iter()
        .copied()
        .filter(|s| is_origin_proof(*s) && !holds.contains(s))
        .filter(|s| origin_proof_stands(*s, &holds, saved, missing_in_phase(true)))
        .collect();
    Ok(Recheck {
        certificate: progress
            .certificate
            .clone()
            .filter(|_| holds.contains(&Stage::CertificateReady)),
        certificate_id: progress
            .certificate_id
            .clone()
            .filter(|_| holds.contains(&Stage::Active) || holds.contains(&Stage::Uploaded)),
        alert_id: progress
            .alert_id
            .clone()
            .filter(|_| holds.contains(&Stage::AlertSet)),
        zone,
        ssl_mode,
        holds,
        prove_again,
        changes: found.changes,
        files,
    })
}

/// The stages found to hold so far, and what was found changed.
struct Found {
    changes: Vec<String>,
    holds: BTreeSet<Stage>,
}

impl Found {
    /// `stage` holds when every stage it stands on holds and `check` finds it so; a failed
    /// check's sentence (when not empty) is a change. A stage whose footing is gone is not
    /// said again: the change under it was.
    fn check(
        &mut self,
        stage: Stage,
        stands_on: &[Stage],
        check: impl FnOnce() -> Result<(), String>,
    ) {
        if !self.all_hold(stands_on) {
            return;
        }
        match check() {
            Ok(()) => {
                self.holds.insert(stage);
            }
            Err(change) if change.is_empty() => {}
            Err(change) => self.lost(&change),
        }
    }

    fn all_hold(&self, stages: &[Stage]) -> bool {
        stages.iter().all(|s| self.holds.contains(s))
    }

    /// Every change is said on a screen, and holds text from answers and files: it is made fit
    /// for one here.
    fn lost(&mut self, change: &str) {
        let change = shown(change);
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }
}

/// The certificate stage: the files on disk, still a matching certificate, key and CA (global
/// AOP: Cloudflare's CA, shipped in the binary, always is). The client certificate's
/// fingerprint when it checks out.
fn certificate_files(progress: &Progress, found: &mut Found) -> Option<String> {
    if !progress.reached.contains(&Stage::CertificateReady) {
        return None;
    }
    if !progress.scope.uses_own_certificate() {
        found.check(Stage::CertificateReady, &[], || Ok(()));
        return None;
    }
    let Some(files) = &progress.certificate else {
        found.lost("The saved set-up names no certificate files: make or import them again.");
        return None;
    };
    let checked = certificate::check_import(&files.client_cert, &files.client_key, &files.ca_cert);
    let fingerprint = checked.as_ref().ok().cloned();
    found.check(Stage::CertificateReady, &[], || {
        checked.map(|_| ()).map_err(|e| {
            format!("The certificate files no longer check out ({e}): make or import them again.")
        })
    });
    fingerprint
}

/// The saved certificate is on Cloudflare, the same one as in the files, and active.
fn as_saved_on_cloudflare(
    listed: &[UploadedCertificate],
    id: &str,
    fingerprint: &str,
) -> Result<(), String> {
    // One being deleted is as good as gone: it will never be presented again.
    let Some(found) = listed.iter().find(|c| c.id == id && !c.is_going_away()) else {
        return Err(format!(
            "The certificate {} is gone from Cloudflare: it is uploaded again.",
            short(id)
        ));
    };
    if found.fingerprint().as_deref() != Some(fingerprint) {
        return Err(format!(
            "The certificate {} on Cloudflare is not the one in the saved files: the saved one is uploaded.",
            short(id)
        ));
    }
    if !found.is_active() {
        let status = found
            .status
            .as_ref()
            .map_or("without a status", |s| s.as_str());
        return Err(format!(
            "The certificate {} is {status} on Cloudflare, not active: the upload screen waits for it.",
            short(id),
        ));
    }
    Ok(())
}

/// The scope's switch, read back: `Err` says what is no longer on.
async fn switch_on(
    client: &Client,
    zone: &Zone,
    progress: &Progress,
    zone_certificates: Option<&[UploadedCertificate]>,
) -> Result<Result<(), String>, OperationError> {
    let id = progress.certificate_id.as_deref().unwrap_or_default();
    Ok(match progress.scope {
        Scope::Global => {
            if client.global_aop(&zone.id).await? {
                Ok(())
            } else {
                Err("Global AOP (tls_client_auth) was turned off.".into())
            }
        }
        Scope::Zone => {
            if !client.zone_aop_enabled(&zone.id).await? {
                Err("Zone-level AOP was turned off.".into())
            } else {
                // Cloudflare presents the most recently deployed active certificate.
                match zone_certificates.and_then(certificate_in_use) {
                    Some(in_use) if in_use.id == id => Ok(()),
                    Some(in_use) => Err(format!(
                        "Cloudflare now presents the certificate {}, not {}.",
                        short(&in_use.id),
                        short(id)
                    )),
                    None => {
                        Err("Cloudflare has no active zone-level certificate to present.".into())
                    }
                }
            }
        }
        Scope::Hostname => {
            let mut off = Vec::new();
            for hostname in &progress.hostnames {
                let association = client.hostname_association(&zone.id, hostname).await?;
                if association.cert_id.as_deref() != Some(id) || association.enabled != Some(true) {
                    off.push(hostname.as_str());
                }
            }
            match (progress.hostnames.is_empty(), off.is_empty()) {
                (true, _) => Err("The saved set-up names no hostname: pick them again.".into()),
                (false, true) => Ok(()),
                (false, false) => Err(format!(
                    "Per-hostname AOP with {} is no longer on for {}.",
                    short(id),
                    off.join(", ")
                )),
            }
        }
    })
}

/// The stages a probe of the origin proves.
fn is_origin_proof(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::OriginAsks
            | Stage::ServedWhileLogging
            | Stage::OriginEnforces
            | Stage::ServedWhileEnforcing
    )
}

/// Whether the Cloudflare side and the files an origin proof stands on still hold.
fn origin_proof_stands(
    stage: Stage,
    holds: &BTreeSet<Stage>,
    saved: &BTreeSet<Stage>,
    enforce_file_missing: bool,
) -> bool {
    let needs: &[Stage] = match stage {
        Stage::OriginAsks => &[Stage::LogSnippetWritten],
        Stage::ServedWhileLogging => &[
            Stage::SslModeReady,
            Stage::LogSnippetWritten,
            Stage::Enabled,
        ],
        _ => &[Stage::SslModeReady, Stage::Enabled],
    };
    // The wizard records the enforce snippet with its proof; a record that names the snippet
    // on its own needs it still to hold.
    let enforce_written = !saved.contains(&Stage::EnforceSnippetWritten)
        || holds.contains(&Stage::EnforceSnippetWritten);
    let enforce_side = !matches!(stage, Stage::OriginEnforces | Stage::ServedWhileEnforcing)
        || (enforce_written && !enforce_file_missing);
    needs.iter().all(|s| holds.contains(s)) && enforce_side
}

/// A log-phase proof is history once the enforce phase was proven: the origin has moved on, so
/// it cannot show log-only again, and proving the enforce phase again (through Cloudflare, which
/// it needs) proves all the log phase did. It holds as long as that proof stands.
fn origin_proofs(saved: &BTreeSet<Stage>, found: &mut Found, enforce_file_missing: bool) {
    if !saved.contains(&Stage::ServedWhileEnforcing) {
        return;
    }
    for stage in [Stage::OriginAsks, Stage::ServedWhileLogging] {
        if saved.contains(&stage)
            && origin_proof_stands(
                Stage::ServedWhileEnforcing,
                &found.holds,
                saved,
                enforce_file_missing,
            )
            && origin_proof_stands(stage, &found.holds, saved, enforce_file_missing)
        {
            found.holds.insert(stage);
        }
    }
}

/// The snippets and CA copies written for the origin (the certificate's own files are checked
/// as a set).
fn is_origin_file(progress: &Progress, path: &Path) -> bool {
    progress.certificate.as_ref().is_none_or(|c| {
        ![&c.ca_cert, &c.ca_key, &c.client_cert, &c.client_key].contains(&&path.to_path_buf())
    })
}

/// The saved files still on disk; each one gone is a change.
fn existing_files(progress: &Progress, found: &mut Found) -> Vec<(String, PathBuf)> {
    let mut kept = Vec::new();
    for (what, path) in &progress.files {
        if path.exists() {
            kept.push((what.clone(), path.clone()));
        } else {
            found.lost(&format!("{} is gone ({what}).", path.display()));
        }
    }
    kept
}

/// An id as a person compares it: its first characters.
fn short(id: &str) -> String {
    let id = shown(id);
    match id.char_indices().nth(8) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id,
    }
}

/// Text from an answer or a file, fit for the screen.
fn shown(text: &str) -> String {
    crate::untrusted::one_line(text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_reach_the_screen_with_control_characters_escaped_and_ids_are_shortened() {
        let mut found = Found {
            changes: Vec::new(),
            holds: BTreeSet::new(),
        };
        found.lost("The certificate \u{1b}[2Jabc is gone.");
        found.lost("The certificate \u{1b}[2Jabc is gone.");
        assert_eq!(found.changes, vec!["The certificate \\x1b[2Jabc is gone."]);
        found.lost(&"x".repeat(1000));
        assert_eq!(found.changes[1].chars().count(), 301);
        assert_eq!(short("2458ce5a-0c35-4c7f"), "2458ce5a…");
        assert_eq!(short("abc"), "abc");
    }
}
