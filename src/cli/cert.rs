//! `aop-wizard cert …`: generate a CA and a client certificate, inspect, check before upload.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, WrapErr};
use time::OffsetDateTime;

use super::output::{Outcome, Palette, print_json};
use crate::ops::certificate;
use crate::pki::{self, CertificateInfo, KeyType, OutputFile, cloudflare_ca};
use crate::untrusted::shown;

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Generate a private CA and a client certificate signed by it (ca.crt, ca.key, client.crt, client.key).
    #[command(
        after_help = "Examples:\n  aop-wizard cert generate --out ./aop\n  aop-wizard cert generate --out ./aop --key-type ecdsa-p256 \\\n      --ca-cn example.com --leaf-cn www.example.com\n  CA_PASS=... aop-wizard cert generate --out ./aop --ca-passphrase-env CA_PASS\n\nUpload client.crt and client.key to Cloudflare; put ca.crt on the origin. ca.key never leaves this machine."
    )]
    Generate(GenerateArgs),
    /// Show what a certificate file holds: subject, issuer, validity, key, fingerprint, usages.
    #[command(
        after_help = "Examples:\n  aop-wizard cert inspect ./aop/client.crt\n  aop-wizard cert inspect ./aop/ca.crt --json | jq .[0].days_left"
    )]
    Inspect {
        /// PEM file with one or more certificates
        file: PathBuf,
        /// Print JSON (a list, one entry per certificate)
        #[arg(long)]
        json: bool,
    },
    /// Find everything Cloudflare or an origin would object to before uploading (exit 3 when not uploadable).
    #[command(
        after_help = "Examples:\n  aop-wizard cert check --cert ./aop/client.crt --key ./aop/client.key\n  aop-wizard cert check --cert ./aop/client.crt --key ./aop/client.key \\\n      --ca ./aop/ca.crt --json"
    )]
    Check {
        /// The client (leaf) certificate to upload
        #[arg(long)]
        cert: PathBuf,
        /// Its private key
        #[arg(long)]
        key: PathBuf,
        /// The CA the origin will trust; checks that it signed the certificate
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print (or write) Cloudflare's CA for global Authenticated Origin Pulls, checked against its pinned fingerprint.
    #[command(
        name = "global-ca",
        after_help = "Examples:\n  aop-wizard cert global-ca \\\n      > /etc/ssl/cloudflare/cloudflare-origin-pull-ca.pem\n  aop-wizard cert global-ca --out /etc/ssl/cloudflare"
    )]
    GlobalCa {
        /// Directory to write cloudflare-origin-pull-ca.pem into, instead of printing it
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory for ca.crt, ca.key, client.crt, client.key (created when missing)
    #[arg(long)]
    out: PathBuf,
    /// rsa-4096 (as Cloudflare's recipe), rsa-2048 or ecdsa-p256 (instant)
    #[arg(long, default_value = "rsa-4096")]
    key_type: KeyType,
    /// The zone the certificates are for: names them as setup and the wizard do
    #[arg(long)]
    zone: Option<String>,
    /// Common name of the CA (default: "ZONE origin pull CA DATE TIME")
    #[arg(long)]
    ca_cn: Option<String>,
    /// Common name of the client certificate (default: "ZONE origin pull client")
    #[arg(long)]
    leaf_cn: Option<String>,
    /// Days the CA is valid (1 to 36525)
    #[arg(long, default_value_t = certificate::CA_DAYS, allow_negative_numbers = true, value_parser = super::bounds::certificate_days)]
    ca_days: u32,
    /// Days the client certificate is valid, 1 to 36525 (never past the CA's end)
    #[arg(long, default_value_t = certificate::LEAF_DAYS, allow_negative_numbers = true, value_parser = super::bounds::certificate_days)]
    leaf_days: u32,
    /// Encrypt ca.key with the passphrase in this environment variable (PKCS#8, AES-256)
    #[arg(long, value_name = "VAR")]
    ca_passphrase_env: Option<String>,
    /// Replace existing files
    #[arg(long)]
    force: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(command: CertCommand, out: &mut dyn Write) -> Result<Outcome> {
    match command {
        CertCommand::Generate(args) => generate(args, out),
        CertCommand::Inspect { file, json } => inspect(&file, json, out),
        CertCommand::Check {
            cert,
            key,
            ca,
            json,
        } => check(&cert, &key, ca.as_deref(), json, out),
        CertCommand::GlobalCa { out: dir, force } => global_ca(dir, force, out),
    }
}

fn generate(args: GenerateArgs, out: &mut dyn Write) -> Result<Outcome> {
    let passphrase = args
        .ca_passphrase_env
        .as_deref()
        .map(certificate::new_key_passphrase_from_env)
        .transpose()?;
    let now = OffsetDateTime::now_utc();
    let zone = args.zone.as_deref().map(crate::names::zone).transpose()?;
    let zone = zone.as_deref();
    let ca_spec = certificate::ca_spec(
        args.ca_cn
            .unwrap_or_else(|| certificate::ca_common_name(zone, now)),
        args.ca_days,
        now,
    )?;
    let leaf_spec = certificate::leaf_spec(
        args.leaf_cn
            .unwrap_or_else(|| certificate::leaf_common_name(zone)),
        args.leaf_days,
        now,
    )?;
    let set = pki::generate_ca_and_leaf(args.key_type, &ca_spec, &leaf_spec)?;
    let files = set.write(
        &args.out,
        passphrase.as_ref().map(pki::Passphrase::expose),
        args.force,
    )?;
    let written = [
        &files.ca_cert,
        &files.ca_key,
        &files.client_cert,
        &files.client_key,
    ];
    let leaf =
        pki::inspect_certificate(&set.leaf.cert_der, now).map_err(color_eyre::eyre::Report::msg)?;
    if args.json {
        print_json(
            out,
            &serde_json::json!({
                "key_type": args.key_type,
                "ca_key_encrypted": passphrase.is_some(),
                "files": files,
                "client_certificate": leaf,
            }),
        )?;
    } else {
        let palette = Palette::for_stdout();
        writeln!(
            out,
            "{} Generated CA and client certificate ({})",
            palette.good("✓"),
            args.key_type
        )?;
        for (path, role) in written.iter().zip([
            "CA certificate: goes on the origin",
            if passphrase.is_some() {
                "CA key (encrypted, 0600): never leaves this machine"
            } else {
                "CA key (0600): never leaves this machine"
            },
            "client certificate: upload to Cloudflare",
            "client key (0600): upload to Cloudflare",
        ]) {
            writeln!(out, "  {:<40} {}", shown(path.display()), palette.dim(role))?;
        }
        writeln!(
            out,
            "  client certificate valid until {} ({} days), SHA-256 {}",
            leaf.not_after.date(),
            leaf.days_left,
            leaf.fingerprint_sha256
        )?;
    }
    Ok(Outcome::Success)
}

fn inspect(file: &std::path::Path, json: bool, out: &mut dyn Write) -> Result<Outcome> {
    let now = OffsetDateTime::now_utc();
    let infos: Vec<CertificateInfo> = pki::load_certificates(file)?
        .iter()
        .map(|der| pki::inspect_certificate(der, now))
        .collect::<Result<_, _>>()
        .map_err(color_eyre::eyre::Report::msg)
        .wrap_err_with(|| format!("{}", file.display()))?;
    if json {
        print_json(out, &infos)?;
        return Ok(Outcome::Success);
    }
    for (index, info) in infos.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_certificate(out, info)?;
    }
    Ok(Outcome::Success)
}

