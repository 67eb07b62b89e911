//! `aop-wizard verify`: probe every origin address × hostname as an attacker and as Cloudflare
//! would, and prove the origin answers only Cloudflare.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use color_eyre::eyre::Result;
use serde::Serialize;

use super::output::{Outcome, Palette, print_json};
use super::session::block_on;
use crate::ops::{self, VerifyRequest};
use crate::probe::{CellReport, EdgeReport, Presented, Verdict, Verification, parse_origin};
use crate::untrusted::shown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Expect {
    /// Every cell must refuse strangers and serve Cloudflare (after the enforce snippet)
    Enforced,
    /// Every cell must ask for a certificate and still serve without one (the log phase)
    LogOnly,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard verify --origin 203.0.113.10 --host www.example.com \\
      --cert client.crt --key client.key --ca ca.crt
  aop-wizard verify --origin 203.0.113.10 --origin 203.0.113.11:8443 \\
      --host example.com --host www.example.com --global
  aop-wizard verify --origin 203.0.113.10 --host www.example.com --ca ca.crt \\
      --expect log-only --via-edge --json

Exit codes: 0 every cell is as expected (and every edge request passed with --via-edge),
3 at least one is not (the table says why), 1 bad input.")]
pub struct VerifyArgs {
    /// Origin address to probe directly: IP or IP:PORT (port 443 by default); repeat for more
    #[arg(long = "origin", value_name = "ADDR", required = true)]
    origins: Vec<String>,
    /// Hostname to send as SNI and Host; repeat for more
    #[arg(long = "host", value_name = "NAME", required = true)]
    hosts: Vec<String>,
    /// The client certificate uploaded to Cloudflare (proves the right one is accepted)
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Its private key
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// The CA the origin should trust (checked against the CA names it lists); repeat during a rotation
    #[arg(long, conflicts_with = "global")]
    ca: Vec<PathBuf>,
    /// Global AOP: the origin should trust Cloudflare's origin-pull CA
    #[arg(long)]
    global: bool,
    /// What every cell must show
    #[arg(long, value_enum, default_value = "enforced")]
    expect: Expect,
    /// Request path
    #[arg(long, default_value = "/")]
    path: String,
    /// Seconds before one probe gives up (above 0, at most 300)
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = super::bounds::positive_seconds(300.0))]
    timeout: f64,
    /// Probes running at once (1 to 256)
    #[arg(long, default_value_t = 16, allow_negative_numbers = true, value_parser = super::bounds::within::<usize>(1, 256, "probes"))]
    concurrency: usize,
    /// Also request each hostname through Cloudflare; it must be served
    #[arg(long)]
    via_edge: bool,
    /// Also request this hostname through Cloudflare without probing the origin for it (a
    /// proxied hostname that gets no client certificate); repeat for more; implies --via-edge
    #[arg(long = "edge-host", value_name = "NAME")]
    edge_hosts: Vec<String>,
    /// The request through Cloudflare, {hostname} replaced (default https://{hostname} and
    /// --path); implies --via-edge
    #[arg(long, value_name = "URL")]
    edge_url: Option<String>,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct VerifyReport<'a> {
    expected: &'static str,
    passed: bool,
    cells: &'a [CellReport],
    edge: &'a [EdgeReport],
}

pub fn run(mut args: VerifyArgs, out: &mut dyn Write) -> Result<Outcome> {
    // No zone is known here: the names are checked as DNS names, and a wildcard cannot be asked for.
    for hosts in [&mut args.hosts, &mut args.edge_hosts] {
        *hosts = hosts
            .iter()
            .map(|host| crate::names::hostname(host, crate::names::Wildcard::Refused))
            .collect::<Result<_, _>>()?;
    }
    // Before anything connects: the path also goes to the edge with --via-edge.
    crate::probe::check_request_path(&args.path)?;
    let origins = args
        .origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    let via_edge = args.via_edge || args.edge_url.is_some() || !args.edge_hosts.is_empty();
    let mut edge_hostnames = args.hosts.clone();
    for host in &args.edge_hosts {
        if !edge_hostnames.contains(host) {
            edge_hostnames.push(host.clone());
        }
    }
    let request = VerifyRequest {
        origins,
        hostnames: args.hosts.clone(),
        identity: args.cert.clone().zip(args.key.clone()),
        ca: args.ca.clone(),
        global: args.global,
        edge_url: via_edge.then(|| {
            args.edge_url
                .clone()
                .unwrap_or_else(|| format!("https://{{hostname}}{}", args.path))
        }),
        timeout: Duration::from_secs_f64(args.timeout),
        edge_hostnames: if via_edge { edge_hostnames } else { Vec::new() },
        path: args.path.clone(),
        concurrency: args.concurrency,
    };
    let verification = block_on(ops::verify(&request))??;
    let wanted = match args.expect {
        Expect::Enforced => Verdict::Enforced,
        Expect::LogOnly => Verdict::LogOnly,
    };
    let passed = verification.passed(wanted);
    let Verification { cells, edge } = verification;
    if args.json {
        print_json(
            out,
            &VerifyReport {
                expected: wanted.label(),
                passed,
                cells: &cells,
                edge: &edge,
            },
        )?;
    } else {
        print_table(out, &cells, &edge, wanted, request.identity.is_some())?;
    }
    Ok(if passed {
        Outcome::Success
    } else {
        Outcome::NeedsAction
    })
}

