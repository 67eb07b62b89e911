//! `doctor`: per hostname, the certificate Cloudflare presents to the origin (as `status`
//! decides it) side by side with what the origin asks for (as the probe sees it, without any
//! client key), and what a proxied request will therefore do, before any visitor sees it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

use super::OperationError;
use super::status::{EffectiveCertificate, HostnameView, NoCertificate, ZoneStatus};
use crate::cloudflare::{Client, SslMode};
use crate::pki;
use crate::probe::{self, AttemptReport, ExpectedCa, Judgement, Outcome, Presented, Verdict};
use crate::untrusted::shown;

/// What to examine.
#[derive(Debug, Clone)]
pub struct DoctorRequest {
    /// The zone, as `names::zone` gives it.
    pub zone: String,
    /// Only these hostnames (each a DNS name, no wildcard); all of the zone's when empty.
    pub hostnames: Vec<String>,
    /// The origin addresses to probe; each hostname's DNS record when empty.
    pub origins: Vec<SocketAddr>,
    /// For one connection to an origin, and for resolving a CNAME target.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub zone: String,
    /// Every hostname is OK or ready to enforce, and nothing went unchecked.
    pub ok: bool,
    pub hostnames: Vec<HostnameDiagnosis>,
    /// What doctor could not look at, in words (wildcard records, associations it could not
    /// read): a verdict resting on them would be a guess, so any of them makes `ok` false.
    pub unchecked: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostnameDiagnosis {
    pub hostname: String,
    pub proxied: bool,
    pub ssl_mode: String,
    /// `status`'s words for what Cloudflare presents.
    pub effective_certificate: String,
    /// The certificate Cloudflare presents to the origin; `None` when it presents none.
    pub presents: Option<PresentedCertificate>,
    pub origins: Vec<OriginDiagnosis>,
    /// The worst of the origins' outcomes (or why no origin was checked).
    pub outcome: Prediction,
}

#[derive(Debug, Clone, Serialize)]
pub struct PresentedCertificate {
    /// `hostname`, `zone` or `global`.
    pub scope: &'static str,
    /// None for global: Cloudflare's shared certificate has no id in the zone.
    pub cert_id: Option<String>,
    /// The issuer's distinguished name, read from the certificate itself.
    pub issuer: Option<String>,
    pub status: Option<String>,
    /// For global, those of Cloudflare's origin-pull CA.
    pub days_left: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OriginDiagnosis {
    pub address: SocketAddr,
    pub requests_certificate: bool,
    pub refuses_without_certificate: bool,
    pub acceptable_cas: Vec<String>,
    /// What a request without a certificate got, in words.
    pub without_certificate: String,
    pub verdict: Verdict,
    /// Whether the origin lists the CA that issued what Cloudflare presents.
    pub expected_ca_listed: Option<bool>,
    pub outcome: Prediction,
}

/// What a proxied request will do, in plain words, with the next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prediction {
    pub ok: bool,
    pub kind: Kind,
    pub summary: String,
    pub next_step: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Cloudflare presents a valid certificate from a CA the origin lists; the origin refuses
    /// requests without one.
    Ok,
    /// The same, but the origin still serves requests without a certificate (log phase).
    ReadyToEnforce,
    /// The origin lists other CAs than the issuer of what Cloudflare presents, and refuses it.
    WrongCa,
    WrongCaOnceEnforced,
    /// Cloudflare presents nothing, and the origin requires a certificate.
    NoCertificate,
    NoCertificateOnceEnforced,
    /// Expired, not active, or not readable.
    CertificateNotValid,
    /// DNS only, and the origin does not ask visitors for a certificate: AOP does not apply.
    DnsOnly,
    DnsOnlyRefused,
    DnsOnlyOnceEnforced,
    /// Off or Flexible: Cloudflare does not open TLS to the origin.
    SslMode,
    /// Cloudflare presents a certificate the origin never asks for.
    OriginNotRequesting,
    /// The origin asks for a certificate but lists no CA, so the match cannot be told.
    OriginNamesNoCa,
    AcceptsAnyCa,
    /// Neither side: Cloudflare presents nothing and the origin asks for nothing.
    AopNotSetUp,
    OriginUnreachable,
    OriginNotChecked,
    /// A named hostname the zone has no record or association for.
    NoDnsRecord,
}

impl Kind {
    pub fn is_ok(self) -> bool {
        matches!(self, Kind::Ok | Kind::ReadyToEnforce | Kind::DnsOnly)
    }
}

/// What Cloudflare presents for one hostname, with the CA an origin must list to accept it.
#[derive(Debug, Clone)]
struct Presentation {
    certificate: PresentedCertificate,
    /// `None` when the certificate cannot be read.
    expected: Option<ExpectedCa>,
    /// Why an origin would refuse it whatever CA it trusts.
    invalid: Option<Invalid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Invalid {
    Expired {
        days_ago: i64,
    },
    NotActive {
        status: String,
    },
    Unreadable,
    /// Named by the association, missing from Cloudflare's list of certificates.
    NotListed,
}

/// One hostname, what both sides know of it.
struct Case<'a> {
    hostname: &'a str,
    zone: &'a str,
    proxied: bool,
    ssl_mode: &'a SslMode,
    effective: &'a EffectiveCertificate,
    presentation: Option<&'a Presentation>,
    /// The certificate id of a switched-off association, for the command that switches it on.
    association_cert: Option<&'a str>,
}

/// The probe's two attempts at one origin for one hostname, judged against what Cloudflare
/// presents.
struct Seen<'a> {
    address: SocketAddr,
    none: &'a AttemptReport,
    foreign: &'a AttemptReport,
    judgement: Judgement,
}

