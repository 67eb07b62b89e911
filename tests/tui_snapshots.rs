//! Every screen of the wizard drawn with ratatui's TestBackend and compared with the committed
//! snapshot (tests/snapshots/). Dates are filtered; paths are fixed by the test data.

mod support;

use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::{self, update};
use aop_wizard::tui::message::Msg;
use aop_wizard::tui::state::Wizard;
use aop_wizard::tui::steps::Step;
use aop_wizard::tui::theme::Theme;
use aop_wizard::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use support::wizard::*;

/// The screen as drawn on a terminal of this size (the state told the size, as the runner does).
fn render(state: &Wizard, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut state = state.clone();
    update(&mut state, Msg::Resized(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, &state, &Theme::plain()))
        .unwrap();
    terminal
}

/// The screen at 100×30 (`name`) and at 80×24, the smallest usual terminal (`name_80x24`).
fn snapshot(name: &str, state: &Wizard) {
    snapshot_at(name, state, 100, 30);
    snapshot_at(&format!("{name}_80x24"), state, 80, 24);
}

#[test]
fn every_step_has_its_screen() {
    for step in Step::ALL {
        let state = at(step);
        assert_eq!(state.step, step);
        snapshot(&format!("{step:?}").to_lowercase(), &state);
        let small = render(&state, 80, 24).backend().to_string();
        assert!(
            small.contains("? help  q quit") || small.contains("Ctrl-C quit"),
            "{step:?} at 80×24 keeps the key bar's tail:\n{small}"
        );
    }
}

#[test]
fn results_of_both_probes() {
    let mut log = at(Step::VerifyLog);
    update(
        &mut log,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: true,
            result: Ok(passing(SnippetPhase::Log)),
        },
    );
    snapshot("verifylog_passed", &log);
    let mut enforce = at(Step::Enforce);
    let mut failing = passing(SnippetPhase::Enforce);
    failing.cells[0].judgement = aop_wizard::probe::Judgement {
        verdict: aop_wizard::probe::Verdict::LogOnly,
        explanation:
            "the origin asks for a client certificate but still serves requests without one".into(),
        next_step: "switch to the enforce snippet and reload".into(),
        expected_ca_listed: Some(true),
    };
    update(
        &mut enforce,
        Msg::Verified {
            phase: SnippetPhase::Enforce,
            through_edge: true,
            result: Ok(failing),
        },
    );
    snapshot("enforce_failed", &enforce);
}

#[test]
fn modals_and_a_small_terminal() {
    let mut confirm = at(Step::Upload);
    press(&mut confirm, KeyCode::Enter);
    snapshot("upload_confirm", &confirm);
    let mut help = at(Step::SslMode);
    press(&mut help, KeyCode::Char('?'));
    snapshot("help", &help);
    let mut quit = at(Step::SslMode);
    press(&mut quit, KeyCode::Char('q'));
    snapshot("quit", &quit);
    let small = render(&at(Step::Zone), 50, 12);
    insta::assert_snapshot!("too_small", small.backend());
}

#[test]
fn the_key_bar_lists_only_what_works_now() {
    let state = at(Step::Zone);
    let keys: Vec<&str> = app::hints(&state).iter().map(|h| h.label).collect();
    assert!(
        keys.contains(&"Ctrl-C") && !keys.contains(&"q"),
        "letters type into the filter: {keys:?}"
    );
    let mut busy = at(Step::VerifyLog);
    press(&mut busy, KeyCode::Enter);
    let keys: Vec<&str> = app::hints(&busy).iter().map(|h| h.label).collect();
    assert_eq!(keys, vec!["Esc", "Ctrl-C"], "a probe can be stopped");
    let mut upload = at(Step::Upload);
    press(&mut upload, KeyCode::Enter);
    press(&mut upload, KeyCode::Char('y'));
    let keys: Vec<&str> = app::hints(&upload).iter().map(|h| h.label).collect();
    assert_eq!(keys, vec!["Ctrl-C"], "an upload cannot be stopped half-way");
}

