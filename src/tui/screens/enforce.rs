use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{snippet, verify};
use crate::snippets::SnippetPhase;
use crate::tui::app::{edge_skippable, uncertified_warning};
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

/// The head, the DNS-only warning, the snippet and the probe results.
pub fn layout(area: Rect, state: &Wizard) -> [Rect; 4] {
    let head = snippet::head_rows(state, SnippetPhase::Enforce, area.width);
    let warning = Paragraph::new(warning_lines(state, &Theme::plain()))
        .wrap(Wrap { trim: false })
        .line_count(area.width) as u16;
    // Long lists keep a quarter of the screen; the rest is a mark away (the viewer has it all).
    let warning = warning.min((area.height / 4).max(2));
    Layout::vertical([
        Constraint::Length(head),
        Constraint::Length(warning),
        // Once there are results, they matter more than the snippet (PgDn still scrolls it);
        // what went wrong, most of all.
        if edge_skippable(state, SnippetPhase::Enforce) {
            Constraint::Max(3)
        } else if state.verify_enforce.is_some() {
            Constraint::Max(6)
        } else {
            Constraint::Min(3)
        },
        // Before the probe, its results' place takes only the rows its words need.
        match state.verify_enforce {
            Some(_) => Constraint::Min(3),
            None => Constraint::Length(
                verify::pending(state, &Theme::plain()).line_count(area.width) as u16,
            ),
        },
    ])
    .areas(area)
}

/// DNS-only records on the origin being locked down: they stop working over HTTPS. Per-hostname:
/// the proxied hostnames not picked, which get no certificate from Cloudflare.
pub fn warning_lines(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let exposed = state.exposed_dns_only();
    let mut lines: Vec<Line> = uncertified_warning(state)
        .into_iter()
        .map(|text| Line::styled(text, theme.warn))
        .collect();
    if !exposed.is_empty() {
        lines.push(Line::styled(
            "DNS-only records on this origin stop working over HTTPS:",
            theme.warn,
        ));
    }
    for record in exposed {
        lines.push(super::escaped(Line::styled(
            format!(
                "  {} {} → {}",
                record.record_type, record.name, record.content
            ),
            theme.warn,
        )));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let [head, dns_only, code, results] = layout(area, state);
    snippet::draw_head(frame, head, state, theme, SnippetPhase::Enforce);
    let warning = warning_lines(state, theme);
    if !warning.is_empty() {
        super::wrapped(frame, dns_only, state, warning, theme);
    }
    snippet::draw_snippet(frame, code, state, theme, SnippetPhase::Enforce);
    verify::results(frame, results, state, SnippetPhase::Enforce, theme);
}
