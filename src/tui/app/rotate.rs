//! The rotate screen: plan, confirm, carry out, check again, abandon. The work itself is
//! `crate::rotation`; this only decides what to ask for next.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::summary;
use crate::ops::OriginCheck;
use crate::pki::{GeneratedFiles, Passphrase};
use crate::rotation::{Event, Finish, Rotation, RotationRequest, Stage};
use crate::snippets::SnippetPhase;
use crate::tui::input::TextInput;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::{KEY_TYPES, RotationView, Wizard, numbered};
use crate::tui::steps::{Scope, Step, Task};

/// From the summary of a set-up just done (the welcome screen's offer sets the task itself).
pub fn begin(state: &mut Wizard) {
    state.task = Task::Rotate;
    state.rotation = RotationView::default();
    state.summary_behind = true;
    state.go(Step::Rotate);
}

/// Once the rotation is done, or when it was begun there, Esc goes to the summary.
pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let mut bindings = own_bindings(state);
    if state.rotation.rotated() || state.summary_behind {
        bindings.push(summary::back_to_it());
    }
    bindings
}

fn own_bindings(state: &Wizard) -> Vec<Binding> {
    let view = &state.rotation;
    if view.rotated() {
        return vec![Binding::enter_quits()];
    }
    if view.plan.is_none() && view.ca_key_asked.is_some() {
        return passphrase_bindings();
    }
    let Some(plan) = &view.plan else {
        return vec![
            Binding::text("origins", |state| &mut state.origins),
            Binding::new("Tab", "new CA on/off", [KeyCode::Tab], |state, _| {
                state.rotation.new_ca = !state.rotation.new_ca;
                Vec::new()
            }),
            Binding::new("Enter", "plan", [KeyCode::Enter], |state, _| {
                plan_rotation(state)
            }),
        ];
    };
    let mut bindings = vec![if plan.stage == Stage::Planned && view.log.is_empty() {
        Binding::new("Enter", "start…", [KeyCode::Enter], ask_to_start)
    } else {
        // After a stop: the same run goes on from where it stopped.
        let label = if view.finish.is_some() {
            "check again"
        } else {
            "continue"
        };
        Binding::new("Enter", label, [KeyCode::Enter], |state, _| {
            state.start("Rotating", false);
            carry_out(state)
        })
    }];
    if plan.stage < Stage::OldDeleted {
        bindings.push(Binding::new(
            "a",
            "abandon…",
            [KeyCode::Char('a')],
            ask_to_abandon,
        ));
    }
    bindings
}

/// The CA key is encrypted: its passphrase is typed (masked), then the plan is read again.
fn passphrase_bindings() -> Vec<Binding> {
    vec![
        Binding::text("passphrase", |state| &mut state.rotation.ca_passphrase),
        Binding::new("Enter", "unlock", [KeyCode::Enter], |state, _| {
            if state.rotation.ca_passphrase.value.is_empty() {
                state.error = Some("Type the CA key's passphrase, then Enter.".into());
                return Vec::new();
            }
            plan_rotation(state)
        }),
    ]
}

/// Signing needs the CA key's passphrase: none was given, or the one typed does not open it.
pub fn passphrase_needed(state: &mut Wizard, key: PathBuf, wrong: bool) -> Vec<Effect> {
    state.rotation.ca_passphrase = TextInput::masked();
    // Short enough for one status line; the screen names the key file.
    if wrong {
        state.error = Some("That passphrase does not open the CA key: type it again.".into());
    } else {
        state.notice = Some("The CA key is encrypted: type its passphrase to sign with it.".into());
    }
    state.rotation.ca_key_asked = Some(key);
    Vec::new()
}

fn ask_to_start(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let Some(plan) = &state.rotation.plan else {
        return Vec::new();
    };
    let mut steps = vec![format!("new certificate in {}", plan.out_dir.display())];
    if plan.new_ca {
        steps.push("the origin must trust both CAs: the snippet is written, then proven".into());
    }
    steps.push("upload, wait until active, check through Cloudflare".into());
    steps.push(format!("delete the old certificate {}", plan.old_id));
    let mut lines = vec![format!("Rotate the {}?", plan.scope_label())];
    lines.extend(numbered(steps).into_iter().map(|step| format!("  {step}")));
    lines.extend(plan.hostname_notes());
    let effects = carry_out(state);
    state.ask("Start the rotation?", lines, effects, Some("Rotating"));
    Vec::new()
}

fn ask_to_abandon(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let (Some(plan), Some(client)) = (state.rotation.plan.clone(), state.client.clone()) else {
        return Vec::new();
    };
    let lines = vec![
        format!("Cloudflare presents {} again;", plan.old_id),
        "the new certificate is deleted from Cloudflare (its files stay).".into(),
    ];
    state.ask(
        "Abandon the rotation?",
        lines,
        vec![Effect::AbortRotation {
            client,
            rotation: Box::new(plan),
        }],
        Some("Going back to the old certificate"),
    );
    Vec::new()
}

/// Carries out the plan, or goes on from where the rotation stopped.
fn carry_out(state: &Wizard) -> Vec<Effect> {
    match (&state.client, &state.rotation.plan) {
        (Some(client), Some(plan)) => vec![Effect::CarryOutRotation {
            client: client.clone(),
            rotation: Box::new(plan.clone()),
        }],
        _ => Vec::new(),
    }
}

