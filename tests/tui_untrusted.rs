//! The wizard shows what Cloudflare, certificates and origins said visibly escaped: an ESC or a
//! right-to-left override in a name is seen as `\x1b` or `\u{202e}`, neither obeyed by the
//! terminal nor dropped without a trace.

mod support;

use aop_wizard::cloudflare::fake::FaultKind;
use aop_wizard::probe::{Judgement, Verdict};
use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::update;
use aop_wizard::tui::message::{CertificateReady, Msg};
use aop_wizard::tui::state::Wizard;
use aop_wizard::tui::steps::Step;
use aop_wizard::tui::theme::Theme;
use aop_wizard::tui::view;
use aop_wizard::untrusted::needs_escape;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::wizard::*;

const HOSTILE: &str = "evil\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{202E}gnp";
const SHOWN: &str = "evil\\x1b]0;PWNED\\x07\\x1b[2J\\u{202e}gnp";

/// The screen as drawn at 110×34, row by row; no cell holds a character the terminal would obey.
fn screen(state: &Wizard) -> String {
    let (width, height) = (110, 34);
    let mut state = state.clone();
    update(&mut state, Msg::Resized(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, &state, &Theme::plain()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut rows = String::new();
    for y in 0..height {
        for x in 0..width {
            let symbol = buffer[(x, y)].symbol();
            assert!(!symbol.chars().any(needs_escape), "{symbol:?} at {x},{y}");
            rows.push_str(symbol);
        }
        rows.push('\n');
    }
    rows
}

/// The words on screen without the frame's line breaks (a long line wraps).
fn words(screen: &str) -> String {
    screen
        .lines()
        .map(|row| row.trim_end_matches([' ', '│']))
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn a_cloudflare_error_from_the_fake_is_shown_escaped() {
    let fake = support::fake::fake();
    fake.fake.inject_fault(
        "list_zones",
        1,
        FaultKind::Refused {
            status: 400,
            code: 1001,
            message: HOSTILE,
        },
    );
    // What the runner does with the answer: the error's text becomes the message.
    let error = fake
        .runtime
        .block_on(fake.client().list_zones(None))
        .unwrap_err()
        .to_string();
    let mut state = wizard();
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("the OS keyring", false))),
    );
    update(&mut state, Msg::Zones(Err(error)));
    let shown = screen(&state);
    assert!(
        words(&shown).contains(&format!("{SHOWN} (code 1001)")),
        "{shown}"
    );
}

#[test]
fn zone_names_from_cloudflare_are_shown_escaped() {
    let mut state = at(Step::Zone);
    state.zones = vec![zone(HOSTILE), zone("example.com")];
    let shown = screen(&state);
    assert!(shown.contains(SHOWN), "{shown}");
}

#[test]
fn a_certificate_subject_is_shown_escaped() {
    let mut state = at(Step::Certificate);
    update(
        &mut state,
        Msg::CertificateReady(Ok(CertificateReady {
            subject: format!("CN={HOSTILE}"),
            ..ready()
        })),
    );
    let shown = screen(&state);
    assert!(shown.contains(&format!("CN={SHOWN}")), "{shown}");
}

#[test]
fn what_an_origin_said_is_shown_escaped_in_the_results_and_the_viewer() {
    let mut state = at(Step::VerifyLog);
    let mut result = passing(SnippetPhase::Log);
    result.cells[0].judgement = Judgement {
        verdict: Verdict::Misconfigured,
        explanation: format!("the origin trusts other CAs (CN={HOSTILE})"),
        next_step: "replace the CA file".into(),
        expected_ca_listed: Some(false),
    };
    update(
        &mut state,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: true,
            result: Ok(result),
        },
    );
    let shown = screen(&state);
    assert!(
        words(&shown).contains(&format!("the origin trusts other CAs (CN={SHOWN})")),
        "{shown}"
    );
    // Ctrl-O: letters go into the origins field.
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    let viewer = screen(&state);
    assert!(viewer.contains("Probe results, log phase"), "{viewer}");
    assert!(
        words(&viewer).contains(&format!("(CN={SHOWN})")),
        "{viewer}"
    );
}

