//! The wizard's `update`, step by step: what each key and each answer does to the state and
//! which effects it asks for. No terminal, no network: `update` is pure.

mod support;

use std::path::PathBuf;

use aop_wizard::cloudflare::SslMode;
use aop_wizard::setup::progress::Progress;
use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::{self, typing, update};
use aop_wizard::tui::message::{Effect, Msg};
use aop_wizard::tui::state::{LogUnread, TokenState, Wizard};
use aop_wizard::tui::steps::{Scope, Step};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::wizard::*;

#[test]
fn welcome_picks_a_scope_and_looks_for_a_token() {
    let mut state = wizard();
    press(&mut state, KeyCode::Down);
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(state.scope, Scope::Hostname);
    assert_eq!(state.step, Step::Token);
    assert!(matches!(effects.as_slice(), [Effect::VerifyToken(None)]));
    assert!(
        state.busy.is_some(),
        "a spinner while the token is looked for"
    );
}

#[test]
fn no_token_asks_for_one_and_verifies_what_is_typed() {
    let mut state = wizard();
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::TokenChecked(Err(
            "No token in CLOUDFLARE_API_TOKEN or the OS keyring.".into()
        )),
    );
    assert!(matches!(state.token_state, TokenState::NeedInput { .. }));
    assert!(
        typing(&state),
        "letters go into the token field, q does not quit"
    );
    assert!(
        press(&mut state, KeyCode::Enter).is_empty(),
        "an empty token is not sent"
    );
    assert!(state.error.is_some());
    type_text(&mut state, "secret-token-value");
    assert_eq!(state.token_input.display(), "•".repeat(18), "masked");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::VerifyToken(Some(token))] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(token.expose(), "secret-token-value");
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("typed in", true))),
    );
    assert!(
        state.token_input.value.is_empty(),
        "the typed token is not kept in the state"
    );
    assert!(matches!(
        state.token_state,
        TokenState::Verified { typed: true, .. }
    ));
}

#[test]
fn a_typed_token_can_be_saved_in_the_keyring() {
    let mut state = wizard();
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("typed in", true))),
    );
    update(&mut state, Msg::Zones(Ok(vec![zone("example.com")])));
    assert!(
        press(&mut state, KeyCode::Char('s')).is_empty(),
        "keys wait while permissions are probed"
    );
    update(&mut state, Msg::Permissions(Vec::new()));
    let effects = press(&mut state, KeyCode::Char('s'));
    assert!(matches!(effects.as_slice(), [Effect::SaveToken(_)]));
    update(&mut state, Msg::TokenSaved(Ok("Secret Service".into())));
    assert!(state.notice.as_deref().unwrap().contains("Secret Service"));
    assert!(
        press(&mut state, KeyCode::Char('s')).is_empty(),
        "saved once"
    );
}

#[test]
fn after_the_token_zones_load_and_permissions_are_probed() {
    let mut state = wizard();
    press(&mut state, KeyCode::Enter);
    let effects = update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("env", false))),
    );
    assert!(matches!(effects.as_slice(), [Effect::LoadZones(_)]));
    let effects = update(&mut state, Msg::Zones(Ok(vec![zone("example.com")])));
    assert!(
        matches!(effects.as_slice(), [Effect::ProbePermissions { zone, .. }] if zone == "example.com")
    );
    update(&mut state, Msg::Zones(Ok(Vec::new())));
    assert!(
        state
            .error
            .as_deref()
            .unwrap()
            .contains("Zone → Zone → Read")
    );
}

#[test]
fn zone_type_ahead_takes_a_zone_as_people_write_it() {
    for typed in ["EXAMPLE.ORG.", "bücher", "Bücher.DE"] {
        let mut state = at(Step::Zone);
        state.zones.push(zone("xn--bcher-kva.de"));
        type_text(&mut state, typed);
        assert_eq!(state.filtered_zones().len(), 1, "{typed}");
    }
}

#[test]
fn zone_type_ahead_filters_and_selects() {
    let mut state = at(Step::Zone);
    type_text(&mut state, "org");
    assert_eq!(state.filtered_zones().len(), 1);
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(state.zone_name(), "example.org");
    assert!(matches!(effects.as_slice(), [Effect::ReadZone { .. }]));
    assert_eq!(state.step, Step::SslMode);
    let mut none = at(Step::Zone);
    type_text(&mut none, "nothing-like-this");
    assert!(press(&mut none, KeyCode::Enter).is_empty());
    assert!(none.error.is_some());
}

#[test]
fn flexible_blocks_until_fixed_with_confirmation() {
    let mut state = at(Step::SslMode);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(SslMode::Flexible, "custom", Vec::new()))),
    );
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::SslMode, "Flexible blocks");
    assert!(state.error.as_deref().unwrap().contains("Full"));
    assert!(
        press(&mut state, KeyCode::Char('f')).is_empty(),
        "asks first"
    );
    assert!(confirmation(&state).is_some());
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::SetSslMode {
            mode: SslMode::Full,
            ..
        }]
    ));
    update(&mut state, Msg::SslModeSet(Ok(SslMode::Full)));
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Certificate);
}

#[test]
fn declining_a_confirmation_changes_nothing() {
    let mut state = at(Step::SslMode);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(SslMode::Off, "custom", Vec::new()))),
    );
    press(&mut state, KeyCode::Char('s'));
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert!(confirmation(&state).is_none());
    assert_eq!(state.ssl_mode, Some(SslMode::Off));
}

#[test]
fn certificate_generation_uses_the_chosen_key_type_and_directory() {
    let mut state = at(Step::Certificate);
    assert_eq!(state.out_dir.value, "./aop-example.com");
    press(&mut state, KeyCode::Down); // key type
    press(&mut state, KeyCode::Right); // rsa-2048
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::GenerateCertificate {
            key_type,
            dir,
            zone,
            ca_passphrase: None,
            replace: false,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(key_type.name(), "rsa-2048");
    assert_eq!(dir, &PathBuf::from("./aop-example.com"));
    assert_eq!(zone, "example.com");
    assert!(state.busy.as_ref().unwrap().label.contains("few seconds"));
    update(
        &mut state,
        Msg::CertificateReady(Err("/tmp/aop/ca.crt exists; nothing was overwritten".into())),
    );
    assert!(state.error.as_deref().unwrap().contains("overwritten"));
    assert_eq!(state.step, Step::Certificate);
}

#[test]
fn import_needs_both_paths_then_checks() {
    let mut state = at(Step::Certificate);
    press(&mut state, KeyCode::Right); // import
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.error.is_some());
    press(&mut state, KeyCode::Down);
    type_text(&mut state, "/etc/aop/client.crt");
    press(&mut state, KeyCode::Down);
    type_text(&mut state, "/etc/aop/client.key");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::ImportCertificate { ca: None, .. }]
    ));
}

#[test]
fn upload_asks_first_and_records_the_id() {
    let mut state = at(Step::Upload);
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    let confirm = confirmation(&state).cloned().unwrap();
    assert!(
        confirm
            .lines
            .iter()
            .any(|l| l.contains("\"private_key\":\"<redacted private key>\"")),
        "key redacted in the preview: {:?}",
        confirm.lines
    );
    assert!(
        confirm.lines.iter().any(|l| l.starts_with("POST ")),
        "the request a dry run shows"
    );
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Upload {
            scope: Scope::Zone,
            ..
        }]
    ));
    assert!(
        press(&mut state, KeyCode::Esc).is_empty(),
        "an upload cannot be cancelled half-way"
    );
    update(&mut state, Msg::UploadStatus("pending_deployment".into()));
    assert!(
        state
            .busy
            .as_ref()
            .unwrap()
            .label
            .contains("pending_deployment")
    );
    let effects = update(&mut state, Msg::Uploaded(Ok(uploaded())));
    assert!(matches!(effects.as_slice(), [Effect::SaveProgress(p)] if p.certificate_id.is_some()));
    assert!(state.done.contains(&Step::Upload));
}

#[test]
fn a_failed_upload_says_why_and_stays() {
    let mut state = at(Step::Upload);
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(
        &mut state,
        Msg::Uploaded(Err(
            "Cloudflare API error 9109: add SSL and Certificates → Edit".into(),
        )),
    );
    assert!(state.busy.is_none());
    assert!(state.error.as_deref().unwrap().contains("9109"));
    assert_eq!(state.step, Step::Upload);
    assert!(state.certificate_id.is_none());
}

#[test]
fn going_back_after_an_upload_lists_what_stays() {
    let mut state = at(Step::SnippetLog);
    assert!(press(&mut state, KeyCode::Esc).is_empty());
    let confirm = confirmation(&state).cloned().expect("going back asks");
    assert!(
        confirm
            .lines
            .iter()
            .any(|l| l.contains("uploaded to Cloudflare"))
    );
    press(&mut state, KeyCode::Char('y'));
    assert_eq!(state.step, Step::Upload);
    // Before any effect, going back is free.
    let mut early = at(Step::Zone);
    press(&mut early, KeyCode::Esc);
    assert_eq!(early.step, Step::Token);
    assert!(confirmation(&early).is_none());
}

#[test]
fn snippet_screen_switches_servers_writes_and_copies() {
    let mut state = at(Step::SnippetLog);
    press(&mut state, KeyCode::Down);
    assert_eq!(state.server().name(), "apache");
    assert_eq!(state.ca_path.value, "/etc/apache2/aop/ca.crt");
    let effects = press(&mut state, KeyCode::Char('c'));
    assert!(matches!(effects.as_slice(), [Effect::Copy(text)] if text.contains("SSLVerifyClient")));
    press(&mut state, KeyCode::Char('e'));
    assert!(typing(&state));
    for _ in 0..6 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "origin-pull-ca.pem");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.ca_path.value, "/etc/apache2/aop/origin-pull-ca.pem");
}

#[test]
fn enable_asks_then_applies_for_the_scope() {
    let mut state = at(Step::Enable);
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Enter);
    let lines = &confirmation(&state).unwrap().lines;
    assert!(lines[0].contains("every proxied request of the zone"));
    assert!(lines[2].contains("origin_tls_client_auth/settings"));
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Enable {
            scope: Scope::Zone,
            ..
        }]
    ));
    update(&mut state, Msg::Enabled(Err("rate limited".into())));
    assert!(!state.enabled);
    assert_eq!(state.step, Step::Enable);
}

/// Cloudflare presents the certificate only once the origin, probed directly, asks for it and
/// still serves without it: Enter probes first, and keeps probing until it does.
#[test]
fn enabling_waits_until_the_origin_asks_for_the_certificate() {
    let mut state = at(Step::SnippetLog);
    written_with_w(&mut state);
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Enable);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Verify {
                phase: SnippetPhase::Log,
                through_edge: false,
                ..
            }]
        ),
        "entering the screen probes the origin alone at once: {effects:?}"
    );
    assert!(
        state.busy.as_ref().is_some_and(|b| b.cancellable),
        "Esc stops it"
    );
    assert!(confirmation(&state).is_none());
    let mut enforcing = passing(SnippetPhase::Log);
    enforcing.cells[0].judgement.verdict = aop_wizard::probe::Verdict::Enforced;
    update(
        &mut state,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: false,
            result: Ok(enforcing),
        },
    );
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Verify { .. }]) && confirmation(&state).is_none(),
        "an origin that is not log-only is probed again, never enabled"
    );
    assert!(
        !state.done.contains(&Step::VerifyLog),
        "the probe before enabling is not the log phase's proof"
    );
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_some(), "now it asks");
}

