//! Turning Authenticated Origin Pulls off in the only safe order. An origin that still enforces
//! refuses every request once Cloudflare stops presenting the certificate, so the origin is
//! relaxed first and proven relaxed, and only then is Cloudflare told to stop; certificates go
//! last, and only on request.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cloudflare::{
    CertificateScope, Change, Client, CloudflareError, HostnameConfig, HostnameEnablement,
};
use crate::probe::{ExpectedCa, ProbeError, ProbePlan, Verdict};

/// What stopped an undo, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error(transparent)]
    Cloudflare(#[from] CloudflareError),
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// The origin cannot be probed without a hostname for SNI and Host.
    #[error("no hostname to probe the origin with: pass --host NAME")]
    NoHostname,
    #[error(transparent)]
    Operation(#[from] crate::ops::OperationError),
    /// AOP is off; Cloudflare would not delete a per-hostname certificate, in words with what
    /// to do.
    #[error("{0}")]
    CertificateKept(String),
}

impl UndoError {
    /// A Cloudflare API, network or credential failure, as opposed to bad input.
    pub fn is_cloudflare(&self) -> bool {
        match self {
            UndoError::Cloudflare(_) => true,
            UndoError::Operation(error) => error.is_cloudflare(),
            _ => false,
        }
    }

    /// Something the undo needs was not given.
    pub fn is_usage(&self) -> bool {
        matches!(self, UndoError::NoHostname)
    }
}

/// What is switched on for a zone, and what could be deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UndoPlan {
    pub zone: String,
    pub zone_id: String,
    pub zone_level: bool,
    pub global: bool,
    /// (hostname, certificate id) of every enabled per-hostname association.
    pub enabled_hostnames: Vec<(String, String)>,
    /// (hostname, certificate id) of every association, enabled or not.
    pub linked_hostnames: Vec<(String, String)>,
    pub zone_certificates: Vec<String>,
    pub hostname_certificates: Vec<String>,
    /// The proxied hostnames: what the probe asks the origin for.
    pub proxied: Vec<String>,
    /// Hostnames (or lists) whose associations could not be read, in words: undo cannot say
    /// AOP is off for them.
    pub unchecked: Vec<String>,
}

impl UndoPlan {
    /// Once AOP is turned off: what could not be checked and what to do, instead of claiming
    /// it is off everywhere; none when every hostname was checked.
    pub fn unchecked_warning(&self) -> Option<String> {
        (!self.unchecked.is_empty()).then(|| format!(
            "Authenticated Origin Pulls is off for every hostname of {} undo could see, but it could not check: {}. Check those in the dashboard (SSL/TLS → Origin Server), or name them with --hostname NAME and run undo again.",
            self.zone,
            self.unchecked.join("; ")
        ))
    }

    pub fn anything_on(&self) -> bool {
        self.zone_level || self.global || !self.enabled_hostnames.is_empty()
    }

    /// The changes, in words, in the order they are made.
    pub fn describe(&self, delete_certificates: bool) -> Vec<String> {
        let mut lines = Vec::new();
        if self.zone_level {
            lines.push("turn zone-level AOP off".to_string());
        }
        if self.global {
            lines.push("turn global AOP (tls_client_auth) off".to_string());
        }
        for (hostname, _) in &self.enabled_hostnames {
            lines.push(format!("disable per-hostname AOP for {hostname}"));
        }
        if delete_certificates {
            for (hostname, _) in &self.linked_hostnames {
                lines.push(format!("remove the association of {hostname}"));
            }
            for id in self
                .hostname_certificates
                .iter()
                .chain(&self.zone_certificates)
            {
                lines.push(format!("delete certificate {id}"));
            }
        }
        lines
    }
}

pub async fn read(client: &Client, zone_name: &str) -> Result<UndoPlan, UndoError> {
    read_naming(client, zone_name, &[]).await
}

/// `read`, with hostnames the user named checked too (`--hostname`).
pub async fn read_naming(
    client: &Client,
    zone_name: &str,
    given: &[String],
) -> Result<UndoPlan, UndoError> {
    let zone = client.zone_by_name(zone_name).await?;
    let mut plan = UndoPlan {
        zone_level: client.zone_aop_enabled(&zone.id).await?,
        global: client.global_aop(&zone.id).await?,
        zone_certificates: ids(client
            .list_certificates(CertificateScope::Zone, &zone.id)
            .await?),
        hostname_certificates: ids(client
            .list_certificates(CertificateScope::Hostname, &zone.id)
            .await?),
        proxied: crate::ops::proxied_hostnames(&client.dns_records(&zone.id).await?),
        ..UndoPlan::default()
    };
    let survey = crate::ops::survey_associations(client, &zone.id, given).await?;
    for association in survey.associations {
        if let Some(cert_id) = association.cert_id {
            let pair = (association.hostname, cert_id);
            if association.enabled == Some(true) {
                plan.enabled_hostnames.push(pair.clone());
            }
            plan.linked_hostnames.push(pair);
        }
    }
    plan.unchecked = survey.unchecked;
    plan.zone = zone.name;
    plan.zone_id = zone.id;
    Ok(plan)
}

