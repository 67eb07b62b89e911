//! The wizard and files: snippets never replace a different file without a yes, `~` means home
//! in every local path field, an output folder that holds a set gets a choice, and the CA key's
//! passphrase is offered when generating and asked for when rotating. Driven through `update`.

mod support;

use std::path::PathBuf;

use aop_wizard::pki::Passphrase;
use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::update;
use aop_wizard::tui::input::TextInput;
use aop_wizard::tui::message::{CaSource, Effect, ExistingFile, Msg};
use aop_wizard::tui::state::{Field, Wizard};
use aop_wizard::tui::steps::{Scope, Step};
use aop_wizard::tui::theme::Theme;
use aop_wizard::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use support::wizard::*;

fn home() -> PathBuf {
    directories::BaseDirs::new()
        .expect("a home directory")
        .home_dir()
        .to_path_buf()
}

/// The screen as text, wide enough that no sentence wraps.
fn screen(state: &Wizard) -> String {
    let mut terminal = Terminal::new(TestBackend::new(220, 30)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, &Theme::plain()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    buffer
        .content
        .chunks(usize::from(buffer.area.width))
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_effect(effects: &[Effect]) -> (PathBuf, Vec<PathBuf>) {
    match effects {
        [Effect::WriteSnippet { dir, replace, .. }] => (dir.clone(), replace.clone()),
        _ => panic!("expected one snippet write: {effects:?}"),
    }
}

fn old_ca() -> ExistingFile {
    ExistingFile {
        path: PathBuf::from("/srv/aop/origin/ca.crt"),
        holds: "CA certificate CN=example.com origin pull CA 2025-01-01, valid until 2030-01-01"
            .into(),
    }
}

#[test]
fn a_different_file_is_replaced_only_after_a_yes_that_names_it() {
    let mut state = at(Step::SnippetLog);
    let (_, replace) = write_effect(&press(&mut state, KeyCode::Char('w')));
    assert!(replace.is_empty(), "the first write replaces nothing");
    let effects = update(&mut state, Msg::SnippetFilesDiffer(vec![old_ca()]));
    assert!(effects.is_empty(), "nothing is written before the answer");
    let confirm = confirmation(&state).expect("a question before replacing");
    let text = confirm.lines.join("\n");
    assert!(text.contains("/srv/aop/origin/ca.crt"), "{text}");
    assert!(text.contains("CN=example.com origin pull CA"), "{text}");
    assert!(text.contains("the CA in /tmp/aop/ca.crt"), "{text}");

    // Enter is not a yes here; no keeps the file: nothing is written.
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(confirmation(&state).is_some());
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert!(confirmation(&state).is_none());
    assert_eq!(state.step, Step::SnippetLog);

    // Asked again, yes writes with that file, and only that one, agreed to be replaced.
    press(&mut state, KeyCode::Char('w'));
    update(&mut state, Msg::SnippetFilesDiffer(vec![old_ca()]));
    let (_, replace) = write_effect(&press(&mut state, KeyCode::Char('y')));
    assert_eq!(replace, vec![old_ca().path]);
    update(
        &mut state,
        Msg::SnippetWritten(Ok(vec![PathBuf::from("/srv/aop/origin/nginx-log.conf")])),
    );
    assert!(state.notice.as_deref().unwrap_or("").starts_with("Wrote"));
    assert_eq!(state.step, Step::SnippetLog, "w stays on the screen");
}

#[test]
fn global_writes_cloudflares_ca_and_says_so_before_replacing() {
    let mut state = at(Step::SnippetLog);
    state.scope = Scope::Global;
    let effects = press(&mut state, KeyCode::Char('w'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::WriteSnippet {
            ca: CaSource::Cloudflare,
            ..
        }]
    ));
    update(&mut state, Msg::SnippetFilesDiffer(vec![old_ca()]));
    let text = confirmation(&state).unwrap().lines.join("\n");
    assert!(text.contains("Cloudflare's origin-pull CA"), "{text}");
}

#[test]
fn enter_writes_the_log_snippet_once_then_goes_on() {
    let mut state = at(Step::SnippetLog);
    let effects = press(&mut state, KeyCode::Enter);
    write_effect(&effects);
    assert_eq!(state.step, Step::SnippetLog, "still here while writing");
    update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));
    assert_eq!(state.step, Step::Enable, "written, then on to Enable");
    assert!(state.notice.as_deref().unwrap_or("").starts_with("Wrote"));

    // Enable probes the origin on arrival; stopped here, as Esc would.
    update(&mut state, Msg::Cancelled);

    // Back on the screen, the same snippet is not written again by Enter; w still writes.
    state.step = Step::SnippetLog;
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::WriteSnippet { .. })),
        "{effects:?}"
    );
    assert_eq!(state.step, Step::Enable);
    update(&mut state, Msg::Cancelled);
    state.step = Step::SnippetLog;
    write_effect(&press(&mut state, KeyCode::Char('w')));

    // Another server is another snippet: Enter writes it first.
    update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));
    press(&mut state, KeyCode::Down);
    write_effect(&press(&mut state, KeyCode::Enter));
}

