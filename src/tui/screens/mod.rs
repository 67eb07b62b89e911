//! One file per screen; each draws the body of its step from the state and nothing else.

mod alerts;
mod certificate;
mod doctor;
mod enable;
mod enforce;
pub mod rotate;
mod snippet;
mod snippets_only;
mod ssl_mode;
pub mod summary;
mod token;
pub mod undo;
mod upload;
mod verify;
pub mod viewer;
mod welcome;
mod zone;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::state::Wizard;
use super::steps::Step;
use super::theme::Theme;
use crate::snippets::SnippetPhase;
use crate::untrusted;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let area = match &state.resume_notes {
        Some(notes) => resume_notes(frame, area, state, notes, theme),
        None => area,
    };
    match state.step {
        Step::Welcome => welcome::draw(frame, area, state, theme),
        Step::Rotate => rotate::draw(frame, area, state, theme),
        Step::Undo => undo::draw(frame, area, state, theme),
        Step::Token => token::draw(frame, area, state, theme),
        Step::Zone => zone::draw(frame, area, state, theme),
        Step::SslMode => ssl_mode::draw(frame, area, state, theme),
        Step::Certificate => certificate::draw(frame, area, state, theme),
        Step::Upload => upload::draw(frame, area, state, theme),
        Step::SnippetLog => snippet::draw(frame, area, state, theme, SnippetPhase::Log),
        Step::Enable => enable::draw(frame, area, state, theme),
        Step::VerifyLog => verify::draw(frame, area, state, theme),
        Step::Enforce => enforce::draw(frame, area, state, theme),
        Step::Alerts => alerts::draw(frame, area, state, theme),
        Step::Summary => summary::draw(frame, area, state, theme),
        Step::SnippetChoice | Step::SnippetReady => snippets_only::draw(frame, area, state, theme),
    }
}

/// `line` with what `untrusted` calls unsafe shown escaped in every span. Screens put in what
/// files, Cloudflare and origins said (ratatui would drop a control character silently, and a
/// name would show altered with no sign of it); the wizard's own words pass unchanged.
pub fn escaped(mut line: Line<'_>) -> Line<'_> {
    for span in &mut line.spans {
        if span.content.chars().any(untrusted::needs_escape) {
            let shown = untrusted::shown(&span.content).to_string();
            span.content = shown.into();
        }
    }
    line
}

/// Every line `escaped`.
pub fn all_escaped<'a>(lines: Vec<Line<'a>>) -> Vec<Line<'a>> {
    lines.into_iter().map(escaped).collect()
}

/// `label: value` with the label dimmed.
pub fn field<'a>(label: &'a str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    escaped(Line::from(vec![
        Span::styled(format!("{label:<15}"), theme.dim),
        Span::raw(value.into()),
    ]))
}

/// A text field, highlighted when it has the keys.
pub fn input_line<'a>(label: &'a str, text: String, focused: bool, theme: &Theme) -> Line<'a> {
    // A path longer than a few rows (a paste gone wrong) shows its end, where typing goes on,
    // rather than pushing the rest of the screen away.
    const MOST: usize = 160;
    let text = untrusted::shown(text).to_string();
    let text = match text.char_indices().rev().nth(MOST - 1) {
        Some((start, _)) if start > 0 => {
            format!("({} characters) …{}", text.chars().count(), &text[start..])
        }
        _ => text,
    };
    let value = if focused {
        Span::styled(format!("{text}▏"), theme.selected)
    } else {
        Span::raw(text)
    };
    Line::from(vec![Span::styled(format!("{label:<15}"), theme.dim), value])
}

/// What the re-check of a resumed set-up found, in a box over the screen it resumed at (at most
/// half of it); the area left for the screen.
fn resume_notes(
    frame: &mut Frame,
    area: Rect,
    state: &Wizard,
    notes: &[String],
    theme: &Theme,
) -> Rect {
    let lines = resume_lines(notes);
    let rows = Paragraph::new(lines.clone())
        .wrap(Wrap { trim: false })
        .line_count(area.width.saturating_sub(2)) as u16
        + 2;
    let [notes_area, rest] = Layout::vertical([
        Constraint::Length(rows.min(area.height / 2)),
        Constraint::Min(0),
    ])
    .areas(area);
    let block = Block::bordered()
        .title(Span::styled(
            " Checked again since you stopped ",
            theme.title,
        ))
        .border_style(theme.warn);
    let inside = block.inner(notes_area);
    frame.render_widget(block, notes_area);
    // Cut short on a small terminal, it says so; the viewer has it whole.
    wrapped(frame, inside, state, lines, theme);
    rest
}

/// What the re-check found, one line each (the box's text, and the viewer's first lines).
pub fn resume_lines(notes: &[String]) -> Vec<Line<'static>> {
    notes
        .iter()
        .map(|n| escaped(Line::from(n.clone())))
        .collect()
}

/// `width` columns of `line` from column `left`. A line going on past an edge shows it: `→` in
/// the last column, `←` in the first, so text cut short never looks whole.
pub fn clip(line: &Line, left: usize, width: usize, theme: &Theme) -> Line<'static> {
    let total = line.width();
    let more_left = left > 0 && total > 0;
    let more_right = total > left + width;
    let from = left + usize::from(more_left);
    let to = (left + width).saturating_sub(usize::from(more_right));
    let mut spans = Vec::new();
    if more_left {
        spans.push(Span::styled("←", theme.dim));
    }
    let mut column = 0;
    for grapheme in line.styled_graphemes(Style::new()) {
        let start = column;
        column += Span::raw(grapheme.symbol).width();
        // A wide character half in view is left out, not drawn in half.
        if start >= from && column <= to {
            spans.push(Span::styled(grapheme.symbol.to_string(), grapheme.style));
        } else if start < from && column > from {
            spans.push(Span::raw(" ".repeat(column - from)));
        }
    }
    if more_right {
        let shown: usize = spans.iter().map(Span::width).sum();
        let pad = to.saturating_sub(left + shown);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled("→", theme.warn));
    }
    Line::from(spans)
}

/// The rows of snippet the step's screen shows, at the terminal size the state last saw.
pub fn snippet_rows(state: &Wizard) -> usize {
    let area = super::view::content_area(state);
    let code = match state.step {
        Step::Enforce => enforce::layout(area, state)[2],
        _ => snippet::layout(area, state, SnippetPhase::Log)[1],
    };
    usize::from(snippet::code_rows(code))
}

/// Wrapped text. When it needs more rows than `area` has, the last row says so, and how to see
/// the rest: the viewer where the screen offers one.
pub fn wrapped(frame: &mut Frame, area: Rect, state: &Wizard, lines: Vec<Line>, theme: &Theme) {
    let text = Paragraph::new(all_escaped(lines)).wrap(Wrap { trim: false });
    if text.line_count(area.width) <= usize::from(area.height) {
        frame.render_widget(text, area);
        return;
    }
    let [shown, more] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    frame.render_widget(text, shown);
    frame.render_widget(
        Line::styled(format!("↓ more: {}", how_to_see_all(state)), theme.warn),
        more,
    );
}

/// How to see what a screen had to leave out.
pub fn how_to_see_all(state: &Wizard) -> String {
    match super::viewer::open_key(state) {
        Some(key) => format!("{key} shows it all"),
        None => "a taller terminal shows it all".to_string(),
    }
}
