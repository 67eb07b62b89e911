use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{snippet, verify};
use crate::snippets::SnippetPhase;
use crate::tui::app::edge_skippable;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let exposed = state.exposed_dns_only();
    // The heading may wrap once on a narrow terminal.
    let warning_height = if exposed.is_empty() {
        0
    } else {
        exposed.len() as u16 + 2
    };
    let [head, warning, code, results] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(warning_height),
        // Once there are results, they matter more than the snippet (PgDn still scrolls it);
        // what went wrong, most of all.
        if edge_skippable(state, SnippetPhase::Enforce) {
            Constraint::Max(3)
        } else if state.verify_enforce.is_some() {
            Constraint::Max(6)
        } else {
            Constraint::Percentage(60)
        },
        Constraint::Min(3),
    ])
    .areas(area);
    snippet::draw_head(frame, head, state, theme, SnippetPhase::Enforce);
    if !exposed.is_empty() {
        let mut lines = vec![Line::styled(
            "These DNS-only records point at the same origin and will stop working over HTTPS:",
            theme.warn,
        )];
        for record in exposed {
            lines.push(Line::styled(
                format!(
                    "  {} {} → {}",
                    record.record_type, record.name, record.content
                ),
                theme.warn,
            ));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), warning);
    }
    snippet::draw_snippet(frame, code, state, theme, SnippetPhase::Enforce);
    verify::results(frame, results, state, SnippetPhase::Enforce, theme);
}
