use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::input_line;
use crate::ops::expected_verdict;
use crate::probe::Verification;
use crate::probe::{Presented, Verdict};
use crate::snippets::SnippetPhase;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let hosts = state.target_hostnames().join(", ");
    let head = Paragraph::new(vec![
        input_line("origins", state.origins.display(), true, theme),
        Line::from(vec![
            Span::styled(format!("{:<15}", "hostnames"), theme.dim),
            Span::raw(hosts),
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
    results(frame, body, state, SnippetPhase::Log, theme);
}

/// The verdict table and, below it, what is wrong and what to do.
pub fn results(frame: &mut Frame, area: Rect, state: &Wizard, phase: SnippetPhase, theme: &Theme) {
    let result = match phase {
        SnippetPhase::Log => state.verify_log.as_ref(),
        SnippetPhase::Enforce => state.verify_enforce.as_ref(),
    };
    let Some(result) = result else {
        frame.render_widget(
            Paragraph::new(Line::styled("Press Enter to probe.", theme.dim)),
            area,
        );
        return;
    };
    super::wrapped(
        frame,
        area,
        state,
        result_lines(result, phase, theme),
        theme,
    );
}

/// The outcome first (on a short terminal the details may not all fit), then each origin and
/// hostname with what is wrong and what to do.
pub fn result_lines(
    result: &Verification,
    phase: SnippetPhase,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![if result.passed(expected_verdict(phase)) {
        Line::styled("✓ All as expected. Enter continues.", theme.good)
    } else {
        Line::styled(
            "✗ Not there yet: fix what is listed, then Enter probes again.",
            theme.bad,
        )
    }];
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
                "    none: {} · foreign CA: {} · yours: {}",
                describe(Presented::Nothing),
                describe(Presented::UnrelatedCa),
                describe(Presented::Yours)
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
    }
    lines
}
