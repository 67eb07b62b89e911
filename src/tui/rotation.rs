//! The rotate screen's part of `update`: plan, confirm, carry out, check again, abort. The work
//! itself is `crate::rotation`; this only decides what to ask for next.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{Effect, Msg, Wizard};
use super::steps::{Scope, Step, Task};
use crate::ops::{DEFAULT_EDGE_URL, OriginCheck};
use crate::pki::GeneratedFiles;
use crate::rotation::{Event, Finish, Rotation, RotationRequest, Stage};
use crate::snippets::SnippetPhase;

/// What the rotate screen shows and remembers.
#[derive(Debug, Clone, Default)]
pub struct RotationView {
    pub new_ca: bool,
    /// The plan read from Cloudflare (or the rotation in flight), as far as it got.
    pub plan: Option<Rotation>,
    pub log: Vec<String>,
    pub finish: Option<Finish>,
}

impl RotationView {
    pub fn rotated(&self) -> bool {
        matches!(self.finish, Some(Finish::Rotated(_)))
    }
}

/// From the summary of a set-up just done, or from the welcome screen's offer.
pub fn begin(state: &mut Wizard) -> Vec<Effect> {
    state.task = Task::Rotate;
    state.rotation = RotationView::default();
    state.go(Step::Rotate)
}

pub fn on_key(state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    let view = &state.rotation;
    if view.rotated() {
        if key.code == KeyCode::Enter {
            state.quit = true;
        }
        return Vec::new();
    }
    let Some(plan) = view.plan.clone() else {
        return match key.code {
            KeyCode::Enter => plan_rotation(state),
            KeyCode::Tab => {
                state.rotation.new_ca = !state.rotation.new_ca;
                Vec::new()
            }
            _ => {
                state.origins.handle(key);
                Vec::new()
            }
        };
    };
    match key.code {
        KeyCode::Enter if plan.stage == Stage::Planned && view.log.is_empty() => {
            let mut lines = vec![
                format!("Rotate the {}?", plan.scope_label()),
                format!("  1. new certificate in {}", plan.out_dir.display()),
            ];
            if plan.new_ca {
                lines.push(
                    "  2. the origin must trust both CAs: the snippet is written, then proven"
                        .into(),
                );
            }
            lines.push("  3. upload, wait until active, check through Cloudflare".into());
            lines.push(format!("  4. delete the old certificate {}", plan.old_id));
            let effect = carry_out(state, plan);
            state.ask("Start the rotation?", lines, effect, Some("Rotating"));
            Vec::new()
        }
        KeyCode::Enter => {
            state.start("Rotating", false);
            carry_out(state, plan)
        }
        KeyCode::Char('a') if plan.stage < Stage::OldDeleted => {
            let lines = vec![
                format!("Cloudflare presents {} again;", plan.old_id),
                "the new certificate is deleted from Cloudflare (its files stay).".into(),
            ];
            let Some(client) = state.client.clone() else {
                return Vec::new();
            };
            let effect = vec![Effect::AbortRotation {
                client,
                rotation: Box::new(plan),
            }];
            state.ask(
                "Abandon the rotation?",
                lines,
                effect,
                Some("Going back to the old certificate"),
            );
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn carry_out(state: &Wizard, plan: Rotation) -> Vec<Effect> {
    match &state.client {
        Some(client) => vec![Effect::CarryOutRotation {
            client: client.clone(),
            rotation: Box::new(plan),
        }],
        None => Vec::new(),
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
    let edge_url = match state.demo_origin {
        Some(origin) => crate::demo::edge_url(&state.base_url, "{hostname}", origin),
        None => DEFAULT_EDGE_URL.to_string(),
    };
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
        key_type: super::app::KEY_TYPES[state.key_type % super::app::KEY_TYPES.len()],
        leaf_days: 730,
        ca_days: 1826,
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
    };
    state.start("Reading the current certificate", true);
    vec![Effect::PlanRotation {
        client,
        request: Box::new(request),
    }]
}

pub fn on_message(state: &mut Wizard, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::RotationPlanned(Ok(plan)) => {
            if plan.stage > Stage::Planned {
                state.notice = Some(format!(
                    "A rotation begun {} stopped at \"{}\": Enter continues it, a abandons it.",
                    plan.started,
                    plan.stage.describe()
                ));
            }
            state.rotation.plan = Some(*plan);
        }
        Msg::RotationPlanned(Err(e)) => state.error = Some(e),
        Msg::RotationEvent(event) => state.rotation.log.push(match event {
            Event::Reached(stage, detail) => {
                if let Some(plan) = state.rotation.plan.as_mut() {
                    plan.stage = stage;
                }
                format!("✓ {}: {detail}", stage.describe())
            }
            Event::Note(note) => format!("  {note}"),
        }),
        Msg::RotationEnded {
            result,
            rotation: plan,
        } => {
            let rotated = match result {
                Ok(Finish::Rotated(done)) => Some(done),
                Ok(other) => {
                    state.rotation.finish = Some(other);
                    None
                }
                Err(e) => {
                    state.error = Some(e);
                    None
                }
            };
            if let Some(done) = rotated {
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
                state.rotation.finish = Some(Finish::Rotated(done));
                state.done.insert(Step::Rotate);
                state.rotation.plan = Some(*plan);
                let mut progress = state.progress();
                progress.certificate = Some(files);
                return vec![Effect::SaveProgress(progress)];
            }
            state.rotation.plan = Some(*plan);
        }
        Msg::RotationAborted(Ok(())) => {
            state.rotation = RotationView::default();
            state.notice =
                Some("Rotation abandoned: Cloudflare presents the old certificate again.".into());
        }
        Msg::RotationAborted(Err(e)) => state.error = Some(e),
        _ => {}
    }
    Vec::new()
}
