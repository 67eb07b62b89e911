//! The origin's snippet, on the log screen (server choice, then Enter goes on) and on the enforce
//! screen (Enter probes; see `verify`): CA path and directory edited in place, copy, write.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyCode;

use super::verify;
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::input::TextInput;
use crate::tui::keys::Binding;
use crate::tui::message::{CaSource, Effect, ExistingFile};
use crate::tui::state::{Field, SnippetWrite, Wizard};
use crate::tui::steps::Step;

/// The files go beside a set generated here (in its `origin/`); else in a folder named after
/// the zone.
pub fn enter(state: &mut Wizard) {
    if state.snippet_dir.value.is_empty() {
        let beside_the_set = state
            .certificate
            .as_ref()
            .filter(|ready| ready.generated)
            .and_then(|ready| ready.files.ca_cert.parent())
            .map(|dir| dir.join("origin").display().to_string());
        state.snippet_dir = TextInput::new(
            beside_the_set.unwrap_or_else(|| format!("./aop-{}/origin", state.zone_name())),
        );
    }
}

pub fn bindings(state: &Wizard, phase: SnippetPhase) -> Vec<Binding> {
    if let Some(field) = state.editing {
        return editing(field, phase);
    }
    let mut bindings = Vec::new();
    if phase == SnippetPhase::Log {
        let codes = [
            KeyCode::Up,
            KeyCode::Left,
            KeyCode::Char('['),
            KeyCode::Down,
            KeyCode::Right,
            KeyCode::Char(']'),
        ];
        bindings.push(Binding::new("↑↓", "server", codes, |state, key| {
            let step = match key.code {
                KeyCode::Up | KeyCode::Left | KeyCode::Char('[') => WebServer::ALL.len() - 1,
                _ => 1,
            };
            state.server = (state.server + step) % WebServer::ALL.len();
            state.ca_path = TextInput::new(state.server().default_ca_path());
            state.scroll = 0;
            Vec::new()
        }));
    }
    bindings.extend(keys(phase));
    bindings.push(match phase {
        // Not written yet: Enter writes, then goes on (`w` writes again).
        _ if unwritten(state, phase) => {
            let label = match phase {
                SnippetPhase::Log => "w+next",
                SnippetPhase::Enforce => "w+probe",
            };
            Binding::new("Enter", label, [KeyCode::Enter], move |state, _| {
                write(state, phase, true)
            })
        }
        SnippetPhase::Log => Binding::new("Enter", "next", [KeyCode::Enter], |state, _| {
            state.finish(Step::SnippetLog);
            Vec::new()
        }),
        SnippetPhase::Enforce => verify::probe_or_continue(state, phase),
    });
    if phase == SnippetPhase::Enforce {
        bindings.extend(verify::skip_edge(state, phase));
    }
    bindings
}

/// What every snippet screen offers: the CA path and the directory edited in place, copy,
/// write, scroll.
pub(super) fn keys(phase: SnippetPhase) -> [Binding; 5] {
    [
        Binding::new("e", "CA path", [KeyCode::Char('e')], |state, _| {
            state.editing = Some(Field::CaPathOnOrigin);
            Vec::new()
        }),
        Binding::new("c", "copy", [KeyCode::Char('c')], move |state, _| {
            match state.snippet_text(phase) {
                Ok(text) => return vec![Effect::Copy(text)],
                Err(e) => state.error = Some(e),
            }
            Vec::new()
        }),
        Binding::new("w", "write", [KeyCode::Char('w')], move |state, _| {
            write(state, phase, false)
        }),
        Binding::new("d", "dir", [KeyCode::Char('d')], |state, _| {
            state.editing = Some(Field::SnippetDir);
            Vec::new()
        }),
        Binding::new(
            "PgDn",
            "scroll",
            [KeyCode::PageDown, KeyCode::PageUp],
            move |state, key| {
                scroll(state, phase, key.code == KeyCode::PageDown);
                Vec::new()
            },
        ),
    ]
}

/// The screen's snippet has not been written in this session (for this server, phase,
/// directory and CA); with nothing writable (no CA yet), Enter does what it always does. A
/// snippet that cannot be rendered (a CA path it refuses) counts as unwritten: Enter says why
/// rather than going on without it.
fn unwritten(state: &Wizard, phase: SnippetPhase) -> bool {
    match target(state, phase) {
        Ok(target) => !state.snippets_written.contains(&target),
        Err(_) => state.snippet_text(phase).is_err(),
    }
}

/// A page of snippet down or up; down stops once the last line is on screen.
fn scroll(state: &mut Wizard, phase: SnippetPhase, down: bool) {
    let rows = crate::tui::screens::snippet_rows(state).max(1);
    let lines = state
        .snippet_text(phase)
        .map_or(0, |text| text.lines().count());
    let last = u16::try_from(lines.saturating_sub(rows)).unwrap_or(u16::MAX);
    let page = u16::try_from(rows).unwrap_or(u16::MAX);
    // From where the snippet is shown: the terminal may have grown since the last PgDn.
    let shown = state.scroll.min(last);
    state.scroll = if down {
        shown.saturating_add(page).min(last)
    } else {
        shown.saturating_sub(page)
    };
}