fn write_certificate(out: &mut dyn Write, info: &CertificateInfo) -> Result<()> {
    let rows: [(&str, String); 11] = [
        ("Subject", info.subject.clone()),
        ("Issuer", info.issuer.clone()),
        (
            "Kind",
            format!(
                "{}{}",
                info.kind(),
                if info.self_signed {
                    " (self-signed)"
                } else {
                    ""
                }
            ),
        ),
        ("Serial", info.serial.clone()),
        ("Valid", info.validity_text()),
        ("Days left", info.days_left.to_string()),
        ("Key", info.key.to_string()),
        ("Signature", info.signature_algorithm.clone()),
        ("SHA-256", info.fingerprint_sha256.clone()),
        ("Key usage", join_or_none(&info.key_usages)),
        ("Ext. key usage", join_or_none(&info.extended_key_usages)),
    ];
    // Every value but the dates and counts comes from the file.
    for (label, value) in rows {
        writeln!(out, "{label:<15} {}", shown(value))?;
    }
    if !info.subject_alt_names.is_empty() {
        writeln!(
            out,
            "{:<15} {}",
            "Names",
            shown(info.subject_alt_names.join(", "))
        )?;
    }
    Ok(())
}

fn join_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn check(
    cert: &std::path::Path,
    key: &std::path::Path,
    ca: Option<&std::path::Path>,
    json: bool,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let report = pki::check_client_certificate(cert, key, ca, OffsetDateTime::now_utc())?;
    let outcome = if report.uploadable() {
        Outcome::Success
    } else {
        Outcome::NeedsAction
    };
    if json {
        print_json(
            out,
            &serde_json::json!({
                "uploadable": report.uploadable(),
                "problems": report.problems,
                "certificate": report.certificate,
            }),
        )?;
        return Ok(outcome);
    }
    let palette = Palette::for_stdout();
    let info = &report.certificate;
    if report.uploadable() {
        writeln!(
            out,
            "{} {} is ready to upload: {} leaf, {}, valid until {} ({} days left)",
            palette.good("✓"),
            shown(cert.display()),
            shown(&info.key),
            shown(info.extended_key_usages.join("+")),
            info.not_after.date(),
            info.days_left
        )?;
    } else {
        writeln!(
            out,
            "{} {} is not ready to upload:",
            palette.bad("✗"),
            shown(cert.display())
        )?;
        for problem in &report.problems {
            writeln!(out, "  - {}", shown(&problem.message))?;
        }
    }
    Ok(outcome)
}

fn global_ca(dir: Option<PathBuf>, force: bool, out: &mut dyn Write) -> Result<Outcome> {
    cloudflare_ca::der().map_err(color_eyre::eyre::Report::msg)?;
    match dir {
        None => out.write_all(cloudflare_ca::PEM.as_bytes())?,
        Some(dir) => {
            let file = OutputFile {
                name: cloudflare_ca::FILE_NAME.into(),
                contents: cloudflare_ca::PEM.into(),
                secret: false,
            };
            let written = pki::write_files_atomically(&dir, &[file], force)?;
            writeln!(
                out,
                "wrote {} (SHA-256 {})",
                shown(written[0].display()),
                cloudflare_ca::SHA256_FINGERPRINT
            )?;
        }
    }
    Ok(Outcome::Success)
}
