//! Everything Cloudflare knows about AOP on a zone, read-only: the SSL mode, the three switches,
//! the certificates, and per hostname the certificate Cloudflare presents to the origin. `status`
//! prints it, `check-expiry` and `doctor` judge it.

use serde::Serialize;
use time::OffsetDateTime;

use super::OperationError;
use crate::cloudflare::{CertificateScope, Client, DnsRecord, UploadedCertificate, Zone};
use crate::pki;

#[derive(Debug, Serialize)]
pub struct CertificateView {
    pub id: String,
    pub status: String,
    pub issuer: Option<String>,
    pub expires_on: Option<String>,
    pub days_left: Option<i64>,
    pub fingerprint_sha256: Option<String>,
    pub in_use: bool,
    /// Being deleted (`pending_deletion`, `deleted`, `deletion_timed_out`): soon gone.
    pub going_away: bool,
    /// The certificate itself (DER), when Cloudflare's answer holds one that parses: what
    /// `doctor` reads the issuer from.
    #[serde(skip)]
    pub der: Option<Vec<u8>>,
}

impl CertificateView {
    pub fn is_active(&self) -> bool {
        self.status == crate::cloudflare::CertificateStatus::Active.as_str()
    }
}

/// Why Cloudflare presents no client certificate for a hostname.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCertificate {
    /// DNS only: Cloudflare is not in the path.
    DnsOnly,
    /// The hostname's own association is switched off, which wins over zone-level and global.
    DisabledForHostname,
    /// No switch gives it one: global and zone-level off (or zone-level without an active
    /// certificate), and no per-hostname association.
    NoSwitch,
}

/// What Cloudflare presents to the origin for one hostname: per-hostname > zone-level > global.
/// The one decider; `status` prints it in words, `doctor` compares it with the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectiveCertificate {
    /// The per-hostname certificate with this id.
    PerHostname(String),
    /// The zone-level certificate in use, with this id.
    ZoneLevel(String),
    /// Cloudflare's shared origin-pull certificate.
    Global,
    Nothing(NoCertificate),
}

impl EffectiveCertificate {
    /// `association`: the hostname's (enabled, certificate id); `zone_level`: the zone
    /// certificate in use while zone-level AOP is on.
    pub fn decide(
        proxied: bool,
        association: (Option<bool>, Option<&str>),
        zone_level: Option<&str>,
        global: bool,
    ) -> Self {
        match (proxied, association, zone_level, global) {
            (false, ..) => Self::Nothing(NoCertificate::DnsOnly),
            (true, (Some(true), Some(id)), ..) => Self::PerHostname(id.to_string()),
            (true, (Some(false), _), ..) => Self::Nothing(NoCertificate::DisabledForHostname),
            (true, _, Some(id), _) => Self::ZoneLevel(id.to_string()),
            (true, _, None, true) => Self::Global,
            _ => Self::Nothing(NoCertificate::NoSwitch),
        }
    }
}

impl std::fmt::Display for EffectiveCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PerHostname(id) => write!(f, "per-hostname {id}"),
            Self::ZoneLevel(id) => write!(f, "zone-level {id}"),
            Self::Global => f.write_str("global (Cloudflare's shared certificate)"),
            Self::Nothing(NoCertificate::DnsOnly) => {
                f.write_str("none (DNS only: Cloudflare is not in the path)")
            }
            Self::Nothing(NoCertificate::DisabledForHostname) => {
                f.write_str("none (AOP disabled for this hostname)")
            }
            Self::Nothing(NoCertificate::NoSwitch) => f.write_str("none"),
        }
    }
}

/// In `--json`, the words `status` has always printed.
impl Serialize for EffectiveCertificate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Debug, Serialize)]
pub struct HostnameView {
    pub hostname: String,
    pub record_type: String,
    pub origin: String,
    pub proxied: bool,
    pub cert_id: Option<String>,
    pub aop_enabled: Option<bool>,
    /// What Cloudflare presents to the origin for this hostname: per-hostname > zone-level > global.
    pub effective_certificate: EffectiveCertificate,
}

