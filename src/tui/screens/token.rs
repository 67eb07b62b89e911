use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{field, input_line};
use crate::tui::state::{TokenState, Wizard};
use crate::tui::theme::Theme;

const NEEDED: &str = "Needed: Zone → Zone Read, Zone Settings Edit, SSL and Certificates Edit, DNS Read; Account → Notifications Edit.";

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match &state.token_state {
        TokenState::Looking => lines.push(Line::from(
            "Looking in CLOUDFLARE_API_TOKEN and the OS keyring…",
        )),
        TokenState::NeedInput { problem } => {
            lines.push(Line::styled(problem.clone(), theme.warn));
            lines.push(Line::from(""));
            lines.push(Line::from(
                "Create one at dash.cloudflare.com → My Profile → API Tokens → Create Token, then paste it:",
            ));
            lines.push(input_line(
                "API token",
                state.token_input.display(),
                true,
                theme,
            ));
            lines.push(Line::from(""));
            lines.push(Line::styled(NEEDED, theme.dim));
        }
        TokenState::Verified { source, typed } => {
            lines.push(Line::from(vec![
                Span::styled("✓ ", theme.good),
                Span::raw("Token verified and active."),
            ]));
            lines.push(field("from", source.clone(), theme));
            if *typed {
                lines.push(Line::from(
                    "Press s to keep it in the OS keyring, so you need not paste it again.",
                ));
            }
            lines.push(Line::from(""));
            if state.permissions.is_empty() {
                lines.push(Line::styled(NEEDED, theme.dim));
            } else {
                lines.push(Line::styled(
                    "Permissions, found by using them (reads only):",
                    theme.dim,
                ));
                for check in &state.permissions {
                    let (mark, style) = match check.granted {
                        Some(true) => ("✓", theme.good),
                        Some(false) => ("✗", theme.bad),
                        None => ("?", theme.dim),
                    };
                    let note = if check.granted.is_none() {
                        "  (not probed: it would write)"
                    } else {
                        ""
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {mark} "), style),
                        Span::raw(check.permission),
                        Span::styled(note, theme.dim),
                    ]));
                }
                if state.permissions.iter().any(|c| c.granted == Some(false)) {
                    lines.push(Line::styled(
                        "Missing permissions: edit the token in the dashboard (its value stays the same).",
                        theme.bad,
                    ));
                }
            }
        }
    }
    lines
}
