//! One implementation of each operation the procedures are made of. The set-up, the rotation,
//! the wizard's screens and the single-purpose subcommands call these; none has a copy of its
//! own. Below the procedures (`setup`, `rotation`), above the parts (`cloudflare`, `pki`,
//! `probe`, `snippets`).

pub mod certificate;
pub mod doctor;
pub mod preview;
pub mod status;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cloudflare::{
    ApiToken, CertificateScope, CertificateStatus, Change, Client, CloudflareError, Credentials,
    DnsRecord, HostnameAssociation, HostnameConfig, HostnameEnablement, RetryPolicy, SslMode,
    UploadedCertificate,
};
use crate::pki;
use crate::probe::{
    self, ClientIdentity, EdgeReport, ExpectedCa, Judgement, ProbePlan, Verdict, Verification,
};
use crate::snippets::SnippetPhase;
use crate::snippets::{ServerVersion, WebServer};
use serde::{Deserialize, Serialize};

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

    /// What turning this scope on does to the other two switches: nothing. Cloudflare's current
    /// set-up pages say so ("Global, zone-level, and per-hostname AOP are independent
    /// configurations. Enabling or disabling one does not affect the others." —
    /// developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/set-up/global/
    /// and …/zone-level/), and the API reference of `PUT …/origin_tls_client_auth/hostnames` asks
    /// for nothing else. Older per-hostname pages had a step "Enable Authenticated Origin Pulls
    /// (globally)"; following it would make Cloudflare present its shared certificate for every
    /// other hostname too, so per-hostname leaves `tls_client_auth` as it is and says why.
    pub fn other_switches(self) -> Option<&'static str> {
        (self == Scope::Hostname).then_some(
            "Global AOP is left as it is: Cloudflare documents global, zone-level and per-hostname AOP as independent switches, so per-hostname needs only its own.",
        )
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
            .ok_or_else(|| {
                format!(
                    "unknown scope \"{}\"; choose zone, hostname or global",
                    crate::untrusted::shown(s)
                )
            })
    }
}

/// Cloudflare's limit on per-hostname certificates in one zone.
pub const HOSTNAME_CERTIFICATES_PER_ZONE: usize = 10;
/// Cloudflare's limit on hostnames associated with one certificate.
pub const HOSTNAMES_PER_CERTIFICATE: usize = 100;

/// How fast to poll and how long to wait.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Between polls for `active`.
    pub interval: Duration,
    /// For `active` at most.
    pub timeout: Duration,
    /// For one origin or edge request.
    pub probe_timeout: Duration,
}

/// How the origin is proven to accept the new certificate, and what its snippet looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginCheck {
    pub addresses: Vec<SocketAddr>,
    /// Hostnames for the probe's SNI and for the request through Cloudflare.
    pub hostnames: Vec<String>,
    pub server: WebServer,
    /// Where the syntax depends on it (Caddy).
    pub server_version: Option<ServerVersion>,
    pub phase: SnippetPhase,
    /// Directory for the access log the snippets add (default: the server's).
    pub log_dir: Option<String>,
    /// Where the CA the origin trusts now lives on the origin.
    pub ca_path: String,
    /// The request through Cloudflare, `{hostname}` replaced.
    pub edge_url: String,
    pub check_edge: bool,
}

impl OriginCheck {
    /// The values its snippets will place (the CA path, the log directory) through the
    /// snippets' one check, before a plan is made: a set-up or a rotation never stops half-way
    /// on a path the origin's configuration cannot carry.
    pub fn check_snippet_values(&self) -> Result<(), crate::snippets::SnippetError> {
        let mut request = crate::snippets::SnippetRequest::new(
            self.server,
            self.phase,
            vec![crate::snippets::CaFile::new(self.ca_path.clone())],
            time::OffsetDateTime::now_utc().date(),
        );
        request.log_dir = self.log_dir.clone();
        request.check()
    }
}

/// What a face shows while a procedure runs: a stage reached (with what it means now), or a
/// note on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<Stage> {
    Reached(Stage, String),
    Note(String),
}

/// Progress notes that repeat themselves (a wait polling every few seconds) are counted rather
/// than shown again: every face that shows a procedure's notes passes them through this.
#[derive(Debug, Clone, Default)]
pub struct Repeats {
    last: Option<String>,
    times: u32,
}

