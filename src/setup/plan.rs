//! What a set-up will do, decided once and saved before anything changes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Scope;
use crate::cloudflare::Client;
use crate::ops::{self, OperationError, certificate};
use crate::ops::{HOSTNAMES_PER_CERTIFICATE, OriginCheck};
use crate::pki::{self, KeyType};
use crate::snippets::SnippetPhase;

/// Where a set-up stands; each is saved as soon as it is reached, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The plan is saved; nothing changed yet.
    Planned,
    /// The zone's SSL/TLS mode is Full or Full (strict).
    SslModeReady,
    /// The certificate and CA are on disk, checked (global: Cloudflare's CA written).
    CertificateReady,
    /// The certificate is on Cloudflare.
    Uploaded,
    /// Cloudflare reports it active.
    Active,
    /// The log-phase snippet and the CA file are written for the origin.
    LogSnippetWritten,
    /// The origin asks for the certificate and still serves without one (probe: log-only).
    OriginAsks,
    /// Cloudflare presents the certificate (the scope's switch is on, read back).
    Enabled,
    /// A request through Cloudflare is served while the origin only logs.
    ServedWhileLogging,
    /// The enforce-phase snippet is written.
    EnforceSnippetWritten,
    /// The origin refuses requests without the certificate (probe: enforced).
    OriginEnforces,
    /// A request through Cloudflare is served while the origin enforces.
    ServedWhileEnforcing,
    /// An e-mail goes out before the certificate expires.
    AlertSet,
}

impl Stage {
    pub const ALL: [Stage; 13] = [
        Stage::Planned,
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Uploaded,
        Stage::Active,
        Stage::LogSnippetWritten,
        Stage::OriginAsks,
        Stage::Enabled,
        Stage::ServedWhileLogging,
        Stage::EnforceSnippetWritten,
        Stage::OriginEnforces,
        Stage::ServedWhileEnforcing,
        Stage::AlertSet,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Stage::Planned => "planned",
            Stage::SslModeReady => "SSL/TLS mode ready",
            Stage::CertificateReady => "certificate ready",
            Stage::Uploaded => "certificate uploaded to Cloudflare",
            Stage::Active => "certificate active on Cloudflare",
            Stage::LogSnippetWritten => "log-phase snippet written",
            Stage::OriginAsks => "the origin asks for the certificate",
            Stage::Enabled => "enabled on Cloudflare",
            Stage::ServedWhileLogging => "served through Cloudflare (log phase)",
            Stage::EnforceSnippetWritten => "enforce snippet written",
            Stage::OriginEnforces => "the origin enforces",
            Stage::ServedWhileEnforcing => "served through Cloudflare (enforced)",
            Stage::AlertSet => "expiry alert set",
        }
    }

    /// Whether a set-up goes through this stage: global AOP uploads nothing and has no
    /// certificate of its own to be warned about; the alert needs an address.
    pub fn applies_to(self, scope: Scope, email: bool) -> bool {
        match self {
            Stage::Uploaded | Stage::Active => scope.uses_own_certificate(),
            Stage::AlertSet => scope.uses_own_certificate() && email,
            _ => true,
        }
    }

    /// The next stage of this set-up, or none when this is its last.
    pub fn next(self, scope: Scope, email: bool) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .skip_while(|s| *s != self)
            .skip(1)
            .find(|s| s.applies_to(scope, email))
    }
}

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CertificateSource {
    /// A new CA and client certificate by the recipe, in the set-up's directory.
    Generate {
        key_type: KeyType,
        /// Names the environment variable holding the CA key's passphrase, never the passphrase.
        ca_passphrase_env: Option<String>,
    },
    /// The user's own client certificate, key and CA, checked before anything is sent.
    Import {
        cert: PathBuf,
        key: PathBuf,
        ca: PathBuf,
    },
    /// Global AOP: Cloudflare's shared certificate, trusted through its CA.
    Cloudflare,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct SetupRequest {
    pub zone: String,
    pub scope: Scope,
    /// Per-hostname: the hostnames to associate with the certificate.
    pub hostnames: Vec<String>,
    pub certificate: CertificateSource,
    /// Where every file goes (default `./aop-ZONE`).
    pub out_dir: Option<PathBuf>,
    /// Origin addresses and hostnames to probe; the snippets' server and paths; the edge check.
    /// Its `phase` is ignored: a set-up goes through both.
    pub origin: OriginCheck,
    pub email: Option<String>,
}

/// The saved plan and how far it got. Holds paths and ids, never a key or a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    pub zone: String,
    pub zone_id: String,
    pub account_id: String,
    pub scope: Scope,
    pub hostnames: Vec<String>,
    pub certificate: CertificateSource,
    pub out_dir: PathBuf,
    /// The CA the origin trusts, on this machine (copied beside the snippets for the origin).
    pub ca_cert: PathBuf,
    /// The client certificate and key Cloudflare presents (none for global).
    pub client: Option<(PathBuf, PathBuf)>,
    pub fingerprint: Option<String>,
    pub certificate_id: Option<String>,
    pub origin: OriginCheck,
    pub email: Option<String>,
    pub alert_id: Option<String>,
    /// Every snippet and CA copy written for the origin, in order.
    pub snippets: Vec<PathBuf>,
    pub stage: Stage,
    pub started: String,
    /// What the plan found that will break on enforce and is not the set-up's to fix.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The zone's proxied hostnames when planned: each is requested through Cloudflare, since
    /// each must still be served once the origin enforces (a plan saved before has none).
    #[serde(default)]
    pub proxied_hostnames: Vec<String>,
}