#[test]
fn a_rotation_planned_running_and_done() {
    use aop_wizard::rotation::{Event, Finish, Rotated, Stage};
    let mut state = at(Step::Rotate);
    update(
        &mut state,
        Msg::RotationPlanned(Ok(Box::new(planned_rotation()))),
    );
    snapshot("rotate_planned", &state);
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    for (stage, detail) in [
        (
            Stage::FilesWritten,
            "/home/sre/aop-example.com/rotated-2026-11-22/client.crt",
        ),
        (
            Stage::OriginAccepts,
            "1 origin address serves requests made with it",
        ),
        (
            Stage::Uploaded,
            "certificate 8d85f846-7240-428a-a481-9b26bee26e3a",
        ),
    ] {
        update(
            &mut state,
            Msg::RotationEvent(Event::Reached(stage, detail.into())),
        );
    }
    update(
        &mut state,
        Msg::RotationEvent(Event::Note(
            "waiting for active: pending_deployment (20 s)".into(),
        )),
    );
    snapshot("rotate_running", &state);
    let mut done = planned_rotation();
    done.stage = Stage::OldDeleted;
    update(
        &mut state,
        Msg::RotationEnded {
            result: Ok(Finish::Rotated(Rotated {
                certificate_id: "8d85f846-7240-428a-a481-9b26bee26e3a".into(),
                fingerprint: "AB:CD".into(),
                certificate: done.new_cert.clone(),
                key: done.new_key.clone(),
                ca: done.ca_cert.clone(),
                final_snippet: None,
                origin_without_certificate: vec![
                    "203.0.113.10:443 (example.com): handshake rejected".into(),
                ],
                origin_still_enforces: true,
            })),
            rotation: Box::new(done),
        },
    );
    snapshot("rotate_done", &state);
}

#[test]
fn welcome_offers_the_rotation_of_an_expiring_certificate() {
    let saved = aop_wizard::setup::progress::Progress {
        zone: "example.com".into(),
        certificate: Some(files()),
        certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
        ..Default::default()
    };
    let mut state = Wizard::new(
        vec![saved],
        None,
        "https://api.cloudflare.com/client/v4".into(),
    );
    state.set_days_left(vec![Some(12)]);
    snapshot("welcome_rotation_offered", &state);
}

#[test]
fn undo_waits_for_the_origin() {
    let mut state = at(Step::Undo);
    update(
        &mut state,
        Msg::UndoRead(Ok(Box::new(aop_wizard::undo::UndoPlan {
            zone: "example.com".into(),
            zone_level: true,
            proxied: vec!["example.com".into()],
            ..Default::default()
        }))),
    );
    update(
        &mut state,
        Msg::UndoProbed(Ok(vec!["203.0.113.10:443 (example.com: enforced)".into()])),
    );
    snapshot("undo_origin_still_enforcing", &state);
}