impl Repeats {
    /// How many times in a row `note` has now come: 1 for a note unlike the one before.
    pub fn count(&mut self, note: &str) -> u32 {
        if self.last.as_deref() == Some(note) {
            self.times += 1;
        } else {
            self.last = Some(note.to_string());
            self.times = 1;
        }
        self.times
    }

    /// Something else was shown: the next note starts a new count even if it is the same.
    pub fn reset(&mut self) {
        self.last = None;
        self.times = 0;
    }
}

impl OriginCheck {
    /// Where and whether the edge is asked: given again on a resumed run, it is honoured, as
    /// it does not change what is safe.
    pub fn set_edge_check(&mut self, edge_url: Option<&str>, no_edge_check: bool) {
        if let Some(url) = edge_url {
            self.edge_url = url.to_string();
            self.check_edge = true;
        }
        if no_edge_check {
            self.check_edge = false;
        }
    }
}

pub const DEFAULT_EDGE_URL: &str = "https://{hostname}/";

/// What went wrong in an operation or a procedure made of them, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error(transparent)]
    Cloudflare(#[from] CloudflareError),
    #[error(transparent)]
    Certificate(#[from] crate::pki::PkiError),
    #[error(transparent)]
    Snippet(#[from] crate::snippets::SnippetError),
    #[error(transparent)]
    Probe(#[from] crate::probe::ProbeError),
    /// The request cannot be carried out as given (a flag, a file, the zone's state).
    #[error("{0}")]
    Refused(String),
    /// The saved progress cannot be read or written.
    #[error("{0}")]
    State(String),
    /// Something the request needs was not given: a usage error, which the CLI reports with
    /// exit code 2 like clap's own.
    #[error("{0}")]
    Missing(String),
    /// A zone or hostname that is not a DNS name, or a hostname outside its zone.
    #[error(transparent)]
    Name(#[from] crate::names::NameError),
}

impl OperationError {
    /// A Cloudflare API, network or credential failure, as opposed to bad input.
    pub fn is_cloudflare(&self) -> bool {
        matches!(self, OperationError::Cloudflare(_))
    }

    /// Something the request needs was not given.
    pub fn is_usage(&self) -> bool {
        matches!(self, OperationError::Missing(_))
    }
}

/// A client for `token`, once Cloudflare has said the token works. A Global API Key is refused:
/// it can do anything on the account.
pub async fn verified_client(base_url: &str, token: ApiToken) -> Result<Client, OperationError> {
    if token.looks_like_global_key() {
        return Err(OperationError::Refused(
            "that looks like a Global API Key, which can do anything on the account; create a scoped API token instead (My Profile → API Tokens)".into(),
        ));
    }
    let client = Client::new(
        base_url,
        Credentials::Token(token.clone()),
        RetryPolicy::from_env().map_err(OperationError::Refused)?,
    )?;
    verify_credentials(&client).await?;
    Ok(client)
}

/// Asks Cloudflare whether the client's credentials work: a token at the token-verify endpoint,
/// an account token (which fails there) or a Global API Key by listing zones.
pub async fn verify_credentials(client: &Client) -> Result<(), OperationError> {
    let Some(token) = client.token() else {
        client.list_zones(None).await?;
        return Ok(());
    };
    match client.verify_token(None).await {
        Ok(status) if status.status == "active" => Ok(()),
        Ok(status) => Err(CloudflareError::Refused(format!(
            "the token is {}, not active; create a new one (My Profile → API Tokens)",
            crate::untrusted::one_line(&status.status, 40)
        ))
        .into()),
        // Account-owned tokens fail on the user endpoint; listing zones proves them just as well.
        Err(error) if token.looks_like_account_token() || error.has_code(1000) => {
            client.list_zones(None).await.map_err(|_| error)?;
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}

/// The SSL/TLS mode before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslModeChange {
    pub before: SslMode,
    pub after: SslMode,
}

/// AOP needs Cloudflare to speak HTTPS to the origin: Full or Full (strict). `wanted` sets that
/// mode; without it a mode that already works is kept and Off or Flexible become Full (which
/// accepts any origin certificate, so nothing else breaks).
pub async fn ensure_ssl_mode(
    client: &Client,
    zone_id: &str,
    wanted: Option<SslMode>,
) -> Result<SslModeChange, OperationError> {
    let before = client.ssl_mode(zone_id).await?;
    let after = match ssl_mode_to_set(&before, wanted)? {
        Some(target) => client.set_ssl_mode(zone_id, &target).await?,
        None => before.clone(),
    };
    Ok(SslModeChange { before, after })
}

/// The mode to set so that AOP works, given the current one and what was asked for; none when
/// nothing needs to change.
pub fn ssl_mode_to_set(
    current: &SslMode,
    wanted: Option<SslMode>,
) -> Result<Option<SslMode>, OperationError> {
    let target = match wanted {
        Some(mode) if !mode.supports_aop() => {
            return Err(OperationError::Refused(format!(
                "AOP does not work in {} mode: choose Full or Full (strict)",
                mode.label()
            )));
        }
        Some(mode) => mode,
        None if current.supports_aop() => current.clone(),
        None => SslMode::Full,
    };
    Ok((target != *current).then_some(target))
}

/// DNS-only records that point at one of these origin addresses: once the origin enforces, a
/// visitor who reaches it through them directly is refused.
pub fn dns_only_records_on<'a>(records: &'a [DnsRecord], ips: &[String]) -> Vec<&'a DnsRecord> {
    records
        .iter()
        .filter(|r| !r.is_proxied() && ips.contains(&r.content))
        .collect()
}

/// The zone's proxied hostnames that send HTTP traffic to an origin, sorted: those Cloudflare
/// requests an origin for, each of which must still be served once the origin enforces.
pub fn proxied_hostnames(records: &[DnsRecord]) -> Vec<String> {
    let mut names: Vec<String> = records
        .iter()
        .filter(|r| r.is_proxied() && r.points_at_origin())
        .map(|r| r.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The hostnames a per-hostname certificate is to serve, in their one form: each inside the zone,
/// or one of the zone's Cloudflare for SaaS custom hostnames (per-hostname AOP is documented for
/// those too: "If you need a different AOP certificate for different custom hostnames, use
/// per-hostname AOP", set-up/global/). Custom hostnames are read only for a name outside the zone;
/// when they cannot be read, such a name is refused.
pub async fn zone_hostnames(
    client: &Client,
    zone: &crate::cloudflare::Zone,
    given: &[String],
) -> Result<Vec<String>, OperationError> {
    use crate::names::{NameError, Wildcard, hostname_in_zone};
    let mut custom: Option<Vec<String>> = None;
    let mut checked = Vec::new();
    for name in given {
        let hostname = match hostname_in_zone(name, &zone.name, Wildcard::Allowed) {
            Ok(hostname) => hostname,
            Err(NameError::OutsideZone { hostname, .. }) => {
                if custom.is_none() {
                    let listed = client.custom_hostnames(&zone.id).await.unwrap_or_default();
                    custom = Some(listed.into_iter().map(|c| c.hostname).collect());
                }
                if !custom.iter().flatten().any(|c| *c == hostname) {
                    return Err(NameError::OutsideZone {
                        hostname,
                        zone: zone.name.clone(),
                    }
                    .into());
                }
                hostname
            }
            Err(other) => return Err(other.into()),
        };
        if !checked.contains(&hostname) {
            checked.push(hostname);
        }
    }
    Ok(checked)
}

/// Every hostname that may carry a per-hostname association, sorted: the proxied hostnames,
/// DNS-only records that point where a proxied one does (the origin; an association made
/// while it was proxied stays), the hostnames the per-hostname certificates name, the
/// zone's Cloudflare for SaaS custom hostnames, and those the user named.
pub fn association_hostnames(
    records: &[DnsRecord],
    certificates: &[UploadedCertificate],
    custom: &[String],
    given: &[String],
) -> Vec<String> {
    let mut names = proxied_hostnames(records);
    let origins: Vec<&str> = records
        .iter()
        .filter(|r| r.is_proxied() && r.points_at_origin())
        .map(|r| r.content.as_str())
        .collect();
    names.extend(
        records
            .iter()
            .filter(|r| r.points_at_origin() && origins.contains(&r.content.as_str()))
            .map(|r| r.name.clone()),
    );
    names.extend(
        certificates
            .iter()
            .filter_map(|c| c.known_hostname().map(str::to_string)),
    );
    names.extend(custom.iter().cloned());
    names.extend(given.iter().cloned());
    names.sort();
    names.dedup();
    names
}

/// The associations of every hostname `association_hostnames` considers, and what could not
/// be checked, in words: a command goes on with what it saw and says what it did not.
#[derive(Debug, Clone, Default)]
pub struct AssociationSurvey {
    /// One per hostname checked, `hostname` filled in; empty when it has none.
    pub associations: Vec<HostnameAssociation>,
    pub unchecked: Vec<String>,
}

/// Reads the zone's DNS records, per-hostname certificates and custom hostnames, then each
/// candidate hostname's association. Only the DNS records must be read; any other failure is
/// listed in `unchecked` instead of failing the whole command.
pub async fn survey_associations(
    client: &Client,
    zone_id: &str,
    given: &[String],
) -> Result<AssociationSurvey, OperationError> {
    let records = client.dns_records(zone_id).await?;
    let mut survey = AssociationSurvey::default();
    let certificates = client
        .list_certificates(CertificateScope::Hostname, zone_id)
        .await
        .unwrap_or_else(|error| {
            survey.unchecked.push(format!(
                "the per-hostname certificates' hostnames: {}",
                shown(&error)
            ));
            Vec::new()
        });
    let custom: Vec<String> = match client.custom_hostnames(zone_id).await {
        Ok(custom) => custom.into_iter().map(|c| c.hostname).collect(),
        Err(error) => {
            survey.unchecked.push(format!(
                "Cloudflare for SaaS custom hostnames (the token needs SSL and Certificates Read): {}",
                shown(&error)
            ));
            Vec::new()
        }
    };
    for hostname in association_hostnames(&records, &certificates, &custom, given) {
        // Names from Cloudflare's answers go into a request path: only hostnames do.
        if crate::names::hostname(&hostname, crate::names::Wildcard::Allowed).as_ref()
            != Ok(&hostname)
        {
            survey.unchecked.push(format!(
                "{:?}: not a hostname",
                crate::untrusted::one_line(&hostname, 100)
            ));
            continue;
        }
        match client.hostname_association(zone_id, &hostname).await {
            Ok(mut association) => {
                association.hostname = hostname;
                survey.associations.push(association);
            }
            Err(error) => survey
                .unchecked
                .push(format!("{hostname}: {}", shown(&error))),
        }
    }
    Ok(survey)
}

/// An error whose text holds Cloudflare's words, fit for a terminal.
fn shown(error: &CloudflareError) -> String {
    crate::untrusted::one_line(&error.to_string(), 300)
}

/// The proxied hostnames Cloudflare presents no client certificate for, because the
/// certificate is for `certified` only (per-hostname AOP): one that reaches an origin which
/// enforces is refused.
pub fn without_certificate(proxied: &[String], certified: &[String]) -> Vec<String> {
    proxied
        .iter()
        .filter(|name| !certified.contains(name))
        .cloned()
        .collect()
}

/// What to do about a hostname Cloudflare presents no certificate for, as said wherever it is
/// named.
pub const WITHOUT_CERTIFICATE_ADVICE: &str = "add each such hostname to the per-hostname certificate, or use zone-level AOP (every proxied hostname)";

/// Every origin × hostname that does not answer HTTPS, in words. Before Cloudflare is switched
/// from Off or Flexible to Full, this must be empty: an origin that only speaks HTTP would stop
/// answering Cloudflare at once. A refusal for want of a client certificate still proves HTTPS.
pub async fn origins_without_https(
    addresses: &[SocketAddr],
    hostnames: &[String],
    timeout: Duration,
) -> Vec<String> {
    let mut problems = Vec::new();
    for address in addresses {
        for hostname in hostnames {
            let target = probe::AttemptTarget {
                address: *address,
                hostname: hostname.clone(),
                path: "/".into(),
            };
            let attempt = probe::attempt_once(&target, None, timeout).await;
            if !attempt.outcome.is_served() && !attempt.outcome.is_rejection() {
                problems.push(format!(
                    "{address} ({hostname}) does not answer HTTPS: {}",
                    attempt.outcome.describe()
                ));
            }
        }
    }
    problems
}

/// Cloudflare refuses an eleventh per-hostname certificate; say so before sending it, with what
/// to do. The same certificate already there is reused and needs no room.
pub async fn room_for_a_hostname_certificate(
    client: &Client,
    zone_id: &str,
    fingerprint: Option<&str>,
) -> Result<(), OperationError> {
    let existing: Vec<UploadedCertificate> = client
        .list_certificates(CertificateScope::Hostname, zone_id)
        .await?
        .into_iter()
        .filter(|c| !c.is_going_away())
        .collect();
    let present = fingerprint.is_some_and(|f| crate::cloudflare::reusable(&existing, f).is_some());
    if !present && existing.len() >= HOSTNAME_CERTIFICATES_PER_ZONE {
        return Err(OperationError::Refused(format!(
            "the zone already has {} per-hostname certificates, the most Cloudflare allows: delete one that no hostname uses (aop-wizard status lists them), or associate the hostname with an existing certificate",
            existing.len()
        )));
    }
    Ok(())
}

/// An upload, and whether the certificate was there already.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub certificate: UploadedCertificate,
    pub fingerprint: String,
    pub already_present: bool,
}

/// Uploads the certificate and key at these paths, never twice (matched by fingerprint); a
/// per-hostname certificate only when the zone has room for it.
pub async fn upload(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    cert: &Path,
    key: &Path,
) -> Result<Uploaded, OperationError> {
    let ToUpload {
        certificate_pem,
        key_pem,
        fingerprint,
    } = ready_to_upload(client, scope, zone_id, cert, key).await?;
    let outcome = client
        .upload_certificate(scope, zone_id, &certificate_pem, &key_pem, &fingerprint)
        .await?;
    Ok(Uploaded {
        certificate: outcome.certificate,
        fingerprint,
        already_present: outcome.already_present,
    })
}

/// A certificate and key read for an upload, with what identifies the certificate.
pub struct ToUpload {
    pub certificate_pem: String,
    pub key_pem: String,
    pub fingerprint: String,
}

/// Reads the files and, per hostname, makes sure the zone has room: what an upload and its
/// preview both start with.
pub async fn ready_to_upload(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    cert: &Path,
    key: &Path,
) -> Result<ToUpload, OperationError> {
    // Only the blocks go to Cloudflare: text around them in the files stays here.
    let der = pki::certificates_from_pem(&pki::read_pem_file(cert)?, cert)?;
    let certificate_pem = pki::certificates_pem(&der);
    let key_pem = pki::private_key_pem(&pki::read_pem_file(key)?, key)?;
    let Some(leaf) = der.first() else {
        return Err(OperationError::Refused(format!(
            "{} holds no certificate",
            cert.display()
        )));
    };
    let fingerprint = pki::fingerprint_sha256(leaf);
    if scope == CertificateScope::Hostname {
        room_for_a_hostname_certificate(client, zone_id, Some(&fingerprint)).await?;
    }
    Ok(ToUpload {
        certificate_pem,
        key_pem,
        fingerprint,
    })
}

/// Polls until Cloudflare reports the certificate active, within `pace`, calling `progress`
/// with each status seen.
pub async fn wait_until_active(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    id: &str,
    pace: Pace,
    progress: impl FnMut(&CertificateStatus),
) -> Result<UploadedCertificate, OperationError> {
    Ok(client
        .wait_until_active(scope, zone_id, id, pace.interval, pace.timeout, progress)
        .await?)
}

/// Like `wait_until_active`, telling each status short of active as a note a person reads.
pub async fn wait_until_active_noting(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    id: &str,
    pace: Pace,
    mut note: impl FnMut(String),
) -> Result<UploadedCertificate, OperationError> {
    wait_until_active(client, scope, zone_id, id, pace, |status| {
        if status.as_str() != "active" {
            // The same words for the same status, so that a face shows a long wait as one line.
            note(format!("waiting for active: {}", status.as_str()));
        }
    })
    .await
}

/// Uploads and waits until active: what the wizard's upload screen does in one go.
pub async fn upload_and_wait(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    cert: &Path,
    key: &Path,
    pace: Pace,
    progress: impl FnMut(&CertificateStatus),
) -> Result<Uploaded, OperationError> {
    let mut uploaded = upload(client, scope, zone_id, cert, key).await?;
    uploaded.certificate = wait_until_active(
        client,
        scope,
        zone_id,
        &uploaded.certificate.id,
        pace,
        progress,
    )
    .await?;
    Ok(uploaded)
}

/// Turns a scope's own switch on or off: the global `tls_client_auth` setting, the zone-level
/// switch, or the chosen hostnames' associations with `certificate_id`. Read back by the client.
pub async fn switch_scope(
    client: &Client,
    zone_id: &str,
    scope: Scope,
    on: bool,
    certificate_id: Option<&str>,
    hostnames: &[String],
) -> Result<(), OperationError> {
    let change = switch_change(zone_id, scope, on, certificate_id, hostnames)?;
    Ok(client.apply(&change).await?)
}

/// The request that switches a scope on or off: what `switch_scope` sends and a preview shows.
pub fn switch_change(
    zone_id: &str,
    scope: Scope,
    on: bool,
    certificate_id: Option<&str>,
    hostnames: &[String],
) -> Result<Change, OperationError> {
    Ok(match scope {
        Scope::Global => Change::global_aop(zone_id, on),
        Scope::Zone => Change::zone_aop(zone_id, on),
        Scope::Hostname => {
            Change::hostname_associations(zone_id, &hostname_config(certificate_id, hostnames, on)?)
        }
    })
}

/// The associations a per-hostname switch sends; checked before anything is sent.
pub fn hostname_config(
    certificate_id: Option<&str>,
    hostnames: &[String],
    on: bool,
) -> Result<Vec<HostnameConfig>, OperationError> {
    let Some(id) = certificate_id.filter(|id| !id.is_empty()) else {
        return Err(OperationError::Refused(
            "per-hostname AOP needs the per-hostname certificate's id (the one `aop-wizard upload --hostname` printed)".into(),
        ));
    };
    if hostnames.is_empty() {
        return Err(OperationError::Refused(
            "per-hostname AOP needs at least one hostname".into(),
        ));
    }
    if hostnames.len() > HOSTNAMES_PER_CERTIFICATE {
        return Err(OperationError::Refused(format!(
            "one certificate serves at most {HOSTNAMES_PER_CERTIFICATE} hostnames; {} were given",
            hostnames.len()
        )));
    }
    let enablement = if on {
        HostnameEnablement::Enable
    } else {
        HostnameEnablement::Disable
    };
    Ok(hostnames
        .iter()
        .map(|h| HostnameConfig::new(h.as_str(), id, enablement))
        .collect())
}

/// The e-mail before a certificate of this scope expires: the existing policy when there is
/// one, else a new one. The policy id, and whether it was created now.
pub async fn expiry_alert(
    client: &Client,
    account_id: &str,
    zone: &str,
    email: &str,
    scope: Scope,
) -> Result<(String, bool), OperationError> {
    let email = crate::names::email(email)?;
    Ok(crate::cloudflare::ensure_expiry_alert(
        client,
        account_id,
        zone,
        &email,
        scope == Scope::Hostname,
    )
    .await?)
}

/// The verdict the origin must show in each phase of its snippet.
pub fn expected_verdict(phase: SnippetPhase) -> Verdict {
    match phase {
        SnippetPhase::Log => Verdict::LogOnly,
        SnippetPhase::Enforce => Verdict::Enforced,
    }
}

/// What a verification probes, and how.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub origins: Vec<SocketAddr>,
    /// The hostnames probed at the origin directly: those Cloudflare presents the certificate for.
    pub hostnames: Vec<String>,
    /// The client certificate and key Cloudflare presents (none for global AOP).
    pub identity: Option<(PathBuf, PathBuf)>,
    /// The CA files the origin must trust; ignored for global (Cloudflare's CA).
    pub ca: Vec<PathBuf>,
    pub global: bool,
    /// The request through Cloudflare per hostname, `{hostname}` replaced; none to skip it.
    pub edge_url: Option<String>,
    pub timeout: Duration,
    /// The hostnames requested through Cloudflare: every proxied hostname of the zone, since
    /// each must still be served once the origin enforces, not only those in `hostnames`.
    pub edge_hostnames: Vec<String>,
    /// The path requested of the origin (checked before anything connects).
    pub path: String,
    /// Probes running at once.
    pub concurrency: usize,
}

/// Probes at once unless asked otherwise: enough for a few origins × hostnames in one round.
pub const PROBES_AT_ONCE: usize = 16;

/// The CA an origin should name in its certificate request: Cloudflare's for global AOP, else
/// the certificates in `ca` (several during a rotation).
pub fn expected_ca(global: bool, ca: &[PathBuf]) -> Result<ExpectedCa, OperationError> {
    if global {
        return Ok(ExpectedCa::cloudflare()?);
    }
    let mut certificates = Vec::new();
    for path in ca {
        certificates.extend(pki::load_certificates(path)?);
    }
    Ok(ExpectedCa::from_certificates(&certificates))
}

/// Probes every origin × hostname directly and, when asked, each edge hostname through
/// Cloudflare.
pub async fn verify(request: &VerifyRequest) -> Result<Verification, OperationError> {
    let expected_ca = expected_ca(request.global, &request.ca)?;
    let yours = match &request.identity {
        Some((cert, key)) => Some(ClientIdentity::from_files(cert, key)?),
        None => None,
    };
    let plan = ProbePlan {
        origins: request.origins.clone(),
        hostnames: request.hostnames.clone(),
        path: request.path.clone(),
        yours,
        expected_ca,
        timeout: request.timeout,
        concurrency: request.concurrency,
    };
    let mut cells = probe::run(&plan).await?;
    if request.global {
        judge_global(&mut cells);
    }
    let edge = match &request.edge_url {
        Some(template) => {
            let uncertified = without_certificate(&request.edge_hostnames, &request.hostnames);
            through_edge(
                template,
                &request.edge_hostnames,
                &uncertified,
                request.timeout,
            )
            .await
        }
        None => Vec::new(),
    };
    Ok(Verification { cells, edge })
}

/// Global AOP, for every cell: see `judged_for_global`. The wizard and `verify --global` both
/// judge this way.
pub fn judge_global(cells: &mut [probe::CellReport]) {
    for cell in cells {
        cell.judgement = judged_for_global(cell.judgement.clone());
    }
}

/// Global AOP: only Cloudflare can present its shared certificate, so the origin's own word is
/// the direct proof that it trusts Cloudflare's CA: the CA names its certificate request lists
/// must include Cloudflare's origin-pull CA (one listing other CAs is misconfigured already).
/// The request through Cloudflare proves the certificate is served.
fn judged_for_global(judgement: Judgement) -> Judgement {
    if !matches!(judgement.verdict, Verdict::LogOnly | Verdict::Enforced) {
        return judgement;
    }
    match judgement.expected_ca_listed {
        Some(true) if judgement.verdict == Verdict::Enforced => Judgement {
            explanation: "requests without a certificate and with a foreign one are refused, and the origin names Cloudflare's origin-pull CA as the one it accepts; only Cloudflare can present its shared certificate, so the request through Cloudflare is what proves it is served".into(),
            ..judgement
        },
        Some(true) => judgement,
        _ => Judgement {
            verdict: Verdict::Misconfigured,
            explanation: "the origin names no CA it accepts, so nothing shows it trusts Cloudflare's origin-pull CA (only Cloudflare can present the shared certificate)".into(),
            next_step: "Point the origin's client-CA file (nginx ssl_client_certificate, Apache SSLCACertificateFile, HAProxy ca-file) at Cloudflare's origin-pull CA, the file the snippet writes, then reload.".into(),
            ..judgement
        },
    }
}

/// The requests through Cloudflare that were not served, in words; each answer is told to
/// `note` as it comes. `uncertified`: those of `hostnames` Cloudflare presents no certificate for.
pub async fn edge_problems(
    template: &str,
    hostnames: &[String],
    uncertified: &[String],
    timeout: Duration,
    mut note: impl FnMut(String),
) -> Vec<String> {
    let mut problems = Vec::new();
    for edge in through_edge(template, hostnames, uncertified, timeout).await {
        note(format!(
            "through Cloudflare: {} → {}",
            edge.url,
            edge.status
                .map_or("no answer".to_string(), |s| s.to_string())
        ));
        if !edge.passed {
            problems.push(edge.problem());
        }
    }
    problems
}

/// A request to each hostname through Cloudflare; one of `uncertified` that is not served is
/// told why that may be and what to do.
async fn through_edge(
    template: &str,
    hostnames: &[String],
    uncertified: &[String],
    timeout: Duration,
) -> Vec<EdgeReport> {
    let http = match crate::cloudflare::http_client(timeout) {
        Ok(http) => http,
        Err(e) => {
            return hostnames
                .iter()
                .map(|hostname| EdgeReport {
                    hostname: hostname.clone(),
                    url: template.replace("{hostname}", hostname),
                    status: None,
                    passed: false,
                    explanation: format!("cannot make an HTTPS client: {e}"),
                    answer: None,
                })
                .collect();
        }
    };
    let mut reports = Vec::new();
    for hostname in hostnames {
        let url = template.replace("{hostname}", hostname);
        let mut report = probe::check_through_edge(&http, hostname, &url).await;
        // The general explanation (is AOP on, is the CA trusted) misleads here: the hostname
        // gets no certificate at all.
        if !report.passed && uncertified.contains(hostname) {
            report.explanation = format!(
                "{}: Cloudflare presents no client certificate for {hostname} (not on the per-hostname certificate), so an origin that enforces refuses it; {WITHOUT_CERTIFICATE_ADVICE}",
                report
                    .status
                    .map_or("no answer".to_string(), |s| format!("answered {s}"))
            );
        }
        reports.push(report);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgement(verdict: Verdict, listed: Option<bool>) -> Judgement {
        Judgement {
            verdict,
            explanation: "as probed".into(),
            next_step: "as probed".into(),
            expected_ca_listed: listed,
        }
    }

    fn record(kind: &str, name: &str, content: &str, proxied: bool) -> DnsRecord {
        serde_json::from_value(serde_json::json!({
            "type": kind, "name": name, "content": content, "proxied": proxied
        }))
        .unwrap()
    }

    #[test]
    fn association_hostnames_come_from_every_source_once() {
        let records = [
            record("A", "www.example.com", "203.0.113.10", true),
            record("A", "direct.example.com", "203.0.113.10", false),
            record("A", "elsewhere.example.com", "198.51.100.7", false),
            record("TXT", "example.com", "v=spf1 -all", false),
        ];
        let certificate: UploadedCertificate =
            serde_json::from_value(serde_json::json!({ "id": "c", "hostname": "api.example.com" }))
                .unwrap();
        let names = association_hostnames(
            &records,
            &[certificate],
            &["shop.customer.test".into()],
            &["www.example.com".into(), "named.example.com".into()],
        );
        assert_eq!(
            names,
            [
                "api.example.com",
                "direct.example.com",
                "named.example.com",
                "shop.customer.test",
                "www.example.com"
            ]
        );
    }

    #[test]
    fn global_needs_cloudflares_ca_named_by_the_origin() {
        for verdict in [Verdict::LogOnly, Verdict::Enforced] {
            let unnamed = judged_for_global(judgement(verdict, None));
            assert_eq!(unnamed.verdict, Verdict::Misconfigured, "{verdict}");
            assert!(unnamed.explanation.contains("names no CA"));
            assert!(unnamed.next_step.contains("Cloudflare's origin-pull CA"));
        }
        let log = judged_for_global(judgement(Verdict::LogOnly, Some(true)));
        assert_eq!(log, judgement(Verdict::LogOnly, Some(true)));
        let enforced = judged_for_global(judgement(Verdict::Enforced, Some(true)));
        assert_eq!(enforced.verdict, Verdict::Enforced);
        assert!(
            enforced.explanation.contains("through Cloudflare")
                && !enforced.explanation.contains("--cert"),
            "no advice to present a certificate only Cloudflare has: {}",
            enforced.explanation
        );
        let other = judged_for_global(judgement(Verdict::NotRequesting, None));
        assert_eq!(other.verdict, Verdict::NotRequesting);
    }
}
