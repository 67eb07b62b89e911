//! `aop-wizard setup --zone NAME --origin ADDR …`: the whole documented set-up without a screen,
//! the same procedure the wizard drives. Each run goes as far as it safely can and stops with
//! exit 3 when the origin must change; the same command continues.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, bail};

use super::output::{self, Outcome, Palette, Progress, confirmed, print_json};
use super::procedure::{EdgeArgs, PaceArgs, data_dir, human_on_terminal, interrupted, show_event};
use super::session::{block_on, client};
use crate::names::{self, Wildcard};
use crate::ops::OriginCheck;
use crate::pki::KeyType;
use crate::probe::parse_origin;
use crate::setup::{
    self, CertificateSource, Event, Finish, Scope, Setup, SetupRequest, SetupStore, Stage,
};
use crate::snippets::{ServerVersion, SnippetPhase, WebServer};
use crate::untrusted::shown;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  aop-wizard setup --zone example.com --origin 203.0.113.10 --server nginx \\
      --email ops@example.com
  aop-wizard setup --zone example.com --scope hostname \\
      --hostname app.example.com --origin 203.0.113.10
  aop-wizard setup --zone example.com --cert ./client.crt --key ./client.key \\
      --ca ./ca.crt --origin 203.0.113.10
  aop-wizard setup --zone example.com --scope global --origin 203.0.113.10 \\
      --server haproxy
  aop-wizard setup --zone example.com --origin 203.0.113.10 --dry-run

Order: SSL/TLS mode Full (or kept) → certificate made (or yours checked) → uploaded → active →
log-phase snippet written → the origin asks for the certificate → enabled → a request through
Cloudflare is served → enforce snippet written → the origin enforces → served again → expiry alert.
Snippets and the CA file for the origin go under --out DIR/origin. When the origin must change,
setup says what to install and exits 3; run the same command again after reloading the origin.
Each stage is saved in the data directory, so a run killed anywhere continues where it stopped.
Exit codes: 0 enforced and proven, 3 the origin or the request through Cloudflare needs you,
1 bad input, 2 a missing argument, 4 Cloudflare API failure.")]
pub struct SetupArgs {
    /// The zone (domain) name
    #[arg(long)]
    zone: String,
    /// zone (your certificate, every hostname; the default), hostname (chosen hostnames) or global (Cloudflare's certificate)
    #[arg(long)]
    scope: Option<Scope>,
    /// With --scope hostname: a hostname to cover; repeat for several
    #[arg(long, value_name = "NAME")]
    hostname: Vec<String>,
    /// Origin address to prove (IP or IP:PORT); repeat for several
    #[arg(long = "origin", value_name = "ADDR")]
    origins: Vec<String>,
    /// Hostname for the probe and the request through Cloudflare (default: the zone's proxied hostnames, or --hostname); repeat for several
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,
    /// The origin's web server: nginx (the default), apache, haproxy, caddy or traefik
    #[arg(long)]
    server: Option<WebServer>,
    /// Version of the web server (matters for Caddy: 2.8 introduced trust_pool)
    #[arg(long, value_name = "VERSION")]
    server_version: Option<ServerVersion>,
    /// Directory for the certificate, the snippets and the CA copy (default ./aop-ZONE)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Use your own client certificate instead of making one (with --key and --ca)
    #[arg(long, value_name = "PATH", requires_all = ["key", "ca"])]
    cert: Option<PathBuf>,
    /// Its private key (unencrypted: Cloudflare needs it)
    #[arg(long, value_name = "PATH", requires = "cert")]
    key: Option<PathBuf>,
    /// The CA that signed it (goes on the origin)
    #[arg(long, value_name = "PATH", requires = "cert")]
    ca: Option<PathBuf>,
    /// Key type of a certificate made here: ecdsa-p256, rsa-2048 or rsa-4096
    #[arg(long, default_value = "ecdsa-p256", conflicts_with = "cert")]
    key_type: KeyType,
    /// Encrypt the CA key made here with the passphrase in this environment variable
    #[arg(long, value_name = "VAR", conflicts_with = "cert")]
    ca_passphrase_env: Option<String>,
    /// Where the CA file will be on the origin (default: the usual path for --server)
    #[arg(long, value_name = "PATH")]
    origin_ca_path: Option<String>,
    /// Directory for the access log the log-phase snippet adds
    #[arg(long, value_name = "DIR")]
    log_dir: Option<String>,
    /// E-mail this address before the certificate expires
    #[arg(long, value_name = "ADDR")]
    email: Option<String>,
    #[command(flatten)]
    edge: EdgeArgs,
    #[command(flatten)]
    pace: PaceArgs,
    /// Print the plan and the exact requests, change nothing
    #[arg(long)]
    dry_run: bool,
    /// Do not ask before starting
    #[arg(long)]
    yes: bool,
    /// Print the result as JSON (progress goes to stderr)
    #[arg(long)]
    json: bool,
}

