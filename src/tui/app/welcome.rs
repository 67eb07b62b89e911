//! The first screen: resume a saved set-up, rotate or undo one, or start a new one in a scope.

use ratatui::crossterm::event::KeyCode;

use crate::setup::Stage;
use crate::setup::progress::Progress;
use crate::tui::input::TextInput;
use crate::tui::keys::{self, Binding};
use crate::tui::state::Wizard;
use crate::tui::steps::{Scope, Step, Task};

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let options =
        state.resumable.len() + state.rotatable().len() + state.undoable().len() + Scope::ALL.len();
    let mut bindings: Vec<Binding> = keys::cursor("↑↓", "choose", options).into_iter().collect();
    bindings.push(Binding::new(
        "Enter",
        "start",
        [KeyCode::Enter],
        |state, _| {
            choose(state);
            Vec::new()
        },
    ));
    bindings
}

/// The option under the cursor: the rows are the resumable set-ups, their rotations, their
/// undos, then the scopes of a new set-up.
fn choose(state: &mut Wizard) {
    let rotatable = state.rotatable();
    let undoable = state.undoable();
    let cursor = state.cursor;
    if let Some(progress) = state.resumable.get(cursor).cloned() {
        resume(state, progress, Task::SetUp);
    } else if let Some(index) = rotatable.get(cursor - state.resumable.len()) {
        let progress = state.resumable[*index].clone();
        resume(state, progress, Task::Rotate);
    } else if let Some(index) = undoable.get(cursor - state.resumable.len() - rotatable.len()) {
        let progress = state.resumable[*index].clone();
        resume(state, progress, Task::Undo);
    } else {
        state.scope = Scope::ALL[cursor - state.resumable.len() - rotatable.len() - undoable.len()];
        state.resumed = false;
        state.resumable.retain(|_| false);
    }
    state.finish(Step::Welcome);
}

/// A set-up resumed takes nothing saved on trust: what it reached is restored once Cloudflare and
/// the files are read again (`zone::rechecked`). A rotation or an undo reads what it acts on
/// itself, and saves the set-up's record back as it was.
fn resume(state: &mut Wizard, progress: Progress, task: Task) {
    state.task = task;
    state.scope = progress.scope;
    if task != Task::SetUp {
        state.done = Step::finished_by(&progress.reached);
        state.certificate_id = progress.certificate_id.clone();
        state.files = progress.files.clone();
        state.enabled = progress.reached.contains(&Stage::Enabled);
        state.alert_id = progress.alert_id.clone();
    }
    state.hostname_choice = progress.hostnames.iter().cloned().collect();
    state.zone_filter = TextInput::new(progress.zone.clone());
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
