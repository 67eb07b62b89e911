//! What a rotation will do, decided once and saved before anything changes: the current
//! certificate, whether the CA changes and why, where the new files go, how the origin is proven.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cloudflare::{CertificateScope, Client, UploadedCertificate, certificate_in_use};
use crate::ops::{self, OriginCheck};
use crate::pki::{self, KeyType, Passphrase};

use super::RotationError;

type Result<T, E = RotationError> = std::result::Result<T, E>;

/// A CA that would expire within this many days of the new leaf's end is replaced instead.
const CA_MARGIN_DAYS: i64 = 30;

/// Where a rotation stands; each is saved as soon as it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The plan is saved; the new files are not written yet.
    Planned,
    /// The new leaf (and CA, when it changes) are on disk.
    FilesWritten,
    /// The origin serves a request made with the new leaf (and still one made with the old).
    OriginAccepts,
    /// The new certificate is on Cloudflare.
    Uploaded,
    /// Cloudflare reports it active.
    Active,
    /// Cloudflare presents it: hostnames re-pointed, or the newest zone certificate in use.
    Switched,
    /// A request through Cloudflare is served with it.
    EdgeVerified,
    /// The old certificate is gone from Cloudflare.
    OldDeleted,
}

impl Stage {
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Planned => "planned",
            Stage::FilesWritten => "new certificate written",
            Stage::OriginAccepts => "origin accepts the new certificate",
            Stage::Uploaded => "uploaded to Cloudflare",
            Stage::Active => "active on Cloudflare",
            Stage::Switched => "presented by Cloudflare",
            Stage::EdgeVerified => "proven through Cloudflare",
            Stage::OldDeleted => "old certificate deleted",
        }
    }
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct RotationRequest {
    pub zone: String,
    pub hostname: Option<String>,
    pub new_ca: bool,
    /// The CA that signed the current certificate, and its key.
    pub ca: Option<(PathBuf, PathBuf)>,
    /// Names the environment variable holding the CA key's passphrase, never the passphrase.
    pub ca_passphrase_env: Option<String>,
    /// The current leaf and key, when at hand (found beside the CA when not given).
    pub old_leaf: Option<(PathBuf, PathBuf)>,
    pub out_dir: Option<PathBuf>,
    pub key_type: KeyType,
    pub leaf_days: u32,
    pub ca_days: u32,
    pub origin: OriginCheck,
    /// The CA key's passphrase as typed (the wizard), used before `ca_passphrase_env`.
    pub ca_passphrase: Option<Passphrase>,
}

/// The saved plan and how far it got. Holds paths and ids, never a key or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    pub zone: String,
    pub zone_id: String,
    pub scope: CertificateScope,
    /// Per-hostname: every hostname enabled with the old certificate, re-pointed together.
    pub hostnames: Vec<String>,
    pub old_id: String,
    pub old_fingerprint: Option<String>,
    pub old_expires_on: Option<String>,
    pub old_leaf: Option<(PathBuf, PathBuf)>,
    pub new_ca: bool,
    /// Why the CA is kept or replaced, in words.
    pub why: String,
    /// The CA that signs the new leaf: the current one, or a new one in `out_dir`.
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub ca_passphrase_env: Option<String>,
    /// The CA the origin trusts now, when known: the two-CA bundle's first half.
    pub old_ca_cert: Option<PathBuf>,
    pub out_dir: PathBuf,
    pub new_cert: PathBuf,
    pub new_key: PathBuf,
    pub key_type: KeyType,
    pub leaf_days: u32,
    pub ca_days: u32,
    pub new_fingerprint: Option<String>,
    pub new_id: Option<String>,
    pub origin: OriginCheck,
    /// Where the new CA goes on the origin, beside the old one.
    pub new_ca_path: Option<String>,
    pub stage: Stage,
    pub started: String,
    /// The CA key's passphrase as typed, for this run only: never saved.
    #[serde(skip)]
    pub ca_passphrase: Option<Passphrase>,
    /// Per-hostname: hostnames on the old certificate with AOP disabled. They stay disabled:
    /// moved to the new certificate still disabled, so that the old one can be deleted.
    #[serde(default)]
    pub disabled_hostnames: Vec<String>,
    /// Hostnames (or lists) that could not be checked when the plan was made, in words.
    #[serde(default)]
    pub unchecked: Vec<String>,
}

