use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{field, input_line};
use crate::cloudflare::CertificateScope;
use crate::rotation::Finish;
use crate::tui::state::Wizard;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let (plan, log, end) = parts(state, theme);
    // Measured as drawn: hostnames and ids from Cloudflare, escaped.
    let escape = super::all_escaped;
    let (mut plan, mut log, end) = (escape(plan), escape(log), escape(end));
    // The outcome always shows, then the newest progress; the oldest log lines give way, then
    // the plan's details (the viewer shows them all).
    let rows = |lines: &[Line]| {
        Paragraph::new(lines.to_vec())
            .wrap(Wrap { trim: false })
            .line_count(area.width)
    };
    let height = usize::from(area.height);
    let mut plan_cut = false;
    // Two rows kept for the marks of what gave way.
    while plan.len() > 1 && rows(&plan) + rows(&end) + 2 > height {
        plan.pop();
        plan_cut = true;
    }
    if plan_cut {
        plan.push(Line::styled(
            format!("… the rest of the plan: {}", super::how_to_see_all(state)),
            theme.dim,
        ));
    }
    let budget = height.saturating_sub(rows(&plan) + rows(&end) + 1);
    let mut dropped = 0;
    while rows(&log) > budget && !log.is_empty() {
        log.remove(0);
        dropped += 1;
    }
    if dropped > 0 {
        plan.push(Line::styled(
            format!("… {dropped} earlier lines above (v shows them)"),
            theme.dim,
        ));
    }
    plan.extend(log);
    plan.extend(end);
    super::wrapped(frame, area, state, plan, theme);
}

/// The screen's text, the whole log included (the viewer shows it).
pub fn lines<'a>(state: &'a Wizard, theme: &Theme) -> Vec<Line<'a>> {
    let (mut lines, log, end) = parts(state, theme);
    lines.extend(log);
    lines.extend(end);
    lines
}

/// The plan, the log of the run, and how it ended.
type Parts<'a> = (Vec<Line<'a>>, Vec<Line<'a>>, Vec<Line<'a>>);

fn parts<'a>(state: &'a Wizard, theme: &Theme) -> Parts<'a> {
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
            let asked = view.ca_key_asked.is_some();
            lines.push(input_line(
                "Origins",
                state.origins.value.clone(),
                !asked,
                theme,
            ));
            if let Some(key) = &view.ca_key_asked {
                lines.push(field("CA key", key.display().to_string(), theme));
                lines.push(input_line(
                    "CA passphrase",
                    view.ca_passphrase.display(),
                    true,
                    theme,
                ));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                if asked {
                    "Enter unlocks the CA key and shows the plan; the passphrase is kept only while the wizard runs."
                } else {
                    "Enter reads the current certificate and shows the plan; nothing changes yet."
                },
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
                for note in plan.hostname_notes() {
                    lines.push(field("Also", note, theme));
                }
            }
            lines.push(field("Stage", plan.stage.describe(), theme));
            lines.push(Line::from(""));
        }
    }
    let log: Vec<Line> = view
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
        Some(finish @ (Finish::EdgeRefused { problems } | Finish::OldKept { problems })) => {
            end.push(Line::from(""));
            for problem in problems {
                end.push(Line::from(vec![
                    Span::styled("✗ ", theme.bad),
                    Span::raw(problem.clone()),
                ]));
            }
            end.push(Line::from(if matches!(finish, Finish::OldKept { .. }) {
                "Every hostname uses the new certificate; the old one is kept. Do as said above, then press Enter."
            } else {
                "Cloudflare presents the new certificate; the old one is kept. Fix the origin and press Enter, or a to go back."
            }));
        }
        None => {}
    }
    (lines, log, end)
}
