//! One file per screen; each draws the body of its step from the state and nothing else.

mod alerts;
mod certificate;
mod enable;
mod enforce;
pub mod rotate;
mod snippet;
mod ssl_mode;
mod summary;
mod token;
pub mod undo;
mod upload;
mod verify;
mod welcome;
mod zone;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::app::Wizard;
use super::steps::{Scope, Step};
use super::theme::Theme;
use crate::snippets::SnippetPhase;

pub fn draw(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    match state.step {
        Step::Welcome => welcome::draw(frame, area, state, theme),
        Step::Rotate => rotate::draw(frame, area, state, theme),
        Step::Undo => undo::draw(frame, area, state, theme),
        Step::Token => token::draw(frame, area, state, theme),
        Step::Zone => zone::draw(frame, area, state, theme),
        Step::SslMode => ssl_mode::draw(frame, area, state, theme),
        Step::Certificate => certificate::draw(frame, area, state, theme),
        Step::Upload => upload::draw(frame, area, state, theme),
        Step::SnippetLog => snippet::draw(frame, area, state, theme, SnippetPhase::Log),
        Step::Enable => enable::draw(frame, area, state, theme),
        Step::VerifyLog => verify::draw(frame, area, state, theme),
        Step::Enforce => enforce::draw(frame, area, state, theme),
        Step::Alerts => alerts::draw(frame, area, state, theme),
        Step::Summary => summary::draw(frame, area, state, theme),
    }
}

/// The aop-wizard command that does what this screen does.
pub fn cli_equivalent(state: &Wizard) -> String {
    let zone = if state.zone_name().is_empty() {
        "ZONE".to_string()
    } else {
        state.zone_name()
    };
    let certificate = state.certificate.as_ref().map(|c| &c.files);
    let cert_args = certificate
        .map(|f| {
            format!(
                " --cert {} --key {}",
                f.client_cert.display(),
                f.client_key.display()
            )
        })
        .unwrap_or_default();
    let hostname = state
        .hostname_choice
        .iter()
        .next()
        .cloned()
        .unwrap_or_else(|| "HOST".into());
    match state.step {
        Step::Welcome | Step::Zone => format!("aop-wizard status --zone {zone}"),
        Step::Token => "aop-wizard auth login  ·  aop-wizard auth status --zone ZONE".into(),
        Step::SslMode => format!("aop-wizard ssl-mode --zone {zone} --set strict"),
        Step::Certificate if state.scope == Scope::Global => {
            "aop-wizard cert global-ca --out DIR".into()
        }
        Step::Certificate => format!(
            "aop-wizard cert generate --out {} --key-type {}",
            state.out_dir.trimmed(),
            super::app::KEY_TYPES[state.key_type].name()
        ),
        Step::Upload => match state.scope {
            Scope::Hostname => {
                format!("aop-wizard upload --zone {zone}{cert_args} --hostname {hostname} --wait")
            }
            _ => format!("aop-wizard upload --zone {zone}{cert_args} --wait"),
        },
        Step::SnippetLog => format!(
            "aop-wizard snippet {} --phase log --ca {}",
            state.server().name(),
            state.ca_path.trimmed()
        ),
        Step::Enable => match state.scope {
            Scope::Hostname => format!(
                "aop-wizard enable --zone {zone} --scope hostname --hostname {hostname} --cert-id {}",
                state.certificate_id.as_deref().unwrap_or("ID")
            ),
            scope => format!(
                "aop-wizard enable --zone {zone} --scope {}",
                scope.cli_name()
            ),
        },
        Step::VerifyLog => format!("{} --expect log-only --via-edge", verify_command(state)),
        Step::Enforce => format!("{} --via-edge", verify_command(state)),
        Step::Alerts | Step::Summary => format!("aop-wizard status --zone {zone}"),
        Step::Rotate => rotate::cli_equivalent(state),
        Step::Undo => undo::cli_equivalent(state),
    }
}

/// `aop-wizard verify` for this zone's origins, hostnames and certificate.
pub fn verify_command(state: &Wizard) -> String {
    let mut command = String::from("aop-wizard verify");
    for origin in state.origins.value.split_whitespace() {
        command.push_str(&format!(" --origin {origin}"));
    }
    for host in state.target_hostnames() {
        command.push_str(&format!(" --host {host}"));
    }
    match (&state.certificate, state.scope) {
        (_, Scope::Global) => command.push_str(" --global"),
        (Some(ready), _) => command.push_str(&format!(
            " --cert {} --key {} --ca {}",
            ready.files.client_cert.display(),
            ready.files.client_key.display(),
            ready.files.ca_cert.display()
        )),
        _ => {}
    }
    command
}

/// `label: value` with the label dimmed.
pub fn field<'a>(label: &'a str, value: impl Into<String>, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<15}"), theme.dim),
        Span::raw(value.into()),
    ])
}

/// A text field, highlighted when it has the keys.
pub fn input_line<'a>(label: &'a str, text: String, focused: bool, theme: &Theme) -> Line<'a> {
    let value = if focused {
        Span::styled(format!("{text}▏"), theme.selected)
    } else {
        Span::raw(text)
    };
    Line::from(vec![Span::styled(format!("{label:<15}"), theme.dim), value])
}
