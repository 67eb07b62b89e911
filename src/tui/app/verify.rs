//! The probes: the origin asked directly (without a certificate, with a foreign one, with yours)
//! and through Cloudflare. The log screen's own; the enforce screen's Enter (see `snippet`).

use std::net::SocketAddr;

use ratatui::crossterm::event::KeyCode;

use crate::ops::expected_verdict;
use crate::probe::Verification;
use crate::snippets::SnippetPhase;
use crate::tui::input::TextInput;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::{Confirm, Modal, Wizard};
use crate::tui::steps::{Scope, Step};

/// The origins are pre-filled from the zone's proxied records, and probed at once (Esc stops
/// it; Enter probes again, for other origins too).
pub fn enter(state: &mut Wizard) -> Vec<Effect> {
    if state.origins.value.is_empty() {
        state.origins = TextInput::new(state.default_origins());
    }
    // An earlier answer is not taken on trust: stopped, this probe leaves none.
    state.verify_log = None;
    state.doctor = None;
    probe(state, SnippetPhase::Log)
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    // `s` before the field: origins are IP addresses, which never hold an s.
    let mut bindings: Vec<Binding> = skip_edge(state, SnippetPhase::Log).into_iter().collect();
    bindings.extend([
        Binding::text("origins", |state| &mut state.origins),
        probe_or_continue(state, SnippetPhase::Log),
    ]);
    bindings.extend(super::doctor::binding(state));
    bindings
}

/// What skipping the request through Cloudflare leaves unproven, as the screen and the question
/// state it.
pub fn skip_edge_consequence(phase: SnippetPhase) -> &'static str {
    match phase {
        SnippetPhase::Log => {
            "nothing then proves Cloudflare's requests are served; enforcing may lock them out as well"
        }
        SnippetPhase::Enforce => {
            "nothing then proves Cloudflare's requests still get through now that the origin refuses everyone else; if they do not, the site is down"
        }
    }
}

/// The origin is as it should be but the request through Cloudflare was not served: the one
/// failure the person may choose to go on with.
pub fn edge_skippable(state: &Wizard, phase: SnippetPhase) -> bool {
    result(state, phase).is_some_and(|verification| {
        let expected = expected_verdict(phase);
        let origin_alone = Verification {
            edge: Vec::new(),
            ..verification.clone()
        };
        !verification.edge.is_empty()
            && !verification.passed(expected)
            && origin_alone.passed(expected)
    })
}

