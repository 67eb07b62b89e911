use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::field;
use crate::tui::state::{Wizard, numbered};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let view = &state.undo;
    let mut lines = Vec::new();
    let Some(plan) = &view.plan else {
        lines.push(Line::from("Reading what is on…"));
        return lines;
    };
    let on = plan.describe(false);
    lines.push(field(
        "Cloudflare",
        if on.is_empty() {
            "nothing: AOP is off".to_string()
        } else {
            on.join(", ")
        },
        theme,
    ));
    if !plan.unchecked.is_empty() {
        lines.push(field("Not checked", plan.unchecked.join("; "), theme));
    }
    lines.push(Line::from(""));
    let (mark, probe, style) = match (&view.enforcing, view.overridden) {
        (_, true) => (
            "!",
            "you said the origin is relaxed".to_string(),
            theme.warn,
        ),
        (None, false) => (
            "·",
            format!("Enter probes {} without a certificate", state.origins.value),
            theme.dim,
        ),
        (Some(cells), false) if cells.is_empty() => (
            "✓",
            "the origin serves requests without a certificate again".to_string(),
            theme.good,
        ),
        (Some(cells), false) => (
            "✗",
            format!("still refusing: {}", cells.join(", ")),
            theme.bad,
        ),
    };
    let steps = numbered([
        format!(
            "On the origin: install the log-phase snippet (aop-wizard snippet {} --phase log --ca {}) and reload.",
            state.server().name(),
            state.ca_path.trimmed()
        ),
        format!("{mark} {probe}"),
        format!(
            "Turn AOP off on Cloudflare{}.",
            match (view.delete_certificates, view.done) {
                (true, _) => ", then delete the certificates",
                (false, false) => " (certificates kept; d to delete them too)",
                (false, true) => " (certificates kept)",
            }
        ),
    ]);
    // The probe's line takes its verdict's colour.
    for (index, step) in steps.into_iter().enumerate() {
        lines.push(if index == 1 {
            Line::styled(step, style)
        } else {
            Line::from(step)
        });
    }
    if view.done {
        lines.push(Line::from(""));
        lines.push(match plan.unchecked_warning() {
            Some(warning) => Line::styled(warning, theme.bad),
            None => Line::styled(
                format!("Authenticated Origin Pulls is off for {}.", plan.zone),
                theme.good,
            ),
        });
    }
    lines
}
