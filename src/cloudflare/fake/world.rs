//! The fake's state and rules, apart from HTTP.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::pki;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Permission {
    ZoneRead,
    ZoneSettingsRead,
    ZoneSettingsWrite,
    SslRead,
    SslWrite,
    DnsRead,
    NotificationsWrite,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::ZoneRead,
        Permission::ZoneSettingsRead,
        Permission::ZoneSettingsWrite,
        Permission::SslRead,
        Permission::SslWrite,
        Permission::DnsRead,
        Permission::NotificationsWrite,
    ];

    /// A write permission also reads, as on Cloudflare.
    fn satisfies(self, needed: Permission) -> bool {
        self == needed
            || matches!(
                (self, needed),
                (Permission::ZoneSettingsWrite, Permission::ZoneSettingsRead)
                    | (Permission::SslWrite, Permission::SslRead)
            )
    }
}

/// When an uploaded certificate turns `active`.
#[derive(Debug, Clone, Copy)]
pub enum Activation {
    AfterPolls(u32),
    After(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    TooManyRequests,
    ServerError,
    /// The request is carried out, but the answer comes only after this long.
    Timeout(Duration),
    /// The request is carried out, but the answer is not valid JSON.
    MalformedJson,
    /// Nothing happens for this long; then the request is carried out and answered.
    Hang(Duration),
    /// Nothing is carried out; the answer is this error, in Cloudflare's envelope (a test's way
    /// to put words of its choosing, hostile ones included, in Cloudflare's mouth).
    Refused {
        status: u16,
        code: i64,
        message: &'static str,
    },
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub operation: String,
    pub nth: u32,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names only: values may hold credentials.
    pub header_names: Vec<String>,
    pub body: String,
    /// The HTTP status and JSON body the fake answered with (before any malformed-JSON fault).
    pub status: u16,
    pub response: Value,
}

#[derive(Debug, Clone)]
pub struct ZoneSeed {
    pub name: String,
    pub ssl: String,
    /// (type, name, content, proxied)
    pub dns: Vec<(String, String, String, bool)>,
}

#[derive(Debug, Clone)]
pub(super) struct StoredCertificate {
    pub id: String,
    pub pem: String,
    /// Kept in memory only, as Cloudflare keeps it: the demo edge presents it to the origin.
    pub key_pem: String,
    pub fingerprint: String,
    pub status: String,
    pub polls_left: u32,
    pub ready_at: Instant,
    pub deployed_seq: u64,
    pub uploaded_on: String,
    pub expires_on: String,
    pub issuer: String,
    pub serial_number: String,
    pub signature: String,
    /// Once deleted: how many more reads still list it as `pending_deletion`.
    pub deletion_reads_left: Option<u32>,
    /// Every hostname associated with it (enabled or not) and not since voided with
    /// `enabled: null` for this certificate.
    pub served: BTreeSet<String>,
}

impl StoredCertificate {
    pub fn is_going_away(&self) -> bool {
        matches!(
            self.status.as_str(),
            "pending_deletion" | "deleted" | "deletion_timed_out"
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "certificate": self.pem,
            "status": self.status,
            "issuer": self.issuer,
            "signature": self.signature,
            "serial_number": self.serial_number,
            "expires_on": self.expires_on,
            "uploaded_on": self.uploaded_on,
        })
    }
}

#[derive(Debug, Clone)]
pub(super) struct Association {
    pub cert_id: String,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub(super) struct FakeZone {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub settings: BTreeMap<String, String>,
    pub settings_modified: String,
    pub created_on: String,
    pub aop_enabled: bool,
    pub zone_certs: Vec<StoredCertificate>,
    pub hostname_certs: Vec<StoredCertificate>,
    pub associations: BTreeMap<String, Association>,
    pub dns: Vec<Value>,
    /// Cloudflare for SaaS custom hostnames: (id, hostname).
    pub custom_hostnames: Vec<(String, String)>,
}

/// What the fake requires before it deletes a per-hostname certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertificateRelease {
    /// As Cloudflare documents it, and so the default: "Before deleting the certificate, you
    /// must first invalidate the hostname for client authentication by sending a PUT request
    /// with enabled set to null. After invalidating the association, the certificate can be
    /// safely deleted." (API reference, Delete Hostname Client Certificate,
    /// developers.cloudflare.com/api/resources/origin_tls_client_auth/subresources/hostname_certificates/methods/delete;
    /// the same text in cloudflare-go v6 `HostnameCertificateService.Delete`). Every hostname the
    /// certificate ever served must have been sent `{hostname, cert_id, enabled: null}`;
    /// re-pointing it to another certificate is not enough.
    #[default]
    NullEachHostname,
    /// Laxer: deletable once no hostname points at it any more.
    RepointIsEnough,
}

