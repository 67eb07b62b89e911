//! Snippets only: the origin's configuration and the CA file it trusts, with no token and no
//! Cloudflare account. One form, its choices filled in (server, CA, phase), then the snippet to
//! copy or write. Rendering, generating and writing are the set-up's own: `Wizard::snippet_text`,
//! `certificate::generate` and `snippet::keys`. A CA file the user names is checked (CA
//! certificates, how many) before its snippet is shown.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{certificate, snippet};
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::input::TextInput;
use crate::tui::keys::{self, Binding, Keys};
use crate::tui::message::{CertificateReady, Effect};
use crate::tui::state::{SNIPPET_SERVERS, SnippetCa, SnippetRow, Wizard};
use crate::tui::steps::{Scope, Step, Task};

/// Where a new CA is generated, and the snippet written beside it, unless the user says.
pub const FOLDER: &str = "./aop-snippets";

/// From the first screen: the form, with every choice filled in.
pub fn begin(state: &mut Wizard) {
    state.task = Task::Snippets;
    state.scope = scope_of(state.snippet_ca);
    state.out_dir = TextInput::new(FOLDER);
    state.snippet_dir = TextInput::new(format!("{FOLDER}/origin"));
    // A certificate of an earlier set-up is not this one's CA; a named file is checked again.
    state.certificate = None;
    state.ca_file_certificates = None;
}

/// The CA decides the scope the snippet is for: Cloudflare's CA is global AOP's.
fn scope_of(ca: SnippetCa) -> Scope {
    match ca {
        SnippetCa::Cloudflare => Scope::Global,
        SnippetCa::Generate | SnippetCa::File => Scope::Zone,
    }
}

pub fn bindings(state: &Wizard, step: Step) -> Vec<Binding> {
    match step {
        Step::SnippetReady => ready(state),
        _ => form(state),
    }
}

fn form(state: &Wizard) -> Vec<Binding> {
    let rows = state.snippet_rows();
    let mut bindings: Vec<Binding> = keys::arrows("↑↓", "row", rows.len()).into_iter().collect();
    let change = [KeyCode::Left, KeyCode::Right, KeyCode::Char(' ')];
    bindings.push(match rows.get(state.cursor) {
        // Another folder, or a passphrase typed after the CA was made: the CA made before is
        // not this one.
        Some(SnippetRow::Folder) => typing("folder", |s| &mut s.out_dir, forget_the_ca),
        Some(SnippetRow::Passphrase) => {
            typing("passphrase", |s| &mut s.ca_passphrase, forget_the_ca)
        }
        Some(SnippetRow::PassphraseAgain) => {
            typing("again", |s| &mut s.ca_passphrase_again, forget_the_ca)
        }
        Some(SnippetRow::CaFile) => typing(
            "CA file",
            |s| &mut s.import_ca,
            |s| s.ca_file_certificates = None,
        ),
        _ => Binding::new("←→", "change", change, change_choice),
    });
    bindings.push(Binding::new(
        "Enter",
        "show the snippet",
        [KeyCode::Enter],
        |state, _| show(state),
    ));
    bindings
}

/// Typing into the row's field; `changed` forgets what the old text stood for.
fn typing(
    action: &'static str,
    field: fn(&mut Wizard) -> &mut TextInput,
    changed: fn(&mut Wizard),
) -> Binding {
    Binding::with_keys("type", action, Keys::Text, move |state, key| {
        if field(state).handle(key) {
            changed(state);
        }
        Vec::new()
    })
}

fn forget_the_ca(state: &mut Wizard) {
    state.certificate = None;
}

/// ← and → (or Space) go through the choices of the row under the cursor.
fn change_choice(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let back = key.code == KeyCode::Left;
    let next = |index: usize, len: usize| {
        if back {
            (index + len - 1) % len
        } else {
            (index + 1) % len
        }
    };
    match state.snippet_rows().get(state.cursor) {
        Some(SnippetRow::Server) => {
            let current = SNIPPET_SERVERS
                .iter()
                .position(|choice| *choice == (state.server(), state.server_version))
                .unwrap_or(0);
            let (server, version) = SNIPPET_SERVERS[next(current, SNIPPET_SERVERS.len())];
            state.server = WebServer::ALL
                .iter()
                .position(|s| *s == server)
                .unwrap_or(0);
            state.server_version = version;
            state.ca_path = TextInput::new(server.default_ca_path());
        }
        Some(SnippetRow::Ca) => {
            let current = SnippetCa::ALL
                .iter()
                .position(|ca| *ca == state.snippet_ca)
                .unwrap_or(0);
            state.snippet_ca = SnippetCa::ALL[next(current, SnippetCa::ALL.len())];
            state.scope = scope_of(state.snippet_ca);
        }
        Some(SnippetRow::Phase) => {
            state.snippet_phase = match state.snippet_phase {
                SnippetPhase::Log => SnippetPhase::Enforce,
                SnippetPhase::Enforce => SnippetPhase::Log,
            };
        }
        Some(
            SnippetRow::Folder
            | SnippetRow::CaFile
            | SnippetRow::Passphrase
            | SnippetRow::PassphraseAgain,
        )
        | None => {}
    }
    state.error = None;
    Vec::new()
}

/// Enter on the form: the snippet, once its CA is there (a new one is generated first).
fn show(state: &mut Wizard) -> Vec<Effect> {
    match state.snippet_ca {
        SnippetCa::Generate if state.certificate.is_none() => certificate::generate(state),
        SnippetCa::File if state.import_ca.trimmed().is_empty() => {
            state.error =
                Some("Type the path of the CA certificate file the origin will trust.".into());
            Vec::new()
        }
        SnippetCa::File if state.ca_file_certificates.is_none() => {
            state.start("Checking the CA file", false);
            vec![Effect::CheckCaFile(state.import_ca.path())]
        }
        SnippetCa::Generate | SnippetCa::File | SnippetCa::Cloudflare => {
            state.finish(Step::SnippetChoice);
            Vec::new()
        }
    }
}

/// The file the user named holds CA certificates: on to the snippet.
pub fn ca_file_checked(state: &mut Wizard, certificates: usize) -> Vec<Effect> {
    state.ca_file_certificates = Some(certificates);
    state.finish(Step::SnippetChoice);
    Vec::new()
}

/// The new CA is on disk: on to the snippet.
pub fn generated(state: &mut Wizard, ready: CertificateReady) -> Vec<Effect> {
    // The snippet and its CA copy go beside the set, wherever it was made.
    if let Some(dir) = ready.files.ca_cert.parent() {
        state.snippet_dir = TextInput::new(dir.join("origin").display().to_string());
    }
    let effects = certificate::ready(state, ready);
    state.finish(Step::SnippetChoice);
    effects
}

/// The snippet: the keys of every snippet screen; q quits without asking (nothing is half done).
fn ready(state: &Wizard) -> Vec<Binding> {
    match state.editing {
        Some(field) => snippet::editing(field, state.snippet_phase),
        None => snippet::keys(state.snippet_phase).into(),
    }
}
