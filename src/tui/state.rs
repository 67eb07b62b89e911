//! The wizard's one state: what every screen shows and remembers, and the moves all steps share
//! (go to a step, finish one, start work, ask before a change, step back). The steps' own key
//! handling lives in `app`, which uses this module and is never used by it.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::input::TextInput;
use super::message::{CaSource, CertificateReady, Effect};
use super::steps::{Scope, Step, Task};
use crate::cloudflare::{Client, DnsRecord, PermissionCheck, SslMode, Zone};
use crate::ops::doctor::{DoctorReport, DoctorRequest};
use crate::pki::KeyType;
use crate::probe::Verification;
use crate::rotation::{Finish, Rotation};
use crate::setup::Stage;
use crate::setup::progress::Progress;
use crate::snippets::{CADDY_TRUST_POOL_SINCE, ServerVersion, SnippetPhase, WebServer};
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

/// A question asked before anything that changes the zone or leaves the flow.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub on_yes: Vec<Effect>,
    /// Where the wizard goes when the user says yes without an effect (going back).
    pub go_to: Option<Step>,
    pub busy_label: Option<String>,
    /// Only y says yes, not Enter: for what cannot be had back (a pressed-twice Enter is not a yes).
    pub only_y: bool,
}

/// The box over the screen that takes every key until it closes.
#[derive(Debug, Clone)]
pub enum Modal {
    Help,
    /// Quit mid-flow? (Progress so far is saved either way.)
    Quit,
    Confirm(Confirm),
    /// Long text over the whole terminal, scrolled both ways.
    Viewer(super::viewer::Viewer),
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
    /// Certificate screen: the new CA key's passphrase, typed twice.
    CaPassphrase,
    CaPassphraseAgain,
    /// Verify log: the origin's access log, read for evidence.
    LogPath,
}

#[derive(Debug, Clone)]
pub struct Busy {
    pub label: String,
    pub since_tick: u64,
    /// Esc may stop it (reads and probes; never an upload or a change).
    pub cancellable: bool,
}

/// What the rotate screen shows and remembers.
#[derive(Debug, Clone, Default)]
pub struct RotationView {
    pub new_ca: bool,
    /// The plan read from Cloudflare (or the rotation in flight), as far as it got.
    pub plan: Option<Rotation>,
    pub log: Vec<String>,
    pub finish: Option<Finish>,
    /// The CA key that must sign is encrypted: its path while its passphrase is asked for.
    pub ca_key_asked: Option<PathBuf>,
    pub ca_passphrase: TextInput,
    /// The last note of the log and how often it came: a repeat updates that line.
    pub note_repeats: crate::ops::Repeats,
}

impl RotationView {
    pub fn rotated(&self) -> bool {
        matches!(self.finish, Some(Finish::Rotated(_)))
    }
}

/// What the undo screen shows and remembers.
#[derive(Debug, Clone, Default)]
pub struct UndoView {
    pub plan: Option<UndoPlan>,
    /// What still refuses a request without a certificate; `None` until probed.
    pub enforcing: Option<Vec<String>>,
    /// The user checked the origin without the probe.
    pub overridden: bool,
    pub delete_certificates: bool,
    pub done: bool,
}

impl UndoView {
    pub fn origin_relaxed(&self) -> bool {
        self.overridden || self.enforcing.as_ref().is_some_and(Vec::is_empty)
    }
}

/// The CA the origin trusts, in snippets only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetCa {
    /// A new CA and client certificate by the project's recipe, written into a folder.
    Generate,
    /// A CA certificate file the user already has.
    File,
    /// Cloudflare's shared CA (global AOP), shipped in the binary.
    Cloudflare,
}

impl SnippetCa {
    pub const ALL: [SnippetCa; 3] = [SnippetCa::Generate, SnippetCa::File, SnippetCa::Cloudflare];