#[test]
fn per_hostname_enable_needs_a_picked_hostname() {
    let mut state = at(Step::SnippetLog);
    state.scope = Scope::Hostname;
    written_with_w(&mut state);
    let probed = |effects: &[Effect]| match effects {
        [Effect::Verify { hostnames, .. }] => hostnames.clone(),
        other => panic!("expected a probe: {other:?}"),
    };
    // Entering picks the first proxied hostname and probes the origin for it at once.
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(probed(&effects), ["example.com"]);
    update(&mut state, origin_asks());
    // Space drops it: nothing left to probe or enable.
    assert!(press(&mut state, KeyCode::Char(' ')).is_empty());
    assert!(state.error.as_deref().unwrap().contains("Space"));
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    // Each pick probes again, for the new set.
    assert_eq!(
        probed(&press(&mut state, KeyCode::Char(' '))),
        ["example.com"]
    );
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Down);
    let effects = press(&mut state, KeyCode::Char(' '));
    assert_eq!(probed(&effects), ["example.com", "www.example.com"]);
    assert!(
        confirmation(&state).is_none() && !aop_wizard::tui::app::origin_asks(&state),
        "not offered before the new set is probed"
    );
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Enter);
    let lines = &confirmation(&state).unwrap().lines;
    assert!(lines.iter().any(|l| l.contains("\"enabled\":true")));
    // Every hostname is named, each on a line of its own.
    for hostname in ["example.com", "www.example.com"] {
        assert!(lines.contains(&format!("  • {hostname}")), "{lines:#?}");
    }
    let effects = press(&mut state, KeyCode::Char('y'));
    let [Effect::Enable { hostnames, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(hostnames, &["example.com", "www.example.com"]);
    update(&mut state, Msg::Enabled(Ok(())));
    assert_eq!(
        aop_wizard::tui::app::enabled_for(&state),
        "Per-hostname AOP is on in example.com for 2 hostnames:"
    );
    assert_eq!(
        aop_wizard::tui::app::hostname_list(&state),
        ["  • example.com", "  • www.example.com"]
    );
}

#[test]
fn verify_prefills_origins_and_only_passes_on_the_right_verdicts() {
    let mut state = at(Step::Enable);
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::Enabled(Ok(())));
    // Entering the screen probes at once, directly and through Cloudflare.
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::VerifyLog);
    assert_eq!(state.origins.value, "203.0.113.10");
    let [
        Effect::Verify {
            through_edge: true,
            phase: SnippetPhase::Log,
            origins,
            hostnames,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(origins[0].to_string(), "203.0.113.10:443");
    assert_eq!(
        hostnames,
        &vec!["example.com".to_string(), "www.example.com".to_string()]
    );
    // Esc stops a probe.
    assert!(matches!(
        press(&mut state, KeyCode::Esc).as_slice(),
        [Effect::Cancel]
    ));
    update(&mut state, Msg::Cancelled);
    // A not-requesting origin does not pass the log phase.
    let mut failing = passing(SnippetPhase::Log);
    failing.cells[0].judgement.verdict = aop_wizard::probe::Verdict::NotRequesting;
    update(
        &mut state,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: true,
            result: Ok(failing),
        },
    );
    assert!(!state.done.contains(&Step::VerifyLog));
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Verify { .. }]),
        "Enter probes again"
    );
    update(&mut state, log_proven());
    // An origin typed after the proof is probed before going on, never passed unseen.
    type_text(&mut state, ", 127.0.0.1:1");
    assert!(!aop_wizard::tui::app::proven(&state, SnippetPhase::Log));
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::Verify { origins, .. }] = effects.as_slice() else {
        panic!("Enter probes the origins as typed now: {effects:?}")
    };
    assert_eq!(origins.len(), 2);
    assert_eq!(state.step, Step::VerifyLog);
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.contains("--origin 203.0.113.10 --origin 127.0.0.1:1"),
        "{line}"
    );
    update(&mut state, log_proven());
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::VerifyLog, "one of the two was not probed");
    state.origins = aop_wizard::tui::input::TextInput::new("203.0.113.10");
    update(&mut state, log_proven());
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Enforce);
}

/// A request through Cloudflare that is not served: the answer's own words on screen, and the
/// ways on: probe again, skip the edge check (asked, with what it leaves unproven), or back.
#[test]
fn a_failed_edge_check_can_be_retried_or_skipped_with_its_consequence() {
    use aop_wizard::probe::EdgeReport;
    let mut state = at(Step::VerifyLog);
    let mut unserved = passing(SnippetPhase::Log);
    unserved.edge.push(EdgeReport {
        hostname: "example.com".into(),
        url: "https://example.com/".into(),
        status: Some(525),
        passed: false,
        explanation: "525 SSL handshake failed".into(),
        answer: Some("SSL handshake failed: alert UnknownCA".into()),
    });
    let verified = |result| Msg::Verified {
        phase: SnippetPhase::Log,
        through_edge: true,
        result: Ok(result),
    };
    update(&mut state, verified(unserved.clone()));
    let keys: Vec<_> = aop_wizard::tui::app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Enter", "probe")), "{keys:?}");
    assert!(keys.contains(&("s", "skip edge check…")), "{keys:?}");
    assert!(keys.contains(&("Esc", "back")), "{keys:?}");
    press(&mut state, KeyCode::Char('s'));
    let question = confirmation(&state).unwrap();
    assert!(
        question.lines[0].contains("these were not served: example.com")
            && question.lines[1].contains("nothing then proves Cloudflare's requests are served"),
        "{:?}",
        question.lines
    );
    // Only y goes on past a failure: an Enter pressed once too often does not.
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_some(), "Enter does not skip");
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.step, Step::VerifyLog, "n stays");
    press(&mut state, KeyCode::Char('s'));
    press(&mut state, KeyCode::Char('y'));
    assert_eq!(state.step, Step::Enforce);
    assert!(
        !state.done.contains(&Step::VerifyLog),
        "skipped, not proven: the summary lists it as not done"
    );

    // When the origin itself is wrong there is nothing to skip to.
    let mut state = at(Step::VerifyLog);
    unserved.cells[0].judgement.verdict = aop_wizard::probe::Verdict::NotRequesting;
    update(&mut state, verified(unserved));
    press(&mut state, KeyCode::Char('s'));
    assert!(confirmation(&state).is_none());
    assert_eq!(state.step, Step::VerifyLog);
}

/// Back on Verify log the origin is probed again and the earlier pass is not trusted: stopped,
/// the probe leaves nothing to continue on. Back on Enable once it is on, nothing is probed.
#[test]
fn coming_back_probes_again_and_trusts_no_earlier_answer() {
    let mut state = at(Step::Enforce);
    assert!(state.verify_log.is_some());
    let effects = press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::VerifyLog);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Verify {
            through_edge: true,
            ..
        }]
    ));
    assert!(state.verify_log.is_none());
    press(&mut state, KeyCode::Esc);
    update(&mut state, Msg::Cancelled);
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(
        state.step,
        Step::VerifyLog,
        "Enter probes, it does not go on"
    );
    assert!(matches!(effects.as_slice(), [Effect::Verify { .. }]));
    update(&mut state, Msg::Cancelled);
    let mut back = press(&mut state, KeyCode::Esc);
    if confirmation(&state).is_some() {
        back = press(&mut state, KeyCode::Char('y'));
    }
    assert_eq!(state.step, Step::Enable);
    assert!(
        back.is_empty(),
        "AOP is on: nothing to probe before enabling"
    );
}

#[test]
fn bad_origin_addresses_are_refused_with_an_example() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, Msg::Cancelled);
    state.origins.value = "origin.example.com".into();
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.error.as_deref().unwrap().contains("203.0.113.10"));
}

#[test]
fn enforce_warns_about_dns_only_records_on_the_same_origin() {
    let state = at(Step::Enforce);
    let exposed: Vec<&str> = state
        .exposed_dns_only()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(exposed, vec!["direct.example.com"]);
}

/// Per-hostname with one of two proxied hostnames picked: the other gets no certificate from
/// Cloudflare, so it is named before enabling and before enforcing, and the request through
/// Cloudflare covers it too while the origin is probed for the picked one only.
#[test]
fn per_hostname_names_the_hostnames_not_picked_and_requests_them_through_cloudflare() {
    let mut state = at(Step::SnippetLog);
    state.scope = Scope::Hostname;
    written_with_w(&mut state);
    press(&mut state, KeyCode::Enter);
    update(&mut state, origin_asks());
    assert_eq!(state.target_hostnames(), ["example.com"]);
    assert_eq!(state.uncertified_hostnames(), ["www.example.com"]);
    press(&mut state, KeyCode::Enter);
    let lines = &confirmation(&state).unwrap().lines;
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("www.example.com: not picked")
                && l.contains("Cloudflare presents no certificate")),
        "{lines:#?}"
    );
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::Enabled(Ok(())));
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::Verify {
            through_edge: true,
            hostnames,
            edge_hostnames,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(hostnames, &["example.com"], "the origin: the picked one");
    assert_eq!(
        edge_hostnames,
        &["example.com", "www.example.com"],
        "through Cloudflare: every proxied hostname"
    );
    // Its Same as requests the other one through Cloudflare as well.
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.contains("--via-edge --edge-host www.example.com"),
        "{line}"
    );
    // Picked both: nothing to warn about.
    state.hostname_choice.insert("www.example.com".into());
    assert!(state.uncertified_hostnames().is_empty());
    assert_eq!(aop_wizard::tui::app::uncertified_warning(&state), None);
}

#[test]
fn alerts_validate_the_address_or_skip() {
    let mut state = at(Step::Alerts);
    type_text(&mut state, "not-an-address");
    press(&mut state, KeyCode::Enter);
    assert!(state.error.is_some());
    state.email.value.clear();
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Summary);
    assert!(!state.done.contains(&Step::Alerts), "skipped is not done");
    let mut create = at(Step::Alerts);
    type_text(&mut create, "ops@example.com");
    press(&mut create, KeyCode::Enter);
    let effects = press(&mut create, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::CreateAlert { email, .. }] if email == "ops@example.com")
    );
}

#[test]
fn quitting_mid_flow_asks_and_ctrl_c_always_works() {
    let mut state = at(Step::SslMode);
    press(&mut state, KeyCode::Char('q'));
    assert!(asks_to_quit(&state) && !state.quit);
    press(&mut state, KeyCode::Char('n'));
    assert!(!asks_to_quit(&state));
    let mut typing = at(Step::Zone);
    type_text(&mut typing, "q");
    assert!(!asks_to_quit(&typing), "q is a letter in the filter");
    update(
        &mut typing,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    press(&mut typing, KeyCode::Char('y'));
    assert!(typing.quit);
}

#[test]
fn global_scope_skips_upload_and_alerts() {
    let mut state = wizard();
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.scope, Scope::Global);
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("env", false))),
    );
    update(&mut state, Msg::Zones(Ok(vec![zone("example.com")])));
    update(&mut state, Msg::Permissions(Vec::new()));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(SslMode::Strict, "auto", Vec::new()))),
    );
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Certificate);
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::SnippetLog);
    assert!(
        state
            .snippet_text(SnippetPhase::Log)
            .unwrap()
            .contains("Cloudflare")
    );
}

#[test]
fn the_summary_offers_a_rotation_that_plans_confirms_and_runs() {
    use aop_wizard::rotation::{Event, Finish, Rotated, Stage};
    use aop_wizard::tui::steps::Task;
    let mut state = at(Step::Rotate);
    assert_eq!((state.step, state.task), (Step::Rotate, Task::Rotate));
    assert!(typing(&state), "origins can be typed before the plan");
    press(&mut state, KeyCode::Tab);
    assert!(state.rotation.new_ca, "Tab asks for a new CA");
    press(&mut state, KeyCode::Tab);
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::PlanRotation { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(request.zone, "example.com");
    assert!(!request.new_ca);
    assert_eq!(
        request.ca.as_ref().map(|(cert, _)| cert.clone()),
        Some(files().ca_cert),
        "the CA of the set-up signs the new certificate"
    );
    assert_eq!(
        request.origin.addresses,
        vec!["203.0.113.10:443".parse().unwrap()]
    );
    assert_eq!(request.origin.edge_url, "https://{hostname}/");

    update(
        &mut state,
        Msg::RotationPlanned(Ok(Box::new(planned_rotation()))),
    );
    assert!(state.busy.is_none());
    // The Same as command checks the same origin, and is one the CLI takes as it stands (an
    // --origin without --host was refused there).
    let same_as = aop_wizard::tui::same_as::commands(&state).remove(0);
    let said = same_as.join(" ");
    assert!(
        said.contains(
            "--origin 203.0.113.10:443 --host example.com --server nginx --origin-ca-path /etc/nginx/aop/ca.crt"
        ),
        "{said}"
    );
    use clap::Parser;
    assert!(
        aop_wizard::cli::Cli::try_parse_from(&same_as).is_ok(),
        "{said}"
    );
    assert!(
        press(&mut state, KeyCode::Enter).is_empty(),
        "nothing changes before the confirmation"
    );
    assert!(confirmation(&state).is_some());
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::CarryOutRotation { .. }]
    ));
    assert!(state.busy.is_some(), "a spinner while it runs");

    update(
        &mut state,
        Msg::RotationEvent(Event::Reached(Stage::Uploaded, "certificate N".into())),
    );
    assert!(state.busy.is_some(), "progress keeps the spinner going");
    assert_eq!(
        state.rotation.log,
        vec!["✓ uploaded to Cloudflare: certificate N"]
    );

    let mut finished = planned_rotation();
    finished.stage = Stage::OldDeleted;
    let new_cert = finished.new_cert.clone();
    let effects = update(
        &mut state,
        Msg::RotationEnded {
            result: Ok(Finish::Rotated(Rotated {
                certificate_id: "new-id".into(),
                fingerprint: "AB:CD".into(),
                certificate: new_cert.clone(),
                key: finished.new_key.clone(),
                ca: finished.ca_cert.clone(),
                final_snippet: None,
                origin_without_certificate: Vec::new(),
                origin_still_enforces: true,
            })),
            rotation: Box::new(finished),
        },
    );
    assert!(state.busy.is_none());
    assert!(state.done.contains(&Step::Rotate));
    let [Effect::SaveProgress(progress)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(progress.certificate_id.as_deref(), Some("new-id"));
    assert_eq!(
        progress.certificate.as_ref().map(|f| f.client_cert.clone()),
        Some(new_cert),
        "the next rotation starts from the new certificate"
    );
    press(&mut state, KeyCode::Enter);
    assert!(state.quit);
}

