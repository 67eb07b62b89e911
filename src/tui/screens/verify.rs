use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::input_line;
use crate::evidence::Evidence;
use crate::ops::expected_verdict;
use crate::probe::{Presented, Verdict, Verification};
use crate::snippets::SnippetPhase;
use crate::tui::app::{
    EVIDENCE_SINCE_ARG, edge_skippable, evidence_not_ready, probe_result, proven,
    skip_edge_consequence,
};
use crate::tui::same_as;
use crate::tui::state::{Field, Wizard};
use crate::tui::steps::Scope;
use crate::tui::theme::Theme;
use crate::words::plural;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let hosts = state.target_hostnames().join(", ");
    let editing_log = state.editing == Some(Field::LogPath);
    let mut head = vec![
        input_line("origins", state.origins.display(), !editing_log, theme),
        Line::from(vec![
            Span::styled(format!("{:<15}", "hostnames"), theme.dim),
            Span::raw(crate::untrusted::shown(hosts).to_string()),
        ]),
    ];
    // The access log's field shows while it has the keys (Tab): until then the probe's rows
    // keep the room, and once read the evidence names the log.
    if editing_log {
        head.push(input_line(
            "access log",
            state.log_path.display(),
            true,
            theme,
        ));
    }
    head.push(Line::styled(
        "Expected: log-only (asks for a certificate, serves without) and served through \
         Cloudflare.",
        theme.dim,
    ));
    let head = Paragraph::new(head).wrap(Wrap { trim: false });
    let rows = head.line_count(area.width) as u16;
    let [top, body] = Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(area);
    frame.render_widget(head, top);
    let body = super::doctor::draw(frame, body, state, theme);
    match probe_result(state, SnippetPhase::Log) {
        Some(result) => super::wrapped(frame, body, state, log_lines(state, result, theme), theme),
        None => {
            let mut lines = pending_lines(state, theme);
            lines.extend(evidence_lines(state, theme));
            super::wrapped(frame, body, state, lines, theme);
        }
    }
}

/// The log screen's results: the probe's outcome, then what the access log says, then each
/// origin and hostname.
pub fn log_lines(state: &Wizard, result: &Verification, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = outcome_lines(state, result, SnippetPhase::Log, theme);
    lines.extend(evidence_lines(state, theme));
    lines.extend(detail_lines(state, result, SnippetPhase::Log, theme));
    lines
}