pub fn run(mut args: SetupArgs, out: &mut dyn Write) -> Result<Outcome> {
    args.zone = names::zone(&args.zone)?;
    args.hostname = names::hostnames(&args.hostname, Wildcard::Allowed)?;
    args.hosts = names::hostnames(&args.hosts, Wildcard::Refused)?;
    let data_dir = data_dir("set-up")?;
    let store = SetupStore::new(&data_dir);
    let client = client()?;
    let palette = Palette::for_stdout();
    let pace = args.pace.pace();
    let saved = store.load(&args.zone)?;
    // With --json only the result goes to stdout; what people read goes to stderr.
    let mut stderr = output::stderr();
    let human: &mut dyn Write = if args.json { &mut stderr } else { &mut *out };
    let ran = block_on(async {
        let saved = match saved {
            Some(mut setup) => continue_saved(&args, &mut setup, &store)?.then_some(setup),
            None => None,
        };
        let (mut setup, resumed) = match saved {
            Some(mut setup) => {
                args.edge.apply_to(&mut setup.origin);
                (setup, true)
            }
            None => {
                let request = request_from(&args)?;
                (setup::plan(&client, &request).await?, false)
            }
        };
        if resumed {
            writeln!(
                human,
                "Continuing the set-up of {} begun {} (stage: {}); the plan saved then is followed.",
                shown(setup.scope_label()),
                setup.started,
                setup.stage.describe()
            )?;
        } else {
            print_plan(human, &setup)?;
        }
        if args.dry_run {
            print_preview(human, &setup::preview(&client, &setup).await?)?;
            writeln!(human, "Dry run: nothing changed.")?;
            return Ok(None);
        }
        if !resumed && !args.yes && !confirmed("setup changes Cloudflare")? {
            writeln!(human, "Nothing changed.")?;
            return Ok(None);
        }
        store.save(&setup)?;
        let mut progress = Progress::new(&mut *human, human_on_terminal(args.json));
        let mut report = |event: Event| show_event(&mut progress, event, |s| s.describe(), palette);
        let finish = tokio::select! {
            finish = setup::carry_out(&client, &mut setup, &store, pace, &mut report) => finish?,
            _ = tokio::signal::ctrl_c() => bail!("{}", interrupted("set-up")),
        };
        if !args.json {
            print_finish(human, &finish, &setup, palette)?;
        }
        Ok::<_, color_eyre::Report>(Some((setup, finish)))
    })??;
    let Some((setup, finish)) = ran else {
        return Ok(Outcome::Success);
    };
    if args.json {
        print_json(
            out,
            &serde_json::json!({
                "zone": setup.zone,
                "scope": setup.scope.cli_name(),
                "stage": setup.stage,
                "waiting_for": finish.waiting_for(),
                "snippets": setup.snippets,
                "certificate_id": setup.certificate_id,
                "client_certificate": setup.client.as_ref().map(|(cert, _)| cert),
                "ca": setup.ca_cert,
                "alert_id": setup.alert_id,
                "warnings": setup.warnings,
                "finish": finish,
            }),
        )?;
    }
    Ok(match finish {
        Finish::Done => Outcome::Success,
        _ => Outcome::NeedsAction,
    })
}