#[test]
fn a_stopped_rotation_checks_again_or_is_abandoned_after_a_confirmation() {
    use aop_wizard::rotation::{Finish, Stage};
    let mut state = at(Step::Rotate);
    let mut plan = planned_rotation();
    plan.stage = Stage::Switched;
    update(&mut state, Msg::RotationPlanned(Ok(Box::new(plan.clone()))));
    assert!(
        state
            .notice
            .as_deref()
            .is_some_and(|n| n.contains("stopped")),
        "{:?}",
        state.notice
    );
    update(
        &mut state,
        Msg::RotationEnded {
            result: Ok(Finish::EdgeRefused {
                problems: vec!["https://example.com/: 525".into()],
            }),
            rotation: Box::new(plan),
        },
    );
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::CarryOutRotation { .. }]),
        "Enter checks again without asking: {effects:?}"
    );
    update(
        &mut state,
        Msg::RotationEnded {
            result: Err("still refused".into()),
            rotation: Box::new(planned_rotation()),
        },
    );
    assert!(press(&mut state, KeyCode::Char('a')).is_empty());
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(effects.as_slice(), [Effect::AbortRotation { .. }]));
    update(&mut state, Msg::RotationAborted(Ok(())));
    assert!(state.rotation.plan.is_none());
}

#[test]
fn a_certificate_near_its_end_is_offered_for_rotation_first() {
    use aop_wizard::tui::steps::Task;
    let saved = |zone: &str| Progress {
        zone: zone.into(),
        scope: Scope::Zone,
        certificate: Some(files()),
        certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
        ..Progress::default()
    };
    let mut state = Wizard::new(
        vec![saved("example.com"), saved("example.org")],
        None,
        "https://api.cloudflare.com/client/v4".into(),
    );
    state.set_days_left(vec![Some(400), Some(12)]);
    assert_eq!(
        state.cursor, 3,
        "two resumes, then the rotation of example.org"
    );
    press(&mut state, KeyCode::Enter);
    assert_eq!((state.task, state.step), (Task::Rotate, Step::Token));
    assert_eq!(state.zone_filter.value, "example.org");
}

#[test]
fn undo_probes_the_origin_first_then_asks_and_turns_off() {
    use aop_wizard::tui::steps::Task;
    use aop_wizard::undo::UndoPlan;
    let mut state = at(Step::Summary);
    let effects = press(&mut state, KeyCode::Char('u'));
    assert_eq!((state.step, state.task), (Step::Undo, Task::Undo));
    assert!(matches!(effects.as_slice(), [Effect::ReadUndo { zone, .. }] if zone == "example.com"));
    let plan = UndoPlan {
        zone: "example.com".into(),
        zone_level: true,
        zone_certificates: vec!["2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()],
        proxied: vec!["example.com".into()],
        ..UndoPlan::default()
    };
    update(&mut state, Msg::UndoRead(Ok(Box::new(plan))));
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::ProbeRelaxed { hostnames, .. }] = effects.as_slice() else {
        panic!("the origin is probed before anything else: {effects:?}")
    };
    assert_eq!(hostnames, &vec!["example.com".to_string()]);
    update(
        &mut state,
        Msg::UndoProbed(Ok(vec!["203.0.113.10:443 (example.com: enforced)".into()])),
    );
    assert!(
        matches!(
            press(&mut state, KeyCode::Enter).as_slice(),
            [Effect::ProbeRelaxed { .. }]
        ),
        "still enforcing: Enter probes again, nothing is turned off"
    );
    update(&mut state, Msg::UndoProbed(Ok(Vec::new())));
    press(&mut state, KeyCode::Char('d'));
    assert!(press(&mut state, KeyCode::Enter).is_empty(), "asks first");
    let confirm = confirmation(&state).cloned().unwrap();
    assert!(
        confirm
            .lines
            .iter()
            .any(|l| l.contains("delete certificate 2458ce5a")),
        "{:?}",
        confirm.lines
    );
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::TurnOff {
            delete_certificates: true,
            ..
        }]
    ));
    let effects = update(&mut state, Msg::TurnedOff(Ok(())));
    assert!(state.done.contains(&Step::Undo));
    // The saved set-up says AOP is off and the certificates gone: a restart offers no undo.
    let saved = effects
        .iter()
        .find_map(|e| match e {
            Effect::SaveProgress(progress) => Some(progress.clone()),
            _ => None,
        })
        .expect("the set-up is saved as it now is");
    use aop_wizard::setup::Stage;
    for stage in [
        Stage::Enabled,
        Stage::ServedWhileLogging,
        Stage::ServedWhileEnforcing,
        Stage::Active,
    ] {
        assert!(!saved.reached.contains(&stage), "{stage:?} still saved");
    }
    assert_eq!(saved.certificate_id, None);
    press(&mut state, KeyCode::Enter);
    assert!(state.quit);
}

/// Every "Same as" line is a command the CLI accepts, on every screen, for every scope, and names
/// what the screen really does.
#[test]
fn every_same_as_line_parses_with_the_cli_definition() {
    use aop_wizard::cli::Cli;
    use aop_wizard::tui::same_as;
    use clap::Parser;
    for scope in Scope::ALL {
        for step in Step::ALL {
            let mut state = at(step);
            state.scope = scope;
            for generate in [true, false] {
                state.generate = generate;
                for command in same_as::commands(&state) {
                    assert_eq!(command[0], "aop-wizard");
                    if let Err(error) = Cli::try_parse_from(&command) {
                        panic!("{scope:?} {step:?}: {command:?} does not parse:\n{error}");
                    }
                }
            }
        }
    }
    let line = |state: &Wizard| same_as::line(state);
    assert!(line(&at(Step::Alerts)).starts_with("aop-wizard alerts create --zone example.com"));
    let mut import = at(Step::Certificate);
    import.generate = false;
    assert!(
        line(&import).starts_with("aop-wizard cert check"),
        "{}",
        line(&import)
    );
    let mut global = at(Step::SnippetLog);
    global.scope = Scope::Global;
    assert!(line(&global).contains(" --global "), "{}", line(&global));
    let mut two = at(Step::Enable);
    two.scope = Scope::Hostname;
    two.hostname_choice = ["a.example.com", "b.example.com"]
        .map(String::from)
        .into_iter()
        .collect();
    let enable = line(&two);
    assert!(
        enable.contains("--hostname a.example.com --hostname b.example.com"),
        "{enable}"
    );
    // `upload --hostname` takes one; `enable` then names every one.
    let mut upload = at(Step::Upload);
    upload.scope = Scope::Hostname;
    upload.hostname_choice = two.hostname_choice.clone();
    let commands = same_as::commands(&upload);
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].join(" ").contains("upload --zone example.com"));
    assert!(commands[0].join(" ").contains("--hostname a.example.com"));
    assert!(
        commands[1]
            .join(" ")
            .contains("enable --zone example.com --scope hostname --hostname a.example.com --hostname b.example.com"),
        "{commands:?}"
    );
    let mut spaced = at(Step::Certificate);
    spaced.out_dir = aop_wizard::tui::input::TextInput::new("/tmp/my certs");
    assert!(
        line(&spaced).contains("--out '/tmp/my certs'"),
        "{}",
        line(&spaced)
    );
}

/// The key bar and the key handler agree on every screen, in the variants that change the keys:
/// each hint has a key that does something (changes the state or asks for an effect), and every
/// key that does something is in a hint, and in one hint only.
#[test]
fn every_hinted_key_works_and_every_working_key_is_hinted() {
    use aop_wizard::tui::keys::{Key, Keys};
    for (screen, state) in screens() {
        let hints = app::hints(&state);
        let bar: Vec<String> = hints
            .iter()
            .map(|h| format!("{} {}", h.label, h.action))
            .collect();
        for hint in &hints {
            let tries: Vec<KeyEvent> = match &hint.keys {
                Keys::These(keys) => keys
                    .iter()
                    .map(|key| match *key {
                        Key::Plain(code) => KeyEvent::new(code, KeyModifiers::NONE),
                        Key::Ctrl(letter) => {
                            KeyEvent::new(KeyCode::Char(letter), KeyModifiers::CONTROL)
                        }
                    })
                    .collect(),
                Keys::Text | Keys::Any => {
                    vec![KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE)]
                }
            };
            assert!(
                tries.iter().any(|key| acts(&state, *key)),
                "{screen}: \"{} {}\" is in the bar but does nothing",
                hint.label,
                hint.action
            );
        }
        for key in candidate_keys() {
            let covering = hints
                .iter()
                .filter(|h| h.keys != Keys::Any && h.covers(&key))
                .count();
            assert!(
                covering <= 1,
                "{screen}: {key:?} is in {covering} hints: {bar:?}"
            );
            if acts(&state, key) {
                assert!(
                    hints.iter().any(|h| h.covers(&key)),
                    "{screen}: {key:?} does something but the bar does not show it: {bar:?}"
                );
            }
        }
    }
}

/// Whether pressing `key` on a copy of `state` changes it or asks for an effect (beyond clearing
/// the last message, which every key does).
fn acts(state: &Wizard, key: KeyEvent) -> bool {
    let mut pressed = state.clone();
    let effects = update(&mut pressed, Msg::Key(key));
    let mut read = state.clone();
    read.notice = None;
    read.error = None;
    !effects.is_empty() || format!("{pressed:?}") != format!("{read:?}")
}

/// Letters, digits and the keys screens use; Ctrl-C and Ctrl-U too.
fn candidate_keys() -> Vec<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut keys: Vec<KeyEvent> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain([' ', '?', '[', ']'])
        .map(|c| plain(KeyCode::Char(c)))
        .collect();
    keys.extend(
        [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Backspace,
        ]
        .map(plain),
    );
    keys.extend(['c', 'u'].map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    keys
}