impl Rotation {
    /// The CA files the origin must trust while both certificates may be presented.
    pub fn origin_ca_paths_during(&self) -> Vec<String> {
        let mut paths = vec![self.origin.ca_path.clone()];
        paths.extend(self.new_ca_path.clone());
        paths
    }

    /// The CA file the origin trusts once the rotation is over.
    pub fn origin_ca_path_after(&self) -> String {
        self.new_ca_path
            .clone()
            .unwrap_or_else(|| self.origin.ca_path.clone())
    }

    /// Whether the current CA can sign the new leaf with the passphrase at hand. Only a
    /// rotation that keeps its CA and has not written its files yet still needs to sign.
    pub fn check_signer(&self) -> Result<()> {
        if self.new_ca || self.stage > Stage::Planned {
            return Ok(());
        }
        check_ca_key(
            &self.ca_cert,
            &self.ca_key,
            self.ca_passphrase.as_ref(),
            self.ca_passphrase_env.as_deref(),
        )
    }

    /// The saved numbers a run relies on, checked before the plan is saved and when it is read
    /// back: a plan edited by hand, or saved by a version that checked less, is refused with a
    /// sentence instead of failing when the new certificate is made.
    pub fn check_values(&self) -> std::result::Result<(), String> {
        for (field, days) in [("leaf_days", self.leaf_days), ("ca_days", self.ca_days)] {
            if pki::validity_days(i64::from(days)).is_err() {
                return Err(format!(
                    "its {field} is {days}, outside {} to {} days",
                    pki::MIN_VALIDITY_DAYS,
                    pki::MAX_VALIDITY_DAYS
                ));
            }
        }
        // A new CA and its first leaf are made together: the leaf cannot outlive it.
        if self.new_ca && self.leaf_days > self.ca_days {
            return Err(format!(
                "its leaf_days {} outlive its ca_days {}, and a certificate cannot outlive its CA",
                self.leaf_days, self.ca_days
            ));
        }
        Ok(())
    }

    /// What happens to the hostnames besides those re-pointed, in words: the plan shows these.
    pub fn hostname_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.disabled_hostnames.is_empty() {
            notes.push(format!(
                "stay disabled: {} (AOP is off for them; they move to the new certificate still disabled)",
                self.disabled_hostnames.join(", ")
            ));
        }
        if !self.unchecked.is_empty() {
            notes.push(format!(
                "could not be checked: {}",
                self.unchecked.join("; ")
            ));
        }
        notes
    }

    pub fn scope_label(&self) -> String {
        match self.scope {
            CertificateScope::Zone => format!("zone-level certificate of {}", self.zone),
            CertificateScope::Hostname => {
                format!("per-hostname certificate of {}", self.hostnames.join(", "))
            }
        }
    }
}