#[test]
fn enter_writes_the_enforce_snippet_then_probes() {
    let mut state = at(Step::Enforce);
    // `at` wrote it with w: Enter probes.
    state.snippets_written.clear();
    write_effect(&press(&mut state, KeyCode::Enter));
    let effects = update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));
    assert!(
        matches!(
            effects.first(),
            Some(Effect::Verify {
                phase: SnippetPhase::Enforce,
                ..
            })
        ),
        "{effects:?}"
    );
    assert!(state.busy.is_some(), "probing");
    assert!(state.notice.as_deref().unwrap_or("").starts_with("Wrote"));
}

#[test]
fn a_different_file_stops_enter_until_the_answer() {
    let mut state = at(Step::SnippetLog);
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::SnippetFilesDiffer(vec![old_ca()]));
    assert_eq!(state.step, Step::SnippetLog);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));
    assert_eq!(state.step, Step::Enable, "replaced after yes, then on");
}

#[test]
fn a_tilde_means_home_in_every_local_path_field() {
    let mut state = at(Step::SnippetLog);
    state.snippet_dir = TextInput::new("~/x/origin");
    let (dir, _) = write_effect(&press(&mut state, KeyCode::Char('w')));
    assert_eq!(dir, home().join("x/origin"));

    let mut state = at(Step::Certificate);
    state.certificate = None;
    state.out_dir = TextInput::new("~/certs ");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::GenerateCertificate { dir, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(dir, &home().join("certs"));

    let mut state = at(Step::Certificate);
    state.certificate = None;
    state.generate = false;
    state.import_cert = TextInput::new("~/x/client.crt");
    state.import_key = TextInput::new("~/x/client.key");
    state.import_ca = TextInput::new("~");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::ImportCertificate { cert, key, ca }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(cert, &home().join("x/client.crt"));
    assert_eq!(key, &home().join("x/client.key"));
    assert_eq!(ca.as_ref(), Some(&home()));
    // Only a leading `~` is home; `~user` and the CA path on the origin are left as typed.
    assert_eq!(TextInput::new("~bob/x").path(), PathBuf::from("~bob/x"));
    assert_eq!(TextInput::new("a/~/b").path(), PathBuf::from("a/~/b"));
}

/// The certificate screen before generating, with a folder that already holds a set.
fn refused_generation() -> Wizard {
    let mut state = at(Step::Certificate);
    state.certificate = None;
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::GenerateCertificate { replace: false, .. }]
    ));
    let existing = ["ca.crt", "ca.key", "client.crt", "client.key"].map(|name| ExistingFile {
        path: PathBuf::from("/work/aop-example.com").join(name),
        holds: "something".into(),
    });
    update(&mut state, Msg::CertificateFilesExist(existing.to_vec()));
    state
}

#[test]
fn an_existing_folder_is_replaced_after_a_yes() {
    let mut state = refused_generation();
    let confirm = confirmation(&state).expect("a choice, not a flag");
    let text = confirm.lines.join("\n");
    assert!(!text.contains("--force"), "{text}");
    for name in ["ca.crt", "ca.key", "client.crt", "client.key"] {
        assert!(
            text.contains(&format!("/work/aop-example.com/{name}")),
            "{text}"
        );
    }
    assert!(text.contains("another folder"), "{text}");
    assert!(
        press(&mut state, KeyCode::Enter).is_empty() && confirmation(&state).is_some(),
        "a second Enter does not replace a CA key"
    );
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::GenerateCertificate { replace: true, .. }]
        ),
        "{effects:?}"
    );
    assert!(state.busy.is_some());
}

#[test]
fn an_existing_folder_can_be_changed_in_place() {
    let mut state = refused_generation();
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert_eq!(state.focus, Field::OutDir, "the folder has the keys");
    assert!(!screen(&state).contains("--force"));
    type_text(&mut state, "-2");
    assert_eq!(state.out_dir.value, "./aop-example.com-2");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::GenerateCertificate { dir, replace, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(dir, &PathBuf::from("./aop-example.com-2"));
    assert!(!replace);
}

/// The certificate screen with the passphrase fields filled in.
fn with_passphrase(first: &str, again: &str) -> Wizard {
    let mut state = at(Step::Certificate);
    state.certificate = None;
    for _ in 0..3 {
        press(&mut state, KeyCode::Tab);
    }
    assert_eq!(state.focus, Field::CaPassphrase);
    type_text(&mut state, first);
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Field::CaPassphraseAgain);
    type_text(&mut state, again);
    state
}

