//! The wizard's one state, the messages that change it and the effects it asks for. `update` is
//! pure: it never does I/O, so every transition is a unit test away.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::TextInput;
use super::progress::Progress;
use super::rotation::RotationView;
use super::steps::{Scope, Step, Task};
use super::undo::UndoView;
use crate::cloudflare::{
    ApiToken, Client, DnsRecord, PermissionCheck, SslMode, UploadedCertificate, Zone,
};
use crate::ops::expected_verdict;
use crate::pki::{GeneratedFiles, KeyType};
use crate::probe::Verification;
use crate::rotation::{Event as RotationEvent, Finish, Rotation, RotationRequest};
use crate::snippets::{SnippetPhase, WebServer};
use crate::undo::UndoPlan;

/// Key types offered, fastest first: ECDSA is instant, RSA-4096 is Cloudflare's recipe.
pub const KEY_TYPES: [KeyType; 3] = [KeyType::EcdsaP256, KeyType::Rsa2048, KeyType::Rsa4096];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    Looking,
    /// No usable token yet: the user types one.
    NeedInput {
        problem: String,
    },
    Verified {
        source: String,
        typed: bool,
    },
}

#[derive(Debug, Clone)]
pub struct CertificateReady {
    pub files: GeneratedFiles,
    pub subject: String,
    pub not_after: String,
    pub days_left: i64,
    pub fingerprint: String,
    /// Generated here, or imported (then `ca_key` may be missing).
    pub generated: bool,
}

/// A question asked before anything that changes the zone or leaves the flow.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub on_yes: Vec<Effect>,
    /// Where the wizard goes when the user says yes without an effect (going back).
    pub go_to: Option<Step>,
    pub busy_label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Certificate screen: generate or import.
    Mode,
    KeyType,
    OutDir,
    ImportCert,
    ImportKey,
    ImportCa,
    /// Snippet screens.
    CaPathOnOrigin,
    SnippetDir,
}

#[derive(Debug, Clone)]
pub struct Busy {
    pub label: String,
    pub since_tick: u64,
    /// Esc may stop it (reads and probes; never an upload or a change).
    pub cancellable: bool,
}

/// What the runner is asked to do; each answers with one or more `Msg`.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Environment or keyring (`None`), or a typed token.
    VerifyToken(Option<ApiToken>),
    SaveToken(ApiToken),
    LoadZones(Client),
    ProbePermissions {
        client: Client,
        zone: String,
    },
    ReadZone {
        client: Client,
        zone: Zone,
    },
    SetSslMode {
        client: Client,
        zone_id: String,
        mode: SslMode,
    },
    GenerateCertificate {
        key_type: KeyType,
        dir: PathBuf,
        zone: String,
    },
    ImportCertificate {
        cert: PathBuf,
        key: PathBuf,
        ca: Option<PathBuf>,
    },
    Upload {
        client: Client,
        zone_id: String,
        scope: Scope,
        files: GeneratedFiles,
    },
    Enable {
        client: Client,
        zone_id: String,
        scope: Scope,
        certificate_id: Option<String>,
        hostnames: Vec<String>,
    },
    WriteSnippet {
        dir: PathBuf,
        snippet_name: String,
        snippet: String,
        ca_name: String,
        ca_pem: String,
    },
    Verify {
        phase: SnippetPhase,
        origins: Vec<SocketAddr>,
        hostnames: Vec<String>,
        files: Option<GeneratedFiles>,
        global: bool,
    },
    CreateAlert {
        client: Client,
        account_id: String,
        zone: String,
        email: String,
        scope: Scope,
    },
    PlanRotation {
        client: Client,
        request: Box<RotationRequest>,
    },
    CarryOutRotation {
        client: Client,
        rotation: Box<Rotation>,
    },
    AbortRotation {
        client: Client,
        rotation: Box<Rotation>,
    },
    ReadUndo {
        client: Client,
        zone: String,
    },
    ProbeRelaxed {
        origins: Vec<SocketAddr>,
        hostnames: Vec<String>,
    },
    TurnOff {
        client: Client,
        plan: Box<UndoPlan>,
        delete_certificates: bool,
    },
    SaveProgress(Progress),
    Copy(String),
    Cancel,
}

/// A token Cloudflare accepted, and where it came from.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub client: Client,
    /// Where it was found, for the screen ("the OS keyring", "typed in").
    pub source: String,
    /// Typed in this session: it can be saved in the keyring.
    pub typed: bool,
}

