//! `aop-wizard alerts list|create|delete --zone NAME`: the e-mails Cloudflare sends before a
//! custom AOP certificate expires (it never removes an expired one). Never a duplicate.

use std::io::Write;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail};

use super::output::{Outcome, print_json};
use super::session::{block_on, client, zone};
use crate::cloudflare::{ensure_expiry_alert, expiry_alerts};
use crate::untrusted::shown;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// The AOP expiry notification policies of the zone's account.
    #[command(
        after_help = "Examples:\n  aop-wizard alerts list --zone example.com\n  aop-wizard alerts list --zone example.com --json"
    )]
    List {
        #[arg(long)]
        zone: String,
        #[arg(long)]
        json: bool,
    },
    /// E-mail this address before a certificate expires (an identical policy is reused).
    #[command(
        after_help = "Examples:\n  aop-wizard alerts create --zone example.com --email ops@example.com\n  aop-wizard alerts create --zone example.com --email ops@example.com --per-hostname"
    )]
    Create(CreateArgs),
    /// Delete a policy by id (from `alerts list`).
    #[command(
        after_help = "Example:\n  aop-wizard alerts delete --zone example.com --id 0da2b59e-…"
    )]
    Delete {
        #[arg(long)]
        zone: String,
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    zone: String,
    #[arg(long)]
    email: String,
    /// For per-hostname certificates (default: zone-level certificates)
    #[arg(long)]
    per_hostname: bool,
}

pub fn run(command: AlertsCommand, out: &mut dyn Write) -> Result<Outcome> {
    let client = client()?;
    block_on(async {
        match command {
            AlertsCommand::List { zone: name, json } => {
                let zone = zone(&client, &name).await?;
                let policies = expiry_alerts(&client, &zone.account.id).await?;
                if json {
                    print_json(out, &policies)?;
                } else if policies.is_empty() {
                    writeln!(
                        out,
                        "No AOP expiry alert: create one with aop-wizard alerts create --zone {} --email ADDRESS",
                        shown(&name)
                    )?;
                }
                if !json {
                    for policy in &policies {
                        writeln!(
                            out,
                            "{}  {}  {}  {}",
                            shown(&policy.id),
                            shown(&policy.alert_type),
                            shown(
                                policy.mechanisms["email"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|m| m["id"].as_str())
                                    .collect::<Vec<_>>()
                                    .join(",")
                            ),
                            shown(&policy.name)
                        )?;
                    }
                }
            }
            AlertsCommand::Create(args) => {
                if !args.email.contains('@') {
                    bail!("\"{}\" is not an e-mail address", shown(&args.email));
                }
                let zone = zone(&client, &args.zone).await?;
                let (id, created) = ensure_expiry_alert(
                    &client,
                    &zone.account.id,
                    &zone.name,
                    &args.email,
                    args.per_hostname,
                )
                .await?;
                let verb = if created {
                    "Created"
                } else {
                    "Already in place:"
                };
                writeln!(
                    out,
                    "{verb} policy {} e-mails {}",
                    shown(&id),
                    shown(&args.email)
                )?;
            }
            AlertsCommand::Delete { zone: name, id } => {
                let zone = zone(&client, &name).await?;
                client.delete_alert_policy(&zone.account.id, &id).await?;
                writeln!(out, "Deleted policy {}", shown(&id))?;
            }
        }
        Ok(Outcome::Success)
    })?
}
