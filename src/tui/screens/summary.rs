use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::rotation::Finish;
use crate::tui::state::Wizard;
use crate::tui::steps::{Scope, Step};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    super::wrapped(frame, area, state, lines(state, theme), theme);
}

/// What was done and not, the certificate's end, how to check again, the files written.
pub fn lines(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let zone = state.zone_name();
    let steps: Vec<&Step> = Step::ALL
        .iter()
        .filter(|s| s.applies_to(state.task, state.scope) && **s != Step::Summary)
        .collect();
    let (done, skipped): (Vec<&Step>, Vec<&Step>) =
        steps.into_iter().partition(|s| state.done.contains(s));
    let names = |steps: &[&Step]| {
        steps
            .iter()
            .map(|s| s.title())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("✓ Done: ", theme.good),
        Span::raw(names(&done)),
    ])];
    if !skipped.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("– Not done: ", theme.warn),
            Span::raw(names(&skipped)),
        ]));
    }
    // Enforcing past the log's or doctor's "not ready" was asked and answered y: the summary
    // keeps it in sight, with what argued against it then.
    let against = crate::tui::app::reasons_against_enforcing(state);
    if state.done.contains(&Step::Enforce) && !against.is_empty() {
        lines.push(Line::styled("! Enforced although:", theme.warn));
        lines.extend(
            against
                .into_iter()
                .map(|reason| Line::from(format!("  {reason}"))),
        );
    }
    // What a rotation or an undo changed since; the lines above describe the set-up.
    if let Some(Finish::Rotated(done)) = &state.rotation.finish {
        lines.push(Line::from(vec![
            Span::styled("✓ Rotated: ", theme.good),
            Span::raw(format!(
                "Cloudflare presents {}, made from {}.",
                done.certificate_id,
                done.certificate.display()
            )),
        ]));
    }
    if state.undo.done {
        lines.push(Line::from(vec![
            Span::styled("✓ Turned off: ", theme.good),
            Span::raw(format!(
                "Authenticated Origin Pulls is off for {zone} on Cloudflare{}.",
                if state.undo.delete_certificates {
                    " and its certificates are deleted"
                } else {
                    ""
                }
            )),
        ]));
    }
    // After a rotation, the certificate described at set-up is the one just replaced; after an
    // undo, Cloudflare presents it no more (or it is deleted): nothing to rotate.
    let described = state
        .certificate
        .as_ref()
        .filter(|_| !state.rotation.rotated() && !state.undo.done);
    if let Some(ready) = described {
        lines.push(Line::from(format!(
            "Client certificate expires {} ({} days): rotate before then.",
            ready.not_after, ready.days_left
        )));
    } else if state.scope == Scope::Global && !state.undo.done {
        lines.push(Line::from(
            "Cloudflare's shared certificate expires 2029-11-01.",
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled("Check again any time:", theme.dim));
    lines.push(Line::styled(
        format!("  aop-wizard status --zone {zone}"),
        theme.code,
    ));
    lines.push(Line::styled(
        format!(
            "  {}",
            crate::tui::same_as::verify(state)
                .iter()
                .map(|a| crate::snippets::shell_word(a))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        theme.code,
    ));
    if !state.files.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled("Files written:", theme.dim));
        for (role, path) in &state.files {
            lines.push(Line::from(vec![
                Span::raw(format!("  {}", path.display())),
                Span::styled(format!("  {role}"), theme.dim),
            ]));
        }
    }
    lines
}