/// What the wizard reads of a zone once it is chosen.
#[derive(Debug, Clone)]
pub struct ZoneSettings {
    pub ssl_mode: SslMode,
    /// The automatic SSL/TLS setting ("auto" or "custom").
    pub ssl_automatic: String,
    pub dns: Vec<DnsRecord>,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Tick,
    /// The terminal was resized: draw again.
    Redraw,
    TokenChecked(Result<VerifiedToken, String>),
    TokenSaved(Result<String, String>),
    Zones(Result<Vec<Zone>, String>),
    Permissions(Vec<PermissionCheck>),
    ZoneRead(Result<ZoneSettings, String>),
    SslModeSet(Result<SslMode, String>),
    CertificateReady(Result<CertificateReady, String>),
    UploadStatus(String),
    Uploaded(Result<UploadedCertificate, String>),
    Enabled(Result<(), String>),
    SnippetWritten(Result<Vec<PathBuf>, String>),
    Verified {
        phase: SnippetPhase,
        result: Result<Verification, String>,
    },
    AlertCreated(Result<String, String>),
    /// The plan, or the rotation in flight for the zone.
    RotationPlanned(Result<Box<Rotation>, String>),
    RotationEvent(RotationEvent),
    RotationEnded {
        /// How the run ended.
        result: Result<Finish, String>,
        /// The rotation as far as it got.
        rotation: Box<Rotation>,
    },
    RotationAborted(Result<(), String>),
    UndoRead(Result<Box<UndoPlan>, String>),
    /// What still refuses a request without a certificate.
    UndoProbed(Result<Vec<String>, String>),
    TurnedOff(Result<(), String>),
    Copied,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct Wizard {
    pub step: Step,
    pub task: Task,
    pub scope: Scope,
    pub cursor: usize,
    pub resumable: Vec<Progress>,
    /// Days the certificate of each resumable set-up has left, when its file is at hand.
    pub days_left: Vec<Option<i64>>,
    pub resumed: bool,
    pub demo_origin: Option<SocketAddr>,
    pub base_url: String,

    pub token_state: TokenState,
    pub token_input: TextInput,
    pub permissions: Vec<PermissionCheck>,
    pub client: Option<Client>,

    pub zones: Vec<Zone>,
    pub zone_filter: TextInput,
    pub zone: Option<Zone>,
    pub ssl_mode: Option<SslMode>,
    pub ssl_automatic: Option<String>,
    pub dns: Vec<DnsRecord>,

    pub generate: bool,
    pub key_type: usize,
    pub focus: Field,
    pub out_dir: TextInput,
    pub import_cert: TextInput,
    pub import_key: TextInput,
    pub import_ca: TextInput,
    pub certificate: Option<CertificateReady>,

    pub upload_status: Option<String>,
    pub certificate_id: Option<String>,

    pub server: usize,
    pub ca_path: TextInput,
    pub snippet_dir: TextInput,
    pub editing: Option<Field>,
    pub scroll: u16,

    pub hostname_choice: BTreeSet<String>,
    pub enabled: bool,

    pub origins: TextInput,
    pub verify_log: Option<Verification>,
    pub verify_enforce: Option<Verification>,

    pub email: TextInput,
    pub alert_id: Option<String>,

    pub rotation: RotationView,
    pub undo: UndoView,

    pub busy: Option<Busy>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub confirm: Option<Confirm>,
    pub help: bool,
    pub quit_asked: bool,
    pub quit: bool,
    pub done: BTreeSet<Step>,
    pub files: Vec<(String, PathBuf)>,
    pub tick: u64,
    /// The data directory exists: progress can be saved.
    pub can_save: bool,
}

fn ctrl_c(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL)
}

impl Wizard {
    pub fn new(
        resumable: Vec<Progress>,
        demo_origin: Option<SocketAddr>,
        base_url: String,
    ) -> Self {
        Self {
            step: Step::Welcome,
            task: Task::SetUp,
            scope: Scope::Zone,
            cursor: 0,
            days_left: Vec::new(),
            resumable,
            resumed: false,
            demo_origin,
            base_url,
            token_state: TokenState::Looking,
            token_input: TextInput::masked(),
            permissions: Vec::new(),
            client: None,
            zones: Vec::new(),
            zone_filter: TextInput::default(),
            zone: None,
            ssl_mode: None,
            ssl_automatic: None,
            dns: Vec::new(),
            generate: true,
            key_type: 0,
            focus: Field::Mode,
            out_dir: TextInput::default(),
            import_cert: TextInput::default(),
            import_key: TextInput::default(),
            import_ca: TextInput::default(),
            certificate: None,
            upload_status: None,
            certificate_id: None,
            server: 0,
            ca_path: TextInput::new(WebServer::ALL[0].default_ca_path()),
            snippet_dir: TextInput::default(),
            editing: None,
            scroll: 0,
            hostname_choice: BTreeSet::new(),
            enabled: false,
            origins: TextInput::default(),
            verify_log: None,
            verify_enforce: None,
            email: TextInput::default(),
            alert_id: None,
            rotation: RotationView::default(),
            undo: UndoView::default(),
            busy: None,
            error: None,
            notice: None,
            confirm: None,
            help: false,
            quit_asked: false,
            quit: false,
            done: BTreeSet::new(),
            files: Vec::new(),
            tick: 0,
            can_save: true,
        }
    }

    pub fn server(&self) -> WebServer {
        WebServer::ALL[self.server % WebServer::ALL.len()]
    }

    pub fn zone_name(&self) -> String {
        self.zone
            .as_ref()
            .map(|z| z.name.clone())
            .unwrap_or_default()
    }

    /// Zones matching the type-ahead filter.
    pub fn filtered_zones(&self) -> Vec<&Zone> {
        let filter = self.zone_filter.trimmed().to_ascii_lowercase();
        self.zones
            .iter()
            .filter(|z| z.name.to_ascii_lowercase().contains(&filter))
            .collect()
    }