/// Every step as `at` leaves it, and the variants whose keys differ.
fn screens() -> Vec<(String, Wizard)> {
    use aop_wizard::rotation::{Event, Finish, Stage};
    use aop_wizard::undo::UndoPlan;
    let mut screens: Vec<(String, Wizard)> = Step::ALL
        .into_iter()
        .map(|step| (format!("{step:?}"), at(step)))
        .collect();
    let mut add = |name: &str, state: Wizard| screens.push((name.to_string(), state));

    let saved = Progress {
        zone: "example.com".into(),
        scope: Scope::Zone,
        reached: [aop_wizard::setup::Stage::Enabled].into(),
        certificate: Some(files()),
        certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
        ..Progress::default()
    };
    let mut viewer = at(Step::SnippetLog);
    press(&mut viewer, KeyCode::Char('v'));
    add("Viewer on the log snippet", viewer.clone());
    press(&mut viewer, KeyCode::Char('z'));
    add("Viewer wrapped", viewer);
    add(
        "Welcome with a set-up to resume, rotate or undo",
        Wizard::new(
            vec![saved],
            None,
            "https://api.cloudflare.com/client/v4".into(),
        ),
    );

    let mut looking = wizard();
    press(&mut looking, KeyCode::Enter);
    add("Token being looked for", looking.clone());
    let mut need = looking.clone();
    update(&mut need, Msg::TokenChecked(Err("No token.".into())));
    add("Token to type", need);
    let mut typed = looking.clone();
    update(
        &mut typed,
        Msg::TokenChecked(Ok(verified_token("typed in", true))),
    );
    update(&mut typed, Msg::Zones(Ok(vec![zone("example.com")])));
    update(&mut typed, Msg::Permissions(Vec::new()));
    add("Token typed (it can be saved)", typed);
    let mut no_zones = looking;
    update(
        &mut no_zones,
        Msg::TokenChecked(Ok(verified_token("env", false))),
    );
    update(&mut no_zones, Msg::Zones(Ok(Vec::new())));
    add("Token that sees no zone", no_zones);

    let mut one_zone = at(Step::Zone);
    type_text(&mut one_zone, "org");
    add("Zone filtered to one", one_zone);
    let mut reading = at(Step::Zone);
    press(&mut reading, KeyCode::Enter);
    add("Zone being read", reading);

    for mode in [SslMode::Off, SslMode::Flexible, SslMode::Strict] {
        let mut state = at(Step::SslMode);
        update(
            &mut state,
            Msg::ZoneRead(Ok(zone_settings(mode.clone(), "custom", Vec::new()))),
        );
        add(&format!("SslMode {mode:?}"), state);
    }

    let mut key_type = at(Step::Certificate);
    press(&mut key_type, KeyCode::Down);
    add("Certificate, key type", key_type.clone());
    let mut out_dir = key_type;
    press(&mut out_dir, KeyCode::Down);
    add("Certificate, directory typed", out_dir);
    let mut import = at(Step::Certificate);
    press(&mut import, KeyCode::Right);
    add("Certificate, import", import.clone());
    press(&mut import, KeyCode::Down);
    add("Certificate, import path typed", import);
    let mut made = at(Step::Certificate);
    update(&mut made, Msg::CertificateReady(Ok(ready())));
    add("Certificate made", made);
    let mut global = at(Step::Certificate);
    global.scope = Scope::Global;
    add("Certificate, global scope", global);

    let mut uploaded = at(Step::Upload);
    uploaded.certificate_id = Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into());
    add("Upload done", uploaded);
    let mut uploading = at(Step::Upload);
    press(&mut uploading, KeyCode::Enter);
    add("Upload asked (a confirmation open)", uploading.clone());
    press(&mut uploading, KeyCode::Char('y'));
    add("Upload running (it cannot be stopped)", uploading);

    for (key, field) in [('e', "CA path"), ('d', "directory")] {
        let mut editing = at(Step::SnippetLog);
        press(&mut editing, KeyCode::Char(key));
        add(&format!("SnippetLog, {field} edited"), editing);
    }

    let mut hostname = at(Step::Enable);
    hostname.scope = Scope::Hostname;
    add("Enable, hostname scope", hostname);
    let mut enabled = at(Step::Enable);
    enabled.enabled = true;
    add("Enable done", enabled);

    let mut failing = passing(SnippetPhase::Log);
    failing.cells[0].judgement.verdict = aop_wizard::probe::Verdict::NotRequesting;
    let mut failed = at(Step::VerifyLog);
    update(
        &mut failed,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: true,
            result: Ok(failing),
        },
    );
    add("VerifyLog failed", failed);
    let mut passed = at(Step::VerifyLog);
    update(
        &mut passed,
        Msg::Verified {
            phase: SnippetPhase::Log,
            through_edge: true,
            result: Ok(passing(SnippetPhase::Log)),
        },
    );
    add("VerifyLog passed", passed);
    let mut probing = at(Step::VerifyLog);
    press(&mut probing, KeyCode::Enter);
    add("VerifyLog probing (it can be stopped)", probing);
    let mut log_field = at(Step::VerifyLog);
    update(&mut log_field, log_proven());
    press(&mut log_field, KeyCode::Tab);
    add("VerifyLog, the access log's field", log_field);
    let mut not_ready = at(Step::VerifyLog);
    update(&mut not_ready, log_proven());
    update(
        &mut not_ready,
        evidence_read(Ok(evidence_of(&not_ready_log()))),
    );
    add("VerifyLog, the access log not ready", not_ready);

    let mut enforced = at(Step::Enforce);
    update(
        &mut enforced,
        Msg::Verified {
            phase: SnippetPhase::Enforce,
            through_edge: true,
            result: Ok(passing(SnippetPhase::Enforce)),
        },
    );
    add("Enforce passed", enforced);
    let mut enforce_editing = at(Step::Enforce);
    press(&mut enforce_editing, KeyCode::Char('d'));
    add("Enforce, directory edited", enforce_editing);

    let mut alert = at(Step::Alerts);
    update(&mut alert, Msg::AlertCreated(Ok("policy".into())));
    add("Alerts done", alert);

    let mut bare = at(Step::Summary);
    bare.certificate_id = None;
    bare.enabled = false;
    add("Summary with nothing to rotate or undo", bare);

    let mut help = at(Step::SslMode);
    press(&mut help, KeyCode::Char('?'));
    add("Help open", help);
    let mut quit = at(Step::SslMode);
    press(&mut quit, KeyCode::Char('q'));
    add("Quit asked", quit);

    let mut planned = at(Step::Rotate);
    update(
        &mut planned,
        Msg::RotationPlanned(Ok(Box::new(planned_rotation()))),
    );
    add("Rotate planned", planned.clone());
    let mut stopped = planned.clone();
    update(
        &mut stopped,
        Msg::RotationEvent(Event::Reached(Stage::Uploaded, "certificate N".into())),
    );
    let mut switched = planned_rotation();
    switched.stage = Stage::Switched;
    update(
        &mut stopped,
        Msg::RotationEnded {
            result: Ok(Finish::EdgeRefused {
                problems: vec!["https://example.com/: 525".into()],
            }),
            rotation: Box::new(switched),
        },
    );
    add("Rotate stopped at the edge", stopped);
    let mut rotated = planned;
    rotation_carried_out(&mut rotated);
    add("Rotate done", rotated);

    let mut unread = at(Step::Undo);
    update(&mut unread, Msg::UndoRead(Err("rate limited".into())));
    add("Undo, not read", unread);
    let mut read = at(Step::Undo);
    let plan = UndoPlan {
        zone: "example.com".into(),
        zone_level: true,
        proxied: vec!["example.com".into()],
        ..UndoPlan::default()
    };
    update(&mut read, Msg::UndoRead(Ok(Box::new(plan))));
    add("Undo, origin not probed", read.clone());
    let mut relaxed = read;
    update(&mut relaxed, Msg::UndoProbed(Ok(Vec::new())));
    add("Undo, origin relaxed", relaxed.clone());
    let mut off = relaxed;
    update(&mut off, Msg::TurnedOff(Ok(())));
    add("Undo done", off);

    let mut passphrase = at(Step::Certificate);
    passphrase.certificate = None;
    passphrase.focus = aop_wizard::tui::state::Field::CaPassphrase;
    add("Certificate, passphrase field", passphrase);
    let mut locked = at(Step::Rotate);
    update(
        &mut locked,
        Msg::CaPassphraseNeeded {
            key: PathBuf::from("/tmp/aop/ca.key"),
            wrong: false,
        },
    );
    add("Rotate, CA key passphrase asked", locked);
    let mut folder = at(Step::SnippetChoice);
    press(&mut folder, KeyCode::Down);
    press(&mut folder, KeyCode::Down);
    add("Snippets only, typing the folder", folder.clone());
    let mut named = folder;
    press(&mut named, KeyCode::Up);
    press(&mut named, KeyCode::Right);
    press(&mut named, KeyCode::Down);
    add("Snippets only, typing the CA file", named);
    let mut editing = at(Step::SnippetReady);
    press(&mut editing, KeyCode::Char('e'));
    add("Snippets only, editing the CA path", editing);
    screens
}

/// Snippets only: from the first screen to the snippet in five keys with the choices as they
/// come, and never a token, a zone or a request to Cloudflare on the way.
#[test]
fn snippets_only_needs_no_token_and_shows_the_snippet_in_five_keys() {
    use aop_wizard::tui::message::CaSource;
    use aop_wizard::tui::steps::Task;
    let mut state = wizard();
    let mut effects = Vec::new();
    let mut keys = 0;
    let mut key = |state: &mut Wizard, code: KeyCode, effects: &mut Vec<Effect>| {
        keys += 1;
        effects.extend(press(state, code));
    };
    for _ in Scope::ALL {
        key(&mut state, KeyCode::Down, &mut effects);
    }
    key(&mut state, KeyCode::Enter, &mut effects);
    assert_eq!(
        (state.task, state.step),
        (Task::Snippets, Step::SnippetChoice)
    );
    let shown: Vec<Step> = Step::ALL
        .into_iter()
        .filter(|s| s.applies_to(state.task, state.scope))
        .collect();
    assert_eq!(
        shown,
        [Step::Welcome, Step::SnippetChoice, Step::SnippetReady],
        "the stepper shows this task's steps only"
    );
    key(&mut state, KeyCode::Enter, &mut effects);
    let [Effect::GenerateCertificate { dir, zone, .. }] = effects.as_slice() else {
        panic!("a new CA is made first: {effects:?}")
    };
    assert_eq!(dir, &PathBuf::from("./aop-snippets"));
    assert_eq!(zone, "", "no zone: the CA is named after aop-wizard");
    update(&mut state, Msg::CertificateReady(Ok(ready())));
    assert_eq!(state.step, Step::SnippetReady);
    assert_eq!(keys, 5, "launch to snippet");
    let snippet = state.snippet_text(state.snippet_phase).unwrap();
    assert!(
        snippet.contains("ssl_client_certificate /etc/nginx/aop/ca.crt;"),
        "{snippet}"
    );
    assert!(
        snippet.contains("phase 1 of 2"),
        "the log phase comes first"
    );

    let copied = press(&mut state, KeyCode::Char('c'));
    assert!(matches!(copied.as_slice(), [Effect::Copy(text)] if *text == snippet));
    let written = press(&mut state, KeyCode::Char('w'));
    let [
        Effect::WriteSnippet {
            dir,
            snippet_name,
            snippet: text,
            ca_name,
            ca: CaSource::File(ca),
            ..
        },
    ] = written.as_slice()
    else {
        panic!("w writes the snippet and the new CA: {written:?}")
    };
    assert_eq!(
        dir,
        &PathBuf::from("/tmp/aop/origin"),
        "beside the CA just made"
    );
    assert_eq!(
        (snippet_name.as_str(), ca_name.as_str()),
        ("nginx-log.conf", "ca.crt")
    );
    assert_eq!(text, &snippet);
    assert_eq!(ca, &files().ca_cert, "the CA just made");
    effects.extend(written);
    assert!(
        effects.iter().all(|e| matches!(
            e,
            Effect::GenerateCertificate { .. } | Effect::WriteSnippet { .. }
        )),
        "nothing but the files: {effects:?}"
    );
    assert!(state.client.is_none() && state.zone.is_none());
}