    pub fn label(self) -> &'static str {
        match self {
            SnippetCa::Generate => "a new CA, made here",
            SnippetCa::File => "a CA file you have",
            SnippetCa::Cloudflare => "Cloudflare's CA (global AOP)",
        }
    }
}

/// The servers snippets only offers, with the version where the syntax depends on it: Caddy
/// before 2.8 has no `trust_pool`, so it is offered twice (2.7 stands for "before 2.8").
pub const SNIPPET_SERVERS: [(WebServer, Option<ServerVersion>); 6] = [
    (WebServer::Nginx, None),
    (WebServer::Apache, None),
    (WebServer::Haproxy, None),
    (WebServer::Traefik, None),
    (WebServer::Caddy, Some(CADDY_TRUST_POOL_SINCE)),
    (WebServer::Caddy, Some(ServerVersion { major: 2, minor: 7 })),
];

/// How the form names a server and version.
pub fn server_label(server: WebServer, version: Option<ServerVersion>) -> String {
    let name = server.display_name();
    match version {
        Some(version) if version >= CADDY_TRUST_POOL_SINCE => format!("{name} {version} or later"),
        Some(_) => format!("{name} before {CADDY_TRUST_POOL_SINCE}"),
        None => name.to_string(),
    }
}

/// `items` numbered 1, 2, 3 in their order: the numbers come from the list, so a step left out
/// never leaves a gap.
pub fn numbered(items: impl IntoIterator<Item = String>) -> Vec<String> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| format!("{}. {item}", index + 1))
        .collect()
}

/// A row of the snippets-only form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetRow {
    Server,
    Ca,
    /// Where a new CA is generated (`out_dir`).
    Folder,
    /// The CA file the user has (`import_ca`).
    CaFile,
    /// The new CA key's passphrase, typed twice (`ca_passphrase`, `ca_passphrase_again`).
    Passphrase,
    PassphraseAgain,
    Phase,
}

#[derive(Debug, Clone)]
pub struct Wizard {
    /// The date snippets are stamped with.
    pub today: time::Date,
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
    /// The origin probed before enabling: it must ask for the certificate (log-only) first.
    pub origin_asks: Option<Verification>,
    pub verify_log: Option<Verification>,
    pub verify_enforce: Option<Verification>,

    pub email: TextInput,
    pub alert_id: Option<String>,

    pub rotation: RotationView,
    pub undo: UndoView,

    pub busy: Option<Busy>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub modal: Option<Modal>,
    pub quit: bool,
    pub done: BTreeSet<Step>,
    pub files: Vec<(String, PathBuf)>,
    pub tick: u64,
    /// The data directory exists: progress can be saved.
    pub can_save: bool,
    /// Columns and rows of the terminal, as last reported: how far a page scrolls.
    pub terminal_size: (u16, u16),

    /// The web server's version, where the snippet's syntax depends on it (Caddy).
    pub server_version: Option<ServerVersion>,
    /// Snippets only: the CA the origin trusts and the phase of the snippet.
    pub snippet_ca: SnippetCa,
    pub snippet_phase: SnippetPhase,
    /// The rotation or undo was begun from the summary: Esc goes back to it.
    pub summary_behind: bool,
    /// Snippets only: how many CA certificates the file the user named holds, once checked.
    pub ca_file_certificates: Option<usize>,
    /// What the re-check of a resumed set-up found, shown on the screen it resumed at.
    pub resume_notes: Option<Vec<String>>,
    /// The new CA key's passphrase, typed twice; cleared once the key is written.
    pub ca_passphrase: TextInput,
    pub ca_passphrase_again: TextInput,
    /// The snippet write in flight, and whether the screen goes on once it is done.
    pub snippet_write: Option<(SnippetWrite, bool)>,
    /// The snippet writes done in this session.
    pub snippets_written: Vec<SnippetWrite>,
    /// Doctor's last answer on the log screen, with what it was asked.
    pub doctor: Option<DoctorRun>,
    /// Verify log: the origin's access log, pre-filled from the log-phase snippet.
    pub log_path: TextInput,
    /// What the last read of that log found, or why it could not be read.
    pub evidence: Option<LogEvidence>,
    /// In the demo: the demo origin's access log and where the demo edge connects from.
    pub demo_log: Option<DemoLog>,
}