    pub fn proxied_hostnames(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .dns
            .iter()
            .filter(|r| r.is_proxied() && matches!(r.record_type.as_str(), "A" | "AAAA" | "CNAME"))
            .map(|r| r.name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The hostnames the probe and the per-hostname scope work on.
    pub fn target_hostnames(&self) -> Vec<String> {
        match self.scope {
            Scope::Hostname => self.hostname_choice.iter().cloned().collect(),
            _ => self.proxied_hostnames(),
        }
    }

    /// DNS-only records pointing at an origin being locked down: they stop working over HTTPS.
    pub fn exposed_dns_only(&self) -> Vec<&DnsRecord> {
        let origins = self.origin_ips();
        self.dns
            .iter()
            .filter(|r| !r.is_proxied() && origins.contains(&r.content))
            .collect()
    }

    fn origin_ips(&self) -> Vec<String> {
        let mut ips: Vec<String> = self
            .dns
            .iter()
            .filter(|r| r.is_proxied() && matches!(r.record_type.as_str(), "A" | "AAAA"))
            .map(|r| r.content.clone())
            .collect();
        ips.sort();
        ips.dedup();
        ips
    }

    /// Origins pre-filled from the zone's proxied records (the demo's local origin in a demo).
    fn default_origins(&self) -> String {
        match self.demo_origin {
            Some(address) => address.to_string(),
            None => self.origin_ips().join(" "),
        }
    }

    pub fn parsed_origins(&self) -> Result<Vec<SocketAddr>, String> {
        let origins: Vec<&str> = self
            .origins
            .value
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .collect();
        if origins.is_empty() {
            return Err("type at least one origin address (IP or IP:PORT)".into());
        }
        origins
            .into_iter()
            .map(crate::probe::parse_origin)
            .collect()
    }

    /// The origin snippet for the chosen server, phase and CA path, as text.
    pub fn snippet_text(&self, phase: SnippetPhase) -> Result<String, String> {
        let ca = crate::snippets::CaFile {
            path: self.ca_path.trimmed().to_string(),
            certificates: Some(1),
        };
        let today = time::OffsetDateTime::now_utc().date();
        let mut request =
            crate::snippets::SnippetRequest::new(self.server(), phase, vec![ca], today);
        request.global = self.scope == Scope::Global;
        crate::snippets::render(&request)
            .map(|s| s.text())
            .map_err(|e| e.to_string())
    }

    pub fn progress(&self) -> Progress {
        Progress {
            zone: self.zone_name(),
            scope: self.scope,
            done: self.done.clone(),
            certificate: self.certificate.as_ref().map(|c| c.files.clone()),
            certificate_id: self.certificate_id.clone(),
            hostnames: self.hostname_choice.iter().cloned().collect(),
            files: self.files.clone(),
        }
    }

    fn save(&self) -> Vec<Effect> {
        if self.zone.is_some() && self.can_save {
            vec![Effect::SaveProgress(self.progress())]
        } else {
            Vec::new()
        }
    }

    /// Whether a text field takes the keys on this screen now.
    /// The saved set-ups whose certificate can be rotated, by index into `resumable`.
    pub fn rotatable(&self) -> Vec<usize> {
        self.resumable
            .iter()
            .enumerate()
            .filter(|(_, p)| p.certificate_id.is_some() && p.scope.uses_own_certificate())
            .map(|(index, _)| index)
            .collect()
    }

    /// The saved set-ups that turned AOP on, by index into `resumable`.
    pub fn undoable(&self) -> Vec<usize> {
        self.resumable
            .iter()
            .enumerate()
            .filter(|(_, p)| p.done.contains(&Step::Enable))
            .map(|(index, _)| index)
            .collect()
    }

    /// A certificate this close to its end is offered for rotation first.
    pub const ROTATE_WITHIN_DAYS: i64 = 30;

    /// Remembers how long each saved certificate has left and, when one is within
    /// `ROTATE_WITHIN_DAYS`, puts the cursor on its rotation.
    pub fn set_days_left(&mut self, days_left: Vec<Option<i64>>) {
        self.days_left = days_left;
        let expiring = self.rotatable().iter().position(|index| {
            self.days_left
                .get(*index)
                .copied()
                .flatten()
                .is_some_and(|days| days <= Self::ROTATE_WITHIN_DAYS)
        });
        if let Some(position) = expiring {
            self.cursor = self.resumable.len() + position;
        }
    }

    pub fn typing(&self) -> bool {
        if self.editing.is_some() {
            return true;
        }
        match self.step {
            Step::Token => matches!(self.token_state, TokenState::NeedInput { .. }),
            Step::Zone => true,
            Step::Certificate => {
                self.certificate.is_none()
                    && matches!(
                        self.focus,
                        Field::OutDir | Field::ImportCert | Field::ImportKey | Field::ImportCa
                    )
            }
            Step::VerifyLog => true,
            Step::Alerts => self.alert_id.is_none(),
            Step::Rotate => self.rotation.plan.is_none(),
            _ => false,
        }
    }

    pub(super) fn go(&mut self, step: Step) -> Vec<Effect> {
        self.step = step;
        self.error = None;
        self.notice = None;
        self.cursor = 0;
        self.scroll = 0;
        self.editing = None;
        self.enter_step()
    }

    fn finish(&mut self, step: Step) -> Vec<Effect> {
        self.done.insert(step);
        match step.next(self.task, self.scope) {
            Some(next) => self.go(next),
            None => Vec::new(),
        }
    }

    pub(super) fn start(&mut self, label: impl Into<String>, cancellable: bool) {
        self.busy = Some(Busy {
            label: label.into(),
            since_tick: self.tick,
            cancellable,
        });
        self.error = None;
    }

    /// What a step needs when it is entered.
    fn enter_step(&mut self) -> Vec<Effect> {
        match self.step {
            Step::Token if self.client.is_none() => {
                self.token_state = TokenState::Looking;
                self.start("Looking for a token", false);
                vec![Effect::VerifyToken(None)]
            }
            Step::Certificate if self.out_dir.value.is_empty() => {
                self.out_dir = TextInput::new(format!("./aop-{}", self.zone_name()));
                Vec::new()
            }
            Step::SnippetLog if self.snippet_dir.value.is_empty() => {
                self.snippet_dir = TextInput::new(format!("./aop-{}/origin", self.zone_name()));
                Vec::new()
            }
            Step::Enable if self.scope == Scope::Hostname && self.hostname_choice.is_empty() => {
                self.hostname_choice = self.proxied_hostnames().into_iter().take(1).collect();
                Vec::new()
            }
            Step::VerifyLog if self.origins.value.is_empty() => {
                self.origins = TextInput::new(self.default_origins());
                Vec::new()
            }
            Step::Undo => super::undo::enter(self),
            _ => Vec::new(),
        }
    }

    pub(super) fn ask(
        &mut self,
        title: &str,
        lines: Vec<String>,
        on_yes: Vec<Effect>,
        busy: Option<&str>,
    ) {
        self.confirm = Some(Confirm {
            title: title.into(),
            lines,
            on_yes,
            go_to: None,
            busy_label: busy.map(str::to_string),
        });
    }

    fn back(&mut self) -> Vec<Effect> {
        let Some(previous) = self.step.previous(self.task, self.scope) else {
            return Vec::new();
        };
        let kept = self.kept_if_back();
        if kept.is_empty() {
            return self.go(previous);
        }
        let mut lines = vec!["Going back undoes nothing; these stay as they are:".to_string()];
        lines.extend(kept.into_iter().map(|k| format!("  • {k}")));
        lines.push(
            "Undo them with `aop-wizard disable` / the Cloudflare dashboard if needed.".into(),
        );
        self.confirm = Some(Confirm {
            title: format!("Back to {}?", previous.title()),
            lines,
            on_yes: Vec::new(),
            go_to: Some(previous),
            busy_label: None,
        });
        Vec::new()
    }

    /// Effects already carried out that a step back would leave in place.
    fn kept_if_back(&self) -> Vec<String> {
        let mut kept = Vec::new();
        let previous = self.step.previous(self.task, self.scope);
        if let Some(previous) = previous {
            if previous == Step::Upload
                && let Some(id) = &self.certificate_id
            {
                kept.push(format!("the certificate uploaded to Cloudflare (id {id})"));
            }
            if previous == Step::Enable && self.enabled {
                kept.push(format!(
                    "AOP enabled on Cloudflare ({} scope)",
                    self.scope.label()
                ));
            }
            if previous == Step::Certificate
                && self.certificate.as_ref().is_some_and(|c| c.generated)
            {
                kept.push("the generated certificate files on disk".into());
            }
            if previous == Step::SslMode
                && self.done.contains(&Step::SslMode)
                && let Some(mode) = &self.ssl_mode
            {
                kept.push(format!("the zone's SSL/TLS mode ({})", mode.label()));
            }
        }
        kept
    }
}

/// Where the CA file usually lives on each server.
pub fn update(state: &mut Wizard, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Tick => {
            state.tick += 1;
            Vec::new()
        }
        Msg::Redraw => Vec::new(),
        Msg::Cancelled => {
            state.busy = None;
            state.notice = Some("Stopped.".into());
            Vec::new()
        }
        msg @ Msg::RotationEvent(_) => super::rotation::on_message(state, msg),
        msg @ (Msg::RotationPlanned(_) | Msg::RotationEnded { .. } | Msg::RotationAborted(_)) => {
            state.busy = None;
            super::rotation::on_message(state, msg)
        }
        msg @ (Msg::UndoRead(_) | Msg::UndoProbed(_) | Msg::TurnedOff(_)) => {
            state.busy = None;
            super::undo::on_message(state, msg);
            Vec::new()
        }
        Msg::Copied => {
            state.notice =
                Some("Copied to the clipboard (OSC 52; your terminal must allow it).".into());
            Vec::new()
        }
        other => on_result(state, other),
    }
}

fn on_result(state: &mut Wizard, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Msg::UploadStatus(status) = &msg {
        // Still working: the spinner goes on with the new status.
        state.upload_status = Some(status.clone());
        if let Some(busy) = &mut state.busy {
            busy.label = format!("Waiting for Cloudflare to deploy it: {status}");
        }
        return effects;
    }
    state.busy = None;
    match msg {
        Msg::TokenChecked(Ok(VerifiedToken {
            client,
            source,
            typed,
        })) => {
            state.client = Some(client.clone());
            state.token_state = TokenState::Verified { source, typed };
            state.token_input.value.clear();
            state.start("Reading the account's zones", true);
            effects.push(Effect::LoadZones(client));
        }
        Msg::TokenChecked(Err(problem)) => {
            state.token_state = TokenState::NeedInput { problem };
        }
        Msg::TokenSaved(Ok(backend)) => {
            state.notice = Some(format!(
                "Saved in the OS keyring ({backend}); next time it is found there."
            ));
            if let TokenState::Verified { typed, .. } = &mut state.token_state {
                *typed = false;
            }
        }
        Msg::TokenSaved(Err(e)) => state.error = Some(e),
        Msg::Zones(Ok(zones)) => {
            state.zones = zones;
            let probe_zone = state
                .resumable
                .first()
                .filter(|_| state.resumed)
                .map(|p| p.zone.clone())
                .or_else(|| state.zones.first().map(|z| z.name.clone()));
            if let (Some(zone), Some(client)) = (probe_zone, state.client.clone()) {
                state.start(format!("Checking the token's permissions on {zone}"), true);
                effects.push(Effect::ProbePermissions { client, zone });
            }
            if state.zones.is_empty() {
                state.error = Some(
                    "This token sees no zones: give it Zone → Zone → Read on your zone.".into(),
                );
            }
        }
        Msg::Zones(Err(e)) => state.error = Some(e),
        Msg::Permissions(checks) => state.permissions = checks,
        Msg::ZoneRead(Ok(settings)) => {
            state.ssl_mode = Some(settings.ssl_mode);
            state.ssl_automatic = Some(settings.ssl_automatic);
            state.dns = settings.dns;
            state.origins = TextInput::new(state.default_origins());
        }
        Msg::ZoneRead(Err(e)) => state.error = Some(e),
        Msg::SslModeSet(Ok(mode)) => {
            state.notice = Some(format!("SSL/TLS mode is now {}.", mode.label()));
            state.ssl_mode = Some(mode);
            state.done.insert(Step::SslMode);
            effects.extend(state.save());
        }
        Msg::SslModeSet(Err(e)) => state.error = Some(e),
        Msg::CertificateReady(Ok(ready)) => {
            if ready.generated {
                state.files.retain(|(_, p)| {
                    !p.starts_with(ready.files.ca_cert.parent().unwrap_or(&ready.files.ca_cert))
                });
                state.files.extend([
                    (
                        "CA certificate (goes on the origin)".to_string(),
                        ready.files.ca_cert.clone(),
                    ),
                    (
                        "CA private key (never leaves this machine)".to_string(),
                        ready.files.ca_key.clone(),
                    ),
                    (
                        "client certificate (uploaded to Cloudflare)".to_string(),
                        ready.files.client_cert.clone(),
                    ),
                    (
                        "client private key (uploaded to Cloudflare)".to_string(),
                        ready.files.client_key.clone(),
                    ),
                ]);
            }
            state.certificate = Some(ready);
            state.certificate_id = None;
            state.done.insert(Step::Certificate);
            effects.extend(state.save());
        }
        Msg::CertificateReady(Err(e)) => state.error = Some(e),
        Msg::Uploaded(Ok(certificate)) => {
            state.upload_status = certificate.status.as_ref().map(|s| s.as_str().to_string());
            state.certificate_id = Some(certificate.id);
            state.done.insert(Step::Upload);
            state.notice = Some("Uploaded and active.".into());
            effects.extend(state.save());
        }
        Msg::Uploaded(Err(e)) => state.error = Some(e),
        Msg::Enabled(Ok(())) => {
            state.enabled = true;
            state.done.insert(Step::Enable);
            state.notice =
                Some("Enabled: Cloudflare now presents the certificate to your origin.".into());
            effects.extend(state.save());
        }
        Msg::Enabled(Err(e)) => state.error = Some(e),
        Msg::SnippetWritten(Ok(paths)) => {
            state.notice = Some(format!(
                "Wrote {}",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for path in paths {
                if !state.files.iter().any(|(_, p)| *p == path) {
                    state.files.push(("origin configuration".into(), path));
                }
            }
            effects.extend(state.save());
        }
        Msg::SnippetWritten(Err(e)) => state.error = Some(e),
        Msg::Verified {
            phase,
            result: Ok(result),
        } => {
            let passed = result.passed(expected_verdict(phase));
            let step = match phase {
                SnippetPhase::Log => Step::VerifyLog,
                SnippetPhase::Enforce => Step::Enforce,
            };
            if passed {
                state.done.insert(step);
                effects.extend(state.save());
            }
            match phase {
                SnippetPhase::Log => state.verify_log = Some(result),
                SnippetPhase::Enforce => state.verify_enforce = Some(result),
            }
        }
        Msg::Verified { result: Err(e), .. } => state.error = Some(e),
        Msg::AlertCreated(Ok(id)) => {
            state.alert_id = Some(id);
            state.done.insert(Step::Alerts);
            effects.extend(state.save());
        }
        Msg::AlertCreated(Err(e)) => state.error = Some(e),
        Msg::Key(_)
        | Msg::Tick
        | Msg::Redraw
        | Msg::Cancelled
        | Msg::Copied
        | Msg::UploadStatus(_)
        | Msg::RotationPlanned(_)
        | Msg::RotationEvent(_)
        | Msg::RotationEnded { .. }
        | Msg::RotationAborted(_)
        | Msg::UndoRead(_)
        | Msg::UndoProbed(_)
        | Msg::TurnedOff(_) => {}
    }
    effects
}

fn on_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if state.help {
        state.help = false;
        return Vec::new();
    }
    if state.quit_asked {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => state.quit = true,
            _ => state.quit_asked = false,
        }
        return Vec::new();
    }
    if let Some(confirm) = state.confirm.take() {
        return match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                if let Some(label) = &confirm.busy_label {
                    state.start(label.clone(), false);
                }
                let mut effects = confirm.on_yes;
                if let Some(step) = confirm.go_to {
                    effects.extend(state.go(step));
                }
                effects
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Vec::new(),
            _ => {
                state.confirm = Some(confirm);
                Vec::new()
            }
        };
    }
    if ctrl_c(&key) {
        state.quit_asked = true;
        return Vec::new();
    }
    if let Some(busy) = &state.busy {
        if key.code == KeyCode::Esc && busy.cancellable {
            return vec![Effect::Cancel];
        }
        return Vec::new();
    }
    if !state.typing() {
        match key.code {
            KeyCode::Char('?') => {
                state.help = true;
                return Vec::new();
            }
            KeyCode::Char('q') => {
                if matches!(state.step, Step::Welcome | Step::Summary) {
                    state.quit = true;
                } else {
                    state.quit_asked = true;
                }
                return Vec::new();
            }
            _ => {}
        }
    }
    if state.editing.is_none() && matches!(key.code, KeyCode::Esc | KeyCode::BackTab) {
        return state.back();
    }
    match state.step {
        Step::Welcome => welcome_key(state, key),
        Step::Token => token_key(state, key),
        Step::Zone => zone_key(state, key),
        Step::SslMode => ssl_key(state, key),
        Step::Certificate => certificate_key(state, key),
        Step::Upload => upload_key(state, key),
        Step::SnippetLog => snippet_key(state, key, SnippetPhase::Log),
        Step::Enable => enable_key(state, key),
        Step::VerifyLog => verify_key(state, key, SnippetPhase::Log),
        Step::Enforce if key.code == KeyCode::Enter && state.editing.is_none() => {
            verify_key(state, key, SnippetPhase::Enforce)
        }
        Step::Enforce => snippet_key(state, key, SnippetPhase::Enforce),
        Step::Alerts => alerts_key(state, key),
        Step::Summary => match key.code {
            KeyCode::Enter => {
                state.quit = true;
                Vec::new()
            }
            KeyCode::Char('r') if state.certificate_id.is_some() => super::rotation::begin(state),
            KeyCode::Char('u') if state.enabled => super::undo::begin(state),
            _ => Vec::new(),
        },
        Step::Rotate => super::rotation::on_key(state, key),
        Step::Undo => super::undo::on_key(state, key),
    }
}

