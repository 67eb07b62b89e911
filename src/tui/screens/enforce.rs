use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{snippet, verify};
use crate::snippets::SnippetPhase;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

/// The head, the DNS-only warning, the snippet and the probe results.
pub fn layout(area: Rect, state: &Wizard) -> [Rect; 4] {
    let exposed = state.exposed_dns_only().len();
    // The heading may wrap once on a narrow terminal.
    let warning_height = if exposed == 0 {
        0
    } else {
        exposed as u16 + 2
    };
    Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(warning_height),
        // Once there are results, they matter more than the snippet (PgDn still scrolls it).
        if state.verify_enforce.is_some() {
            Constraint::Max(6)
        } else {
            Constraint::Percentage(60)
        },
        Constraint::Min(3),
    ])
    .areas(area)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let exposed = state.exposed_dns_only();
    let [head, warning, code, results] = layout(area, state);
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
    verify::results(
        frame,
        results,
        state.verify_enforce.as_ref(),
        SnippetPhase::Enforce,
        theme,
    );
}