/// A path typed in place; Enter or Esc ends it. Enter keeps a CA path the snippet cannot carry
/// (a control character, a sequence the server expands) open, saying why; the snippet shows the
/// same sentence and nothing can be copied or written until it is fixed.
pub(super) fn editing(field: Field, phase: SnippetPhase) -> Vec<Binding> {
    let what = if field == Field::CaPathOnOrigin {
        "CA path"
    } else {
        "dir"
    };
    vec![
        Binding::text(what, |state| match state.editing {
            Some(Field::CaPathOnOrigin) => &mut state.ca_path,
            _ => &mut state.snippet_dir,
        }),
        Binding::new(
            "Enter",
            "done",
            [KeyCode::Enter, KeyCode::Esc],
            move |state, key| {
                if field == Field::CaPathOnOrigin
                    && key.code == KeyCode::Enter
                    && let Err(e) = state.snippet_text(phase)
                {
                    state.error = Some(e);
                    return Vec::new();
                }
                state.editing = None;
                Vec::new()
            },
        ),
    ]
}

/// What the screen writes now: its snippet and, beside it, the CA the origin must trust.
fn target(state: &Wizard, phase: SnippetPhase) -> Result<SnippetWrite, String> {
    let text = state.snippet_text(phase)?;
    let ca = match state.ca_source()? {
        CaSource::Cloudflare => None,
        CaSource::File(path) => Some(path),
    };
    let ca_name = std::path::Path::new(state.ca_path.trimmed())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ca.crt".into());
    Ok(SnippetWrite {
        dir: state.snippet_dir.path(),
        name: format!("{}-{}.conf", state.server().name(), phase.name()),
        text,
        ca_name,
        ca,
    })
}

fn write_effect(target: &SnippetWrite, replace: Vec<PathBuf>) -> Effect {
    Effect::WriteSnippet {
        dir: target.dir.clone(),
        snippet_name: target.name.clone(),
        snippet: target.text.clone(),
        ca_name: target.ca_name.clone(),
        ca: match &target.ca {
            None => CaSource::Cloudflare,
            Some(path) => CaSource::File(path.clone()),
        },
        replace,
    }
}

/// Writes the screen's files; `go_on` then leaves the screen as Enter does.
fn write(state: &mut Wizard, phase: SnippetPhase, go_on: bool) -> Vec<Effect> {
    let target = match target(state, phase) {
        Ok(target) => target,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    state.start("Writing the files", false);
    let effect = write_effect(&target, Vec::new());
    state.snippet_write = Some((target, go_on));
    vec![effect]
}

/// Files there hold something else: nothing was written; replace them only after a yes.
pub fn files_differ(state: &mut Wizard, differing: Vec<ExistingFile>) -> Vec<Effect> {
    let Some((target, _)) = state.snippet_write.clone() else {
        return Vec::new();
    };
    let mut lines = vec!["These files hold something else:".to_string()];
    lines.extend(
        differing
            .iter()
            .map(|file| format!("  • {}: {}", file.path.display(), file.holds)),
    );
    let with: Vec<String> = differing
        .iter()
        .map(|file| {
            let name = file.path.file_name().map(|n| n.to_string_lossy());
            match (name, &target.ca) {
                (Some(name), None) if name == target.ca_name => {
                    "Cloudflare's origin-pull CA".to_string()
                }
                (Some(name), Some(ca)) if name == target.ca_name => {
                    format!("the CA in {}", ca.display())
                }
                _ => format!("the new {}", target.name),
            }
        })
        .collect();
    let them = if with.len() == 1 { "it" } else { "them" };
    lines.push(format!("y replaces {them} with {}.", with.join(" and ")));
    lines.push(format!("n keeps {them}: d chooses another directory."));
    let replace = differing.into_iter().map(|file| file.path).collect();
    state.ask_before_replacing(
        "Replace different files?",
        lines,
        vec![write_effect(&target, replace)],
        Some("Writing the files"),
    );
    Vec::new()
}

pub fn written(state: &mut Wizard, paths: Vec<PathBuf>) -> Vec<Effect> {
    let notice = format!(
        "Wrote {}",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let ca_name = state
        .snippet_write
        .as_ref()
        .map(|(target, _)| target.ca_name.clone());
    for path in paths {
        if !state.files.iter().any(|(_, p)| *p == path) {
            let what = if path.file_name().and_then(|n| n.to_str()) == ca_name.as_deref() {
                "CA certificate for the origin"
            } else {
                "origin configuration"
            };
            state.files.push((what.into(), path));
        }
    }
    let mut effects = Vec::new();
    if let Some((target, go_on)) = state.snippet_write.take() {
        if !state.snippets_written.contains(&target) {
            state.snippets_written.push(target);
        }
        match (go_on, state.step) {
            (true, Step::SnippetLog) => state.finish(Step::SnippetLog),
            (true, Step::Enforce) => effects = verify::probe(state, SnippetPhase::Enforce),
            _ => {}
        }
    }
    state.notice = Some(notice);
    effects.extend(state.save());
    effects
}