fn plan_rotation(state: &mut Wizard) -> Vec<Effect> {
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.clone()) else {
        return Vec::new();
    };
    let files = state
        .certificate
        .as_ref()
        .map(|c| c.files.clone())
        .or_else(|| state.resumable.first().and_then(|p| p.certificate.clone()));
    let addresses = match state.parsed_origins() {
        Ok(addresses) => addresses,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    let edge_url = state.edge_url();
    let request = RotationRequest {
        zone: zone.name,
        hostname: match state.scope {
            Scope::Hostname => state.hostname_choice.iter().next().cloned(),
            _ => None,
        },
        new_ca: state.rotation.new_ca,
        ca: files
            .as_ref()
            .map(|f| (f.ca_cert.clone(), f.ca_key.clone())),
        ca_passphrase_env: None,
        old_leaf: files.map(|f: GeneratedFiles| (f.client_cert, f.client_key)),
        out_dir: None,
        key_type: KEY_TYPES[state.key_type % KEY_TYPES.len()],
        leaf_days: crate::ops::certificate::LEAF_DAYS,
        ca_days: crate::ops::certificate::CA_DAYS,
        origin: OriginCheck {
            addresses,
            hostnames: state.target_hostnames(),
            server: state.server(),
            server_version: None,
            phase: SnippetPhase::Enforce,
            log_dir: None,
            ca_path: state.ca_path.trimmed().to_string(),
            edge_url,
            check_edge: true,
        },
        ca_passphrase: state
            .rotation
            .ca_key_asked
            .as_ref()
            .map(|_| Passphrase::new(state.rotation.ca_passphrase.value.clone())),
    };
    state.start("Reading the current certificate", true);
    vec![Effect::PlanRotation {
        client,
        request: Box::new(request),
    }]
}

pub fn planned(state: &mut Wizard, plan: Rotation) -> Vec<Effect> {
    // The plan holds the passphrase for this run; the field and its prompt are done with.
    if state.rotation.ca_key_asked.take().is_some() {
        state.notice = None;
    }
    state.rotation.ca_passphrase = TextInput::masked();
    if plan.stage > Stage::Planned {
        state.notice = Some(format!(
            "A rotation begun {} stopped at \"{}\": Enter continues it, a abandons it.",
            plan.started,
            plan.stage.describe()
        ));
    }
    state.rotation.plan = Some(plan);
    Vec::new()
}

/// A stage reached or a note: the spinner goes on.
pub fn progressed(state: &mut Wizard, event: Event) -> Vec<Effect> {
    let view = &mut state.rotation;
    match event {
        Event::Reached(stage, detail) => {
            if let Some(plan) = view.plan.as_mut() {
                plan.stage = stage;
            }
            view.note_repeats.reset();
            view.log.push(format!("✓ {}: {detail}", stage.describe()));
        }
        Event::Note(note) => match view.note_repeats.count(&note) {
            1 => view.log.push(format!("  {note}")),
            times => {
                if let Some(last) = view.log.last_mut() {
                    *last = format!("  {note} (×{times})");
                }
            }
        },
    }
    Vec::new()
}

/// How the run ended; the rotation as far as it got is kept either way.
pub fn ended(state: &mut Wizard, result: Result<Finish, String>, plan: Rotation) -> Vec<Effect> {
    let done = match result {
        Ok(Finish::Rotated(done)) => done,
        Ok(other) => {
            state.rotation.finish = Some(other);
            state.rotation.plan = Some(plan);
            return Vec::new();
        }
        Err(e) => {
            state.error = Some(e);
            state.rotation.plan = Some(plan);
            return Vec::new();
        }
    };
    state.certificate_id = Some(done.certificate_id.clone());
    let files = GeneratedFiles {
        ca_cert: done.ca.clone(),
        ca_key: plan.ca_key.clone(),
        client_cert: done.certificate.clone(),
        client_key: done.key.clone(),
    };
    if let Some(certificate) = state.certificate.as_mut() {
        certificate.files = files.clone();
    }
    if let Some(progress) = state.resumable.first_mut() {
        progress.certificate = Some(files.clone());
        progress.certificate_id = Some(done.certificate_id.clone());
    }
    for (role, path) in [
        (
            "client certificate (rotated, on Cloudflare)",
            &done.certificate,
        ),
        ("client private key (rotated, on Cloudflare)", &done.key),
    ] {
        if !state.files.iter().any(|(_, p)| p == path) {
            state.files.push((role.to_string(), path.clone()));
        }
    }
    state.rotation.finish = Some(Finish::Rotated(done));
    state.done.insert(Step::Rotate);
    state.rotation.plan = Some(plan);
    let mut progress = state.progress();
    progress.certificate = Some(files);
    vec![Effect::SaveProgress(progress)]
}

pub fn aborted(state: &mut Wizard) -> Vec<Effect> {
    state.rotation = RotationView::default();
    state.notice =
        Some("Rotation abandoned: Cloudflare presents the old certificate again.".into());
    Vec::new()
}
