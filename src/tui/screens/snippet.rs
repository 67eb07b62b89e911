use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{clip, input_line};
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::state::{Field, Wizard};
use crate::tui::theme::Theme;

/// The snippet screens: server choice (log phase), CA path, and the snippet itself.
pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme, phase: SnippetPhase) {
    let [head, body] = layout(area, state, phase);
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
    frame.render_widget(head(state, theme, phase), area);
}

/// Server choice, paths and what to do with the snippet, wrapped to the width.
fn head<'a>(state: &'a Wizard, theme: &Theme, phase: SnippetPhase) -> Paragraph<'a> {
    let mut servers = vec![Span::styled(format!("{:<15}", "server"), theme.dim)];
    match phase {
        SnippetPhase::Log => {
            for (index, server) in WebServer::ALL.iter().enumerate() {
                let label = server.display_name();
                servers.push(if index == state.server {
                    Span::styled(format!("[{label}]"), theme.selected)
                } else {
                    Span::raw(format!(" {label} "))
                });
            }
        }
        // Chosen with the log phase: only the choice is shown.
        SnippetPhase::Enforce => servers.push(Span::raw(state.server().display_name())),
    }
    let mut lines = vec![Line::from(servers)];
    lines.extend(path_lines(state, theme));
    lines.extend([Line::styled(
        match phase {
            SnippetPhase::Log => "Install it, config test, reload: nothing is refused yet.",
            SnippetPhase::Enforce => "Replace the log-phase lines with these; test; reload.",
        },
        theme.dim,
    )]);
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

/// The CA path on the origin and the folder the snippet is written into, each edited in place.
pub fn path_lines<'a>(state: &'a Wizard, theme: &Theme) -> [Line<'a>; 2] {
    [
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
    ]
}

/// The rows the head takes at this width.
pub fn head_rows(state: &Wizard, phase: SnippetPhase, width: u16) -> u16 {
    head(state, &Theme::plain(), phase).line_count(width) as u16
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
                // A tab is no character a terminal cell can hold: Caddy's indentation shows
                // as spaces (what is copied or written keeps its tabs).
                Line::styled(line.replace('\t', "    "), style)
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

/// The head (server, paths) and the snippet.
pub fn layout(area: Rect, state: &Wizard, phase: SnippetPhase) -> [Rect; 2] {
    let head = head_rows(state, phase, area.width);
    Layout::vertical([Constraint::Length(head), Constraint::Min(3)]).areas(area)
}
