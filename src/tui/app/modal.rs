//! The keys of the box over the screen: help closes on any key, the quit question and the
//! confirmations take y or n; the viewer's are its own (`tui::viewer`).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::tui::keys::{Binding, Keys};
use crate::tui::message::Effect;
use crate::tui::state::{Modal, Wizard};

const YES: [KeyCode; 3] = [KeyCode::Char('y'), KeyCode::Char('Y'), KeyCode::Enter];

pub fn bindings(modal: &Modal, state: &Wizard) -> Vec<Binding> {
    match modal {
        Modal::Viewer(viewer) => crate::tui::viewer::bindings(state, viewer),
        Modal::Help => vec![Binding::with_keys("any key", "close", Keys::Any, close)],
        Modal::Quit => vec![
            Binding::new("y", "quit", YES, |state, _| {
                state.quit = true;
                Vec::new()
            }),
            Binding::with_keys("any key", "stay", Keys::Any, close),
        ],
        // Any other key leaves the question open.
        Modal::Confirm(confirm) => vec![
            if confirm.only_y {
                Binding::new("y", "yes", [KeyCode::Char('y'), KeyCode::Char('Y')], yes)
            } else {
                Binding::new("y", "yes", YES, yes)
            },
            Binding::new(
                "n",
                "no",
                [KeyCode::Char('n'), KeyCode::Char('N'), KeyCode::Esc],
                close,
            ),
        ],
    }
}

fn close(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    state.modal = None;
    Vec::new()
}

/// What was asked is done: its effects, or the step it leads to.
fn yes(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let Some(Modal::Confirm(confirm)) = state.modal.take() else {
        return Vec::new();
    };
    if let Some(label) = confirm.busy_label {
        state.start(label, false);
    }
    if let Some(step) = confirm.go_to {
        state.go(step);
    }
    confirm.on_yes
}
