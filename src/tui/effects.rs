//! Carries out the effects `update` asks for, on tokio, off the drawing loop, and answers each
//! with a message. Reads and probes can be stopped; uploads and changes always run to the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::message::{
    CaSource, CertificateReady, Effect, Msg, Resumed, VerifiedToken, ZoneSettings,
};
use super::steps::Scope;
use crate::cloudflare::{ApiToken, Client};
use crate::demo::{Demo, OriginPhase};
use crate::ops::{self, Pace};
use crate::pki::{self, GeneratedFiles};
use crate::probe::Verification;
use crate::rotation::{Finish, Rotation, RotationRequest, RotationStore, Stage};
use crate::setup::progress;
use crate::snippets::SnippetPhase;

pub struct Runner {
    messages: UnboundedSender<Msg>,
    demo: Option<Arc<Demo>>,
    data_dir: Option<PathBuf>,
    base_url: String,
    cancellable: Vec<AbortHandle>,
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

impl Runner {
    pub fn new(
        messages: UnboundedSender<Msg>,
        demo: Option<Arc<Demo>>,
        data_dir: Option<PathBuf>,
        base_url: String,
    ) -> Self {
        Self {
            messages,
            demo,
            data_dir,
            base_url,
            cancellable: Vec::new(),
        }
    }

    fn spawn<F>(&mut self, cancellable: bool, work: F)
    where
        F: Future<Output = Msg> + Send + 'static,
    {
        let messages = self.messages.clone();
        let handle = tokio::spawn(async move {
            let _ = messages.send(work.await);
        });
        if cancellable {
            self.cancellable.retain(|h| !h.is_finished());
            self.cancellable.push(handle.abort_handle());
        }
    }

    fn rotation_store(&self) -> Result<RotationStore, String> {
        self.data_dir
            .as_deref()
            .map(RotationStore::new)
            .ok_or_else(|| {
                "no data directory to keep the rotation's progress in: set AOP_WIZARD_DATA_DIR"
                    .into()
            })
    }

    /// How often Cloudflare is polled while a certificate deploys; the demo's fake is quick.
    fn poll_interval(&self) -> Duration {
        Duration::from_millis(if self.demo.is_some() { 200 } else { 2000 })
    }

