//! What the API returns and accepts. Every field is optional and unknown fields and enum values
//! are kept: Cloudflare adds both over time, and a new value must not break a 3 a.m. run.

use serde::{Deserialize, Serialize};

use super::error::ApiMessage;

/// The v4 envelope around every answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Envelope<T> {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<ApiMessage>,
    #[serde(default)]
    pub messages: Vec<ApiMessage>,
    #[serde(default = "Option::default")]
    pub result: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_info: Option<ResultInfo>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ResultInfo {
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub per_page: Option<u32>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub total_count: Option<u32>,
    #[serde(default)]
    pub total_pages: Option<u32>,
}

pub type Extra = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct TokenStatus {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AccountRef {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub account: AccountRef,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A single zone setting (`ssl`, `ssl_automatic_mode`, `tls_client_auth`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ZoneSetting {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub value: serde_json::Value,
    #[serde(default)]
    pub editable: Option<bool>,
    #[serde(default)]
    pub modified_on: Option<String>,
}

impl ZoneSetting {
    pub fn text(&self) -> String {
        self.value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| self.value.to_string())
    }
}

/// The zone's SSL/TLS encryption mode. AOP needs Full or higher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum SslMode {
    Off,
    Flexible,
    Full,
    Strict,
    /// "Strict (SSL-Only Origin Pull)", Enterprise.
    OriginPull,
    Other(String),
}

impl SslMode {
    pub fn parse(value: &str) -> Self {
        match value {
            "off" => SslMode::Off,
            "flexible" => SslMode::Flexible,
            "full" => SslMode::Full,
            "strict" => SslMode::Strict,
            "origin_pull" => SslMode::OriginPull,
            other => SslMode::Other(other.to_string()),
        }
    }

    pub fn api_value(&self) -> &str {
        match self {
            SslMode::Off => "off",
            SslMode::Flexible => "flexible",
            SslMode::Full => "full",
            SslMode::Strict => "strict",
            SslMode::OriginPull => "origin_pull",
            SslMode::Other(other) => other,
        }
    }

    /// Off and Flexible never open TLS to the origin, so there is nothing to authenticate.
    pub fn supports_aop(&self) -> bool {
        matches!(self, SslMode::Full | SslMode::Strict | SslMode::OriginPull)
    }

    pub fn label(&self) -> String {
        match self {
            SslMode::Off => "Off".into(),
            SslMode::Flexible => "Flexible".into(),
            SslMode::Full => "Full".into(),
            SslMode::Strict => "Full (strict)".into(),
            SslMode::OriginPull => "Strict (SSL-Only Origin Pull)".into(),
            // Cloudflare's own word for a mode this program does not know: shown, never obeyed.
            SslMode::Other(other) => crate::untrusted::shown(other).to_string(),
        }
    }
}

impl From<SslMode> for String {
    fn from(mode: SslMode) -> String {
        mode.api_value().to_string()
    }
}

/// Status of an uploaded certificate or of a hostname association.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum CertificateStatus {
    Initializing,
    PendingDeployment,
    Active,
    PendingDeletion,
    Deleted,
    DeploymentTimedOut,
    DeletionTimedOut,
    Other(String),
}

impl From<String> for CertificateStatus {
    fn from(value: String) -> Self {
        match value.as_str() {
            "initializing" => Self::Initializing,
            "pending_deployment" => Self::PendingDeployment,
            "active" => Self::Active,
            "pending_deletion" => Self::PendingDeletion,
            "deleted" => Self::Deleted,
            "deployment_timed_out" => Self::DeploymentTimedOut,
            "deletion_timed_out" => Self::DeletionTimedOut,
            _ => Self::Other(value),
        }
    }
}

impl From<CertificateStatus> for String {
    fn from(status: CertificateStatus) -> String {
        status.as_str().to_string()
    }
}

impl CertificateStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Initializing => "initializing",
            Self::PendingDeployment => "pending_deployment",
            Self::Active => "active",
            Self::PendingDeletion => "pending_deletion",
            Self::Deleted => "deleted",
            Self::DeploymentTimedOut => "deployment_timed_out",
            Self::DeletionTimedOut => "deletion_timed_out",
            Self::Other(other) => other,
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Self::DeploymentTimedOut | Self::DeletionTimedOut)
    }

    /// A certificate on its way out (`pending_deletion`, `deleted`, `deletion_timed_out`): it is
    /// never reused, never counted towards a limit and never deleted again. The one place that
    /// decides it.
    pub fn is_going_away(&self) -> bool {
        matches!(
            self,
            Self::PendingDeletion | Self::Deleted | Self::DeletionTimedOut
        )
    }
}