impl Seen<'_> {
    fn requested(&self) -> bool {
        self.none.certificate_requested || self.foreign.certificate_requested
    }

    fn listed(&self) -> String {
        shown(probe::acceptable_cas(self.none, self.foreign).join("; ")).to_string()
    }
}

pub async fn doctor(
    client: &Client,
    request: &DoctorRequest,
) -> Result<DoctorReport, OperationError> {
    for hostname in &request.hostnames {
        // A request is made for each: a wildcard is no name to connect with.
        crate::names::hostname(hostname, crate::names::Wildcard::Refused)?;
    }
    let zone = client.zone_by_name(&request.zone).await?;
    let named = super::zone_hostnames(client, &zone, &request.hostnames).await?;
    let status = super::status::read_zone_status(client, zone, &named).await?;
    let ssl_mode = SslMode::parse(&status.ssl_mode);
    let mut unchecked = status.unchecked.clone();

    let subjects = subjects(&status, &named, &request.origins, &mut unchecked);
    let (addresses, cells) = probe_subjects(&subjects, &status, request).await?;

    let mut diagnoses = Vec::new();
    for ((hostname, views), found) in subjects.iter().zip(addresses) {
        let Some(view) = views.first() else {
            diagnoses.push(HostnameDiagnosis {
                hostname: hostname.clone(),
                proxied: false,
                ssl_mode: status.ssl_mode.clone(),
                effective_certificate: "unknown".into(),
                presents: None,
                origins: Vec::new(),
                outcome: no_record(hostname, &status.zone),
            });
            continue;
        };
        let presentation = presentation(&status, &view.effective_certificate)?;
        let case = Case {
            hostname,
            zone: &status.zone,
            proxied: view.proxied,
            ssl_mode: &ssl_mode,
            effective: &view.effective_certificate,
            presentation: presentation.as_ref(),
            association_cert: view.cert_id.as_deref(),
        };
        let expected = presentation
            .as_ref()
            .and_then(|p| p.expected.clone())
            .unwrap_or_default();
        let mut origins = Vec::new();
        for cell in cells.iter().filter(|c| c.hostname == *hostname) {
            let (Some(none), Some(foreign)) = (
                cell.attempt(Presented::Nothing),
                cell.attempt(Presented::UnrelatedCa),
            ) else {
                continue;
            };
            let seen = Seen {
                address: cell.origin,
                none,
                foreign,
                judgement: probe::judge(none, foreign, None, &expected),
            };
            origins.push(OriginDiagnosis {
                address: cell.origin,
                requests_certificate: seen.requested(),
                refuses_without_certificate: none.outcome.is_rejection(),
                acceptable_cas: probe::acceptable_cas(none, foreign).to_vec(),
                without_certificate: none.outcome.describe(),
                verdict: seen.judgement.verdict,
                expected_ca_listed: seen.judgement.expected_ca_listed,
                outcome: predict(&case, Ok(&seen)),
            });
        }
        let outcome = match &found {
            Err(why) => predict(&case, Err(why)),
            Ok(_) => worst(&origins)
                .unwrap_or_else(|| predict(&case, Err("no address to connect to was found"))),
        };
        diagnoses.push(HostnameDiagnosis {
            hostname: hostname.clone(),
            proxied: view.proxied,
            ssl_mode: status.ssl_mode.clone(),
            effective_certificate: view.effective_certificate.to_string(),
            presents: presentation.map(|p| p.certificate),
            origins,
            outcome,
        });
    }
    Ok(DoctorReport {
        ok: !diagnoses.is_empty() && unchecked.is_empty() && diagnoses.iter().all(|d| d.outcome.ok),
        zone: status.zone,
        hostnames: diagnoses,
        unchecked,
    })
}

