//! `aop-wizard enable|disable --zone NAME --scope global|zone|hostname`: the scope's own switch
//! only; the three scopes are independent on Cloudflare.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, print_json, print_plan};
use super::session::{block_on, client, zone};
use crate::names::{self, Wildcard};
use crate::ops::{self, Scope};
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard enable --zone example.com --scope zone\n  aop-wizard enable --zone example.com --scope hostname \\\n      --hostname app.example.com \\\n      --cert-id 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60\n  aop-wizard disable --zone example.com --scope global --dry-run\n\nBefore disabling, relax the origin first (snippet --phase log): an origin that still enforces\nrefuses every request once Cloudflare stops sending the certificate. `aop-wizard undo` turns\nAOP off only after probing that the origin no longer enforces."
)]
pub struct ToggleArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// global (Cloudflare's shared certificate), zone (your certificate, every hostname) or hostname (chosen hostnames)
    #[arg(long)]
    scope: Scope,
    /// Required with --scope hostname: a hostname to switch; repeat for several
    #[arg(long)]
    hostname: Vec<String>,
    /// Required with --scope hostname: the per-hostname certificate id (from `upload --hostname`)
    #[arg(long)]
    cert_id: Option<String>,
    /// Print the request instead of sending it
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(mut args: ToggleArgs, enable: bool, out: &mut dyn Write) -> Result<Outcome> {
    args.zone = names::zone(&args.zone)?;
    args.hostname = names::hostnames(&args.hostname, Wildcard::Allowed)?;
    if args.scope == Scope::Hostname && (args.hostname.is_empty() || args.cert_id.is_none()) {
        return Err(ops::OperationError::Missing(
            "--scope hostname needs --hostname NAME and --cert-id ID (the id `aop-wizard upload --hostname` printed)".into(),
        )
        .into());
    }
    let client = client()?;
    block_on(async {
        let zone = zone(&client, &args.zone).await?;
        let hostnames = ops::zone_hostnames(&client, &zone, &args.hostname).await?;
        let change = ops::switch_change(
            &zone.id,
            args.scope,
            enable,
            args.cert_id.as_deref(),
            &hostnames,
        )?;
        if args.dry_run {
            print_plan(out, &[client.shown(&change)], args.json)?;
            return Ok(Outcome::Success);
        }
        client.apply(&change).await?;
        if args.json {
            print_json(
                out,
                &serde_json::json!({
                    "zone": zone.name, "scope": args.scope.cli_name(), "enabled": enable,
                    "hostnames": args.hostname, "cert_id": args.cert_id,
                }),
            )?;
        } else {
            let what = match args.scope {
                Scope::Global => "Global AOP (Cloudflare's shared certificate)".to_string(),
                Scope::Zone => "Zone-level AOP".to_string(),
                Scope::Hostname => {
                    format!("Per-hostname AOP for {}", shown(args.hostname.join(", ")))
                }
            };
            writeln!(
                out,
                "{what} {} on {}",
                if enable { "enabled" } else { "disabled" },
                shown(&zone.name)
            )?;
            if enable && let Some(note) = args.scope.other_switches() {
                writeln!(out, "{note}")?;
            }
        }
        Ok(Outcome::Success)
    })?
}
