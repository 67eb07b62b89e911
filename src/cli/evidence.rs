//! `aop-wizard evidence --server nginx --log FILE`: the origin's own access log, counted per
//! hostname, says whether every request from Cloudflare carries a verified certificate before
//! the origin enforces; exit 0 ready, 3 not.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, Palette, plain, print_json, write_wrapped};
use super::session::block_on;
use crate::cloudflare::Client;
use crate::evidence::{Evidence, Reading};
use crate::snippets::WebServer;
use crate::untrusted::shown;
use crate::words::plural;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard evidence --server nginx --log /var/log/nginx/aop-access.log \\
      --since 15m
  aop-wizard evidence --server apache --log /var/log/apache2/aop-access.log \\
      --log /var/log/apache2/aop-access.log.1.gz
  aop-wizard evidence --server haproxy --log /var/log/haproxy.log \\
      --edge-range 10.0.0.0/8 --json

Reads the access log in the format the log-phase snippet writes (aop-wizard snippet SERVER --phase log).
Cloudflare's addresses: its published ranges from the API (CLOUDFLARE_API_BASE_URL), or the list
shipped with aop-wizard when the API does not answer within 5 s; --edge-range replaces both.

Exit codes: 0 ready to enforce (Cloudflare's requests seen, every one with a verified certificate),
3 not ready (the reason and the next step are printed), 1 a log cannot be read.")]
pub struct EvidenceArgs {
    /// The web server that writes the log: nginx, apache, haproxy or caddy
    #[arg(long)]
    server: WebServer,
    /// The access log; repeat for rotated files (gzip-compressed ones are read too)
    #[arg(long = "log", value_name = "FILE", required = true)]
    logs: Vec<PathBuf>,
    /// Only requests this recent: 90s, 15m, 2h, 7d
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = super::bounds::duration)]
    since: Option<Duration>,
    /// Addresses to count as Cloudflare's instead of its published ranges (a load balancer or
    /// another proxy in front, a lab); repeat for several
    #[arg(long = "edge-range", value_name = "CIDR")]
    edge_ranges: Vec<String>,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvidenceArgs, out: &mut dyn Write) -> Result<Outcome> {
    let evidence = block_on(crate::evidence::read(Reading {
        server: args.server,
        logs: args.logs,
        since: args.since,
        edge_ranges: args.edge_ranges,
        base_url: Client::base_url_from_env(),
    }))??;
    if args.json {
        print_json(out, &evidence)?;
    } else {
        print_evidence(out, &evidence, Palette::for_stdout())?;
    }
    Ok(if evidence.ready {
        Outcome::Success
    } else {
        Outcome::NeedsAction
    })
}

fn print_evidence(out: &mut dyn Write, evidence: &Evidence, palette: Palette) -> Result<()> {
    let compressed = evidence.logs.iter().filter(|l| l.compressed).count();
    writeln!(
        out,
        "{} access log: {}{}, {}",
        evidence.server.display_name(),
        plural(evidence.logs.len() as u64, "file", "files"),
        if compressed > 0 {
            format!(" ({compressed} compressed)")
        } else {
            String::new()
        },
        plural(evidence.lines.read, "line", "lines"),
    )?;
    if let (Some(first), Some(last)) = (
        &evidence.window.first_request,
        &evidence.window.last_request,
    ) {
        writeln!(out, "Requests from {first} to {last}")?;
    }
    if let Some(since) = &evidence.window.since {
        let older = match evidence.lines.outside_window {
            0 => String::new(),
            n => format!(
                " ({} left out)",
                plural(n, "older request", "older requests")
            ),
        };
        writeln!(out, "Window: since {since}{older}")?;
    }
    write_wrapped(
        out,
        "",
        "  ",
        &shown(evidence.edge_ranges.describe()).to_string(),
        plain,
    )?;
    writeln!(out)?;
    if evidence.hostnames.is_empty() {
        writeln!(out, "No request was counted.")?;
    }
    let (hostnames, left_out) = evidence.hostnames_to_show(10);
    for host in hostnames {
        write_wrapped(out, "", "  ", &shown(host.name()).to_string(), plain)?;
        let cloudflare = host.cloudflare;
        let mut unverified = Vec::new();
        if cloudflare.without_certificate > 0 {
            unverified.push(format!(
                "{} without a certificate",
                cloudflare.without_certificate
            ));
        }
        if cloudflare.failed_verification > 0 {
            unverified.push(format!(
                "{} failed verification",
                cloudflare.failed_verification
            ));
        }
        let verified = format!("{} verified, ", cloudflare.verified);
        if unverified.is_empty() {
            writeln!(out, "  from Cloudflare: {verified}0 unverified")?;
        } else {
            let text = format!(
                "{verified}{} unverified ({})",
                cloudflare.unverified,
                unverified.join(", ")
            );
            write_wrapped(
                out,
                "  from Cloudflare: ",
                "                   ",
                &text,
                |l| palette.bad(l),
            )?;
        }
        for failure in &host.failures {
            let text = format!(
                "{} × {}{}",
                failure.requests,
                shown(&failure.reason),
                failure
                    .issuer
                    .as_ref()
                    .map(|i| format!(", issued by {}", shown(i)))
                    .unwrap_or_default()
            );
            write_wrapped(out, "    ", "      ", &text, plain)?;
        }
        if host.other.total > 0 {
            let text = host.other.describe();
            write_wrapped(
                out,
                "  elsewhere:       ",
                "                   ",
                &text,
                plain,
            )?;
        }
    }
    if left_out > 0 {
        writeln!(
            out,
            "… and {} reached only from elsewhere (--json lists every one)",
            plural(left_out as u64, "more hostname", "more hostnames")
        )?;
    }
    if evidence.lines.unreadable > 0 {
        writeln!(
            out,
            "\nUnreadable lines: {} (not in the {} log-phase format)",
            evidence.lines.unreadable,
            evidence.server.display_name()
        )?;
        for example in &evidence.lines.unreadable_examples {
            let text = format!(
                "{}:{}: {}: {}",
                shown(&example.log),
                example.line,
                shown(&example.why),
                shown(&example.excerpt)
            );
            write_wrapped(out, "  ", "    ", &text, plain)?;
        }
    }
    writeln!(out)?;
    if evidence.ready {
        let text = match evidence.cloudflare.verified {
            1 => {
                "Ready to enforce: the one request from Cloudflare carried a verified certificate."
                    .to_string()
            }
            n => format!(
                "Ready to enforce: all {n} requests from Cloudflare carried a verified certificate."
            ),
        };
        write_wrapped(out, "", "", &text, |l| palette.good(l))?;
    } else {
        writeln!(out, "{}", palette.bad("Not ready to enforce:"))?;
        for problem in &evidence.problems {
            write_wrapped(out, "  - ", "    ", &shown(problem).to_string(), plain)?;
        }
    }
    for (title, lines) in [("Next:", &evidence.next_steps), ("Note:", &evidence.notes)] {
        if !lines.is_empty() {
            writeln!(out, "{title}")?;
            for line in lines {
                write_wrapped(out, "  - ", "    ", &shown(line).to_string(), plain)?;
            }
        }
    }
    Ok(())
}
