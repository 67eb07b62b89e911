use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::field;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let Some(mode) = &state.ssl_mode else {
        lines.push(Line::from("Reading the zone's settings…"));
        return lines;
    };
    lines.push(field("SSL/TLS mode", mode.label(), theme));
    lines.push(field(
        "automatic",
        state
            .ssl_automatic
            .clone()
            .unwrap_or_else(|| "unknown".into()),
        theme,
    ));
    lines.push(Line::from(""));
    if mode.supports_aop() {
        lines.push(Line::from(vec![
            Span::styled("✓ ", theme.good),
            Span::raw(format!(
                "{} works with Authenticated Origin Pulls.",
                mode.label()
            )),
        ]));
        if state.ssl_automatic.as_deref() == Some("auto") {
            lines.push(Line::styled(
                "Automatic SSL/TLS may raise the mode later, never lower it: AOP keeps working.",
                theme.dim,
            ));
        }
    } else {
        lines.push(Line::from(vec![
            Span::styled("✗ ", theme.bad),
            Span::raw(format!(
                "{} never opens TLS to the origin, so there is no certificate to present. This blocks the set-up.",
                mode.label()
            )),
        ]));
        lines.push(Line::from(
            "Fix: f sets Full (any origin certificate), s sets Full (strict) (a valid origin certificate, such as Cloudflare Origin CA).",
        ));
    }
    lines
}
