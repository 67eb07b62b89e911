//! `aop-wizard enable|disable --zone NAME --scope global|zone|hostname`: the scope's own switch
//! only; the three scopes are independent on Cloudflare.

use std::io::Write;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, bail};

use super::output::{Outcome, finish_dry_run, print_json};
use super::session::{block_on, client, zone};
use crate::cloudflare::{HostnameConfig, HostnameEnablement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// Cloudflare's shared certificate for the whole zone
    Global,
    /// Your uploaded certificate for the whole zone
    Zone,
    /// Your uploaded certificate for chosen hostnames
    Hostname,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard enable --zone example.com --scope zone\n  aop-wizard enable --zone example.com --scope hostname --hostname app.example.com --cert-id 2458ce5a-0c35-4c7f-82c7-8e9487d3ff60\n  aop-wizard disable --zone example.com --scope global --dry-run\n\nBefore disabling, relax the origin first (snippet --phase log): an origin that still enforces\nrefuses every request once Cloudflare stops sending the certificate."
)]
pub struct ToggleArgs {
    #[arg(long)]
    zone: String,
    #[arg(long, value_enum)]
    scope: Scope,
    /// With --scope hostname; repeat for several
    #[arg(long)]
    hostname: Vec<String>,
    /// With --scope hostname: the per-hostname certificate id (from `upload --hostname`)
    #[arg(long)]
    cert_id: Option<String>,
    /// Print the request instead of sending it
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: ToggleArgs, enable: bool, out: &mut dyn Write) -> Result<Outcome> {
    if args.scope == Scope::Hostname && (args.hostname.is_empty() || args.cert_id.is_none()) {
        bail!(
            "--scope hostname needs --hostname NAME and --cert-id ID (the id `aop-wizard upload --hostname` printed)"
        );
    }
    let client = client()?;
    let acting = client.for_changes(args.dry_run);
    block_on(async {
        let zone = zone(&client, &args.zone).await?;
        let result = match args.scope {
            Scope::Global => acting
                .set_global_aop(&zone.id, enable)
                .await
                .map(|on| serde_json::json!({ "global": on })),
            Scope::Zone => acting
                .set_zone_aop_enabled(&zone.id, enable)
                .await
                .map(|on| serde_json::json!({ "zone_level": on })),
            Scope::Hostname => {
                let cert_id = args.cert_id.clone().unwrap_or_default();
                let enablement = if enable {
                    HostnameEnablement::Enable
                } else {
                    HostnameEnablement::Disable
                };
                let config: Vec<HostnameConfig> = args
                    .hostname
                    .iter()
                    .map(|h| HostnameConfig::new(h.as_str(), cert_id.as_str(), enablement))
                    .collect();
                acting
                    .set_hostname_associations(&zone.id, &config)
                    .await
                    .map(|list| serde_json::json!({ "hostnames": list }))
            }
        };
        let Some(state) = finish_dry_run(result, &acting, args.json, out)? else {
            return Ok(Outcome::Success);
        };
        if args.json {
            print_json(
                out,
                &serde_json::json!({ "zone": zone.name, "enabled": enable, "result": state }),
            )?;
        } else {
            let what = match args.scope {
                Scope::Global => "Global AOP (Cloudflare's shared certificate)".to_string(),
                Scope::Zone => "Zone-level AOP".to_string(),
                Scope::Hostname => format!("Per-hostname AOP for {}", args.hostname.join(", ")),
            };
            writeln!(
                out,
                "{what} {} on {}",
                if enable { "enabled" } else { "disabled" },
                zone.name
            )?;
        }
        Ok(Outcome::Success)
    })?
}
