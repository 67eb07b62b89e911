//! Carries out the effects `update` asks for, on tokio, off the drawing loop, and answers each
//! with a message. Reads and probes can be stopped; uploads and changes always run to the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::message::{
    CaSource, CertificateReady, Effect, ExistingFile, Msg, Resumed, VerifiedToken, ZoneSettings,
};
use super::steps::Scope;
use crate::cloudflare::{ApiToken, Client};
use crate::demo::{Demo, OriginPhase};
use crate::ops::{self, OperationError, Pace};
use crate::pki::{self, GeneratedFiles, Passphrase, PkiError};
use crate::probe::Verification;
use crate::rotation::{Finish, Rotation, RotationError, RotationRequest, RotationStore, Stage};
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
                ca_passphrase,
                replace,
            } => self.spawn(false, async move {
                let made = tokio::task::spawn_blocking(move || {
                    generate(key_type, &dir, &zone, ca_passphrase.as_ref(), replace)
                })
                .await;
                made.unwrap_or_else(|e| Msg::CertificateReady(Err(text(e))))
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
                replace,
            } => self.spawn(false, async move {
                let ca_pem = match ca_file_contents(ca) {
                    Ok(pem) => pem,
                    Err(e) => return Msg::SnippetWritten(Err(e)),
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
                    write_snippet(&absolute(&dir), &files, &replace)
                })
                .await;
                written.unwrap_or_else(|e| Msg::SnippetWritten(Err(text(e))))
            }),
            Effect::Verify {
                phase,
                origins,
                hostnames,
                files,
                global,
                through_edge,
                edge_hostnames,
                edge_url,
            } => {
                let demo = self.demo.clone();
                let edge = through_edge.then_some((edge_url, edge_hostnames));
                self.spawn(true, async move {
                    let result = verify(phase, origins, hostnames, files, global, edge, demo).await;
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
                    match plan_rotation(&client, &request, store).await {
                        Ok(plan) => Msg::RotationPlanned(Ok(plan)),
                        Err(error) => passphrase_needed(&error)
                            .unwrap_or_else(|| Msg::RotationPlanned(Err(format!("{error:#}")))),
                    }
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
            Effect::ReadEvidence {
                server,
                log,
                since,
                edge_ranges,
            } => {
                let base_url = self.base_url.clone();
                self.spawn(true, async move {
                    let result = read_evidence(server, log.clone(), since, edge_ranges, &base_url)
                        .await
                        .map(Box::new);
                    Msg::EvidenceRead { log, result }
                });
            }
            Effect::CheckCaFile(path) => self.spawn(false, async move {
                let checked = tokio::task::spawn_blocking(move || {
                    pki::load_ca_certificates(&absolute(&path)).map(|certs| certs.len())
                })
                .await;
                Msg::CaFileChecked(checked.map_err(text).and_then(|r| r.map_err(text)))
            }),
            Effect::Doctor { client, request } => self.spawn(true, async move {
                let result = ops::doctor::doctor(&client, &request)
                    .await
                    .map(Box::new)
                    .map_err(text);
                Msg::Doctored {
                    request: Box::new(request),
                    result,
                }
            }),
        }
    }
}

/// What goes beside the snippet as the CA the origin trusts: only a CA, and only its
/// certificates, never the text that stood around them in the file.
fn ca_file_contents(ca: CaSource) -> Result<String, String> {
    match ca {
        CaSource::Cloudflare => Ok(pki::cloudflare_ca::PEM.to_string()),
        CaSource::File(path) => pki::load_ca_certificates(&path)
            .map(|certificates| pki::certificates_pem(&certificates))
            .map_err(text),
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
        Effect::CheckCaFile(_) => "check ca file",
        Effect::Doctor { .. } => "doctor",
        Effect::ReadEvidence { .. } => "read evidence",
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
        ca_key_encrypted: false,
    })
}

/// Generates into `dir`; a set already there is reported (with what it holds) unless `replace`.
fn generate(
    key_type: pki::KeyType,
    dir: &Path,
    zone: &str,
    ca_passphrase: Option<&Passphrase>,
    replace: bool,
) -> Msg {
    let dir = absolute(dir);
    let passphrase = ca_passphrase.map(Passphrase::expose);
    match ops::certificate::generate_and_write(zone, key_type, &dir, passphrase, replace) {
        Ok((files, _)) => {
            let mut ready = describe(files, true);
            if let Ok(ready) = ready.as_mut() {
                ready.ca_key_encrypted = ca_passphrase.is_some();
            }
            Msg::CertificateReady(ready)
        }
        Err(PkiError::WouldOverwrite { .. }) => {
            let set = GeneratedFiles::in_dir(&dir);
            Msg::CertificateFilesExist(existing(set.paths().into_iter().filter(|p| p.exists())))
        }
        Err(error) => Msg::CertificateReady(Err(text(error))),
    }
}

/// What each of `paths` holds now, for the question before replacing it.
fn existing<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<ExistingFile> {
    paths
        .into_iter()
        .map(|path| ExistingFile {
            path: path.to_path_buf(),
            holds: pki::describe_file(path),
        })
        .collect()
}

