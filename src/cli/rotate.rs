//! `aop-wizard rotate --zone NAME [--hostname H] [--new-ca] [--yes]`: a new client certificate
//! in place of the current one, with Cloudflare never presenting nothing. Resumes a rotation
//! that stopped (a crash, a kill, an origin that was not ready) from where it stopped.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, bail};

use super::output::{self, Outcome, Palette, Progress, confirmed, print_json};
use super::procedure::{EdgeArgs, PaceArgs, data_dir, human_on_terminal, interrupted, show_event};
use super::session::{block_on, client};
use crate::names::{self, Wildcard};
use crate::ops::{OriginCheck, certificate};
use crate::pki::KeyType;
use crate::probe::parse_origin;
use crate::rotation::{self, Event, Finish, Rotation, RotationRequest, RotationStore};
use crate::snippets::{ServerVersion, SnippetPhase, WebServer};
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard rotate --zone example.com --ca-cert ./aop/ca.crt \\
      --ca-key ./aop/ca.key --origin 203.0.113.10
  aop-wizard rotate --zone example.com --hostname app.example.com \\
      --ca-cert ./aop/ca.crt --ca-key ./aop/ca.key
  aop-wizard rotate --zone example.com --new-ca --origin 203.0.113.10 \\
      --server nginx --origin-ca-path /etc/nginx/aop/ca.crt
  aop-wizard rotate --zone example.com          # resume a rotation that stopped
  aop-wizard rotate --zone example.com --abort  # back to the old certificate

Order: the new certificate is written (signed by the same CA when its key is at hand and it is not
expiring, else by a new CA); the origin is proven to accept it (with a new CA: and still the old
one, after you install the two-CA snippet rotate writes); it is uploaded; rotate waits until it is
active, re-points the hostnames (per-hostname), checks a request through Cloudflare, and only then
deletes the old certificate. With a new CA it writes the single-CA snippet last.
Each stage is saved in the data directory; running the same command again continues.
Exit codes: 0 rotated, 3 the origin or the request through Cloudflare needs you (run again after),
4 Cloudflare API failure.")]
pub struct RotateArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// Rotate this hostname's per-hostname certificate (and every hostname sharing it)
    #[arg(long)]
    hostname: Option<String>,
    /// Make a new CA even when the current one could sign the new certificate
    #[arg(long)]
    new_ca: bool,
    /// The CA that signed the current certificate
    #[arg(long, value_name = "PATH", requires = "ca_key")]
    ca_cert: Option<PathBuf>,
    /// Its private key (stays on this machine)
    #[arg(long, value_name = "PATH", requires = "ca_cert")]
    ca_key: Option<PathBuf>,
    /// The CA key's passphrase is in this environment variable
    #[arg(long, value_name = "VAR")]
    ca_passphrase_env: Option<String>,
    /// The current client certificate and key, to prove the origin still accepts it (default: client.crt beside the CA when it matches)
    #[arg(long, value_name = "PATH", requires = "old_key")]
    old_cert: Option<PathBuf>,
    /// The private key of --old-cert
    #[arg(long, value_name = "PATH", requires = "old_cert")]
    old_key: Option<PathBuf>,
    /// Directory for the new files (default: rotated-DATE beside the CA)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Key type of the new certificate: rsa-4096, rsa-2048 or ecdsa-p256
    #[arg(long, default_value = "ecdsa-p256")]
    key_type: KeyType,
    /// Days the new client certificate is valid (1 to 36525)
    #[arg(long, default_value_t = certificate::LEAF_DAYS, allow_negative_numbers = true, value_parser = super::bounds::certificate_days)]
    leaf_days: u32,
    /// Days a new CA is valid (1 to 36525)
    #[arg(long, default_value_t = certificate::CA_DAYS, allow_negative_numbers = true, value_parser = super::bounds::certificate_days)]
    ca_days: u32,
    /// Origin address to prove (IP or IP:PORT); repeat for several. Required when the CA changes
    #[arg(long = "origin", value_name = "ADDR")]
    origins: Vec<String>,
    /// Hostname for the probe and the request through Cloudflare (default: the rotated hostnames); repeat for several
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,
    /// The origin's web server, for the snippets: nginx, apache, haproxy, traefik or caddy
    #[arg(long, default_value = "nginx")]
    server: WebServer,
    /// Version of the web server on the origin (matters for Caddy: 2.8 introduced trust_pool)
    #[arg(long, value_name = "VERSION")]
    server_version: Option<ServerVersion>,
    /// Directory for the access log the snippets add
    #[arg(long, value_name = "DIR")]
    log_dir: Option<String>,
    /// Where the current CA file is on the origin (default: the wizard's path for --server)
    #[arg(long, value_name = "PATH")]
    origin_ca_path: Option<String>,
    /// Phase of the snippets rotate writes
    #[arg(long, default_value = "enforce")]
    phase: SnippetPhase,
    #[command(flatten)]
    edge: EdgeArgs,
    #[command(flatten)]
    pace: PaceArgs,
    /// Go back to the old certificate (only before it is deleted)
    #[arg(long)]
    abort: bool,
    /// Do not ask before starting
    #[arg(long)]
    yes: bool,
    /// Print the result as JSON (progress goes to stderr)
    #[arg(long)]
    json: bool,
}

