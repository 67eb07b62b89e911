//! The "Same as:" line: the aop-wizard commands that do what the screen does, built from the
//! operation the screen performs, as argument lists (a test parses each with the CLI's own
//! definition), shown shell-quoted.

use super::state::{KEY_TYPES, SnippetCa, Wizard};
use super::steps::{Scope, Step};
use crate::snippets::SnippetPhase;
use crate::tui::input::TextInput;

/// Each command as its arguments, `aop-wizard` first.
pub fn commands(state: &Wizard) -> Vec<Vec<String>> {
    let zone = if state.zone_name().is_empty() {
        "ZONE".to_string()
    } else {
        state.zone_name()
    };
    let files = state.certificate.as_ref().map(|c| &c.files);
    let path = |p: &std::path::Path| p.display().to_string();
    match state.step {
        Step::Welcome | Step::Zone | Step::Summary => vec![command(&["status", "--zone", &zone])],
        Step::Token => vec![
            command(&["auth", "login"]),
            command(&["auth", "status", "--zone", &zone]),
        ],
        Step::SslMode => match &state.ssl_mode {
            Some(mode) if !mode.supports_aop() => {
                vec![command(&["ssl-mode", "--zone", &zone, "--set", "full"])]
            }
            _ => vec![command(&["ssl-mode", "--zone", &zone])],
        },
        Step::Certificate if state.scope == Scope::Global => {
            vec![command(&["cert", "global-ca", "--out", "DIR"])]
        }
        Step::Certificate if state.generate => {
            vec![generate(state)]
        }
        Step::Certificate => vec![command(&[
            "cert",
            "check",
            "--cert",
            &typed_path(&state.import_cert, "CERT"),
            "--key",
            &typed_path(&state.import_key, "KEY"),
            "--ca",
            &typed_path(&state.import_ca, "CA"),
        ])],
        Step::Upload => {
            let (cert, key) = files.map_or(("CERT".into(), "KEY".into()), |f| {
                (path(&f.client_cert), path(&f.client_key))
            });
            let mut upload = command(&["upload", "--zone", &zone, "--cert", &cert, "--key", &key]);
            let hostnames = hostnames_or_placeholder(state);
            if state.scope == Scope::Hostname {
                // `upload --hostname` takes one hostname and associates it, as Enable does.
                upload.extend(["--hostname".to_string(), hostnames[0].clone()]);
            }
            upload.push("--wait".into());
            if state.scope == Scope::Hostname && hostnames.len() > 1 {
                // The others are associated by `enable`, which names every one.
                return vec![upload, enable(state, &zone)];
            }
            vec![upload]
        }
        Step::SnippetLog => vec![snippet(state, SnippetPhase::Log)],
        Step::Enable => {
            let mut origin_asks = verify(state);
            origin_asks.extend(["--expect", "log-only"].map(String::from));
            vec![origin_asks, enable(state, &zone)]
        }
        Step::VerifyLog => {
            let mut verify = verify(state);
            verify.extend(["--expect", "log-only"].map(String::from));
            verify.extend(via_edge(state));
            let mut commands = vec![verify];
            commands.extend(doctor(state));
            // Once the screen read the access log (or tried): the command that reads it.
            if state.evidence.is_some() {
                commands.extend(evidence(state));
            }
            commands
        }
        Step::Enforce => {
            let mut verify = verify(state);
            verify.extend(via_edge(state));
            vec![snippet(state, SnippetPhase::Enforce), verify]
        }
        Step::Alerts => vec![command(&[
            "alerts",
            "create",
            "--zone",
            &zone,
            "--email",
            or_placeholder(state.email.trimmed(), "EMAIL"),
        ])],
        Step::Rotate => vec![rotate(state)],
        Step::Undo => vec![undo(state)],
        Step::SnippetChoice | Step::SnippetReady => {
            let mut commands = Vec::new();
            if state.snippet_ca == SnippetCa::Generate {
                commands.push(generate(state));
            }
            commands.push(snippet(state, state.snippet_phase));
            commands
        }
    }
}