fn print_table(
    out: &mut dyn Write,
    cells: &[CellReport],
    edge: &[EdgeReport],
    wanted: Verdict,
    with_yours: bool,
) -> Result<()> {
    let palette = Palette::for_stdout();
    let mut columns = vec![Presented::Nothing, Presented::UnrelatedCa];
    if with_yours {
        columns.push(Presented::Yours);
    }
    let mut rows = vec![{
        let mut header = vec!["ORIGIN".to_string(), "HOSTNAME".to_string()];
        header.extend(columns.iter().map(|p| p.label().to_uppercase()));
        header.push("VERDICT".into());
        header
    }];
    // Cells hold what the origin said: escaped before they are measured and padded.
    for cell in cells {
        let mut row = vec![cell.origin.to_string(), shown(&cell.hostname).to_string()];
        for presented in &columns {
            row.push(
                cell.attempt(*presented)
                    .map(|a| shown(a.outcome.describe()).to_string())
                    .unwrap_or_default(),
            );
        }
        row.push(cell.judgement.verdict.label().into());
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for (index, row) in rows.iter().enumerate() {
        let last = row.len() - 1;
        let mut line = String::new();
        for (i, value) in row.iter().enumerate().take(last) {
            line.push_str(&format!("{value:<width$}  ", width = widths[i]));
        }
        let verdict = &row[last];
        let painted = if index == 0 {
            palette.dim(verdict)
        } else if *verdict == wanted.label() {
            palette.good(verdict)
        } else {
            palette.bad(verdict)
        };
        writeln!(out, "{}{painted}", line)?;
    }
    for cell in cells {
        let judgement = &cell.judgement;
        if judgement.verdict == wanted {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "{} {} ({}): {}",
            palette.bad("✗"),
            cell.origin,
            shown(&cell.hostname),
            shown(&judgement.explanation)
        )?;
        writeln!(out, "  next: {}", shown(&judgement.next_step))?;
    }
    if let Some(first) = cells.first().and_then(|c| c.attempt(Presented::Nothing)) {
        if first.certificate_requested {
            let listed = if first.acceptable_cas.is_empty() {
                "no names (the origin does not list its CAs)".to_string()
            } else {
                shown(first.acceptable_cas.join("; ")).to_string()
            };
            writeln!(out)?;
            writeln!(out, "CAs the origin lists as acceptable: {listed}")?;
        }
        if let Some(server) = &first.server_certificate {
            let validity = match &server.validation_error {
                None => "valid for the hostname".to_string(),
                Some(error) => format!(
                    "not publicly trusted ({}); fine behind Cloudflare",
                    shown(error)
                ),
            };
            writeln!(
                out,
                "Origin's own certificate: {} — {validity}",
                shown(&server.subject)
            )?;
        }
    }
    for report in edge {
        let mark = if report.passed {
            palette.good("✓")
        } else {
            palette.bad("✗")
        };
        writeln!(
            out,
            "{mark} through Cloudflare {}: {}",
            shown(&report.url),
            shown(&report.explanation)
        )?;
        if let Some(answer) = &report.answer {
            writeln!(out, "    it answered: \"{}\"", shown(answer))?;
        }
    }
    let all = Verification {
        cells: cells.to_vec(),
        edge: edge.to_vec(),
    }
    .passed(wanted);
    writeln!(out)?;
    if all {
        writeln!(
            out,
            "{}",
            palette.good(&format!("Every origin and hostname is {}.", wanted.label()))
        )?;
    } else {
        writeln!(
            out,
            "{}",
            palette.bad(&format!(
                "Not every origin and hostname is {} yet.",
                wanted.label()
            ))
        )?;
    }
    Ok(())
}