/// Writes the snippet and its CA. A file there with other contents is replaced only when the
/// user agreed to (`replace`); else all of them are reported and nothing is written. A file with
/// the same contents is simply written again.
fn write_snippet(dir: &Path, files: &[pki::OutputFile], replace: &[PathBuf]) -> Msg {
    let differing = pki::differing_files(dir, files);
    if differing.iter().any(|path| !replace.contains(path)) {
        return Msg::SnippetFilesDiffer(existing(differing.iter().map(PathBuf::as_path)));
    }
    Msg::SnippetWritten(pki::write_files_atomically(dir, files, true).map_err(text))
}

/// A CA key that cannot sign without (another) passphrase, as the question to ask.
fn passphrase_needed(error: &RotationError) -> Option<Msg> {
    match error {
        RotationError::Operation(OperationError::Certificate(PkiError::EncryptedKey {
            path,
            ..
        })) => Some(Msg::CaPassphraseNeeded {
            key: path.clone(),
            wrong: false,
        }),
        RotationError::Operation(OperationError::Certificate(PkiError::BadPassphrase { path })) => {
            Some(Msg::CaPassphraseNeeded {
                key: path.clone(),
                wrong: true,
            })
        }
        _ => None,
    }
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
    // The URL and hostnames requested through Cloudflare; none before AOP is enabled.
    edge: Option<(String, Vec<String>)>,
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
    let request = ops::VerifyRequest {
        origins,
        hostnames,
        identity: files
            .filter(|_| !global)
            .map(|f| (f.client_cert, f.client_key)),
        ca,
        global,
        timeout: Duration::from_secs(5),
        edge_url: edge.as_ref().map(|(url, _)| url.clone()),
        edge_hostnames: edge.map(|(_, hostnames)| hostnames).unwrap_or_default(),
        path: "/".into(),
        concurrency: ops::PROBES_AT_ONCE,
    };
    ops::verify(&request).await.map_err(text)
}

/// Cloudflare's ranges (or the ones given), then the log, read off the drawing loop: a log may
/// be large.
async fn read_evidence(
    server: crate::snippets::WebServer,
    log: PathBuf,
    since: Duration,
    edge_ranges: Option<Vec<String>>,
    base_url: &str,
) -> Result<crate::evidence::Evidence, crate::tui::state::LogUnread> {
    crate::evidence::read(crate::evidence::Reading {
        server,
        logs: vec![absolute(&log)],
        since: Some(since),
        edge_ranges: edge_ranges.unwrap_or_default(),
        base_url: base_url.to_string(),
    })
    .await
    .map_err(|error| crate::tui::state::LogUnread {
        elsewhere: error.may_be_elsewhere(),
        why: text(error),
    })
}