/// A saved set-up is continued as planned. An e-mail for the expiry alert may be added to one
/// that has none (the alert comes last, so nothing done is affected); asked for anything else
/// that differs from the plan, the command says which set-up is saved and how to start another
/// rather than quietly doing what was planned before. A plan that has not reached its first
/// stage has changed nothing, so other choices then plan anew (false).
fn continue_saved(args: &SetupArgs, saved: &mut Setup, store: &SetupStore) -> Result<bool> {
    // The hostnames were put in their one form by `run`.
    let mut asked = args.hostname.clone();
    asked.sort();
    asked.dedup();
    let mut planned = saved.hostnames.clone();
    planned.sort();
    let origins = addresses(args)?;
    let mut differs = Vec::new();
    if args.scope.is_some_and(|scope| scope != saved.scope) {
        differs.push("--scope");
    }
    if !asked.is_empty() && asked != planned {
        differs.push("--hostname");
    }
    let other_files = match (&args.cert, &saved.certificate) {
        (None, _) => false,
        (Some(cert), CertificateSource::Import { cert: planned, .. }) => {
            std::path::absolute(cert).ok().as_ref() != Some(planned)
        }
        (Some(_), _) => true,
    };
    if other_files {
        differs.push("--cert");
    }
    if !origins.is_empty() && origins != saved.origin.addresses {
        differs.push("--origin");
    }
    if !args.hosts.is_empty() && args.hosts != saved.origin.hostnames {
        differs.push("--host");
    }
    if args
        .server
        .is_some_and(|server| server != saved.origin.server)
    {
        differs.push("--server");
    }
    if args.server_version.is_some() && args.server_version != saved.origin.server_version {
        differs.push("--server-version");
    }
    if args
        .origin_ca_path
        .as_ref()
        .is_some_and(|path| *path != saved.origin.ca_path)
    {
        differs.push("--origin-ca-path");
    }
    if args.log_dir.is_some() && args.log_dir != saved.origin.log_dir {
        differs.push("--log-dir");
    }
    if args
        .out
        .as_ref()
        .is_some_and(|out| std::path::absolute(out).ok().as_ref() != Some(&saved.out_dir))
    {
        differs.push("--out");
    }
    match (&args.email, &saved.email) {
        (Some(email), None) if saved.scope.uses_own_certificate() => {
            saved.email = Some(email.clone());
        }
        (Some(email), planned) if planned.as_ref() != Some(email) => differs.push("--email"),
        _ => {}
    }
    if !differs.is_empty() && saved.stage == Stage::Planned {
        return Ok(false);
    }
    if !differs.is_empty() {
        bail!(
            "a set-up of {} is saved for {} (stage: {}), begun {}, and {} differ from it: run it with the same choices to continue it, or move {} away to start another",
            saved.scope_label(),
            saved.zone,
            saved.stage.describe(),
            saved.started,
            differs.join(", "),
            store.path(&saved.zone).display()
        );
    }
    Ok(true)
}

fn addresses(args: &SetupArgs) -> Result<Vec<std::net::SocketAddr>> {
    Ok(args
        .origins
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()?)
}

fn request_from(args: &SetupArgs) -> Result<SetupRequest> {
    let scope = args.scope.unwrap_or_default();
    let server = args.server.unwrap_or(WebServer::Nginx);
    let addresses = addresses(args)?;
    if scope == Scope::Global && args.cert.is_some() {
        bail!(
            "global AOP uses Cloudflare's certificate: drop --cert/--key/--ca, or choose --scope zone"
        );
    }
    let certificate = match (scope, &args.cert, &args.key, &args.ca) {
        (Scope::Global, ..) => CertificateSource::Cloudflare,
        (_, Some(cert), Some(key), Some(ca)) => CertificateSource::Import {
            cert: cert.clone(),
            key: key.clone(),
            ca: ca.clone(),
        },
        _ => CertificateSource::Generate {
            key_type: args.key_type,
            ca_passphrase_env: args.ca_passphrase_env.clone(),
        },
    };
    let default_ca_path = match scope {
        Scope::Global => format!(
            "{}/{}",
            super::snippet::DEFAULT_GLOBAL_CA_DIR,
            crate::pki::cloudflare_ca::FILE_NAME
        ),
        _ => server.default_ca_path(),
    };
    let (edge_url, check_edge) = args.edge.for_plan();
    Ok(SetupRequest {
        zone: args.zone.clone(),
        scope,
        hostnames: args.hostname.clone(),
        certificate,
        out_dir: args.out.clone(),
        origin: OriginCheck {
            addresses,
            hostnames: args.hosts.clone(),
            server,
            server_version: args.server_version,
            phase: SnippetPhase::Enforce,
            log_dir: args.log_dir.clone(),
            ca_path: args.origin_ca_path.clone().unwrap_or(default_ca_path),
            edge_url,
            check_edge,
        },
        email: args.email.clone(),
    })
}