/// Through Cloudflare too: the hostnames probed, and every other proxied one (each must still be
/// served), as the wizard's own check requests them.
fn via_edge(state: &Wizard) -> Vec<String> {
    let mut args = vec!["--via-edge".to_string()];
    // The demo's edge is the fake's, on loopback: the command asks it, as the screen does.
    if state.demo_origin.is_some() {
        args.extend(["--edge-url".to_string(), state.edge_url()]);
    }
    for hostname in state.uncertified_hostnames() {
        args.extend(["--edge-host".to_string(), hostname]);
    }
    args
}

/// `aop-wizard evidence` for the access log as the log screen reads it (in the demo, with the
/// demo edge's address for Cloudflare's); `None` for a server whose log it cannot read.
pub fn evidence(state: &Wizard) -> Option<Vec<String>> {
    let prefilled = state.access_log()?;
    let log = if state.log_path.trimmed().is_empty() {
        prefilled
    } else {
        state.log_path.path().display().to_string()
    };
    let mut args = command(&[
        "evidence",
        "--server",
        state.log_server().name(),
        "--log",
        &log,
        "--since",
        crate::tui::app::EVIDENCE_SINCE_ARG,
    ]);
    for range in crate::tui::app::demo_edge_ranges(state).unwrap_or_default() {
        args.extend(["--edge-range".to_string(), range]);
    }
    Some(args)
}

/// `aop-wizard` with `args`.
fn command(args: &[&str]) -> Vec<String> {
    std::iter::once("aop-wizard")
        .chain(args.iter().copied())
        .map(String::from)
        .collect()
}

/// `aop-wizard cert generate` as the screen would generate: named after the zone when there is
/// one (snippets only has none), the CA key encrypted when a passphrase was typed.
fn generate(state: &Wizard) -> Vec<String> {
    let mut generate = command(&[
        "cert",
        "generate",
        "--out",
        &typed_path(&state.out_dir, "DIR"),
        "--key-type",
        KEY_TYPES[state.key_type % KEY_TYPES.len()].name(),
    ]);
    if !state.zone_name().is_empty() {
        generate.extend(["--zone".to_string(), state.zone_name()]);
    }
    // Typed on the screen, or already used (the fields are cleared once the key is written).
    let encrypted = !state.ca_passphrase.value.is_empty()
        || state
            .certificate
            .as_ref()
            .is_some_and(|ready| ready.generated && ready.ca_key_encrypted);
    if encrypted {
        // The CLI reads the passphrase from a variable, never from its arguments.
        generate.extend(["--ca-passphrase-env".into(), "CA_PASS".into()]);
    }
    generate
}

/// `aop-wizard enable` for the scope; per hostname, with every hostname picked.
fn enable(state: &Wizard, zone: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "aop-wizard",
        "enable",
        "--zone",
        zone,
        "--scope",
        state.scope.cli_name(),
    ]
    .map(String::from)
    .to_vec();
    if state.scope == Scope::Hostname {
        for hostname in hostnames_or_placeholder(state) {
            args.extend(["--hostname".to_string(), hostname]);
        }
        args.extend([
            "--cert-id".to_string(),
            state.certificate_id.clone().unwrap_or_else(|| "ID".into()),
        ]);
    }
    args
}

/// The hostnames the screen works on; a placeholder until there are some.
fn hostnames_or_placeholder(state: &Wizard) -> Vec<String> {
    let hostnames = state.target_hostnames();
    if hostnames.is_empty() {
        vec!["HOST".into()]
    } else {
        hostnames
    }
}

fn or_placeholder<'a>(value: &'a str, placeholder: &'a str) -> &'a str {
    if value.is_empty() { placeholder } else { value }
}

/// A path field as the wizard reads it (`~` expanded: quoted, the shell would not).
fn typed_path(input: &TextInput, placeholder: &str) -> String {
    if input.trimmed().is_empty() {
        placeholder.to_string()
    } else {
        input.path().display().to_string()
    }
}

