//! `update`, the one place messages change the state, and the keymap of the moment. Keys go
//! through the bindings valid now (a modal's; while work runs, stopping it and quitting; else the
//! step's own, then the global ones), the same list the key bar draws. Answers go to the step that
//! asked for them; entering a step runs what that step needs. Everything that reads or writes
//! the world (files, the clock, the network) is the runner's (`effects`).
//!
//! One module per step owns its key bindings, what it needs when entered and what it does with
//! its answers. They use `state`; nothing they use calls back here.

mod alerts;
mod certificate;
mod doctor;
mod enable;
mod global;
mod modal;
mod rotate;
mod snippet;
mod snippets_only;
mod ssl_mode;
mod summary;
mod token;
mod undo;
mod upload;
mod verify;
mod welcome;
mod zone;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::keys::{self, Binding, KeyHint, Keys};
use super::message::{Effect, Msg};
use super::state::Wizard;
use super::steps::{Step, Task};
use crate::snippets::SnippetPhase;

pub use certificate::UNENCRYPTED_RISK;
pub use doctor::{doctor_blocks_enforce, ran_as_typed as doctor_ran_as_typed};
pub use enable::{
    enabled_for, hostname_list, meaning as enable_meaning, origin_asks, probed_for,
    request as enable_request, uncertified_warning,
};
pub use global::ctrl_c;
pub use upload::preview as upload_preview;
pub use verify::{
    EVIDENCE_SINCE_ARG, demo_edge_ranges, edge_skippable, evidence_not_ready, proven,
    reasons_against_enforcing, refused_on_enforce, result as probe_result, skip_edge_consequence,
};

/// The terminal cannot say whether it copied: the notice says what was done and the way round.
pub const COPY_ASKED: &str = "Asked the terminal to copy it (OSC 52); it cannot confirm. \
                              Nothing to paste? w writes it to a file.";

pub fn update(state: &mut Wizard, msg: Msg) -> Vec<Effect> {
    let before = state.step;
    if msg.ends_work() {
        state.busy = None;
    }
    let mut effects = match msg {
        Msg::Key(key) => {
            // What the last key or answer said is read by now: it never stays to mislead (a key
            // ignored while the terminal is too small to show it leaves it).
            if !super::view::too_small(state.terminal_size) {
                state.notice = None;
                state.error = None;
            }
            keys::dispatch(keymap(state), state, key)
        }
        Msg::Tick => {
            state.tick += 1;
            Vec::new()
        }
        Msg::Resized(width, height) => {
            state.terminal_size = (width, height);
            Vec::new()
        }
        Msg::Copied => {
            state.notice = Some(COPY_ASKED.into());
            Vec::new()
        }
        Msg::Paste(text) => keys::paste(keymap, state, &text),
        Msg::Cancelled => {
            state.notice = Some("Stopped.".into());
            Vec::new()
        }
        Msg::TokenChecked(result) => token::checked(state, result),
        Msg::TokenSaved(result) => answered(state, result, token::saved),
        Msg::Zones(result) => answered(state, result, token::zones_listed),
        Msg::Permissions(checks) => token::permissions(state, checks),
        Msg::ZoneRead(result) => answered(state, result, zone::read),
        Msg::SslModeSet(result) => answered(state, result, ssl_mode::set),
        Msg::CertificateReady(result) if state.task == Task::Snippets => {
            answered(state, result, snippets_only::generated)
        }
        Msg::CertificateReady(result) => answered(state, result, certificate::ready),
        Msg::UploadStatus(status) => upload::status(state, status),
        Msg::Uploaded(result) => answered(state, result, upload::uploaded),
        Msg::Enabled(result) => answered(state, result, |state, ()| enable::enabled(state)),
        Msg::SnippetWritten(result) => answered(state, result, snippet::written),
        Msg::Verified {
            phase,
            through_edge,
            result,
        } => answered(state, result, |state, verification| {
            verify::verified(state, phase, through_edge, verification)
        }),
        Msg::AlertCreated(result) => answered(state, result, alerts::created),
        Msg::RotationPlanned(result) => {
            answered(state, result, |state, plan| rotate::planned(state, *plan))
        }
        Msg::RotationEvent(event) => rotate::progressed(state, event),
        Msg::RotationEnded { result, rotation } => rotate::ended(state, result, *rotation),
        Msg::RotationAborted(result) => answered(state, result, |state, ()| rotate::aborted(state)),
        Msg::UndoRead(result) => answered(state, result, |state, plan| undo::read(state, *plan)),
        Msg::UndoProbed(result) => answered(state, result, undo::probed),
        Msg::TurnedOff(result) => answered(state, result, |state, ()| undo::turned_off(state)),
        Msg::Rechecked(result) => answered(state, result, |state, resumed| {
            zone::rechecked(state, *resumed)
        }),
        Msg::CertificateFilesExist(existing) => certificate::files_exist(state, existing),
        Msg::SnippetFilesDiffer(differing) => snippet::files_differ(state, differing),
        Msg::CaPassphraseNeeded { key, wrong } => rotate::passphrase_needed(state, key, wrong),
        Msg::CaFileChecked(result) => answered(state, result, snippets_only::ca_file_checked),
        Msg::Doctored { request, result } => {
            let result = result.map_err(|e| format!("Doctor could not finish: {e}"));
            answered(state, result, |state, report| {
                doctor::doctored(state, *request, *report)
            })
        }
        Msg::EvidenceRead { log, result } => verify::evidence_read(state, log, result),
    };
    if state.step != before {
        effects.extend(enter(state));
    }
    effects
}

