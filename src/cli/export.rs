//! `aop-wizard export terraform --zone NAME`: what exists, as Terraform, to hand over to IaC.

use std::io::Write;

use clap::{Args, Subcommand};
use color_eyre::eyre::Result;

use super::output::Outcome;
use super::session::{block_on, client, zone};
use crate::cloudflare::{CertificateScope, HOSTNAME_CERT_EXPIRY_ALERT, ZONE_CERT_EXPIRY_ALERT};
use crate::terraform::{ZoneAop, render};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print Terraform (Cloudflare provider v5) for the zone's AOP, with `terraform import` commands.
    #[command(after_help = "Examples:
  aop-wizard export terraform --zone example.com > aop.tf
  terraform import … (the commands at the end of the output adopt what exists)

Certificates are written inline (they are public); each private key is a sensitive variable,
because Cloudflare never returns it and it never belongs in a .tf file.")]
    Terraform(TerraformArgs),
}

#[derive(Debug, Args)]
pub struct TerraformArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
}

pub fn run(command: ExportCommand, out: &mut dyn Write) -> Result<Outcome> {
    let ExportCommand::Terraform(args) = command;
    let client = client()?;
    let aop = block_on(async {
        let zone = zone(&client, &args.zone).await?;
        let hostname_certificates = client
            .list_certificates(CertificateScope::Hostname, &zone.id)
            .await?;
        // The same hostnames `status` and `undo` look at, custom hostnames included.
        let survey = crate::ops::survey_associations(&client, &zone.id, &[]).await?;
        let associations = survey
            .associations
            .into_iter()
            .filter_map(|a| Some((a.hostname, a.cert_id?, a.enabled?)))
            .collect();
        let alert_policies = client
            .alert_policies(&zone.account.id)
            .await?
            .into_iter()
            .filter(|p| {
                [ZONE_CERT_EXPIRY_ALERT, HOSTNAME_CERT_EXPIRY_ALERT]
                    .contains(&p.alert_type.as_str())
            })
            .filter(|p| {
                let zones = p.filters.as_ref().and_then(|f| f["zones"].as_array());
                zones.is_none_or(|zones| zones.iter().any(|z| z.as_str() == Some(zone.id.as_str())))
            })
            .collect();
        Ok::<_, color_eyre::Report>((
            survey.unchecked,
            ZoneAop {
                global_aop: client.global_aop(&zone.id).await?,
                zone_level_enabled: client.zone_aop_enabled(&zone.id).await?,
                zone_certificates: client
                    .list_certificates(CertificateScope::Zone, &zone.id)
                    .await?,
                hostname_certificates,
                associations,
                alert_policies,
                account_id: zone.account.id.clone(),
                zone_id: zone.id,
                zone: zone.name,
            },
        ))
    })??;
    let (unchecked, aop) = aop;
    out.write_all(render(&aop).as_bytes())?;
    // An export that may miss an association is said to be incomplete, never passed as whole.
    if unchecked.is_empty() {
        return Ok(Outcome::Success);
    }
    let mut stderr = super::output::stderr();
    for what in &unchecked {
        writeln!(stderr, "not exported, could not be read: {what}")?;
    }
    Ok(Outcome::NeedsAction)
}