    pub fn run(&mut self, effect: Effect) {
        tracing::info!(effect = effect_name(&effect), "effect");
        match effect {
            Effect::VerifyToken(typed) => {
                let base_url = self.base_url.clone();
                let demo_token = self.demo.as_ref().map(|d| d.token.clone());
                self.spawn(false, async move {
                    Msg::TokenChecked(verify_token(&base_url, typed, demo_token).await)
                });
            }
            Effect::SaveToken(token) => self.spawn(false, async move {
                let saved = tokio::task::spawn_blocking(move || crate::token_store::save(&token))
                    .await
                    .map_err(text)
                    .and_then(|r| r.map_err(text));
                Msg::TokenSaved(saved)
            }),
            Effect::LoadZones(client) => self.spawn(true, async move {
                Msg::Zones(client.list_zones(None).await.map_err(text))
            }),
            Effect::ProbePermissions { client, zone } => self.spawn(true, async move {
                Msg::Permissions(crate::cloudflare::probe_permissions(&client, &zone, false).await)
            }),
            Effect::ReadZone { client, zone } => self.spawn(true, async move {
                Msg::ZoneRead(read_zone(&client, &zone.id).await.map_err(text))
            }),
            Effect::SetSslMode {
                client,
                zone_id,
                mode,
            } => self.spawn(false, async move {
                Msg::SslModeSet(
                    ops::ensure_ssl_mode(&client, &zone_id, Some(mode))
                        .await
                        .map(|change| change.after)
                        .map_err(text),
                )
            }),
            Effect::GenerateCertificate {
                key_type,
                dir,
                zone,
            } => self.spawn(false, async move {
                let made =
                    tokio::task::spawn_blocking(move || generate(key_type, &dir, &zone)).await;
                Msg::CertificateReady(made.map_err(text).and_then(|r| r))
            }),
            Effect::ImportCertificate { cert, key, ca } => self.spawn(false, async move {
                let checked = tokio::task::spawn_blocking(move || import(cert, key, ca)).await;
                Msg::CertificateReady(checked.map_err(text).and_then(|r| r))
            }),
            Effect::Upload {
                client,
                zone_id,
                scope,
                files,
            } => {
                let messages = self.messages.clone();
                let interval = self.poll_interval();
                self.spawn(false, async move {
                    Msg::Uploaded(
                        upload(&client, &zone_id, scope, &files, interval, messages).await,
                    )
                });
            }
            Effect::Enable {
                client,
                zone_id,
                scope,
                certificate_id,
                hostnames,
            } => self.spawn(false, async move {
                let result = ops::switch_scope(
                    &client,
                    &zone_id,
                    scope,
                    true,
                    certificate_id.as_deref(),
                    &hostnames,
                )
                .await;
                Msg::Enabled(result.map_err(text))
            }),
            Effect::WriteSnippet {
                dir,
                snippet_name,
                snippet,
                ca_name,
                ca,
            } => self.spawn(false, async move {
                let ca_pem = match ca {
                    CaSource::Cloudflare => pki::cloudflare_ca::PEM.to_string(),
                    CaSource::File(path) => match pki::read_pem_file(&path) {
                        Ok(pem) => pem,
                        Err(e) => return Msg::SnippetWritten(Err(text(e))),
                    },
                };
                let files = [
                    pki::OutputFile {
                        name: snippet_name,
                        contents: snippet,
                        secret: false,
                    },
                    pki::OutputFile {
                        name: ca_name,
                        contents: ca_pem,
                        secret: false,
                    },
                ];
                let written = tokio::task::spawn_blocking(move || {
                    pki::write_files_atomically(&absolute(&dir), &files, true)
                })
                .await;
                Msg::SnippetWritten(written.map_err(text).and_then(|r| r.map_err(text)))
            }),
            Effect::Verify {
                phase,
                origins,
                hostnames,
                files,
                global,
                through_edge,
            } => {
                let demo = self.demo.clone();
                self.spawn(true, async move {
                    let result =
                        verify(phase, origins, hostnames, files, global, through_edge, demo).await;
                    Msg::Verified {
                        phase,
                        through_edge,
                        result,
                    }
                });
            }
            Effect::CreateAlert {
                client,
                account_id,
                zone,
                email,
                scope,
            } => self.spawn(false, async move {
                Msg::AlertCreated(
                    ops::expiry_alert(&client, &account_id, &zone, &email, scope)
                        .await
                        .map(|(id, _)| id)
                        .map_err(text),
                )
            }),
            Effect::SaveProgress(saved) => {
                if let Some(dir) = self.data_dir.clone() {
                    tokio::task::spawn_blocking(move || {
                        if let Err(error) = progress::save(&dir, &saved) {
                            tracing::warn!(%error, "progress not saved");
                        }
                    });
                }
            }
            Effect::Cancel => {
                for handle in self.cancellable.drain(..) {
                    handle.abort();
                }
                let _ = self.messages.send(Msg::Cancelled);
            }
            Effect::PlanRotation { client, request } => {
                let store = self.rotation_store();
                self.spawn(true, async move {
                    Msg::RotationPlanned(plan_rotation(&client, &request, store).await)
                });
            }
            Effect::CarryOutRotation {
                client,
                mut rotation,
            } => {
                let (store, demo, messages) = (
                    self.rotation_store(),
                    self.demo.clone(),
                    self.messages.clone(),
                );
                self.spawn(false, async move {
                    let result =
                        carry_out_rotation(&client, &mut rotation, store, demo, messages).await;
                    Msg::RotationEnded { result, rotation }
                });
            }
            Effect::AbortRotation { client, rotation } => {
                let store = self.rotation_store();
                self.spawn(false, async move {
                    let aborted = match store {
                        Ok(store) => crate::rotation::abort(&client, &rotation, &store)
                            .await
                            .map_err(|e| format!("{e:#}")),
                        Err(e) => Err(e),
                    };
                    Msg::RotationAborted(aborted)
                });
            }
            Effect::ReadUndo { client, zone } => self.spawn(true, async move {
                Msg::UndoRead(
                    crate::undo::read(&client, &zone)
                        .await
                        .map(Box::new)
                        .map_err(text),
                )
            }),
            Effect::ProbeRelaxed { origins, hostnames } => {
                if let Some(demo) = &self.demo
                    && let OriginPhase::Enforce(cas) = demo.origin.phase()
                {
                    // In the demo, installing the log-phase snippet is this line.
                    demo.origin.set_phase(OriginPhase::Log(cas));
                }
                self.spawn(true, async move {
                    Msg::UndoProbed(
                        crate::undo::still_enforcing(&origins, &hostnames)
                            .await
                            .map_err(text),
                    )
                });
            }
            Effect::TurnOff {
                client,
                plan,
                delete_certificates,
            } => self.spawn(false, async move {
                Msg::TurnedOff(
                    crate::undo::turn_off(&client, &plan, delete_certificates)
                        .await
                        .map_err(text),
                )
            }),
            // The drawing loop owns the terminal, so it writes the clipboard sequence itself.
            Effect::Copy(_) => {}
            Effect::Recheck { client, progress } => self.spawn(true, async move {
                Msg::Rechecked(resume(&client, &progress).await.map(Box::new))
            }),
        }
    }
}

/// For the log: the effect's kind, never its contents (tokens and keys travel in some).
fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::VerifyToken(_) => "verify token",
        Effect::SaveToken(_) => "save token",
        Effect::LoadZones(_) => "load zones",
        Effect::ProbePermissions { .. } => "probe permissions",
        Effect::ReadZone { .. } => "read zone",
        Effect::SetSslMode { .. } => "set ssl mode",
        Effect::GenerateCertificate { .. } => "generate certificate",
        Effect::ImportCertificate { .. } => "import certificate",
        Effect::Upload { .. } => "upload",
        Effect::Enable { .. } => "enable",
        Effect::WriteSnippet { .. } => "write snippet",
        Effect::Verify { .. } => "verify",
        Effect::CreateAlert { .. } => "create alert",
        Effect::PlanRotation { .. } => "plan rotation",
        Effect::CarryOutRotation { .. } => "carry out rotation",
        Effect::AbortRotation { .. } => "abort rotation",
        Effect::ReadUndo { .. } => "read for undo",
        Effect::ProbeRelaxed { .. } => "probe relaxed",
        Effect::TurnOff { .. } => "turn off",
        Effect::SaveProgress(_) => "save progress",
        Effect::Copy(_) => "copy",
        Effect::Cancel => "cancel",
        Effect::Recheck { .. } => "recheck",
    }
}

