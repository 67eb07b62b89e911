//! The API token: found in the environment or the keyring, or typed; then the zones it sees and
//! the permissions it has, found by using them.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::zone;
use crate::cloudflare::{ApiToken, Client, PermissionCheck, Zone};
use crate::tui::keys::Binding;
use crate::tui::message::{Effect, VerifiedToken};
use crate::tui::state::{TokenState, Wizard};
use crate::tui::steps::Step;

/// Looks for a token unless one is verified already.
pub fn enter(state: &mut Wizard) -> Vec<Effect> {
    if state.client.is_some() {
        return Vec::new();
    }
    state.token_state = TokenState::Looking;
    state.start("Looking for a token", false);
    vec![Effect::VerifyToken(None)]
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    match &state.token_state {
        TokenState::Looking => Vec::new(),
        TokenState::NeedInput { .. } => vec![
            Binding::text("token", |state| &mut state.token_input),
            Binding::new("Enter", "verify", [KeyCode::Enter], verify_typed),
        ],
        TokenState::Verified { typed, .. } => {
            let mut bindings = Vec::new();
            if !state.zones.is_empty() {
                bindings.push(Binding::new(
                    "Enter",
                    "continue",
                    [KeyCode::Enter],
                    |state, _| {
                        if zone::saved_zone(state).is_some() {
                            return zone::choose_saved(state);
                        }
                        state.finish(Step::Token);
                        Vec::new()
                    },
                ));
            }
            if *typed {
                bindings.push(Binding::new(
                    "s",
                    "save in keyring",
                    [KeyCode::Char('s')],
                    save,
                ));
            }
            bindings.push(Binding::new(
                "r",
                "other token",
                [KeyCode::Char('r')],
                |state, _| {
                    state.client = None;
                    state.token_state = TokenState::NeedInput {
                        problem: "Paste another token.".into(),
                    };
                    Vec::new()
                },
            ));
            bindings
        }
    }
}

fn verify_typed(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let typed = state.token_input.trimmed().to_string();
    if typed.is_empty() {
        state.error = Some("Paste the API token first (it is not shown).".into());
        return Vec::new();
    }
    state.start("Verifying the token", false);
    vec![Effect::VerifyToken(Some(ApiToken::new(typed)))]
}

/// The client holds the token; saving it never puts it in the state or a file.
fn save(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    match state.client.as_ref().and_then(Client::token) {
        Some(token) => {
            state.start("Saving the token in the OS keyring", false);
            vec![Effect::SaveToken(token)]
        }
        None => Vec::new(),
    }
}

pub fn checked(state: &mut Wizard, result: Result<VerifiedToken, String>) -> Vec<Effect> {
    match result {
        Ok(VerifiedToken {
            client,
            source,
            typed,
        }) => {
            state.client = Some(client.clone());
            state.token_state = TokenState::Verified { source, typed };
            state.token_input.value.clear();
            state.start("Reading the account's zones", true);
            vec![Effect::LoadZones(client)]
        }
        Err(problem) => {
            state.token_state = TokenState::NeedInput { problem };
            Vec::new()
        }
    }
}

pub fn saved(state: &mut Wizard, backend: String) -> Vec<Effect> {
    state.notice = Some(format!(
        "Saved in the OS keyring ({backend}); next time it is found there."
    ));
    if let TokenState::Verified { typed, .. } = &mut state.token_state {
        *typed = false;
    }
    Vec::new()
}

/// The zones the token sees; then its permissions are probed on the zone most likely chosen.
pub fn zones_listed(state: &mut Wizard, zones: Vec<Zone>) -> Vec<Effect> {
    state.zones = zones;
    let mut effects = Vec::new();
    let probe_zone = state
        .resumable
        .first()
        .filter(|_| state.resumed)
        .map(|p| p.zone.clone())
        .or_else(|| state.zones.first().map(|z| z.name.clone()));
    if let (Some(zone), Some(client)) = (probe_zone, state.client.clone()) {
        state.start(format!("Checking the token's permissions on {zone}"), true);
        effects.push(Effect::ProbePermissions { client, zone });
    }
    if state.zones.is_empty() {
        state.error =
            Some("This token sees no zones: give it Zone → Zone → Read on your zone.".into());
    }
    effects
}

/// The token's permissions. A resumed set-up goes on by itself to its zone unless one is
/// missing (then the list stays on screen and Enter goes on).
pub fn permissions(state: &mut Wizard, checks: Vec<PermissionCheck>) -> Vec<Effect> {
    state.permissions = checks;
    let missing = state.permissions.iter().any(|c| c.granted == Some(false));
    if state.step != Step::Token || state.zone.is_some() || missing {
        return Vec::new();
    }
    if zone::saved_zone(state).is_some() {
        return zone::choose_saved(state);
    }
    if let Some(saved) = state.resumable.first().filter(|_| state.resumed) {
        state.error = Some(format!(
            "This token does not see {}: press r for another token, or Enter to pick a zone.",
            saved.zone
        ));
    }
    Vec::new()
}