fn move_cursor(cursor: &mut usize, len: usize, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') if *cursor > 0 => {
            *cursor -= 1;
            true
        }
        KeyCode::Down | KeyCode::Char('j') if *cursor + 1 < len => {
            *cursor += 1;
            true
        }
        _ => false,
    }
}

fn welcome_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let rotatable = state.rotatable();
    let undoable = state.undoable();
    let options = state.resumable.len() + rotatable.len() + undoable.len() + Scope::ALL.len();
    if move_cursor(&mut state.cursor, options, &key) || key.code != KeyCode::Enter {
        return Vec::new();
    }
    let cursor = state.cursor;
    if let Some(progress) = state.resumable.get(cursor).cloned() {
        resume(state, progress);
    } else if let Some(index) = rotatable.get(cursor - state.resumable.len()) {
        let progress = state.resumable[*index].clone();
        resume(state, progress);
        state.task = Task::Rotate;
    } else if let Some(index) = undoable.get(cursor - state.resumable.len() - rotatable.len()) {
        let progress = state.resumable[*index].clone();
        resume(state, progress);
        state.task = Task::Undo;
    } else {
        state.scope = Scope::ALL[cursor - state.resumable.len() - rotatable.len() - undoable.len()];
        state.resumed = false;
        state.resumable.retain(|_| false);
    }
    state.finish(Step::Welcome)
}

