//! `aop-wizard upload --zone NAME --cert F --key F [--hostname H] [--wait]`: checked first, never
//! uploaded twice.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, bail};
use time::OffsetDateTime;

use super::output::{self, Outcome, Progress, print_json, print_plan};
use super::session::{block_on, client, zone};
use crate::cloudflare::CertificateScope;
use crate::names::{self, Wildcard};
use crate::ops::Pace;
use crate::ops::{self, Scope};
use crate::pki;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard upload --zone example.com --cert ./aop/client.crt \\\n      --key ./aop/client.key --wait\n  aop-wizard upload --zone example.com --cert ./aop/client.crt \\\n      --key ./aop/client.key --hostname app.example.com\n  aop-wizard upload --zone example.com --cert ./aop/client.crt \\\n      --key ./aop/client.key --dry-run\n\nThe certificate is checked first (as `aop-wizard cert check`). An identical certificate already on\nCloudflare is reused rather than uploaded again. With --hostname it becomes a per-hostname\ncertificate and is associated (enabled) for that hostname."
)]
pub struct UploadArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// The client (leaf) certificate
    #[arg(long)]
    cert: PathBuf,
    /// Its private key (unencrypted)
    #[arg(long)]
    key: PathBuf,
    /// Upload as a per-hostname certificate and enable it for this hostname
    #[arg(long)]
    hostname: Option<String>,
    /// Poll until Cloudflare reports the certificate active
    #[arg(long)]
    wait: bool,
    /// Seconds to wait with --wait, every poll and its retries included (1 to 86400)
    #[arg(long, default_value_t = 600, allow_negative_numbers = true, value_parser = super::bounds::within::<u64>(1, super::bounds::MAX_WAIT_SECONDS, "seconds"))]
    timeout: u64,
    /// Seconds between polls with --wait (0 to 3600; 0 polls again at once)
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = super::bounds::within::<u64>(0, super::bounds::MAX_POLL_SECONDS, "seconds (0 polls again at once)"))]
    interval: u64,
    /// Print the request instead of sending it
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(mut args: UploadArgs, out: &mut dyn Write) -> Result<Outcome> {
    args.zone = names::zone(&args.zone)?;
    args.hostname = args
        .hostname
        .as_deref()
        .map(|hostname| names::hostname(hostname, Wildcard::Allowed))
        .transpose()?;
    let report =
        pki::check_client_certificate(&args.cert, &args.key, None, OffsetDateTime::now_utc())?;
    if !report.uploadable() {
        let problems: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
        bail!(
            "{} is not uploadable: {}",
            args.cert.display(),
            problems.join(" ")
        );
    }
    let fingerprint = report.certificate.fingerprint_sha256.clone();
    let scope = if args.hostname.is_some() {
        CertificateScope::Hostname
    } else {
        CertificateScope::Zone
    };
    let client = client()?;
    let pace = Pace {
        interval: Duration::from_secs(args.interval),
        timeout: Duration::from_secs(args.timeout),
        probe_timeout: Duration::from_secs(10),
    };
    block_on(async {
        let zone = zone(&client, &args.zone).await?;
        // Before anything is uploaded: a hostname the zone cannot serve would leave a certificate.
        let hostname = match &args.hostname {
            Some(name) => ops::zone_hostnames(&client, &zone, std::slice::from_ref(name))
                .await?
                .pop(),
            None => None,
        };
        if args.dry_run {
            let mut shown: Vec<_> =
                ops::preview::upload_files(&client, scope, &zone.id, &args.cert, &args.key)
                    .await?
                    .into_iter()
                    .collect();
            if let Some(hostname) = &hostname {
                shown.push(ops::preview::switch_scope(
                    &client,
                    &zone.id,
                    Scope::Hostname,
                    true,
                    Some("<id of the uploaded certificate>"),
                    std::slice::from_ref(hostname),
                )?);
            }
            print_plan(out, &shown, args.json)?;
            return Ok(Outcome::Success);
        }
        let outcome = ops::upload(&client, scope, &zone.id, &args.cert, &args.key).await?;
        let mut certificate = outcome.certificate;
        if !args.json {
            let verb = if outcome.already_present {
                "already on Cloudflare"
            } else {
                "uploaded"
            };
            writeln!(
                out,
                "Certificate {verb}: id {} ({})",
                shown(&certificate.id),
                shown(
                    certificate
                        .status
                        .as_ref()
                        .map_or("unknown", |s| s.as_str())
                )
            )?;
        }
        if args.wait && !certificate.is_active() {
            let mut stderr = output::stderr();
            let mut progress = Progress::new(&mut stderr, std::io::stderr().is_terminal());
            let json = args.json;
            certificate = ops::wait_until_active_noting(
                &client,
                scope,
                &zone.id,
                &certificate.id,
                pace,
                |note| {
                    if !json {
                        let _ = progress.note(&format!("  {}", shown(note)));
                    }
                },
            )
            .await?;
        }
        if let Some(hostname) = &hostname {
            ops::switch_scope(
                &client,
                &zone.id,
                Scope::Hostname,
                true,
                Some(&certificate.id),
                std::slice::from_ref(hostname),
            )
            .await?;
            if !args.json {
                writeln!(
                    out,
                    "Per-hostname AOP enabled for {} with certificate {}",
                    shown(hostname),
                    shown(&certificate.id)
                )?;
            }
        }
        if args.json {
            print_json(
                out,
                &serde_json::json!({
                    "zone": zone.name, "scope": scope, "already_present": outcome.already_present,
                    "certificate": { "id": certificate.id, "status": certificate.status, "expires_on": certificate.expires_on, "fingerprint_sha256": fingerprint },
                    "hostname": hostname,
                }),
            )?;
        } else if certificate.is_active() && args.hostname.is_none() {
            writeln!(
                out,
                "Active. Next: aop-wizard enable --zone {} --scope zone",
                shown(&zone.name)
            )?;
        }
        Ok(Outcome::Success)
    })?
}