/// The ids of the certificates still there to delete: one being deleted is not deleted again.
fn ids(certificates: Vec<crate::cloudflare::UploadedCertificate>) -> Vec<String> {
    certificates
        .into_iter()
        .filter(|c| !c.is_going_away())
        .map(|c| c.id)
        .collect()
}

/// One round of the probe: every origin × hostname that still refuses a request without a
/// certificate (or cannot be reached), in words. Empty: the origin is relaxed.
pub async fn still_enforcing(
    origins: &[SocketAddr],
    hostnames: &[String],
) -> Result<Vec<String>, UndoError> {
    if hostnames.is_empty() {
        return Err(UndoError::NoHostname);
    }
    let plan = ProbePlan {
        origins: origins.to_vec(),
        hostnames: hostnames.to_vec(),
        path: "/".into(),
        yours: None,
        expected_ca: ExpectedCa::default(),
        timeout: Duration::from_secs(5),
        concurrency: 16,
    };
    Ok(crate::probe::run(&plan)
        .await?
        .iter()
        .filter(|c| {
            matches!(
                c.judgement.verdict,
                Verdict::Enforced | Verdict::Misconfigured | Verdict::Unreachable
            )
        })
        .map(|c| format!("{} ({}: {})", c.origin, c.hostname, c.judgement.verdict))
        .collect())
}

/// How often the origin is probed while undo waits for it to stop enforcing.
pub const RELAX_POLL: Duration = Duration::from_secs(5);

/// Probes every `RELAX_POLL` until no origin × hostname enforces any more, or `wait` has passed;
/// what still enforces then (empty: the origin is relaxed). Each round that finds the origin
/// still enforcing is told to `note`, in the same words while nothing changes.
pub async fn wait_until_relaxed(
    origins: &[SocketAddr],
    hostnames: &[String],
    wait: Duration,
    mut note: impl FnMut(String),
) -> Result<Vec<String>, UndoError> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let enforcing = still_enforcing(origins, hostnames).await?;
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if enforcing.is_empty() || left.is_zero() {
            return Ok(enforcing);
        }
        note(format!(
            "waiting for the origin to stop enforcing: {}",
            enforcing.join(", ")
        ));
        tokio::time::sleep(RELAX_POLL.min(left)).await;
    }
}

/// What turning AOP off sends, in order: Cloudflare stops presenting certificates; with
/// `delete_certificates`, associations are voided and certificates deleted after. What a dry
/// run prints is this list, and `turn_off` carries out this list.
pub fn changes(plan: &UndoPlan, delete_certificates: bool) -> Vec<Change> {
    let zone_id = plan.zone_id.as_str();
    let associations = |list: &[(String, String)], enablement| -> Vec<HostnameConfig> {
        list.iter()
            .map(|(h, c)| HostnameConfig::new(h.as_str(), c.as_str(), enablement))
            .collect()
    };
    let mut changes = Vec::new();
    if plan.zone_level {
        changes.push(Change::zone_aop(zone_id, false));
    }
    if plan.global {
        changes.push(Change::global_aop(zone_id, false));
    }
    if !plan.enabled_hostnames.is_empty() {
        changes.push(Change::hostname_associations(
            zone_id,
            &associations(&plan.enabled_hostnames, HostnameEnablement::Disable),
        ));
    }
    if !delete_certificates {
        return changes;
    }
    // A per-hostname certificate can only go once every hostname's association with it is
    // voided (`enabled: null`), as the API reference's Delete Hostname Client Certificate says.
    if !plan.linked_hostnames.is_empty() {
        changes.push(Change::hostname_associations(
            zone_id,
            &associations(&plan.linked_hostnames, HostnameEnablement::Remove),
        ));
    }
    for id in &plan.hostname_certificates {
        changes.push(Change::delete_certificate(
            CertificateScope::Hostname,
            zone_id,
            id,
        ));
    }
    for id in &plan.zone_certificates {
        changes.push(Change::delete_certificate(
            CertificateScope::Zone,
            zone_id,
            id,
        ));
    }
    changes
}

/// Carries `changes` out in order, each read back; the first failure stops the rest. A
/// per-hostname certificate Cloudflare refuses to delete (a hostname undo could not see still
/// has an association with it) stops with what to do: AOP is off by then.
pub async fn turn_off(
    client: &Client,
    plan: &UndoPlan,
    delete_certificates: bool,
) -> Result<(), UndoError> {
    for change in changes(plan, delete_certificates) {
        match client.apply(&change).await {
            Err(CloudflareError::Api {
                status: 400..=499,
                errors,
                ..
            }) if change.deletes_hostname_certificate() => {
                return Err(UndoError::CertificateKept(format!(
                    "AOP is off, but Cloudflare refuses to delete a per-hostname certificate ({}): a hostname undo could not see still has an association with it{}. Name it with --hostname NAME and run undo again, or void it in the dashboard (SSL/TLS → Origin Server → Authenticated Origin Pulls)",
                    errors
                        .iter()
                        .map(|e| crate::untrusted::one_line(&e.message, 200))
                        .collect::<Vec<_>>()
                        .join("; "),
                    if plan.unchecked.is_empty() {
                        String::new()
                    } else {
                        format!(" (not checked: {})", plan.unchecked.join("; "))
                    }
                )));
            }
            answer => answer?,
        }
    }
    Ok(())
}
