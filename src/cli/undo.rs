//! `aop-wizard undo --zone NAME`: turn Authenticated Origin Pulls off in the only safe order.
//! An origin that still enforces refuses every request once Cloudflare stops presenting the
//! certificate, so the origin is relaxed first and proven relaxed, and only then is Cloudflare
//! told to stop; certificates go last, and only on request.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use color_eyre::eyre::{Report, Result, bail};

use super::output::{Outcome, Palette, print_plan};
use super::session::{block_on, client, zone};
use super::status::read_status;
use crate::cloudflare::{CertificateScope, CloudflareError, HostnameConfig, HostnameEnablement};
use crate::probe::{ExpectedCa, ProbePlan, Verdict, parse_origin};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard undo --zone example.com --origin 203.0.113.10
  aop-wizard undo --zone example.com --origin 203.0.113.10 --delete-certificates --dry-run
  aop-wizard undo --zone example.com --origin-relaxed     # you checked the origin yourself

Order: 1. put the log-phase snippet on the origin (aop-wizard snippet SERVER --phase log) and
reload; 2. undo waits until a direct request without a certificate is served again; 3. it turns
AOP off on Cloudflare (zone-level, global and every enabled hostname); 4. with
--delete-certificates it deletes the uploaded certificates.
Exit codes: 0 done, 3 the origin still enforces (nothing changed on Cloudflare), 4 API failure.")]
pub struct UndoArgs {
    #[arg(long)]
    zone: String,
    /// Origin address to watch (IP or IP:PORT); repeat for several
    #[arg(long = "origin", value_name = "ADDR")]
    origins: Vec<String>,
    /// Hostnames to probe with (default: the zone's proxied hostnames)
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,
    /// Skip the origin check: you know the origin no longer enforces
    #[arg(long, conflicts_with = "origins")]
    origin_relaxed: bool,
    /// Seconds to wait for the origin to stop enforcing
    #[arg(long, default_value_t = 600)]
    wait: u64,
    /// Also delete the uploaded certificates (per-hostname ones are unassociated first)
    #[arg(long)]
    delete_certificates: bool,
    /// Print the Cloudflare requests instead of sending them (the origin is still checked)
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: UndoArgs, out: &mut dyn Write) -> Result<Outcome> {
    if args.origins.is_empty() && !args.origin_relaxed {
        bail!(
            "give --origin ADDR so undo can check the origin stopped enforcing before Cloudflare stops sending the certificate (or --origin-relaxed if you checked it yourself)"
        );
    }
    let origins = args
        .origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Report::msg)?;
    let client = client()?;
    let palette = Palette::for_stdout();
    block_on(async {
        let status = read_status(&client, &args.zone).await?;
        let zone = zone(&client, &args.zone).await?;
        writeln!(
            out,
            "1. The origin first: install the log-phase snippet (aop-wizard snippet SERVER --phase log --ca …) and reload."
        )?;
        if !args.origin_relaxed {
            let hosts = if args.hosts.is_empty() {
                status
                    .hostnames
                    .iter()
                    .filter(|h| h.proxied)
                    .map(|h| h.hostname.clone())
                    .collect()
            } else {
                args.hosts.clone()
            };
            if !wait_until_relaxed(origins, hosts, args.wait, out).await? {
                writeln!(
                    out,
                    "{}",
                    palette.bad("The origin still refuses requests without a certificate: nothing was changed on Cloudflare.")
                )?;
                return Ok(Outcome::NeedsAction);
            }
        }
        writeln!(
            out,
            "2. Turning Authenticated Origin Pulls off on Cloudflare."
        )?;
        let acting = client.for_changes(args.dry_run);
        let mut changes = Vec::new();
        if status.zone_level_enabled {
            changes.push(acting.set_zone_aop_enabled(&zone.id, false).await.map(drop));
        }
        if status.global_aop {
            changes.push(acting.set_global_aop(&zone.id, false).await.map(drop));
        }
        let associated: Vec<(String, String)> = status
            .hostnames
            .iter()
            .filter_map(|h| Some((h.hostname.clone(), h.cert_id.clone()?, h.aop_enabled?)))
            .filter(|(_, _, enabled)| *enabled)
            .map(|(h, c, _)| (h, c))
            .collect();
        if !associated.is_empty() {
            let config: Vec<HostnameConfig> = associated
                .iter()
                .map(|(h, c)| {
                    HostnameConfig::new(h.as_str(), c.as_str(), HostnameEnablement::Disable)
                })
                .collect();
            changes.push(
                acting
                    .set_hostname_associations(&zone.id, &config)
                    .await
                    .map(drop),
            );
        }
        if args.delete_certificates {
            writeln!(out, "3. Deleting the uploaded certificates.")?;
            let linked: Vec<HostnameConfig> = status
                .hostnames
                .iter()
                .filter_map(|h| {
                    Some(HostnameConfig::new(
                        h.hostname.as_str(),
                        h.cert_id.clone()?,
                        HostnameEnablement::Remove,
                    ))
                })
                .collect();
            // A per-hostname certificate can only go once no hostname points at it.
            if !linked.is_empty() {
                changes.push(
                    acting
                        .set_hostname_associations(&zone.id, &linked)
                        .await
                        .map(drop),
                );
            }
            for certificate in &status.hostname_certificates {
                changes.push(
                    acting
                        .delete_certificate(CertificateScope::Hostname, &zone.id, &certificate.id)
                        .await
                        .map(drop),
                );
            }
            for certificate in &status.zone_certificates {
                changes.push(
                    acting
                        .delete_certificate(CertificateScope::Zone, &zone.id, &certificate.id)
                        .await
                        .map(drop),
                );
            }
        }
        for change in changes {
            match change {
                Ok(()) | Err(CloudflareError::DryRun) => {}
                Err(error) => return Err(error.into()),
            }
        }
        if args.dry_run {
            print_plan(out, &acting.planned_requests(), false)?;
        } else {
            writeln!(
                out,
                "{}",
                palette.good(&format!(
                    "Authenticated Origin Pulls is off for {}.",
                    zone.name
                ))
            )?;
        }
        Ok(Outcome::Success)
    })?
}

