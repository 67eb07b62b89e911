use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{field, input_line};
use crate::cloudflare::CertificateScope;
use crate::rotation::Finish;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let view = &state.rotation;
    let mut lines = Vec::new();
    match &view.plan {
        None => {
            lines.push(field("Zone", state.zone_name(), theme));
            lines.push(field("Scope", state.scope.label(), theme));
            lines.push(field(
                "Certificate",
                state.certificate_id.as_deref().unwrap_or("the one in use"),
                theme,
            ));
            lines.push(field(
                "New CA",
                if view.new_ca {
                    "yes: the origin will trust both CAs during the change"
                } else {
                    "only when the current CA's key is missing or it expires soon"
                },
                theme,
            ));
            lines.push(input_line(
                "Origins",
                state.origins.value.clone(),
                true,
                theme,
            ));
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "Enter reads the current certificate and shows the plan; nothing changes yet.",
                theme.dim,
            ));
        }
        Some(plan) => {
            lines.push(field("Rotating", plan.scope_label(), theme));
            lines.push(field(
                "Current",
                format!(
                    "{} (expires {})",
                    plan.old_id,
                    plan.old_expires_on
                        .as_deref()
                        .map_or("?", |date| date.get(..10).unwrap_or(date))
                ),
                theme,
            ));
            lines.push(field("CA", plan.why.clone(), theme));
            lines.push(field(
                "New files",
                plan.out_dir.display().to_string(),
                theme,
            ));
            if plan.new_ca {
                lines.push(field(
                    "Origin trusts",
                    plan.origin_ca_paths_during().join(" + "),
                    theme,
                ));
            }
            if plan.scope == CertificateScope::Hostname {
                lines.push(field("Hostnames", plan.hostnames.join(", "), theme));
            }
            lines.push(field("Stage", plan.stage.describe(), theme));
            lines.push(Line::from(""));
        }
    }
    let mut log: Vec<Line> = view
        .log
        .iter()
        .map(|entry| {
            let style = if entry.starts_with('✓') {
                theme.good
            } else {
                theme.dim
            };
            Line::styled(entry.clone(), style)
        })
        .collect();
    let mut end = Vec::new();
    match &view.finish {
        Some(Finish::Rotated(done)) => {
            end.push(Line::from(""));
            end.push(Line::styled(
                format!(
                    "Rotated: Cloudflare presents {} and the old certificate is gone.",
                    done.certificate_id
                ),
                theme.good,
            ));
            if let Some(snippet) = &done.final_snippet {
                end.push(Line::from(format!(
                    "Last, on the origin: install {} (only the new CA) and reload.",
                    snippet.display()
                )));
            }
            let (text, style) = if done.origin_still_enforces {
                (
                    "The origin still refuses requests without a certificate.",
                    theme.good,
                )
            } else {
                (
                    "The origin does not refuse requests without a certificate.",
                    theme.bad,
                )
            };
            end.push(Line::styled(text, style));
        }
        Some(Finish::OriginNotReady { snippet, problems }) => {
            end.push(Line::from(""));
            for problem in problems {
                end.push(Line::from(vec![
                    Span::styled("✗ ", theme.bad),
                    Span::raw(problem.clone()),
                ]));
            }
            if let (Some(snippet), Some(plan)) = (snippet, &view.plan) {
                end.push(Line::from(format!(
                    "Copy {} to {} on the origin, install {}, reload, then Enter. Nothing changed on Cloudflare.",
                    plan.ca_cert.display(),
                    plan.new_ca_path.as_deref().unwrap_or_default(),
                    snippet.display()
                )));
            }
        }
        Some(Finish::EdgeRefused { problems }) => {
            end.push(Line::from(""));
            for problem in problems {
                end.push(Line::from(vec![
                    Span::styled("✗ ", theme.bad),
                    Span::raw(problem.clone()),
                ]));
            }
            end.push(Line::from(
                "Cloudflare presents the new certificate; the old one is kept. Fix the origin and press Enter, or a to go back.",
            ));
        }
        None => {}
    }
    // The newest progress and the outcome always show; the oldest log lines give way.
    let rows = |lines: &[Line]| {
        lines
            .iter()
            .map(|l| wrapped_rows(l, area.width))
            .sum::<usize>()
    };
    let budget = usize::from(area.height).saturating_sub(rows(&lines) + rows(&end) + 1);
    let mut dropped = 0;
    while rows(&log) > budget && !log.is_empty() {
        log.remove(0);
        dropped += 1;
    }
    if dropped > 0 {
        lines.push(Line::styled(
            format!("… {dropped} earlier line(s)"),
            theme.dim,
        ));
    }
    lines.extend(log);
    lines.extend(end);
    super::wrapped(frame, area, state, lines, theme);
}

/// Rows a line takes once wrapped, with some room for word wrapping.
fn wrapped_rows(line: &Line, width: u16) -> usize {
    let width = usize::from(width.max(1));
    (line.width() * 6 / 5).div_ceil(width).max(1)
}