impl Setup {
    /// The next stage to reach, or none when the set-up is complete.
    pub fn next_stage(&self) -> Option<Stage> {
        self.stage.next(self.scope, self.email.is_some())
    }

    /// The hostnames requested through Cloudflare: those probed at the origin, then every other
    /// proxied hostname of the zone.
    pub fn edge_hostnames(&self) -> Vec<String> {
        let mut hostnames = self.origin.hostnames.clone();
        for name in &self.proxied_hostnames {
            if !hostnames.contains(name) {
                hostnames.push(name.clone());
            }
        }
        hostnames
    }

    /// Where the snippets and the CA copy for the origin go.
    pub fn origin_dir(&self) -> PathBuf {
        self.out_dir.join("origin")
    }

    /// The snippet file of a phase.
    pub fn snippet_path(&self, phase: SnippetPhase) -> PathBuf {
        self.origin_dir().join(format!(
            "{}-{}.conf",
            self.origin.server.name(),
            phase.name()
        ))
    }

    /// The copy of the CA file to install on the origin at `origin.ca_path`.
    pub fn origin_ca_copy(&self) -> PathBuf {
        let name = Path::new(&self.origin.ca_path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ca.crt".into());
        self.origin_dir().join(name)
    }

    pub fn scope_label(&self) -> String {
        match self.scope {
            Scope::Hostname => format!("per-hostname AOP for {}", self.hostnames.join(", ")),
            Scope::Zone => format!("zone-level AOP for {}", self.zone),
            Scope::Global => format!("global AOP (Cloudflare's certificate) for {}", self.zone),
        }
    }
}

/// Reads Cloudflare and the files, decides, and returns the plan at `Stage::Planned`. Nothing
/// is changed anywhere.
pub async fn plan(client: &Client, request: &SetupRequest) -> Result<Setup, OperationError> {
    request.origin.check_snippet_values()?;
    let zone = client.zone_by_name(&request.zone).await?;
    let hostnames = ops::zone_hostnames(client, &zone, &request.hostnames).await?;
    match request.scope {
        Scope::Hostname if hostnames.is_empty() => {
            return Err(OperationError::Missing(
                "--scope hostname needs --hostname NAME (repeat for several)".into(),
            ));
        }
        Scope::Hostname if hostnames.len() > HOSTNAMES_PER_CERTIFICATE => {
            return Err(OperationError::Refused(format!(
                "one certificate serves at most {HOSTNAMES_PER_CERTIFICATE} hostnames; {} were given",
                hostnames.len()
            )));
        }
        Scope::Hostname => {}
        _ if !hostnames.is_empty() => {
            return Err(OperationError::Refused(
                "--hostname is for --scope hostname; zone-level and global AOP cover every proxied hostname".into(),
            ));
        }
        _ => {}
    }
    if request.origin.addresses.is_empty() {
        return Err(OperationError::Missing(
            "give --origin ADDR (the origin's IP, or IP:PORT): the set-up proves the origin asks for the certificate, then enforces it".into(),
        ));
    }
    let mut origin = request.origin.clone();
    origin.phase = SnippetPhase::Enforce;
    let dns = client.dns_records(&zone.id).await?;
    let proxied = ops::proxied_hostnames(&dns);
    if origin.hostnames.is_empty() {
        origin.hostnames = match request.scope {
            Scope::Hostname => hostnames.clone(),
            _ => proxied.clone(),
        };
    }
    let origin_ips: Vec<String> = origin
        .addresses
        .iter()
        .map(|a| a.ip().to_string())
        .collect();
    let mut warnings: Vec<String> = ops::dns_only_records_on(&dns, &origin_ips)
        .into_iter()
        .map(|r| {
            format!(
                "{} ({} {}) is DNS-only and points at this origin: once it enforces, requests by that name are refused; proxy the record or point it elsewhere",
                r.name, r.record_type, r.content
            )
        })
        .collect();
    if request.scope == Scope::Hostname {
        let uncertified = ops::without_certificate(&proxied, &hostnames);
        if !uncertified.is_empty() {
            warnings.push(format!(
                "Cloudflare presents no client certificate for {}: if they reach this origin, they are refused once it enforces; {}",
                uncertified.join(", "),
                ops::WITHOUT_CERTIFICATE_ADVICE
            ));
        }
    }
    if origin.hostnames.is_empty() {
        return Err(OperationError::Missing(format!(
            "{} has no proxied A, AAAA or CNAME record to probe: give --host NAME",
            zone.name
        )));
    }
    let email = request
        .email
        .as_deref()
        .map(crate::names::email)
        .transpose()?;
    let out_dir = std::path::absolute(
        request
            .out_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("./aop-{}", zone.name))),
    )
    .map_err(|e| OperationError::Refused(format!("cannot resolve the output directory: {e}")))?;
    let certificate = match (request.scope, &request.certificate) {
        (Scope::Global, _) => CertificateSource::Cloudflare,
        (_, CertificateSource::Cloudflare) => {
            return Err(OperationError::Refused(
                "Cloudflare's shared certificate is global AOP: pass --scope global".into(),
            ));
        }
        (_, source) => source.clone(),
    };
    let (ca_cert, client_files, fingerprint) = match &certificate {
        CertificateSource::Cloudflare => (out_dir.join(pki::cloudflare_ca::FILE_NAME), None, None),
        CertificateSource::Generate {
            ca_passphrase_env, ..
        } => {
            if let Some(var) = ca_passphrase_env {
                certificate::new_key_passphrase_from_env(var)?;
            }
            let files = ["ca.crt", "ca.key", "client.crt", "client.key"].map(|n| out_dir.join(n));
            if let Some(existing) = files.iter().find(|p| p.exists()) {
                return Err(OperationError::Refused(format!(
                    "{} already exists: choose another directory with --out, or use those files with --cert, --key and --ca",
                    existing.display()
                )));
            }
            (
                out_dir.join("ca.crt"),
                Some((out_dir.join("client.crt"), out_dir.join("client.key"))),
                None,
            )
        }
        CertificateSource::Import { cert, key, ca } => {
            let (cert, key, ca) = (absolute(cert), absolute(key), absolute(ca));
            let fingerprint = certificate::check_import(&cert, &key, &ca)?;
            (ca, Some((cert, key)), Some(fingerprint))
        }
    };
    if request.scope == Scope::Hostname {
        ops::room_for_a_hostname_certificate(client, &zone.id, fingerprint.as_deref()).await?;
    }
    let now = OffsetDateTime::now_utc();
    Ok(Setup {
        zone: zone.name,
        zone_id: zone.id,
        account_id: zone.account.id,
        scope: request.scope,
        hostnames,
        certificate,
        out_dir,
        ca_cert,
        client: client_files,
        fingerprint,
        certificate_id: None,
        origin,
        email,
        alert_id: None,
        snippets: Vec::new(),
        stage: Stage::Planned,
        started: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        warnings,
        proxied_hostnames: proxied,
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
