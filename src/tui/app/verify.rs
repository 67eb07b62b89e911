//! The probes: the origin asked directly (without a certificate, with a foreign one, with yours)
//! and through Cloudflare. The log screen's own; the enforce screen's Enter (see `snippet`).
//! On the log screen also the origin's own access log, read for evidence of whose requests
//! enforcing would refuse: going on while it says not ready is asked first.

use std::path::PathBuf;
use std::time::Duration;

use std::net::SocketAddr;

use ratatui::crossterm::event::KeyCode;

use crate::evidence::Evidence;
use crate::ops::expected_verdict;
use crate::probe::Verification;
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::input::TextInput;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::{Confirm, Field, LogEvidence, LogUnread, Modal, Wizard};
use crate::tui::steps::{Scope, Step};
use crate::words::plural;

/// The requests the evidence counts: recent enough to be the traffic of now, as the `evidence`
/// command is told with `--since`.
pub const EVIDENCE_SINCE: Duration = Duration::from_secs(15 * 60);
pub const EVIDENCE_SINCE_ARG: &str = "15m";

/// The origins are pre-filled from the zone's proxied records, and probed at once (Esc stops
/// it; Enter probes again, for other origins too). The access log's path is pre-filled from the
/// log-phase snippet.
pub fn enter(state: &mut Wizard) -> Vec<Effect> {
    if state.origins.value.is_empty() {
        state.origins = TextInput::new(state.default_origins());
    }
    prefill_log_path(state);
    // An earlier answer is not taken on trust: stopped, this probe leaves none. A log read
    // earlier is of its moment: it is read again when asked.
    state.verify_log = None;
    state.doctor = None;
    state.evidence = None;
    probe(state, SnippetPhase::Log)
}

/// The snippet's access log, unless the user typed another: a path pre-filled for another
/// server (chosen before going back) follows the server chosen now.
fn prefill_log_path(state: &mut Wizard) {
    let typed = state.log_path.trimmed();
    let prefilled = typed.is_empty()
        || WebServer::ALL.into_iter().any(|server| {
            let mut request = state.snippet_request(SnippetPhase::Log);
            request.server = server;
            request.access_log().as_deref() == Some(typed)
        });
    if prefilled {
        state.log_path = TextInput::new(state.access_log().unwrap_or_default());
    }
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    if state.editing == Some(Field::LogPath) {
        return log_path_field();
    }
    // `s` before the field: origins are IP addresses, which never hold an s.
    let mut bindings: Vec<Binding> = skip_edge(state, SnippetPhase::Log).into_iter().collect();
    if state.access_log().is_some() {
        bindings.push(Binding::new(
            "Tab",
            "read log…",
            [KeyCode::Tab],
            |state, _| {
                state.editing = Some(Field::LogPath);
                Vec::new()
            },
        ));
    }
    bindings.extend([
        Binding::text("origins", |state| &mut state.origins),
        probe_or_continue(state, SnippetPhase::Log),
    ]);
    bindings.extend(super::doctor::binding(state));
    bindings
}

/// The access log's field has the keys: Enter reads the log at the path typed, and the keys go
/// back to the origins (where Enter goes on); Tab or Esc go back without reading.
fn log_path_field() -> Vec<Binding> {
    vec![
        Binding::text("log path", |state| &mut state.log_path),
        Binding::new("Enter", "read log", [KeyCode::Enter], |state, _| {
            let effects = read_evidence(state);
            // Nothing typed: the field keeps the keys, with the reason.
            if !effects.is_empty() {
                state.editing = None;
            }
            effects
        }),
        Binding::new(
            "Tab",
            "origins",
            [KeyCode::Tab, KeyCode::Esc],
            |state, _| {
                state.editing = None;
                Vec::new()
            },
        ),
    ]
}

/// Reads the access log at the typed path, off the drawing loop (Esc stops it).
fn read_evidence(state: &mut Wizard) -> Vec<Effect> {
    if state.log_path.trimmed().is_empty() {
        state.error = Some(
            "Type the access log's path: the file the log-phase snippet's access_log line names."
                .into(),
        );
        return Vec::new();
    }
    let log = state.log_path.path();
    // An earlier reading is not shown as this one's: stopped, this run leaves none.
    state.evidence = None;
    state.start(format!("Reading {}", log.display()), true);
    vec![Effect::ReadEvidence {
        server: state.log_server(),
        log,
        since: EVIDENCE_SINCE,
        edge_ranges: demo_edge_ranges(state),
    }]
}

