//! The undo screen's part of `update`: read what is on, probe until the origin is relaxed (or
//! the user says it is), confirm, turn off. The order itself is `crate::undo`.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{Effect, Msg, Wizard};
use super::steps::{Step, Task};
use crate::undo::UndoPlan;

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

/// From the summary of a set-up just done, or from the welcome screen.
pub fn begin(state: &mut Wizard) -> Vec<Effect> {
    state.task = Task::Undo;
    state.undo = UndoView::default();
    state.go(Step::Undo)
}

/// What entering the screen asks for.
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

pub fn on_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    if state.undo.done {
        if key.code == KeyCode::Enter {
            state.quit = true;
        }
        return Vec::new();
    }
    let Some(plan) = state.undo.plan.clone() else {
        return if key.code == KeyCode::Enter {
            enter(state)
        } else {
            Vec::new()
        };
    };
    match key.code {
        KeyCode::Char('d') => {
            state.undo.delete_certificates = !state.undo.delete_certificates;
            Vec::new()
        }
        KeyCode::Char('o') if !state.undo.origin_relaxed() => {
            state.undo.overridden = true;
            state.notice = Some("You checked the origin yourself: the probe is skipped.".into());
            Vec::new()
        }
        KeyCode::Enter if state.undo.origin_relaxed() => {
            let Some(client) = state.client.clone() else {
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
        KeyCode::Enter => {
            let origins = match state.parsed_origins() {
                Ok(origins) => origins,
                Err(e) => {
                    state.error = Some(e);
                    return Vec::new();
                }
            };
            state.start("Probing the origin without a certificate", true);
            vec![Effect::ProbeRelaxed {
                origins,
                hostnames: plan.proxied,
            }]
        }
        _ => Vec::new(),
    }
}

pub fn on_message(state: &mut Wizard, msg: Msg) {
    match msg {
        Msg::UndoRead(Ok(plan)) => {
            if !plan.anything_on() {
                state.notice = Some(format!(
                    "Authenticated Origin Pulls is already off for {}.",
                    plan.zone
                ));
            }
            state.undo.plan = Some(*plan);
        }
        Msg::UndoProbed(Ok(enforcing)) => state.undo.enforcing = Some(enforcing),
        Msg::TurnedOff(Ok(())) => {
            state.undo.done = true;
            state.done.insert(Step::Undo);
        }
        Msg::UndoRead(Err(e)) | Msg::UndoProbed(Err(e)) | Msg::TurnedOff(Err(e)) => {
            state.error = Some(e)
        }
        _ => {}
    }
}
