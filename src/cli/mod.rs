//! The scriptable face: one file per subcommand, tables for people and `--json` for machines.
//! Only this module prints to stdout.

mod alerts;
mod auth;
mod bounds;
mod cert;
mod doctor;
mod enable;
mod evidence;
mod expiry;
mod export;
mod fake_api;
mod output;
mod procedure;
mod rotate;
mod session;
mod setup;
mod snippet;
mod ssl_mode;
mod status;
mod undo;
mod upload;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use color_eyre::eyre::Result;

pub use output::Outcome;

const AFTER_HELP: &str = "\
Examples:
  aop-wizard                      # the wizard: first-time set-up, step by step
  aop-wizard --demo               # the wizard with a fake Cloudflare and origin
  aop-wizard cert generate --out ./aop --key-type ecdsa-p256
  aop-wizard cert check --cert ./aop/client.crt --key ./aop/client.key \\
      --ca ./aop/ca.crt
  aop-wizard snippet nginx --phase log --ca /etc/nginx/aop/ca.crt

Exit codes: 0 success, 1 error (bad input, I/O), 2 usage (incl. a missing argument), 3 needs action
(a check found problems), 4 Cloudflare API, network or authentication failure.
AOP_WIZARD_API_TIMEOUT: seconds one call to Cloudflare may take with its retries (default 60).";

#[derive(Debug, Parser)]
#[command(
    name = "aop-wizard",
    version,
    about = "Set up, prove and rotate Cloudflare Authenticated Origin Pulls (mTLS from Cloudflare to your origin)",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Run the wizard against a fake Cloudflare and a local origin, on loopback, with no account
    #[arg(long)]
    pub demo: bool,
    /// Without a subcommand: the interactive wizard.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate, inspect and check certificates.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Print the origin configuration for a web server, in the log or the enforce phase.
    Snippet(snippet::SnippetArgs),
    /// Store, check or remove the Cloudflare API token (OS keyring; CLOUDFLARE_API_TOKEN overrides).
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// The whole set-up without a screen: certificate, upload, origin snippets, enable, proof, enforce, alert.
    Setup(setup::SetupArgs),
    /// Show SSL mode, AOP switches, certificates and hostnames of a zone.
    Status(status::StatusArgs),
    /// Read or set the zone's SSL/TLS mode (AOP needs Full or higher).
    SslMode(ssl_mode::SslModeArgs),
    /// Upload a client certificate (zone-level or per-hostname), checked first and never twice.
    Upload(upload::UploadArgs),
    /// Turn Authenticated Origin Pulls on for a scope.
    Enable(enable::ToggleArgs),
    /// Turn Authenticated Origin Pulls off for a scope (relax the origin first).
    Disable(enable::ToggleArgs),
    /// List, create (never twice) or delete the e-mails sent before a certificate expires.
    #[command(subcommand)]
    Alerts(alerts::AlertsCommand),
    /// Exit 3 when a certificate expires within the window (for cron and monitoring).
    CheckExpiry(expiry::ExpiryArgs),
    /// Probe origins directly: refused without the right client certificate, served with it.
    Verify(verify::VerifyArgs),
    /// Read the origin's access log: does every request from Cloudflare carry a verified certificate?
    Evidence(evidence::EvidenceArgs),
    /// Replace the client certificate with a new one, never leaving Cloudflare without an active one.
    Rotate(rotate::RotateArgs),
    /// Turn AOP off in the safe order: origin relaxed and proven first, then Cloudflare.
    Undo(undo::UndoArgs),
    /// Hand what exists over to infrastructure as code.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Run the project's fake Cloudflare API on 127.0.0.1 to try the CLI without an account.
    FakeApi(fake_api::FakeApiArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  aop-wizard completions bash > /etc/bash_completion.d/aop-wizard\n  aop-wizard completions zsh > \"${fpath[1]}/_aop-wizard\""
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  aop-wizard man > /usr/local/share/man/man1/aop-wizard.1")]
    Man,
    /// Per hostname: what Cloudflare presents beside what the origin asks for, and what a proxied request will do.
    Doctor(doctor::DoctorArgs),
}

pub fn main() -> ExitCode {
    let _ = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install();
    let cli = Cli::parse();
    let mut stdout = output::PipeSafe::new(std::io::stdout().lock());
    match run(cli, &mut stdout) {
        Ok(outcome) => outcome.exit_code(),
        Err(report) => {
            // Errors echo what files, Cloudflare and origins said: never raw onto the terminal.
            let _ = writeln!(
                output::stderr(),
                "error: {}",
                crate::untrusted::shown(format!("{report:#}"))
            );
            output::exit_code_for(&report)
        }
    }
}

pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> Result<Outcome> {
    let Some(command) = cli.command else {
        return Ok(match crate::tui::run(cli.demo)? {
            None => Outcome::Success,
            Some(signal) => Outcome::EndedBy(signal),
        });
    };
    if cli.demo {
        color_eyre::eyre::bail!(
            "--demo runs the wizard; to try a subcommand without an account, start `aop-wizard fake-api` and follow what it prints"
        );
    }
    match command {
        Command::Cert(command) => cert::run(command, out),
        Command::Snippet(args) => snippet::run(args, out),
        Command::Auth(command) => auth::run(command, out),
        Command::Setup(args) => setup::run(args, out),
        Command::Status(args) => status::run(args, out),
        Command::SslMode(args) => ssl_mode::run(args, out),
        Command::Upload(args) => upload::run(args, out),
        Command::Enable(args) => enable::run(args, true, out),
        Command::Disable(args) => enable::run(args, false, out),
        Command::Verify(args) => verify::run(args, out),
        Command::Evidence(args) => evidence::run(args, out),
        Command::Alerts(command) => alerts::run(command, out),
        Command::CheckExpiry(args) => expiry::run(args, out),
        Command::Rotate(args) => rotate::run(args, out),
        Command::Undo(args) => undo::run(args, out),
        Command::Export(command) => export::run(command, out),
        Command::FakeApi(args) => fake_api::run(args, out),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "aop-wizard", out);
            Ok(Outcome::Success)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
            Ok(Outcome::Success)
        }
        Command::Doctor(args) => doctor::run(args, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--help` of every subcommand ends with examples.
    #[test]
    fn every_subcommand_has_examples() {
        fn visit(command: &clap::Command, path: &str) {
            for sub in command.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.has_subcommands() {
                    visit(sub, &name);
                } else {
                    let help = sub
                        .get_after_help()
                        .map(|h| h.to_string())
                        .unwrap_or_default();
                    assert!(help.contains("Example"), "{name} has no examples");
                    // Wider, an 80-column terminal's help would cut a command where a paste
                    // then breaks it: longer ones go on with a backslash.
                    for line in help.lines().filter(|l| l.starts_with("  aop-wizard")) {
                        assert!(line.chars().count() <= 80, "{name}: {line}");
                    }
                    for arg in sub.get_arguments() {
                        let id = arg.get_id().as_str();
                        assert!(
                            arg.get_help().is_some() || ["help", "version"].contains(&id),
                            "{name} --{id} says nothing of itself"
                        );
                    }
                }
            }
        }
        Cli::command().debug_assert();
        visit(&Cli::command(), "aop-wizard");
    }
}
