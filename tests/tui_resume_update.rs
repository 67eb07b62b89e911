//! Resuming a saved set-up, through `update`: the stored token and the saved zone are used
//! without a key, the set-up is checked again (nothing saved taken on trust), what still holds is
//! restored and the wizard lands on the first stage that is not done, saying what changed.

mod support;

use aop_wizard::cloudflare::{PermissionCheck, SslMode};
use aop_wizard::setup::Stage;
use aop_wizard::setup::progress::Progress;
use aop_wizard::tui::app::update;
use aop_wizard::tui::message::{Effect, Msg};
use aop_wizard::tui::state::{TokenState, Wizard};
use aop_wizard::tui::steps::{Step, Task};
use aop_wizard::tui::theme::Theme;
use aop_wizard::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use support::wizard::*;

fn screen(state: &Wizard, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, &Theme::plain()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

#[test]
fn the_cursor_starts_on_the_saved_set_up() {
    let state = wizard_with(saved_set_up(&[Stage::SslModeReady]));
    assert_eq!(state.cursor, 0);
    assert!(screen(&state, 100, 30).contains("▶ Resume example.com"));
}

#[test]
fn nothing_saved_is_taken_on_trust_until_it_is_checked_again() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
    ]));
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Token);
    assert!(state.resumed);
    assert_eq!(state.certificate_id, None, "not before the re-check");
    assert!(!state.done.contains(&Step::Upload));
    assert!(!state.done.contains(&Step::SslMode));
    assert!(
        !state.generate,
        "the saved certificate is offered for import, not made again"
    );
    assert_eq!(state.import_key.value, "/tmp/aop/client.key");
}

#[test]
fn with_a_stored_token_the_saved_zone_is_checked_again_without_a_key() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
    ]));
    let effects = resume_to_permissions(&mut state, all_granted());
    let [Effect::Recheck { progress, .. }] = effects.as_slice() else {
        panic!("the re-check starts by itself: {effects:?}")
    };
    assert_eq!(progress.zone, "example.com");
    assert_eq!(state.zone_name(), "example.com", "no zone picker");
    assert!(state.busy.is_some(), "a spinner while Cloudflare is read");
}

#[test]
fn after_the_re_check_the_wizard_is_on_the_first_stage_not_done_with_what_still_holds() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
    ]));
    resume_to_permissions(&mut state, all_granted());
    rechecked(
        &mut state,
        recheck(
            &[Stage::SslModeReady, Stage::CertificateReady, Stage::Active],
            &[],
            &[],
        ),
    );
    assert_eq!(state.step, Step::SnippetLog);
    assert_eq!(state.certificate_id.as_deref(), Some(SAVED_ID));
    assert!(state.certificate.is_some());
    assert_eq!(state.ssl_mode, Some(SslMode::Full));
    assert_eq!(state.origins.value, "203.0.113.10");
    for step in [Step::SslMode, Step::Certificate, Step::Upload] {
        assert!(state.done.contains(&step), "{step:?} done");
    }
    let notes = state.resume_notes.clone().unwrap();
    assert!(
        notes[0].contains("everything saved still holds") && notes[0].contains("Origin: log"),
        "{notes:?}"
    );
    assert_eq!(
        state.snippet_dir.value, "/tmp/aop/origin",
        "the snippet screen was entered in passing: beside the generated set"
    );
    // The box goes with the first step away (Enter writes the snippet, then goes on).
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));
    assert_eq!(state.step, Step::Enable);
    assert!(state.resume_notes.is_none());
}

#[test]
fn a_certificate_gone_is_said_on_the_upload_screen_and_uploaded_again() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
        Stage::LogSnippetWritten,
        Stage::Enabled,
    ]));
    resume_to_permissions(&mut state, all_granted());
    rechecked(
        &mut state,
        recheck(
            &[
                Stage::SslModeReady,
                Stage::CertificateReady,
                Stage::LogSnippetWritten,
            ],
            &[],
            &["The certificate 2458ce5a… is gone from Cloudflare: it is uploaded again."],
        ),
    );
    assert_eq!(state.step, Step::Upload);
    assert_eq!(state.certificate_id, None);
    assert!(!state.enabled);
    let text = screen(&state, 100, 30);
    assert!(text.contains("Checked again since you stopped"), "{text}");
    assert!(text.contains("2458ce5a… is gone from Cloudflare"), "{text}");
    press(&mut state, KeyCode::Enter);
    assert!(
        confirmation(&state).is_some_and(|c| c.title.contains("Upload")),
        "Enter uploads again (asked first), it does not skip"
    );
}

#[test]
fn an_origin_proof_is_made_again_on_its_own_screen() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
        Stage::LogSnippetWritten,
        Stage::Enabled,
        Stage::ServedWhileLogging,
    ]));
    resume_to_permissions(&mut state, all_granted());
    let effects = rechecked(
        &mut state,
        recheck(
            &[
                Stage::SslModeReady,
                Stage::CertificateReady,
                Stage::Active,
                Stage::LogSnippetWritten,
                Stage::Enabled,
            ],
            &[Stage::ServedWhileLogging],
            &[],
        ),
    );
    assert_eq!(state.step, Step::VerifyLog);
    assert!(state.enabled);
    let notes = state.resume_notes.clone().unwrap().join("\n");
    assert!(
        notes.contains("probed again here: served through Cloudflare (log phase)"),
        "{notes}"
    );
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Verify {
                through_edge: true,
                ..
            }]
        ),
        "landing on the screen probes: {effects:?}"
    );
}