async fn verify_token(
    base_url: &str,
    typed: Option<ApiToken>,
    demo_token: Option<String>,
) -> Result<VerifiedToken, String> {
    let (token, source, was_typed) = match typed {
        Some(token) => (token, "typed in".to_string(), true),
        None => match demo_token {
            Some(token) => (
                ApiToken::new(token),
                "the demo (a token of the fake Cloudflare)".into(),
                false,
            ),
            None => match tokio::task::spawn_blocking(crate::token_store::resolve)
                .await
                .map_err(text)?
            {
                Ok(Some((token, source))) => (token, source.describe().to_string(), false),
                Ok(None) => {
                    return Err(format!(
                        "No token in {} or the OS keyring.",
                        crate::token_store::TOKEN_ENV
                    ));
                }
                Err(error) => {
                    return Err(format!("{error}. You can paste a token for this session."));
                }
            },
        },
    };
    let client = ops::verified_client(base_url, token).await.map_err(text)?;
    Ok(VerifiedToken {
        client,
        source,
        typed: was_typed,
    })
}

/// What the wizard reads of a zone once it is chosen.
async fn read_zone(
    client: &Client,
    zone_id: &str,
) -> Result<ZoneSettings, crate::cloudflare::CloudflareError> {
    Ok(ZoneSettings {
        ssl_mode: client.ssl_mode(zone_id).await?,
        ssl_automatic: client.ssl_automatic_mode(zone_id).await?,
        dns: client.dns_records(zone_id).await?,
    })
}

