//! `aop-wizard evidence --server nginx --log FILE`: the origin's own access log, counted per
//! hostname, says whether every request from Cloudflare carries a verified certificate before
//! the origin enforces; exit 0 ready, 3 not.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, Palette, print_json};
use super::session::block_on;
use crate::cloudflare::Client;
use crate::evidence::{Evidence, Reading, plural};
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

/// The report's width: sentences are wrapped to it, so the report reads the same in an
/// 80-column terminal, a pipe and a ticket.
const COLUMNS: usize = 80;

/// `text` (already safe to show) wrapped to `COLUMNS`, the first line after `first`, the rest
/// after `rest`; a word longer than a line (a path, an excerpt) is cut where the line ends.
fn wrapped(first: &str, rest: &str, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = COLUMNS.saturating_sub(line.chars().count() + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                }
                line.extend(word);
                empty = false;
                break;
            }
            let fresh = COLUMNS.saturating_sub(rest.chars().count()).max(1);
            if empty || word.len() > fresh {
                // Cut the word at the end of this line (or of a fresh one).
                let room = if empty { room.max(1) } else { room };
                if room > 0 {
                    if !empty {
                        line.push(' ');
                    }
                    line.extend(word.drain(..room.min(word.len())));
                }
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn write_wrapped(
    out: &mut dyn Write,
    first: &str,
    rest: &str,
    text: &str,
    paint: impl Fn(&str) -> String,
) -> std::io::Result<()> {
    for line in wrapped(first, rest, text) {
        writeln!(out, "{}", paint(&line))?;
    }
    Ok(())
}

fn plain(text: &str) -> String {
    text.to_string()
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
            "Window: since {since} ({} left out)",
            plural(
                evidence.lines.outside_window,
                "older request",
                "older requests"
            )
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_wrap_at_80_columns_and_long_words_are_cut() {
        let sentence = "word ".repeat(40);
        let lines = wrapped("  - ", "    ", &sentence);
        assert!(lines.len() > 1);
        assert!(
            lines.iter().all(|l| l.chars().count() <= COLUMNS),
            "{lines:?}"
        );
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
        let words: usize = lines
            .iter()
            .map(|l| l.split_whitespace().filter(|w| *w == "word").count())
            .sum();
        assert_eq!(words, 40);
        let long = format!("see {} there", "x".repeat(200));
        let lines = wrapped("  ", "    ", &long);
        assert!(
            lines.iter().all(|l| l.chars().count() <= COLUMNS),
            "{lines:?}"
        );
        let xs: usize = lines.iter().map(|l| l.matches('x').count()).sum();
        assert_eq!(xs, 200);
        assert_eq!(
            lines.last().unwrap().trim_start().split(' ').next_back(),
            Some("there")
        );
        assert_eq!(wrapped("a: ", "  ", ""), ["a: "]);
    }
}
