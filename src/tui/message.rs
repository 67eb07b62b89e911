//! The wizard's vocabulary: the messages that change the state (key presses, ticks and the
//! answers of the effects) and the effects `update` asks the runner for.

use std::net::SocketAddr;
use std::path::PathBuf;

use ratatui::crossterm::event::KeyEvent;

use super::state::LogUnread;
use super::steps::Scope;
use crate::cloudflare::{
    ApiToken, Client, DnsRecord, PermissionCheck, SslMode, UploadedCertificate, Zone,
};
use crate::evidence::Evidence;
use crate::ops::doctor::{DoctorReport, DoctorRequest};
use crate::pki::{GeneratedFiles, KeyType, Passphrase};
use crate::probe::Verification;
use crate::rotation::{Event as RotationEvent, Finish, Rotation, RotationRequest};
use crate::setup::Recheck;
use crate::setup::progress::Progress;
use crate::snippets::{SnippetPhase, WebServer};
use crate::undo::UndoPlan;

/// A certificate made or imported, checked and described for the screen.
#[derive(Debug, Clone)]
pub struct CertificateReady {
    pub files: GeneratedFiles,
    pub subject: String,
    pub not_after: String,
    pub days_left: i64,
    pub fingerprint: String,
    /// Generated here, or imported (then `ca_key` may be missing).
    pub generated: bool,
    /// The CA key was written encrypted with a passphrase.
    pub ca_key_encrypted: bool,
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
        /// Encrypts the CA key; `None` writes it unencrypted.
        ca_passphrase: Option<Passphrase>,
        /// Replace a set already in `dir` (the user said yes); else such a set is reported.
        replace: bool,
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
        ca: CaSource,
        /// The files the user agreed to replace; any other different file is reported first.
        replace: Vec<PathBuf>,
    },
    Verify {
        phase: SnippetPhase,
        origins: Vec<SocketAddr>,
        hostnames: Vec<String>,
        files: Option<GeneratedFiles>,
        global: bool,
        /// Also request each hostname through Cloudflare (not before AOP is enabled).
        through_edge: bool,
        /// The hostnames requested through Cloudflare: every proxied one, picked or not.
        edge_hostnames: Vec<String>,
        /// Where they are requested, `{hostname}` replaced (`Wizard::edge_url`).
        edge_url: String,
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
    /// A saved set-up chosen on the first screen: Cloudflare and the files read again.
    Recheck {
        client: Client,
        progress: Progress,
    },
    /// Snippets only: the CA file the user named must hold CA certificates; how many.
    CheckCaFile(PathBuf),
    /// Cloudflare's certificate per hostname against what the origins ask for.
    Doctor {
        client: Client,
        request: DoctorRequest,
    },
    /// The origin's access log, read for evidence: whose requests enforcing would refuse.
    ReadEvidence {
        server: WebServer,
        log: PathBuf,
        /// Only requests this recent.
        since: std::time::Duration,
        /// The addresses that count as Cloudflare's (the demo edge's); `None`: Cloudflare's
        /// published ranges, from the API or as shipped.
        edge_ranges: Option<Vec<String>>,
    },
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
        through_edge: bool,
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
    Rechecked(Result<Box<Resumed>, String>),
    /// Generating was refused: the folder already holds (part of) a set.
    CertificateFilesExist(Vec<ExistingFile>),
    /// Writing the snippet would replace these files, which hold something else.
    SnippetFilesDiffer(Vec<ExistingFile>),
    /// The CA key that must sign is encrypted: no passphrase yet, or a `wrong` one.
    CaPassphraseNeeded {
        key: PathBuf,
        wrong: bool,
    },
    /// How many CA certificates the named file holds.
    CaFileChecked(Result<usize, String>),
    /// Text pasted into the terminal (bracketed paste): one message, however long.
    Paste(String),
    /// The terminal's new size, columns and rows.
    Resized(u16, u16),
    /// Doctor's prediction, with what it was asked.
    Doctored {
        request: Box<DoctorRequest>,
        result: Result<Box<DoctorReport>, String>,
    },
    /// The access log read, or why it was not.
    EvidenceRead {
        log: PathBuf,
        result: Result<Box<Evidence>, LogUnread>,
    },
}

impl Msg {
    /// An answer that ends the work the spinner stands for (progress reports do not).
    pub fn ends_work(&self) -> bool {
        match self {
            Msg::Key(_)
            | Msg::Tick
            | Msg::Copied
            | Msg::Paste(_)
            | Msg::Resized(..)
            | Msg::UploadStatus(_)
            | Msg::RotationEvent(_) => false,
            Msg::TokenChecked(_)
            | Msg::TokenSaved(_)
            | Msg::Zones(_)
            | Msg::Permissions(_)
            | Msg::ZoneRead(_)
            | Msg::SslModeSet(_)
            | Msg::CertificateReady(_)
            | Msg::Uploaded(_)
            | Msg::Enabled(_)
            | Msg::SnippetWritten(_)
            | Msg::Verified { .. }
            | Msg::AlertCreated(_)
            | Msg::RotationPlanned(_)
            | Msg::RotationEnded { .. }
            | Msg::RotationAborted(_)
            | Msg::UndoRead(_)
            | Msg::UndoProbed(_)
            | Msg::TurnedOff(_)
            | Msg::Cancelled
            | Msg::Rechecked(_)
            | Msg::CertificateFilesExist(_)
            | Msg::SnippetFilesDiffer(_)
            | Msg::CaPassphraseNeeded { .. }
            | Msg::CaFileChecked(_)
            | Msg::Doctored { .. } => true,
            Msg::EvidenceRead { .. } => true,
        }
    }
}

/// A saved set-up read again: what still holds, the zone as it is now, and the certificate
/// described for the screen when its files still check out.
#[derive(Debug, Clone)]
pub struct Resumed {
    pub recheck: Recheck,
    pub settings: ZoneSettings,
    pub certificate: Option<CertificateReady>,
}

/// The CA file written beside a snippet: read by the runner, never by `update`.
#[derive(Debug, Clone)]
pub enum CaSource {
    /// Cloudflare's CA, shipped in the binary (global AOP).
    Cloudflare,
    File(PathBuf),
}

/// A file already there that a write would replace, and what it holds (safe to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingFile {
    pub path: PathBuf,
    pub holds: String,
}
