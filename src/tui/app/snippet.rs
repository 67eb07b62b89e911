//! The origin's snippet, on the log screen (server choice, then Enter goes on) and on the enforce
//! screen (Enter probes; see `verify`): CA path and directory edited in place, copy, write.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyCode;

use super::verify;
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::input::TextInput;
use crate::tui::keys::Binding;
use crate::tui::message::{CaSource, Effect};
use crate::tui::state::{Field, Wizard};
use crate::tui::steps::{Scope, Step};

/// The files go next to the certificate's, named after the zone.
pub fn enter(state: &mut Wizard) {
    if state.snippet_dir.value.is_empty() {
        state.snippet_dir = TextInput::new(format!("./aop-{}/origin", state.zone_name()));
    }
}

pub fn bindings(state: &Wizard, phase: SnippetPhase) -> Vec<Binding> {
    if let Some(field) = state.editing {
        return editing(field);
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
    bindings.extend([
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
            write(state, phase)
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
        match phase {
            SnippetPhase::Log => Binding::new("Enter", "next", [KeyCode::Enter], |state, _| {
                state.finish(Step::SnippetLog);
                Vec::new()
            }),
            SnippetPhase::Enforce => verify::probe_or_continue(state, phase),
        },
    ]);
    bindings
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

/// A path typed in place; Enter or Esc ends it.
fn editing(field: Field) -> Vec<Binding> {
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
            |state, _| {
                state.editing = None;
                Vec::new()
            },
        ),
    ]
}

fn write(state: &mut Wizard, phase: SnippetPhase) -> Vec<Effect> {
    let text = match state.snippet_text(phase) {
        Ok(text) => text,
        Err(e) => {
            state.error = Some(e);
            return Vec::new();
        }
    };
    let ca = match (&state.scope, &state.certificate) {
        (Scope::Global, _) => CaSource::Cloudflare,
        (_, Some(ready)) => CaSource::File(ready.files.ca_cert.clone()),
        (_, None) => {
            state.error = Some("No CA yet: make or import a certificate first.".into());
            return Vec::new();
        }
    };
    let ca_name = std::path::Path::new(state.ca_path.trimmed())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ca.crt".into());
    state.start("Writing the files", false);
    vec![Effect::WriteSnippet {
        dir: PathBuf::from(state.snippet_dir.trimmed()),
        snippet_name: format!("{}-{}.conf", state.server().name(), phase.name()),
        snippet: text,
        ca_name,
        ca,
    }]
}

pub fn written(state: &mut Wizard, paths: Vec<PathBuf>) -> Vec<Effect> {
    state.notice = Some(format!(
        "Wrote {}",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for path in paths {
        if !state.files.iter().any(|(_, p)| *p == path) {
            state.files.push(("origin configuration".into(), path));
        }
    }
    state.save()
}
