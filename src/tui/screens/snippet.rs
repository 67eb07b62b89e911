use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::input_line;
use crate::snippets::{SnippetPhase, WebServer};
use crate::tui::state::{Field, Wizard};
use crate::tui::theme::Theme;

/// The snippet screens: server choice (log phase), CA path, and the snippet itself.
pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme, phase: SnippetPhase) {
    let [head, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
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

pub fn draw_snippet(
    frame: &mut Frame,
    area: Rect,
    state: &Wizard,
    theme: &Theme,
    phase: SnippetPhase,
) {
    let lines: Vec<Line> = match state.snippet_text(phase) {
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
    };
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((state.scroll, 0))
            .block(Block::new().borders(Borders::TOP).border_style(theme.dim)),
        area,
    );
}
