//! The upload: the client certificate and its key go to Cloudflare (asked first), then it is
//! polled until active.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::cloudflare::UploadedCertificate;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::Wizard;
use crate::tui::steps::{Scope, Step};

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    vec![if state.certificate_id.is_some() {
        Binding::new("Enter", "continue", [KeyCode::Enter], |state, _| {
            state.finish(Step::Upload);
            Vec::new()
        })
    } else {
        Binding::new("Enter", "upload…", [KeyCode::Enter], ask_to_upload)
    }]
}

fn ask_to_upload(state: &mut Wizard, _: KeyEvent) -> Vec<Effect> {
    let (Some(client), Some(zone), Some(ready)) = (
        state.client.clone(),
        state.zone.clone(),
        state.certificate.clone(),
    ) else {
        state.error = Some("Make or import a certificate first (go back with Esc).".into());
        return Vec::new();
    };
    let mut lines = preview(state);
    lines.push("It is then polled until Cloudflare reports it active.".into());
    state.ask(
        "Upload the client certificate and its key to Cloudflare?",
        lines,
        vec![Effect::Upload {
            client,
            zone_id: zone.id,
            scope: state.scope,
            files: ready.files,
        }],
        Some("Uploading"),
    );
    Vec::new()
}

/// The request an upload will send, with the key redacted.
pub fn preview(state: &Wizard) -> Vec<String> {
    let zone_id = state
        .zone
        .as_ref()
        .map(|z| z.id.as_str())
        .unwrap_or("ZONE_ID");
    let endpoint = match state.scope {
        Scope::Hostname => "origin_tls_client_auth/hostnames/certificates",
        _ => "origin_tls_client_auth",
    };
    let mut lines = vec![format!(
        "POST {}/zones/{zone_id}/{endpoint}",
        state.base_url
    )];
    if let Some(ready) = &state.certificate {
        lines.push(format!(
            "  certificate: {} ({})",
            ready.files.client_cert.display(),
            ready.subject
        ));
        lines.push(format!("    SHA-256 {}", ready.fingerprint));
        lines.push(format!(
            "    expires {} ({} days)",
            ready.not_after, ready.days_left
        ));
        lines.push(format!(
            "  private_key: {} (sent, never shown)",
            ready.files.client_key.display()
        ));
    }
    lines
}

/// Still working: the spinner goes on with the new status.
pub fn status(state: &mut Wizard, status: String) -> Vec<Effect> {
    if let Some(busy) = &mut state.busy {
        busy.label = format!("Waiting for Cloudflare to deploy it: {status}");
    }
    state.upload_status = Some(status);
    Vec::new()
}

pub fn uploaded(state: &mut Wizard, certificate: UploadedCertificate) -> Vec<Effect> {
    state.upload_status = certificate.status.as_ref().map(|s| s.as_str().to_string());
    state.certificate_id = Some(certificate.id);
    state.done.insert(Step::Upload);
    state.notice = Some("Uploaded and active.".into());
    state.save()
}