/// A request through Cloudflare not served: its reason and answer first, then the ways on;
/// global AOP in the demo, with the stand-in said plainly; per hostname, every hostname named.
#[test]
fn a_failed_edge_check_global_in_the_demo_and_two_hostnames() {
    use aop_wizard::tui::steps::Scope;
    let mut unserved = passing(SnippetPhase::Log);
    unserved.edge.push(aop_wizard::probe::EdgeReport {
        hostname: "example.com".into(),
        url: "https://example.com/".into(),
        status: Some(525),
        passed: false,
        explanation: "525 SSL handshake failed: the origin refused Cloudflare's certificate".into(),
        answer: Some("SSL handshake failed: alert CertificateRequired".into()),
    });
    let verified = |result| Msg::Verified {
        phase: SnippetPhase::Log,
        through_edge: true,
        result: Ok(result),
    };
    let mut failed = at(Step::VerifyLog);
    update(&mut failed, verified(unserved));
    snapshot("verifylog_edge_failed", &failed);

    let mut global = at(Step::VerifyLog);
    global.scope = Scope::Global;
    global.demo_origin = Some("127.0.0.1:8443".parse().unwrap());
    update(&mut global, verified(passing(SnippetPhase::Log)));
    snapshot("verifylog_global_demo", &global);

    let mut two = at(Step::Enable);
    two.scope = Scope::Hostname;
    two.hostname_choice = ["example.com", "www.example.com"].map(String::from).into();
    let mut both = passing(SnippetPhase::Log);
    let mut www = both.cells[0].clone();
    www.hostname = "www.example.com".into();
    both.cells.push(www);
    update(
        &mut two,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: false,
            result: Ok(both),
        },
    );
    snapshot("enable_two_hostnames", &two);
    update(&mut two, Msg::Enabled(Ok(())));
    snapshot("enable_two_hostnames_done", &two);
}

#[test]
fn a_resumed_set_up_says_what_changed_on_the_screen_it_lands_on() {
    use aop_wizard::setup::Stage;
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
                Stage::Active,
                Stage::LogSnippetWritten,
            ],
            &[],
            &["Zone-level AOP was turned off."],
        ),
    );
    snapshot("resumed_switch_turned_off", &state);
}

/// At 80×24 the first screen with a saved set-up outgrows the screen: the chosen row (here the
/// last, snippets only) scrolls into view.
#[test]
fn the_first_screen_keeps_the_chosen_row_in_view_at_80x24() {
    let saved = aop_wizard::setup::progress::Progress {
        zone: "example.com".into(),
        reached: [aop_wizard::setup::Stage::Enabled].into(),
        certificate: Some(files()),
        certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
        ..Default::default()
    };
    let mut state = Wizard::new(
        vec![saved],
        None,
        "https://api.cloudflare.com/client/v4".into(),
    );
    for _ in 0..10 {
        press(&mut state, KeyCode::Down);
    }
    let terminal = render(&state, 80, 24);
    let screen = format!("{:?}", terminal.backend());
    assert!(screen.contains("▶ Snippets only"), "{screen}");
    insta::assert_snapshot!("welcome_80x24_last_row", terminal.backend());
}

/// The summary after a rotation and an undo begun on it: what changed since the set-up.
#[test]
fn the_summary_after_a_rotation_and_an_undo() {
    let mut state = at(Step::Rotate);
    rotated(&mut state);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('u'));
    update(
        &mut state,
        Msg::UndoRead(Ok(Box::new(aop_wizard::undo::UndoPlan {
            zone: "example.com".into(),
            zone_level: true,
            proxied: vec!["example.com".into()],
            ..Default::default()
        }))),
    );
    update(&mut state, Msg::UndoProbed(Ok(Vec::new())));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::TurnedOff(Ok(())));
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::Summary);
    snapshot("summary_after_rotation_and_undo", &state);
}

fn snapshot_at(name: &str, state: &Wizard, width: u16, height: u16) {
    let terminal = render(state, width, height);
    insta::with_settings!({ filters => vec![(r"\d{4}-\d{2}-\d{2}", "[date]"), (r"\(\d+ days", "([n] days")] }, {
        insta::assert_snapshot!(name, terminal.backend());
    });
}

/// The viewer at `width`×`height` after `keys`.
fn viewer_after(state: &Wizard, width: u16, height: u16, keys: &[KeyCode]) -> Wizard {
    let mut state = state.clone();
    update(&mut state, Msg::Resized(width, height));
    press(&mut state, KeyCode::Char('v'));
    for key in keys {
        press(&mut state, *key);
    }
    state
}

