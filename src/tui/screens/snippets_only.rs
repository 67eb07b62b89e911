use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{field, input_line, snippet};
use crate::snippets::SnippetPhase;
use crate::tui::message::CaSource;
use crate::tui::state::{KEY_TYPES, SnippetCa, SnippetRow, Wizard, server_label};
use crate::tui::steps::Step;
use crate::tui::theme::Theme;

/// Snippets only: the form (server, CA, phase), then the snippet with what goes with it.
pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    if state.step == Step::SnippetReady {
        draw_ready(frame, area, state, theme);
    } else {
        draw_form(frame, area, state, theme);
    }
}

fn phase_label(phase: SnippetPhase) -> &'static str {
    match phase {
        SnippetPhase::Log => "log: ask and log, refuse no one",
        SnippetPhase::Enforce => "enforce: refuse without the certificate",
    }
}

fn draw_form(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(super::all_escaped(form_lines(state, theme))).wrap(Wrap { trim: false }),
        area,
    );
}

/// The form's rows and what the chosen CA means (the viewer shows them too).
pub fn form_lines(state: &Wizard, theme: &Theme) -> Vec<Line<'static>> {
    let rows = state.snippet_rows();
    let focused = |row: SnippetRow| rows.get(state.cursor) == Some(&row);
    let choice = |label: &'static str, row: SnippetRow, value: String| {
        let value = if focused(row) {
            Span::styled(format!("◀ {value} ▶"), theme.selected)
        } else {
            Span::raw(format!("  {value}"))
        };
        Line::from(vec![Span::styled(format!("{label:<15}"), theme.dim), value])
    };
    let mut lines = Vec::new();
    for row in &rows {
        lines.push(match row {
            SnippetRow::Server => choice(
                "Server",
                *row,
                server_label(state.server(), state.server_version),
            ),
            SnippetRow::Ca => choice("CA", *row, state.snippet_ca.label().to_string()),
            SnippetRow::Folder => input_line(
                "  into folder",
                state.out_dir.display(),
                focused(*row),
                theme,
            ),
            SnippetRow::CaFile => {
                input_line("  CA file", state.import_ca.display(), focused(*row), theme)
            }
            SnippetRow::Passphrase => input_line(
                "  CA key pass",
                state.ca_passphrase.display(),
                focused(*row),
                theme,
            ),
            SnippetRow::PassphraseAgain => input_line(
                "  again",
                state.ca_passphrase_again.display(),
                focused(*row),
                theme,
            ),
            SnippetRow::Phase => choice("Phase", *row, phase_label(state.snippet_phase).into()),
        });
    }
    if state.snippet_ca == SnippetCa::Generate {
        lines.push(super::certificate::passphrase_note(state, theme));
    }
    lines.push(Line::from(""));
    let about = match state.snippet_ca {
        SnippetCa::Generate if state.certificate.is_some() => {
            "Enter shows the snippet for the CA made in the folder (another folder makes another).".into()
        }
        SnippetCa::Generate => format!(
            "Enter makes a CA and a client certificate ({}) in the folder; the CA key stays there.",
            KEY_TYPES[state.key_type % KEY_TYPES.len()]
        ),
        SnippetCa::File => {
            "Cloudflare must present a client certificate this CA signed; w copies the file beside the snippet.".into()
        }
        SnippetCa::Cloudflare => {
            "Anyone on Cloudflare can reach your origin with this CA's certificate: prefer your own CA.".into()
        }
    };
    lines.push(Line::styled(about, theme.dim));
    lines
}

fn draw_ready(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let phase = state.snippet_phase;
    let ca_file = match state.ca_source() {
        Ok(CaSource::File(path)) => path.display().to_string(),
        Ok(CaSource::Cloudflare) => "Cloudflare's origin-pull CA (shipped with aop-wizard)".into(),
        Err(e) => e,
    };
    let next: String = match (state.snippet_ca, &state.certificate) {
        (SnippetCa::Generate, Some(_)) => {
            "Next: upload client.crt and client.key from that folder to Cloudflare, then turn AOP on."
                .into()
        }
        (SnippetCa::Cloudflare, _) => {
            "Next: turn global Authenticated Origin Pulls on in the dashboard.".into()
        }
        (SnippetCa::Generate | SnippetCa::File, _) => {
            "Next: Cloudflare must present a client certificate this CA signed.".into()
        }
    };
    let mut head = vec![
        field(
            "Server",
            format!(
                "{} · {} phase",
                server_label(state.server(), state.server_version),
                phase.name()
            ),
            theme,
        ),
        field("CA file", ca_file, theme),
    ];
    head.extend(snippet::path_lines(state, theme));
    head.push(Line::styled(next, theme.dim));
    // Long paths wrap rather than lose their end.
    let head = Paragraph::new(head).wrap(Wrap { trim: false });
    let rows = head.line_count(area.width) as u16;
    let [top, body] = Layout::vertical([Constraint::Length(rows), Constraint::Min(3)]).areas(area);
    frame.render_widget(head, top);
    snippet::draw_snippet(frame, body, state, theme, phase);
}
