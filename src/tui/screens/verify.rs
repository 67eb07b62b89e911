use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::input_line;
use crate::ops::expected_verdict;
use crate::probe::{Presented, Verdict, Verification};
use crate::snippets::SnippetPhase;
use crate::tui::app::{edge_skippable, probe_result, proven, skip_edge_consequence};
use crate::tui::state::Wizard;
use crate::tui::steps::Scope;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let hosts = state.target_hostnames().join(", ");
    let head = Paragraph::new(vec![
        input_line("origins", state.origins.display(), true, theme),
        Line::from(vec![
            Span::styled(format!("{:<15}", "hostnames"), theme.dim),
            Span::raw(crate::untrusted::shown(hosts).to_string()),
        ]),
        Line::styled(
            "Expected: log-only (asks for a certificate, serves without) and served through \
             Cloudflare.",
            theme.dim,
        ),
    ])
    .wrap(Wrap { trim: false });
    let rows = head.line_count(area.width) as u16;
    let [top, body] = Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(area);
    frame.render_widget(head, top);
    let body = super::doctor::draw(frame, body, state, theme);
    results(frame, body, state, SnippetPhase::Log, theme);
}

/// Global AOP in the demo: what stands in for Cloudflare's shared certificate, said plainly.
pub fn demo_stand_in(state: &Wizard, theme: &Theme) -> Option<Line<'static>> {
    (state.scope == Scope::Global && state.demo_origin.is_some()).then(|| {
        Line::styled(
            "Demo only: the demo edge presents a stand-in for Cloudflare's shared certificate, \
             whose CA only the demo origin trusts. Your snippet and CA file name Cloudflare's \
             real CA.",
            theme.warn,
        )
    })
}

/// The verdict table and, below it, what is wrong, in the servers' own words, and the ways on.
pub fn results(frame: &mut Frame, area: Rect, state: &Wizard, phase: SnippetPhase, theme: &Theme) {
    let Some(result) = probe_result(state, phase) else {
        frame.render_widget(pending(state, theme), area);
        return;
    };
    super::wrapped(
        frame,
        area,
        state,
        result_lines(state, result, phase, theme),
        theme,
    );
}

/// What the results' place says before there are results.
pub fn pending(state: &Wizard, theme: &Theme) -> Paragraph<'static> {
    let mut lines: Vec<Line> = demo_stand_in(state, theme).into_iter().collect();
    lines.push(Line::styled(
        if state.busy.is_some() {
            "Probing: the origin directly, then through Cloudflare (Esc stops)."
        } else {
            "Press Enter to probe."
        },
        theme.dim,
    ));
    Paragraph::new(lines).wrap(Wrap { trim: false })
}

/// The outcome and the ways on first (on a short terminal the details may not all fit), then
/// each origin and hostname with what is wrong and what to do.
pub fn result_lines(
    state: &Wizard,
    result: &Verification,
    phase: SnippetPhase,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if result.passed(expected_verdict(phase)) {
        lines.push(if proven(state, phase) {
            Line::styled("✓ All as expected. Enter continues.", theme.good)
        } else {
            Line::styled(
                "The origins changed since this probe: Enter probes them as typed.",
                theme.warn,
            )
        });
    } else if edge_skippable(state, phase) {
        // The reason first, in the server's own words, then the ways on.
        for edge in result.edge.iter().filter(|e| !e.passed).take(1) {
            lines.push(Line::styled(
                format!("✗ Through Cloudflare: {}", edge.explanation),
                theme.bad,
            ));
            if let Some(answer) = &edge.answer {
                lines.push(Line::styled(
                    format!("  it answered: \"{answer}\""),
                    theme.warn,
                ));
            }
        }
        lines.push(Line::from(format!(
            "The origin itself is as it should be. Enter probes again · s skips the edge check \
             ({}) · Esc goes back.",
            skip_edge_consequence(phase)
        )));
    } else {
        lines.push(Line::styled(
            "✗ Not there yet: fix what is listed, then Enter probes again (Esc goes back).",
            theme.bad,
        ));
    }
    lines.extend(demo_stand_in(state, theme));
    let yours = if state.scope == Scope::Global {
        "Cloudflare's: only Cloudflare can present it".to_string()
    } else {
        String::new()
    };
    for cell in &result.cells {
        let wanted = match phase {
            SnippetPhase::Log => {
                matches!(cell.judgement.verdict, Verdict::LogOnly | Verdict::Enforced)
            }
            SnippetPhase::Enforce => cell.judgement.verdict == Verdict::Enforced,
        };
        let describe = |p| {
            cell.attempt(p)
                .map(|a| a.outcome.describe())
                .unwrap_or_else(|| "-".into())
        };
        lines.push(Line::from(vec![
            Span::styled(
                if wanted { "✓ " } else { "✗ " },
                if wanted { theme.good } else { theme.bad },
            ),
            Span::raw(format!("{} {} ", cell.origin, cell.hostname)),
            Span::styled(
                cell.judgement.verdict.label(),
                if wanted { theme.good } else { theme.bad },
            ),
        ]));
        lines.push(Line::styled(
            format!(
                "    none: {} · foreign CA: {} · {}",
                describe(Presented::Nothing),
                describe(Presented::UnrelatedCa),
                if yours.is_empty() {
                    format!("yours: {}", describe(Presented::Yours))
                } else {
                    yours.clone()
                }
            ),
            theme.dim,
        ));
        if !wanted {
            lines.push(Line::from(format!("    {}", cell.judgement.explanation)));
            lines.push(Line::styled(
                format!("    next: {}", cell.judgement.next_step),
                theme.warn,
            ));
        }
    }
    for edge in &result.edge {
        lines.push(Line::from(vec![
            Span::styled(
                if edge.passed { "✓ " } else { "✗ " },
                if edge.passed { theme.good } else { theme.bad },
            ),
            Span::raw(format!(
                "through Cloudflare {}: {}",
                edge.hostname, edge.explanation
            )),
        ]));
        if let Some(answer) = &edge.answer {
            lines.push(Line::styled(
                format!("    it answered: \"{answer}\""),
                theme.warn,
            ));
        }
    }
    lines
}