/// How the fake answers the GET of a hostname that has no association. Cloudflare does not
/// document it; the Terraform provider v5 handles a 404 there, the schema an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnassociatedAnswer {
    /// 200 with the hostname and `enabled: null`.
    #[default]
    EmptyObject,
    /// 404, as for anything else Cloudflare does not know.
    NotFound,
}

/// Cloudflare publishes no time for `pending_deletion`; the certificate schema lists it (with
/// `deleted`) as a state a certificate passes through on its way out, so a deleted certificate
/// stays listed for a few reads, as a new one stays `pending_deployment` for a few polls.
pub const DEFAULT_DELETION_READS: u32 = 2;

/// What tests and the demo can see of a zone.
#[derive(Debug, Clone, Serialize)]
pub struct FakeZoneView {
    pub id: String,
    pub ssl: String,
    pub global_aop: bool,
    pub zone_aop_enabled: bool,
    /// (id, status, SHA-256 fingerprint)
    pub zone_certificates: Vec<(String, String, String)>,
    /// The most recently deployed active zone certificate: the one Cloudflare presents.
    pub zone_certificate_in_use: Option<String>,
    pub hostname_certificates: Vec<(String, String, String)>,
    /// hostname → (cert id, enabled)
    pub associations: BTreeMap<String, (String, bool)>,
}

