//! The full-screen viewer's drawing, and what each screen offers to view (see `tui::viewer` for
//! its state and keys).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{
    alerts, certificate, clip, enable, enforce, rotate, snippet, snippets_only, ssl_mode, summary,
    token, undo, upload, verify, welcome,
};
use crate::snippets::SnippetPhase;
use crate::tui::state::Wizard;
use crate::tui::steps::Step;
use crate::tui::theme::Theme;
use crate::tui::viewer::{Extent, Viewer};

/// The text a screen offers to view whole.
pub struct Document<'a> {
    pub title: String,
    pub lines: Vec<Line<'a>>,
}

/// What a screen offers to view: its text (the snippet, probe results, summary, request,
/// rotation log…), then its "Same as" commands. The zone screen's list scrolls by itself.
pub fn document<'a>(state: &'a Wizard, theme: &Theme) -> Option<Document<'a>> {
    if !offered(state.step) {
        return None;
    }
    let server = state.server().display_name();
    let (title, mut lines) = match state.step {
        // Not offered (above).
        Step::Zone => return None,
        Step::SnippetLog => (
            format!("{server} snippet, log phase"),
            snippet::code_lines(state, theme, SnippetPhase::Log),
        ),
        Step::Enforce => {
            let mut lines = enforce::warning_lines(state, theme);
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            lines.extend(snippet::code_lines(state, theme, SnippetPhase::Enforce));
            if let Some(result) = &state.verify_enforce {
                lines.push(Line::from(""));
                lines.extend(verify::result_lines(
                    state,
                    result,
                    SnippetPhase::Enforce,
                    theme,
                ));
            }
            (format!("{server} snippet, enforce phase"), lines)
        }
        Step::VerifyLog => {
            let mut lines = super::doctor::whole(state, theme);
            let results = match &state.verify_log {
                Some(result) => verify::log_lines(state, result, theme),
                None => verify::evidence_lines(state, theme),
            };
            if !lines.is_empty() && !results.is_empty() {
                lines.push(Line::from(""));
            }
            lines.extend(results);
            ("Probe results, log phase".to_string(), lines)
        }
        Step::SnippetChoice => (title(state), snippets_only::form_lines(state, theme)),
        Step::SnippetReady => (
            format!("{server} snippet, {} phase", state.snippet_phase.name()),
            snippet::code_lines(state, theme, state.snippet_phase),
        ),
        Step::Summary => (title(state), summary::lines(state, theme)),
        Step::Welcome => (title(state), welcome::lines(state, theme)),
        Step::Token => (title(state), token::lines(state, theme)),
        Step::SslMode => (title(state), ssl_mode::lines(state, theme)),
        Step::Certificate => (title(state), certificate::lines(state, theme)),
        Step::Upload => (title(state), upload::lines(state, theme)),
        Step::Enable => (title(state), enable::lines(state, theme)),
        Step::Alerts => (title(state), alerts::lines(state, theme)),
        Step::Rotate => (title(state), rotate::lines(state, theme)),
        Step::Undo => (title(state), undo::lines(state, theme)),
    };
    if let Some(notes) = &state.resume_notes {
        let mut first = super::resume_lines(notes);
        first.push(Line::from(""));
        lines.splice(0..0, first);
    }
    if !lines.is_empty() {
        lines.push(Line::from(""));
    }
    lines.push(crate::tui::view::same_as_line(state, theme));
    Some(Document {
        title,
        lines: super::all_escaped(lines),
    })
}

/// Whether the step has text to view: every step but the zone list, which scrolls with its
/// cursor. Cheap: the key bar asks on every frame and every key.
pub fn offered(step: Step) -> bool {
    step != Step::Zone
}

fn title(state: &Wizard) -> String {
    state.step.title().to_string()
}

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, viewer: &Viewer, theme: &Theme) {
    let Some(document) = document(state, theme) else {
        return;
    };
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let extent = Extent::of(state, viewer.wrap);
    // The terminal may have shrunk or grown since the last key: show a full page all the same.
    let first = viewer.top.min(extent.last_top());
    let last = (first + extent.page).min(extent.rows);
    let mut position = format!("  rows {}–{last} of {}", (first + 1).min(last), extent.rows);
    if !viewer.wrap && viewer.left > 0 {
        position.push_str(&format!(", from column {}", viewer.left + 1));
    }
    position.push_str(if viewer.wrap {
        ", wrapped"
    } else {
        ", not wrapped"
    });
    frame.render_widget(
        Line::from(vec![
            Span::styled(format!(" {} ", document.title), theme.title),
            Span::styled(position, theme.dim),
        ]),
        top,
    );
    let paragraph = if viewer.wrap {
        Paragraph::new(document.lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(first).unwrap_or(u16::MAX), 0))
    } else {
        let left = viewer.left.min(extent.last_left());
        Paragraph::new(
            document
                .lines
                .iter()
                .skip(first)
                .take(usize::from(body.height))
                .map(|line| clip(line, left, usize::from(body.width), theme))
                .collect::<Vec<_>>(),
        )
    };
    frame.render_widget(paragraph, body);
}