/// What doctor was asked on the log screen, and what it predicted.
#[derive(Debug, Clone)]
pub struct DoctorRun {
    pub request: DoctorRequest,
    pub report: DoctorReport,
}

/// The origin's access log, read from where the wizard runs.
#[derive(Debug, Clone)]
pub struct LogEvidence {
    pub log: PathBuf,
    /// The evidence, or why the log was not read.
    pub result: Result<Box<crate::evidence::Evidence>, LogUnread>,
}

/// Why the access log was not read here, in one sentence; `elsewhere`: it may just be on
/// another machine, where the `evidence` command reads it.
#[derive(Debug, Clone)]
pub struct LogUnread {
    pub why: String,
    pub elsewhere: bool,
}

/// The demo origin writes a real access log; the demo edge's requests reach it from their own
/// loopback address, counted as Cloudflare's.
#[derive(Debug, Clone)]
pub struct DemoLog {
    pub path: PathBuf,
    pub edge_source: std::net::IpAddr,
}

/// One snippet write: where, what, and which CA goes beside it (`None`: Cloudflare's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetWrite {
    pub dir: PathBuf,
    pub name: String,
    pub text: String,
    pub ca_name: String,
    pub ca: Option<PathBuf>,
}

impl Wizard {
    pub fn new(
        resumable: Vec<Progress>,
        demo_origin: Option<SocketAddr>,
        base_url: String,
    ) -> Self {
        Self {
            // Read once when the wizard starts, so that `update` never reads the clock.
            today: time::OffsetDateTime::now_utc().date(),
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
            origin_asks: None,
            verify_log: None,
            verify_enforce: None,
            email: TextInput::default(),
            alert_id: None,
            rotation: RotationView::default(),
            undo: UndoView::default(),
            busy: None,
            error: None,
            notice: None,
            modal: None,
            quit: false,
            done: BTreeSet::new(),
            files: Vec::new(),
            tick: 0,
            can_save: true,
            resume_notes: None,
            ca_passphrase: TextInput::masked(),
            ca_passphrase_again: TextInput::masked(),
            snippet_write: None,
            snippets_written: Vec::new(),
            server_version: None,
            snippet_ca: SnippetCa::Generate,
            snippet_phase: SnippetPhase::Log,
            summary_behind: false,
            ca_file_certificates: None,
            terminal_size: (80, 24),
            doctor: None,
            log_path: TextInput::default(),
            evidence: None,
            demo_log: None,
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
        let typed = self.zone_filter.trimmed();
        // In the zones' own form (`EXAMPLE.COM.`, `bücher`); a partial or odd entry as typed.
        let filter = crate::names::hostname(typed, crate::names::Wildcard::Refused)
            .unwrap_or_else(|_| typed.to_ascii_lowercase());
        self.zones
            .iter()
            .filter(|z| z.name.to_ascii_lowercase().contains(&filter))
            .collect()
    }

    pub fn proxied_hostnames(&self) -> Vec<String> {
        crate::ops::proxied_hostnames(&self.dns)
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
        crate::ops::dns_only_records_on(&self.dns, &self.origin_ips())
    }

    /// Proxied hostnames not picked for the per-hostname certificate: Cloudflare presents none
    /// for them, so one that reaches this origin is refused once it enforces.
    pub fn uncertified_hostnames(&self) -> Vec<String> {
        match self.scope {
            Scope::Hostname => {
                crate::ops::without_certificate(&self.proxied_hostnames(), &self.target_hostnames())
            }
            _ => Vec::new(),
        }
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
    pub(crate) fn default_origins(&self) -> String {
        match self.demo_origin {
            Some(address) => address.to_string(),
            None => self.origin_ips().join(" "),
        }
    }

    /// Where a request "through Cloudflare" goes, `{hostname}` in it: Cloudflare itself, or in
    /// the demo the fake's edge, which connects to the first origin typed (the demo origin unless
    /// another was given), as Cloudflare connects to the one the hostname's DNS record names.
    pub fn edge_url(&self) -> String {
        match self.demo_origin {
            Some(demo) => {
                let origin = self
                    .parsed_origins()
                    .ok()
                    .and_then(|origins| origins.first().copied())
                    .unwrap_or(demo);
                crate::demo::edge_url(&self.base_url, "{hostname}", origin)
            }
            None => crate::ops::DEFAULT_EDGE_URL.to_string(),
        }
    }

    /// The origins field as typed, one address each: spaces and commas both separate them.
    pub fn origin_words(&self) -> Vec<&str> {
        self.origins
            .value
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn parsed_origins(&self) -> Result<Vec<SocketAddr>, String> {
        let origins = self.origin_words();
        if origins.is_empty() {
            return Err("type at least one origin address (IP or IP:PORT)".into());
        }
        origins
            .into_iter()
            .map(|o| crate::probe::parse_origin(o).map_err(|e| e.to_string()))
            .collect()
    }

    /// What the origin snippet for the chosen server, phase and CA path is made from.
    pub fn snippet_request(&self, phase: SnippetPhase) -> crate::snippets::SnippetRequest {
        let named = self.task == Task::Snippets && self.snippet_ca == SnippetCa::File;
        let ca = crate::snippets::CaFile {
            path: self.ca_path.trimmed().to_string(),
            // Caddy before 2.8 reads one certificate per file: a bundle needs another snippet.
            certificates: if named {
                self.ca_file_certificates
            } else {
                Some(1)
            },
        };
        let mut request =
            crate::snippets::SnippetRequest::new(self.server(), phase, vec![ca], self.today);
        request.global = self.scope == Scope::Global;
        request.server_version = self.server_version;
        request
    }

    /// The origin snippet for the chosen server, phase and CA path, as text.
    pub fn snippet_text(&self, phase: SnippetPhase) -> Result<String, String> {
        crate::snippets::render(&self.snippet_request(phase))
            .map(|s| s.text())
            .map_err(|e| e.to_string())
    }

    /// The access log the log-phase snippet makes the server write (the demo origin's own in
    /// the demo); `None`: the server's log cannot be read for evidence (Traefik).
    pub fn access_log(&self) -> Option<String> {
        match &self.demo_log {
            Some(demo) => Some(demo.path.display().to_string()),
            None => self.snippet_request(SnippetPhase::Log).access_log(),
        }
    }

    /// The server whose log format the evidence reads: the demo origin logs as nginx does.
    pub fn log_server(&self) -> WebServer {
        match self.demo_log {
            Some(_) => WebServer::Nginx,
            None => self.server(),
        }
    }

    /// The CA file written beside a snippet: Cloudflare's for global AOP, the certificate's CA,
    /// or in snippets only the file the user named.
    pub fn ca_source(&self) -> Result<CaSource, String> {
        let named = self.task == Task::Snippets && self.snippet_ca == SnippetCa::File;
        match (self.scope, &self.certificate) {
            (Scope::Global, _) => Ok(CaSource::Cloudflare),
            _ if named => Ok(CaSource::File(self.import_ca.path())),
            (_, Some(ready)) => Ok(CaSource::File(ready.files.ca_cert.clone())),
            (_, None) => Err("No CA yet: make or import a certificate first.".into()),
        }
    }

    /// The rows of the snippets-only form: a path row only for a CA that has one.
    pub fn snippet_rows(&self) -> Vec<SnippetRow> {
        let for_ca: &[SnippetRow] = match self.snippet_ca {
            SnippetCa::Generate => &[
                SnippetRow::Folder,
                SnippetRow::Passphrase,
                SnippetRow::PassphraseAgain,
            ],
            SnippetCa::File => &[SnippetRow::CaFile],
            SnippetCa::Cloudflare => &[],
        };
        let mut rows = vec![SnippetRow::Server, SnippetRow::Ca];
        rows.extend_from_slice(for_ca);
        rows.push(SnippetRow::Phase);
        rows
    }

    pub fn progress(&self) -> Progress {
        Progress {
            zone: self.zone_name(),
            scope: self.scope,
            reached: self.done.iter().filter_map(|s| s.stage()).collect(),
            certificate: self.certificate.as_ref().map(|c| c.files.clone()),
            certificate_id: self.certificate_id.clone(),
            hostnames: self.hostname_choice.iter().cloned().collect(),
            files: self.files.clone(),
            alert_id: self.alert_id.clone(),
        }
    }

    /// Saves the progress, when there is a zone and a place to save it in.
    pub(crate) fn save(&self) -> Vec<Effect> {
        if self.zone.is_some() && self.can_save {
            vec![Effect::SaveProgress(self.progress())]
        } else {
            Vec::new()
        }
    }

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
            .filter(|(_, p)| p.reached.contains(&Stage::Enabled))
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

    /// Shows `step`; `update` then runs what the step needs when it is entered.
    pub(crate) fn go(&mut self, step: Step) {
        self.step = step;
        self.error = None;
        self.notice = None;
        self.cursor = 0;
        self.scroll = 0;
        self.editing = None;
        self.resume_notes = None;
    }

    /// Marks `step` done and goes to the next one of the task and scope.
    pub(crate) fn finish(&mut self, step: Step) {
        self.done.insert(step);
        if let Some(next) = step.next(self.task, self.scope) {
            self.go(next);
        }
    }

    /// Work begins: the spinner shows `label` until its answer comes.
    pub(crate) fn start(&mut self, label: impl Into<String>, cancellable: bool) {
        self.busy = Some(Busy {
            label: label.into(),
            since_tick: self.tick,
            cancellable,
        });
        self.error = None;
    }

    /// Asks before `on_yes` is carried out; `busy` labels the spinner once it is.
    pub(crate) fn ask(
        &mut self,
        title: &str,
        lines: Vec<String>,
        on_yes: Vec<Effect>,
        busy: Option<&str>,
    ) {
        self.modal = Some(Modal::Confirm(Confirm {
            title: title.into(),
            lines,
            on_yes,
            go_to: None,
            busy_label: busy.map(str::to_string),
            only_y: false,
        }));
    }

    /// As `ask`, before replacing files: only y says yes.
    pub(crate) fn ask_before_replacing(
        &mut self,
        title: &str,
        lines: Vec<String>,
        on_yes: Vec<Effect>,
        busy: Option<&str>,
    ) {
        self.ask(title, lines, on_yes, busy);
        if let Some(Modal::Confirm(confirm)) = &mut self.modal {
            confirm.only_y = true;
        }
    }

    /// Back to the summary of the set-up, from its rotation or undo.
    pub(crate) fn back_to_summary(&mut self) {
        self.task = Task::SetUp;
        self.go(Step::Summary);
    }

    /// One step back; asked first when what was done stays done.
    pub(crate) fn back(&mut self) {
        let Some(previous) = self.step.previous(self.task, self.scope) else {
            return;
        };
        let kept = self.kept_if_back();
        if kept.is_empty() {
            self.go(previous);
            return;
        }
        let mut lines = vec!["Going back undoes nothing; these stay as they are:".to_string()];
        lines.extend(kept.into_iter().map(|k| format!("  • {k}")));
        lines.push(
            "Undo them with `aop-wizard disable` / the Cloudflare dashboard if needed.".into(),
        );
        self.modal = Some(Modal::Confirm(Confirm {
            title: format!("Back to {}?", previous.title()),
            lines,
            on_yes: Vec::new(),
            go_to: Some(previous),
            busy_label: None,
            only_y: false,
        }));
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
