//! The certificate: generated here (a new CA and a client certificate) or imported and checked;
//! global AOP uses Cloudflare's and has nothing to choose.

use ratatui::crossterm::event::KeyCode;

use crate::pki::{Passphrase, PassphraseProblem};
use crate::tui::input::TextInput;
use crate::tui::keys::{Binding, Keys};
use crate::tui::message::{CertificateReady, Effect, ExistingFile};
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
        Field::CaPassphrase | Field::CaPassphraseAgain => {
            Binding::with_keys("type", "passphrase", Keys::Text, type_into)
        }
        _ => Binding::with_keys("type", "path", Keys::Text, type_into),
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

fn type_into(state: &mut Wizard, key: ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
    if let Some(input) = focused_input(state) {
        input.handle(key);
    }
    Vec::new()
}

fn fields(generate: bool) -> &'static [Field] {
    if generate {
        &[
            Field::Mode,
            Field::KeyType,
            Field::OutDir,
            Field::CaPassphrase,
            Field::CaPassphraseAgain,
        ]
    } else {
        &[
            Field::Mode,
            Field::ImportCert,
            Field::ImportKey,
            Field::ImportCa,
        ]
    }
}

/// The text field that has the keys.
fn focused_input(state: &mut Wizard) -> Option<&mut TextInput> {
    match state.focus {
        Field::OutDir => Some(&mut state.out_dir),
        Field::ImportCert => Some(&mut state.import_cert),
        Field::ImportKey => Some(&mut state.import_key),
        Field::ImportCa => Some(&mut state.import_ca),
        Field::CaPassphrase => Some(&mut state.ca_passphrase),
        Field::CaPassphraseAgain => Some(&mut state.ca_passphrase_again),
        Field::Mode
        | Field::KeyType
        | Field::CaPathOnOrigin
        | Field::SnippetDir
        | Field::LogPath => None,
    }
}

/// What an unencrypted CA key means, said wherever one is written.
pub const UNENCRYPTED_RISK: &str = "the CA key is stored unencrypted: anyone who reads it can sign certificates your origin trusts";

/// The CA key's passphrase as typed twice: `None` when both fields are empty (skipped).
fn chosen_passphrase(state: &Wizard) -> Result<Option<Passphrase>, String> {
    let (first, again) = (&state.ca_passphrase.value, &state.ca_passphrase_again.value);
    if first.is_empty() && again.is_empty() {
        return Ok(None);
    }
    Passphrase::chosen(first, again)
        .map(Some)
        .map_err(|problem| match problem {
            PassphraseProblem::Mismatch => {
                "The passphrases differ: type both again, or empty both (Ctrl-U) to skip.".into()
            }
            PassphraseProblem::TooShort { min } => format!(
                "Passphrase under {min} characters: type a longer one twice, or none to skip."
            ),
        })
}

pub(super) fn generate(state: &mut Wizard) -> Vec<Effect> {
    let effect = match generate_effect(state, false) {
        Ok(effect) => effect,
        Err(problem) => {
            state.error = Some(problem);
            return Vec::new();
        }
    };
    state.start(generating_label(state), false);
    vec![effect]
}

fn generating_label(state: &Wizard) -> String {
    let key_type = KEY_TYPES[state.key_type];
    let encrypting = !state.ca_passphrase.value.is_empty();
    match (key_type.is_rsa(), encrypting) {
        (false, false) => format!("Generating two {key_type} keys"),
        (true, false) => format!("Generating two {key_type} keys (this takes a few seconds)"),
        (_, true) => format!(
            "Generating two {key_type} keys, encrypting the CA key (this takes a few seconds)"
        ),
    }
}

/// The generation asked for on screen; `replace` a set already in the folder.
fn generate_effect(state: &Wizard, replace: bool) -> Result<Effect, String> {
    if state.out_dir.trimmed().is_empty() {
        return Err("Type the directory to save the files in.".into());
    }
    Ok(Effect::GenerateCertificate {
        key_type: KEY_TYPES[state.key_type],
        dir: state.out_dir.path(),
        zone: state.zone_name(),
        ca_passphrase: chosen_passphrase(state)?,
        replace,
    })
}

/// The folder already holds a set: type another folder (the field has the keys), or replace
/// it after saying yes to a question that names what would be lost.
pub fn files_exist(state: &mut Wizard, existing: Vec<ExistingFile>) -> Vec<Effect> {
    state.focus = Field::OutDir;
    let dir = state.out_dir.trimmed().to_string();
    state.error =
        Some("That folder holds a set already: type another one (Enter asks again).".into());
    let Ok(effect) = generate_effect(state, true) else {
        return Vec::new();
    };
    let mut lines = vec![format!("{dir} already holds:")];
    lines.extend(
        existing
            .iter()
            .map(|file| format!("  • {}: {}", file.path.display(), file.holds)),
    );
    lines.push(
        "Replacing loses the old CA key for good: an origin trusting the old CA must be given the new one."
            .into(),
    );
    lines.push("n keeps them: type another folder.".into());
    let label = generating_label(state);
    state.ask_before_replacing("Replace the files?", lines, vec![effect], Some(&label));
    Vec::new()
}

fn import(state: &mut Wizard) -> Vec<Effect> {
    let path = |input: &TextInput| Some(input.path()).filter(|p| !p.as_os_str().is_empty());
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
    // Not kept a moment longer than needed.
    state.ca_passphrase = TextInput::masked();
    state.ca_passphrase_again = TextInput::masked();
    state.certificate = Some(ready);
    state.certificate_id = None;
    state.done.insert(Step::Certificate);
    state.save()
}
