//! The expiry notification: an e-mail address, asked first; empty skips the step.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::Wizard;
use crate::tui::steps::{Scope, Step};

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    if state.alert_id.is_some() {
        return vec![Binding::new(
            "Enter",
            "continue",
            [KeyCode::Enter],
            |state, _| {
                state.finish(Step::Alerts);
                Vec::new()
            },
        )];
    }
    vec![
        Binding::text("e-mail", |state| &mut state.email),
        Binding::new(
            "Enter",
            "create (empty: skip)",
            [KeyCode::Enter],
            create_or_skip,
        ),
    ]
}

fn create_or_skip(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let email = state.email.trimmed().to_string();
    if email.is_empty() {
        // Skipped on purpose: leave the step without marking it done.
        state.go(Step::Summary);
        return Vec::new();
    }
    let email = match crate::names::email(&email) {
        Ok(email) => email,
        Err(refused) => {
            state.error = Some(refused.to_string());
            return Vec::new();
        }
    };
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    let kind = if state.scope == Scope::Hostname {
        "hostname"
    } else {
        "zone"
    };
    state.ask(
        "Create the expiry notification?",
        {
            let mut lines = vec![format!(
                "E-mail {email} when a {kind}-level AOP certificate of {} nears expiry.",
                zone.name
            )];
            lines.extend(
                crate::ops::preview::expiry_alert(
                    &client,
                    &zone.account.id,
                    &zone.name,
                    &email,
                    state.scope,
                )
                .lines(),
            );
            lines.push(
                "An identical policy that already exists is reused, never duplicated.".into(),
            );
            lines
        },
        vec![Effect::CreateAlert {
            client,
            account_id: zone.account.id.clone(),
            zone: zone.name.clone(),
            email,
            scope: state.scope,
        }],
        Some("Creating the notification policy"),
    );
    Vec::new()
}

pub fn created(state: &mut Wizard, id: String) -> Vec<Effect> {
    state.alert_id = Some(id);
    state.done.insert(Step::Alerts);
    state.save()
}