fn resume(state: &mut Wizard, progress: Progress) {
    state.scope = progress.scope;
    state.done = progress.done.clone();
    state.certificate_id = progress.certificate_id.clone();
    state.hostname_choice = progress.hostnames.iter().cloned().collect();
    state.files = progress.files.clone();
    state.zone_filter = TextInput::new(progress.zone.clone());
    state.enabled = progress.done.contains(&Step::Enable);
    if let Some(files) = &progress.certificate {
        state.out_dir = TextInput::new(
            files
                .ca_cert
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        state.import_cert = TextInput::new(files.client_cert.display().to_string());
        state.import_key = TextInput::new(files.client_key.display().to_string());
        state.import_ca = TextInput::new(files.ca_cert.display().to_string());
        // The files are on disk already: Enter on the certificate screen checks them again.
        state.generate = false;
    }
    state.resumed = true;
    state.resumable = vec![progress];
    state.days_left.clear();
}

fn token_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match &state.token_state {
        TokenState::NeedInput { .. } => {
            if key.code == KeyCode::Enter {
                let typed = state.token_input.trimmed().to_string();
                if typed.is_empty() {
                    state.error = Some("Paste the API token first (it is not shown).".into());
                    return Vec::new();
                }
                state.start("Verifying the token", false);
                return vec![Effect::VerifyToken(Some(ApiToken::new(typed)))];
            }
            state.token_input.handle(key);
            Vec::new()
        }
        TokenState::Verified { typed, .. } => match key.code {
            KeyCode::Char('s') if *typed => {
                // The client holds the token; saving it never puts it in the state or a file.
                match state.client.as_ref().and_then(Client::token) {
                    Some(token) => {
                        state.start("Saving the token in the OS keyring", false);
                        vec![Effect::SaveToken(token)]
                    }
                    None => Vec::new(),
                }
            }
            KeyCode::Char('r') => {
                state.client = None;
                state.token_state = TokenState::NeedInput {
                    problem: "Paste another token.".into(),
                };
                Vec::new()
            }
            KeyCode::Enter if !state.zones.is_empty() => state.finish(Step::Token),
            _ => Vec::new(),
        },
        TokenState::Looking => Vec::new(),
    }
}