/// The commands as one line, each argument quoted for a POSIX shell when it needs it.
pub fn line(state: &Wizard) -> String {
    commands(state)
        .iter()
        .map(|args| {
            args.iter()
                .map(|a| crate::snippets::shell_word(a))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("  ·  ")
}

fn snippet(state: &Wizard, phase: SnippetPhase) -> Vec<String> {
    let mut args: Vec<String> = [
        "aop-wizard",
        "snippet",
        state.server().name(),
        "--phase",
        phase.name(),
    ]
    .map(String::from)
    .to_vec();
    if let Some(version) = state.server_version {
        args.extend(["--server-version".to_string(), version.to_string()]);
    }
    if state.scope == Scope::Global {
        args.extend(["--global".to_string(), "--global-ca-path".to_string()]);
    } else {
        args.push("--ca".into());
    }
    args.push(state.ca_path.trimmed().to_string());
    args
}

/// `aop-wizard verify` for this zone's origins, hostnames and certificate.
pub fn verify(state: &Wizard) -> Vec<String> {
    let mut args = vec!["aop-wizard".to_string(), "verify".to_string()];
    let origins = state.origin_words();
    for origin in if origins.is_empty() {
        vec!["ORIGIN"]
    } else {
        origins
    } {
        args.extend(["--origin".to_string(), origin.to_string()]);
    }
    for host in hostnames_or_placeholder(state) {
        args.extend(["--host".to_string(), host]);
    }
    match (&state.certificate, state.scope) {
        (_, Scope::Global) => args.push("--global".into()),
        (Some(ready), _) => {
            for (flag, path) in [
                ("--cert", &ready.files.client_cert),
                ("--key", &ready.files.client_key),
                ("--ca", &ready.files.ca_cert),
            ] {
                args.extend([flag.to_string(), path.display().to_string()]);
            }
        }
        _ => {}
    }
    args
}

fn rotate(state: &Wizard) -> Vec<String> {
    let mut args: Vec<String> = ["aop-wizard", "rotate", "--zone"]
        .map(String::from)
        .to_vec();
    args.push(state.zone_name());
    if let Some(hostname) = state.hostname_choice.iter().next()
        && state.scope == Scope::Hostname
    {
        args.extend(["--hostname".to_string(), hostname.clone()]);
    }
    if let Some(plan) = &state.rotation.plan {
        if plan.new_ca {
            args.push("--new-ca".into());
        }
        if let Some(ca) = plan.old_ca_cert.as_ref().filter(|_| !plan.new_ca) {
            args.extend([
                "--ca-cert".to_string(),
                ca.display().to_string(),
                "--ca-key".to_string(),
                plan.ca_key.display().to_string(),
            ]);
            if plan.ca_passphrase.is_some() {
                args.extend(["--ca-passphrase-env".to_string(), "CA_PASS".to_string()]);
            }
        }
        // What the plan's origin check holds, so that the command checks the same origin.
        let check = &plan.origin;
        for origin in &check.addresses {
            args.extend(["--origin".to_string(), origin.to_string()]);
        }
        if !check.addresses.is_empty() {
            for host in &check.hostnames {
                args.extend(["--host".to_string(), host.clone()]);
            }
        }
        args.extend(["--server".to_string(), check.server.name().to_string()]);
        if let Some(version) = check.server_version {
            args.extend(["--server-version".to_string(), version.to_string()]);
        }
        args.extend(["--origin-ca-path".to_string(), check.ca_path.clone()]);
        if state.demo_origin.is_some() {
            args.extend(["--edge-url".to_string(), check.edge_url.clone()]);
        }
    }
    args
}

fn undo(state: &Wizard) -> Vec<String> {
    let mut args: Vec<String> = ["aop-wizard", "undo", "--zone"].map(String::from).to_vec();
    args.push(state.zone_name());
    for origin in state.origin_words() {
        args.extend(["--origin".to_string(), origin.to_string()]);
    }
    if state.undo.delete_certificates {
        args.push("--delete-certificates".into());
    }
    args
}

/// `aop-wizard doctor` as the log screen last ran it, once it did.
fn doctor(state: &Wizard) -> Option<Vec<String>> {
    let request = &state.doctor.as_ref()?.request;
    let mut args = command(&["doctor", "--zone", &request.zone]);
    for hostname in &request.hostnames {
        args.extend(["--hostname".to_string(), hostname.clone()]);
    }
    for origin in &request.origins {
        args.extend(["--origin".to_string(), origin.to_string()]);
    }
    Some(args)
}
