//! Every screen of the wizard drawn with ratatui's TestBackend and compared with the committed
//! snapshot (tests/snapshots/). Dates are filtered; paths are fixed by the test data.

mod support;

use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::{Msg, Wizard, update};
use aop_wizard::tui::steps::Step;
use aop_wizard::tui::theme::Theme;
use aop_wizard::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use support::wizard::*;

fn render(state: &Wizard, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, &Theme::plain()))
        .unwrap();
    terminal
}

fn snapshot(name: &str, state: &Wizard) {
    let terminal = render(state, 100, 30);
    insta::with_settings!({ filters => vec![(r"\d{4}-\d{2}-\d{2}", "[date]"), (r"\(\d+ days", "([n] days")] }, {
        insta::assert_snapshot!(name, terminal.backend());
    });
}

#[test]
fn every_step_has_its_screen() {
    for step in Step::ALL {
        let state = at(step);
        assert_eq!(state.step, step);
        snapshot(&format!("{step:?}").to_lowercase(), &state);
    }
}

#[test]
fn results_of_both_probes() {
    let mut log = at(Step::VerifyLog);
    update(
        &mut log,
        Msg::Verified(SnippetPhase::Log, Ok(passing(SnippetPhase::Log))),
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
        Msg::Verified(SnippetPhase::Enforce, Ok(failing)),
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
    let keys: Vec<&str> = view::valid_keys(&state).iter().map(|(k, _)| *k).collect();
    assert!(
        keys.contains(&"Ctrl-C") && !keys.contains(&"q"),
        "letters type into the filter: {keys:?}"
    );
    let mut busy = at(Step::VerifyLog);
    press(&mut busy, KeyCode::Enter);
    let keys: Vec<&str> = view::valid_keys(&busy).iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec!["Esc", "Ctrl-C"], "a probe can be stopped");
    let mut upload = at(Step::Upload);
    press(&mut upload, KeyCode::Enter);
    press(&mut upload, KeyCode::Char('y'));
    let keys: Vec<&str> = view::valid_keys(&upload).iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec!["Ctrl-C"], "an upload cannot be stopped half-way");
}
