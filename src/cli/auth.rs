//! `aop-wizard auth login|status|logout`: the API token in the OS keyring, verified before it is
//! stored; `CLOUDFLARE_API_TOKEN` overrides it.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail};

use super::output::{Outcome, Palette, print_json};
use super::session::{self, block_on, client_with, credentials};
use crate::cloudflare::{ApiToken, Client, probe_permissions};
use crate::ops;
use crate::token_store;

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Verify an API token and keep it in the OS keyring.
    #[command(
        after_help = "Examples:\n  aop-wizard auth login                      # type the token (not echoed)\n  echo \"$TOKEN\" | aop-wizard auth login --with-token\n\nCreate the token at dash.cloudflare.com → My Profile → API Tokens with Zone:Read,\nZone Settings:Edit, SSL and Certificates:Edit (zone) and Notifications:Edit (account)."
    )]
    Login(LoginArgs),
    /// Which token is in use, and which permissions it has on a zone.
    #[command(
        after_help = "Examples:\n  aop-wizard auth status\n  aop-wizard auth status --zone example.com --json\n  aop-wizard auth status --zone example.com --probe-writes\n\nThe token is checked with Cloudflare first. Exit codes: 0 it works (with --zone: every permission\nprobed is there), 3 a permission is missing, 4 Cloudflare refuses the token, the token cannot see\nthe zone, or Cloudflare did not answer."
    )]
    Status(StatusArgs),
    /// Remove the token from the OS keyring.
    #[command(after_help = "Example:\n  aop-wizard auth logout")]
    Logout,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read the token from standard input instead of prompting
    #[arg(long)]
    with_token: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Probe the token's permissions on this zone
    #[arg(long)]
    zone: Option<String>,
    /// Also probe edit rights, by writing back the SSL mode and zone-level AOP values the zone
    /// already has (nothing changes)
    #[arg(long, requires = "zone")]
    probe_writes: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(command: AuthCommand, out: &mut dyn Write) -> Result<Outcome> {
    match command {
        AuthCommand::Login(args) => login(args, out),
        AuthCommand::Status(args) => status(args, out),
        AuthCommand::Logout => {
            let removed = token_store::delete()?;
            writeln!(
                out,
                "{}",
                if removed {
                    "Token removed from the OS keyring."
                } else {
                    "No token was stored in the OS keyring."
                }
            )?;
            if std::env::var_os(token_store::TOKEN_ENV).is_some() {
                writeln!(
                    out,
                    "{} is still set in this environment and keeps being used.",
                    token_store::TOKEN_ENV
                )?;
            }
            Ok(Outcome::Success)
        }
    }
}

fn read_token(with_token: bool) -> Result<ApiToken> {
    let token = if with_token || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        ApiToken::new(line)
    } else {
        ApiToken::new(rpassword::prompt_password(
            "Cloudflare API token (input hidden): ",
        )?)
    };
    if token.is_empty() {
        bail!("no token given; create one at dash.cloudflare.com → My Profile → API Tokens");
    }
    Ok(token)
}

fn login(args: LoginArgs, out: &mut dyn Write) -> Result<Outcome> {
    let token = read_token(args.with_token)?;
    block_on(ops::verified_client(
        &Client::base_url_from_env(),
        token.clone(),
    ))??;
    let backend = token_store::save(&token)?;
    writeln!(
        out,
        "{} Token verified and saved in the {backend}.",
        Palette::for_stdout().good("✓")
    )?;
    writeln!(
        out,
        "Next: aop-wizard auth status --zone YOUR-ZONE (checks its permissions)"
    )?;
    Ok(Outcome::Success)
}

fn status(args: StatusArgs, out: &mut dyn Write) -> Result<Outcome> {
    let (credentials, source) = credentials()?;
    let client = client_with(credentials)?;
    let checks = block_on(async {
        // Where the token came from says nothing about whether it works: Cloudflare is asked.
        // Only Cloudflare's refusal blames the credentials; no answer is no verdict on them.
        match ops::verify_credentials(&client).await {
            Err(ops::OperationError::Cloudflare(error)) if error.is_auth() => {
                return Err(color_eyre::Report::new(error)
                    .wrap_err(format!("the credentials from {source} do not work")));
            }
            other => other?,
        }
        let Some(zone) = &args.zone else {
            return Ok(Vec::new());
        };
        let zone = &crate::names::zone(zone)?;
        // A zone the token cannot see (a typo, or outside the token's scope) ends here, like
        // every command given that zone, rather than as permissions probed on nothing.
        session::zone(&client, zone).await?;
        Ok::<_, color_eyre::Report>(probe_permissions(&client, zone, args.probe_writes).await)
    })??;
    let missing = checks.iter().any(|c| c.granted == Some(false));
    if args.json {
        print_json(
            out,
            &serde_json::json!({ "source": source, "keyring": token_store::backend_name(), "zone": args.zone, "permissions": checks }),
        )?;
    } else {
        let palette = Palette::for_stdout();
        writeln!(
            out,
            "{} Credentials from {source}, verified with Cloudflare",
            palette.good("✓")
        )?;
        for check in &checks {
            let mark = match check.granted {
                Some(true) => palette.good("✓"),
                Some(false) => palette.bad("✗"),
                None => palette.dim("?"),
            };
            writeln!(out, "  {mark} {}", check.permission)?;
        }
        if checks.iter().any(|c| c.granted.is_none()) {
            writeln!(
                out,
                "{}",
                palette.dim("? = not probed; --probe-writes checks edit rights by writing back the current values")
            )?;
        }
        if args.zone.is_none() {
            writeln!(
                out,
                "Pass --zone NAME to check the token's permissions on a zone."
            )?;
        }
    }
    Ok(if missing {
        Outcome::NeedsAction
    } else {
        Outcome::Success
    })
}