/// Every choice of the form reaches the snippet and its CA file: servers and Caddy's versions,
/// a CA file the user has, Cloudflare's CA, the enforce phase.
#[test]
fn snippets_only_offers_every_server_ca_and_phase() {
    use aop_wizard::tui::message::CaSource;
    use aop_wizard::tui::state::SnippetCa;
    let mut state = at(Step::SnippetChoice);
    for _ in 0..5 {
        press(&mut state, KeyCode::Right);
    }
    assert_eq!(
        state.server_version.map(|v| v.to_string()),
        Some("2.7".into())
    );
    let old_caddy = state.snippet_text(SnippetPhase::Log).unwrap();
    assert!(
        old_caddy.contains("trusted_ca_cert_file /etc/caddy/aop/ca.crt"),
        "{old_caddy}"
    );
    assert!(aop_wizard::tui::same_as::line(&state).contains("--server-version 2.7"));
    press(&mut state, KeyCode::Left);
    assert!(
        state
            .snippet_text(SnippetPhase::Log)
            .unwrap()
            .contains("trust_pool")
    );

    // A CA file the user has: its path must be typed before anything is shown.
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Right);
    assert_eq!(state.snippet_ca, SnippetCa::File);
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert_eq!(state.step, Step::SnippetChoice);
    assert!(
        state
            .error
            .as_deref()
            .is_some_and(|e| e.contains("path of the CA"))
    );
    press(&mut state, KeyCode::Down);
    assert!(typing(&state), "the CA file row takes letters");
    type_text(&mut state, "/srv/pki/origin-ca.pem");
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Right);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::CheckCaFile(path)] if path.as_path() == std::path::Path::new("/srv/pki/origin-ca.pem")),
        "the file is checked, nothing made: {effects:?}"
    );
    update(
        &mut state,
        Msg::CaFileChecked(Err("/srv/pki/origin-ca.pem is not a CA certificate".into())),
    );
    assert_eq!(state.step, Step::SnippetChoice, "refused: the form stays");
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::CaFileChecked(Ok(2)));
    assert_eq!(state.step, Step::SnippetReady);
    assert!(
        state
            .snippet_text(SnippetPhase::Enforce)
            .unwrap()
            .contains("trust_pool"),
        "Caddy 2.8 takes both CAs of the file"
    );
    press(&mut state, KeyCode::Esc);
    state.cursor = 0;
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Enter);
    assert_eq!(
        state.step,
        Step::SnippetReady,
        "checked already: no second check"
    );
    assert!(
        state
            .snippet_text(SnippetPhase::Enforce)
            .is_err_and(|e| e.contains("several CAs")),
        "Caddy before 2.8 cannot take the two CAs of one file"
    );
    assert!(
        press(&mut state, KeyCode::Char('w')).is_empty(),
        "nothing to write"
    );
    press(&mut state, KeyCode::Esc);
    state.cursor = 0;
    press(&mut state, KeyCode::Left);
    press(&mut state, KeyCode::Enter);
    let written = press(&mut state, KeyCode::Char('w'));
    let [
        Effect::WriteSnippet {
            snippet_name,
            ca: CaSource::File(ca),
            ..
        },
    ] = written.as_slice()
    else {
        panic!("{written:?}")
    };
    assert_eq!(snippet_name, "caddy-enforce.conf");
    assert_eq!(ca, &PathBuf::from("/srv/pki/origin-ca.pem"));
    update(&mut state, Msg::SnippetWritten(Ok(Vec::new())));

    // Back to the form: Cloudflare's CA is global AOP's snippet, with the CA shipped inside.
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::SnippetChoice);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Right);
    assert_eq!(
        (state.snippet_ca, state.scope),
        (SnippetCa::Cloudflare, Scope::Global)
    );
    press(&mut state, KeyCode::Enter);
    let global = state.snippet_text(state.snippet_phase).unwrap();
    assert!(
        global.contains("Cloudflare's shared origin-pull CA"),
        "{global}"
    );
    let written = press(&mut state, KeyCode::Char('w'));
    assert!(matches!(
        written.as_slice(),
        [Effect::WriteSnippet {
            ca: CaSource::Cloudflare,
            ..
        }]
    ));
}

/// The CA folder is typed in the form; another folder makes another CA. A choice on the first
/// screen after coming back starts that task, not snippets only.
#[test]
fn snippets_only_makes_a_ca_per_folder_and_leaves_for_a_set_up() {
    use aop_wizard::tui::steps::Task;
    let mut state = at(Step::SnippetReady);
    press(&mut state, KeyCode::Esc);
    assert!(
        press(&mut state, KeyCode::Enter).is_empty(),
        "the CA already made is used again"
    );
    assert_eq!(state.step, Step::SnippetReady);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Down);
    type_text(&mut state, "-2");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::GenerateCertificate { dir, .. }] if dir.as_path() == std::path::Path::new("./aop-snippets-2")),
        "{effects:?}"
    );
    update(
        &mut state,
        Msg::CertificateReady(Err(
            "./aop-snippets-2 already holds ca.crt: type another folder, or use the files already there."
                .into(),
        )),
    );
    assert_eq!(state.step, Step::SnippetChoice, "refused: the form stays");

    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::Welcome);
    state.cursor = 0;
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!((state.task, state.step), (Task::SetUp, Step::Token));
    assert!(matches!(effects.as_slice(), [Effect::VerifyToken(None)]));
}

#[test]
fn snippets_only_quits_without_asking_and_its_same_as_lines_parse() {
    use aop_wizard::cli::Cli;
    use aop_wizard::tui::same_as;
    use clap::Parser;
    for step in [Step::SnippetChoice, Step::SnippetReady] {
        let mut state = at(step);
        for _ in 0..aop_wizard::tui::state::SNIPPET_SERVERS.len() {
            for _ in aop_wizard::tui::state::SnippetCa::ALL {
                state.cursor = 1;
                press(&mut state, KeyCode::Right);
                for command in same_as::commands(&state) {
                    if let Err(error) = Cli::try_parse_from(&command) {
                        panic!("{step:?}: {command:?} does not parse:\n{error}");
                    }
                }
            }
            state.cursor = 0;
            press(&mut state, KeyCode::Right);
        }
        press(&mut state, KeyCode::Char('q'));
        assert!(
            state.quit && !asks_to_quit(&state),
            "{step:?}: nothing to lose"
        );
    }
    let line = same_as::line(&at(Step::SnippetReady));
    assert_eq!(
        line,
        "aop-wizard cert generate --out ./aop-snippets --key-type ecdsa-p256  ·  aop-wizard snippet nginx --phase log --ca /etc/nginx/aop/ca.crt"
    );
}

/// A finished rotation, begun from the summary: Esc goes back to the summary (not to the zone
/// picker), which says what changed and offers the next rotation.
#[test]
fn esc_after_a_finished_rotation_returns_to_the_summary() {
    use aop_wizard::tui::steps::Task;
    let mut state = at(Step::Rotate);
    rotated(&mut state);
    let bar: Vec<String> = app::hints(&state)
        .iter()
        .map(|h| format!("{} {}", h.label, h.action))
        .collect();
    assert!(bar.contains(&"Esc summary".to_string()), "{bar:?}");
    assert!(!bar.contains(&"Esc back".to_string()), "one Esc: {bar:?}");
    press(&mut state, KeyCode::Esc);
    assert_eq!((state.step, state.task), (Step::Summary, Task::SetUp));
    assert_eq!(state.certificate_id.as_deref(), Some("new-id"));
    assert!(
        state
            .files
            .iter()
            .any(|(_, path)| path.ends_with("rotated-2026-11-22/client.crt")),
        "the summary lists the new files: {:?}",
        state.files
    );
    press(&mut state, KeyCode::Char('r'));
    assert_eq!(
        state.step,
        Step::Rotate,
        "the summary offers the next rotation"
    );
    assert!(state.rotation.plan.is_none(), "a new one");
    press(&mut state, KeyCode::Esc);
    assert_eq!(
        state.step,
        Step::Summary,
        "begun from the summary, Esc goes back to it before the rotation too"
    );
}

/// Begun from the first screen: before it starts, Esc walks back as usual; once done, it goes to
/// the summary of that zone's set-up, built from its saved progress.
#[test]
fn esc_after_a_rotation_begun_on_the_first_screen_shows_the_saved_set_up() {
    use aop_wizard::tui::steps::Task;
    let saved = Progress {
        zone: "example.com".into(),
        scope: Scope::Zone,
        reached: [
            aop_wizard::setup::Stage::CertificateReady,
            aop_wizard::setup::Stage::Active,
            aop_wizard::setup::Stage::Enabled,
        ]
        .into(),
        certificate: Some(files()),
        certificate_id: Some("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()),
        ..Progress::default()
    };
    let mut state = Wizard::new(
        vec![saved],
        None,
        "https://api.cloudflare.com/client/v4".into(),
    );
    // As after a rotation begun on a summary earlier in the session: the first screen forgets it.
    state.summary_behind = true;
    state.cursor = 1;
    press(&mut state, KeyCode::Enter);
    assert_eq!((state.task, state.step), (Task::Rotate, Step::Token));
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("the OS keyring", false))),
    );
    update(&mut state, Msg::Zones(Ok(vec![zone("example.com")])));
    update(&mut state, Msg::Permissions(Vec::new()));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(SslMode::Full, "custom", Vec::new()))),
    );
    assert_eq!(state.step, Step::Rotate);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::Zone, "not begun: back one step");
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(SslMode::Full, "custom", Vec::new()))),
    );
    rotated(&mut state);
    press(&mut state, KeyCode::Esc);
    assert_eq!((state.step, state.task), (Step::Summary, Task::SetUp));
    for step in [Step::Certificate, Step::Upload, Step::Enable] {
        assert!(state.done.contains(&step), "{step:?} done, as saved");
    }
    assert!(!state.done.contains(&Step::Enforce), "not saved as done");
    let bar: Vec<String> = app::hints(&state)
        .iter()
        .map(|h| format!("{} {}", h.label, h.action))
        .collect();
    assert!(
        bar.contains(&"r rotate the certificate".to_string()),
        "{bar:?}"
    );
    assert!(
        bar.contains(&"u undo (turn AOP off)".to_string()),
        "{bar:?}"
    );
}

/// A finished undo: Esc goes back to the summary, which no longer offers to undo nor to rotate a
/// deleted certificate.
#[test]
fn esc_after_a_finished_undo_returns_to_the_summary() {
    use aop_wizard::tui::steps::Task;
    use aop_wizard::undo::UndoPlan;
    let mut state = at(Step::Undo);
    let plan = UndoPlan {
        zone: "example.com".into(),
        zone_level: true,
        zone_certificates: vec!["2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into()],
        proxied: vec!["example.com".into()],
        ..UndoPlan::default()
    };
    update(&mut state, Msg::UndoRead(Ok(Box::new(plan))));
    update(&mut state, Msg::UndoProbed(Ok(Vec::new())));
    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::TurnedOff(Ok(())));
    press(&mut state, KeyCode::Esc);
    assert_eq!((state.step, state.task), (Step::Summary, Task::SetUp));
    let bar: Vec<String> = app::hints(&state)
        .iter()
        .map(|h| format!("{} {}", h.label, h.action))
        .collect();
    assert!(
        !bar.iter()
            .any(|h| h.starts_with("u ") || h.starts_with("r ")),
        "AOP is off and the certificates are gone: {bar:?}"
    );
    // Nor does the summary still ask for the deleted certificate to be rotated.
    let said: String =
        aop_wizard::tui::screens::summary::lines(&state, &aop_wizard::tui::theme::Theme::plain())
            .iter()
            .map(|line| line.to_string() + "\n")
            .collect();
    assert!(said.contains("its certificates are deleted"), "{said}");
    assert!(!said.contains("rotate before then"), "{said}");
}

/// The rotation's confirmation numbers its steps 1, 2, 3 whether or not a new CA adds one.
#[test]
fn the_rotation_confirmation_numbers_its_steps_consecutively() {
    for new_ca in [false, true] {
        let mut state = at(Step::Rotate);
        let mut plan = planned_rotation();
        plan.new_ca = new_ca;
        update(&mut state, Msg::RotationPlanned(Ok(Box::new(plan))));
        press(&mut state, KeyCode::Enter);
        let lines = confirmation(&state).unwrap().lines.clone();
        let numbers: Vec<usize> = lines
            .iter()
            .filter_map(|line| line.trim_start().split_once(". "))
            .filter_map(|(number, _)| number.parse().ok())
            .collect();
        let expected: Vec<usize> = (1..=if new_ca { 4 } else { 3 }).collect();
        assert_eq!(numbers, expected, "new CA {new_ca}: {lines:?}");
    }
}

/// The open viewer, if any.
fn viewer(state: &Wizard) -> Option<&aop_wizard::tui::viewer::Viewer> {
    match &state.modal {
        Some(aop_wizard::tui::state::Modal::Viewer(viewer)) => Some(viewer),
        _ => None,
    }
}

fn hint_labels(state: &Wizard) -> Vec<&'static str> {
    app::hints(state).iter().map(|h| h.label).collect()
}

#[test]
fn a_paste_goes_into_the_field_with_the_keys_in_one_update() {
    let mut state = wizard();
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::TokenChecked(Err("No token.".into())));
    let token = "x".repeat(10_000);
    update(&mut state, Msg::Paste(format!("  \n{token}\r\n\t")));
    assert_eq!(
        state.token_input.value, token,
        "whole, blanks and line breaks around it trimmed"
    );
    // A list pasted one per line becomes the field's space-separated list; control characters
    // never reach it.
    let mut verify = at(Step::VerifyLog);
    // Verify log probes on arrival; stopped, as Esc would.
    update(&mut verify, Msg::Cancelled);
    update(
        &mut verify,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    update(
        &mut verify,
        Msg::Paste(" 192.0.2.1\n192.0.2.2\x1b[31m\n".into()),
    );
    assert_eq!(verify.origins.value, "192.0.2.1 192.0.2.2 [31m");
    // Typed-ahead filters react as to typing.
    let mut zone = at(Step::Zone);
    press(&mut zone, KeyCode::Down);
    update(&mut zone, Msg::Paste("org".into()));
    assert_eq!((zone.zone_filter.value.as_str(), zone.cursor), ("org", 0));
}