/// A client certificate uploaded to Cloudflare, zone-level or per-hostname (same shape).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct UploadedCertificate {
    pub id: String,
    #[serde(default)]
    pub certificate: String,
    #[serde(default)]
    pub status: Option<CertificateStatus>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub uploaded_on: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl UploadedCertificate {
    /// SHA-256 of the certificate's DER: Cloudflare reformats PEM text, so text never compares.
    pub fn fingerprint(&self) -> Option<String> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(self.certificate.as_bytes()).ok()?;
        Some(crate::pki::fingerprint_sha256(&pem.contents))
    }

    pub fn is_active(&self) -> bool {
        self.status == Some(CertificateStatus::Active)
    }

    /// See `CertificateStatus::is_going_away`.
    pub fn is_going_away(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(CertificateStatus::is_going_away)
    }

    /// The hostname a list item names: cloudflare-go v6 types the per-hostname certificate list
    /// items as associations (`hostname`, `cert_id`, `enabled`), so an answer may carry one.
    pub fn known_hostname(&self) -> Option<&str> {
        self.extra
            .get("hostname")
            .and_then(serde_json::Value::as_str)
            .filter(|h| !h.is_empty())
    }
}

/// A Cloudflare for SaaS custom hostname (`GET /zones/{id}/custom_hostnames`): traffic for it
/// reaches the zone's origin, so it may carry a per-hostname association too.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CustomHostname {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub hostname: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The certificate an upload of the one with this fingerprint reuses instead: the same one
/// already there, unless it is being deleted (it would never become active again).
pub fn reusable<'a>(
    certificates: &'a [UploadedCertificate],
    fingerprint: &str,
) -> Option<&'a UploadedCertificate> {
    certificates
        .iter()
        .find(|c| !c.is_going_away() && c.fingerprint().as_deref() == Some(fingerprint))
}

/// Cloudflare presents the most recently deployed active zone certificate; the API has no
/// deployment time, so the upload time stands in for it.
pub fn certificate_in_use(certificates: &[UploadedCertificate]) -> Option<&UploadedCertificate> {
    certificates
        .iter()
        .filter(|c| c.is_active())
        .max_by_key(|c| c.uploaded_on.clone())
}

/// A hostname's AOP association: which certificate Cloudflare presents for it, and whether.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct HostnameAssociation {
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub cert_id: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub status: Option<CertificateStatus>,
    #[serde(default)]
    pub cert_status: Option<CertificateStatus>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a hostname PUT sets `enabled` to. `Remove` sends an explicit JSON `null`, which voids the
/// association (needed before its certificate can be deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostnameEnablement {
    Enable,
    Disable,
    Remove,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostnameConfig {
    pub hostname: String,
    pub cert_id: String,
    /// Always serialised, as `true`, `false` or `null`.
    pub enabled: Option<bool>,
}

impl HostnameConfig {
    pub fn new(
        hostname: impl Into<String>,
        cert_id: impl Into<String>,
        enablement: HostnameEnablement,
    ) -> Self {
        Self {
            hostname: hostname.into(),
            cert_id: cert_id.into(),
            enabled: match enablement {
                HostnameEnablement::Enable => Some(true),
                HostnameEnablement::Disable => Some(false),
                HostnameEnablement::Remove => None,
            },
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DnsRecord {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default)]
    pub record_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub proxied: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl DnsRecord {
    pub fn is_proxied(&self) -> bool {
        self.proxied == Some(true)
    }

    /// A/AAAA/CNAME: the records that send HTTP traffic to an origin.
    pub fn points_at_origin(&self) -> bool {
        matches!(self.record_type.as_str(), "A" | "AAAA" | "CNAME")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AlertPolicy {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub alert_type: String,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Each mechanism type (`email`, `webhooks`, `pagerduty`) with the destinations' ids.
    #[serde(default)]
    pub mechanisms: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How often to alert again for the same incident (e.g. `30m`); not every alert type has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_interval: Option<String>,
    /// Each filter (`zones`, ...) with its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<serde_json::Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The two expiry alerts for custom AOP certificates.
pub const ZONE_CERT_EXPIRY_ALERT: &str = "zone_aop_custom_certificate_expiration_type";
pub const HOSTNAME_CERT_EXPIRY_ALERT: &str = "hostname_aop_custom_certificate_expiration_type";

#[derive(Debug, Clone, Serialize)]
pub struct NewAlertPolicy {
    pub name: String,
    pub description: String,
    pub alert_type: String,
    pub enabled: bool,
    pub mechanisms: serde_json::Value,
}

impl NewAlertPolicy {
    pub fn email(name: impl Into<String>, alert_type: &str, email: &str) -> Self {
        Self {
            name: name.into(),
            description: "Created by aop-wizard".into(),
            alert_type: alert_type.into(),
            enabled: true,
            mechanisms: serde_json::json!({ "email": [ { "id": email } ] }),
        }
    }
}