#[derive(Debug, Serialize)]
pub struct ZoneStatus {
    pub zone: String,
    pub zone_id: String,
    pub ssl_mode: String,
    pub ssl_mode_allows_aop: bool,
    pub ssl_automatic_mode: String,
    pub global_aop: bool,
    /// Cloudflare's shared origin-pull CA (global AOP) expires 2029-11-01.
    pub global_ca_expires_on: Option<String>,
    pub global_ca_days_left: Option<i64>,
    pub zone_level_enabled: bool,
    pub zone_certificates: Vec<CertificateView>,
    pub hostname_certificates: Vec<CertificateView>,
    pub hostnames: Vec<HostnameView>,
    /// Hostnames whose association could not be read, in words.
    pub unchecked: Vec<String>,
}

impl ZoneStatus {
    /// The certificate `effective` names, when it is one of the zone's own.
    pub fn certificate(&self, effective: &EffectiveCertificate) -> Option<&CertificateView> {
        let (list, id) = match effective {
            EffectiveCertificate::PerHostname(id) => (&self.hostname_certificates, id),
            EffectiveCertificate::ZoneLevel(id) => (&self.zone_certificates, id),
            _ => return None,
        };
        list.iter().find(|c| c.id == *id)
    }
}

fn view(certificate: &UploadedCertificate, in_use: bool, now: OffsetDateTime) -> CertificateView {
    let der = x509_parser::pem::parse_x509_pem(certificate.certificate.as_bytes())
        .ok()
        .map(|(_, pem)| pem.contents);
    let info = der
        .as_ref()
        .and_then(|der| pki::inspect_certificate(der, now).ok());
    CertificateView {
        id: certificate.id.clone(),
        status: certificate
            .status
            .as_ref()
            .map_or("unknown".into(), |s| s.as_str().to_string()),
        issuer: certificate.issuer.clone(),
        expires_on: certificate.expires_on.clone(),
        days_left: info.as_ref().map(|i| i.days_left),
        fingerprint_sha256: info.map(|i| i.fingerprint_sha256),
        in_use,
        going_away: certificate.is_going_away(),
        der,
    }
}

pub async fn read_status(client: &Client, zone_name: &str) -> Result<ZoneStatus, OperationError> {
    read_status_naming(client, zone_name, &[]).await
}

/// `read_status`, with the hostnames the user named looked up too.
pub async fn read_status_naming(
    client: &Client,
    zone_name: &str,
    given: &[String],
) -> Result<ZoneStatus, OperationError> {
    let zone = client.zone_by_name(&crate::names::zone(zone_name)?).await?;
    read_zone_status(client, zone, given).await
}