/// In the demo, the demo edge's own address stands for Cloudflare's ranges.
pub fn demo_edge_ranges(state: &Wizard) -> Option<Vec<String>> {
    state.demo_log.as_ref().map(|demo| {
        let bits = if demo.edge_source.is_ipv4() { 32 } else { 128 };
        vec![format!("{}/{bits}", demo.edge_source)]
    })
}

pub fn evidence_read(
    state: &mut Wizard,
    log: PathBuf,
    result: Result<Box<Evidence>, LogUnread>,
) -> Vec<Effect> {
    // Said on the status line too: on a short terminal the reading may be below the fold.
    match &result {
        Err(unread) => {
            state.error = Some(format!("The access log was not read: {}", unread.why));
        }
        Ok(evidence) if evidence.ready => {
            state.notice = Some("Access log: ready to enforce.".into());
        }
        Ok(evidence) => {
            state.error = Some(format!(
                "Access log: not ready to enforce ({}); Ctrl-O shows it all.",
                plural(evidence.problems.len() as u64, "problem", "problems")
            ));
        }
    }
    state.evidence = Some(LogEvidence { log, result });
    Vec::new()
}

/// The log was read and does not say ready to enforce.
pub fn evidence_not_ready(state: &Wizard) -> Option<&Evidence> {
    state
        .evidence
        .as_ref()
        .and_then(|read| read.result.as_deref().ok())
        .filter(|evidence| !evidence.ready)
}

/// What enforcing now would refuse, as the log tells it, one line each.
pub fn refused_on_enforce(evidence: &Evidence) -> Vec<String> {
    let mut lines: Vec<String> = evidence
        .problems
        .iter()
        .map(|problem| format!("  • {problem}"))
        .collect();
    let other = &evidence.other;
    if other.refused() > 0 {
        lines.push(format!(
            "  • {} from outside Cloudflare's addresses without a verified certificate (top \
             sources of requests from outside: {})",
            plural(other.refused(), "request", "requests"),
            other.sources()
        ));
    }
    lines
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
                    lines.extend(reasons_against_enforcing(state));
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
        SnippetPhase::Log if !reasons_against_enforcing(state).is_empty() => "continue…",
        SnippetPhase::Log => "continue",
        SnippetPhase::Enforce => "next",
    };
    Binding::new("Enter", label, [KeyCode::Enter], move |state, _| {
        let reasons = match phase {
            SnippetPhase::Log => reasons_against_enforcing(state),
            SnippetPhase::Enforce => Vec::new(),
        };
        if !reasons.is_empty() {
            ask_before_enforcing(state, reasons);
            return Vec::new();
        }
        state.finish(step(phase));
        Vec::new()
    })
}

/// What argues against enforcing now, one line each: the access log saying not ready (what it
/// would refuse) and doctor predicting a failure. Empty: nothing on this screen does.
pub fn reasons_against_enforcing(state: &Wizard) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(evidence) = evidence_not_ready(state) {
        let log = state
            .evidence
            .as_ref()
            .map(|read| read.log.display().to_string())
            .unwrap_or_default();
        reasons.push(format!(
            "The origin's access log ({log}) says it is not ready to enforce:"
        ));
        reasons.extend(refused_on_enforce(evidence));
    }
    reasons.extend(super::doctor::doctor_blocks_enforce(state));
    reasons
}

/// Going on to enforce against what the log or doctor says is the person's choice, made
/// knowing what the origin would refuse. The step stays done: the probe proved what it proves.
fn ask_before_enforcing(state: &mut Wizard, mut lines: Vec<String>) {
    lines.push(
        "Enforced while this holds, the origin refuses those requests, and visitors then get errors."
            .into(),
    );
    lines.push(
        "y goes on to the enforce snippet anyway. n stays here: fix what is listed, then read the log again (Tab, Enter) or run doctor again (Ctrl-D)."
            .into(),
    );
    state.modal = Some(Modal::Confirm(Confirm {
        title: "Go on to Enforce?".into(),
        lines,
        on_yes: Vec::new(),
        go_to: Step::VerifyLog.next(state.task, state.scope),
        busy_label: None,
        // Going on past a warning is never an Enter pressed once too often.
        only_y: true,
    }));
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
            "Probing {} × {}{}",
            plural(origins.len() as u64, "origin", "origins"),
            plural(hostnames.len() as u64, "hostname", "hostnames"),
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
        edge_url: state.edge_url(),
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
