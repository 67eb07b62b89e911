//! Carrying a rotation out, one stage at a time, saving after each.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::plan::{Rotation, Stage};
use super::{RotationError, RotationStore};
use crate::cloudflare::{
    CertificateScope, Client, CloudflareError, HostnameConfig, HostnameEnablement,
};
use crate::ops::{self, OperationError, Pace, certificate};
use crate::pki::{self, CertificateAuthority, OutputFile, Passphrase};
use crate::probe::{AttemptTarget, ClientIdentity, attempt_once};
use crate::snippets::{self, CaFile, SnippetRequest};

type Result<T, E = RotationError> = std::result::Result<T, E>;

/// What a face shows while a rotation runs.
pub type Event = ops::Event<Stage>;

/// How a run ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Finish {
    Rotated(Rotated),
    /// The origin does not accept the new certificate (or, with a new CA, the old one) yet: put
    /// `snippet` on it, reload, run again. Nothing changed on Cloudflare.
    OriginNotReady {
        snippet: Option<PathBuf>,
        problems: Vec<String>,
    },
    /// Cloudflare presents the new certificate and a request through it failed: the old
    /// certificate is kept; fix the origin and run again, or abort to go back.
    EdgeRefused {
        problems: Vec<String>,
    },
    /// Per-hostname: every hostname uses the new certificate, and Cloudflare would not delete
    /// the old one (or voiding it moved a hostname): nothing is at risk; `problems` say what
    /// to do before running again.
    OldKept {
        problems: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotated {
    pub certificate_id: String,
    pub fingerprint: String,
    pub certificate: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// The single-CA snippet to put on the origin now that the old CA is no longer needed.
    pub final_snippet: Option<PathBuf>,
    /// What a direct request without a certificate got: the origin should still refuse it.
    pub origin_without_certificate: Vec<String>,
    pub origin_still_enforces: bool,
}

/// Runs the rotation from its saved stage to the end, or to the first thing the user must do.
pub async fn carry_out(
    client: &Client,
    rotation: &mut Rotation,
    store: &RotationStore,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<Finish> {
    loop {
        let next = match rotation.stage {
            Stage::Planned => {
                write_new_files(rotation)?;
                Stage::FilesWritten
            }
            Stage::FilesWritten => {
                if let Some(finish) = prove_origin_accepts(rotation, pace, report).await? {
                    return Ok(finish);
                }
                Stage::OriginAccepts
            }
            Stage::OriginAccepts => {
                upload(client, rotation, report).await?;
                Stage::Uploaded
            }
            Stage::Uploaded => {
                wait_until_active(client, rotation, pace, report).await?;
                Stage::Active
            }
            Stage::Active => {
                switch(client, rotation).await?;
                Stage::Switched
            }
            Stage::Switched => {
                let problems = check_edge(rotation, pace, report).await;
                if !problems.is_empty() {
                    return Ok(Finish::EdgeRefused { problems });
                }
                Stage::EdgeVerified
            }
            Stage::EdgeVerified => {
                if let Some(finish) = delete_old(client, rotation).await? {
                    return Ok(finish);
                }
                Stage::OldDeleted
            }
            Stage::OldDeleted => {
                let rotated = finish(rotation, pace).await?;
                store.forget(rotation)?;
                return Ok(Finish::Rotated(rotated));
            }
        };
        rotation.stage = next;
        store.save(rotation)?;
        report(Event::Reached(next, stage_detail(rotation, next)));
    }
}

fn stage_detail(rotation: &Rotation, stage: Stage) -> String {
    let id = rotation.new_id.as_deref().unwrap_or("?");
    match stage {
        Stage::Planned => String::new(),
        Stage::FilesWritten => format!(
            "{} and {} (SHA-256 {})",
            rotation.new_cert.display(),
            rotation.new_key.display(),
            rotation.new_fingerprint.as_deref().unwrap_or("?")
        ),
        Stage::OriginAccepts => match rotation.origin.addresses.len() {
            0 => "not probed: no --origin given (the CA does not change)".into(),
            1 => "1 origin address serves requests made with it".into(),
            n => format!("{n} origin addresses serve requests made with it"),
        },
        Stage::Uploaded => format!("certificate {id}"),
        Stage::Active => format!("certificate {id} is active; the old one is still there"),
        Stage::Switched => match rotation.scope {
            CertificateScope::Zone => format!("certificate {id} is the newest active one"),
            CertificateScope::Hostname => {
                format!("{} now use {id}", rotation.hostnames.join(", "))
            }
        },
        Stage::EdgeVerified if !rotation.origin.check_edge => {
            "skipped (--no-edge-check): nothing here proved requests through Cloudflare still pass"
                .into()
        }
        Stage::EdgeVerified => "requests through Cloudflare are served".into(),
        Stage::OldDeleted => format!("certificate {} deleted", rotation.old_id),
    }
}

/// Writes the new leaf (and CA). Repeated after a crash, it starts over with new keys: nothing
/// has left the machine yet.
fn write_new_files(rotation: &mut Rotation) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let leaf_spec = certificate::leaf_spec(
        certificate::leaf_common_name(Some(&rotation.zone)),
        rotation.leaf_days,
        now,
    )?;
    let mut files = Vec::new();
    let leaf = if rotation.new_ca {
        let ca_spec = certificate::ca_spec(
            certificate::ca_common_name(Some(&rotation.zone), now),
            rotation.ca_days,
            now,
        )?;
        let set = pki::generate_ca_and_leaf(rotation.key_type, &ca_spec, &leaf_spec)?;
        files.push(OutputFile::named_after(
            &rotation.ca_cert,
            set.ca.cert_pem().to_string(),
            false,
        ));
        files.push(OutputFile::named_after(
            &rotation.ca_key,
            set.ca.key_pem(),
            true,
        ));
        set.leaf
    } else {
        let passphrase = match &rotation.ca_passphrase {
            Some(typed) => Some(typed.clone()),
            None => rotation
                .ca_passphrase_env
                .as_deref()
                .map(certificate::passphrase_from_env)
                .transpose()?
                .map(Passphrase::new),
        };
        let ca = CertificateAuthority::load(
            &rotation.ca_cert,
            &rotation.ca_key,
            passphrase.as_ref().map(Passphrase::expose),
        )?;
        ca.issue(&leaf_spec, pki::generate_key(rotation.key_type)?)?
    };
    files.push(OutputFile::named_after(
        &rotation.new_cert,
        leaf.cert_pem.clone(),
        false,
    ));
    files.push(OutputFile::named_after(
        &rotation.new_key,
        leaf.key_pem(),
        true,
    ));
    pki::write_files_atomically(&rotation.out_dir, &files, true)?;
    rotation.new_fingerprint = Some(pki::fingerprint_sha256(&leaf.cert_der));
    Ok(())
}

/// Before Cloudflare hears of it: the origin must serve a request made with the new leaf and,
/// when the CA changes, still one made with the old leaf (directly when its key is at hand,
/// else through Cloudflare, which presents the old one until the switch).
async fn prove_origin_accepts(
    rotation: &Rotation,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<Option<Finish>> {
    let snippet = if rotation.new_ca {
        let (path, prepare) =
            write_snippet(rotation, &rotation.origin_ca_paths_during(), "both-cas")?;
        // A server that reads one CA file loads a bundle of both, built first on the origin:
        // without it the two-CA snippet fails its config test.
        let build = if prepare.is_empty() {
            String::new()
        } else {
            format!(", run there {},", prepare.join(" and "))
        };
        report(Event::Note(format!(
            "The CA changes: copy {} to {} on the origin{build} and install the two-CA snippet {}",
            rotation.ca_cert.display(),
            rotation.new_ca_path.as_deref().unwrap_or_default(),
            path.display()
        )));
        Some(path)
    } else {
        None
    };
    let mut problems = Vec::new();
    let new = ClientIdentity::from_files(&rotation.new_cert, &rotation.new_key)?;
    problems.extend(refusals(rotation, &new, "the new certificate", pace).await);
    if rotation.new_ca {
        match &rotation.old_leaf {
            Some((cert, key)) => {
                let old = ClientIdentity::from_files(cert, key)?;
                problems.extend(refusals(rotation, &old, "the current certificate", pace).await);
            }
            None if rotation.origin.check_edge => {
                // Cloudflare still presents the old certificate: its answer is the old leaf's.
                problems.extend(check_edge(rotation, pace, report).await);
            }
            None => problems.push(
                "the current certificate's key is not at hand and --no-edge-check was given, so nothing proves the origin still accepts it: pass --old-cert and --old-key".into(),
            ),
        }
    }
    Ok((!problems.is_empty()).then_some(Finish::OriginNotReady { snippet, problems }))
}

/// Every origin × hostname that does not serve a request made with `identity`, in words.
async fn refusals(
    rotation: &Rotation,
    identity: &ClientIdentity,
    what: &str,
    pace: Pace,
) -> Vec<String> {
    let mut problems = Vec::new();
    for target in origin_targets(rotation) {
        let attempt = attempt_once(&target, Some(identity), pace.probe_timeout).await;
        if !attempt.outcome.is_served() {
            problems.push(format!(
                "{} ({}) does not serve a request made with {what}: {}",
                target.address,
                target.hostname,
                attempt.outcome.describe()
            ));
        }
    }
    problems
}

/// Every origin address × hostname the rotation proves.
fn origin_targets(rotation: &Rotation) -> Vec<AttemptTarget> {
    let origin = &rotation.origin;
    origin
        .addresses
        .iter()
        .flat_map(|address| {
            origin.hostnames.iter().map(|hostname| AttemptTarget {
                address: *address,
                hostname: hostname.clone(),
                path: "/".into(),
            })
        })
        .collect()
}

/// The snippet for these CA files, written; its path and the commands to run on the origin
/// before it (the CA bundle of a single-file server).
fn write_snippet(
    rotation: &Rotation,
    ca_paths: &[String],
    label: &str,
) -> Result<(PathBuf, Vec<String>)> {
    let cas = ca_paths
        .iter()
        .map(|path| CaFile {
            path: path.clone(),
            certificates: Some(1),
        })
        .collect();
    let mut request = SnippetRequest::new(
        rotation.origin.server,
        rotation.origin.phase,
        cas,
        OffsetDateTime::now_utc().date(),
    );
    request.server_version = rotation.origin.server_version;
    request.log_dir = rotation.origin.log_dir.clone();
    let rendered = snippets::render(&request)?;
    let text = rendered.text();
    let path = rotation.out_dir.join(format!(
        "{}-{}-{label}.conf",
        rotation.origin.server.name(),
        rotation.origin.phase.name()
    ));
    pki::write_files_atomically(
        &rotation.out_dir,
        &[OutputFile::named_after(&path, text, false)],
        true,
    )?;
    Ok((path, rendered.prepare))
}

async fn upload(
    client: &Client,
    rotation: &mut Rotation,
    report: &mut impl FnMut(Event),
) -> Result<()> {
    let uploaded = ops::upload(
        client,
        rotation.scope,
        &rotation.zone_id,
        &rotation.new_cert,
        &rotation.new_key,
    )
    .await?;
    if rotation.new_fingerprint.as_deref() != Some(uploaded.fingerprint.as_str()) {
        return Err(RotationError::Refused(format!(
            "{} is not the certificate this rotation made; abort the rotation and start over",
            rotation.new_cert.display()
        )));
    }
    if uploaded.already_present {
        report(Event::Note(format!(
            "certificate {} was already on Cloudflare (an earlier run uploaded it)",
            uploaded.certificate.id
        )));
    }
    rotation.new_id = Some(uploaded.certificate.id);
    Ok(())
}

fn new_id(rotation: &Rotation) -> Result<&str> {
    rotation.new_id.as_deref().ok_or_else(|| {
        RotationError::State("the saved rotation has no uploaded certificate id".into())
    })
}

async fn wait_until_active(
    client: &Client,
    rotation: &Rotation,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<(), RotationError> {
    ops::wait_until_active_noting(
        client,
        rotation.scope,
        &rotation.zone_id,
        new_id(rotation)?,
        pace,
        |note| report(Event::Note(note)),
    )
    .await?;
    Ok(())
}

/// Zone-level: Cloudflare presents the newest active certificate, so there is nothing to send.
/// Per-hostname: every hostname that used the old certificate now uses the new one, enabled
/// or disabled as it was.
async fn switch(client: &Client, rotation: &Rotation) -> Result<()> {
    if rotation.scope == CertificateScope::Hostname {
        client
            .set_hostname_associations(
                &rotation.zone_id,
                &associations_on(rotation, new_id(rotation)?),
            )
            .await?;
    }
    Ok(())
}

/// The rotation's hostnames on certificate `id`: those enabled enabled, those disabled disabled.
fn associations_on(rotation: &Rotation, id: &str) -> Vec<HostnameConfig> {
    let enabled = rotation
        .hostnames
        .iter()
        .map(|h| (h, HostnameEnablement::Enable));
    let disabled = rotation
        .disabled_hostnames
        .iter()
        .map(|h| (h, HostnameEnablement::Disable));
    enabled
        .chain(disabled)
        .map(|(h, enablement)| HostnameConfig::new(h.as_str(), id, enablement))
        .collect()
}

/// Voids every one of the rotation's hostnames' association with certificate `id`
/// (`enabled: null` for it). Cloudflare deletes a per-hostname certificate only after this:
/// "Before deleting the certificate, you must first invalidate the hostname for client
/// authentication by sending a PUT request with enabled set to null" (API reference, Delete
/// Hostname Client Certificate; the same in cloudflare-go v6). The association voided is the
/// one with `id` (the PUT names both); a hostname re-pointed to another certificate keeps it,
/// which the read-back checks.
async fn release(client: &Client, rotation: &Rotation, id: &str) -> Result<()> {
    let config: Vec<HostnameConfig> = rotation
        .hostnames
        .iter()
        .chain(&rotation.disabled_hostnames)
        .map(|h| HostnameConfig::new(h.as_str(), id, HostnameEnablement::Remove))
        .collect();
    if !config.is_empty() {
        client
            .set_hostname_associations(&rotation.zone_id, &config)
            .await?;
    }
    Ok(())
}

/// A request to each hostname through Cloudflare must be served; the problems otherwise.
async fn check_edge(
    rotation: &Rotation,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Vec<String> {
    if !rotation.origin.check_edge {
        return Vec::new();
    }
    let hostnames = edge_hostnames(rotation);
    if hostnames.is_empty() {
        return vec![
            "no hostname to request through Cloudflare: pass --host NAME (or --no-edge-check)"
                .into(),
        ];
    }
    ops::edge_problems(
        &rotation.origin.edge_url,
        &hostnames,
        // A rotation swaps the certificate of hostnames that have one; it adds none.
        &[],
        pace.probe_timeout,
        |note| report(Event::Note(note)),
    )
    .await
}

fn edge_hostnames(rotation: &Rotation) -> Vec<String> {
    if rotation.origin.hostnames.is_empty() {
        rotation.hostnames.clone()
    } else {
        rotation.origin.hostnames.clone()
    }
}

/// Per-hostname certificates can only go once every hostname is off them: the re-pointing did
/// that (checked rather than assumed), then each hostname's association with the old one is
/// voided, only now that it points at the new one, and the hostnames are read again. A
/// refusal after that stops the run with what to do, the new certificate in place.
async fn delete_old(client: &Client, rotation: &Rotation) -> Result<Option<Finish>> {
    // An earlier run deleted it and did not live to save that: nothing is left to void.
    if gone_or_going(client, rotation.scope, &rotation.zone_id, &rotation.old_id).await? {
        return Ok(None);
    }
    if rotation.scope == CertificateScope::Hostname {
        let new = new_id(rotation)?;
        for hostname in rotation
            .hostnames
            .iter()
            .chain(&rotation.disabled_hostnames)
        {
            let association = client
                .hostname_association(&rotation.zone_id, hostname)
                .await?;
            if association.cert_id.as_deref() != Some(new) {
                return Err(RotationError::Refused(format!(
                    "{hostname} does not point at the new certificate {new}; run rotate again"
                )));
            }
        }
        release(client, rotation, &rotation.old_id).await?;
        let mut moved = Vec::new();
        for hostname in &rotation.hostnames {
            let association = client
                .hostname_association(&rotation.zone_id, hostname)
                .await?;
            if association.cert_id.as_deref() != Some(new) || association.enabled != Some(true) {
                moved.push(hostname.clone());
            }
        }
        if !moved.is_empty() {
            // Never left without: put them back on the new certificate at once.
            switch(client, rotation).await?;
            return Ok(Some(Finish::OldKept {
                problems: vec![format!(
                    "voiding the old certificate {} also took the new one off {}; they were put back on {new} at once. The old certificate is kept: delete it in the dashboard (SSL/TLS → Origin Server) once no hostname uses it",
                    rotation.old_id,
                    moved.join(", ")
                )],
            }));
        }
    }
    match delete_if_present(client, rotation.scope, &rotation.zone_id, &rotation.old_id).await {
        Err(RotationError::Operation(OperationError::Cloudflare(CloudflareError::Api {
            status: 400..=499,
            errors,
            ..
        }))) if rotation.scope == CertificateScope::Hostname => Ok(Some(Finish::OldKept {
            problems: vec![format!(
                "Cloudflare still refuses to delete the old certificate {} ({}): a hostname this rotation does not know still has an association with it{}. Void that association (enabled: null for this certificate; dashboard: SSL/TLS → Origin Server → Authenticated Origin Pulls), then run the same command again",
                rotation.old_id,
                errors
                    .iter()
                    .map(|e| crate::untrusted::one_line(&e.message, 200))
                    .collect::<Vec<_>>()
                    .join("; "),
                if rotation.unchecked.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (not checked when planned: {})",
                        rotation.unchecked.join("; ")
                    )
                }
            )],
        })),
        other => other.map(|()| None),
    }
}

/// Whether the certificate is deleted or being deleted.
async fn gone_or_going(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    id: &str,
) -> Result<bool> {
    match client.get_certificate(scope, zone_id, id).await {
        Ok(certificate) => Ok(certificate.is_going_away()),
        Err(CloudflareError::Api { status: 404, .. }) => Ok(true),
        Err(error) => Err(error.into()),
    }
}

/// Deletes a certificate unless it is gone or going already: a second DELETE of one being
/// deleted is refused, and an earlier run may have sent the first and not lived to save that.
async fn delete_if_present(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    id: &str,
) -> Result<()> {
    if gone_or_going(client, scope, zone_id, id).await? {
        return Ok(());
    }
    match client.delete_certificate(scope, zone_id, id).await {
        Ok(_) => Ok(()),
        Err(CloudflareError::Api { status: 404, .. }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// The single-CA snippet, and a last look: the origin must still refuse a request without a
/// certificate.
async fn finish(rotation: &Rotation, pace: Pace) -> Result<Rotated> {
    let final_snippet = if rotation.new_ca {
        Some(write_snippet(rotation, &[rotation.origin_ca_path_after()], "new-ca")?.0)
    } else {
        None
    };
    let mut seen = Vec::new();
    let mut enforced = !rotation.origin.addresses.is_empty();
    for target in origin_targets(rotation) {
        let attempt = attempt_once(&target, None, pace.probe_timeout).await;
        enforced &= attempt.outcome.is_rejection();
        seen.push(format!(
            "{} ({}): {}",
            target.address,
            target.hostname,
            attempt.outcome.describe()
        ));
    }
    Ok(Rotated {
        certificate_id: new_id(rotation)?.to_string(),
        fingerprint: rotation.new_fingerprint.clone().unwrap_or_default(),
        certificate: rotation.new_cert.clone(),
        key: rotation.new_key.clone(),
        ca: rotation.ca_cert.clone(),
        final_snippet,
        origin_without_certificate: seen,
        origin_still_enforces: enforced,
    })
}

/// Goes back to the old certificate before it is deleted: hostnames re-pointed to it, the new
/// certificate deleted. The old one is active throughout, so nothing is ever left uncovered.
pub async fn abort(client: &Client, rotation: &Rotation, store: &RotationStore) -> Result<()> {
    if rotation.stage >= Stage::OldDeleted {
        return Err(RotationError::Refused(format!(
            "the old certificate is already deleted, so there is nothing to go back to: finish with `aop-wizard rotate --zone {}`",
            rotation.zone
        )));
    }
    if rotation.scope == CertificateScope::Hostname && rotation.stage >= Stage::Active {
        client
            .set_hostname_associations(
                &rotation.zone_id,
                &associations_on(rotation, &rotation.old_id),
            )
            .await?;
        // Back on the old one first; only then is the new one voided, so it can be deleted.
        if let Some(new) = &rotation.new_id
            && !gone_or_going(client, rotation.scope, &rotation.zone_id, new).await?
        {
            release(client, rotation, new).await?;
        }
    }
    // Found by fingerprint too: a run may have died between uploading and saving the id.
    let uploaded = match (&rotation.new_id, &rotation.new_fingerprint) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(fingerprint)) if rotation.stage >= Stage::OriginAccepts => client
            .list_certificates(rotation.scope, &rotation.zone_id)
            .await?
            .into_iter()
            .find(|c| {
                !c.is_going_away() && c.fingerprint().as_deref() == Some(fingerprint.as_str())
            })
            .map(|c| c.id),
        _ => None,
    };
    if let Some(id) = uploaded {
        delete_if_present(client, rotation.scope, &rotation.zone_id, &id).await?;
    }
    store.forget(rotation)
}