/// The rotation in flight for the zone when there is one (it is continued, not planned again).
async fn plan_rotation(
    client: &Client,
    request: &RotationRequest,
    store: Result<RotationStore, String>,
) -> Result<Box<Rotation>, RotationError> {
    let store = store.map_err(RotationError::State)?;
    if let Some(mut saved) = store.load(&request.zone, request.hostname.as_deref())? {
        // A passphrase is never saved: the one typed now signs, when signing is still ahead.
        saved.ca_passphrase = request.ca_passphrase.clone();
        saved.check_signer()?;
        return Ok(Box::new(saved));
    }
    crate::rotation::plan(client, request).await.map(Box::new)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet_files(ca: &str) -> Vec<pki::OutputFile> {
        vec![
            pki::OutputFile {
                name: "nginx-log.conf".into(),
                contents: "ssl_verify_client optional;\n".into(),
                secret: false,
            },
            pki::OutputFile {
                name: "ca.crt".into(),
                contents: ca.into(),
                secret: false,
            },
        ]
    }

    #[test]
    fn a_different_ca_file_is_reported_with_its_subject_and_kept_until_agreed() {
        let dir = tempfile::tempdir().unwrap();
        let origin = dir.path().join("origin");
        // An earlier set-up's own CA, where Cloudflare's is about to be written.
        let Msg::CertificateReady(Ok(own)) = generate(
            pki::KeyType::EcdsaP256,
            dir.path(),
            "example.com",
            None,
            false,
        ) else {
            panic!("generated")
        };
        let own_ca = std::fs::read_to_string(&own.files.ca_cert).unwrap();
        std::fs::create_dir_all(&origin).unwrap();
        std::fs::write(origin.join("ca.crt"), &own_ca).unwrap();

        let cloudflare = snippet_files(pki::cloudflare_ca::PEM);
        let Msg::SnippetFilesDiffer(differ) = write_snippet(&origin, &cloudflare, &[]) else {
            panic!("a different CA file is reported")
        };
        assert_eq!(differ.len(), 1, "{differ:?}");
        assert_eq!(differ[0].path, origin.join("ca.crt"));
        assert!(
            differ[0].holds.starts_with("CA certificate")
                && differ[0].holds.contains("example.com origin pull CA"),
            "{}",
            differ[0].holds
        );
        assert_eq!(
            std::fs::read_to_string(origin.join("ca.crt")).unwrap(),
            own_ca
        );
        assert!(!origin.join("nginx-log.conf").exists(), "nothing written");

        // Agreed to: replaced.
        let agreed = vec![origin.join("ca.crt")];
        let Msg::SnippetWritten(Ok(paths)) = write_snippet(&origin, &cloudflare, &agreed) else {
            panic!("written once agreed")
        };
        assert_eq!(paths.len(), 2);
        assert_eq!(
            std::fs::read_to_string(origin.join("ca.crt")).unwrap(),
            pki::cloudflare_ca::PEM
        );
    }

    #[test]
    fn only_the_cas_certificates_go_beside_the_snippet() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.crt");
        std::fs::write(&ca, format!("{}junk\u{1b}[2J\n", pki::cloudflare_ca::PEM)).unwrap();
        let copied = ca_file_contents(CaSource::File(ca)).unwrap();
        assert!(
            copied.starts_with("-----BEGIN CERTIFICATE-----"),
            "{copied}"
        );
        assert!(
            !copied.contains("junk") && !copied.contains('\u{1b}'),
            "{copied}"
        );
    }

    #[test]
    fn identical_files_are_written_without_a_question() {
        let dir = tempfile::tempdir().unwrap();
        let files = snippet_files("same CA text\n");
        assert!(matches!(
            write_snippet(dir.path(), &files, &[]),
            Msg::SnippetWritten(Ok(_))
        ));
        assert!(matches!(
            write_snippet(dir.path(), &files, &[]),
            Msg::SnippetWritten(Ok(_))
        ));
        // The snippet changed (another CA path), the CA did not: only the snippet is named.
        let mut changed = snippet_files("same CA text\n");
        changed[0].contents = "ssl_verify_client on;\n".into();
        let Msg::SnippetFilesDiffer(differ) = write_snippet(dir.path(), &changed, &[]) else {
            panic!("the changed snippet is reported")
        };
        assert_eq!(differ.len(), 1);
        assert_eq!(differ[0].holds, "1 line of other text");
    }

    #[test]
    fn a_folder_with_a_set_is_reported_and_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let first = generate(
            pki::KeyType::EcdsaP256,
            dir.path(),
            "example.com",
            None,
            false,
        );
        let Msg::CertificateReady(Ok(first)) = first else {
            panic!("{first:?}")
        };
        let again = generate(
            pki::KeyType::EcdsaP256,
            dir.path(),
            "example.com",
            None,
            false,
        );
        let Msg::CertificateFilesExist(existing) = again else {
            panic!("{again:?}")
        };
        let named: Vec<PathBuf> = existing.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            named,
            first
                .files
                .paths()
                .map(Path::to_path_buf)
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert!(existing[0].holds.starts_with("CA certificate"));
        assert_eq!(existing[1].holds, "a private key");
        let replaced = generate(
            pki::KeyType::EcdsaP256,
            dir.path(),
            "example.com",
            None,
            true,
        );
        let Msg::CertificateReady(Ok(replaced)) = replaced else {
            panic!("{replaced:?}")
        };
        assert_ne!(replaced.fingerprint, first.fingerprint, "a new set");
    }

    #[test]
    fn a_passphrase_encrypts_the_ca_key() {
        let dir = tempfile::tempdir().unwrap();
        let passphrase = Passphrase::chosen("correct horse", "correct horse").unwrap();
        let made = generate(
            pki::KeyType::EcdsaP256,
            dir.path(),
            "example.com",
            Some(&passphrase),
            false,
        );
        let Msg::CertificateReady(Ok(ready)) = made else {
            panic!("{made:?}")
        };
        assert!(ready.ca_key_encrypted);
        let files = &ready.files;
        assert!(matches!(
            pki::CertificateAuthority::load(&files.ca_cert, &files.ca_key, None),
            Err(PkiError::EncryptedKey { .. })
        ));
        pki::CertificateAuthority::load(&files.ca_cert, &files.ca_key, Some(passphrase.expose()))
            .expect("the passphrase opens it");
    }

    #[test]
    fn signing_with_an_encrypted_ca_key_asks_for_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let passphrase = Passphrase::new("correct horse");
        let (files, _) = ops::certificate::generate_and_write(
            "example.com",
            pki::KeyType::EcdsaP256,
            dir.path(),
            Some(passphrase.expose()),
            false,
        )
        .unwrap();
        // What planning's check of the CA key answers, as the rotation's error.
        let asked = |typed: Option<&str>| {
            let typed = typed.map(Passphrase::new);
            let check = pki::CertificateAuthority::load(
                &files.ca_cert,
                &files.ca_key,
                typed.as_ref().map(Passphrase::expose),
            );
            check
                .err()
                .and_then(|e| passphrase_needed(&RotationError::from(e)))
        };
        assert!(matches!(
            asked(None),
            Some(Msg::CaPassphraseNeeded { wrong: false, .. })
        ));
        assert!(matches!(
            asked(Some("wrong horse")),
            Some(Msg::CaPassphraseNeeded { wrong: true, key }) if key == files.ca_key
        ));
        assert!(asked(Some("correct horse")).is_none());
    }
}
