use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{clip, input_line};
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;
use crate::untrusted::shown;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let [top, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let filter = input_line("zone", state.zone_filter.display(), true, theme);
    // Typing goes on at the end: a filter wider than the screen shows its end.
    let width = usize::from(top.width);
    let filter = clip(&filter, filter.width().saturating_sub(width), width, theme);
    frame.render_widget(Paragraph::new(filter), top);
    let zones = state.filtered_zones();
    let visible = list.height as usize;
    let first = state.cursor.saturating_sub(visible.saturating_sub(1));
    let mut lines: Vec<Line> = zones
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .map(|(index, zone)| {
            let selected = index == state.cursor;
            Line::from(vec![
                Span::styled(
                    format!(
                        "{}{}",
                        if selected { "▶ " } else { "  " },
                        shown(&zone.name)
                    ),
                    if selected {
                        theme.selected
                    } else {
                        ratatui::style::Style::new()
                    },
                ),
                Span::styled(format!("  {}", shown(&zone.status)), theme.dim),
            ])
        })
        .collect();
    if zones.is_empty() {
        lines.push(Line::styled("No zone matches.", theme.warn));
    }
    frame.render_widget(Paragraph::new(lines), list);
}
