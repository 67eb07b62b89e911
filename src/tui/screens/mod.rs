//! One file per screen; each draws the body of its step from the state and nothing else.

mod alerts;
mod certificate;
mod enable;
mod enforce;
pub mod rotate;
mod snippet;
mod ssl_mode;
mod summary;
mod token;
pub mod undo;
mod upload;
mod verify;
mod welcome;
mod zone;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::state::Wizard;
use super::steps::Step;
use super::theme::Theme;
use crate::snippets::SnippetPhase;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let area = match &state.resume_notes {
        Some(notes) => resume_notes(frame, area, notes, theme),
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
    }
}

/// `label: value` with the label dimmed.
pub fn field<'a>(label: &'a str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<15}"), theme.dim),
        Span::raw(value.into()),
    ])
}

/// A text field, highlighted when it has the keys.
pub fn input_line<'a>(label: &'a str, text: String, focused: bool, theme: &Theme) -> Line<'a> {
    let value = if focused {
        Span::styled(format!("{text}▏"), theme.selected)
    } else {
        Span::raw(text)
    };
    Line::from(vec![Span::styled(format!("{label:<15}"), theme.dim), value])
}

/// What the re-check of a resumed set-up found, in a box over the screen it resumed at (at most
/// half of it); the area left for the screen.
fn resume_notes(frame: &mut Frame, area: Rect, notes: &[String], theme: &Theme) -> Rect {
    let lines: Vec<Line> = notes.iter().map(|n| Line::from(n.as_str())).collect();
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = text.line_count(area.width.saturating_sub(2)) as u16 + 2;
    let [notes_area, rest] = Layout::vertical([
        Constraint::Length(rows.min(area.height / 2)),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(
        text.block(
            Block::bordered()
                .title(Span::styled(
                    " Checked again since you stopped ",
                    theme.title,
                ))
                .border_style(theme.warn),
        ),
        notes_area,
    );
    rest
}