/// `s`: on past a failed request through Cloudflare, asked first with what it leaves unproven.
/// The step stays not done, so the summary says it was not proven.
pub fn skip_edge(state: &Wizard, phase: SnippetPhase) -> Option<Binding> {
    edge_skippable(state, phase).then(|| {
        Binding::new(
            "s",
            "skip edge check…",
            [KeyCode::Char('s')],
            move |state, _| {
                let next = step(phase).next(state.task, state.scope);
                // What the probe just saw refused is said by name: skipping leaves it so.
                let refused: Vec<String> = result(state, phase)
                    .map(|v| {
                        v.edge
                            .iter()
                            .filter(|e| !e.passed)
                            .map(|e| e.hostname.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut lines = vec![format!(
                    "Just now, through Cloudflare, these were not served: {}.",
                    refused.join(", ")
                )];
                lines.push(format!("If you skip it, {}.", skip_edge_consequence(phase)));
                if phase == SnippetPhase::Log {
                    lines.extend(super::doctor::doctor_blocks_enforce(state));
                }
                lines.push(format!(
                    "{} stays not done, and the summary says so. n stays here: Enter probes again.",
                    step(phase).title()
                ));
                state.modal = Some(Modal::Confirm(Confirm {
                    title: "Skip the check through Cloudflare?".into(),
                    lines,
                    on_yes: Vec::new(),
                    go_to: next,
                    busy_label: None,
                    // Going on past a failure is never an Enter pressed once too often.
                    only_y: true,
                }));
                Vec::new()
            },
        )
    })
}

/// Enter: on once the probe passed, else probe (again).
pub fn probe_or_continue(state: &Wizard, phase: SnippetPhase) -> Binding {
    if !proven(state, phase) {
        return Binding::new("Enter", "probe", [KeyCode::Enter], move |state, _| {
            probe(state, phase)
        });
    }
    let label = match phase {
        SnippetPhase::Log => super::doctor::continue_label(state),
        SnippetPhase::Enforce => "next",
    };
    Binding::new("Enter", label, [KeyCode::Enter], move |state, _| {
        if phase == SnippetPhase::Log && super::doctor::ask_before_enforce(state) {
            return Vec::new();
        }
        state.finish(step(phase));
        Vec::new()
    })
}

/// The phase's probe passed, for the origins as typed now.
pub fn proven(state: &Wizard, phase: SnippetPhase) -> bool {
    result(state, phase)
        .is_some_and(|r| r.passed(expected_verdict(phase)) && probed_as_typed(state, r))
}

/// A proof holds for the origins it probed: an origin typed since is probed before going on.
fn probed_as_typed(state: &Wizard, verification: &Verification) -> bool {
    let probed: std::collections::BTreeSet<_> =
        verification.cells.iter().map(|cell| cell.origin).collect();
    state
        .parsed_origins()
        .is_ok_and(|typed| typed.into_iter().collect::<std::collections::BTreeSet<_>>() == probed)
}

/// The phase's proof, once probed.
pub fn result(state: &Wizard, phase: SnippetPhase) -> Option<&Verification> {
    match phase {
        SnippetPhase::Log => state.verify_log.as_ref(),
        SnippetPhase::Enforce => state.verify_enforce.as_ref(),
    }
}

fn step(phase: SnippetPhase) -> Step {
    match phase {
        SnippetPhase::Log => Step::VerifyLog,
        SnippetPhase::Enforce => Step::Enforce,
    }
}

pub fn probe(state: &mut Wizard, phase: SnippetPhase) -> Vec<Effect> {
    probe_origins(state, phase, true)
}

/// Before Cloudflare presents the certificate: the origin alone must ask for it (log-only).
pub fn probe_before_enabling(state: &mut Wizard) -> Vec<Effect> {
    probe_origins(state, SnippetPhase::Log, false)
}

/// The origins as typed and the hostnames to check at them, or what is missing.
pub fn targets(state: &Wizard) -> Result<(Vec<SocketAddr>, Vec<String>), String> {
    let origins = state.parsed_origins()?;
    let hostnames = state.target_hostnames();
    if hostnames.is_empty() {
        return Err(
            "No proxied hostname to probe: the zone has no proxied A, AAAA or CNAME record.".into(),
        );
    }
    Ok((origins, hostnames))
}

fn probe_origins(state: &mut Wizard, phase: SnippetPhase, through_edge: bool) -> Vec<Effect> {
    let (origins, hostnames) = match targets(state) {
        Ok(targets) => targets,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    state.start(
        format!(
            "Probing {} origin(s) × {} hostname(s){}",
            origins.len(),
            hostnames.len(),
            if through_edge {
                ", then through Cloudflare"
            } else {
                ""
            }
        ),
        true,
    );
    vec![Effect::Verify {
        phase,
        origins,
        hostnames,
        files: state.certificate.as_ref().map(|c| c.files.clone()),
        global: state.scope == Scope::Global,
        through_edge,
        edge_hostnames: state.proxied_hostnames(),
    }]
}

pub fn verified(
    state: &mut Wizard,
    phase: SnippetPhase,
    through_edge: bool,
    verification: Verification,
) -> Vec<Effect> {
    if !through_edge {
        state.origin_asks = Some(verification);
        return Vec::new();
    }
    let mut effects = Vec::new();
    if verification.passed(expected_verdict(phase)) {
        state.done.insert(step(phase));
        effects = state.save();
    }
    match phase {
        SnippetPhase::Log => state.verify_log = Some(verification),
        SnippetPhase::Enforce => state.verify_enforce = Some(verification),
    }
    effects
}