/// Escaping every line of the viewer leaves the snippet readable: Caddy's tab indentation shows
/// as spaces, neither as `\t` nor (as a terminal cell cannot hold a tab) not at all.
#[test]
fn a_caddy_snippet_keeps_its_indentation_on_screen() {
    let mut state = snippets_only(Step::SnippetChoice);
    // The server row is the first: ← from nginx is Caddy.
    press(&mut state, KeyCode::Left);
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::CertificateReady(Ok(ready())));
    assert_eq!(state.step, Step::SnippetReady);
    let document = aop_wizard::tui::screens::viewer::document(&state, &Theme::plain()).unwrap();
    let text: Vec<String> = document.lines.iter().map(ToString::to_string).collect();
    assert!(document.title.starts_with("Caddy"), "{}", document.title);
    assert!(
        text.iter().any(|line| line == "    level DEBUG"),
        "{text:#?}"
    );
    assert!(!text.iter().any(|line| line.contains("\\t")), "{text:#?}");
}

/// Doctor's answer carries names from Cloudflare (hostnames) and from the origin (the CA names
/// it lists): on the log screen, in the viewer and in the question before Enforce, escaped.
#[test]
fn doctor_names_from_cloudflare_and_the_origin_are_shown_escaped() {
    use aop_wizard::ops::doctor::Kind;
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    let said = format!(
        "will fail once enforced: the origin trusts CN={HOSTILE}, Cloudflare presents a certificate issued by CN=example.com origin pull CA"
    );
    let mut report =
        doctor_report(&[("www.example.com", Kind::WrongCaOnceEnforced, said.as_str())]);
    report.hostnames[0].hostname = format!("www.{HOSTILE}");
    report.hostnames[0].outcome.next_step = format!("Give the origin CN={HOSTILE}'s CA.");
    doctored(&mut state, report);
    let shown = words(&screen(&state));
    for escaped in [
        format!("www.{SHOWN}: will fail"),
        format!("CN={SHOWN}, Cloudflare presents"),
    ] {
        assert!(shown.contains(&escaped), "{escaped}: {shown}");
    }
    update(&mut state, ctrl('o'));
    let viewer = words(&screen(&state));
    assert!(
        viewer.contains(&format!("next: Give the origin CN={SHOWN}'s CA.")),
        "{viewer}"
    );
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Enter);
    let question = words(&screen(&state));
    assert!(
        question.contains(&format!("Doctor sees a problem for www.{SHOWN}.")),
        "{question}"
    );
}

/// An access log's values are the clients': a Host with ESC and a right-to-left override, and a
/// line that is no request at all, reach the screen, the question before enforcing and the
/// viewer escaped, never raw.
#[test]
fn an_access_log_line_is_shown_escaped() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    let log = nginx_log_line("127.0.0.2", "NONE", HOSTILE) + HOSTILE + "\n";
    update(&mut state, evidence_read(Ok(evidence_of(&log))));
    // As the evidence names the hostname: in lower case.
    let host = aop_wizard::untrusted::shown(HOSTILE.to_ascii_lowercase()).to_string();
    assert_ne!(host, HOSTILE.to_ascii_lowercase());
    let shown = words(&screen(&state));
    assert!(
        shown.contains(&format!("{host}: Cloudflare 0 verified, 1 unverified")),
        "{shown}"
    );
    assert!(shown.contains("unreadable line 2:"), "{shown}");
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let asked = words(&screen(&state));
    assert!(asked.contains("Go on to Enforce?"), "{asked}");
    assert!(asked.contains(&host), "{asked}");
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
    );
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE)),
    );
    let viewer = words(&screen(&state));
    assert!(viewer.contains(&host), "{viewer}");
    assert!(
        viewer.contains(SHOWN),
        "the unreadable line, escaped: {viewer}"
    );
}
