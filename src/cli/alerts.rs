//! `aop-wizard alerts list|create|delete --zone NAME`: the e-mails Cloudflare sends before a
//! custom AOP certificate expires (it never removes an expired one). Never a duplicate.

use std::io::Write;

use clap::{Args, Subcommand};
use color_eyre::eyre::Result;

use super::output::{Outcome, print_json, print_plan};
use super::session::{block_on, client, zone};
use crate::cloudflare::{Change, ensure_expiry_alert, existing_expiry_alert, expiry_alerts};
use crate::ops::{Scope, preview};
use crate::untrusted::shown;

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// The AOP expiry notification policies of the zone's account.
    #[command(
        after_help = "Examples:\n  aop-wizard alerts list --zone example.com\n  aop-wizard alerts list --zone example.com --json"
    )]
    List {
        /// The zone (domain) name
        #[arg(long)]
        zone: String,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// E-mail this address before a certificate expires (an identical policy is reused).
    #[command(
        after_help = "Examples:\n  aop-wizard alerts create --zone example.com --email ops@example.com\n  aop-wizard alerts create --zone example.com --email ops@example.com \\\n      --per-hostname\n  aop-wizard alerts create --zone example.com --email ops@example.com \\\n      --dry-run"
    )]
    Create(CreateArgs),
    /// Delete a policy by id (from `alerts list`).
    #[command(
        after_help = "Examples:\n  aop-wizard alerts delete --zone example.com --id 0da2b59e-…\n  aop-wizard alerts delete --zone example.com --id 0da2b59e-… --dry-run"
    )]
    Delete {
        /// The zone (domain) name
        #[arg(long)]
        zone: String,
        /// The policy's id (from `alerts list`)
        #[arg(long)]
        id: String,
        /// Print the request, change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// The address the alert e-mails
    #[arg(long)]
    email: String,
    /// For per-hostname certificates (default: zone-level certificates)
    #[arg(long)]
    per_hostname: bool,
    /// Print the request, or the policy already in place, change nothing
    #[arg(long)]
    dry_run: bool,
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
                let email = crate::names::email(&args.email)?;
                let zone = zone(&client, &args.zone).await?;
                if args.dry_run {
                    let existing =
                        existing_expiry_alert(&client, &zone.account.id, &email, args.per_hostname)
                            .await?;
                    match existing {
                        Some(id) => writeln!(
                            out,
                            "Dry run: nothing was changed. Policy {id} already e-mails {}, so none would be created.",
                            email
                        )?,
                        None => {
                            let scope = if args.per_hostname {
                                Scope::Hostname
                            } else {
                                Scope::Zone
                            };
                            let request = preview::expiry_alert(
                                &client,
                                &zone.account.id,
                                &zone.name,
                                &email,
                                scope,
                            );
                            print_plan(out, &[request], false)?;
                        }
                    }
                    return Ok(Outcome::Success);
                }
                let (id, created) = ensure_expiry_alert(
                    &client,
                    &zone.account.id,
                    &zone.name,
                    &email,
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
                    shown(&email)
                )?;
            }
            AlertsCommand::Delete {
                zone: name,
                id,
                dry_run,
            } => {
                let zone = zone(&client, &name).await?;
                if dry_run {
                    let request = client.shown(&Change::delete_alert_policy(&zone.account.id, &id));
                    print_plan(out, &[request], false)?;
                    return Ok(Outcome::Success);
                }
                client.delete_alert_policy(&zone.account.id, &id).await?;
                writeln!(out, "Deleted policy {}", shown(&id))?;
            }
        }
        Ok(Outcome::Success)
    })?
}