/// Where each subject's origin is (or why that is not known), and the probe's cells: one probe
/// per set of addresses, so hostnames on the same origin are probed together.
async fn probe_subjects(
    subjects: &[(String, Vec<&HostnameView>)],
    status: &ZoneStatus,
    request: &DoctorRequest,
) -> Result<(Vec<Result<Vec<SocketAddr>, String>>, Vec<probe::CellReport>), OperationError> {
    let mut addresses: Vec<Result<Vec<SocketAddr>, String>> = Vec::new();
    for (_, views) in subjects {
        addresses.push(if views.is_empty() {
            Ok(Vec::new())
        } else if request.origins.is_empty() {
            origins_in_dns(views, &status.hostnames, request.timeout).await
        } else {
            Ok(request.origins.clone())
        });
    }
    let mut groups: BTreeMap<Vec<SocketAddr>, Vec<String>> = BTreeMap::new();
    for ((name, views), found) in subjects.iter().zip(&addresses) {
        if let (false, Ok(found)) = (views.is_empty(), found)
            && !found.is_empty()
        {
            groups.entry(found.clone()).or_default().push(name.clone());
        }
    }
    let mut cells = Vec::new();
    for (origins, hostnames) in groups {
        let plan = probe::ProbePlan {
            origins,
            hostnames,
            path: "/".into(),
            yours: None,
            // Each cell is judged again below against what Cloudflare presents for its hostname.
            expected_ca: ExpectedCa::default(),
            timeout: request.timeout,
            concurrency: super::PROBES_AT_ONCE,
        };
        cells.extend(probe::run(&plan).await?);
    }

    Ok((addresses, cells))
}

/// The hostnames to examine, each once with every record of its name (A and AAAA, say): those
/// named, or else the proxied ones, those with an association, and the DNS-only records that
/// reach an origin Cloudflare uses (or one of `origins`). What cannot be examined goes to
/// `unchecked`.
fn subjects<'a>(
    status: &'a ZoneStatus,
    named: &[String],
    origins: &[SocketAddr],
    unchecked: &mut Vec<String>,
) -> Vec<(String, Vec<&'a HostnameView>)> {
    let mut subjects: Vec<(String, Vec<&HostnameView>)> = Vec::new();
    if named.is_empty() {
        let proxied_origins: Vec<&str> = status
            .hostnames
            .iter()
            .filter(|v| v.proxied)
            .map(|v| v.origin.as_str())
            .collect();
        for view in &status.hostnames {
            // A DNS-only record concerns AOP only where it reaches an origin Cloudflare uses.
            let reaches_origin = view.proxied
                || proxied_origins.contains(&view.origin.as_str())
                || origins
                    .iter()
                    .any(|o| view.origin.parse::<IpAddr>() == Ok(o.ip()));
            if !reaches_origin {
                continue;
            }
            if crate::names::hostname(&view.hostname, crate::names::Wildcard::Refused).as_ref()
                != Ok(&view.hostname)
            {
                unchecked.push(format!(
                    "{}: not a hostname a request can be made for (a wildcard record: name a hostname under it with --hostname)",
                    shown(&view.hostname)
                ));
                continue;
            }
            match subjects.iter_mut().find(|(name, _)| *name == view.hostname) {
                Some((_, views)) => views.push(view),
                None => subjects.push((view.hostname.clone(), vec![view])),
            }
        }
    } else {
        for name in named {
            let views = status
                .hostnames
                .iter()
                .filter(|v| v.hostname == *name)
                .collect();
            subjects.push((name.clone(), views));
        }
    }
    subjects
}

/// The first origin that is not OK; else one ready to enforce (not yet enforced); else the first.
fn worst(origins: &[OriginDiagnosis]) -> Option<Prediction> {
    origins
        .iter()
        .find(|o| !o.outcome.ok)
        .or_else(|| {
            origins
                .iter()
                .find(|o| o.outcome.kind == Kind::ReadyToEnforce)
        })
        .or_else(|| origins.first())
        .map(|o| o.outcome.clone())
}