fn zone_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let count = state.filtered_zones().len();
    if move_cursor_arrows(&mut state.cursor, count, &key) {
        return Vec::new();
    }
    if key.code == KeyCode::Enter {
        let Some(zone) = state
            .filtered_zones()
            .get(state.cursor)
            .map(|z| (*z).clone())
        else {
            state.error = Some("No zone matches; change the filter.".into());
            return Vec::new();
        };
        let Some(client) = state.client.clone() else {
            return Vec::new();
        };
        if state.zone.as_ref().is_some_and(|z| z.id != zone.id) {
            // Another zone: what was done belongs to the old one.
            state.done.retain(|s| *s <= Step::Zone);
            state.certificate_id = None;
            state.enabled = false;
            state.verify_log = None;
            state.verify_enforce = None;
            state.origins.value.clear();
        }
        state.zone = Some(zone.clone());
        let effects = state.finish(Step::Zone);
        state.start(format!("Reading {}", zone.name), true);
        let mut all = vec![Effect::ReadZone { client, zone }];
        all.extend(effects);
        return all;
    }
    if state.zone_filter.handle(key) {
        state.cursor = 0;
    }
    Vec::new()
}

/// Only the arrow keys: on screens where letters are typed.
fn move_cursor_arrows(cursor: &mut usize, len: usize, key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Up | KeyCode::Down) && move_cursor(cursor, len, key)
}

fn ssl_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let Some(mode) = state.ssl_mode.clone() else {
        return Vec::new();
    };
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    let set = |state: &mut Wizard, target: SslMode| {
        let lines = vec![
            format!("Zone {}: SSL/TLS mode {} → {}.", zone.name, mode.label(), target.label()),
            "Cloudflare will connect to your origin over HTTPS.".into(),
            match target {
                SslMode::Strict => "Full (strict) also checks the origin's certificate: it must be valid for the hostname (a Cloudflare Origin CA certificate works).".into(),
                _ => "Full accepts any certificate on the origin, even self-signed.".into(),
            },
            format!("Same as: aop-wizard ssl-mode --zone {} --set {}", zone.name, target.api_value()),
        ];
        state.ask(
            "Change the SSL/TLS mode?",
            lines,
            vec![Effect::SetSslMode {
                client: client.clone(),
                zone_id: zone.id.clone(),
                mode: target,
            }],
            Some("Changing the SSL/TLS mode"),
        );
        Vec::new()
    };
    match key.code {
        KeyCode::Char('f') if !mode.supports_aop() => set(state, SslMode::Full),
        KeyCode::Char('s') if mode != SslMode::Strict => set(state, SslMode::Strict),
        KeyCode::Enter if mode.supports_aop() => state.finish(Step::SslMode),
        KeyCode::Enter => {
            state.error = Some(format!(
                "AOP does not work in {} mode: press f for Full or s for Full (strict).",
                mode.label()
            ));
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn certificate_fields(generate: bool) -> &'static [Field] {
    if generate {
        &[Field::Mode, Field::KeyType, Field::OutDir]
    } else {
        &[
            Field::Mode,
            Field::ImportCert,
            Field::ImportKey,
            Field::ImportCa,
        ]
    }
}

fn certificate_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if !state.scope.uses_own_certificate() {
        return if key.code == KeyCode::Enter {
            state.finish(Step::Certificate)
        } else {
            Vec::new()
        };
    }
    if state.certificate.is_some() {
        return match key.code {
            KeyCode::Enter => state.finish(Step::Certificate),
            KeyCode::Char('n') => {
                state.certificate = None;
                state.done.remove(&Step::Certificate);
                Vec::new()
            }
            _ => Vec::new(),
        };
    }
    let fields = certificate_fields(state.generate);
    let index = fields.iter().position(|f| *f == state.focus).unwrap_or(0);
    match key.code {
        KeyCode::Tab | KeyCode::Down => {
            state.focus = fields[(index + 1) % fields.len()];
            return Vec::new();
        }
        KeyCode::Up => {
            state.focus = fields[(index + fields.len() - 1) % fields.len()];
            return Vec::new();
        }
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if state.focus == Field::Mode => {
            state.generate = !state.generate;
            return Vec::new();
        }
        KeyCode::Left if state.focus == Field::KeyType => {
            state.key_type = (state.key_type + KEY_TYPES.len() - 1) % KEY_TYPES.len();
            return Vec::new();
        }
        KeyCode::Right | KeyCode::Char(' ') if state.focus == Field::KeyType => {
            state.key_type = (state.key_type + 1) % KEY_TYPES.len();
            return Vec::new();
        }
        KeyCode::Enter => {
            return if state.generate {
                let key_type = KEY_TYPES[state.key_type];
                let dir = state.out_dir.trimmed().to_string();
                if dir.is_empty() {
                    state.error = Some("Type the directory to save the files in.".into());
                    return Vec::new();
                }
                state.start(
                    if key_type.is_rsa() {
                        format!("Generating two {key_type} keys (this takes a few seconds)")
                    } else {
                        format!("Generating two {key_type} keys")
                    },
                    false,
                );
                vec![Effect::GenerateCertificate {
                    key_type,
                    dir: PathBuf::from(dir),
                    zone: state.zone_name(),
                }]
            } else {
                let path = |input: &TextInput| {
                    Some(input.trimmed())
                        .filter(|p| !p.is_empty())
                        .map(PathBuf::from)
                };
                let (Some(cert), Some(key)) = (path(&state.import_cert), path(&state.import_key))
                else {
                    state.error =
                        Some("Type the paths of the client certificate and its key.".into());
                    return Vec::new();
                };
                state.start("Checking the certificate", false);
                vec![Effect::ImportCertificate {
                    cert,
                    key,
                    ca: path(&state.import_ca),
                }]
            };
        }
        _ => {}
    }
    let input = match state.focus {
        Field::OutDir => &mut state.out_dir,
        Field::ImportCert => &mut state.import_cert,
        Field::ImportKey => &mut state.import_key,
        Field::ImportCa => &mut state.import_ca,
        _ => return Vec::new(),
    };
    input.handle(key);
    Vec::new()
}

