//! The certificate: generated here (a new CA and a client certificate) or imported and checked;
//! global AOP uses Cloudflare's and has nothing to choose.

use std::path::PathBuf;

use ratatui::crossterm::event::KeyCode;

use crate::tui::input::TextInput;
use crate::tui::keys::{Binding, Keys};
use crate::tui::message::{CertificateReady, Effect};
use crate::tui::state::{Field, KEY_TYPES, Wizard};
use crate::tui::steps::Step;

/// The generated files go next to where the wizard runs, named after the zone.
pub fn enter(state: &mut Wizard) {
    if state.out_dir.value.is_empty() {
        state.out_dir = TextInput::new(format!("./aop-{}", state.zone_name()));
    }
}

pub fn bindings(state: &Wizard) -> Vec<Binding> {
    let next = || {
        Binding::new("Enter", "continue", [KeyCode::Enter], |state, _| {
            state.finish(Step::Certificate);
            Vec::new()
        })
    };
    if !state.scope.uses_own_certificate() {
        return vec![next()];
    }
    if state.certificate.is_some() {
        return vec![
            next(),
            Binding::new("n", "make another", [KeyCode::Char('n')], |state, _| {
                state.certificate = None;
                state.done.remove(&Step::Certificate);
                Vec::new()
            }),
        ];
    }
    let mut bindings = vec![Binding::new(
        "↑↓/Tab",
        "field",
        [KeyCode::Tab, KeyCode::Down, KeyCode::Up],
        |state, key| {
            let fields = fields(state.generate);
            let index = fields.iter().position(|f| *f == state.focus).unwrap_or(0);
            let step = if key.code == KeyCode::Up {
                fields.len() - 1
            } else {
                1
            };
            state.focus = fields[(index + step) % fields.len()];
            Vec::new()
        },
    )];
    let change = [KeyCode::Left, KeyCode::Right, KeyCode::Char(' ')];
    bindings.push(match state.focus {
        Field::Mode => Binding::new("←→", "change", change, |state, _| {
            state.generate = !state.generate;
            Vec::new()
        }),
        Field::KeyType => Binding::new("←→", "change", change, |state, key| {
            let step = if key.code == KeyCode::Left {
                KEY_TYPES.len() - 1
            } else {
                1
            };
            state.key_type = (state.key_type + step) % KEY_TYPES.len();
            Vec::new()
        }),
        _ => Binding::with_keys("type", "path", Keys::Text, |state, key| {
            if let Some(input) = path_input(state) {
                input.handle(key);
            }
            Vec::new()
        }),
    });
    bindings.push(Binding::new("Enter", "go", [KeyCode::Enter], |state, _| {
        if state.generate {
            generate(state)
        } else {
            import(state)
        }
    }));
    bindings
}

fn fields(generate: bool) -> &'static [Field] {
    if generate {
        &[Field::Mode, Field::KeyType, Field::OutDir]
    } else {
        &[
            Field::Mode,
            Field::ImportCert,
            Field::ImportKey,
            Field::ImportCa,
        ]
    }
}

/// The path field that has the keys.
fn path_input(state: &mut Wizard) -> Option<&mut TextInput> {
    match state.focus {
        Field::OutDir => Some(&mut state.out_dir),
        Field::ImportCert => Some(&mut state.import_cert),
        Field::ImportKey => Some(&mut state.import_key),
        Field::ImportCa => Some(&mut state.import_ca),
        Field::Mode | Field::KeyType | Field::CaPathOnOrigin | Field::SnippetDir => None,
    }
}

pub(super) fn generate(state: &mut Wizard) -> Vec<Effect> {
    let key_type = KEY_TYPES[state.key_type];
    let dir = state.out_dir.trimmed().to_string();
    if dir.is_empty() {
        state.error = Some("Type the directory to save the files in.".into());
        return Vec::new();
    }
    state.start(
        if key_type.is_rsa() {
            format!("Generating two {key_type} keys (this takes a few seconds)")
        } else {
            format!("Generating two {key_type} keys")
        },
        false,
    );
    vec![Effect::GenerateCertificate {
        key_type,
        dir: PathBuf::from(dir),
        zone: state.zone_name(),
    }]
}

fn import(state: &mut Wizard) -> Vec<Effect> {
    let path = |input: &TextInput| {
        Some(input.trimmed())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    };
    let (Some(cert), Some(key)) = (path(&state.import_cert), path(&state.import_key)) else {
        state.error = Some("Type the paths of the client certificate and its key.".into());
        return Vec::new();
    };
    state.start("Checking the certificate", false);
    vec![Effect::ImportCertificate {
        cert,
        key,
        ca: path(&state.import_ca),
    }]
}

pub fn ready(state: &mut Wizard, ready: CertificateReady) -> Vec<Effect> {
    if ready.generated {
        state.files.retain(|(_, p)| {
            !p.starts_with(ready.files.ca_cert.parent().unwrap_or(&ready.files.ca_cert))
        });
        state.files.extend([
            (
                "CA certificate (goes on the origin)".to_string(),
                ready.files.ca_cert.clone(),
            ),
            (
                "CA private key (never leaves this machine)".to_string(),
                ready.files.ca_key.clone(),
            ),
            (
                "client certificate (uploaded to Cloudflare)".to_string(),
                ready.files.client_cert.clone(),
            ),
            (
                "client private key (uploaded to Cloudflare)".to_string(),
                ready.files.client_key.clone(),
            ),
        ]);
    }
    state.certificate = Some(ready);
    state.certificate_id = None;
    state.done.insert(Step::Certificate);
    state.save()
}