#[test]
fn the_notes_wrap_at_80_columns() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
    ]));
    resume_to_permissions(&mut state, all_granted());
    rechecked(
        &mut state,
        recheck(
            &[Stage::CertificateReady],
            &[],
            &["The SSL/TLS mode is now Flexible: AOP needs Full or Full (strict)."],
        ),
    );
    assert_eq!(state.step, Step::SslMode);
    let text = screen(&state, 80, 24);
    assert!(text.contains("now Flexible: AOP needs Full or"), "{text}");
    assert!(
        text.contains("│Full (strict).  "),
        "wrapped, not cut: {text}"
    );
}

#[test]
fn a_missing_permission_keeps_the_token_screen_and_enter_goes_on() {
    let mut state = wizard_with(saved_set_up(&[Stage::SslModeReady]));
    let missing = vec![PermissionCheck {
        permission: "Zone → Zone → Read",
        granted: Some(false),
    }];
    assert!(resume_to_permissions(&mut state, missing).is_empty());
    assert_eq!(state.step, Step::Token);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Recheck { .. }]),
        "{effects:?}"
    );
}

#[test]
fn without_a_stored_token_it_is_asked_for_then_the_set_up_goes_on() {
    let mut state = wizard_with(saved_set_up(&[Stage::SslModeReady]));
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::TokenChecked(Err(
            "No token in CLOUDFLARE_API_TOKEN or the OS keyring.".into()
        )),
    );
    assert!(matches!(state.token_state, TokenState::NeedInput { .. }));
    type_text(&mut state, "typed-token-000000000000000000000000");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::VerifyToken(Some(_))]));
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("typed in", true))),
    );
    update(&mut state, Msg::Zones(Ok(vec![zone("example.com")])));
    let effects = update(&mut state, Msg::Permissions(all_granted()));
    assert!(
        matches!(effects.as_slice(), [Effect::Recheck { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_saved_zone_the_token_does_not_see_is_said_and_enter_picks_a_zone() {
    let mut state = wizard_with(Progress {
        zone: "example.net".into(),
        ..saved_set_up(&[Stage::SslModeReady])
    });
    assert!(resume_to_permissions(&mut state, all_granted()).is_empty());
    assert!(
        state
            .error
            .as_deref()
            .is_some_and(|e| e.contains("does not see example.net")),
        "{:?}",
        state.error
    );
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Zone);
}

#[test]
fn a_failed_re_check_is_shown_and_enter_tries_again() {
    let mut state = wizard_with(saved_set_up(&[Stage::SslModeReady]));
    resume_to_permissions(&mut state, all_granted());
    update(
        &mut state,
        Msg::Rechecked(Err("list zones: network unreachable".into())),
    );
    assert_eq!(state.step, Step::Token);
    assert!(state.error.is_some());
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Recheck { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_rotation_row_goes_to_the_rotate_screen_through_the_same_path() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
        Stage::Enabled,
    ]));
    state.cursor = 1;
    let effects = resume_to_permissions(&mut state, all_granted());
    assert_eq!((state.task, state.step), (Task::Rotate, Step::Rotate));
    assert!(
        matches!(effects.as_slice(), [Effect::ReadZone { .. }]),
        "{effects:?}"
    );
    assert_eq!(
        state.certificate_id.as_deref(),
        Some(SAVED_ID),
        "a rotation keeps the set-up's record as saved"
    );
}

#[test]
fn the_undo_row_goes_to_the_undo_screen_through_the_same_path() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
        Stage::Enabled,
    ]));
    state.cursor = 2;
    let effects = resume_to_permissions(&mut state, all_granted());
    assert_eq!((state.task, state.step), (Task::Undo, Step::Undo));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ReadUndo { zone, .. } if zone == "example.com")),
        "{effects:?}"
    );
}

/// On a small terminal the box of what changed is cut with a mark, and the viewer has it whole.
#[test]
fn what_changed_is_never_cut_without_a_mark() {
    let mut state = wizard_with(saved_set_up(&[
        Stage::SslModeReady,
        Stage::CertificateReady,
        Stage::Active,
    ]));
    resume_to_permissions(&mut state, all_granted());
    let changes: Vec<String> = (1..=8)
        .map(|n| format!("Change number {n} since you stopped, said in one long sentence."))
        .collect();
    let changes: Vec<&str> = changes.iter().map(String::as_str).collect();
    rechecked(
        &mut state,
        recheck(
            &[Stage::SslModeReady, Stage::CertificateReady],
            &[],
            &changes,
        ),
    );
    let mut terminal = Terminal::new(TestBackend::new(72, 20)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, &state, &Theme::plain()))
        .unwrap();
    let screen = format!("{:?}", terminal.backend());
    assert!(screen.contains("↓ more"), "{screen}");
    let document = aop_wizard::tui::screens::viewer::document(&state, &Theme::plain()).unwrap();
    let text: Vec<String> = document.lines.iter().map(|l| l.to_string()).collect();
    assert!(
        text.iter().any(|l| l.contains("Change number 8")),
        "{text:#?}"
    );
}