/// Probes until no cell enforces any more; false when the time is up first.
async fn wait_until_relaxed(
    origins: Vec<std::net::SocketAddr>,
    hostnames: Vec<String>,
    wait: u64,
    out: &mut dyn Write,
) -> Result<bool> {
    if hostnames.is_empty() {
        bail!("no hostname to probe the origin with: pass --host NAME");
    }
    let plan = ProbePlan {
        origins,
        hostnames,
        path: "/".into(),
        yours: None,
        expected_ca: ExpectedCa::default(),
        timeout: Duration::from_secs(5),
        concurrency: 16,
    };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let cells = crate::probe::run(&plan).await.map_err(Report::msg)?;
        let enforcing: Vec<String> = cells
            .iter()
            .filter(|c| {
                matches!(
                    c.judgement.verdict,
                    Verdict::Enforced | Verdict::Misconfigured | Verdict::Unreachable
                )
            })
            .map(|c| format!("{} ({}: {})", c.origin, c.hostname, c.judgement.verdict))
            .collect();
        if enforcing.is_empty() {
            writeln!(
                out,
                "   The origin serves requests without a certificate again."
            )?;
            return Ok(true);
        }
        if Instant::now() >= deadline {
            writeln!(out, "   Still refusing: {}", enforcing.join(", "))?;
            return Ok(false);
        }
        writeln!(
            out,
            "   Waiting for the origin to relax: {}",
            enforcing.join(", ")
        )?;
        tokio::time::sleep(Duration::from_secs(5).min(deadline - Instant::now())).await;
    }
}