fn print_plan(out: &mut dyn Write, setup: &Setup) -> Result<()> {
    writeln!(out, "Setting up {}:", shown(setup.scope_label()))?;
    let certificate = match &setup.certificate {
        CertificateSource::Generate { key_type, .. } => format!(
            "a new CA and {key_type} client certificate in {}",
            shown(setup.out_dir.display())
        ),
        CertificateSource::Import { cert, .. } => {
            format!("yours, {} (checked)", shown(cert.display()))
        }
        CertificateSource::Cloudflare => "Cloudflare's shared certificate".into(),
    };
    writeln!(out, "  certificate: {certificate}")?;
    writeln!(
        out,
        "  origin: {} for {} ({}), snippets in {}",
        setup
            .origin
            .addresses
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        shown(setup.origin.hostnames.join(", ")),
        setup.origin.server.display_name(),
        shown(setup.origin_dir().display())
    )?;
    writeln!(
        out,
        "  through Cloudflare: {}",
        if setup.origin.check_edge {
            shown(&setup.origin.edge_url).to_string()
        } else {
            "not checked (--no-edge-check)".into()
        }
    )?;
    let stages: Vec<&str> = Stage::ALL
        .into_iter()
        .skip(1)
        .filter(|s| s.applies_to(setup.scope, setup.email.is_some()))
        .map(Stage::describe)
        .collect();
    writeln!(out, "  stages: {}", stages.join(" → "))?;
    if let Some(note) = setup.scope.other_switches() {
        writeln!(out, "  {note}")?;
    }
    for warning in &setup.warnings {
        writeln!(out, "  ! {}", shown(warning))?;
    }
    Ok(())
}

fn print_preview(
    out: &mut dyn Write,
    steps: &[(Stage, Vec<crate::cloudflare::PlannedRequest>)],
) -> Result<()> {
    for (stage, requests) in steps {
        writeln!(out, "{}:", stage.describe())?;
        for request in requests {
            for line in request.lines() {
                writeln!(out, "    {}", shown(line))?;
            }
        }
    }
    Ok(())
}

fn print_finish(
    out: &mut dyn Write,
    finish: &Finish,
    setup: &Setup,
    palette: Palette,
) -> Result<()> {
    match finish {
        Finish::Done => {
            writeln!(
                out,
                "{}",
                palette.good(&format!(
                    "Done: {} is on, the origin enforces, and requests through Cloudflare are served.",
                    shown(setup.scope_label())
                ))
            )?;
            if let Some((cert, _)) = &setup.client {
                writeln!(
                    out,
                    "Check it again any time: aop-wizard check-expiry --zone {} (certificate {})",
                    shown(&setup.zone),
                    shown(cert.display())
                )?;
            }
        }
        Finish::NeedsOrigin {
            phase,
            snippet,
            ca_file,
            ca_path_on_origin,
            problems,
        } => {
            for problem in problems {
                writeln!(out, "{} {}", palette.bad("✗"), shown(problem))?;
            }
            let what = match phase {
                SnippetPhase::Log => "ask for the certificate and log it (phase 1 of 2)",
                SnippetPhase::Enforce => "refuse requests without the certificate (phase 2 of 2)",
            };
            writeln!(
                out,
                "The origin must {what}: copy {} to {} on the origin, install {} (its header says where each part goes), reload, and run the same command again.",
                shown(ca_file.display()),
                shown(ca_path_on_origin),
                shown(snippet.display())
            )?;
        }
        Finish::NeedsHttps { ssl_mode, problems } => {
            for problem in problems {
                writeln!(out, "{} {}", palette.bad("✗"), shown(problem))?;
            }
            writeln!(
                out,
                "The zone's SSL/TLS mode is {}: Cloudflare reaches the origin over plain HTTP. AOP needs Full, and switching now would cut the origin off, as it does not answer HTTPS: set up HTTPS on the origin (a Cloudflare Origin CA certificate works), then run the same command again. Nothing changed.",
                shown(ssl_mode)
            )?;
        }
        Finish::EdgeRefused { problems, .. } => {
            for problem in problems {
                writeln!(out, "{} {}", palette.bad("✗"), shown(problem))?;
            }
            writeln!(
                out,
                "Requests through Cloudflare must be served before going on: fix what is listed and run the same command again (or --no-edge-check when the hostnames are not reachable from here)."
            )?;
        }
    }
    Ok(())
}
