//! The undo screen: read what is on, probe until the origin is relaxed (or the user says it is),
//! confirm, turn off. The order itself is `crate::undo`.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::summary;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::{UndoView, Wizard};
use crate::tui::steps::{Step, Task};
use crate::undo::UndoPlan;

/// From the summary of a set-up just done (the welcome screen's offer sets the task itself).
pub fn begin(state: &mut Wizard) {
    state.task = Task::Undo;
    state.undo = UndoView::default();
    state.summary_behind = true;
    state.go(Step::Undo);
}

/// Reads what is on for the zone (on entering the screen, and again on Enter).
pub fn enter(state: &mut Wizard) -> Vec<Effect> {
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    state.start(format!("Reading what is on for {}", zone.name), true);
    vec![Effect::ReadUndo {
        client,
        zone: zone.name,
    }]
}

/// Once AOP is off, or when the undo was begun there, Esc goes to the summary.
pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let mut bindings = own_bindings(state);
    if state.undo.done || state.summary_behind {
        bindings.push(summary::back_to_it());
    }
    bindings
}

fn own_bindings(state: &Wizard) -> Vec<Binding> {
    let view = &state.undo;
    if view.done {
        return vec![Binding::enter_quits()];
    }
    if view.plan.is_none() {
        return vec![Binding::new(
            "Enter",
            "read again",
            [KeyCode::Enter],
            |state, _| enter(state),
        )];
    }
    let mut bindings = if view.origin_relaxed() {
        vec![Binding::new(
            "Enter",
            "turn off…",
            [KeyCode::Enter],
            ask_to_turn_off,
        )]
    } else {
        vec![
            Binding::new("Enter", "probe the origin", [KeyCode::Enter], probe),
            Binding::new(
                "o",
                "checked it myself",
                [KeyCode::Char('o')],
                |state, _| {
                    state.undo.overridden = true;
                    state.notice =
                        Some("You checked the origin yourself: the probe is skipped.".into());
                    Vec::new()
                },
            ),
        ]
    };
    bindings.push(Binding::new(
        "d",
        "delete certs",
        [KeyCode::Char('d')],
        |state, _| {
            state.undo.delete_certificates = !state.undo.delete_certificates;
            Vec::new()
        },
    ));
    bindings
}

fn ask_to_turn_off(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let (Some(plan), Some(client)) = (state.undo.plan.clone(), state.client.clone()) else {
        return Vec::new();
    };
    let delete = state.undo.delete_certificates;
    let mut lines = plan.describe(delete);
    if state.undo.overridden {
        lines.push("The origin was not proven relaxed: you said it is.".into());
    }
    state.ask(
        "Turn Authenticated Origin Pulls off on Cloudflare?",
        lines,
        vec![Effect::TurnOff {
            client,
            plan: Box::new(plan),
            delete_certificates: delete,
        }],
        Some("Turning AOP off"),
    );
    Vec::new()
}

/// Asks the origin without a certificate: it must serve again before Cloudflare stops sending one.
fn probe(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let Some(plan) = &state.undo.plan else {
        return Vec::new();
    };
    let hostnames = plan.proxied.clone();
    let origins = match state.parsed_origins() {
        Ok(origins) => origins,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    state.start("Probing the origin without a certificate", true);
    vec![Effect::ProbeRelaxed { origins, hostnames }]
}

pub fn read(state: &mut Wizard, plan: UndoPlan) -> Vec<Effect> {
    if !plan.anything_on() {
        state.notice = Some(format!(
            "Authenticated Origin Pulls is already off for {}.",
            plan.zone
        ));
    }
    state.undo.plan = Some(plan);
    Vec::new()
}

pub fn probed(state: &mut Wizard, enforcing: Vec<String>) -> Vec<Effect> {
    state.undo.enforcing = Some(enforcing);
    Vec::new()
}

pub fn turned_off(state: &mut Wizard) -> Vec<Effect> {
    state.undo.done = true;
    state.done.insert(Step::Undo);
    // What AOP being on stood for no longer holds: the summary and the saved set-up say so, so
    // that neither offers to undo again (nor to rotate a certificate that is gone), and a
    // resume starts again at Enable.
    state.enabled = false;
    for step in [Step::Enable, Step::VerifyLog, Step::Enforce] {
        state.done.remove(&step);
    }
    if state.undo.delete_certificates {
        state.certificate_id = None;
        state.done.remove(&Step::Upload);
    }
    state.save()
}
