use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::verify::demo_stand_in;
use crate::probe::Verdict;
use crate::tui::app::{
    enable_meaning, enable_request, enabled_for, hostname_list, origin_asks, probed_for,
};
use crate::tui::state::Wizard;
use crate::tui::steps::Scope;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// The screen's text (the viewer shows it whole).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if state.enabled {
        lines.push(Line::from(vec![
            Span::styled("✓ ", theme.good),
            Span::raw(enabled_for(state)),
        ]));
        if state.scope == Scope::Hostname {
            lines.extend(hostname_list(state).into_iter().map(Line::from));
        }
        lines.extend(demo_stand_in(state, theme));
        lines.push(Line::from(
            "Next: prove the origin asks for the certificate and that requests through Cloudflare are served.",
        ));
    } else {
        if state.scope == Scope::Hostname {
            lines.push(Line::styled("Proxied hostnames (Space picks):", theme.dim));
            for (index, name) in state.proxied_hostnames().iter().enumerate() {
                let mark = if state.hostname_choice.contains(name) {
                    "[x]"
                } else {
                    "[ ]"
                };
                let text = format!(
                    "{} {mark} {name}",
                    if index == state.cursor { "▶" } else { " " }
                );
                lines.push(if index == state.cursor {
                    Line::styled(text, theme.selected)
                } else {
                    Line::from(text)
                });
            }
            lines.push(Line::from(""));
        }
        match &state.origin_asks {
            None => lines.push(Line::from(if state.busy.is_some() {
                "First the origin, directly: probing it now (Esc stops). It must ask for the certificate and still serve without one (the log-phase snippet)."
            } else {
                "First the origin, directly: Enter probes it. It must ask for the certificate and still serve without one (the log-phase snippet)."
            })),
            Some(verification) if origin_asks(state) => lines.push(Line::from(vec![
                Span::styled("✓ ", theme.good),
                Span::raw(format!(
                    "Probed for {}: the origin asks for the certificate and serves without it. Enter asks before sending.",
                    probed_for(verification)
                )),
            ])),
            Some(verification) => {
                lines.push(Line::from(vec![
                    Span::styled("✗ ", theme.bad),
                    Span::raw("The origin is not in the log phase yet:"),
                ]));
                for problem in verification.problems(Verdict::LogOnly) {
                    lines.push(Line::from(format!("  {problem}")));
                }
                lines.push(Line::from(
                    "Install the log-phase snippet (back with Esc), reload, and press Enter to probe again.",
                ));
            }
        }
        lines.extend(demo_stand_in(state, theme));
        lines.push(Line::from(""));
        lines.extend(enable_meaning(state).into_iter().map(Line::from));
        lines.push(Line::styled("The request enabling sends:", theme.dim));
        lines.extend(
            enable_request(state)
                .into_iter()
                .map(|l| Line::styled(l, theme.code)),
        );
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Cloudflare presents the certificate from now on. An origin with the log-phase snippet serves either way; the next screen proves it.",
            theme.dim,
        ));
    }
    lines
}
