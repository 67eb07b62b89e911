//! The zone: typed ahead, picked from the list, then read (SSL/TLS mode, DNS records).

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::tui::input::TextInput;
use crate::tui::keys::{self, Binding, Keys};
use crate::tui::message::{Effect, ZoneSettings};
use crate::tui::state::Wizard;
use crate::tui::steps::Step;

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let mut bindings = vec![Binding::with_keys(
        "type",
        "filter",
        Keys::Text,
        |state, key| {
            if state.zone_filter.handle(key) {
                state.cursor = 0;
            }
            Vec::new()
        },
    )];
    bindings.extend(keys::arrows("↑↓", "choose", state.filtered_zones().len()));
    bindings.push(Binding::new("Enter", "select", [KeyCode::Enter], select));
    bindings
}

fn select(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let Some(zone) = state
        .filtered_zones()
        .get(state.cursor)
        .map(|z| (*z).clone())
    else {
        state.error = Some("No zone matches; change the filter.".into());
        return Vec::new();
    };
    let Some(client) = state.client.clone() else {
        return Vec::new();
    };
    if state.zone.as_ref().is_some_and(|z| z.id != zone.id) {
        // Another zone: what was done belongs to the old one.
        state.done.retain(|s| *s <= Step::Zone);
        state.certificate_id = None;
        state.enabled = false;
        state.verify_log = None;
        state.verify_enforce = None;
        state.origins.value.clear();
    }
    state.zone = Some(zone.clone());
    state.finish(Step::Zone);
    state.start(format!("Reading {}", zone.name), true);
    vec![Effect::ReadZone { client, zone }]
}

pub fn read(state: &mut Wizard, settings: ZoneSettings) -> Vec<Effect> {
    state.ssl_mode = Some(settings.ssl_mode);
    state.ssl_automatic = Some(settings.ssl_automatic);
    state.dns = settings.dns;
    state.origins = TextInput::new(state.default_origins());
    Vec::new()
}
