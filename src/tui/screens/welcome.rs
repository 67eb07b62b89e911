use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::state::Wizard;
use crate::tui::steps::Scope;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let lines = super::all_escaped(lines(state, theme));
    // On a small terminal the rows outgrow the screen: scroll so that the chosen row (marked by
    // its pointer) and the line under it stay in view.
    let chosen = lines
        .iter()
        .position(|line| {
            line.spans
                .first()
                .is_some_and(|s| s.content.starts_with('▶'))
        })
        .unwrap_or(0);
    let through_chosen = lines[..(chosen + 2).min(lines.len())].to_vec();
    let rows = Paragraph::new(through_chosen)
        .wrap(Wrap { trim: false })
        .line_count(area.width);
    let all = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = all.line_count(area.width);
    // The last row says when options go on below it.
    let more_below = |height: u16| total > rows.max(usize::from(height));
    let (area, mark) = if more_below(area.height) {
        let [list, mark] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        (list, Some(mark))
    } else {
        (area, None)
    };
    let scroll = u16::try_from(rows)
        .unwrap_or(u16::MAX)
        .saturating_sub(area.height);
    frame.render_widget(all.scroll((scroll, 0)), area);
    if let Some(mark) = mark {
        frame.render_widget(
            Line::styled("↓ more below: ↓ reaches them", theme.warn),
            mark,
        );
    }
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let pointer = |index: usize| if index == state.cursor { "▶ " } else { "  " };
    let style = |index: usize| {
        if index == state.cursor {
            theme.selected
        } else {
            ratatui::style::Style::new()
        }
    };
    if !state.resumable.is_empty() {
        lines.push(Line::styled("Resume where you stopped:", theme.dim));
        for (index, progress) in state.resumable.iter().enumerate() {
            lines.push(Line::from(Span::styled(
                format!(
                    "{}Resume {} ({} AOP, {})",
                    pointer(index),
                    progress.zone,
                    progress.scope.label(),
                    progress
                        .reached
                        .last()
                        .map_or("just begun", |stage| stage.describe())
                ),
                style(index),
            )));
        }
        let first = state.resumable.len();
        for (offset, index) in state.rotatable().into_iter().enumerate() {
            let progress = &state.resumable[index];
            let days = state.days_left.get(index).copied().flatten();
            let expiring = days.is_some_and(|d| d <= Wizard::ROTATE_WITHIN_DAYS);
            let left = match days {
                Some(days) if days < 0 => " (expired!)".to_string(),
                Some(days) => format!(" ({days} days left)"),
                None => String::new(),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{}Rotate the certificate of {}{left}",
                        pointer(first + offset),
                        progress.zone
                    ),
                    style(first + offset),
                ),
                Span::styled(if expiring { "  ⚠ rotate it now" } else { "" }, theme.warn),
            ]));
        }
        let first = first + state.rotatable().len();
        for (offset, index) in state.undoable().into_iter().enumerate() {
            lines.push(Line::styled(
                format!(
                    "{}Turn AOP off for {} (undo, origin first)",
                    pointer(first + offset),
                    state.resumable[index].zone
                ),
                style(first + offset),
            ));
        }
        lines.push(Line::from(""));
        lines.push(Line::styled("Or start a new set-up:", theme.dim));
    } else {
        lines.push(Line::styled(
            "Choose how Cloudflare proves itself to your origin:",
            theme.dim,
        ));
    }
    for (offset, scope) in Scope::ALL.iter().enumerate() {
        let index =
            state.resumable.len() + state.rotatable().len() + state.undoable().len() + offset;
        let recommended = if *scope == Scope::Zone {
            "  (recommended)"
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{}{}", pointer(index), scope.label()), style(index)),
            Span::styled(recommended, theme.good),
        ]));
        lines.push(Line::styled(
            format!("    {}", scope.explanation()),
            theme.dim,
        ));
    }
    let snippets_row =
        state.resumable.len() + state.rotatable().len() + state.undoable().len() + Scope::ALL.len();
    lines.push(Line::from(""));
    lines.push(Line::styled(
        format!("{}Snippets only", pointer(snippets_row)),
        style(snippets_row),
    ));
    lines.push(Line::styled(
        "    Origin config and CA file only: no token, no account.",
        theme.dim,
    ));
    lines
}
