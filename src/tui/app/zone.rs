//! The zone: typed ahead, picked from the list, then read (SSL/TLS mode, DNS records). A resumed
//! set-up's zone is chosen without the list, and the set-up is checked again before it goes on.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::cloudflare::Zone;
use crate::setup::{Recheck, Stage};
use crate::tui::input::TextInput;
use crate::tui::keys::{self, Binding, Keys};
use crate::tui::message::{Effect, Resumed, ZoneSettings};
use crate::tui::state::Wizard;
use crate::tui::steps::{Step, Task};

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
    select_zone(state, zone)
}

fn select_zone(state: &mut Wizard, zone: Zone) -> Vec<Effect> {
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

/// The zone of the set-up chosen on the first screen, among those the token sees.
pub fn saved_zone(state: &Wizard) -> Option<Zone> {
    let saved = state.resumable.first().filter(|_| state.resumed)?;
    state
        .zones
        .iter()
        .find(|z| z.name.eq_ignore_ascii_case(&saved.zone))
        .cloned()
}

/// Chooses the saved set-up's zone without the list. A set-up is checked again first (nothing
/// saved is taken on trust); a rotation or an undo reads what it needs on its own screen.
pub fn choose_saved(state: &mut Wizard) -> Vec<Effect> {
    let (Some(zone), Some(progress), Some(client)) = (
        saved_zone(state),
        state.resumable.first().cloned(),
        state.client.clone(),
    ) else {
        return Vec::new();
    };
    if state.task != Task::SetUp {
        return select_zone(state, zone);
    }
    state.zone = Some(zone.clone());
    state.start(
        format!("Checking {} again: Cloudflare and the files", zone.name),
        true,
    );
    vec![Effect::Recheck { client, progress }]
}

/// The saved set-up as it is now: what still holds is restored, and the wizard goes to the first
/// stage that is not done, saying what changed since.
pub fn rechecked(state: &mut Wizard, resumed: Resumed) -> Vec<Effect> {
    let Resumed {
        recheck,
        settings,
        certificate,
    } = resumed;
    read(state, settings);
    state.certificate = certificate;
    state.certificate_id = recheck.certificate_id.clone();
    state.files = recheck.files.clone();
    state.enabled = recheck.holds.contains(&Stage::Enabled);
    state.alert_id = recheck.alert_id.clone();
    state.done = Step::finished_by(&recheck.holds);
    state.zone = Some(recheck.zone.clone());
    let first_not_done = Step::ALL
        .into_iter()
        .filter(|s| s.applies_to(state.task, state.scope))
        .find(|s| !state.done.contains(s))
        .unwrap_or(Step::Summary);
    if let Some(dir) = origin_dir(state) {
        state.snippet_dir = TextInput::new(dir.display().to_string());
    }
    super::snippet::enter(state);
    state.go(first_not_done);
    state.resume_notes = Some(notes(&recheck, first_not_done));
    Vec::new()
}

/// Where the snippets for the origin were written: the next ones go there too.
fn origin_dir(state: &Wizard) -> Option<std::path::PathBuf> {
    let own = state.certificate.as_ref().map(|c| &c.files);
    state
        .files
        .iter()
        .map(|(_, path)| path)
        .filter(|path| {
            own.is_none_or(|f| {
                ![&f.ca_cert, &f.ca_key, &f.client_cert, &f.client_key].contains(path)
            })
        })
        .find_map(|path| path.parent().map(std::path::Path::to_path_buf))
}

/// What the re-check found, for the screen the set-up resumes at.
fn notes(recheck: &Recheck, at: Step) -> Vec<String> {
    let mut lines = Vec::new();
    if recheck.changes.is_empty() {
        lines.push(format!(
            "Cloudflare and the files were read again: everything saved still holds. Resuming at {}.",
            at.title()
        ));
    } else {
        lines.push(format!(
            "Cloudflare and the files were read again. Changed since you stopped (resuming at {}):",
            at.title()
        ));
        lines.extend(recheck.changes.iter().map(|c| format!("• {c}")));
    }
    if !recheck.prove_again.is_empty() {
        let proofs: Vec<&str> = recheck.prove_again.iter().map(|s| s.describe()).collect();
        lines.push(format!(
            "Proven on the origin before, probed again here: {}.",
            proofs.join("; ")
        ));
    }
    lines
}