/// The origin addresses a hostname's records name: an A or AAAA record's address, a CNAME
/// followed through the zone's own records or else resolved, on port 443. `Err` says why the
/// origin cannot be known without `--origin`: doctor never guesses one.
async fn origins_in_dns(
    views: &[&HostnameView],
    zone_records: &[HostnameView],
    timeout: Duration,
) -> Result<Vec<SocketAddr>, String> {
    let mut found = Vec::new();
    for view in views {
        let mut record = *view;
        let mut hops = 0;
        while record.record_type == "CNAME" {
            let target = record.origin.trim_end_matches('.').to_ascii_lowercase();
            match zone_records.iter().find(|r| r.hostname == target) {
                // A chain longer than this inside one zone is a loop.
                Some(_) if hops == 8 => {
                    return Err(format!(
                        "its CNAME chain inside the zone does not end (at {})",
                        shown(&target)
                    ));
                }
                Some(next) => {
                    record = next;
                    hops += 1;
                }
                None => break,
            }
        }
        match record.record_type.as_str() {
            "A" | "AAAA" => match record.origin.parse::<IpAddr>() {
                Ok(ip) => found.push(SocketAddr::new(ip, 443)),
                Err(_) => {
                    return Err(format!(
                        "its {} record holds \"{}\", not an IP address",
                        record.record_type,
                        shown(&record.origin)
                    ));
                }
            },
            "CNAME" => {
                let target = record.origin.trim_end_matches('.');
                if crate::names::hostname(target, crate::names::Wildcard::Refused).as_deref()
                    != Ok(target)
                {
                    return Err(format!(
                        "its CNAME target \"{}\" is not a hostname",
                        shown(target)
                    ));
                }
                let resolved =
                    tokio::time::timeout(timeout, tokio::net::lookup_host((target, 443))).await;
                match resolved {
                    Ok(Ok(addresses)) => found.extend(addresses),
                    Ok(Err(error)) => {
                        return Err(format!(
                            "its CNAME target {target} could not be resolved ({error})"
                        ));
                    }
                    Err(_) => {
                        return Err(format!(
                            "its CNAME target {target} could not be resolved in time"
                        ));
                    }
                }
            }
            _ => {
                return Err(
                    "it has no DNS record in the zone (an AOP association only), so its origin is not known"
                        .into(),
                );
            }
        }
    }
    found.sort();
    found.dedup();
    // A name proxied by Cloudflare (another zone's, say) resolves to Cloudflare's edge: probing
    // it would judge Cloudflare, not the origin.
    if let Some(edge) = found
        .iter()
        .find(|address| crate::evidence::cloudflare_address(address.ip()))
    {
        return Err(format!(
            "its DNS leads to {}, one of Cloudflare's own addresses (a name proxied by Cloudflare), not to the origin",
            edge.ip()
        ));
    }
    Ok(found)
}

/// The certificate Cloudflare presents, as `effective` names it, with its issuer.
fn presentation(
    status: &ZoneStatus,
    effective: &EffectiveCertificate,
) -> Result<Option<Presentation>, OperationError> {
    let (scope, id) = match effective {
        EffectiveCertificate::Nothing(_) => return Ok(None),
        EffectiveCertificate::Global => {
            let issuer = pki::cloudflare_ca::der()
                .ok()
                .map(|der| ExpectedCa::from_certificates(&[der]).description);
            return Ok(Some(Presentation {
                certificate: PresentedCertificate {
                    scope: "global",
                    cert_id: None,
                    issuer,
                    status: None,
                    days_left: status.global_ca_days_left,
                },
                expected: Some(ExpectedCa::cloudflare()?),
                invalid: None,
            }));
        }
        EffectiveCertificate::PerHostname(id) => ("hostname", id),
        EffectiveCertificate::ZoneLevel(id) => ("zone", id),
    };
    let Some(view) = status.certificate(effective) else {
        return Ok(Some(Presentation {
            certificate: PresentedCertificate {
                scope,
                cert_id: Some(id.clone()),
                issuer: None,
                status: None,
                days_left: None,
            },
            expected: None,
            invalid: Some(Invalid::NotListed),
        }));
    };
    let expected = view.der.as_deref().and_then(ExpectedCa::issuer_of);
    let invalid = if !view.is_active() {
        Some(Invalid::NotActive {
            status: view.status.clone(),
        })
    } else if let Some(days) = view.days_left.filter(|d| *d < 0) {
        Some(Invalid::Expired { days_ago: -days })
    } else if expected.is_none() {
        Some(Invalid::Unreadable)
    } else {
        None
    };
    Ok(Some(Presentation {
        certificate: PresentedCertificate {
            scope,
            cert_id: Some(view.id.clone()),
            issuer: expected.as_ref().map(|e| e.description.clone()),
            status: Some(view.status.clone()),
            days_left: view.days_left,
        },
        expected,
        invalid,
    }))
}

fn prediction(kind: Kind, summary: String, next_step: String) -> Prediction {
    Prediction {
        ok: kind.is_ok(),
        kind,
        summary,
        next_step,
    }
}

fn no_record(hostname: &str, zone: &str) -> Prediction {
    prediction(
        Kind::NoDnsRecord,
        format!(
            "{hostname} has no DNS record in {zone} and no AOP association, so doctor cannot tell whether Cloudflare serves it (a wildcard record is not followed)"
        ),
        format!(
            "Check the name; `aop-wizard status --zone {zone}` lists the zone's hostnames. Name one of them, or add a proxied DNS record for {hostname}."
        ),
    )
}