pub fn run(mut args: RotateArgs, out: &mut dyn Write) -> Result<Outcome> {
    args.zone = names::zone(&args.zone)?;
    args.hostname = args
        .hostname
        .as_deref()
        .map(|hostname| names::hostname(hostname, Wildcard::Allowed))
        .transpose()?;
    args.hosts = names::hostnames(&args.hosts, Wildcard::Refused)?;
    let data_dir = data_dir("rotation")?;
    let store = RotationStore::new(&data_dir);
    let client = client()?;
    let palette = Palette::for_stdout();
    let pace = args.pace.pace();
    let saved = store.load(&args.zone, args.hostname.as_deref())?;
    // With --json only the result goes to stdout; what people read goes to stderr.
    let mut stderr = output::stderr();
    let human: &mut dyn Write = if args.json { &mut stderr } else { &mut *out };
    let finished = block_on(async {
        if args.abort {
            let Some(rotation) = saved else {
                bail!("no rotation in flight for {}", shown(&args.zone));
            };
            rotation::abort(&client, &rotation, &store).await?;
            writeln!(
                human,
                "Rotation abandoned: Cloudflare presents certificate {} again and the new one is deleted. The new files stay in {}.",
                shown(&rotation.old_id),
                shown(rotation.out_dir.display())
            )?;
            return Ok(None);
        }
        let mut rotation = match saved {
            Some(mut rotation) => {
                args.edge.apply_to(&mut rotation.origin);
                writeln!(
                    human,
                    "Resuming the rotation of the {} begun {} (stage: {}); the plan saved then is followed.",
                    shown(rotation.scope_label()),
                    rotation.started,
                    rotation.stage.describe()
                )?;
                rotation
            }
            None => {
                let request = request_from(&args)?;
                let rotation = rotation::plan(&client, &request).await?;
                print_plan(human, &rotation)?;
                if !args.yes && !confirmed("rotate changes Cloudflare")? {
                    writeln!(human, "Nothing changed.")?;
                    return Ok(None);
                }
                store.save(&rotation)?;
                rotation
            }
        };
        let mut progress = Progress::new(&mut *human, human_on_terminal(args.json));
        let mut report = |event: Event| show_event(&mut progress, event, |s| s.describe(), palette);
        let finish = tokio::select! {
            finish = rotation::carry_out(&client, &mut rotation, &store, pace, &mut report) => finish?,
            _ = tokio::signal::ctrl_c() => bail!("{}", interrupted("rotation")),
        };
        if !args.json {
            print_finish(human, &finish, &rotation, palette)?;
        }
        Ok(Some(finish))
    })??;
    let Some(finish) = finished else {
        return Ok(Outcome::Success);
    };
    if args.json {
        print_json(out, &finish)?;
    }
    Ok(match finish {
        Finish::Rotated(_) => Outcome::Success,
        _ => Outcome::NeedsAction,
    })
}

fn request_from(args: &RotateArgs) -> Result<RotationRequest> {
    let addresses = args
        .origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    if !addresses.is_empty() && args.hosts.is_empty() && args.hostname.is_none() {
        return Err(crate::ops::OperationError::Missing(
            "give --host NAME with --origin: the hostname to ask the origin for (its SNI and Host header)".into(),
        )
        .into());
    }
    let hosts = if args.hosts.is_empty() {
        args.hostname.iter().cloned().collect()
    } else {
        args.hosts.clone()
    };
    let (edge_url, check_edge) = args.edge.for_plan();
    Ok(RotationRequest {
        zone: args.zone.clone(),
        hostname: args.hostname.clone(),
        new_ca: args.new_ca,
        ca: args.ca_cert.clone().zip(args.ca_key.clone()),
        ca_passphrase_env: args.ca_passphrase_env.clone(),
        old_leaf: args.old_cert.clone().zip(args.old_key.clone()),
        out_dir: args.out.clone(),
        key_type: args.key_type,
        leaf_days: args.leaf_days,
        ca_days: args.ca_days,
        origin: OriginCheck {
            addresses,
            hostnames: hosts,
            server: args.server,
            server_version: args.server_version,
            phase: args.phase,
            log_dir: args.log_dir.clone(),
            ca_path: args
                .origin_ca_path
                .clone()
                .unwrap_or_else(|| args.server.default_ca_path()),
            edge_url,
            check_edge,
        },
        ca_passphrase: None,
    })
}

