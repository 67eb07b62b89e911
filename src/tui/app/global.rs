//! The keys every screen shares, in one place: Esc back, ? help, q (or Ctrl-C) quit; while work
//! runs, Esc stops it when it may be stopped.

use ratatui::crossterm::event::KeyCode;

use crate::tui::keys::{Binding, Key, Keys};
use crate::tui::message::Effect;
use crate::tui::state::{Busy, Modal, Wizard};
use crate::tui::steps::{Step, Task};

/// After the step's own keys; `typing`: a text field takes the letters.
pub fn bindings(state: &Wizard, typing: bool) -> Vec<Binding> {
    let mut bindings: Vec<Binding> = crate::tui::viewer::opener(state, typing)
        .into_iter()
        .collect();
    if state.editing.is_none() && state.step.previous(state.task, state.scope).is_some() {
        bindings.push(Binding::new(
            "Esc",
            "back",
            [KeyCode::Esc, KeyCode::BackTab],
            |state, _| {
                state.back();
                Vec::new()
            },
        ));
    }
    if typing {
        bindings.push(ctrl_c());
        return bindings;
    }
    bindings.push(Binding::new(
        "?",
        "help",
        [KeyCode::Char('?')],
        |state, _| {
            state.modal = Some(Modal::Help);
            Vec::new()
        },
    ));
    let quit = Keys::These(vec![Key::Plain(KeyCode::Char('q')), Key::Ctrl('c')]);
    bindings.push(Binding::with_keys("q", "quit", quit, |state, key| {
        // Nothing is half done on the first and the last screen, nor in snippets only: q quits
        // without asking.
        let nothing_half_done =
            matches!(state.step, Step::Welcome | Step::Summary) || state.task == Task::Snippets;
        if key.code == KeyCode::Char('q') && nothing_half_done {
            state.quit = true;
        } else {
            state.modal = Some(Modal::Quit);
        }
        Vec::new()
    }));
    bindings
}

/// While work runs, the step's keys wait.
pub fn while_busy(busy: &Busy) -> Vec<Binding> {
    let mut bindings = Vec::new();
    if busy.cancellable {
        bindings.push(Binding::new("Esc", "stop", [KeyCode::Esc], |_, _| {
            vec![Effect::Cancel]
        }));
    }
    bindings.push(ctrl_c());
    bindings
}

/// Ctrl-C asks whether to quit, whatever has the keys.
pub fn ctrl_c() -> Binding {
    let keys = Keys::These(vec![Key::Ctrl('c')]);
    Binding::with_keys("Ctrl-C", "quit", keys, |state, _| {
        state.modal = Some(Modal::Quit);
        Vec::new()
    })
}

/// Ctrl-C quits at once while the terminal is too small to show the question (the progress is
/// saved either way).
pub fn quit_unseen() -> Binding {
    let keys = Keys::These(vec![Key::Ctrl('c')]);
    Binding::with_keys("Ctrl-C", "quit", keys, |state, _| {
        state.quit = true;
        Vec::new()
    })
}