/// What the origin's access log says: ready to enforce or not and why, per hostname; or why
/// it was not read and the command that reads it on the origin. Every value from the log is
/// escaped where the lines are drawn (`wrapped`, the viewer).
pub fn evidence_lines(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    if state.access_log().is_none() {
        return vec![Line::styled(
            format!(
                "{}'s access log has no field for the client certificate's verification: there is no log evidence to read for it.",
                state.server().display_name()
            ),
            theme.dim,
        )];
    }
    // Not read yet: the field above and the key bar's Tab say how; the probe's rows keep the
    // room.
    let Some(read) = &state.evidence else {
        return Vec::new();
    };
    let evidence = match &read.result {
        Ok(evidence) => evidence,
        Err(unread) if !unread.elsewhere => {
            return vec![
                Line::styled(
                    format!("✗ The access log was not read: {}", unread.why),
                    theme.warn,
                ),
                Line::from(
                    "Tab and give the access log the log-phase snippet names, or run aop-wizard \
                     evidence where the log is.",
                ),
            ];
        }
        Err(unread) => {
            let why = &unread.why;
            let command = same_as::evidence(state)
                .map(|args| {
                    args.iter()
                        .map(|a| crate::snippets::shell_word(a))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            return vec![
                Line::styled(format!("✗ The access log was not read: {why}"), theme.warn),
                Line::from("Where the log is, run:"),
                Line::styled(format!("  {command}"), theme.key),
                Line::styled(
                    "Going on is not held up by it, but nothing here shows whose requests \
                     enforcing would refuse.",
                    theme.dim,
                ),
            ];
        }
    };
    let mut lines = vec![if evidence.ready {
        Line::styled(
            format!(
                "✓ Access log: ready to enforce. Every one of the {} from Cloudflare carried a \
                 verified certificate.",
                plural(evidence.cloudflare.verified, "request", "requests")
            ),
            theme.good,
        )
    } else {
        Line::styled(
            "✗ Access log: not ready to enforce; Enter asks first.",
            theme.bad,
        )
    }];
    for problem in &evidence.problems {
        lines.push(Line::styled(format!("  ✗ {problem}"), theme.bad));
    }
    if evidence.hostnames.is_empty() {
        lines.push(Line::from("  No request was counted."));
    }
    let (hostnames, left_out) = evidence.hostnames_to_show(5);
    for host in hostnames {
        let cloudflare = host.cloudflare;
        let mut spans = vec![
            Span::raw(format!("  {}: Cloudflare ", host.name())),
            Span::styled(
                format!("{} verified", cloudflare.verified),
                if cloudflare.verified > 0 {
                    theme.good
                } else {
                    theme.dim
                },
            ),
            Span::raw(", "),
            Span::styled(
                format!("{} unverified", cloudflare.unverified),
                if cloudflare.unverified > 0 {
                    theme.bad
                } else {
                    theme.dim
                },
            ),
        ];
        if host.other.total > 0 {
            spans.push(Span::raw(format!(" · elsewhere {}", host.other.describe())));
        }
        lines.push(Line::from(spans));
    }
    if left_out > 0 {
        lines.push(Line::styled(
            format!(
                "  … and {} reached only from elsewhere",
                plural(left_out as u64, "more hostname", "more hostnames")
            ),
            theme.dim,
        ));
    }
    let unreadable = match evidence.lines.unreadable {
        0 => String::new(),
        n => format!(", {n} unreadable"),
    };
    lines.push(Line::styled(
        format!(
            "  {}: {}, {} in the last {}{unreadable}",
            read.log.display(),
            plural(evidence.lines.read, "line", "lines"),
            plural(evidence.lines.requests, "request", "requests"),
            EVIDENCE_SINCE_ARG
        ),
        theme.dim,
    ));
    lines.push(Line::styled(
        format!("  {}", whose_addresses(state, evidence)),
        theme.dim,
    ));
    for step in &evidence.next_steps {
        lines.push(Line::styled(format!("  next: {step}"), theme.warn));
    }
    for note in &evidence.notes {
        lines.push(Line::styled(format!("  note: {note}"), theme.dim));
    }
    for example in &evidence.lines.unreadable_examples {
        lines.push(Line::styled(
            format!(
                "  unreadable line {}: {}: {}",
                example.line, example.why, example.excerpt
            ),
            theme.dim,
        ));
    }
    lines
}

/// Which addresses counted as Cloudflare's: in the demo, the demo edge's (said plainly).
fn whose_addresses(state: &Wizard, evidence: &Evidence) -> String {
    if let Some(demo) = &state.demo_log {
        let probe = state
            .demo_origin
            .map_or_else(|| "127.0.0.1".to_string(), |origin| origin.ip().to_string());
        return if demo.edge_source.to_string() == probe {
            format!(
                "Demo: the demo edge cannot connect from an address of its own here: its requests \
                 and the probe's all come from {probe} and count as Cloudflare's."
            )
        } else {
            format!(
                "Demo: requests from {} (the demo edge) count as Cloudflare's; the probe's own \
                 come from {probe}.",
                demo.edge_source
            )
        };
    }
    evidence.edge_ranges.describe()
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
    Paragraph::new(pending_lines(state, theme)).wrap(Wrap { trim: false })
}

fn pending_lines(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = demo_stand_in(state, theme).into_iter().collect();
    lines.push(Line::styled(
        if state.busy.is_some() {
            "Probing: the origin directly, then through Cloudflare (Esc stops)."
        } else {
            "Press Enter to probe."
        },
        theme.dim,
    ));
    lines
}

/// The outcome and the ways on first (on a short terminal the details may not all fit), then
/// each origin and hostname with what is wrong and what to do.
pub fn result_lines(
    state: &Wizard,
    result: &Verification,
    phase: SnippetPhase,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = outcome_lines(state, result, phase, theme);
    lines.extend(detail_lines(state, result, phase, theme));
    lines
}

/// The probe's outcome and the ways on.
fn outcome_lines(
    state: &Wizard,
    result: &Verification,
    phase: SnippetPhase,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    if result.passed(expected_verdict(phase)) {
        let log_not_ready = phase == SnippetPhase::Log && evidence_not_ready(state).is_some();
        lines.push(if proven(state, phase) && log_not_ready {
            // Both verdicts in one short row: on a short terminal under doctor's answer it may
            // be the only row, and the log's ✗ is what holds Enforce back.
            Line::from(vec![
                Span::styled("✓ Probe as expected", theme.good),
                Span::raw(" · "),
                Span::styled("✗ access log: not ready to enforce", theme.bad),
            ])
        } else if proven(state, phase) {
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
    lines
}

/// Each origin and hostname the probe saw, with what is wrong and what to do.
fn detail_lines(
    state: &Wizard,
    result: &Verification,
    phase: SnippetPhase,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
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