fn print_plan(out: &mut dyn Write, rotation: &Rotation) -> Result<()> {
    let per_hostname = rotation.scope == crate::cloudflare::CertificateScope::Hostname;
    writeln!(out, "Rotating the {}:", shown(rotation.scope_label()))?;
    writeln!(
        out,
        "  current: {} (expires {})",
        shown(&rotation.old_id),
        shown(
            rotation
                .old_expires_on
                .as_deref()
                .map_or("unknown", |date| date.get(..10).unwrap_or(date))
        )
    )?;
    writeln!(out, "  CA: {}", shown(&rotation.why))?;
    if per_hostname {
        writeln!(
            out,
            "  re-pointed: {}",
            shown(rotation.hostnames.join(", "))
        )?;
        for note in rotation.hostname_notes() {
            writeln!(out, "  {}", shown(note))?;
        }
    }
    writeln!(out, "  new files: {}", shown(rotation.out_dir.display()))?;
    if rotation.new_ca {
        writeln!(
            out,
            "  the origin will first trust both CAs ({}), proven before Cloudflare is touched",
            shown(rotation.origin_ca_paths_during().join(" and "))
        )?;
    }
    writeln!(
        out,
        "  then: upload, wait until active, {}{}{}delete {}",
        if per_hostname {
            "re-point the hostnames, "
        } else {
            ""
        },
        if rotation.origin.check_edge {
            "check through Cloudflare, "
        } else {
            ""
        },
        if per_hostname {
            "void their old associations, "
        } else {
            ""
        },
        shown(&rotation.old_id)
    )?;
    Ok(())
}

fn print_finish(
    out: &mut dyn Write,
    finish: &Finish,
    rotation: &Rotation,
    palette: Palette,
) -> Result<()> {
    match finish {
        Finish::Rotated(done) => {
            writeln!(
                out,
                "{}",
                palette.good(&format!(
                    "Rotated: Cloudflare presents {} ({}).",
                    shown(&done.certificate_id),
                    shown(done.certificate.display())
                ))
            )?;
            if let Some(snippet) = &done.final_snippet {
                writeln!(
                    out,
                    "Last, on the origin: install the single-CA snippet {} (it trusts only the new CA) and reload.",
                    shown(snippet.display())
                )?;
            }
            for line in &done.origin_without_certificate {
                writeln!(out, "  without a certificate: {}", shown(line))?;
            }
            if !done.origin_without_certificate.is_empty() && !done.origin_still_enforces {
                writeln!(
                    out,
                    "{}",
                    palette.bad("The origin does not refuse requests without a certificate.")
                )?;
            }
        }
        Finish::OriginNotReady { snippet, problems } => {
            for problem in problems {
                writeln!(out, "{} {}", palette.bad("✗"), shown(problem))?;
            }
            if let Some(snippet) = snippet {
                writeln!(
                    out,
                    "Install {} on the origin (copy {} to {} first), reload, and run the same command again. Nothing changed on Cloudflare.",
                    shown(snippet.display()),
                    shown(rotation.ca_cert.display()),
                    shown(rotation.new_ca_path.as_deref().unwrap_or_default())
                )?;
            } else {
                writeln!(
                    out,
                    "The origin must accept the new certificate before Cloudflare presents it; fix it and run the same command again. Nothing changed on Cloudflare."
                )?;
            }
        }
        Finish::OldKept { problems } => {
            for problem in problems {
                writeln!(out, "{} {problem}", palette.bad("✗"))?;
            }
            writeln!(
                out,
                "Every hostname uses the new certificate and the old one {} is kept; nothing is at risk.",
                rotation.old_id
            )?;
        }
        Finish::EdgeRefused { problems } => {
            for problem in problems {
                writeln!(out, "{} {}", palette.bad("✗"), shown(problem))?;
            }
            writeln!(
                out,
                "Cloudflare presents the new certificate and the old one is still there. Fix the origin and run the same command again, or go back with: aop-wizard rotate --zone {} --abort",
                shown(&rotation.zone)
            )?;
        }
    }
    Ok(())
}