/// How Cloudflare's visitors see an origin's refusal: the status, and what the origin did.
fn fails_with(outcome: &Outcome) -> (u16, String) {
    let status = outcome.status_through_cloudflare();
    let detail = match outcome {
        Outcome::NginxCertificateError { message } => {
            format!("the origin answers 400 \"{}\"", shown(message))
        }
        Outcome::HandshakeRejected { alert } => format!(
            "the origin refuses the TLS handshake, which Cloudflare answers with 525 ({})",
            shown(alert)
        ),
        other => format!("the origin answers {}", shown(other.describe())),
    };
    (status, detail)
}

/// "every proxied request will fail with N: {reason}; {detail}" when the origin refuses the way
/// `refusal` was refused now; "will fail once enforced: {reason}" when it serves it for now.
fn failure(refusal: &Outcome, reason: &str) -> String {
    if refusal.is_rejection() {
        let (status, detail) = fails_with(refusal);
        format!("every proxied request will fail with {status}: {reason}; {detail}")
    } else {
        format!("will fail once enforced: {reason}")
    }
}

/// What one hostname's request will do at one origin (`Ok`), or why no origin was looked at.
fn predict(case: &Case<'_>, seen: Result<&Seen<'_>, &str>) -> Prediction {
    let (hostname, zone) = (case.hostname, case.zone);
    if case.proxied && !case.ssl_mode.supports_aop() {
        return prediction(
            Kind::SslMode,
            format!(
                "AOP cannot work for {hostname}: the zone's SSL/TLS mode is {}, so Cloudflare reaches the origin without TLS and presents no certificate",
                case.ssl_mode.label()
            ),
            format!("Set Full or Full (strict): aop-wizard ssl-mode --zone {zone} --set strict"),
        );
    }
    let seen = match seen {
        Err(why) => {
            return prediction(
                Kind::OriginNotChecked,
                format!("origin not checked: {why}; pass --origin"),
                format!("aop-wizard doctor --zone {zone} --hostname {hostname} --origin ADDR"),
            );
        }
        Ok(seen) => seen,
    };
    let judgement = &seen.judgement;
    if judgement.verdict == Verdict::Unreachable {
        return prediction(
            Kind::OriginUnreachable,
            format!(
                "nothing can be predicted for {hostname}, the origin {} is unreachable: {}",
                seen.address,
                shown(&judgement.explanation)
            ),
            judgement.next_step.clone(),
        );
    }
    let rejected = seen.none.outcome.is_rejection();
    if !case.proxied {
        let reason = format!(
            "{hostname} is DNS only (Cloudflare is not in the path) and the origin {}",
            if rejected {
                "requires a client certificate"
            } else {
                "asks for a client certificate"
            }
        );
        let next = format!(
            "Proxy {hostname} through Cloudflare (the orange cloud of its DNS record), or serve it from a server block without the AOP snippet."
        );
        return if rejected {
            let (_, detail) = fails_with(&seen.none.outcome);
            prediction(
                Kind::DnsOnlyRefused,
                format!("visitors connect directly and are refused: {reason}; {detail}"),
                next,
            )
        } else if seen.requested() {
            prediction(
                Kind::DnsOnlyOnceEnforced,
                format!(
                    "will fail once enforced: {reason}, which visitors connecting directly do not have"
                ),
                next,
            )
        } else {
            prediction(
                Kind::DnsOnly,
                format!(
                    "{hostname} is DNS only: visitors connect to the origin directly and it asks them for no certificate, so AOP does not apply to it"
                ),
                format!(
                    "Nothing to do for AOP; proxy {hostname} through Cloudflare to put it behind AOP."
                ),
            )
        };
    }
    let Some(presentation) = case.presentation else {
        let why = match case.effective {
            EffectiveCertificate::Nothing(NoCertificate::DisabledForHostname) => {
                "AOP disabled for it"
            }
            _ => "AOP off for it: no per-hostname, zone-level or global certificate applies",
        };
        let enable = match case.association_cert {
            Some(id) => format!(
                "aop-wizard enable --zone {zone} --scope hostname --hostname {hostname} --cert-id {}",
                shown(id)
            ),
            None => format!("aop-wizard enable --zone {zone} --scope zone"),
        };
        let reason = format!("Cloudflare presents no certificate for {hostname} ({why})");
        return if seen.requested() || rejected {
            let (kind, origin) = if rejected {
                (Kind::NoCertificate, "requires")
            } else {
                (Kind::NoCertificateOnceEnforced, "asks for")
            };
            prediction(
                kind,
                failure(
                    &seen.none.outcome,
                    &format!("{reason} and the origin {origin} one"),
                ),
                if rejected {
                    format!(
                        "Turn AOP on for it ({enable}), or relax the origin first (aop-wizard snippet SERVER --phase log)."
                    )
                } else {
                    // In the log phase already: only turning AOP on is left to do.
                    format!("Turn AOP on for it before enforcing: {enable}.")
                },
            )
        } else {
            prediction(
                Kind::AopNotSetUp,
                format!(
                    "AOP is not in use for {hostname}: {reason}, and the origin asks for none, so it answers anyone who reaches it"
                ),
                format!(
                    "Set it up: aop-wizard setup --zone {zone} …, or by hand: aop-wizard snippet SERVER --phase log, then aop-wizard upload and {enable}."
                ),
            )
        };
    };
    let certificate = &presentation.certificate;
    let what = match &certificate.cert_id {
        Some(id) => format!("the {} certificate {}", certificate.scope, shown(id)),
        None => "Cloudflare's shared certificate (global AOP)".into(),
    };
    let issuer = certificate
        .issuer
        .as_deref()
        .map_or_else(|| "an unknown CA".to_string(), |i| shown(i).to_string());
    if let Some(invalid) = &presentation.invalid {
        let (problem, next) = match invalid {
            Invalid::Expired { days_ago } => (
                format!("expired {days_ago} days ago"),
                format!(
                    "Replace it: aop-wizard rotate --zone {zone} … (Cloudflare keeps presenting an expired certificate)."
                ),
            ),
            Invalid::NotActive { status } => (
                format!("is {}, not active", shown(status)),
                format!(
                    "Wait until it is active (aop-wizard status --zone {zone}), then run doctor again; if it stays so, upload it again (aop-wizard upload)."
                ),
            ),
            Invalid::Unreadable => (
                "Cloudflare's answer holds no certificate doctor can read, so its issuer is unknown"
                    .into(),
                format!(
                    "Look at it with aop-wizard status --zone {zone}; upload the certificate again (aop-wizard upload) if it is damaged."
                ),
            ),
            Invalid::NotListed => (
                "is not among the zone's certificates".into(),
                format!(
                    "Associate {hostname} with an uploaded certificate: aop-wizard upload --zone {zone} --hostname {hostname} …, then aop-wizard enable --scope hostname."
                ),
            ),
        };
        let reason = format!("Cloudflare presents {what}, which {problem}");
        let summary = if seen.requested() || seen.foreign.outcome.is_rejection() {
            // An origin treats a certificate it cannot verify as it treats the probe's foreign one.
            failure(&seen.foreign.outcome, &reason)
        } else {
            reason
        };
        return prediction(Kind::CertificateNotValid, summary, next);
    }
    if judgement.verdict == Verdict::NotRequesting {
        return prediction(
            Kind::OriginNotRequesting,
            format!(
                "Cloudflare presents {what}, issued by {issuer}, but the origin never asks for a client certificate, so it answers anyone who reaches it"
            ),
            judgement.next_step.clone(),
        );
    }
    let snippet_ca = if certificate.scope == "global" {
        "--global"
    } else {
        "--ca FILE (that CA's certificate)"
    };
    match judgement.expected_ca_listed {
        Some(false) => {
            let reason = format!(
                "the origin trusts {}, Cloudflare presents a certificate issued by {issuer}",
                seen.listed()
            );
            let kind = if seen.foreign.outcome.is_rejection() {
                Kind::WrongCa
            } else {
                Kind::WrongCaOnceEnforced
            };
            prediction(
                kind,
                failure(&seen.foreign.outcome, &reason),
                format!(
                    "Give the origin the CA that issued Cloudflare's certificate ({issuer}): aop-wizard snippet SERVER {snippet_ca}, then reload; or upload a certificate issued by a CA the origin trusts (aop-wizard upload --zone {zone} …)."
                ),
            )
        }
        _ if judgement.verdict == Verdict::Misconfigured => prediction(
            Kind::AcceptsAnyCa,
            format!(
                "the origin lets anyone in who presents any certificate: {}",
                shown(&judgement.explanation)
            ),
            judgement.next_step.clone(),
        ),
        None => prediction(
            Kind::OriginNamesNoCa,
            format!(
                "the origin asks for a client certificate but names no CA it accepts, so nothing shows it trusts {issuer}, the issuer of what Cloudflare presents ({what})"
            ),
            format!(
                "Check that the origin's client-CA file holds {issuer}, then prove it through Cloudflare: aop-wizard verify --origin {} --host {hostname} --via-edge …",
                seen.address
            ),
        ),
        Some(true) => {
            let trusted = format!(
                "Cloudflare presents {what}, issued by {issuer}, which the origin lists as trusted"
            );
            if judgement.verdict == Verdict::Enforced {
                prediction(
                    Kind::Ok,
                    format!("OK: {trusted}; the origin refuses requests without a certificate"),
                    "Nothing to do. Run doctor again after every change to the origin or to AOP on Cloudflare.".into(),
                )
            } else {
                prediction(
                    Kind::ReadyToEnforce,
                    format!(
                        "ready to enforce: {trusted}; the origin still serves requests without a certificate (log phase)"
                    ),
                    format!(
                        "Once the origin's log shows every request from Cloudflare verified, switch to the enforce snippet (aop-wizard snippet SERVER --phase enforce {snippet_ca}) and reload."
                    ),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &[u8] = b"the DER name of CA X";
    const Y: &[u8] = b"the DER name of CA Y";

    fn attempt(outcome: Outcome, requested: bool, listed: &[&[u8]]) -> AttemptReport {
        AttemptReport {
            outcome,
            certificate_requested: requested,
            acceptable_ca_der: listed.iter().map(|d| d.to_vec()).collect(),
            acceptable_cas: listed
                .iter()
                .map(|d| if *d == X { "CN=X" } else { "CN=Y" }.to_string())
                .collect(),
            server_certificate: None,
            tls_version: None,
            elapsed_ms: 1,
        }
    }

    fn nginx(message: &str) -> Outcome {
        Outcome::NginxCertificateError {
            message: message.into(),
        }
    }

    const SERVED: Outcome = Outcome::Http { status: 200 };

    /// Cloudflare presents a zone-level certificate issued by Y (or `invalid`).
    fn issued_by_y(invalid: Option<Invalid>) -> Presentation {
        Presentation {
            certificate: PresentedCertificate {
                scope: "zone",
                cert_id: Some("c1".into()),
                issuer: Some("CN=Y".into()),
                status: Some("active".into()),
                days_left: Some(100),
            },
            expected: Some(ExpectedCa {
                subjects: vec![Y.to_vec()],
                description: "CN=Y".into(),
            }),
            invalid,
        }
    }

    /// The prediction for www.example.com (proxied, Full) at an origin that answered `none`
    /// without a certificate and `foreign` with a foreign one.
    fn predicted(
        presentation: Option<&Presentation>,
        effective: EffectiveCertificate,
        none: AttemptReport,
        foreign: AttemptReport,
    ) -> Prediction {
        let expected = presentation
            .and_then(|p| p.expected.clone())
            .unwrap_or_default();
        let seen = Seen {
            address: "192.0.2.1:443".parse().unwrap(),
            judgement: probe::judge(&none, &foreign, None, &expected),
            none: &none,
            foreign: &foreign,
        };
        let case = Case {
            hostname: "www.example.com",
            zone: "example.com",
            proxied: true,
            ssl_mode: &SslMode::Full,
            effective: &effective,
            presentation,
            association_cert: None,
        };
        predict(&case, Ok(&seen))
    }

    #[test]
    fn an_expired_certificate_is_refused_as_a_foreign_one_is() {
        let presentation = issued_by_y(Some(Invalid::Expired { days_ago: 3 }));
        let said = predicted(
            Some(&presentation),
            EffectiveCertificate::ZoneLevel("c1".into()),
            attempt(nginx("No required SSL certificate was sent"), true, &[Y]),
            attempt(nginx("The SSL certificate error"), true, &[Y]),
        );
        assert_eq!(said.kind, Kind::CertificateNotValid);
        assert!(!said.ok);
        assert_eq!(
            said.summary,
            "every proxied request will fail with 400: Cloudflare presents the zone certificate c1, which expired 3 days ago; the origin answers 400 \"The SSL certificate error\""
        );
        assert!(
            said.next_step
                .contains("aop-wizard rotate --zone example.com")
        );
    }

    /// nginx's log-phase snippet serves a certificate it cannot verify: the wrong CA breaks
    /// requests only once the origin enforces.
    #[test]
    fn a_wrong_ca_in_the_log_phase_fails_once_enforced() {
        let presentation = issued_by_y(None);
        let said = predicted(
            Some(&presentation),
            EffectiveCertificate::ZoneLevel("c1".into()),
            attempt(SERVED, true, &[X]),
            attempt(SERVED, true, &[X]),
        );
        assert_eq!(said.kind, Kind::WrongCaOnceEnforced);
        assert_eq!(
            said.summary,
            "will fail once enforced: the origin trusts CN=X, Cloudflare presents a certificate issued by CN=Y"
        );
    }

    #[test]
    fn what_the_origin_does_not_say_is_never_taken_for_a_match() {
        let presentation = issued_by_y(None);
        let zone = || EffectiveCertificate::ZoneLevel("c1".into());
        let unnamed = predicted(
            Some(&presentation),
            zone(),
            attempt(nginx("No required SSL certificate was sent"), true, &[]),
            attempt(nginx("The SSL certificate error"), true, &[]),
        );
        assert_eq!(unnamed.kind, Kind::OriginNamesNoCa);
        assert!(!unnamed.ok);
        let any = predicted(
            Some(&presentation),
            zone(),
            attempt(nginx("No required SSL certificate was sent"), true, &[Y]),
            attempt(SERVED, true, &[Y]),
        );
        assert_eq!(any.kind, Kind::AcceptsAnyCa);
        let open = predicted(
            Some(&presentation),
            zone(),
            attempt(SERVED, false, &[]),
            attempt(SERVED, false, &[]),
        );
        assert_eq!(open.kind, Kind::OriginNotRequesting);
        assert!(open.summary.contains("never asks for a client certificate"));
    }

    #[test]
    fn nothing_presented_is_told_by_what_the_origin_asks_for() {
        let nothing = || EffectiveCertificate::Nothing(NoCertificate::NoSwitch);
        let log = predicted(
            None,
            nothing(),
            attempt(SERVED, true, &[X]),
            attempt(SERVED, true, &[X]),
        );
        assert_eq!(log.kind, Kind::NoCertificateOnceEnforced);
        assert!(
            log.summary.starts_with("will fail once enforced: Cloudflare presents no certificate for www.example.com (AOP off for it")
                && log.summary.ends_with("and the origin asks for one"),
            "{}",
            log.summary
        );
        assert_eq!(
            log.next_step,
            "Turn AOP on for it before enforcing: aop-wizard enable --zone example.com --scope zone.",
            "in the log phase already, relaxing the origin is no advice"
        );
        let refused = predicted(
            None,
            nothing(),
            attempt(
                Outcome::HandshakeRejected {
                    alert: "certificate required".into(),
                },
                true,
                &[X],
            ),
            attempt(
                Outcome::HandshakeRejected {
                    alert: "unknown ca".into(),
                },
                true,
                &[X],
            ),
        );
        assert_eq!(refused.kind, Kind::NoCertificate);
        assert!(
            refused
                .summary
                .starts_with("every proxied request will fail with 525: "),
            "{}",
            refused.summary
        );
        let neither = predicted(
            None,
            nothing(),
            attempt(SERVED, false, &[]),
            attempt(SERVED, false, &[]),
        );
        assert_eq!(neither.kind, Kind::AopNotSetUp);
        assert!(!neither.ok);
    }
}

#[cfg(test)]
mod dns_tests {
    use super::*;

    fn record(name: &str, kind: &str, content: &str) -> HostnameView {
        HostnameView {
            hostname: name.into(),
            record_type: kind.into(),
            origin: content.into(),
            proxied: true,
            cert_id: None,
            aop_enabled: None,
            effective_certificate: EffectiveCertificate::Global,
        }
    }

    /// A CNAME is followed through the zone's own records (resolving a proxied name would give
    /// Cloudflare's addresses, not the origin's); what cannot be known is said, never guessed.
    #[tokio::test]
    async fn origins_come_from_the_records_and_are_never_guessed() {
        let zone = [
            record("origin.example.com", "A", "192.0.2.5"),
            record("v6.example.com", "AAAA", "2001:db8::5"),
            record("www.example.com", "CNAME", "origin.example.com."),
            record("loop.example.com", "CNAME", "loop.example.com"),
            record("away.example.com", "CNAME", "nothing.invalid"),
            record("custom.example.net", "-", ""),
        ];
        let find = |name: &str| zone.iter().find(|r| r.hostname == name).unwrap();
        let timeout = Duration::from_secs(2);
        assert_eq!(
            origins_in_dns(
                &[find("www.example.com"), find("v6.example.com")],
                &zone,
                timeout
            )
            .await
            .unwrap(),
            [
                "192.0.2.5:443".parse::<SocketAddr>().unwrap(),
                "[2001:db8::5]:443".parse().unwrap()
            ]
        );
        for (name, says) in [
            ("away.example.com", "could not be resolved"),
            ("custom.example.net", "has no DNS record in the zone"),
        ] {
            let why = origins_in_dns(&[find(name)], &zone, timeout)
                .await
                .unwrap_err();
            assert!(why.contains(says), "{name}: {why}");
        }
        let why = origins_in_dns(&[find("loop.example.com")], &zone, timeout)
            .await
            .unwrap_err();
        assert!(why.contains("does not end"), "{why}");
    }

    /// Cloudflare's own address is never taken for the origin: the probe would judge the edge.
    #[tokio::test]
    async fn an_address_of_cloudflare_is_not_the_origin() {
        let zone = [
            record("edge.example.com", "A", "104.16.0.1"),
            record("v6edge.example.com", "AAAA", "2606:4700::1"),
            record("www.example.com", "CNAME", "edge.example.com"),
        ];
        for name in ["edge.example.com", "v6edge.example.com", "www.example.com"] {
            let view = zone.iter().find(|r| r.hostname == name).unwrap();
            let why = origins_in_dns(&[view], &zone, Duration::from_secs(2))
                .await
                .unwrap_err();
            assert!(
                why.contains("one of Cloudflare's own addresses"),
                "{name}: {why}"
            );
        }
    }
}