/// Reads Cloudflare and the files, decides, and returns the plan at `Stage::Planned`. Nothing
/// is changed anywhere.
pub async fn plan(client: &Client, request: &RotationRequest) -> Result<Rotation> {
    // Before Cloudflare is asked anything: the day counts the new certificate will be made with.
    pki::validity_days(i64::from(request.leaf_days))?;
    pki::validity_days(i64::from(request.ca_days))?;
    request.origin.check_snippet_values()?;
    let zone = client.zone_by_name(&request.zone).await?;
    let (scope, old, survey) = match &request.hostname {
        None => {
            let certificates = client
                .list_certificates(CertificateScope::Zone, &zone.id)
                .await?;
            let Some(current) = certificate_in_use(&certificates).cloned() else {
                return Err(RotationError::Refused(format!(
                    "{} has no active zone-level certificate, so there is nothing to rotate: set one up with `aop-wizard` or `aop-wizard upload --zone {}`",
                    zone.name, zone.name
                )));
            };
            (CertificateScope::Zone, current, OnOldCertificate::default())
        }
        Some(hostname) => {
            ops::zone_hostnames(client, &zone, std::slice::from_ref(hostname)).await?;
            let (current, survey) = hostname_certificate(client, &zone.id, hostname).await?;
            (CertificateScope::Hostname, current, survey)
        }
    };
    let old_der =
        pki::certificates_from_pem(&old.certificate, Path::new("the current certificate"))
            .ok()
            .and_then(|mut ders| (!ders.is_empty()).then(|| ders.remove(0)));
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let (ca, ca_der) = match &request.ca {
        Some((cert, key)) => {
            let der = pki::load_certificates(cert)?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    RotationError::Refused(format!("{} holds no certificate", cert.display()))
                })?;
            if !key.exists() {
                return Err(RotationError::Refused(format!(
                    "{} does not exist: pass the CA's private key with --ca-key, or --new-ca",
                    key.display()
                )));
            }
            (Some((cert.clone(), key.clone())), Some(der))
        }
        None => (None, None),
    };
    if let (Some(ca_der), Some(old_der), Some((cert, _))) = (&ca_der, &old_der, &ca)
        && !pki::signed_by(old_der, ca_der)
    {
        return Err(RotationError::Refused(format!(
            "{} did not sign the certificate Cloudflare presents now ({}); pass the CA that did with --ca-cert/--ca-key, or --new-ca",
            cert.display(),
            old.id
        )));
    }
    let ca_info = ca_der
        .as_ref()
        .map(|der| pki::inspect_certificate(der, now).map_err(RotationError::Refused))
        .transpose()?;
    let (new_ca, why) = match (&ca_info, request.new_ca) {
        (_, true) => (true, "a new CA was asked for (--new-ca)".to_string()),
        (None, false) => {
            return Err(ops::OperationError::Missing(
                "rotate needs the CA that signed the current certificate to sign the new one: pass --ca-cert and --ca-key, or --new-ca to make a new CA (the origin then trusts both while Cloudflare switches)".into(),
            )
            .into());
        }
        (Some(info), false) if info.days_left < i64::from(request.leaf_days) + CA_MARGIN_DAYS => (
            true,
            format!(
                "the CA expires on {} ({} days left), before a new {}-day certificate would",
                info.not_after.date(),
                info.days_left,
                request.leaf_days
            ),
        ),
        (Some(info), false) => (
            false,
            format!(
                "the same CA signs the new certificate (it is valid until {}), so the origin keeps its configuration",
                info.not_after.date()
            ),
        ),
    };
    if let (false, Some((cert, key))) = (new_ca, &ca) {
        check_ca_key(
            cert,
            key,
            request.ca_passphrase.as_ref(),
            request.ca_passphrase_env.as_deref(),
        )?;
    }
    if new_ca && request.origin.addresses.is_empty() {
        return Err(ops::OperationError::Missing(
            "the CA changes, so the origin must trust both CAs before Cloudflare switches: pass --origin ADDR (and --host NAME) so rotate can prove it".into(),
        )
        .into());
    }
    let out_dir = request.out_dir.clone().unwrap_or_else(|| {
        let parent = ca
            .as_ref()
            .and_then(|(cert, _)| cert.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        parent.join(format!("rotated-{today}"))
    });
    let old_fingerprint = old.fingerprint();
    let old_leaf = request
        .old_leaf
        .clone()
        .or_else(|| leaf_beside(ca.as_ref(), old_fingerprint.as_deref()));
    let (ca_cert, ca_key) = match (&ca, new_ca) {
        (Some((cert, key)), false) => (cert.clone(), key.clone()),
        _ => (out_dir.join("ca.crt"), out_dir.join("ca.key")),
    };
    let (new_cert, new_key) = (out_dir.join("client.crt"), out_dir.join("client.key"));
    let mut targets = vec![&new_cert, &new_key];
    if new_ca {
        targets.extend([&ca_cert, &ca_key]);
    }
    if let Some(existing) = targets.iter().find(|p| p.exists()) {
        return Err(RotationError::Refused(format!(
            "{} already exists: choose an empty directory for the new certificate with --out",
            existing.display()
        )));
    }
    let new_ca_path = new_ca.then(|| {
        let current = Path::new(&request.origin.ca_path);
        current
            .with_file_name(format!("ca-{today}.crt"))
            .display()
            .to_string()
    });
    Ok(Rotation {
        zone: zone.name,
        zone_id: zone.id,
        scope,
        hostnames: survey.enabled,
        old_id: old.id.clone(),
        old_fingerprint,
        old_expires_on: old.expires_on.clone(),
        old_leaf,
        new_ca,
        why,
        ca_cert,
        ca_key,
        ca_passphrase_env: request.ca_passphrase_env.clone(),
        old_ca_cert: ca.map(|(cert, _)| cert),
        out_dir,
        new_cert,
        new_key,
        key_type: request.key_type,
        leaf_days: request.leaf_days,
        ca_days: request.ca_days,
        new_fingerprint: None,
        new_id: None,
        origin: request.origin.clone(),
        new_ca_path,
        stage: Stage::Planned,
        started: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        ca_passphrase: request.ca_passphrase.clone(),
        disabled_hostnames: survey.disabled,
        unchecked: survey.unchecked,
    })
}