/// The demo edge's stand-in for Cloudflare's shared origin-pull certificate (global AOP). The
/// real one's key is Cloudflare's alone, so the fake makes a CA and a client certificate of its
/// own, once, and only the demo's origin is told to trust that CA (`GET /edge-ca`).
#[derive(Debug, Clone)]
pub(super) struct SharedStandIn {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl SharedStandIn {
    fn generate() -> Result<Self, String> {
        let set = pki::generate_ephemeral(
            "aop-wizard demo only: stand-in for Cloudflare's pull CA",
            "aop-wizard demo only: stand-in for Cloudflare's certificate",
            pki::LeafPurpose::ClientAuth,
            30,
        )
        .map_err(|e| format!("cannot make the demo's stand-in certificate: {e}"))?;
        Ok(Self {
            ca_pem: set.ca.cert_pem().to_string(),
            cert_pem: set.leaf.cert_pem.clone(),
            key_pem: set.leaf.key_pem(),
        })
    }
}

pub struct World {
    pub(super) tokens: HashMap<String, (Vec<Permission>, bool)>,
    pub(super) global_keys: Vec<(String, String)>,
    pub(super) zones: Vec<FakeZone>,
    pub(super) policies: Vec<(String, Value)>,
    pub activation: Activation,
    pub(super) faults: Vec<Fault>,
    pub(super) calls: HashMap<String, u32>,
    pub(super) requests: Vec<RecordedRequest>,
    pub rate_limit: usize,
    pub rate_window: Duration,
    pub(super) rate_log: HashMap<String, VecDeque<Instant>>,
    pub(super) next_id: u64,
    pub(super) deploy_seq: u64,
    pub(super) gaps: Vec<String>,
    /// Operations answered with success that change nothing (see `FakeCloudflare::ignore_writes`).
    pub(super) ignored_writes: BTreeSet<String>,
    /// Made the first time global AOP is asked of the edge (or its CA of the fake).
    pub(super) shared_stand_in: Option<SharedStandIn>,
    /// Operations whose requests are accepted and never answered (see `FakeCloudflare::hang`).
    pub(super) hanging: BTreeSet<String>,
    /// Every request is accepted and never answered.
    pub(super) hang_every_request: bool,
    /// Reads for which a deleted certificate is still listed as `pending_deletion`.
    pub deletion_reads: u32,
    pub certificate_release: CertificateRelease,
    pub unassociated: UnassociatedAnswer,
    /// What `GET /ips` answers: (IPv4, IPv6) ranges; by default the list shipped in `assets/`.
    pub published_ranges: (Vec<String>, Vec<String>),
}

pub(super) const ACCOUNT_ID: &str = "9a7806061c88ada191ed06f989cc3dac";

impl Default for World {
    fn default() -> Self {
        Self {
            tokens: HashMap::new(),
            global_keys: Vec::new(),
            zones: Vec::new(),
            policies: Vec::new(),
            activation: Activation::AfterPolls(2),
            faults: Vec::new(),
            calls: HashMap::new(),
            requests: Vec::new(),
            rate_limit: 1200,
            rate_window: Duration::from_secs(300),
            rate_log: HashMap::new(),
            next_id: 1,
            deploy_seq: 0,
            gaps: Vec::new(),
            ignored_writes: BTreeSet::new(),
            shared_stand_in: None,
            hanging: BTreeSet::new(),
            published_ranges: crate::evidence::ShippedRanges::lists(),
            hang_every_request: false,
            deletion_reads: DEFAULT_DELETION_READS,
            certificate_release: CertificateRelease::default(),
            unassociated: UnassociatedAnswer::default(),
        }
    }
}

pub(super) fn now_text() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl World {
    /// `example.com` (SSL Full, proxied apex and www on 127.0.0.1, a DNS-only `direct` record
    /// on the same origin), `example.org` (SSL Flexible) and the demo token with every permission.
    pub fn demo() -> Self {
        let mut world = World::default();
        world.add_token(super::DEMO_TOKEN, &Permission::ALL, false);
        let record =
            |t: &str, n: &str, c: &str, p: bool| (t.to_string(), n.to_string(), c.to_string(), p);
        world.add_zone(ZoneSeed {
            name: "example.com".into(),
            ssl: "full".into(),
            dns: vec![
                record("A", "example.com", "127.0.0.1", true),
                record("A", "www.example.com", "127.0.0.1", true),
                record("A", "direct.example.com", "127.0.0.1", false),
                record("TXT", "example.com", "v=spf1 -all", false),
            ],
        });
        world.add_zone(ZoneSeed {
            name: "example.org".into(),
            ssl: "flexible".into(),
            dns: vec![record("A", "example.org", "127.0.0.1", true)],
        });
        world
    }

    pub fn add_token(&mut self, token: &str, permissions: &[Permission], account_owned: bool) {
        self.tokens
            .insert(token.to_string(), (permissions.to_vec(), account_owned));
    }

    pub fn add_global_key(&mut self, email: &str, key: &str) {
        self.global_keys.push((email.to_string(), key.to_string()));
    }

    pub fn add_zone(&mut self, seed: ZoneSeed) {
        let id = self.hex_id();
        let created_on = now_text();
        let dns = seed
            .dns
            .into_iter()
            .map(|(record_type, name, content, proxied)| {
                json!({ "id": self.hex_id(), "type": record_type, "name": name, "content": content,
                        "proxied": proxied, "proxiable": true, "ttl": 1, "zone_id": id, "zone_name": seed.name,
                        "created_on": created_on, "modified_on": created_on })
            })
            .collect();
        let settings = BTreeMap::from([
            ("ssl".to_string(), seed.ssl),
            ("ssl_automatic_mode".to_string(), "custom".to_string()),
            ("tls_client_auth".to_string(), "off".to_string()),
        ]);
        self.zones.push(FakeZone {
            id,
            name: seed.name,
            account_id: ACCOUNT_ID.into(),
            settings,
            settings_modified: created_on.clone(),
            created_on,
            aop_enabled: false,
            zone_certs: Vec::new(),
            hostname_certs: Vec::new(),
            associations: BTreeMap::new(),
            dns,
            custom_hostnames: Vec::new(),
        });
    }

    pub(super) fn hex_id(&mut self) -> String {
        self.next_id += 1;
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.next_id.to_be_bytes());
        digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub(super) fn uuid(&mut self) -> String {
        let hex = self.hex_id();
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    pub(super) fn allows(&self, token: &str, needed: Option<Permission>) -> bool {
        match (self.tokens.get(token), needed) {
            (Some(_), None) => true,
            (Some((granted, _)), Some(needed)) => granted.iter().any(|g| g.satisfies(needed)),
            (None, _) => false,
        }
    }

    pub(super) fn zone_mut(&mut self, id: &str) -> Option<&mut FakeZone> {
        self.zones.iter_mut().find(|z| z.id == id)
    }

    /// Certificates move to `active` as they are read, per the activation rule; deleted ones
    /// are listed as `pending_deletion` for their last reads, then gone.
    pub(super) fn advance_deployments(&mut self, zone_id: &str) {
        let mut seq = self.deploy_seq;
        if let Some(zone) = self.zones.iter_mut().find(|z| z.id == zone_id) {
            for certs in [&mut zone.zone_certs, &mut zone.hostname_certs] {
                certs.retain(|c| c.deletion_reads_left != Some(0));
                for cert in certs.iter_mut() {
                    if let Some(left) = cert.deletion_reads_left.as_mut() {
                        *left -= 1;
                    }
                }
            }
            for cert in zone
                .zone_certs
                .iter_mut()
                .chain(zone.hostname_certs.iter_mut())
            {
                if cert.status == "pending_deployment" {
                    cert.polls_left = cert.polls_left.saturating_sub(1);
                    if cert.polls_left == 0 && Instant::now() >= cert.ready_at {
                        cert.status = "active".into();
                        seq += 1;
                        cert.deployed_seq = seq;
                    }
                }
            }
        }
        self.deploy_seq = seq;
    }

    /// Validates an upload as Cloudflare does and stores it as `pending_deployment`. The numeric
    /// codes of these refusals are not published (only the texts are); the fake uses 1400-range codes.
    pub(super) fn store_upload(
        &mut self,
        certificate: &str,
        private_key: &str,
    ) -> Result<StoredCertificate, (u16, i64, String)> {
        let here = Path::new("certificate");
        let ders = pki::certificates_from_pem(certificate, here).map_err(|_| {
            (
                400,
                1401,
                "Invalid certificate: it must be a PEM encoded X.509 certificate".to_string(),
            )
        })?;
        let info = pki::inspect_certificate(&ders[0], OffsetDateTime::now_utc())
            .map_err(|e| (400, 1401, format!("Invalid certificate: {e}")))?;
        if info.is_ca {
            return Err((400, 1402, "missing leaf certificate".into()));
        }
        let key = match pki::private_key_from_pem(private_key, Path::new("private_key"), None) {
            Ok(key) => key,
            Err(pki::PkiError::EncryptedKey { .. }) => {
                return Err((
                    400,
                    1404,
                    "You cannot upload a custom certificate with a password-protected key file"
                        .into(),
                ));
            }
            Err(_) => {
                return Err((
                    400,
                    1405,
                    "Invalid private key: it must be a PEM encoded RSA or ECDSA key".into(),
                ));
            }
        };
        let (_, parsed) = x509_parser::parse_x509_certificate(&ders[0])
            .map_err(|e| (400, 1401, format!("Invalid certificate: {e}")))?;
        use rcgen::PublicKeyData;
        if key.key_pair.subject_public_key_info() != parsed.public_key().raw {
            return Err((
                400,
                1403,
                "The key you provided does not match the certificate".into(),
            ));
        }
        let (polls, delay) = match self.activation {
            Activation::AfterPolls(n) => (n, Duration::ZERO),
            Activation::After(delay) => (0, delay),
        };
        let status = if polls == 0 && delay.is_zero() {
            "active"
        } else {
            "pending_deployment"
        };
        let id = self.uuid();
        if status == "active" {
            self.deploy_seq += 1;
        }
        Ok(StoredCertificate {
            id,
            pem: format!("{}\n", certificate.trim_end()),
            key_pem: private_key.to_string(),
            fingerprint: info.fingerprint_sha256.clone(),
            status: status.into(),
            polls_left: polls,
            ready_at: Instant::now() + delay,
            deployed_seq: if status == "active" {
                self.deploy_seq
            } else {
                0
            },
            uploaded_on: now_text(),
            expires_on: info.not_after.format(&Rfc3339).unwrap_or_default(),
            issuer: info.issuer.clone(),
            serial_number: info.serial.replace(':', ""),
            signature: match info.key {
                pki::KeyDescription::Rsa { .. } => "SHA256WithRSA".into(),
                _ => "ECDSAWithSHA256".into(),
            },
            deletion_reads_left: None,
            served: BTreeSet::new(),
        })
    }

    /// The stand-in for Cloudflare's shared certificate, made on first use and kept.
    pub(super) fn shared_stand_in(&mut self) -> Result<&SharedStandIn, String> {
        let stand_in = match self.shared_stand_in.take() {
            Some(made) => made,
            None => SharedStandIn::generate()?,
        };
        Ok(self.shared_stand_in.insert(stand_in))
    }

    /// What Cloudflare's edge presents to the origin for `hostname`: the per-hostname
    /// certificate when its association is enabled, else the zone-level certificate in use when
    /// zone-level AOP is on, else (global AOP) the stand-in for Cloudflare's shared certificate.
    /// Nothing for a DNS-only name: Cloudflare does not carry its requests, its visitors reach
    /// the origin directly, without a certificate. `Err` holds the HTTP status the edge answers
    /// with and why.
    pub(super) fn edge_identity(
        &mut self,
        hostname: &str,
    ) -> Result<Option<(String, String)>, (u16, String)> {
        let Some(zone) = self
            .zones
            .iter()
            .filter(|z| hostname == z.name || hostname.ends_with(&format!(".{}", z.name)))
            .max_by_key(|z| z.name.len())
        else {
            // Cloudflare answers a name it does not serve with error 1001 (HTTP 530).
            return Err((
                530,
                format!("error 1001: {hostname} is in no zone of this account"),
            ));
        };
        let records: Vec<&Value> = zone.dns.iter().filter(|r| r["name"] == hostname).collect();
        if !records.is_empty() && records.iter().all(|r| r["proxied"] != true) {
            return Ok(None);
        }
        let pair = |c: &StoredCertificate| Some((c.pem.clone(), c.key_pem.clone()));
        if let Some(association) = zone.associations.get(hostname) {
            if !association.enabled {
                return Ok(None);
            }
            if let Some(cert) = zone
                .hostname_certs
                .iter()
                .find(|c| c.id == association.cert_id && c.status == "active")
            {
                return Ok(pair(cert));
            }
        }
        if zone.aop_enabled {
            return Ok(zone
                .zone_certs
                .iter()
                .filter(|c| c.status == "active")
                .max_by_key(|c| c.deployed_seq)
                .and_then(pair));
        }
        if zone.settings["tls_client_auth"] == "on" {
            let stand_in = self.shared_stand_in().map_err(|why| (500, why))?;
            return Ok(Some((stand_in.cert_pem.clone(), stand_in.key_pem.clone())));
        }
        Ok(None)
    }

    /// Every scope whose origin receives an active client certificate now: `zone` for zone-level
    /// AOP, `zone/hostname` for an enabled per-hostname association.
    pub(super) fn covered_scopes(&self) -> BTreeSet<String> {
        let active = |certs: &[StoredCertificate], id: Option<&str>| {
            certs
                .iter()
                .any(|c| c.status == "active" && id.is_none_or(|id| c.id == id))
        };
        let mut covered = BTreeSet::new();
        for zone in &self.zones {
            if zone.aop_enabled && active(&zone.zone_certs, None) {
                covered.insert(zone.name.clone());
            }
            for (hostname, association) in &zone.associations {
                if association.enabled
                    && active(&zone.hostname_certs, Some(association.cert_id.as_str()))
                {
                    covered.insert(format!("{}/{hostname}", zone.name));
                }
            }
        }
        covered
    }

    /// A scope that had an active certificate and is still switched on but has none now is a
    /// moment in which Cloudflare would connect to an enforcing origin without a certificate.
    /// Switching a scope off is not a gap: that is undo's business.
    pub(super) fn record_gaps(&mut self, before: &BTreeSet<String>, operation: &str) {
        let after = self.covered_scopes();
        for scope in before.difference(&after) {
            let still_on = self.zones.iter().any(|zone| match scope.split_once('/') {
                None => zone.name == *scope && zone.aop_enabled,
                Some((name, hostname)) => {
                    zone.name == name && zone.associations.get(hostname).is_some_and(|a| a.enabled)
                }
            });
            if still_on {
                self.gaps.push(format!(
                    "{operation} left {scope} without an active certificate"
                ));
            }
        }
    }

    pub fn zone_view(&self, name: &str) -> Option<FakeZoneView> {
        let zone = self.zones.iter().find(|z| z.name == name)?;
        let list = |certs: &[StoredCertificate]| {
            certs
                .iter()
                .map(|c| (c.id.clone(), c.status.clone(), c.fingerprint.clone()))
                .collect()
        };
        Some(FakeZoneView {
            id: zone.id.clone(),
            ssl: zone.settings["ssl"].clone(),
            global_aop: zone.settings["tls_client_auth"] == "on",
            zone_aop_enabled: zone.aop_enabled,
            zone_certificates: list(&zone.zone_certs),
            zone_certificate_in_use: zone
                .zone_certs
                .iter()
                .filter(|c| c.status == "active")
                .max_by_key(|c| c.deployed_seq)
                .map(|c| c.id.clone()),
            hostname_certificates: list(&zone.hostname_certs),
            associations: zone
                .associations
                .iter()
                .map(|(h, a)| (h.clone(), (a.cert_id.clone(), a.enabled)))
                .collect(),
        })
    }
}
