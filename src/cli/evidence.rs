//! `aop-wizard evidence --server nginx --log FILE`: the origin's own access log, counted per
//! hostname, says whether every request from Cloudflare carries a verified certificate before
//! the origin enforces; exit 0 ready, 3 not.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;
use time::OffsetDateTime;

use super::output::{Outcome, Palette, print_json};
use super::session::block_on;
use crate::cloudflare::Client;
use crate::evidence::{EdgeRanges, Evidence, EvidenceRequest, RangesSource};
use crate::snippets::WebServer;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard evidence --server nginx --log /var/log/nginx/aop-access.log --since 15m
  aop-wizard evidence --server apache --log /var/log/apache2/aop-access.log --log /var/log/apache2/aop-access.log.1.gz
  aop-wizard evidence --server haproxy --log /var/log/haproxy.log --edge-range 10.0.0.0/8 --json

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
    #[arg(long, value_name = "DURATION", value_parser = super::bounds::duration)]
    since: Option<Duration>,
    /// Addresses to count as Cloudflare's instead of its published ranges (a load balancer or
    /// another proxy in front, a lab); repeat for several
    #[arg(long = "edge-range", value_name = "CIDR")]
    edge_ranges: Vec<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvidenceArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ranges = if args.edge_ranges.is_empty() {
        block_on(EdgeRanges::cloudflare(
            &Client::base_url_from_env(),
            crate::evidence::RANGES_TIMEOUT,
        ))?
    } else {
        EdgeRanges::given(&args.edge_ranges)?
    };
    let evidence = crate::evidence::gather(&EvidenceRequest {
        server: args.server,
        logs: args.logs,
        since: args.since,
        now: OffsetDateTime::now_utc(),
        ranges,
    })?;
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
        "{} access log: {} {}{}, {} lines",
        evidence.server.display_name(),
        evidence.logs.len(),
        if evidence.logs.len() == 1 {
            "file"
        } else {
            "files"
        },
        if compressed > 0 {
            format!(" ({compressed} compressed)")
        } else {
            String::new()
        },
        evidence.lines.read
    )?;
    match (
        &evidence.window.first_request,
        &evidence.window.last_request,
    ) {
        (Some(first), Some(last)) => writeln!(out, "Requests from {first} to {last}")?,
        _ => writeln!(out, "No request with a time was counted")?,
    }
    if let Some(since) = &evidence.window.since {
        writeln!(
            out,
            "Window: since {since} ({} older requests left out)",
            evidence.lines.outside_window
        )?;
    }
    let count = evidence.edge_ranges.ranges.len();
    match &evidence.edge_ranges.source {
        RangesSource::Given => writeln!(
            out,
            "Cloudflare's addresses: as given with --edge-range: {}",
            evidence.edge_ranges.ranges.join(", ")
        )?,
        RangesSource::Api { url } => writeln!(
            out,
            "Cloudflare's addresses: {count} ranges from {}",
            shown(url)
        )?,
        RangesSource::Shipped { retrieved, why } => writeln!(
            out,
            "Cloudflare's addresses: {count} ranges shipped with aop-wizard (retrieved {retrieved}); {}",
            shown(why)
        )?,
    }
    writeln!(out)?;
    if evidence.hostnames.is_empty() {
        writeln!(out, "No request was counted.")?;
    }
    for host in &evidence.hostnames {
        writeln!(out, "{}", shown(host.name()))?;
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
        let unverified_text = if unverified.is_empty() {
            "0 unverified".to_string()
        } else {
            palette.bad(&format!(
                "{} unverified ({})",
                cloudflare.unverified,
                unverified.join(", ")
            ))
        };
        writeln!(
            out,
            "  from Cloudflare: {} verified, {unverified_text}",
            cloudflare.verified
        )?;
        for failure in &host.failures {
            writeln!(
                out,
                "    {} × {}{}",
                failure.requests,
                shown(&failure.reason),
                failure
                    .issuer
                    .as_ref()
                    .map(|i| format!(", issued by {}", shown(i)))
                    .unwrap_or_default()
            )?;
        }
        if host.other.total > 0 {
            let sources: Vec<String> = host
                .other
                .top_sources
                .iter()
                .map(|s| format!("{} ({})", s.address, s.requests))
                .collect();
            writeln!(
                out,
                "  elsewhere:       {} from {}{}",
                host.other.total,
                sources.join(", "),
                if host.other.from_addresses_not_named > 0 {
                    format!(" and {} more", host.other.from_addresses_not_named)
                } else {
                    String::new()
                }
            )?;
        }
    }
    if evidence.lines.unreadable > 0 {
        writeln!(
            out,
            "\nUnreadable lines: {} (not in the {} log-phase format)",
            evidence.lines.unreadable,
            evidence.server.display_name()
        )?;
        for example in &evidence.lines.unreadable_examples {
            writeln!(
                out,
                "  {}:{}: {}: {}",
                shown(&example.log),
                example.line,
                shown(&example.why),
                shown(&example.excerpt)
            )?;
        }
    }
    writeln!(out)?;
    if evidence.ready {
        writeln!(
            out,
            "{}",
            palette.good(&format!(
                "Ready to enforce: every one of the {} requests from Cloudflare carried a verified certificate.",
                evidence.cloudflare.verified
            ))
        )?;
    } else {
        writeln!(out, "{}", palette.bad("Not ready to enforce:"))?;
        for problem in &evidence.problems {
            writeln!(out, "  - {}", shown(problem))?;
        }
    }
    for (title, lines) in [("Next:", &evidence.next_steps), ("Note:", &evidence.notes)] {
        if !lines.is_empty() {
            writeln!(out, "{title}")?;
            for line in lines {
                writeln!(out, "  - {}", shown(line))?;
            }
        }
    }
    Ok(())
}
