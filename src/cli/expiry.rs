//! `aop-wizard check-expiry --zone NAME [--days 30]`: for cron and monitoring, exit 3 when a
//! certificate Cloudflare presents (or could present) expires within the window. Cloudflare never
//! removes an expired AOP certificate: once it expires, every proxied request fails.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;

use super::output::{Outcome, Palette, print_json};
use super::session::{block_on, client};
use crate::ops::status::read_status;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard check-expiry --zone example.com
  aop-wizard check-expiry --zone example.com --days 45 --json
  # crontab: 0 8 * * * aop-wizard check-expiry --zone example.com || mail -s 'AOP expiry' ops@example.com

Exit codes: 0 nothing expires within the window, 3 something does (or already has), 4 API failure.")]
pub struct ExpiryArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// The warning window in days (0 to 36525)
    #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = super::bounds::within::<i64>(0, 36_525, "days"))]
    days: i64,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Checked {
    scope: &'static str,
    id: String,
    expires_on: Option<String>,
    days_left: Option<i64>,
    /// Cloudflare presents it now (or would for the hostnames associated with it).
    relevant: bool,
    expiring: bool,
}

pub fn run(args: ExpiryArgs, out: &mut dyn Write) -> Result<Outcome> {
    let client = client()?;
    let status = block_on(read_status(&client, &args.zone))??;
    let window = args.days;
    let expiring = |days: Option<i64>| days.is_some_and(|d| d <= window);
    let mut checked = Vec::new();
    for certificate in &status.zone_certificates {
        checked.push(Checked {
            scope: "zone",
            id: certificate.id.clone(),
            expires_on: certificate.expires_on.clone(),
            days_left: certificate.days_left,
            relevant: certificate.in_use,
            expiring: expiring(certificate.days_left),
        });
    }
    for certificate in &status.hostname_certificates {
        checked.push(Checked {
            scope: "hostname",
            id: certificate.id.clone(),
            expires_on: certificate.expires_on.clone(),
            days_left: certificate.days_left,
            relevant: certificate.in_use,
            expiring: expiring(certificate.days_left),
        });
    }
    checked.push(Checked {
        scope: "global",
        id: "cloudflare-origin-pull-ca".into(),
        expires_on: status.global_ca_expires_on.clone(),
        days_left: status.global_ca_days_left,
        relevant: status.global_aop,
        expiring: expiring(status.global_ca_days_left),
    });
    // A certificate not in use still warns: it may be the one a rotation falls back to.
    let alarm = checked
        .iter()
        .any(|c| c.expiring && (c.relevant || c.scope != "global"));
    if args.json {
        print_json(
            out,
            &serde_json::json!({ "zone": status.zone, "window_days": window, "expiring": alarm, "certificates": checked }),
        )?;
    } else {
        let palette = Palette::for_stdout();
        writeln!(
            out,
            "Certificates of {} (window: {window} days)",
            shown(&status.zone)
        )?;
        for c in &checked {
            let days = c.days_left.map_or("?".into(), |d| d.to_string());
            let mark = if c.expiring && (c.relevant || c.scope != "global") {
                palette.bad("✗")
            } else {
                palette.good("✓")
            };
            // Cloudflare lists no associations: a hostname not seen may still use it.
            let note = match (c.relevant, c.scope) {
                (true, _) => "in use",
                (false, "hostname") => "no hostname seen using it",
                (false, _) => "not in use",
            };
            writeln!(
                out,
                "  {mark} {:<8} {:<38} expires {} ({days} days, {note})",
                c.scope,
                shown(&c.id),
                shown(c.expires_on.as_deref().unwrap_or("?"))
            )?;
        }
        if alarm {
            writeln!(
                out,
                "{}",
                palette.bad("Rotate before it expires: `aop-wizard cert generate`, `aop-wizard upload --wait`, then delete the old certificate once the new one is active.")
            )?;
        }
    }
    Ok(if alarm {
        Outcome::NeedsAction
    } else {
        Outcome::Success
    })
}
