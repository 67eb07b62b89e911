use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{clip, input_line};
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::state::{Field, Wizard};
use crate::tui::theme::Theme;

/// The snippet screens: server choice (log phase), CA path, and the snippet itself.
pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme, phase: SnippetPhase) {
    let [head, body] = layout(area);
    draw_head(frame, head, state, theme, phase);
    draw_snippet(frame, body, state, theme, phase);
}

pub fn draw_head(
    frame: &mut Frame,
    area: Rect,
    state: &Wizard,
    theme: &Theme,
    phase: SnippetPhase,
) {
    let mut servers = vec![Span::styled(format!("{:<15}", "server"), theme.dim)];
    for (index, server) in WebServer::ALL.iter().enumerate() {
        let label = server.display_name();
        servers.push(if index == state.server {
            Span::styled(format!("[{label}]"), theme.selected)
        } else {
            Span::raw(format!(" {label} "))
        });
    }
    let lines = vec![
        Line::from(servers),
        input_line(
            "CA on origin",
            state.ca_path.display(),
            state.editing == Some(Field::CaPathOnOrigin),
            theme,
        ),
        input_line(
            "write into",
            state.snippet_dir.display(),
            state.editing == Some(Field::SnippetDir),
            theme,
        ),
        Line::styled(
            match phase {
                SnippetPhase::Log => {
                    "Install it, run the config test below, reload; nothing is refused yet."
                }
                SnippetPhase::Enforce => {
                    "Replace the log-phase lines with these, config test, reload."
                }
            },
            theme.dim,
        ),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

/// The snippet as lines, comments dimmed.
pub fn code_lines(state: &Wizard, theme: &Theme, phase: SnippetPhase) -> Vec<Line<'static>> {
    match state.snippet_text(phase) {
        Ok(text) => text
            .lines()
            .map(|line| {
                let style = if line.trim_start().starts_with('#') {
                    theme.dim
                } else {
                    theme.code
                };
                Line::styled(line.to_string(), style)
            })
            .collect(),
        Err(e) => vec![Line::styled(e, theme.bad)],
    }
}

/// The snippet from the scroll position, each line that does not fit ending in a mark.
pub fn draw_snippet(
    frame: &mut Frame,
    area: Rect,
    state: &Wizard,
    theme: &Theme,
    phase: SnippetPhase,
) {
    let block = Block::new().borders(Borders::TOP).border_style(theme.dim);
    let inner = block.inner(area);
    let lines = code_lines(state, theme, phase);
    // A terminal grown since the last PgDn still shows a full page.
    let top = usize::from(state.scroll).min(lines.len().saturating_sub(usize::from(inner.height)));
    let shown: Vec<Line> = lines
        .iter()
        .skip(top)
        .take(usize::from(inner.height))
        .map(|line| clip(line, 0, usize::from(inner.width), theme))
        .collect();
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(shown), inner);
}

/// Rows of snippet the block in `area` shows (its top border aside).
pub fn code_rows(area: Rect) -> u16 {
    area.height.saturating_sub(1)
}

/// The log screen's head (server, paths) and its snippet.
pub fn layout(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area)
}