fn upload_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if key.code != KeyCode::Enter {
        return Vec::new();
    }
    if state.certificate_id.is_some() {
        return state.finish(Step::Upload);
    }
    let (Some(client), Some(zone), Some(ready)) = (
        state.client.clone(),
        state.zone.clone(),
        state.certificate.clone(),
    ) else {
        state.error = Some("Make or import a certificate first (go back with Esc).".into());
        return Vec::new();
    };
    let mut lines = upload_preview(state);
    lines.push("It is then polled until Cloudflare reports it active.".into());
    state.ask(
        "Upload the client certificate and its key to Cloudflare?",
        lines,
        vec![Effect::Upload {
            client,
            zone_id: zone.id,
            scope: state.scope,
            files: ready.files,
        }],
        Some("Uploading"),
    );
    Vec::new()
}

/// The request an upload will send, with the key redacted.
pub fn upload_preview(state: &Wizard) -> Vec<String> {
    let zone_id = state
        .zone
        .as_ref()
        .map(|z| z.id.as_str())
        .unwrap_or("ZONE_ID");
    let endpoint = match state.scope {
        Scope::Hostname => "origin_tls_client_auth/hostnames/certificates",
        _ => "origin_tls_client_auth",
    };
    let mut lines = vec![format!(
        "POST {}/zones/{zone_id}/{endpoint}",
        state.base_url
    )];
    if let Some(ready) = &state.certificate {
        lines.push(format!(
            "  certificate: {} ({})",
            ready.files.client_cert.display(),
            ready.subject
        ));
        lines.push(format!("    SHA-256 {}", ready.fingerprint));
        lines.push(format!(
            "    expires {} ({} days)",
            ready.not_after, ready.days_left
        ));
        lines.push(format!(
            "  private_key: {} (sent, never shown)",
            ready.files.client_key.display()
        ));
    }
    lines
}

