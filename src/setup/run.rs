//! Carrying a set-up out, one stage at a time, saving after each.

use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::plan::{CertificateSource, Setup, Stage};
use super::{Scope, SetupStore};
use crate::cloudflare::{Client, PlannedRequest};
use crate::ops::{self, OperationError, Pace, certificate, preview};
use crate::pki::{self, OutputFile};

use crate::snippets::{self, CaFile, SnippetPhase, SnippetRequest};

/// What a face shows while a set-up runs.
pub type Event = ops::Event<Stage>;

/// How a run ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Finish {
    /// The origin enforces and requests through Cloudflare are served.
    Done,
    /// The origin must change: install `snippet` (and the CA copy at `ca_path_on_origin`),
    /// reload, run again. Nothing on Cloudflare waits on it.
    NeedsOrigin {
        phase: SnippetPhase,
        snippet: PathBuf,
        ca_file: PathBuf,
        ca_path_on_origin: String,
        problems: Vec<String>,
    },
    /// The zone's SSL/TLS mode (Off or Flexible) must become Full for AOP, and the origin does not
    /// answer HTTPS yet: switching now would take the site down. Nothing changed.
    NeedsHttps {
        ssl_mode: String,
        problems: Vec<String>,
    },
    /// A request through Cloudflare was not served: fix what is listed and run again.
    EdgeRefused {
        phase: SnippetPhase,
        problems: Vec<String>,
    },
}

impl Finish {
    /// What the set-up waits for, as `--json` names it; none when done.
    pub fn waiting_for(&self) -> Option<&'static str> {
        match self {
            Finish::Done => None,
            Finish::NeedsOrigin {
                phase: SnippetPhase::Log,
                ..
            } => Some("origin-log-phase"),
            Finish::NeedsOrigin { .. } => Some("origin-enforce-phase"),
            Finish::NeedsHttps { .. } => Some("origin-https"),
            Finish::EdgeRefused { .. } => Some("edge"),
        }
    }
}