/// `read_status_naming` for a zone already looked up.
pub async fn read_zone_status(
    client: &Client,
    zone: Zone,
    given: &[String],
) -> Result<ZoneStatus, OperationError> {
    let now = OffsetDateTime::now_utc();
    let ssl_mode = client.ssl_mode(&zone.id).await?;
    let automatic = client
        .ssl_automatic_mode(&zone.id)
        .await
        .unwrap_or_else(|_| "unknown".into());
    let global_aop = client.global_aop(&zone.id).await?;
    let zone_level_enabled = client.zone_aop_enabled(&zone.id).await?;
    let zone_certs = client
        .list_certificates(CertificateScope::Zone, &zone.id)
        .await?;
    let hostname_certs = client
        .list_certificates(CertificateScope::Hostname, &zone.id)
        .await?;
    let in_use = crate::cloudflare::certificate_in_use(&zone_certs).map(|c| c.id.clone());
    let mut hostnames = Vec::new();
    let survey = super::survey_associations(client, &zone.id, given).await?;
    let surveyed = |name: &str| survey.associations.iter().find(|a| a.hostname == name);
    let records: Vec<_> = client
        .dns_records(&zone.id)
        .await?
        .into_iter()
        .filter(|r| r.points_at_origin())
        .collect();
    // Hostnames with an association and no DNS record (custom, named, a certificate's): they
    // reach the origin through Cloudflare too.
    let unlisted = survey
        .associations
        .iter()
        .filter(|a| a.cert_id.is_some() && !records.iter().any(|r| r.name == a.hostname))
        .map(|a| DnsRecord {
            id: String::new(),
            record_type: "-".into(),
            name: a.hostname.clone(),
            content: String::new(),
            proxied: Some(true),
            extra: Default::default(),
        })
        .collect::<Vec<_>>();
    for record in records.into_iter().chain(unlisted) {
        let association = surveyed(&record.name).filter(|_| record.is_proxied());
        let zone_level = in_use.as_deref().filter(|_| zone_level_enabled);
        hostnames.push(HostnameView {
            effective_certificate: EffectiveCertificate::decide(
                record.is_proxied(),
                (
                    association.as_ref().and_then(|a| a.enabled),
                    association.as_ref().and_then(|a| a.cert_id.as_deref()),
                ),
                zone_level,
                global_aop,
            ),
            proxied: record.is_proxied(),
            cert_id: association.as_ref().and_then(|a| a.cert_id.clone()),
            aop_enabled: association.and_then(|a| a.enabled),
            hostname: record.name,
            record_type: record.record_type,
            origin: record.content,
        });
    }
    let global_ca = pki::cloudflare_ca::der()
        .ok()
        .and_then(|der| pki::inspect_certificate(&der, now).ok());
    Ok(ZoneStatus {
        global_ca_expires_on: global_ca.as_ref().map(|c| c.not_after.date().to_string()),
        global_ca_days_left: global_ca.map(|c| c.days_left),
        zone: zone.name,
        zone_id: zone.id,
        ssl_mode_allows_aop: ssl_mode.supports_aop(),
        ssl_mode: ssl_mode.api_value().to_string(),
        ssl_automatic_mode: automatic,
        global_aop,
        zone_level_enabled,
        // In use: presented now. A zone certificate only while zone-level AOP is on; a
        // per-hostname one while a hostname seen here has it enabled (Cloudflare lists no
        // associations, so one for a hostname not seen stays unknown: `--hostname` names it).
        zone_certificates: zone_certs
            .iter()
            .map(|c| {
                view(
                    c,
                    zone_level_enabled && in_use.as_deref() == Some(&c.id),
                    now,
                )
            })
            .collect(),
        hostname_certificates: hostname_certs
            .iter()
            .map(|c| {
                let enabled = survey.associations.iter().any(|a| {
                    a.enabled == Some(true) && a.cert_id.as_deref() == Some(c.id.as_str())
                });
                view(c, enabled, now)
            })
            .collect(),
        hostnames,
        unchecked: survey.unchecked,
    })
}

#[cfg(test)]
mod tests {
    use super::{EffectiveCertificate, NoCertificate};

    #[test]
    fn per_hostname_beats_zone_level_beats_global() {
        let decide = |association, zone, global| {
            let decided = EffectiveCertificate::decide(true, association, zone, global);
            (decided.clone(), decided.to_string())
        };
        let zone = Some("zone-cert");
        assert_eq!(
            decide((Some(true), Some("host-cert")), zone, true),
            (
                EffectiveCertificate::PerHostname("host-cert".into()),
                "per-hostname host-cert".into()
            )
        );
        assert_eq!(
            decide((Some(false), Some("host-cert")), zone, true),
            (
                EffectiveCertificate::Nothing(NoCertificate::DisabledForHostname),
                "none (AOP disabled for this hostname)".into()
            )
        );
        assert_eq!(
            decide((None, None), zone, true),
            (
                EffectiveCertificate::ZoneLevel("zone-cert".into()),
                "zone-level zone-cert".into()
            )
        );
        assert_eq!(
            decide((None, None), None, true),
            (
                EffectiveCertificate::Global,
                "global (Cloudflare's shared certificate)".into()
            )
        );
        assert_eq!(
            decide((None, None), None, false),
            (
                EffectiveCertificate::Nothing(NoCertificate::NoSwitch),
                "none".into()
            )
        );
        let dns_only = EffectiveCertificate::decide(false, (Some(true), Some("c")), zone, true);
        assert_eq!(
            dns_only.to_string(),
            "none (DNS only: Cloudflare is not in the path)"
        );
        assert_eq!(
            serde_json::to_value(&dns_only).unwrap(),
            "none (DNS only: Cloudflare is not in the path)"
        );
    }
}