#[test]
fn a_paste_where_no_field_takes_keys_does_nothing() {
    for state in [at(Step::SslMode), at(Step::SnippetLog), at(Step::Summary)] {
        let mut pasted = state.clone();
        let effects = update(&mut pasted, Msg::Paste("q?y\n".into()));
        assert!(effects.is_empty());
        assert_eq!(
            format!("{pasted:?}"),
            format!("{state:?}"),
            "{:?}",
            state.step
        );
    }
    // Nor into a field behind a question.
    let mut asked = at(Step::Alerts);
    press(&mut asked, KeyCode::Char('c'));
    update(
        &mut asked,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(asks_to_quit(&asked));
    update(&mut asked, Msg::Paste("y".into()));
    assert!(!asked.quit && asked.email.value == "c");
}

#[test]
fn the_viewer_scrolls_within_the_text_and_closes() {
    let mut state = at(Step::SnippetLog);
    update(&mut state, Msg::Resized(80, 24));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(viewer(&state), Some(&Default::default()));
    let lines = state
        .snippet_text(SnippetPhase::Log)
        .unwrap()
        .lines()
        .count()
        + 2;
    let page = 24 - 2;
    for _ in 0..10 {
        press(&mut state, KeyCode::PageDown);
    }
    assert_eq!(
        viewer(&state).unwrap().top,
        lines - page,
        "PgDn stops with the last line at the bottom"
    );
    press(&mut state, KeyCode::Home);
    assert_eq!(viewer(&state).unwrap().top, 0);
    press(&mut state, KeyCode::End);
    assert_eq!(viewer(&state).unwrap().top, lines - page);
    press(&mut state, KeyCode::Up);
    assert_eq!(viewer(&state).unwrap().top, lines - page - 1);
    // Sideways up to the end of the widest line, never past it.
    for _ in 0..50 {
        press(&mut state, KeyCode::Right);
    }
    let widest = state
        .snippet_text(SnippetPhase::Log)
        .unwrap()
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert_eq!(viewer(&state).unwrap().left, widest - 80);
    press(&mut state, KeyCode::Char('z'));
    assert!(viewer(&state).unwrap().wrap);
    assert!(
        !hint_labels(&state).contains(&"←→"),
        "wrapped text does not scroll sideways"
    );
    press(&mut state, KeyCode::Esc);
    assert!(state.modal.is_none());
    assert_eq!(
        state.step,
        Step::SnippetLog,
        "closing the viewer stays on the screen"
    );
}

#[test]
fn the_viewer_lists_only_the_moves_that_go_somewhere() {
    let mut state = at(Step::Summary);
    update(&mut state, Msg::Resized(200, 60));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(hint_labels(&state), vec!["Esc", "Ctrl-C"], "all of it fits");
    let mut state = at(Step::SnippetLog);
    update(&mut state, Msg::Resized(72, 20));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(
        hint_labels(&state),
        vec!["↑↓", "PgDn", "Home/End", "←→", "z", "Esc", "Ctrl-C"]
    );
}

#[test]
fn where_letters_are_typed_ctrl_o_opens_the_viewer() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    press(&mut state, KeyCode::Char('v'));
    assert!(state.modal.is_none() && state.origins.value.ends_with('v'));
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)),
    );
    assert!(viewer(&state).is_some());
    // The zone list scrolls with its cursor: nothing more to view there.
    assert!(!hint_labels(&at(Step::Zone)).contains(&"Ctrl-O"));
}

#[test]
fn pgdn_on_a_snippet_stops_at_its_end() {
    let mut state = at(Step::SnippetLog);
    update(&mut state, Msg::Resized(110, 34));
    for _ in 0..20 {
        press(&mut state, KeyCode::PageDown);
    }
    let lines = state
        .snippet_text(SnippetPhase::Log)
        .unwrap()
        .lines()
        .count();
    let rows = aop_wizard::tui::screens::snippet_rows(&state);
    assert_eq!(usize::from(state.scroll), lines - rows);
    let before = format!("{state:?}");
    press(&mut state, KeyCode::PageDown);
    assert_eq!(format!("{state:?}"), before, "nothing below the last line");
    press(&mut state, KeyCode::PageUp);
    assert_eq!(
        usize::from(state.scroll),
        (lines - rows).saturating_sub(rows)
    );
}

#[test]
fn copying_says_the_terminal_was_asked_and_offers_a_file() {
    let mut state = at(Step::SnippetLog);
    update(&mut state, Msg::Copied);
    let notice = state.notice.clone().unwrap();
    assert!(
        notice.contains("Asked the terminal") && notice.contains("cannot confirm"),
        "{notice}"
    );
    assert!(notice.contains("w writes it"), "{notice}");
    assert!(app::hints(&state).iter().any(|h| h.label == "w"));
}

#[test]
fn after_the_terminal_grows_scrolling_starts_from_what_is_shown() {
    let mut state = at(Step::SnippetLog);
    update(&mut state, Msg::Resized(80, 24));
    press(&mut state, KeyCode::Char('v'));
    press(&mut state, KeyCode::End);
    update(&mut state, Msg::Resized(80, 30));
    press(&mut state, KeyCode::Up);
    let lines = state
        .snippet_text(SnippetPhase::Log)
        .unwrap()
        .lines()
        .count()
        + 2;
    assert_eq!(viewer(&state).unwrap().top, lines - (30 - 2) - 1);
    press(&mut state, KeyCode::Esc);
    update(&mut state, Msg::Resized(80, 24));
    for _ in 0..10 {
        press(&mut state, KeyCode::PageDown);
    }
    update(&mut state, Msg::Resized(80, 30));
    press(&mut state, KeyCode::PageUp);
    let rows = aop_wizard::tui::screens::snippet_rows(&state);
    let last = state
        .snippet_text(SnippetPhase::Log)
        .unwrap()
        .lines()
        .count()
        .saturating_sub(rows);
    assert_eq!(usize::from(state.scroll), last.saturating_sub(rows));
}

/// Snippets only makes a CA too: its key gets a passphrase typed twice on the form, or the form
/// says it is stored unencrypted; a mismatch makes nothing.
#[test]
fn snippets_only_offers_a_passphrase_for_the_new_ca_key() {
    let mut state = at(Step::SnippetChoice);
    let rows = state.snippet_rows();
    let row = |wanted| rows.iter().position(|r| *r == wanted).unwrap();
    let screen = |state: &Wizard| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        terminal
            .draw(|frame| {
                aop_wizard::tui::view::draw(frame, state, &aop_wizard::tui::theme::Theme::plain())
            })
            .unwrap();
        format!("{:?}", terminal.backend())
    };
    assert!(
        screen(&state).contains("stored unencrypted"),
        "{}",
        screen(&state)
    );

    use aop_wizard::tui::state::SnippetRow;
    state.cursor = row(SnippetRow::Passphrase);
    type_text(&mut state, "correct horse");
    state.cursor = row(SnippetRow::PassphraseAgain);
    type_text(&mut state, "correct hose");
    assert!(!screen(&state).contains("correct ho"), "masked");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(
        state.error.as_deref().unwrap().contains("differ"),
        "{:?}",
        state.error
    );

    press(&mut state, KeyCode::Backspace);
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "rse");
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::GenerateCertificate {
            ca_passphrase: Some(passphrase),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("the CA key is encrypted with it: {effects:?}")
    };
    assert_eq!(passphrase.expose(), b"correct horse");
}

/// While the terminal is too small to show anything but how to make room, no key confirms or
/// changes anything unseen; Ctrl-C, the one key the screen names, quits at once.
#[test]
fn a_terminal_too_small_takes_no_key_but_ctrl_c() {
    let mut state = at(Step::Upload);
    state.notice = Some("Wrote the snippet".into());
    update(&mut state, Msg::Resized(60, 15));
    for code in [
        KeyCode::Enter,
        KeyCode::Char('y'),
        KeyCode::Esc,
        KeyCode::Char('q'),
    ] {
        assert!(press(&mut state, code).is_empty(), "{code:?} did something");
    }
    assert!(state.modal.is_none(), "nothing asked unseen");
    assert!(state.notice.is_some(), "a message not yet seen stays");
    assert_eq!(state.step, Step::Upload);
    assert!(app::hints(&state).iter().all(|h| h.label == "Ctrl-C"));

    // Large enough again: Enter asks, as ever; shrunk with the question open, y does nothing.
    update(&mut state, Msg::Resized(80, 24));
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_some());
    update(&mut state, Msg::Resized(71, 24));
    assert!(press(&mut state, KeyCode::Char('y')).is_empty());
    update(
        &mut state,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(state.quit);
}

/// A message stays only until the next key: an old error never sits under a new screen state.
#[test]
fn the_next_key_clears_the_last_message() {
    let mut state = at(Step::Certificate);
    state.error = Some("cannot read /tmp/x: no such file".into());
    state.notice = Some("Copied".into());
    press(&mut state, KeyCode::Down);
    assert_eq!(
        (state.error.as_deref(), state.notice.as_deref()),
        (None, None)
    );
}

/// A path field holding a paste gone wrong shows its end and its length, and the screen below
/// it stays in view.
#[test]
fn a_huge_path_shows_its_end_and_keeps_the_screen() {
    let mut state = at(Step::Certificate);
    state.certificate = None;
    state.focus = aop_wizard::tui::state::Field::OutDir;
    update(&mut state, Msg::Paste(format!("{}/end", "x".repeat(3000))));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| {
            aop_wizard::tui::view::draw(frame, &state, &aop_wizard::tui::theme::Theme::plain())
        })
        .unwrap();
    let screen = format!("{:?}", terminal.backend());
    assert!(screen.contains("(3021 characters)"), "{screen}");
    assert!(screen.contains("/end"), "{screen}");
    assert!(screen.contains("Same as"), "{screen}");
}

/// The demo's badge is never cut: on a narrow terminal it is shorter, but whole.
#[test]
fn the_demo_badge_shows_whole_at_the_smallest_size() {
    let mut state = at(Step::Upload);
    state.demo_origin = Some("127.0.0.1:8443".parse().unwrap());
    let header = |width: u16| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, 20)).unwrap();
        terminal
            .draw(|frame| {
                aop_wizard::tui::view::draw(frame, &state, &aop_wizard::tui::theme::Theme::plain())
            })
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..width)
            .map(|x| buffer[(x, 0)].symbol().to_string())
            .collect::<String>()
    };
    assert!(
        header(100).contains("DEMO: fake Cloudflare on loopback"),
        "{}",
        header(100)
    );
    let narrow = header(72);
    assert!(
        narrow.trim_end().ends_with("DEMO: fake Cloudflare"),
        "{narrow}"
    );
}

/// "Same as" names the path the wizard uses: `~` expanded (quoted, a shell would not expand it).
#[test]
fn same_as_expands_the_home_directory_in_paths() {
    let home = directories::BaseDirs::new()
        .unwrap()
        .home_dir()
        .to_path_buf();
    let mut state = at(Step::Certificate);
    state.out_dir = aop_wizard::tui::input::TextInput::new("~/certs");
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.contains(&home.join("certs").display().to_string()),
        "{line}"
    );
    assert!(!line.contains('~'), "{line}");
}

/// Snippets only: the snippet goes beside the set wherever it was made, its Same as still says
/// the CA key is encrypted once the passphrase fields are cleared, and the files written are
/// named for what they are.
#[test]
fn snippets_only_writes_beside_the_set_it_made_and_says_what_each_file_is() {
    let mut state = at(Step::SnippetChoice);
    state.out_dir = aop_wizard::tui::input::TextInput::new("./aop3");
    press(&mut state, KeyCode::Enter);
    let mut made = ready();
    made.ca_key_encrypted = true;
    update(&mut state, Msg::CertificateReady(Ok(made)));
    assert_eq!(state.step, Step::SnippetReady);
    assert_eq!(
        state.snippet_dir.value, "/tmp/aop/origin",
        "beside /tmp/aop/ca.crt"
    );
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(line.contains("--ca-passphrase-env CA_PASS"), "{line}");

    press(&mut state, KeyCode::Char('w'));
    update(
        &mut state,
        Msg::SnippetWritten(Ok(vec![
            PathBuf::from("/tmp/aop/origin/nginx-log.conf"),
            PathBuf::from("/tmp/aop/origin/ca.crt"),
        ])),
    );
    let labels: Vec<&str> = state
        .files
        .iter()
        .filter(|(_, path)| path.starts_with("/tmp/aop/origin"))
        .map(|(what, _)| what.as_str())
        .collect();
    assert_eq!(
        labels,
        ["origin configuration", "CA certificate for the origin"]
    );
}

