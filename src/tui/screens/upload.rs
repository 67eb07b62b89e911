use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::field;
use crate::tui::app::upload_preview;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(id) = &state.certificate_id {
        lines.push(Line::from(vec![
            Span::styled("✓ ", theme.good),
            Span::raw("On Cloudflare and active."),
        ]));
        lines.push(field("certificate id", id.clone(), theme));
        lines.push(field(
            "status",
            state
                .upload_status
                .clone()
                .unwrap_or_else(|| "active".into()),
            theme,
        ));
    } else {
        lines.push(Line::styled(
            "The request (Enter asks before sending):",
            theme.dim,
        ));
        lines.extend(
            upload_preview(state)
                .into_iter()
                .map(|l| Line::styled(l, theme.code)),
        );
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "An identical certificate already on Cloudflare (same SHA-256) is reused, never uploaded twice.",
            theme.dim,
        ));
        if let Some(status) = &state.upload_status {
            lines.push(field("status", status.clone(), theme));
        }
    }
    lines
}
