//! `aop-wizard ssl-mode --zone NAME [--set full|strict]`: AOP needs Full or higher.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::Result;

use super::output::{Outcome, print_json, print_plan};
use super::session::{block_on, client, zone};
use crate::cloudflare::SslMode;
use crate::ops;
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard ssl-mode --zone example.com\n  aop-wizard ssl-mode --zone example.com --set strict --dry-run\n  aop-wizard ssl-mode --zone example.com --set strict"
)]
pub struct SslModeArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// full, or strict (Full (strict): the origin certificate is validated too)
    #[arg(long, value_parser = ["full", "strict"])]
    set: Option<String>,
    /// Print the request instead of sending it
    #[arg(long, requires = "set")]
    dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: SslModeArgs, out: &mut dyn Write) -> Result<Outcome> {
    let client = client()?;
    block_on(async {
        let zone = zone(&client, &args.zone).await?;
        let before = client.ssl_mode(&zone.id).await?;
        let automatic = client
            .ssl_automatic_mode(&zone.id)
            .await
            .unwrap_or_else(|_| "unknown".into());
        let mut after = before.clone();
        if let Some(wanted) = &args.set {
            let wanted = SslMode::parse(wanted);
            if wanted != before && args.dry_run {
                let shown = ops::preview::ssl_mode(&client, &zone.id, &wanted);
                print_plan(out, &[shown], args.json)?;
                return Ok(Outcome::Success);
            }
            if wanted != before {
                after = client.set_ssl_mode(&zone.id, &wanted).await?;
            }
        }
        let outcome = if after.supports_aop() {
            Outcome::Success
        } else {
            Outcome::NeedsAction
        };
        if args.json {
            print_json(
                out,
                &serde_json::json!({
                    "zone": zone.name, "ssl_mode": after.api_value(), "previous": before.api_value(),
                    "automatic_mode": automatic, "allows_aop": after.supports_aop(),
                }),
            )?;
        } else if after != before {
            writeln!(
                out,
                "SSL/TLS mode of {}: {} → {}",
                shown(&zone.name),
                before.label(),
                after.label()
            )?;
        } else if after.supports_aop() {
            writeln!(
                out,
                "SSL/TLS mode of {}: {} (automatic mode: {}); Authenticated Origin Pulls can work",
                shown(&zone.name),
                after.label(),
                shown(&automatic)
            )?;
        } else {
            writeln!(
                out,
                "SSL/TLS mode of {}: {}: Cloudflare does not open TLS to the origin, so AOP cannot work. Fix: aop-wizard ssl-mode --zone {} --set strict",
                shown(&zone.name),
                after.label(),
                shown(&zone.name)
            )?;
        }
        Ok(outcome)
    })?
}