/// Runs the set-up from its saved stage to the end, or to the first thing a person must do.
pub async fn carry_out(
    client: &Client,
    setup: &mut Setup,
    store: &SetupStore,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<Finish, OperationError> {
    while let Some(next) = setup.next_stage() {
        if let Some(finish) = reach(client, setup, next, pace, report).await? {
            return Ok(finish);
        }
        setup.stage = next;
        store.save(setup)?;
        report(Event::Reached(next, stage_detail(setup, next)));
    }
    Ok(Finish::Done)
}

/// Does what `stage` needs; `Some` when a person must act first.
async fn reach(
    client: &Client,
    setup: &mut Setup,
    stage: Stage,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<Option<Finish>, OperationError> {
    match stage {
        Stage::Planned => {}
        Stage::SslModeReady => {
            let current = client.ssl_mode(&setup.zone_id).await?;
            if ops::ssl_mode_to_set(&current, None)?.is_some() {
                let problems = ops::origins_without_https(
                    &setup.origin.addresses,
                    &setup.origin.hostnames,
                    pace.probe_timeout,
                )
                .await;
                if !problems.is_empty() {
                    return Ok(Some(Finish::NeedsHttps {
                        ssl_mode: current.label(),
                        problems,
                    }));
                }
            }
            let change = ops::ensure_ssl_mode(client, &setup.zone_id, None).await?;
            if change.before != change.after {
                report(Event::Note(format!(
                    "SSL/TLS mode {} → {}",
                    change.before.label(),
                    change.after.label()
                )));
            }
        }
        Stage::CertificateReady => write_certificate(setup)?,
        Stage::Uploaded => {
            let (scope, (cert, key)) = own_certificate(setup)?;
            let uploaded = ops::upload(client, scope, &setup.zone_id, &cert, &key).await?;
            if uploaded.already_present {
                report(Event::Note(format!(
                    "certificate {} was already on Cloudflare (an earlier run uploaded it)",
                    uploaded.certificate.id
                )));
            }
            setup.certificate_id = Some(uploaded.certificate.id);
        }
        Stage::Active => {
            let (scope, _) = own_certificate(setup)?;
            let id = certificate_id(setup)?.to_string();
            ops::wait_until_active_noting(client, scope, &setup.zone_id, &id, pace, |note| {
                report(Event::Note(note))
            })
            .await?;
        }
        Stage::LogSnippetWritten => write_snippet(setup, SnippetPhase::Log)?,
        Stage::OriginAsks => return origin_in_phase(setup, SnippetPhase::Log, pace).await,
        Stage::Enabled => {
            ops::switch_scope(
                client,
                &setup.zone_id,
                setup.scope,
                true,
                setup.certificate_id.as_deref(),
                &setup.hostnames,
            )
            .await?;
        }
        Stage::ServedWhileLogging => {
            return served_through_edge(setup, SnippetPhase::Log, pace, report).await;
        }
        Stage::EnforceSnippetWritten => write_snippet(setup, SnippetPhase::Enforce)?,
        Stage::OriginEnforces => {
            return origin_in_phase(setup, SnippetPhase::Enforce, pace).await;
        }
        Stage::ServedWhileEnforcing => {
            return served_through_edge(setup, SnippetPhase::Enforce, pace, report).await;
        }
        Stage::AlertSet => {
            let email = setup.email.clone().unwrap_or_default();
            let (id, created) =
                ops::expiry_alert(client, &setup.account_id, &setup.zone, &email, setup.scope)
                    .await?;
            if !created {
                report(Event::Note(format!(
                    "an identical expiry alert exists already ({id}); it is kept"
                )));
            }
            setup.alert_id = Some(id);
        }
    }
    Ok(None)
}

fn own_certificate(
    setup: &Setup,
) -> Result<(crate::cloudflare::CertificateScope, (PathBuf, PathBuf)), OperationError> {
    match (setup.scope.certificate_scope(), setup.client.clone()) {
        (Some(scope), Some(files)) => Ok((scope, files)),
        _ => Err(OperationError::State(
            "the saved set-up has no client certificate to upload; move it away and start over"
                .into(),
        )),
    }
}

fn certificate_id(setup: &Setup) -> Result<&str, OperationError> {
    setup.certificate_id.as_deref().ok_or_else(|| {
        OperationError::State("the saved set-up has no uploaded certificate id".into())
    })
}

fn stage_detail(setup: &Setup, stage: Stage) -> String {
    let id = setup.certificate_id.as_deref().unwrap_or("?");
    match stage {
        Stage::Planned => String::new(),
        Stage::SslModeReady => "Cloudflare speaks HTTPS to the origin".into(),
        Stage::CertificateReady => match &setup.client {
            Some((cert, _)) => format!(
                "{} (SHA-256 {}), CA {}",
                cert.display(),
                setup.fingerprint.as_deref().unwrap_or("?"),
                setup.ca_cert.display()
            ),
            None => format!("Cloudflare's CA in {}", setup.ca_cert.display()),
        },
        Stage::Uploaded => format!("certificate {id}"),
        Stage::Active => format!("certificate {id} is active"),
        Stage::LogSnippetWritten => setup.snippet_path(SnippetPhase::Log).display().to_string(),
        Stage::OriginAsks => format!(
            "{} × {} {} log-only",
            crate::words::plural(
                setup.origin.addresses.len() as u64,
                "origin address",
                "origin addresses"
            ),
            crate::words::plural(setup.origin.hostnames.len() as u64, "hostname", "hostnames"),
            if setup.origin.addresses.len() * setup.origin.hostnames.len() == 1 {
                "is"
            } else {
                "are"
            }
        ),
        Stage::Enabled => setup.scope_label(),
        Stage::ServedWhileLogging | Stage::ServedWhileEnforcing if !setup.origin.check_edge => {
            "skipped (--no-edge-check): nothing here proved requests through Cloudflare pass".into()
        }
        Stage::ServedWhileLogging | Stage::ServedWhileEnforcing => {
            format!("{} served", setup.edge_hostnames().join(", "))
        }
        Stage::EnforceSnippetWritten => setup
            .snippet_path(SnippetPhase::Enforce)
            .display()
            .to_string(),
        Stage::OriginEnforces => "a request without the certificate is refused".into(),
        Stage::AlertSet => format!(
            "{} is e-mailed before the certificate expires (policy {})",
            setup.email.as_deref().unwrap_or("?"),
            setup.alert_id.as_deref().unwrap_or("?")
        ),
    }
}

/// The certificate on disk. Repeated after a crash, a generated set starts over with new keys:
/// nothing has left the machine yet.
fn write_certificate(setup: &mut Setup) -> Result<(), OperationError> {
    match setup.certificate.clone() {
        CertificateSource::Cloudflare => {
            pki::cloudflare_ca::der().map_err(OperationError::Refused)?;
            write_files(
                &setup.out_dir,
                vec![OutputFile::named_after(
                    &setup.ca_cert,
                    pki::cloudflare_ca::PEM.to_string(),
                    false,
                )],
            )?;
        }
        CertificateSource::Generate {
            key_type,
            ca_passphrase_env,
        } => {
            let passphrase = ca_passphrase_env
                .as_deref()
                .map(certificate::new_key_passphrase_from_env)
                .transpose()?;
            let (files, fingerprint) = certificate::generate_and_write(
                &setup.zone,
                key_type,
                &setup.out_dir,
                passphrase.as_ref().map(pki::Passphrase::expose),
                true,
            )?;
            setup.ca_cert = files.ca_cert;
            setup.client = Some((files.client_cert, files.client_key));
            setup.fingerprint = Some(fingerprint);
        }
        // Checked when planned; checked again, as the files may have changed since.
        CertificateSource::Import { cert, key, ca } => {
            setup.fingerprint = Some(certificate::check_import(&cert, &key, &ca)?);
        }
    }
    Ok(())
}

fn write_files(dir: &std::path::Path, files: Vec<OutputFile>) -> Result<(), OperationError> {
    pki::write_files_atomically(dir, &files, true)?;
    Ok(())
}

/// The snippet of a phase, rendered for the set-up's server and CA path.
fn snippet_text(setup: &Setup, phase: SnippetPhase) -> Result<String, OperationError> {
    let mut request = SnippetRequest::new(
        setup.origin.server,
        phase,
        vec![CaFile {
            path: setup.origin.ca_path.clone(),
            certificates: Some(1),
        }],
        OffsetDateTime::now_utc().date(),
    );
    request.global = setup.scope == Scope::Global;
    request.server_version = setup.origin.server_version;
    request.log_dir = setup.origin.log_dir.clone();
    Ok(snippets::render(&request)?.text())
}

/// The phase's snippet and, beside it, the CA file to put at `origin.ca_path`.
fn write_snippet(setup: &mut Setup, phase: SnippetPhase) -> Result<(), OperationError> {
    let text = snippet_text(setup, phase)?;
    let ca = crate::pki::read_pem_file(&setup.ca_cert)?;
    let (snippet, ca_copy) = (setup.snippet_path(phase), setup.origin_ca_copy());
    write_files(
        &setup.origin_dir(),
        vec![
            OutputFile::named_after(&snippet, text, false),
            OutputFile::named_after(&ca_copy, ca, false),
        ],
    )?;
    for path in [ca_copy, snippet] {
        if !setup.snippets.contains(&path) {
            setup.snippets.push(path);
        }
    }
    Ok(())
}

/// The probe: every origin × hostname must show the phase's verdict, else the person at the
/// origin has something to install.
async fn origin_in_phase(
    setup: &Setup,
    phase: SnippetPhase,
    pace: Pace,
) -> Result<Option<Finish>, OperationError> {
    let verification = ops::verify(&verify_request(setup, None, pace)).await?;
    let expected = ops::expected_verdict(phase);
    if verification.passed(expected) {
        return Ok(None);
    }
    Ok(Some(Finish::NeedsOrigin {
        phase,
        snippet: setup.snippet_path(phase),
        ca_file: setup.origin_ca_copy(),
        ca_path_on_origin: setup.origin.ca_path.clone(),
        problems: verification.problems(expected),
    }))
}

/// What `verify` probes for this set-up; with `edge_url`, through Cloudflare too.
fn verify_request(setup: &Setup, edge_url: Option<String>, pace: Pace) -> ops::VerifyRequest {
    ops::VerifyRequest {
        origins: setup.origin.addresses.clone(),
        hostnames: setup.origin.hostnames.clone(),
        identity: setup.client.clone(),
        ca: vec![setup.ca_cert.clone()],
        global: setup.scope == Scope::Global,
        edge_url,
        timeout: pace.probe_timeout,
        edge_hostnames: setup.edge_hostnames(),
        path: "/".into(),
        concurrency: ops::PROBES_AT_ONCE,
    }
}

async fn served_through_edge(
    setup: &Setup,
    phase: SnippetPhase,
    pace: Pace,
    report: &mut impl FnMut(Event),
) -> Result<Option<Finish>, OperationError> {
    if !setup.origin.check_edge {
        return Ok(None);
    }
    let hostnames = setup.edge_hostnames();
    let uncertified = match setup.scope {
        Scope::Hostname => ops::without_certificate(&hostnames, &setup.hostnames),
        _ => Vec::new(),
    };
    let problems = ops::edge_problems(
        &setup.origin.edge_url,
        &hostnames,
        &uncertified,
        pace.probe_timeout,
        |note| report(Event::Note(note)),
    )
    .await;
    Ok((!problems.is_empty()).then_some(Finish::EdgeRefused { phase, problems }))
}

/// The plan from its saved stage on, each stage with the exact requests it sends, as the client
/// shows them (token and private key redacted). Reads Cloudflare, changes nothing.
pub async fn preview(
    client: &Client,
    setup: &Setup,
) -> Result<Vec<(Stage, Vec<PlannedRequest>)>, OperationError> {
    let mut steps = Vec::new();
    let mut stage = setup.stage;
    while let Some(next) = stage.next(setup.scope, setup.email.is_some()) {
        let sent = match next {
            Stage::SslModeReady => {
                let current = client.ssl_mode(&setup.zone_id).await?;
                ops::ssl_mode_to_set(&current, None)?
                    .map(|target| preview::ssl_mode(client, &setup.zone_id, &target))
                    .into_iter()
                    .collect()
            }
            Stage::Uploaded => match (&setup.client, setup.scope.certificate_scope()) {
                (Some((cert, key)), Some(scope)) if cert.exists() => {
                    preview::upload_files(client, scope, &setup.zone_id, cert, key)
                        .await?
                        .into_iter()
                        .collect()
                }
                (_, Some(scope)) => vec![preview::upload(
                    client,
                    scope,
                    &setup.zone_id,
                    "<the client certificate made at the certificate stage>",
                )],
                _ => Vec::new(),
            },
            Stage::Enabled => vec![preview::switch_scope(
                client,
                &setup.zone_id,
                setup.scope,
                true,
                Some(
                    setup
                        .certificate_id
                        .as_deref()
                        .unwrap_or("<id of the uploaded certificate>"),
                ),
                &setup.hostnames,
            )?],
            Stage::AlertSet => vec![preview::expiry_alert(
                client,
                &setup.account_id,
                &setup.zone,
                setup.email.as_deref().unwrap_or_default(),
                setup.scope,
            )],
            _ => Vec::new(),
        };
        steps.push((next, sent));
        stage = next;
    }
    Ok(steps)
}
