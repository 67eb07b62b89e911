//! `aop-wizard doctor --zone NAME`: per hostname, what Cloudflare presents to the origin beside
//! what the origin asks for, and what a proxied request will do, before any visitor sees it.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, Palette, plain, print_json, wrapped, write_wrapped};
use super::session::{block_on, client};
use crate::names::{self, Wildcard};
use crate::ops::doctor::{
    DoctorReport, DoctorRequest, HostnameDiagnosis, Kind, Prediction, doctor,
};
use crate::probe::parse_origin;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard doctor --zone example.com
  aop-wizard doctor --zone example.com --hostname www.example.com \\
      --origin 203.0.113.10
  aop-wizard doctor --zone example.com --origin 203.0.113.10:8443 --json

Without --origin, each hostname's origin is its DNS record's address (a CNAME target is resolved).
No client key is needed: the origin is probed without a certificate and with a foreign one.

Exit codes: 0 every hostname is OK or ready to enforce, 3 at least one is not (each says why and
what to do), 1 bad input, 4 Cloudflare API, network or credential failure.")]
pub struct DoctorArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// Only this hostname (of the zone, or one of its custom hostnames); repeat for several
    #[arg(long = "hostname", value_name = "NAME")]
    hostnames: Vec<String>,
    /// The origin to probe for every hostname: IP or IP:PORT (port 443 by default); repeat for more
    #[arg(long = "origin", value_name = "ADDR")]
    origins: Vec<String>,
    /// Seconds before one probe (or resolving a CNAME target) gives up (above 0, at most 300)
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = super::bounds::positive_seconds(300.0))]
    timeout: f64,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: DoctorArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = DoctorRequest {
        zone: names::zone(&args.zone)?,
        hostnames: names::hostnames(&args.hostnames, Wildcard::Refused)?,
        origins: args
            .origins
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<_, _>>()?,
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let client = client()?;
    let report = block_on(doctor(&client, &request))??;
    if args.json {
        print_json(out, &report)?;
    } else {
        print_report(out, &report)?;
    }
    Ok(if report.ok {
        Outcome::Success
    } else {
        Outcome::NeedsAction
    })
}

fn print_report(out: &mut dyn Write, report: &DoctorReport) -> Result<()> {
    let palette = Palette::for_stdout();
    write_wrapped(out, "Zone ", "  ", &shown(&report.zone).to_string(), plain)?;
    for host in &report.hostnames {
        writeln!(out)?;
        print_hostname(out, host, palette)?;
    }
    for line in &report.unchecked {
        let text = format!("could not check {}", shown(line));
        write_wrapped(out, "", "  ", &text, |l| palette.bad(l))?;
    }
    writeln!(out)?;
    let failing = report.hostnames.iter().filter(|h| !h.outcome.ok).count();
    if report.ok {
        writeln!(
            out,
            "{}",
            palette.good("Every hostname is OK or ready to enforce.")
        )?;
    } else if report.hostnames.is_empty() {
        writeln!(
            out,
            "{}",
            palette.bad("No hostname was checked: name one with --hostname.")
        )?;
    } else {
        let text = format!(
            "{failing} of {} need{} action{}.",
            crate::words::plural(report.hostnames.len() as u64, "hostname", "hostnames"),
            if failing == 1 { "s" } else { "" },
            if report.unchecked.is_empty() {
                ""
            } else {
                ", and some could not be checked"
            }
        );
        write_wrapped(out, "", "", &text, |l| palette.bad(l))?;
    }
    Ok(())
}

fn print_hostname(out: &mut dyn Write, host: &HostnameDiagnosis, palette: Palette) -> Result<()> {
    let mode = crate::cloudflare::SslMode::parse(&host.ssl_mode).label();
    let path = if host.outcome.kind == Kind::NoDnsRecord {
        "no DNS record".to_string()
    } else if host.proxied {
        format!("proxied, SSL/TLS mode {mode}")
    } else {
        "DNS only".to_string()
    };
    let hostname = format!("{}  ", shown(&host.hostname));
    write_wrapped(out, &hostname, "  ", &format!("({path})"), plain)?;
    let presents = match &host.presents {
        None => shown(&host.effective_certificate).to_string(),
        Some(p) => {
            let mut words = match &p.cert_id {
                Some(id) => {
                    let scope = if p.scope == "hostname" {
                        "per-hostname"
                    } else {
                        "zone-level"
                    };
                    format!("{scope} {}", shown(id))
                }
                None => "global (Cloudflare's shared certificate)".into(),
            };
            if let Some(issuer) = &p.issuer {
                words.push_str(&format!(", issued by {}", shown(issuer)));
            }
            if let Some(status) = &p.status {
                words.push_str(&format!(", {}", shown(status)));
            }
            if let Some(days) = p.days_left {
                words.push_str(&format!(", {days} days left"));
            }
            words
        }
    };
    write_wrapped(out, "  Cloudflare presents  ", "    ", &presents, plain)?;
    for origin in &host.origins {
        let asks = if !origin.requests_certificate {
            "asks for no client certificate".to_string()
        } else if origin.acceptable_cas.is_empty() {
            "asks for a client certificate, naming no CA".to_string()
        } else {
            format!(
                "asks for a client certificate from {}",
                shown(origin.acceptable_cas.join("; "))
            )
        };
        let without = if origin.refuses_without_certificate {
            format!(
                "refuses requests without one ({})",
                shown(&origin.without_certificate)
            )
        } else {
            format!("without one: {}", shown(&origin.without_certificate))
        };
        let text = if origin.verdict == crate::probe::Verdict::Unreachable {
            format!("unreachable ({})", shown(&origin.without_certificate))
        } else {
            format!("{asks}; {without}")
        };
        let first = format!("  Origin {}  ", origin.address);
        write_wrapped(out, &first, "    ", &text, plain)?;
        if host.origins.len() > 1 {
            print_prediction(out, &origin.outcome, palette, "    ")?;
        }
    }
    // With several origins each has its own; the hostname's is the worst of them.
    if host.origins.len() > 1 {
        return Ok(());
    }
    print_prediction(out, &host.outcome, palette, "  ")
}

fn print_prediction(
    out: &mut dyn Write,
    prediction: &Prediction,
    palette: Palette,
    indent: &str,
) -> Result<()> {
    let (mark, paint) = if prediction.ok {
        ("✓", palette.good("✓"))
    } else {
        ("✗", palette.bad("✗"))
    };
    let summary = format!("{mark} {}", shown(&prediction.summary));
    let rest = format!("{indent}  ");
    // The mark is painted after the cut: colour codes would count as columns.
    for (number, line) in wrapped(indent, &rest, &summary).iter().enumerate() {
        let line = if number == 0 {
            line.replacen(mark, &paint, 1)
        } else {
            line.clone()
        };
        writeln!(out, "{line}")?;
    }
    let next = shown(&prediction.next_step).to_string();
    write_wrapped(
        out,
        &format!("{indent}  next: "),
        &format!("{indent}    "),
        &next,
        plain,
    )?;
    Ok(())
}