/// What an error carries from outside (a file name, an origin's or Cloudflare's words) reaches
/// the terminal without its escape sequences.
#[test]
fn an_error_never_draws_escape_sequences() {
    let mut state = at(Step::Certificate);
    state.error = Some("cannot read /tmp/evil\u{1b}]0;PWNED\u{7}\u{1b}[2J.crt".into());
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| {
            aop_wizard::tui::view::draw(frame, &state, &aop_wizard::tui::theme::Theme::plain())
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| !cell.symbol().chars().any(char::is_control)),
        "a control character reached the screen"
    );
    // Seen, escaped: neither obeyed nor dropped without a trace.
    let shown: String = buffer.content().iter().map(|cell| cell.symbol()).collect();
    assert!(
        shown.contains("cannot read /tmp/evil\\x1b]0;PWNED\\x07\\x1b[2J.crt"),
        "{shown}"
    );
}

/// The `e` field goes through the snippet's one check: a CA path with a line break is refused
/// with the sentence (Enter keeps the field open, the snippet area says it too), and neither
/// `c`, `w` nor Enter writes or copies anything; a path with spaces and quotes goes in quoted.
#[test]
fn the_ca_path_field_refuses_what_the_snippet_cannot_carry() {
    let clear = || Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    for step in [Step::SnippetLog, Step::Enforce] {
        let mut state = at(step);
        press(&mut state, KeyCode::Char('e'));
        update(&mut state, clear());
        type_text(&mut state, "/etc/nginx/aop/ca.crt;\nssl_verify_client off;");
        assert!(press(&mut state, KeyCode::Enter).is_empty());
        assert!(
            typing(&state),
            "Enter leaves a value the snippet cannot carry open"
        );
        let error = state.error.clone().expect("Enter says why");
        assert!(
            error.starts_with("the CA path \"/etc/nginx/aop/ca.crt;")
                && error.contains("ssl_verify_client off;")
                && error.contains("control character U+000A")
                && error.contains("remove it"),
            "{error}"
        );
        press(&mut state, KeyCode::Esc);
        assert!(!typing(&state));
        for key in [KeyCode::Char('c'), KeyCode::Char('w'), KeyCode::Enter] {
            let effects = press(&mut state, key);
            assert!(
                !effects
                    .iter()
                    .any(|e| matches!(e, Effect::Copy(_) | Effect::WriteSnippet { .. })),
                "{key:?} gave {effects:?}"
            );
            assert!(state.error.as_deref().is_some_and(|e| e.contains("U+000A")));
        }
        assert_eq!(state.step, step);
        // The snippet area shows the same sentence.
        assert!(
            state
                .snippet_text(step_phase(step))
                .unwrap_err()
                .contains("control character U+000A")
        );

        press(&mut state, KeyCode::Char('e'));
        update(&mut state, clear());
        type_text(&mut state, "/etc/my \"aop\" certs/it's.pem");
        press(&mut state, KeyCode::Enter);
        assert!(!typing(&state) && state.error.is_none());
        let effects = press(&mut state, KeyCode::Char('c'));
        assert!(
            matches!(effects.as_slice(), [Effect::Copy(text)]
                if text.contains(r#"ssl_client_certificate "/etc/my \"aop\" certs/it's.pem";"#)),
            "{effects:?}"
        );
    }
}

fn step_phase(step: Step) -> SnippetPhase {
    match step {
        Step::SnippetLog => SnippetPhase::Log,
        _ => SnippetPhase::Enforce,
    }
}

/// A note the rotation repeats while it waits takes one line of the log, with a count.
#[test]
fn a_repeated_rotation_note_is_one_log_line_with_a_count() {
    use aop_wizard::rotation::{Event, Stage};
    let mut state = wizard();
    let note = || Msg::RotationEvent(Event::Note("waiting for active: pending_deployment".into()));
    update(&mut state, note());
    update(&mut state, note());
    update(&mut state, note());
    assert_eq!(
        state.rotation.log,
        vec!["  waiting for active: pending_deployment (×3)"]
    );
    update(
        &mut state,
        Msg::RotationEvent(Event::Reached(Stage::Active, "active".into())),
    );
    update(&mut state, note());
    assert_eq!(state.rotation.log.len(), 3, "{:?}", state.rotation.log);
    assert_eq!(
        state.rotation.log[2],
        "  waiting for active: pending_deployment"
    );
}

/// A hostname undo could not check is shown before anything is turned off, and once done the
/// screen names it instead of saying AOP is off.
#[test]
fn undo_names_what_it_could_not_check_instead_of_claiming_it_is_off() {
    use aop_wizard::undo::UndoPlan;
    // The screen as text, wide and tall enough that every sentence is whole on one line.
    let screen = |state: &Wizard| {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(400, 40)).unwrap();
        terminal
            .draw(|frame| {
                aop_wizard::tui::view::draw(frame, state, &aop_wizard::tui::theme::Theme::plain())
            })
            .unwrap();
        let buffer = terminal.backend().buffer().clone();
        buffer
            .content
            .chunks(usize::from(buffer.area.width))
            .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut state = at(Step::Summary);
    press(&mut state, KeyCode::Char('u'));
    let plan = UndoPlan {
        zone: "example.com".into(),
        zone_level: true,
        proxied: vec!["example.com".into()],
        unchecked: vec!["shop.example.com: rate limited".into()],
        ..UndoPlan::default()
    };
    update(&mut state, Msg::UndoRead(Ok(Box::new(plan))));
    assert!(
        screen(&state).contains("shop.example.com: rate limited"),
        "{}",
        screen(&state)
    );
    update(&mut state, Msg::UndoProbed(Ok(Vec::new())));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::TurnedOff(Ok(())));
    let shown = screen(&state)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains("could not check: shop.example.com")
            && !shown.contains("Authenticated Origin Pulls is off for example.com."),
        "{shown}"
    );
}

/// A per-hostname rotation with a hostname disabled on the old certificate: the confirmation
/// says it stays disabled, and what could not be checked.
#[test]
fn the_rotation_confirmation_says_disabled_hostnames_stay_disabled() {
    let mut state = at(Step::Rotate);
    let mut plan = planned_rotation();
    plan.scope = aop_wizard::cloudflare::CertificateScope::Hostname;
    plan.hostnames = vec!["www.example.com".into()];
    plan.disabled_hostnames = vec!["example.com".into()];
    plan.unchecked = vec!["shop.example.com: rate limited".into()];
    update(&mut state, Msg::RotationPlanned(Ok(Box::new(plan))));
    press(&mut state, KeyCode::Enter);
    let lines = confirmation(&state).cloned().unwrap().lines;
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("stay disabled: example.com"))
            && lines
                .iter()
                .any(|l| l.contains("could not be checked: shop.example.com")),
        "{lines:?}"
    );
}

/// Ctrl-D on the log screen runs doctor for the zone, the hostnames set up and the origins as
/// typed (d itself is typed: it is a hex digit of an IPv6 address). Esc stops it as it stops the
/// probe, leaving no answer; a failure is one sentence; the answer is kept, and Same as names
/// the doctor command it ran.
#[test]
fn doctor_runs_for_the_hostnames_set_up_and_the_origins_typed() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    let keys: Vec<_> = app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Ctrl-D", "doctor")), "{keys:?}");
    type_text(&mut state, " 2001:db8::d");
    assert_eq!(state.origins.value, "203.0.113.10 2001:db8::d");
    let effects = update(&mut state, ctrl('d'));
    let [Effect::Doctor { request, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(request.zone, "example.com");
    assert_eq!(request.hostnames, ["example.com", "www.example.com"]);
    // Per hostname, the proxied hostname left unpicked is examined too: Cloudflare presents
    // nothing for it, and that is the failure doctor is there to predict.
    let mut per_hostname = state.clone();
    per_hostname.busy = None;
    per_hostname.scope = Scope::Hostname;
    per_hostname.hostname_choice = ["www.example.com".to_string()].into_iter().collect();
    let effects = update(&mut per_hostname, ctrl('d'));
    let [Effect::Doctor { request: asked, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(asked.hostnames, ["www.example.com", "example.com"]);
    assert_eq!(
        request.origins,
        [
            "203.0.113.10:443".parse().unwrap(),
            "[2001:db8::d]:443".parse::<std::net::SocketAddr>().unwrap()
        ]
    );
    assert!(state.busy.as_ref().is_some_and(|b| b.cancellable));
    let request = request.clone();
    assert!(matches!(
        press(&mut state, KeyCode::Esc).as_slice(),
        [Effect::Cancel]
    ));
    update(&mut state, Msg::Cancelled);
    assert!(state.doctor.is_none());
    assert_eq!(state.step, Step::VerifyLog);

    // A failure: one sentence, nothing kept.
    update(&mut state, ctrl('d'));
    update(
        &mut state,
        Msg::Doctored {
            request: Box::new(request.clone()),
            result: Err("Cloudflare API error 10000: Authentication error".into()),
        },
    );
    assert_eq!(
        state.error.as_deref(),
        Some("Doctor could not finish: Cloudflare API error 10000: Authentication error")
    );
    assert!(state.doctor.is_none() && state.busy.is_none());

    // Bad origins: said, nothing run.
    state.origins.value = "origin.example.com".into();
    assert!(update(&mut state, ctrl('d')).is_empty());
    assert!(
        state
            .error
            .as_deref()
            .unwrap()
            .contains("origin.example.com")
    );

    state.origins.value = "203.0.113.10".into();
    assert!(!aop_wizard::tui::same_as::line(&state).contains("doctor"));
    doctored(&mut state, doctor_ready());
    assert!(state.doctor.as_ref().unwrap().report.ok);
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.ends_with(
            "  ·  aop-wizard doctor --zone example.com --hostname example.com --hostname www.example.com --origin 203.0.113.10:443"
        ),
        "{line}"
    );
    for command in aop_wizard::tui::same_as::commands(&state) {
        use clap::Parser;
        if let Err(error) = aop_wizard::cli::Cli::try_parse_from(&command) {
            panic!("{command:?} does not parse:\n{error}");
        }
    }
    // Back on the screen, doctor's earlier answer is not trusted.
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::Enforce);
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::VerifyLog);
    assert!(state.doctor.is_none());
}

/// A predicted failure: Enter asks before Enforce, naming the hostname and why; only y goes on.
/// Predicted OK: Enter goes on without a question.
#[test]
fn a_predicted_failure_is_asked_about_before_enforce() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    doctored(&mut state, doctor_wrong_ca());
    assert_eq!(
        app::doctor_blocks_enforce(&state).as_deref(),
        Some(
            "Doctor sees a problem for www.example.com. For www.example.com: will fail once enforced: the origin trusts CN=X, Cloudflare presents a certificate issued by CN=example.com origin pull CA."
        )
    );
    let keys: Vec<_> = app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Enter", "continue…")), "{keys:?}");
    // Run for other origins than those typed now, it says so.
    let mut other = state.clone();
    type_text(&mut other, " 192.0.2.7");
    assert!(app::doctor_blocks_enforce(&other).unwrap().ends_with(
        "It ran for other origins or hostnames than the screen shows now: Ctrl-D runs it for these."
    ));
    press(&mut state, KeyCode::Enter);
    let question = confirmation(&state).expect("asked before Enforce");
    assert_eq!(question.title, "Go on to Enforce?");
    assert!(
        question.lines[0].starts_with("Doctor sees a problem for www.example.com."),
        "{:?}",
        question.lines
    );
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_some(), "Enter is no yes");
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.step, Step::VerifyLog, "n stays");
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    assert_eq!(state.step, Step::Enforce);
    // Once enforced, the summary keeps in sight what argued against it.
    state.done.insert(Step::Enforce);
    let summary = |state: &Wizard| {
        aop_wizard::tui::screens::summary::lines(state, &aop_wizard::tui::theme::Theme::plain())
            .iter()
            .map(|line| line.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let said = summary(&state);
    assert!(
        said.contains("! Enforced although:\n  Doctor sees a problem for www.example.com."),
        "{said}"
    );

    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    doctored(&mut state, doctor_ready());
    assert_eq!(app::doctor_blocks_enforce(&state), None);
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_none());
    assert_eq!(state.step, Step::Enforce);
    state.done.insert(Step::Enforce);
    assert!(!summary(&state).contains("Enforced although"));
}

/// Tab to the access log's field, Enter: the log is read.
fn read_log(state: &mut Wizard) -> Vec<Effect> {
    press(state, KeyCode::Tab);
    press(state, KeyCode::Enter)
}

/// Esc, and yes when asked.
fn back_a_step(state: &mut Wizard) {
    press(state, KeyCode::Esc);
    if confirmation(state).is_some() {
        press(state, KeyCode::Char('y'));
    }
}

