//! `aop-wizard status --zone NAME`: everything Cloudflare knows about AOP on a zone, read-only.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, Palette, print_json};
use super::session::{block_on, client};
use crate::ops::status::read_status_naming;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard status --zone example.com\n  aop-wizard status --zone example.com --json | jq .zone_level.certificates"
)]
pub struct StatusArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
    /// Also show this hostname's association (besides DNS records, the certificates'
    /// hostnames and custom hostnames); repeat for several
    #[arg(long = "hostname", value_name = "NAME")]
    hostnames: Vec<String>,
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