/// An answer: the step takes a success; a failure is shown and nothing else changes.
fn answered<T>(
    state: &mut Wizard,
    result: Result<T, String>,
    then: impl FnOnce(&mut Wizard, T) -> Vec<Effect>,
) -> Vec<Effect> {
    match result {
        Ok(value) => then(state, value),
        Err(error) => {
            state.error = Some(error);
            Vec::new()
        }
    }
}

/// What a step needs when it is entered.
fn enter(state: &mut Wizard) -> Vec<Effect> {
    match state.step {
        Step::Token => token::enter(state),
        Step::Undo => undo::enter(state),
        Step::Certificate => {
            certificate::enter(state);
            Vec::new()
        }
        Step::SnippetLog => {
            snippet::enter(state);
            Vec::new()
        }
        Step::Enable => enable::enter(state),
        Step::VerifyLog => verify::enter(state),
        Step::Welcome
        | Step::Zone
        | Step::SslMode
        | Step::Upload
        | Step::Enforce
        | Step::Alerts
        | Step::Summary
        | Step::Rotate
        | Step::SnippetChoice
        | Step::SnippetReady => Vec::new(),
    }
}

/// The keys valid now, in the key bar's order.
fn keymap(state: &Wizard) -> Vec<Binding> {
    if super::view::too_small(state.terminal_size) {
        return vec![global::quit_unseen()];
    }
    if let Some(modal) = &state.modal {
        return modal::bindings(modal, state);
    }
    if let Some(busy) = &state.busy {
        return global::while_busy(busy);
    }
    let mut bindings = step_bindings(state);
    let typing = takes_text(&bindings);
    // A step's own Esc (back to the summary) takes the place of the shared "back".
    let esc = KeyEvent::from(KeyCode::Esc);
    let own_esc = bindings.iter().any(|b| b.hint.covers(&esc));
    bindings.extend(
        global::bindings(state, typing)
            .into_iter()
            .filter(|b| !(own_esc && b.hint.covers(&esc))),
    );
    bindings
}

fn step_bindings(state: &Wizard) -> Vec<Binding> {
    match state.step {
        Step::Welcome => welcome::bindings(state),
        Step::Token => token::bindings(state),
        Step::Zone => zone::bindings(state),
        Step::SslMode => ssl_mode::bindings(state),
        Step::Certificate => certificate::bindings(state),
        Step::Upload => upload::bindings(state),
        Step::SnippetLog => snippet::bindings(state, SnippetPhase::Log),
        Step::Enable => enable::bindings(state),
        Step::VerifyLog => verify::bindings(state),
        Step::Enforce => snippet::bindings(state, SnippetPhase::Enforce),
        Step::Alerts => alerts::bindings(state),
        Step::Summary => summary::bindings(state),
        Step::Rotate => rotate::bindings(state),
        Step::Undo => undo::bindings(state),
        Step::SnippetChoice | Step::SnippetReady => snippets_only::bindings(state, state.step),
    }
}

fn takes_text(bindings: &[Binding]) -> bool {
    bindings.iter().any(|b| b.hint.keys == Keys::Text)
}

/// The key bar: only the keys that do something now.
pub fn hints(state: &Wizard) -> Vec<KeyHint> {
    keymap(state).into_iter().map(|b| b.hint).collect()
}

/// Whether a text field takes the keys on this screen (then `q` and `?` are letters).
pub fn typing(state: &Wizard) -> bool {
    takes_text(&step_bindings(state))
}
