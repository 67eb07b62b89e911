use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{field, input_line};
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if let Some(ready) = &state.certificate {
        lines.push(field(
            "expires",
            format!("{} ({} days left)", ready.not_after, ready.days_left),
            theme,
        ));
    }
    match &state.alert_id {
        Some(id) => {
            lines.push(Line::from(vec![
                Span::styled("✓ ", theme.good),
                Span::raw("Notification policy in place."),
            ]));
            lines.push(field("policy id", id.clone(), theme));
        }
        None => {
            lines.push(Line::from(
                "Cloudflare e-mails this address before the certificate expires:",
            ));
            lines.push(input_line("e-mail", state.email.display(), true, theme));
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Leave it empty and press Enter to skip.",
                theme.dim,
            ));
        }
    }
    lines
}
