//! The zone's SSL/TLS mode: AOP needs Full or Full (strict); a change is asked first.

use ratatui::crossterm::event::KeyCode;

use crate::cloudflare::SslMode;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::Wizard;
use crate::tui::steps::Step;

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let Some(mode) = state.ssl_mode.clone() else {
        return Vec::new();
    };
    if state.client.is_none() || state.zone.is_none() {
        return Vec::new();
    }
    let mut bindings = Vec::new();
    if mode.supports_aop() {
        bindings.push(Binding::new(
            "Enter",
            "continue",
            [KeyCode::Enter],
            |state, _| {
                state.finish(Step::SslMode);
                Vec::new()
            },
        ));
    } else {
        // Enter says why the set-up cannot go on.
        let label = mode.label();
        bindings.push(Binding::new(
            "Enter",
            "continue",
            [KeyCode::Enter],
            move |state, _| {
                state.error = Some(format!(
                    "AOP does not work in {label} mode: press f for Full or s for Full (strict)."
                ));
                Vec::new()
            },
        ));
        bindings.push(Binding::new(
            "f",
            "set Full",
            [KeyCode::Char('f')],
            |state, _| ask_to_set(state, SslMode::Full),
        ));
    }
    if mode != SslMode::Strict {
        bindings.push(Binding::new(
            "s",
            "set Full (strict)",
            [KeyCode::Char('s')],
            |state, _| ask_to_set(state, SslMode::Strict),
        ));
    }
    bindings
}

fn ask_to_set(state: &mut Wizard, target: SslMode) -> Vec<Effect> {
    let (Some(client), Some(zone), Some(mode)) = (
        state.client.clone(),
        state.zone.clone(),
        state.ssl_mode.clone(),
    ) else {
        return Vec::new();
    };
    let mut lines = vec![
        format!(
            "Zone {}: SSL/TLS mode {} → {}.",
            zone.name,
            mode.label(),
            target.label()
        ),
        "Cloudflare will connect to your origin over HTTPS.".into(),
        match target {
            SslMode::Strict => "Full (strict) also checks the origin's certificate: it must be valid for the hostname (a Cloudflare Origin CA certificate works).".into(),
            _ => "Full accepts any certificate on the origin, even self-signed.".into(),
        },
    ];
    lines.extend(crate::ops::preview::ssl_mode(&client, &zone.id, &target).lines());
    state.ask(
        "Change the SSL/TLS mode?",
        lines,
        vec![Effect::SetSslMode {
            client,
            zone_id: zone.id,
            mode: target,
        }],
        Some("Changing the SSL/TLS mode"),
    );
    Vec::new()
}

pub fn set(state: &mut Wizard, mode: SslMode) -> Vec<Effect> {
    state.notice = Some(format!("SSL/TLS mode is now {}.", mode.label()));
    state.ssl_mode = Some(mode);
    state.done.insert(Step::SslMode);
    state.save()
}