/// The existing CA signs the new leaf: load it as signing will, so a key that is not the CA's is
/// refused before the plan is saved or Cloudflare hears of anything. A typed passphrase comes
/// first; when the passphrase's variable is not set now, signing checks it.
fn check_ca_key(
    cert: &Path,
    key: &Path,
    typed: Option<&Passphrase>,
    passphrase_env: Option<&str>,
) -> Result<()> {
    let passphrase = match (typed, passphrase_env.map(std::env::var)) {
        (Some(typed), _) => Some(typed.clone()),
        (None, Some(Ok(passphrase))) => Some(Passphrase::new(passphrase)),
        (None, Some(Err(_))) => return Ok(()),
        (None, None) => None,
    };
    pki::CertificateAuthority::load(cert, key, passphrase.as_ref().map(Passphrase::expose))?;
    Ok(())
}

/// The hostnames on the certificate being rotated.
#[derive(Debug, Default)]
struct OnOldCertificate {
    /// Enabled: re-pointed to the new certificate, `hostname` first.
    enabled: Vec<String>,
    /// Disabled: they stay disabled.
    disabled: Vec<String>,
    unchecked: Vec<String>,
}

/// The certificate `hostname` uses, and every hostname of the zone on it too, enabled or not.
async fn hostname_certificate(
    client: &Client,
    zone_id: &str,
    hostname: &str,
) -> Result<(UploadedCertificate, OnOldCertificate)> {
    let association = client.hostname_association(zone_id, hostname).await?;
    let Some(cert_id) = association
        .cert_id
        .filter(|_| association.enabled == Some(true))
    else {
        return Err(RotationError::Refused(format!(
            "{hostname} has no enabled per-hostname certificate, so there is nothing to rotate: upload one with `aop-wizard upload --hostname {hostname}`"
        )));
    };
    let certificates = client
        .list_certificates(CertificateScope::Hostname, zone_id)
        .await?;
    let Some(current) = certificates
        .iter()
        .find(|c| c.id == cert_id && !c.is_going_away())
        .cloned()
    else {
        return Err(RotationError::Refused(format!(
            "{hostname} points at certificate {cert_id}, which Cloudflare no longer lists or is deleting"
        )));
    };
    // A rotation holds the old and the new certificate for a while.
    ops::room_for_a_hostname_certificate(client, zone_id, None).await?;
    let survey = ops::survey_associations(client, zone_id, &[hostname.to_string()]).await?;
    let mut on_old = OnOldCertificate {
        enabled: vec![hostname.to_string()],
        unchecked: survey.unchecked,
        ..OnOldCertificate::default()
    };
    for other in survey.associations {
        if other.cert_id.as_deref() != Some(cert_id.as_str()) || other.hostname == hostname {
            continue;
        }
        // Only what is on is switched: re-enabling a hostname the user turned off would make
        // Cloudflare present a certificate to an origin that may not trust its CA.
        match other.enabled {
            Some(true) => on_old.enabled.push(other.hostname),
            Some(false) => on_old.disabled.push(other.hostname),
            // Voided already: nothing to carry over.
            None => {}
        }
    }
    Ok((current, on_old))
}

/// `client.crt` and `client.key` beside the CA, when they are the certificate Cloudflare has.
fn leaf_beside(
    ca: Option<&(PathBuf, PathBuf)>,
    fingerprint: Option<&str>,
) -> Option<(PathBuf, PathBuf)> {
    let dir = ca?.0.parent()?;
    let (cert, key) = (dir.join("client.crt"), dir.join("client.key"));
    let der = pki::load_certificates(&cert).ok()?.into_iter().next()?;
    (Some(pki::fingerprint_sha256(&der).as_str()) == fingerprint && key.exists())
        .then_some((cert, key))
}