/// A saved set-up checked again, with the zone read as choosing it reads it, and the
/// certificate described as the certificate screen shows it.
async fn resume(
    client: &Client,
    progress: &crate::setup::progress::Progress,
) -> Result<Resumed, String> {
    let recheck = crate::setup::recheck(client, progress)
        .await
        .map_err(text)?;
    let settings = read_zone(client, &recheck.zone.id).await.map_err(text)?;
    let certificate = match recheck.certificate.clone() {
        Some(files) => {
            // Imported certificates come without their CA's key.
            let generated = !files.ca_key.as_os_str().is_empty();
            let described = tokio::task::spawn_blocking(move || describe(files, generated))
                .await
                .map_err(text)??;
            Some(described)
        }
        None => None,
    };
    Ok(Resumed {
        recheck,
        settings,
        certificate,
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn describe(files: GeneratedFiles, generated: bool) -> Result<CertificateReady, String> {
    let der = pki::load_certificates(&files.client_cert).map_err(text)?;
    let info = pki::inspect_certificate(&der[0], OffsetDateTime::now_utc())?;
    Ok(CertificateReady {
        subject: info.subject.clone(),
        not_after: info.not_after.date().to_string(),
        days_left: info.days_left,
        fingerprint: info.fingerprint_sha256.clone(),
        files,
        generated,
    })
}

fn generate(key_type: pki::KeyType, dir: &Path, zone: &str) -> Result<CertificateReady, String> {
    let (files, _) =
        ops::certificate::generate_and_write(zone, key_type, &absolute(dir), None, false)
            .map_err(text)?;
    describe(files, true)
}

fn import(cert: PathBuf, key: PathBuf, ca: Option<PathBuf>) -> Result<CertificateReady, String> {
    let Some(ca) = ca else {
        return Err("Type the CA certificate's path too: the origin must trust it.".into());
    };
    let files = GeneratedFiles {
        ca_cert: absolute(&ca),
        ca_key: PathBuf::new(),
        client_cert: absolute(&cert),
        client_key: absolute(&key),
    };
    ops::certificate::check_import(&files.client_cert, &files.client_key, &files.ca_cert)
        .map_err(text)?;
    describe(files, false)
}

async fn upload(
    client: &Client,
    zone_id: &str,
    scope: Scope,
    files: &GeneratedFiles,
    interval: Duration,
    messages: UnboundedSender<Msg>,
) -> Result<crate::cloudflare::UploadedCertificate, String> {
    let Some(certificate_scope) = scope.certificate_scope() else {
        return Err("Global AOP uses Cloudflare's certificate: there is nothing to upload.".into());
    };
    let pace = Pace {
        interval,
        timeout: Duration::from_secs(600),
        probe_timeout: Duration::from_secs(10),
    };
    ops::upload_and_wait(
        client,
        certificate_scope,
        zone_id,
        &files.client_cert,
        &files.client_key,
        pace,
        |status| {
            let _ = messages.send(Msg::UploadStatus(status.as_str().to_string()));
        },
    )
    .await
    .map(|uploaded| uploaded.certificate)
    .map_err(text)
}

async fn verify(
    phase: SnippetPhase,
    origins: Vec<std::net::SocketAddr>,
    hostnames: Vec<String>,
    files: Option<GeneratedFiles>,
    global: bool,
    through_edge: bool,
    demo: Option<Arc<Demo>>,
) -> Result<Verification, String> {
    let ca = match (&files, global) {
        (_, true) => Vec::new(),
        (Some(files), false) => vec![files.ca_cert.clone()],
        (None, false) => return Err("No certificate yet: make or import one first.".into()),
    };
    if let Some(demo) = &demo {
        // In the demo, installing the snippet on the origin is this line. Global: the snippet's
        // CA is Cloudflare's, whose shared certificate only Cloudflare can present, so the demo
        // origin also trusts the CA of the demo edge's stand-in for it (and nothing else does).
        let ca_ders = match &files {
            Some(files) if !global => pki::load_certificates(&files.ca_cert).map_err(text)?,
            _ => vec![pki::cloudflare_ca::der()?, demo.shared_stand_in_ca().await?],
        };
        demo.origin.set_phase(match phase {
            SnippetPhase::Log => OriginPhase::Log(ca_ders),
            SnippetPhase::Enforce => OriginPhase::Enforce(ca_ders),
        });
    }
    let edge_url = match &demo {
        Some(demo) => demo.edge_url("{hostname}"),
        None => ops::DEFAULT_EDGE_URL.to_string(),
    };
    let request = ops::VerifyRequest {
        origins,
        hostnames,
        identity: files
            .filter(|_| !global)
            .map(|f| (f.client_cert, f.client_key)),
        ca,
        global,
        edge_url: through_edge.then_some(edge_url),
        timeout: Duration::from_secs(5),
    };
    ops::verify(&request).await.map_err(text)
}

/// The rotation in flight for the zone when there is one (it is continued, not planned again).
async fn plan_rotation(
    client: &Client,
    request: &RotationRequest,
    store: Result<RotationStore, String>,
) -> Result<Box<Rotation>, String> {
    let store = store?;
    if let Some(saved) = store
        .load(&request.zone, request.hostname.as_deref())
        .map_err(text)?
    {
        return Ok(Box::new(saved));
    }
    crate::rotation::plan(client, request)
        .await
        .map(Box::new)
        .map_err(|e| format!("{e:#}"))
}

async fn carry_out_rotation(
    client: &Client,
    rotation: &mut Rotation,
    store: Result<RotationStore, String>,
    demo: Option<Arc<Demo>>,
    messages: UnboundedSender<Msg>,
) -> Result<Finish, String> {
    let store = store?;
    store.save(rotation).map_err(text)?;
    let old_ca = rotation.old_ca_cert.clone();
    let trusted = |paths: &[Option<&Path>]| -> Vec<Vec<u8>> {
        paths
            .iter()
            .flatten()
            .filter_map(|p| pki::load_certificates(p).ok())
            .flatten()
            .collect()
    };
    if let Some(demo) = &demo
        && rotation.new_ca
        && rotation.stage >= Stage::FilesWritten
    {
        // In the demo, installing the two-CA snippet is this line.
        demo.origin.set_phase(OriginPhase::Enforce(trusted(&[
            old_ca.as_deref(),
            Some(&rotation.ca_cert),
        ])));
    }
    let mut report = |event| {
        let _ = messages.send(Msg::RotationEvent(event));
    };
    let finish = crate::rotation::carry_out(
        client,
        rotation,
        &store,
        Pace {
            interval: Duration::from_secs(if demo.is_some() { 1 } else { 10 }),
            timeout: Duration::from_secs(900),
            probe_timeout: Duration::from_secs(10),
        },
        &mut report,
    )
    .await
    .map_err(|e| format!("{e:#}"))?;
    if let (Some(demo), Finish::Rotated(_)) = (&demo, &finish)
        && rotation.new_ca
    {
        demo.origin
            .set_phase(OriginPhase::Enforce(trusted(&[Some(&rotation.ca_cert)])));
    }
    Ok(finish)
}