fn snippet_key(state: &mut Wizard, key: KeyEvent, phase: SnippetPhase) -> Vec<Effect> {
    if let Some(field) = state.editing {
        let input = match field {
            Field::CaPathOnOrigin => &mut state.ca_path,
            _ => &mut state.snippet_dir,
        };
        if matches!(key.code, KeyCode::Enter | KeyCode::Esc) {
            state.editing = None;
        } else {
            input.handle(key);
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Up | KeyCode::Left | KeyCode::Char('[') if phase == SnippetPhase::Log => {
            state.server = (state.server + WebServer::ALL.len() - 1) % WebServer::ALL.len();
            state.ca_path = TextInput::new(state.server().default_ca_path());
            state.scroll = 0;
        }
        KeyCode::Down | KeyCode::Right | KeyCode::Char(']') if phase == SnippetPhase::Log => {
            state.server = (state.server + 1) % WebServer::ALL.len();
            state.ca_path = TextInput::new(state.server().default_ca_path());
            state.scroll = 0;
        }
        KeyCode::PageDown => state.scroll = state.scroll.saturating_add(10),
        KeyCode::PageUp => state.scroll = state.scroll.saturating_sub(10),
        KeyCode::Char('e') => state.editing = Some(Field::CaPathOnOrigin),
        KeyCode::Char('d') => state.editing = Some(Field::SnippetDir),
        KeyCode::Char('c') => match state.snippet_text(phase) {
            Ok(text) => return vec![Effect::Copy(text)],
            Err(e) => state.error = Some(e),
        },
        KeyCode::Char('w') => return write_snippet(state, phase),
        KeyCode::Enter if phase == SnippetPhase::Log => return state.finish(Step::SnippetLog),
        _ => {}
    }
    Vec::new()
}

fn write_snippet(state: &mut Wizard, phase: SnippetPhase) -> Vec<Effect> {
    let text = match state.snippet_text(phase) {
        Ok(text) => text,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    let ca_pem = match (&state.scope, &state.certificate) {
        (Scope::Global, _) => crate::pki::cloudflare_ca::PEM.to_string(),
        (_, Some(ready)) => match std::fs::read_to_string(&ready.files.ca_cert) {
            Ok(pem) => pem,
            Err(e) => {
                state.error = Some(format!(
                    "cannot read {}: {e}",
                    ready.files.ca_cert.display()
                ));
                return Vec::new();
            }
        },
        (_, None) => {
            state.error = Some("No CA yet: make or import a certificate first.".into());
            return Vec::new();
        }
    };
    let ca_name = std::path::Path::new(state.ca_path.trimmed())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ca.crt".into());
    state.start("Writing the files", false);
    vec![Effect::WriteSnippet {
        dir: PathBuf::from(state.snippet_dir.trimmed()),
        snippet_name: format!("{}-{}.conf", state.server().name(), phase.name()),
        snippet: text,
        ca_name,
        ca_pem,
    }]
}

fn enable_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let hostnames = state.proxied_hostnames();
    if state.scope == Scope::Hostname && !state.enabled {
        if move_cursor(&mut state.cursor, hostnames.len(), &key) {
            return Vec::new();
        }
        if key.code == KeyCode::Char(' ')
            && let Some(name) = hostnames.get(state.cursor)
        {
            if !state.hostname_choice.remove(name) {
                if state.hostname_choice.len() >= crate::ops::HOSTNAMES_PER_CERTIFICATE {
                    state.error = Some(format!(
                        "One certificate serves at most {} hostnames.",
                        crate::ops::HOSTNAMES_PER_CERTIFICATE
                    ));
                } else {
                    state.hostname_choice.insert(name.clone());
                }
            }
            return Vec::new();
        }
    }
    if key.code != KeyCode::Enter {
        return Vec::new();
    }
    if state.enabled {
        return state.finish(Step::Enable);
    }
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    if state.scope == Scope::Hostname && state.hostname_choice.is_empty() {
        state.error = Some("Pick at least one hostname with Space.".into());
        return Vec::new();
    }
    let lines = enable_preview(state);
    state.ask(
        "Enable Authenticated Origin Pulls?",
        lines,
        vec![Effect::Enable {
            client,
            zone_id: zone.id,
            scope: state.scope,
            certificate_id: state.certificate_id.clone(),
            hostnames: state.hostname_choice.iter().cloned().collect(),
        }],
        Some("Enabling"),
    );
    Vec::new()
}

pub fn enable_preview(state: &Wizard) -> Vec<String> {
    let zone_id = state
        .zone
        .as_ref()
        .map(|z| z.id.as_str())
        .unwrap_or("ZONE_ID");
    let base = &state.base_url;
    match state.scope {
        Scope::Zone => vec![
            format!("PUT {base}/zones/{zone_id}/origin_tls_client_auth/settings"),
            "  {\"enabled\": true}".into(),
            "Cloudflare presents your certificate on every proxied request of the zone.".into(),
        ],
        Scope::Global => vec![
            format!("PATCH {base}/zones/{zone_id}/settings/tls_client_auth"),
            "  {\"value\": \"on\"}".into(),
            "Cloudflare presents its shared certificate on every proxied request of the zone."
                .into(),
        ],
        Scope::Hostname => {
            let mut lines = vec![format!(
                "PUT {base}/zones/{zone_id}/origin_tls_client_auth/hostnames"
            )];
            for name in &state.hostname_choice {
                lines.push(format!(
                    "  {{\"hostname\": \"{name}\", \"cert_id\": \"{}\", \"enabled\": true}}",
                    state.certificate_id.as_deref().unwrap_or("CERT_ID")
                ));
            }
            lines
        }
    }
}

fn verify_key(state: &mut Wizard, key: KeyEvent, phase: SnippetPhase) -> Vec<Effect> {
    let (step, result) = match phase {
        SnippetPhase::Log => (Step::VerifyLog, &state.verify_log),
        SnippetPhase::Enforce => (Step::Enforce, &state.verify_enforce),
    };
    if key.code != KeyCode::Enter {
        state.origins.handle(key);
        return Vec::new();
    }
    if result
        .as_ref()
        .is_some_and(|r| r.passed(expected_verdict(phase)))
    {
        return state.finish(step);
    }
    let origins = match state.parsed_origins() {
        Ok(origins) => origins,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    let hostnames = state.target_hostnames();
    if hostnames.is_empty() {
        state.error = Some(
            "No proxied hostname to probe: the zone has no proxied A, AAAA or CNAME record.".into(),
        );
        return Vec::new();
    }
    state.start(
        format!(
            "Probing {} origin(s) × {} hostname(s), then through Cloudflare",
            origins.len(),
            hostnames.len()
        ),
        true,
    );
    vec![Effect::Verify {
        phase,
        origins,
        hostnames,
        files: state.certificate.as_ref().map(|c| c.files.clone()),
        global: state.scope == Scope::Global,
    }]
}

fn alerts_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if state.alert_id.is_some() {
        return if key.code == KeyCode::Enter {
            state.finish(Step::Alerts)
        } else {
            Vec::new()
        };
    }
    if key.code != KeyCode::Enter {
        state.email.handle(key);
        return Vec::new();
    }
    let email = state.email.trimmed().to_string();
    if email.is_empty() {
        // Skipped on purpose: leave the step without marking it done.
        return state.go(Step::Summary);
    }
    if !email.contains('@') || email.contains(' ') {
        state.error = Some(format!("{email:?} is not an e-mail address."));
        return Vec::new();
    }
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    let kind = if state.scope == Scope::Hostname {
        "hostname"
    } else {
        "zone"
    };
    state.ask(
        "Create the expiry notification?",
        vec![
            format!(
                "POST {}/accounts/{}/alerting/v3/policies",
                state.base_url, zone.account.id
            ),
            format!(
                "  e-mail {email} when a {kind}-level AOP certificate of {} nears expiry",
                zone.name
            ),
            "An identical policy that already exists is reused, never duplicated.".into(),
        ],
        vec![Effect::CreateAlert {
            client,
            account_id: zone.account.id.clone(),
            zone: zone.name.clone(),
            email,
            scope: state.scope,
        }],
        Some("Creating the notification policy"),
    );
    Vec::new()
}
