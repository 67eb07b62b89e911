//! Doctor's prediction on the log screen: one line per hostname (per origin when there are
//! several), the next step for the first problem. On a short terminal the hostnames without a
//! problem are counted on one line, so the failing ones stay in view; the viewer has it whole.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::ops::doctor::{DoctorReport, Kind, Prediction};
use crate::tui::app::doctor_ran_as_typed;
use crate::tui::state::{DoctorRun, Wizard};
use crate::tui::theme::Theme;

/// Rows the probe's results keep below doctor's answer: their verdict, and where the rest is.
const RESULTS_ROWS: u16 = 2;

/// Doctor's answer at the top of `area`, when there is one, in the rows the probe's results can
/// spare; the area left for them.
pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) -> Rect {
    let Some(run) = &state.doctor else {
        return area;
    };
    let spare = area.height.saturating_sub(RESULTS_ROWS);
    let rows = |lines: &[Line]| {
        Paragraph::new(lines.to_vec())
            .wrap(Wrap { trim: false })
            .line_count(area.width)
    };
    let mut lines = lines_of(run, state, theme, Form::Each);
    if rows(&lines) > usize::from(spare) {
        lines = lines_of(run, state, theme, Form::Counted);
    }
    let height = u16::try_from(rows(&lines)).unwrap_or(u16::MAX).min(spare);
    let [top, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    super::wrapped(frame, top, state, lines, theme);
    rest
}

/// How much is said of the hostnames without a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A line each, in short words ("ready to enforce").
    Each,
    /// One line counting them.
    Counted,
    /// A line each with the whole prediction, and every problem's next step (the viewer).
    Whole,
}

/// Doctor's answer whole, for the viewer: every prediction and every next step.
pub fn whole(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    state
        .doctor
        .as_ref()
        .map(|run| lines_of(run, state, theme, Form::Whole))
        .unwrap_or_default()
}

fn lines_of(run: &DoctorRun, state: &Wizard, theme: &Theme, form: Form) -> Vec<Line<'static>> {
    let report = &run.report;
    let mut lines = Vec::new();
    // Short of rows, the heading is a word in front of the first line.
    let mut title = vec![Span::styled("Doctor", theme.title)];
    if form == Form::Counted {
        title.push(Span::styled(": ", theme.title));
    } else {
        title.push(Span::styled(
            " predicts, for requests through Cloudflare:",
            theme.dim,
        ));
        lines.push(Line::from(std::mem::take(&mut title)));
    }
    let mut first_line = |spans: Vec<Span<'static>>| {
        let mut line = std::mem::take(&mut title);
        line.extend(spans);
        Line::from(line)
    };
    if !doctor_ran_as_typed(state) {
        lines.push(first_line(vec![Span::styled(
            "the origins or hostnames changed since doctor ran: Ctrl-D runs it again.",
            theme.warn,
        )]));
    }
    let mut fine = Vec::new();
    let mut next_said = false;
    for (who, prediction) in predictions(report) {
        if prediction.ok && form == Form::Counted {
            fine.push(who);
            continue;
        }
        let (mark, style) = if prediction.ok {
            ("✓ ", theme.good)
        } else {
            ("✗ ", theme.bad)
        };
        let words = match (form, prediction.kind) {
            (Form::Whole, _) => prediction.summary.clone(),
            (_, Kind::Ok) => "OK".into(),
            (_, Kind::ReadyToEnforce) => "ready to enforce".into(),
            _ => prediction.summary.clone(),
        };
        lines.push(first_line(vec![
            Span::styled(mark, style),
            Span::raw(format!("{who}: ")),
            Span::styled(words, style),
        ]));
        // The next step right under the first problem (under every one in the viewer).
        if !prediction.ok && (form == Form::Whole || !next_said) {
            lines.push(Line::styled(
                format!("  next: {}", prediction.next_step),
                theme.warn,
            ));
            next_said = true;
        }
    }
    if !fine.is_empty() {
        lines.push(first_line(vec![Span::styled(
            format!(
                "✓ {} OK or ready to enforce: {}",
                count(fine.len(), "hostname"),
                fine.join(", ")
            ),
            theme.good,
        )]));
    }
    for unchecked in &report.unchecked {
        lines.push(first_line(vec![Span::styled(
            format!("✗ could not check: {unchecked}"),
            theme.bad,
        )]));
    }
    if report.hostnames.is_empty() {
        lines.push(first_line(vec![Span::styled(
            "✗ no hostname checked: nothing shows the origin trusts what Cloudflare presents.",
            theme.bad,
        )]));
    }
    lines
}

/// Each hostname's prediction, or each origin's when the hostname has several, with whom it is
/// about.
fn predictions(report: &DoctorReport) -> Vec<(String, &Prediction)> {
    let mut all = Vec::new();
    for host in &report.hostnames {
        if host.origins.len() > 1 {
            for origin in &host.origins {
                all.push((
                    format!("{} at {}", host.hostname, origin.address),
                    &origin.outcome,
                ));
            }
        } else {
            all.push((host.hostname.clone(), &host.outcome));
        }
    }
    all
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
