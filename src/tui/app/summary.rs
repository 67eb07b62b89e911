//! The last screen of a set-up: quit, or go on to rotate the certificate or undo it all.

use ratatui::crossterm::event::KeyCode;

use super::{rotate, undo};
use crate::tui::keys::Binding;
use crate::tui::state::Wizard;

/// Esc on a rotation or undo: back to the summary of the set-up.
pub fn back_to_it() -> Binding {
    Binding::new("Esc", "summary", [KeyCode::Esc], |state, _| {
        state.back_to_summary();
        Vec::new()
    })
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let mut bindings = vec![Binding::enter_quits()];
    if state.certificate_id.is_some() {
        bindings.push(Binding::new(
            "r",
            "rotate the certificate",
            [KeyCode::Char('r')],
            |state, _| {
                rotate::begin(state);
                Vec::new()
            },
        ));
    }
    if state.enabled {
        bindings.push(Binding::new(
            "u",
            "undo (turn AOP off)",
            [KeyCode::Char('u')],
            |state, _| {
                undo::begin(state);
                Vec::new()
            },
        ));
    }
    bindings
}
