//! `aop-wizard undo --zone NAME`: turn Authenticated Origin Pulls off in the only safe order
//! (see `crate::undo`), waiting for the origin to be relaxed first.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, Palette, Progress, confirmed, print_plan};
use super::session::{block_on, client};
use crate::names::{self, Wildcard};
use crate::probe::parse_origin;
use crate::undo;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard undo --zone example.com --origin 203.0.113.10
  aop-wizard undo --zone example.com --origin 203.0.113.10 \\
      --delete-certificates --dry-run
  aop-wizard undo --zone example.com --origin-relaxed  # origin checked by you

Order: 1. put the log-phase snippet on the origin (aop-wizard snippet SERVER --phase log) and
reload; 2. undo waits until a direct request without a certificate is served again; 3. it turns
AOP off on Cloudflare (zone-level, global and every enabled hostname); 4. with
--delete-certificates it deletes the uploaded certificates.
Hostnames checked: proxied records, DNS-only records pointing where a proxied one does, the
per-hostname certificates' hostnames, Cloudflare for SaaS custom hostnames, and --hostname.
Exit codes: 0 done, 2 neither --origin nor --origin-relaxed given, 3 the origin still enforces
(nothing changed on Cloudflare), or a hostname could not be checked, or a certificate could not
be deleted (undo says which and what to do), 4 API failure.")]
pub struct UndoArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// Origin address to watch (IP or IP:PORT); repeat for several. Required unless --origin-relaxed
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
    /// A hostname to turn off too, besides those undo finds (proxied and DNS-only records,
    /// certificates' hostnames, custom hostnames); repeat for several
    #[arg(long = "hostname", value_name = "NAME")]
    hostnames: Vec<String>,
    /// Print the Cloudflare requests instead of sending them; the origin is looked at once, never waited for
    #[arg(long)]
    dry_run: bool,
    /// Do not ask before starting (needed without a terminal)
    #[arg(long)]
    yes: bool,
}

pub fn run(mut args: UndoArgs, out: &mut dyn Write) -> Result<Outcome> {
    args.zone = names::zone(&args.zone)?;
    args.hosts = names::hostnames(&args.hosts, Wildcard::Refused)?;
    args.hostnames = names::hostnames(&args.hostnames, Wildcard::Allowed)?;
    if args.origins.is_empty() && !args.origin_relaxed {
        return Err(crate::ops::OperationError::Missing(
            "give --origin ADDR so undo can check the origin stopped enforcing before Cloudflare stops sending the certificate (or --origin-relaxed if you checked it yourself)".into(),
        )
        .into());
    }
    let origins = args
        .origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    let client = client()?;
    let palette = Palette::for_stdout();
    block_on(async {
        let plan = undo::read_naming(&client, &args.zone, &args.hostnames).await?;
        // Asked before the wait, not after it: the person may have walked away by then.
        if !args.dry_run
            && !args.yes
            && !confirmed("undo turns Authenticated Origin Pulls off on Cloudflare")?
        {
            writeln!(out, "Nothing changed.")?;
            return Ok(Outcome::Success);
        }
        writeln!(
            out,
            "1. The origin first: install the log-phase snippet (aop-wizard snippet SERVER --phase log --ca …) and reload."
        )?;
        if !args.origin_relaxed {
            let hosts = if args.hosts.is_empty() {
                plan.proxied.clone()
            } else {
                args.hosts.clone()
            };
            if args.dry_run {
                // A dry run never waits: one look at the origin, and what a real run would do.
                let enforcing = undo::still_enforcing(&origins, &hosts).await?;
                if enforcing.is_empty() {
                    writeln!(
                        out,
                        "   The origin serves requests without a certificate: a real run would go on at once."
                    )?;
                } else {
                    writeln!(
                        out,
                        "   The origin does not serve a request without a certificate yet ({}): a real run would wait up to {} s for that to stop, and change nothing on Cloudflare if it does not.",
                        enforcing.join(", "),
                        args.wait
                    )?;
                }
            } else {
                let mut progress = Progress::new(&mut *out, std::io::stdout().is_terminal());
                let enforcing = undo::wait_until_relaxed(
                    &origins,
                    &hosts,
                    Duration::from_secs(args.wait),
                    |note| {
                        let _ = progress.note(&format!("   {}", shown(note)));
                    },
                )
                .await?;
                if !enforcing.is_empty() {
                    writeln!(out, "   Still refusing: {}", shown(enforcing.join(", ")))?;
                    writeln!(
                        out,
                        "{}",
                        palette.bad("The origin does not serve a request without a certificate yet (refused or unreachable): nothing was changed on Cloudflare.")
                    )?;
                    return Ok(Outcome::NeedsAction);
                }
                writeln!(
                    out,
                    "   The origin serves requests without a certificate again."
                )?;
            }
        }
        writeln!(
            out,
            "2. Turning Authenticated Origin Pulls off on Cloudflare."
        )?;
        if args.delete_certificates {
            writeln!(out, "3. Then deleting the uploaded certificates.")?;
        }
        if args.dry_run {
            let shown: Vec<_> = undo::changes(&plan, args.delete_certificates)
                .iter()
                .map(|change| client.shown(change))
                .collect();
            print_plan(out, &shown, false)?;
        } else {
            match undo::turn_off(&client, &plan, args.delete_certificates).await {
                Err(undo::UndoError::CertificateKept(why)) => {
                    writeln!(out, "{}", palette.bad(&why))?;
                    return Ok(Outcome::NeedsAction);
                }
                answer => answer?,
            }
            if let Some(warning) = plan.unchecked_warning() {
                writeln!(out, "{}", palette.bad(&warning))?;
                return Ok(Outcome::NeedsAction);
            }
            writeln!(
                out,
                "{}",
                palette.good(&format!(
                    "Authenticated Origin Pulls is off for {}{}.",
                    shown(&plan.zone),
                    match plan.zone_certificates.len() + plan.hostname_certificates.len() {
                        _ if !args.delete_certificates => String::new(),
                        0 => ", and there was no uploaded certificate to delete".into(),
                        n => format!(
                            ", and its {} deleted",
                            crate::words::plural(
                                n as u64,
                                "uploaded certificate is",
                                "uploaded certificates are"
                            )
                        ),
                    }
                ))
            )?;
        }
        Ok(Outcome::Success)
    })?
}
