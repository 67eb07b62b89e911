//! `aop-wizard status --zone NAME`: everything Cloudflare knows about AOP on a zone, read-only.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;
use time::OffsetDateTime;

use super::output::{Outcome, Palette, print_json};
use super::session::{block_on, client, zone};
use crate::cloudflare::{CertificateScope, Client, UploadedCertificate};
use crate::pki;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard status --zone example.com\n  aop-wizard status --zone example.com --json | jq .zone_level.certificates"
)]
pub struct StatusArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    #[arg(long)]
    json: bool,
    /// Also show this hostname's association (besides DNS records, the certificates'
    /// hostnames and custom hostnames); repeat for several
    #[arg(long = "hostname", value_name = "NAME")]
    hostnames: Vec<String>,
}

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
    pub effective_certificate: String,
}

fn effective_certificate(
    proxied: bool,
    association: (Option<bool>, Option<&str>),
    zone_level: Option<&str>,
    global: bool,
) -> String {
    match (proxied, association, zone_level, global) {
        (false, ..) => "none (DNS only: Cloudflare is not in the path)".into(),
        (true, (Some(true), Some(id)), ..) => format!("per-hostname {id}"),
        (true, (Some(false), _), ..) => "none (AOP disabled for this hostname)".into(),
        (true, _, Some(id), _) => format!("zone-level {id}"),
        (true, _, None, true) => "global (Cloudflare's shared certificate)".into(),
        _ => "none".into(),
    }
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

fn view(certificate: &UploadedCertificate, in_use: bool, now: OffsetDateTime) -> CertificateView {
    let info = x509_parser::pem::parse_x509_pem(certificate.certificate.as_bytes())
        .ok()
        .and_then(|(_, pem)| pki::inspect_certificate(&pem.contents, now).ok());
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
    }
}

pub async fn read_status(client: &Client, zone_name: &str) -> Result<ZoneStatus> {
    read_status_naming(client, zone_name, &[]).await
}

/// `read_status`, with the hostnames the user named looked up too.
pub async fn read_status_naming(
    client: &Client,
    zone_name: &str,
    given: &[String],
) -> Result<ZoneStatus> {
    let zone = zone(client, zone_name).await?;
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
    let survey = crate::ops::survey_associations(client, &zone.id, given).await?;
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
        .map(|a| crate::cloudflare::DnsRecord {
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
            effective_certificate: effective_certificate(
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

pub fn run(args: StatusArgs, out: &mut dyn Write) -> Result<Outcome> {
    let zone = crate::names::zone(&args.zone)?;
    let hostnames = crate::names::hostnames(&args.hostnames, crate::names::Wildcard::Allowed)?;
    let client = client()?;
    let status = block_on(read_status_naming(&client, &zone, &hostnames))??;
    let outcome = if status.ssl_mode_allows_aop {
        Outcome::Success
    } else {
        Outcome::NeedsAction
    };
    if args.json {
        print_json(out, &status)?;
        return Ok(outcome);
    }
    let palette = Palette::for_stdout();
    let on_off = |on: bool| {
        if on {
            palette.good("on")
        } else {
            palette.dim("off")
        }
    };
    // Everything below but the switches is Cloudflare's text.
    writeln!(
        out,
        "Zone {} ({})",
        shown(&status.zone),
        shown(&status.zone_id)
    )?;
    let mode = crate::cloudflare::SslMode::parse(&status.ssl_mode);
    let mode_note = if status.ssl_mode_allows_aop {
        palette.good("AOP applies")
    } else {
        palette.bad(
            "AOP cannot work: set Full or Full (strict) with `aop-wizard ssl-mode --set strict`",
        )
    };
    writeln!(
        out,
        "  SSL/TLS mode      {} (automatic mode: {})  {mode_note}",
        mode.label(),
        shown(&status.ssl_automatic_mode)
    )?;
    writeln!(
        out,
        "  Global AOP        {}  (Cloudflare's shared certificate, CA expires {} — {} days)",
        on_off(status.global_aop),
        status.global_ca_expires_on.as_deref().unwrap_or("?"),
        status.global_ca_days_left.unwrap_or_default()
    )?;
    writeln!(
        out,
        "  Zone-level AOP    {}",
        on_off(status.zone_level_enabled)
    )?;
    for (title, list) in [
        ("Zone certificates", &status.zone_certificates),
        ("Hostname certificates", &status.hostname_certificates),
    ] {
        if list.is_empty() {
            writeln!(out, "  {title:<17} none")?;
            continue;
        }
        writeln!(out, "  {title}:")?;
        for cert in list {
            let days = cert.days_left.map_or("?".into(), |d| d.to_string());
            let days = if cert.days_left.is_some_and(|d| d <= 30) {
                palette.bad(&days)
            } else {
                days
            };
            writeln!(
                out,
                "    {}  {:<18} {} days left{}",
                shown(&cert.id),
                shown(&cert.status),
                days,
                if cert.in_use {
                    palette.good("  ← in use")
                } else if cert.going_away {
                    palette.dim("  ← going away (being deleted)")
                } else {
                    String::new()
                }
            )?;
        }
    }
    writeln!(out, "  Hostnames:")?;
    for host in &status.hostnames {
        let aop = if host.proxied {
            format!("sends: {}", shown(&host.effective_certificate))
        } else {
            palette.dim("DNS only: direct HTTPS will fail once the origin enforces")
        };
        writeln!(
            out,
            "    {:<28} {:<5} {:<16} {aop}",
            shown(&host.hostname),
            shown(&host.record_type),
            shown(&host.origin)
        )?;
    }
    for line in &status.unchecked {
        writeln!(out, "  {} {line}", palette.bad("could not check"))?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::effective_certificate;

    #[test]
    fn per_hostname_beats_zone_level_beats_global() {
        let zone = Some("zone-cert");
        assert_eq!(
            effective_certificate(true, (Some(true), Some("host-cert")), zone, true),
            "per-hostname host-cert"
        );
        assert_eq!(
            effective_certificate(true, (Some(false), Some("host-cert")), zone, true),
            "none (AOP disabled for this hostname)"
        );
        assert_eq!(
            effective_certificate(true, (None, None), zone, true),
            "zone-level zone-cert"
        );
        assert_eq!(
            effective_certificate(true, (None, None), None, true),
            "global (Cloudflare's shared certificate)"
        );
        assert_eq!(
            effective_certificate(true, (None, None), None, false),
            "none"
        );
    }
}