#[test]
fn a_passphrase_typed_differently_or_too_short_is_refused() {
    let mut state = with_passphrase("correct horse", "correct horsf");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(
        state.error.as_deref().unwrap_or("").contains("differ"),
        "{:?}",
        state.error
    );
    let mut state = with_passphrase("short", "short");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(
        state
            .error
            .as_deref()
            .unwrap_or("")
            .contains("8 characters"),
        "{:?}",
        state.error
    );
}

#[test]
fn a_passphrase_is_masked_passed_on_and_never_kept() {
    let mut state = with_passphrase("correct horse", "correct horse");
    let shown = screen(&state);
    assert!(!shown.contains("correct horse"), "{shown}");
    assert!(shown.contains("•••••"), "{shown}");
    assert!(!format!("{state:?}").contains("correct horse"));
    let commands = aop_wizard::tui::same_as::commands(&state);
    for command in &commands {
        <aop_wizard::cli::Cli as clap::Parser>::try_parse_from(command).expect("the CLI's own");
    }
    let same_as = commands.concat().join(" ");
    assert!(same_as.contains("--ca-passphrase-env CA_PASS"), "{same_as}");
    assert!(!same_as.contains("correct horse"), "{same_as}");
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::GenerateCertificate {
            ca_passphrase: Some(passphrase),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(passphrase.expose(), b"correct horse");
    assert!(!format!("{effects:?}").contains("correct horse"));
    let mut ready = ready();
    ready.ca_key_encrypted = true;
    update(&mut state, Msg::CertificateReady(Ok(ready)));
    assert!(state.ca_passphrase.value.is_empty() && state.ca_passphrase_again.value.is_empty());
    assert!(screen(&state).contains("encrypted with your passphrase"));
}

#[test]
fn skipping_the_passphrase_states_the_risk() {
    let mut state = at(Step::Certificate);
    state.certificate = None;
    let risk = "the CA key is stored unencrypted: anyone who reads it can sign certificates your origin trusts";
    assert!(screen(&state).contains(risk), "{}", screen(&state));
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::GenerateCertificate {
            ca_passphrase: None,
            ..
        }]
    ));
    update(&mut state, Msg::CertificateReady(Ok(ready())));
    assert!(screen(&state).contains(risk), "said again with the files");
}

#[test]
fn rotating_with_an_encrypted_ca_key_asks_for_its_passphrase() {
    let mut state = at(Step::Rotate);
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::PlanRotation { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(request.ca_passphrase.is_none());
    update(
        &mut state,
        Msg::CaPassphraseNeeded {
            key: PathBuf::from("/tmp/aop/ca.key"),
            wrong: false,
        },
    );
    assert!(state.error.is_none());
    let shown = screen(&state);
    assert!(
        shown.contains("The CA key is encrypted: type its passphrase"),
        "{shown}"
    );
    assert!(
        shown.contains("/tmp/aop/ca.key"),
        "the key file is named: {shown}"
    );
    assert!(shown.contains("CA passphrase"), "{shown}");
    type_text(&mut state, "wrong one");
    assert!(!screen(&state).contains("wrong one"), "masked");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::PlanRotation { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        request.ca_passphrase.as_ref().map(Passphrase::expose),
        Some(&b"wrong one"[..])
    );

    update(
        &mut state,
        Msg::CaPassphraseNeeded {
            key: PathBuf::from("/tmp/aop/ca.key"),
            wrong: true,
        },
    );
    assert_eq!(
        state.error.as_deref(),
        Some("That passphrase does not open the CA key: type it again.")
    );
    assert!(
        state.rotation.ca_passphrase.value.is_empty(),
        "typed afresh"
    );
    assert!(
        press(&mut state, KeyCode::Enter).is_empty(),
        "an empty passphrase is not sent"
    );
    type_text(&mut state, "the right one");
    press(&mut state, KeyCode::Enter);
    let mut plan = planned_rotation();
    plan.ca_passphrase = Some(Passphrase::new("the right one"));
    update(&mut state, Msg::RotationPlanned(Ok(Box::new(plan))));
    assert!(state.rotation.ca_key_asked.is_none());
    assert!(state.notice.is_none(), "the prompt is done with");
    let same_as = aop_wizard::tui::same_as::line(&state);
    assert!(same_as.contains("--ca-passphrase-env CA_PASS"), "{same_as}");
    assert!(state.rotation.ca_passphrase.value.is_empty());
    assert!(!format!("{state:?}").contains("the right one"));
    // Carrying out signs with it.
    press(&mut state, KeyCode::Enter);
    let effects = press(&mut state, KeyCode::Char('y'));
    let [Effect::CarryOutRotation { rotation, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        rotation.ca_passphrase.as_ref().map(Passphrase::expose),
        Some(&b"the right one"[..])
    );
}
