//! Enabling AOP on Cloudflare for the scope (per hostname: the hostnames picked here), asked
//! first with the request it sends.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::probe::{Verdict, Verification};
use crate::tui::keys::{self, Binding};
use crate::tui::message::Effect;
use crate::tui::state::Wizard;
use crate::tui::steps::{Scope, Step};

/// Per hostname, the first proxied hostname is picked to begin with. Until AOP is on, the
/// origin is probed at once (Esc stops it): the answer decides whether enabling is offered.
pub fn enter(state: &mut Wizard) -> Vec<Effect> {
    if state.scope == Scope::Hostname && state.hostname_choice.is_empty() {
        state.hostname_choice = state.proxied_hostnames().into_iter().take(1).collect();
    }
    if state.enabled {
        return Vec::new();
    }
    // An earlier answer is not taken on trust: stopped, this probe leaves none.
    state.origin_asks = None;
    probe(state)
}

/// The origin alone, for the hostnames picked.
fn probe(state: &mut Wizard) -> Vec<Effect> {
    if state.scope == Scope::Hostname && state.hostname_choice.is_empty() {
        state.error = Some("Pick at least one hostname with Space.".into());
        return Vec::new();
    }
    super::verify::probe_before_enabling(state)
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    if state.enabled {
        return vec![Binding::new(
            "Enter",
            "continue",
            [KeyCode::Enter],
            |state, _| {
                state.finish(Step::Enable);
                Vec::new()
            },
        )];
    }
    let mut bindings = Vec::new();
    if state.scope == Scope::Hostname {
        let hostnames = state.proxied_hostnames();
        bindings.extend(keys::cursor("↑↓", "move", hostnames.len()));
        if !hostnames.is_empty() {
            bindings.push(Binding::new("Space", "pick", [KeyCode::Char(' ')], pick));
        }
    }
    bindings.push(if origin_asks(state) {
        Binding::new("Enter", "enable…", [KeyCode::Enter], ask_to_enable)
    } else {
        let label = if state.origin_asks.is_some() {
            "probe again"
        } else {
            "probe the origin"
        };
        Binding::new("Enter", label, [KeyCode::Enter], |state, _| probe(state))
    });
    bindings
}

/// The origin, probed for the hostnames picked, asks for the certificate and serves without it:
/// the one safe moment to let Cloudflare present it.
pub fn origin_asks(state: &Wizard) -> bool {
    state
        .origin_asks
        .as_ref()
        .is_some_and(|v| v.passed(Verdict::LogOnly))
}

/// Picks or drops the hostname under the cursor; the origin is probed again for the new set.
fn pick(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let Some(name) = state.proxied_hostnames().get(state.cursor).cloned() else {
        return Vec::new();
    };
    if !state.hostname_choice.remove(&name) {
        if state.hostname_choice.len() >= crate::ops::HOSTNAMES_PER_CERTIFICATE {
            state.error = Some(format!(
                "One certificate serves at most {} hostnames.",
                crate::ops::HOSTNAMES_PER_CERTIFICATE
            ));
            return Vec::new();
        }
        state.hostname_choice.insert(name);
    }
    state.origin_asks = None;
    probe(state)
}

fn ask_to_enable(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    if state.scope == Scope::Hostname && state.hostname_choice.is_empty() {
        state.error = Some("Pick at least one hostname with Space.".into());
        return Vec::new();
    }
    let lines = preview(state);
    state.ask(
        "Enable Authenticated Origin Pulls?",
        lines,
        vec![Effect::Enable {
            client,
            zone_id: zone.id,
            scope: state.scope,
            certificate_id: state.certificate_id.clone(),
            hostnames: state.hostname_choice.iter().cloned().collect(),
        }],
        Some("Enabling"),
    );
    Vec::new()
}

/// What enabling means, then the request it sends as a dry run shows it: the confirmation.
fn preview(state: &Wizard) -> Vec<String> {
    let mut lines = meaning(state);
    lines.push(String::new());
    lines.extend(request(state));
    lines
}

/// What Cloudflare presents once enabled, and for which hostnames: every one is named.
pub fn meaning(state: &Wizard) -> Vec<String> {
    match state.scope {
        Scope::Zone => {
            vec![
                "Cloudflare presents your certificate on every proxied request of the zone.".into(),
            ]
        }
        Scope::Global => vec![
            "Cloudflare presents its shared certificate on every proxied request of the zone."
                .into(),
        ],
        Scope::Hostname => {
            let mut lines = vec![format!(
                "Cloudflare presents your certificate for {}:",
                hostname_count(state.hostname_choice.len())
            )];
            lines.extend(hostname_list(state));
            lines.extend(uncertified_warning(state));
            lines.extend(state.scope.other_switches().map(String::from));
            lines
        }
    }
}

/// Per-hostname: the proxied hostnames not picked, named, with what enforcing does to them.
pub fn uncertified_warning(state: &Wizard) -> Option<String> {
    let uncertified = state.uncertified_hostnames();
    (!uncertified.is_empty()).then(|| {
        // The names first: on a short screen they are what must show.
        let them = if uncertified.len() == 1 { "it" } else { "them" };
        format!(
            "{}: not picked, so Cloudflare presents no certificate for {them}; refused once this origin enforces, if it serves {them}.",
            uncertified.join(", ")
        )
    })
}

/// The request enabling sends, as a dry run shows it.
pub fn request(state: &Wizard) -> Vec<String> {
    let (Some(client), Some(zone)) = (&state.client, &state.zone) else {
        return Vec::new();
    };
    let hostnames: Vec<String> = state.hostname_choice.iter().cloned().collect();
    match crate::ops::preview::switch_scope(
        client,
        &zone.id,
        state.scope,
        true,
        Some(state.certificate_id.as_deref().unwrap_or("CERT_ID")),
        &hostnames,
    ) {
        Ok(request) => request.lines(),
        Err(error) => vec![error.to_string()],
    }
}

/// The hostnames a probe covered, counted: the set it answers for, once a pick changed it.
pub fn probed_for(verification: &Verification) -> String {
    let hostnames: std::collections::BTreeSet<&str> = verification
        .cells
        .iter()
        .map(|cell| cell.hostname.as_str())
        .collect();
    hostname_count(hostnames.len())
}

/// "1 hostname", "2 hostnames".
fn hostname_count(count: usize) -> String {
    format!("{count} hostname{}", if count == 1 { "" } else { "s" })
}

/// Each hostname picked, one a line: every one is named, none is cut off a long line.
pub fn hostname_list(state: &Wizard) -> Vec<String> {
    state
        .hostname_choice
        .iter()
        .map(|hostname| format!("  • {hostname}"))
        .collect()
}

/// What is on now, in words: per hostname, every hostname.
pub fn enabled_for(state: &Wizard) -> String {
    match state.scope {
        Scope::Hostname => format!(
            "Per-hostname AOP is on in {} for {}:",
            state.zone_name(),
            hostname_count(state.hostname_choice.len())
        ),
        scope => format!("{} AOP is on for {}.", scope.label(), state.zone_name()),
    }
}

pub fn enabled(state: &mut Wizard) -> Vec<Effect> {
    state.enabled = true;
    state.done.insert(Step::Enable);
    state.notice = Some("Enabled: Cloudflare now presents the certificate to your origin.".into());
    state.save()
}