#[test]
fn the_viewer_shows_a_snippet_whole() {
    let snippet = at(Step::SnippetLog);
    for (width, height) in [(100, 30), (80, 24)] {
        let size = format!("{width}x{height}");
        let top = viewer_after(&snippet, width, height, &[]);
        snapshot_at(&format!("viewer_top_{size}"), &top, width, height);
        let end = viewer_after(&snippet, width, height, &[KeyCode::End, KeyCode::Right]);
        snapshot_at(&format!("viewer_end_right_{size}"), &end, width, height);
        let wrapped = viewer_after(&snippet, width, height, &[KeyCode::Char('z')]);
        snapshot_at(&format!("viewer_wrapped_{size}"), &wrapped, width, height);
    }
    let summary = viewer_after(&at(Step::Summary), 80, 24, &[]);
    snapshot_at("viewer_summary_80x24", &summary, 80, 24);
}

#[test]
fn long_messages_wrap_and_the_key_bar_keeps_its_tail() {
    let mut state = at(Step::SnippetLog);
    state.error = Some(
        "Could not write ./aop-example.com/origin/nginx-log.conf: permission denied \
         (os error 13); choose another directory with d, or fix the permissions and press w again."
            .into(),
    );
    snapshot("snippetlog_long_error", &state);
    let text = render(&state, 80, 24).backend().to_string();
    assert!(
        text.contains("w again."),
        "the end of the message is shown: {text}"
    );
    assert!(text.contains("? help  q quit"), "{text}");
}

#[test]
fn long_fields_show_where_typing_goes_on() {
    let mut zone = at(Step::Zone);
    update(&mut zone, Msg::Paste(format!("{}example", "x".repeat(200))));
    let text = render(&zone, 80, 24).backend().to_string();
    assert!(
        text.contains("│ ←xxx") && text.contains("xexample▏"),
        "{text}"
    );
    let mut token = at(Step::Welcome);
    press(&mut token, KeyCode::Enter);
    update(&mut token, Msg::TokenChecked(Err("No token.".into())));
    update(&mut token, Msg::Paste("t".repeat(10_000)));
    let text = render(&token, 80, 24).backend().to_string();
    assert!(text.contains("… (10000 characters)"), "{text}");
}

/// Doctor's answer on the log screen: ready to enforce, and a predicted failure with its next
/// step (at 80×24 the hostname without a problem is counted on one line).
#[test]
fn doctor_on_the_log_screen() {
    let mut ready = at(Step::VerifyLog);
    update(&mut ready, log_proven());
    doctored(&mut ready, doctor_ready());
    snapshot("verifylog_doctor_ready", &ready);
    let mut failing = at(Step::VerifyLog);
    update(&mut failing, log_proven());
    doctored(&mut failing, doctor_wrong_ca());
    snapshot("verifylog_doctor_wrong_ca", &failing);
    press(&mut failing, KeyCode::Enter);
    snapshot("verifylog_doctor_confirm", &failing);
}

/// Verify log with the access log read: ready to enforce, not ready (and the question before
/// going on), and a log that could not be read here.
#[test]
fn the_access_log_ready_not_ready_and_unread() {
    let mut ready = at(Step::VerifyLog);
    update(&mut ready, log_proven());
    update(&mut ready, evidence_read(Ok(evidence_of(&ready_log()))));
    snapshot("verifylog_evidence_ready", &ready);

    let mut not_ready = at(Step::VerifyLog);
    update(&mut not_ready, log_proven());
    update(
        &mut not_ready,
        evidence_read(Ok(evidence_of(&not_ready_log()))),
    );
    snapshot("verifylog_evidence_not_ready", &not_ready);
    press(&mut not_ready, KeyCode::Enter);
    snapshot("verifylog_evidence_not_ready_asked", &not_ready);

    let mut unread = at(Step::VerifyLog);
    update(&mut unread, log_proven());
    update(
        &mut unread,
        evidence_read(Err(
            "cannot read /var/log/nginx/aop-access.log: Permission denied (os error 13)".into(),
        )),
    );
    snapshot("verifylog_evidence_unread", &unread);
}