/// The screen as drawn at `width`×`height`, as text.
fn drawn(state: &Wizard, width: u16, height: u16) -> String {
    let mut state = state.clone();
    update(&mut state, Msg::Resized(width, height));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            aop_wizard::tui::view::draw(frame, &state, &aop_wizard::tui::theme::Theme::plain())
        })
        .unwrap();
    terminal.backend().to_string()
}

/// Verify log pre-fills the snippet's access log; Tab, Enter reads it off the drawing loop (the
/// last 15 minutes, Cloudflare's published ranges), and the answer is on screen per hostname.
#[test]
fn the_access_log_is_read_and_its_evidence_shown() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    assert_eq!(state.log_path.value, NGINX_ACCESS_LOG);
    let keys: Vec<_> = app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Tab", "read log…")), "{keys:?}");
    press(&mut state, KeyCode::Tab);
    let keys: Vec<_> = app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Enter", "read log")), "{keys:?}");
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::ReadEvidence {
            server: aop_wizard::snippets::WebServer::Nginx,
            log,
            since,
            edge_ranges: None,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(log, &PathBuf::from(NGINX_ACCESS_LOG));
    assert_eq!(since.as_secs(), 15 * 60);
    assert!(
        state.busy.as_ref().is_some_and(|b| b.cancellable),
        "Esc stops a read"
    );
    assert_eq!(state.editing, None, "the keys are back with the origins");
    update(&mut state, evidence_read(Ok(evidence_of(&ready_log()))));
    assert!(state.busy.is_none());
    let screen = drawn(&state, 110, 34);
    assert!(screen.contains("Access log: ready to enforce"), "{screen}");
    assert!(
        screen.contains("www.example.com: Cloudflare 2 verified, 0 unverified"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "example.com: Cloudflare 1 verified, 0 unverified · elsewhere 1 request, refused once"
        ),
        "{screen}"
    );
    // Ready: Enter goes on without a question.
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_none());
    assert_eq!(state.step, Step::Enforce);
}

/// Tab gives the path's field the keys; Enter reads the path typed. Esc leaves the field, not
/// the screen.
#[test]
fn another_log_path_is_typed_and_read() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    press(&mut state, KeyCode::Tab);
    assert!(typing(&state));
    update(&mut state, Msg::Paste("/srv/logs/aop.log".into()));
    assert_eq!(
        state.origins.value, "203.0.113.10",
        "typing went to the log path"
    );
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.step, Step::VerifyLog);
    assert_eq!(state.editing, None);
    press(&mut state, KeyCode::Tab);
    for _ in 0..NGINX_ACCESS_LOG.len() + 20 {
        press(&mut state, KeyCode::Backspace);
    }
    // Nothing typed: said, nothing read, the field keeps the keys.
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(
        state
            .error
            .as_deref()
            .unwrap()
            .starts_with("Type the access log's path"),
        "{:?}",
        state.error
    );
    assert!(typing(&state));
    type_text(&mut state, "/srv/logs/aop.log");
    let effects = press(&mut state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::ReadEvidence { log, .. }] if log == &PathBuf::from("/srv/logs/aop.log")),
        "{effects:?}"
    );
    assert!(
        !aop_wizard::tui::same_as::line(&state).contains("evidence"),
        "not read yet"
    );
    update(&mut state, Msg::Cancelled);
    update(&mut state, evidence_read(Ok(evidence_of(&ready_log()))));
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.contains("aop-wizard evidence --server nginx --log /srv/logs/aop.log --since 15m"),
        "{line}"
    );
}

/// Not ready: the screen says so, Enter asks first naming what enforcing would refuse, and only
/// y goes on (the probe's proof keeps the step done).
#[test]
fn a_log_not_ready_asks_before_enforce() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    read_log(&mut state);
    update(&mut state, evidence_read(Ok(evidence_of(&not_ready_log()))));
    let screen = drawn(&state, 110, 34);
    assert!(
        screen.contains("Access log: not ready to enforce"),
        "{screen}"
    );
    assert!(
        screen.contains("www.example.com: Cloudflare 2 verified, 2 unverified"),
        "{screen}"
    );
    assert!(screen.contains("Enter asks first"), "{screen}");
    let keys: Vec<_> = app::hints(&state)
        .iter()
        .map(|h| (h.label, h.action))
        .collect();
    assert!(keys.contains(&("Enter", "continue…")), "{keys:?}");
    press(&mut state, KeyCode::Enter);
    let question = confirmation(&state).expect("Enter asks first");
    assert!(question.only_y);
    let said = question.lines.join("\n");
    assert!(said.contains(NGINX_ACCESS_LOG), "{said}");
    assert!(
        said.contains("www.example.com: 2 of 4 requests from Cloudflare came without a client certificate and will be refused once enforced"),
        "{said}"
    );
    assert!(
        said.contains("1 request from outside Cloudflare's addresses without a verified certificate (top sources of requests from outside: 127.0.0.1 (1))"),
        "{said}"
    );
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_some(), "Enter is not a yes");
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(state.step, Step::VerifyLog);
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    assert_eq!(state.step, Step::Enforce);
    assert!(state.done.contains(&Step::VerifyLog), "the probe proved it");
}

/// A log that cannot be read here: its one sentence and the command to run on the origin;
/// going on is not held up.
#[test]
fn an_unreadable_log_shows_the_command_for_the_origin() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    read_log(&mut state);
    update(
        &mut state,
        evidence_read(Err(format!(
            "cannot read {NGINX_ACCESS_LOG}: No such file or directory (os error 2)"
        ))),
    );
    // At 80×24 the reading may be below the fold: the status line says it too.
    let small = drawn(&state, 80, 24);
    assert!(
        small.lines().any(|row| row
            .trim_start_matches('"')
            .starts_with(" ✗ The access log was not read")),
        "{small}"
    );
    let screen = drawn(&state, 110, 34);
    assert!(
        screen.contains(
            "The access log was not read: cannot read /var/log/nginx/aop-access.log: No such file"
        ),
        "{screen}"
    );
    assert!(
        screen.contains(
            "aop-wizard evidence --server nginx --log /var/log/nginx/aop-access.log --since 15m"
        ),
        "{screen}"
    );
    let line = aop_wizard::tui::same_as::line(&state);
    assert!(
        line.ends_with(
            "aop-wizard evidence --server nginx --log /var/log/nginx/aop-access.log --since 15m"
        ),
        "{line}"
    );
    press(&mut state, KeyCode::Enter);
    assert!(confirmation(&state).is_none());
    assert_eq!(state.step, Step::Enforce);
}

/// A second reading does not leave the first one's verdict on screen while it runs: stopped,
/// nothing read is shown rather than an older log's answer.
#[test]
fn a_new_reading_shows_nothing_of_the_last_until_it_answers() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    read_log(&mut state);
    update(&mut state, evidence_read(Ok(evidence_of(&not_ready_log()))));
    assert!(app::evidence_not_ready(&state).is_some());
    let effects = read_log(&mut state);
    assert!(matches!(effects.as_slice(), [Effect::ReadEvidence { .. }]));
    assert!(state.evidence.is_none());
    assert!(app::reasons_against_enforcing(&state).is_empty());
    let screen = drawn(&state, 110, 34);
    assert!(!screen.contains("not ready to enforce"), "{screen}");
}

/// A path that is no log at all (a directory, a pipe) is not offered as the command to run on
/// the origin: the same path would fail there too.
#[test]
fn a_path_that_is_no_log_gets_no_command() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    read_log(&mut state);
    update(
        &mut state,
        Msg::EvidenceRead {
            log: "/tmp".into(),
            result: Err(LogUnread {
                why: "/tmp is a directory, not a regular file".into(),
                elsewhere: false,
            }),
        },
    );
    let screen = drawn(&state, 110, 34);
    assert!(
        screen.contains("The access log was not read: /tmp is a directory"),
        "{screen}"
    );
    assert!(!screen.contains("Where the log is, run:"), "{screen}");
    assert!(screen.contains("Tab and give the access log"), "{screen}");
}

/// The path follows the server chosen on the snippet screen unless the user typed one; coming
/// back reads nothing on trust. Traefik's log cannot be read: no keys for it, no command.
#[test]
fn the_log_path_follows_the_snippet_and_traefik_has_none() {
    let mut state = at(Step::VerifyLog);
    update(&mut state, log_proven());
    update(&mut state, evidence_read(Ok(evidence_of(&ready_log()))));
    back_a_step(&mut state);
    back_a_step(&mut state);
    assert_eq!(state.step, Step::SnippetLog);
    press(&mut state, KeyCode::Down);
    assert_eq!(state.server(), aop_wizard::snippets::WebServer::Apache);
    written_with_w(&mut state);
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::VerifyLog);
    assert_eq!(state.log_path.value, "/var/log/apache2/aop-access.log");
    assert!(state.evidence.is_none(), "an earlier read is not kept");
    update(&mut state, log_proven());
    let effects = read_log(&mut state);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::ReadEvidence {
                server: aop_wizard::snippets::WebServer::Apache,
                ..
            }]
        ),
        "{effects:?}"
    );

    // A typed path is kept whatever the server.
    let mut typed = at(Step::VerifyLog);
    typed.log_path = aop_wizard::tui::input::TextInput::new("/srv/aop.log");
    update(&mut typed, Msg::Cancelled);
    back_a_step(&mut typed);
    press(&mut typed, KeyCode::Enter);
    assert_eq!(typed.step, Step::VerifyLog);
    assert_eq!(typed.log_path.value, "/srv/aop.log");

    let mut traefik = at(Step::VerifyLog);
    update(&mut traefik, log_proven());
    traefik.server = aop_wizard::snippets::WebServer::ALL
        .iter()
        .position(|s| *s == aop_wizard::snippets::WebServer::Traefik)
        .unwrap();
    assert!(press(&mut traefik, KeyCode::Tab).is_empty());
    assert_eq!(traefik.editing, None);
    let keys: Vec<_> = app::hints(&traefik).iter().map(|h| h.action).collect();
    assert!(!keys.contains(&"read log…"), "{keys:?}");
    assert!(
        !aop_wizard::tui::same_as::line(&traefik).contains("evidence"),
        "no command for a log it cannot read"
    );
    assert!(drawn(&traefik, 110, 34).contains("Traefik's access log has no field"));
}

/// In the demo, the request "through Cloudflare" goes where the origins field says, as
/// Cloudflare's goes where DNS says: typed another origin, the demo edge connects to it, not to
/// the demo origin (a screen said "served through Cloudflare" of an origin nobody probed).
#[test]
fn the_demo_edge_connects_to_the_origin_typed() {
    let mut state = at(Step::Enable);
    state.demo_origin = Some("127.0.0.1:37747".parse().unwrap());
    state.origins = aop_wizard::tui::input::TextInput::new("127.0.0.1:37747");
    assert!(state.edge_url().ends_with("?origin=127.0.0.1:37747"));
    state.origins = aop_wizard::tui::input::TextInput::new("127.0.0.1:18443 127.0.0.1:37747");
    update(&mut state, origin_asks());
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('y'));
    update(&mut state, Msg::Enabled(Ok(())));
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::VerifyLog);
    let [Effect::Verify { edge_url, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(
        edge_url.ends_with("/edge/{hostname}?origin=127.0.0.1:18443"),
        "{edge_url}"
    );
    // The "Same as" command says the same.
    let same_as = aop_wizard::tui::same_as::line(&state);
    assert!(same_as.contains("?origin=127.0.0.1:18443"), "{same_as}");
    // Outside the demo it is Cloudflare itself.
    state.demo_origin = None;
    assert_eq!(state.edge_url(), aop_wizard::ops::DEFAULT_EDGE_URL);
}

/// A cell that is not as expected reads as two sentences' worth, not "…anyone Next: Add…".
#[test]
fn a_probe_problem_keeps_its_reason_and_next_step_apart() {
    let mut verification = passing(SnippetPhase::Log);
    let judgement = &mut verification.cells[0].judgement;
    judgement.verdict = aop_wizard::probe::Verdict::NotRequesting;
    judgement.explanation =
        "the origin never asks for a client certificate, so it answers anyone".into();
    judgement.next_step = "Add the log-phase snippet, then reload.".into();
    let problems = verification.problems(aop_wizard::probe::Verdict::LogOnly);
    assert_eq!(
        problems,
        [
            "203.0.113.10:443 (example.com) is not-requesting, not log-only: the origin never asks for a client certificate, so it answers anyone; next: Add the log-phase snippet, then reload."
        ]
    );
}
