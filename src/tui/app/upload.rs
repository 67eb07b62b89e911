//! The upload: the client certificate and its key go to Cloudflare (asked first), then it is
//! polled until active.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use crate::cloudflare::UploadedCertificate;
use crate::tui::keys::Binding;
use crate::tui::message::Effect;
use crate::tui::state::Wizard;
use crate::tui::steps::Step;

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

/// The request an upload will send, as a dry run shows it (the key redacted); the certificate
/// is named rather than printed.
pub fn preview(state: &Wizard) -> Vec<String> {
    let (Some(client), Some(zone), Some(scope), Some(ready)) = (
        &state.client,
        &state.zone,
        state.scope.certificate_scope(),
        &state.certificate,
    ) else {
        return Vec::new();
    };
    let certificate = format!(
        "<{}: {}, SHA-256 {}, expires {} ({} days)>",
        ready.files.client_cert.display(),
        ready.subject,
        ready.fingerprint,
        ready.not_after,
        ready.days_left
    );
    crate::ops::preview::upload(client, scope, &zone.id, &certificate).lines()
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
