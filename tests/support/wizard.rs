//! A wizard driven through `update` to any step, with canned answers in place of the effects,
//! for the update tests and the screen snapshots.

use std::path::PathBuf;

use aop_wizard::cloudflare::{
    ApiToken, Client, Credentials, DnsRecord, RetryPolicy, SslMode, UploadedCertificate, Zone,
};
use aop_wizard::pki::GeneratedFiles;
use aop_wizard::snippets::SnippetPhase;
use aop_wizard::tui::app::update;
use aop_wizard::tui::message::{CertificateReady, Effect, Msg, VerifiedToken, ZoneSettings};
use aop_wizard::tui::state::{Confirm, LogUnread, Modal, Wizard};
use aop_wizard::tui::steps::{Scope, Step};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The confirmation open now, if any.
pub fn confirmation(state: &Wizard) -> Option<&Confirm> {
    match &state.modal {
        Some(Modal::Confirm(confirm)) => Some(confirm),
        _ => None,
    }
}

/// The wizard asks whether to quit.
pub fn asks_to_quit(state: &Wizard) -> bool {
    matches!(state.modal, Some(Modal::Quit))
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn press(state: &mut Wizard, code: KeyCode) -> Vec<Effect> {
    update(state, key(code))
}

pub fn type_text(state: &mut Wizard, text: &str) {
    for c in text.chars() {
        update(state, key(KeyCode::Char(c)));
    }
}

pub fn client() -> Client {
    Client::new(
        "http://127.0.0.1:9/client/v4",
        Credentials::Token(ApiToken::new("test-token-0000000000000000000000000")),
        RetryPolicy::default(),
    )
    .unwrap()
}

/// The token check's answer: a client, where the token came from, whether it was typed.
pub fn verified_token(source: &str, typed: bool) -> VerifiedToken {
    VerifiedToken {
        client: client(),
        source: source.into(),
        typed,
    }
}

/// The zone read's answer.
pub fn zone_settings(ssl_mode: SslMode, ssl_automatic: &str, dns: Vec<DnsRecord>) -> ZoneSettings {
    ZoneSettings {
        ssl_mode,
        ssl_automatic: ssl_automatic.into(),
        dns,
    }
}

pub fn zone(name: &str) -> Zone {
    serde_json::from_value(serde_json::json!({
        "id": format!("{:0>32}", name.len()), "name": name, "status": "active",
        "account": {"id": "a".repeat(32), "name": "Demo"}
    }))
    .unwrap()
}

pub fn record(kind: &str, name: &str, content: &str, proxied: bool) -> DnsRecord {
    serde_json::from_value(serde_json::json!({
        "id": "r", "type": kind, "name": name, "content": content, "proxied": proxied
    }))
    .unwrap()
}

pub fn files() -> GeneratedFiles {
    GeneratedFiles {
        ca_cert: PathBuf::from("/tmp/aop/ca.crt"),
        ca_key: PathBuf::from("/tmp/aop/ca.key"),
        client_cert: PathBuf::from("/tmp/aop/client.crt"),
        client_key: PathBuf::from("/tmp/aop/client.key"),
    }
}

pub fn ready() -> CertificateReady {
    CertificateReady {
        files: files(),
        subject: "CN=example.com".into(),
        not_after: "2028-11-21".into(),
        days_left: 729,
        fingerprint: "AB:CD".into(),
        generated: true,
        ca_key_encrypted: false,
    }
}

pub fn wizard() -> Wizard {
    Wizard::new(
        Vec::new(),
        None,
        "https://api.cloudflare.com/client/v4".into(),
    )
}

/// A wizard that has come as far as `step` for example.com (zone-level), through `update`.
pub fn at(step: Step) -> Wizard {
    if matches!(step, Step::SnippetChoice | Step::SnippetReady) {
        return snippets_only(step);
    }
    let mut state = wizard();
    if step == Step::Welcome {
        return state;
    }
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::TokenChecked(Ok(verified_token("the OS keyring", false))),
    );
    update(
        &mut state,
        Msg::Zones(Ok(vec![zone("example.com"), zone("example.org")])),
    );
    update(&mut state, Msg::Permissions(Vec::new()));
    if step == Step::Token {
        return state;
    }
    press(&mut state, KeyCode::Enter);
    if step == Step::Zone {
        return state;
    }
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Msg::ZoneRead(Ok(zone_settings(
            SslMode::Full,
            "custom",
            vec![
                record("A", "example.com", "203.0.113.10", true),
                record("CNAME", "www.example.com", "example.com", true),
                record("A", "direct.example.com", "203.0.113.10", false),
            ],
        ))),
    );
    let steps = Step::ALL
        .into_iter()
        .skip_while(|s| *s != Step::SslMode)
        .take_while(|s| *s != Step::Summary);
    for current in steps {
        if current == step {
            return state;
        }
        match current {
            Step::Certificate => {
                update(&mut state, Msg::CertificateReady(Ok(ready())));
            }
            Step::Upload => {
                press(&mut state, KeyCode::Enter);
                press(&mut state, KeyCode::Char('y'));
                update(&mut state, Msg::Uploaded(Ok(uploaded())));
            }
            Step::Enable => {
                update(&mut state, origin_asks());
                press(&mut state, KeyCode::Enter);
                press(&mut state, KeyCode::Char('y'));
                update(&mut state, Msg::Enabled(Ok(())));
            }
            Step::SnippetLog => written_with_w(&mut state),
            Step::VerifyLog | Step::Enforce => {
                if current == Step::Enforce {
                    written_with_w(&mut state);
                }
                let phase = if current == Step::VerifyLog {
                    SnippetPhase::Log
                } else {
                    SnippetPhase::Enforce
                };
                update(
                    &mut state,
                    Msg::Verified {
                        phase,
                        through_edge: true,
                        result: Ok(passing(phase)),
                    },
                );
            }
            _ => {}
        }
        press(&mut state, KeyCode::Enter);
        assert_ne!(
            state.step, current,
            "Enter did not leave {current:?}: {:?}",
            state.error
        );
    }
    match step {
        Step::Rotate => drop(press(&mut state, KeyCode::Char('r'))),
        Step::Undo => drop(press(&mut state, KeyCode::Char('u'))),
        _ => {}
    }
    state
}

/// `w` on a snippet screen, and the runner's answer: the files are written.
pub fn written_with_w(state: &mut Wizard) {
    press(state, KeyCode::Char('w'));
    update(state, Msg::SnippetWritten(Ok(Vec::new())));
}

/// Snippets only from the first screen (its last row), with the choices as they come: the
/// form, or the snippet once the new CA is made.
pub fn snippets_only(step: Step) -> Wizard {
    let mut state = wizard();
    for _ in Scope::ALL {
        press(&mut state, KeyCode::Down);
    }
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.step, Step::SnippetChoice);
    if step == Step::SnippetChoice {
        return state;
    }
    press(&mut state, KeyCode::Enter);
    update(&mut state, Msg::CertificateReady(Ok(ready())));
    assert_eq!(state.step, Step::SnippetReady);
    state
}

/// The plan `rotate` would show for example.com's zone-level certificate, same CA.
pub fn planned_rotation() -> aop_wizard::rotation::Rotation {
    use aop_wizard::ops::OriginCheck;
    use aop_wizard::rotation::{Rotation, Stage};
    let dir = PathBuf::from("/home/sre/aop-example.com");
    Rotation {
        zone: "example.com".into(),
        zone_id: format!("{:0>32}", 11),
        scope: aop_wizard::cloudflare::CertificateScope::Zone,
        hostnames: Vec::new(),
        old_id: "2458ce5a-0c35-4c7f-82c7-8e9487d3ff60".into(),
        old_fingerprint: None,
        old_expires_on: Some("2026-12-10T00:00:00Z".into()),
        old_leaf: None,
        new_ca: false,
        why: "the same CA signs the new certificate (it is valid until 2031-11-21), so the origin keeps its configuration".into(),
        ca_cert: dir.join("ca.crt"),
        ca_key: dir.join("ca.key"),
        ca_passphrase_env: None,
        old_ca_cert: Some(dir.join("ca.crt")),
        out_dir: dir.join("rotated-2026-11-22"),
        new_cert: dir.join("rotated-2026-11-22/client.crt"),
        new_key: dir.join("rotated-2026-11-22/client.key"),
        key_type: aop_wizard::pki::KeyType::EcdsaP256,
        leaf_days: 730,
        ca_days: 1826,
        new_fingerprint: None,
        new_id: None,
        origin: OriginCheck {
            addresses: vec!["203.0.113.10:443".parse().unwrap()],
            hostnames: vec!["example.com".into()],
            server: aop_wizard::snippets::WebServer::Nginx,
            server_version: None,
            phase: SnippetPhase::Enforce,
            log_dir: None,
            ca_path: "/etc/nginx/aop/ca.crt".into(),
            edge_url: aop_wizard::ops::DEFAULT_EDGE_URL.into(),
            check_edge: true,
        },
        new_ca_path: None,
        stage: Stage::Planned,
        started: "2026-11-22T12:00:00Z".into(),
        ca_passphrase: None,
        disabled_hostnames: Vec::new(),
        unchecked: Vec::new(),
    }
}

pub fn uploaded() -> UploadedCertificate {
    serde_json::from_value(
        serde_json::json!({"id": "2458ce5a-0c35-4c7f-82c7-8e9487d3ff60", "status": "active"}),
    )
    .unwrap()
}

/// The log-phase probe on its own screen passed: the origin asks for the certificate and serves
/// without it, and the request through Cloudflare is served.
pub fn log_proven() -> Msg {
    Msg::Verified {
        phase: SnippetPhase::Log,
        through_edge: true,
        result: Ok(passing(SnippetPhase::Log)),
    }
}

/// The probe before enabling: the origin asks for the certificate and serves without it.
pub fn origin_asks() -> Msg {
    Msg::Verified {
        phase: SnippetPhase::Log,
        through_edge: false,
        result: Ok(passing(SnippetPhase::Log)),
    }
}

pub fn passing(phase: SnippetPhase) -> aop_wizard::probe::Verification {
    use aop_wizard::probe::{Judgement, Verdict};
    let verdict: Verdict = aop_wizard::ops::expected_verdict(phase);
    aop_wizard::probe::Verification {
        cells: vec![aop_wizard::probe::CellReport {
            origin: "203.0.113.10:443".parse().unwrap(),
            hostname: "example.com".into(),
            judgement: Judgement {
                verdict,
                explanation: String::new(),
                next_step: String::new(),
                expected_ca_listed: Some(true),
            },
            attempts: Vec::new(),
        }],
        edge: Vec::new(),
    }
}

/// The id of the certificate a saved set-up uploaded.
pub const SAVED_ID: &str = "2458ce5a-0c35-4c7f-82c7-8e9487d3ff60";

/// A zone-level set-up of example.com saved at `reached`.
pub fn saved_set_up(reached: &[aop_wizard::setup::Stage]) -> aop_wizard::setup::progress::Progress {
    aop_wizard::setup::progress::Progress {
        zone: "example.com".into(),
        scope: aop_wizard::tui::steps::Scope::Zone,
        reached: reached.iter().copied().collect(),
        certificate: Some(files()),
        certificate_id: Some(SAVED_ID.into()),
        files: vec![("client certificate".into(), files().client_cert)],
        ..Default::default()
    }
}

/// A wizard started with `progress` saved.
pub fn wizard_with(progress: aop_wizard::setup::progress::Progress) -> Wizard {
    Wizard::new(
        vec![progress],
        None,
        "https://api.cloudflare.com/client/v4".into(),
    )
}

/// A token with every permission the probe reads.
pub fn all_granted() -> Vec<aop_wizard::cloudflare::PermissionCheck> {
    vec![aop_wizard::cloudflare::PermissionCheck {
        permission: "Zone → Zone → Read",
        granted: Some(true),
    }]
}

/// Enter on the saved set-up, the stored token found, the zones listed: the answers up to the
/// permissions, which come last. The effects of that last answer.
pub fn resume_to_permissions(
    state: &mut Wizard,
    permissions: Vec<aop_wizard::cloudflare::PermissionCheck>,
) -> Vec<Effect> {
    let effects = press(state, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::VerifyToken(None)]),
        "the stored token is looked for: {effects:?}"
    );
    update(
        state,
        Msg::TokenChecked(Ok(verified_token("the OS keyring", false))),
    );
    update(
        state,
        Msg::Zones(Ok(vec![zone("example.org"), zone("example.com")])),
    );
    update(state, Msg::Permissions(permissions))
}

/// What the re-check of `saved_set_up` finds: `holds` still true, `prove_again` to probe
/// again, `changes` said.
pub fn recheck(
    holds: &[aop_wizard::setup::Stage],
    prove_again: &[aop_wizard::setup::Stage],
    changes: &[&str],
) -> aop_wizard::setup::Recheck {
    use aop_wizard::setup::Stage;
    aop_wizard::setup::Recheck {
        zone: zone("example.com"),
        ssl_mode: SslMode::Full,
        holds: holds.iter().copied().collect(),
        prove_again: prove_again.iter().copied().collect(),
        changes: changes.iter().map(|c| c.to_string()).collect(),
        certificate: holds.contains(&Stage::CertificateReady).then(files),
        certificate_id: holds.contains(&Stage::Active).then(|| SAVED_ID.to_string()),
        files: vec![("client certificate".into(), files().client_cert)],
        alert_id: None,
    }
}

/// The re-check's answer.
pub fn rechecked(state: &mut Wizard, recheck: aop_wizard::setup::Recheck) -> Vec<Effect> {
    let certificate = recheck.certificate.as_ref().map(|_| ready());
    update(
        state,
        Msg::Rechecked(Ok(Box::new(aop_wizard::tui::message::Resumed {
            recheck,
            settings: zone_settings(
                SslMode::Full,
                "custom",
                vec![record("A", "example.com", "203.0.113.10", true)],
            ),
            certificate,
        }))),
    )
}

/// On the rotate screen: the plan read, then carried out to its end (a new certificate
/// `new-id`, the old one deleted).
pub fn rotated(state: &mut Wizard) {
    update(
        state,
        Msg::RotationPlanned(Ok(Box::new(planned_rotation()))),
    );
    rotation_carried_out(state);
}

/// The planned rotation carried out to its end: a new certificate `new-id`, the old one deleted.
pub fn rotation_carried_out(state: &mut Wizard) {
    use aop_wizard::rotation::{Finish, Rotated, Stage};
    let mut done = planned_rotation();
    done.stage = Stage::OldDeleted;
    update(
        state,
        Msg::RotationEnded {
            result: Ok(Finish::Rotated(Rotated {
                certificate_id: "new-id".into(),
                fingerprint: "AB:CD".into(),
                certificate: done.new_cert.clone(),
                key: done.new_key.clone(),
                ca: done.ca_cert.clone(),
                final_snippet: None,
                origin_without_certificate: Vec::new(),
                origin_still_enforces: true,
            })),
            rotation: Box::new(done),
        },
    );
}

/// Ctrl and `letter`, pressed.
pub fn ctrl(letter: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(letter), KeyModifiers::CONTROL))
}

/// Doctor's answer for example.com: each hostname with a prediction of this kind and summary,
/// at 203.0.113.10:443.
pub fn doctor_report(
    hostnames: &[(&str, aop_wizard::ops::doctor::Kind, &str)],
) -> aop_wizard::ops::doctor::DoctorReport {
    use aop_wizard::ops::doctor::{DoctorReport, HostnameDiagnosis, OriginDiagnosis, Prediction};
    let hostnames: Vec<HostnameDiagnosis> = hostnames
        .iter()
        .map(|(hostname, kind, summary)| {
            let outcome = Prediction {
                ok: kind.is_ok(),
                kind: *kind,
                summary: summary.to_string(),
                next_step: if kind.is_ok() {
                    "Switch to the enforce snippet once the log shows every request verified."
                        .into()
                } else {
                    format!("Give the origin the CA that issued {hostname}'s certificate.")
                },
            };
            HostnameDiagnosis {
                hostname: hostname.to_string(),
                proxied: true,
                ssl_mode: "full".into(),
                effective_certificate: "zone-level".into(),
                presents: None,
                origins: vec![OriginDiagnosis {
                    address: "203.0.113.10:443".parse().unwrap(),
                    requests_certificate: true,
                    refuses_without_certificate: false,
                    acceptable_cas: vec!["CN=X".into()],
                    without_certificate: "served (HTTP 200)".into(),
                    verdict: aop_wizard::probe::Verdict::LogOnly,
                    expected_ca_listed: Some(kind.is_ok()),
                    outcome: outcome.clone(),
                }],
                outcome,
            }
        })
        .collect();
    DoctorReport {
        zone: "example.com".into(),
        ok: hostnames.iter().all(|h| h.outcome.ok),
        hostnames,
        unchecked: Vec::new(),
    }
}

/// Ctrl-D on the log screen, and the runner's answer: `report`.
pub fn doctored(state: &mut Wizard, report: aop_wizard::ops::doctor::DoctorReport) {
    let effects = update(state, ctrl('d'));
    let [Effect::Doctor { request, .. }] = effects.as_slice() else {
        panic!("Ctrl-D runs doctor: {effects:?} {:?}", state.error)
    };
    update(
        state,
        Msg::Doctored {
            request: Box::new(request.clone()),
            result: Ok(Box::new(report)),
        },
    );
}

/// Every hostname of example.com ready to enforce.
pub fn doctor_ready() -> aop_wizard::ops::doctor::DoctorReport {
    use aop_wizard::ops::doctor::Kind::ReadyToEnforce;
    let ready = "ready to enforce: Cloudflare presents the zone certificate 2458ce5a, issued by CN=example.com origin pull CA, which the origin lists as trusted; the origin still serves requests without a certificate (log phase)";
    doctor_report(&[
        ("example.com", ReadyToEnforce, ready),
        ("www.example.com", ReadyToEnforce, ready),
    ])
}

/// www.example.com would fail once enforced: the origin trusts another CA.
pub fn doctor_wrong_ca() -> aop_wizard::ops::doctor::DoctorReport {
    use aop_wizard::ops::doctor::Kind::{ReadyToEnforce, WrongCaOnceEnforced};
    doctor_report(&[
        (
            "example.com",
            ReadyToEnforce,
            "ready to enforce: Cloudflare presents the zone certificate 2458ce5a, issued by CN=example.com origin pull CA, which the origin lists as trusted; the origin still serves requests without a certificate (log phase)",
        ),
        (
            "www.example.com",
            WrongCaOnceEnforced,
            "will fail once enforced: the origin trusts CN=X, Cloudflare presents a certificate issued by CN=example.com origin pull CA",
        ),
    ])
}

/// The access log the wizard pre-fills for nginx (the log-phase snippet's `access_log`).
pub const NGINX_ACCESS_LOG: &str = "/var/log/nginx/aop-access.log";

/// One request as nginx logs it with the log-phase snippet (`aop_client_cert`), at 13:10 on
/// 30 Nov 2026.
pub fn nginx_log_line(client: &str, verify: &str, host: &str) -> String {
    format!(
        "{client} [30/Nov/2026:13:10:00 +0000] \"GET / HTTP/1.1\" 200 client_verify=\"{verify}\" client_s_dn=\"\" client_i_dn=\"\" client_serial=- host=\"{host}\"\n"
    )
}

/// What `evidence::gather` finds in `text` (every line counts), 127.0.0.2 standing for
/// Cloudflare's edge.
pub fn evidence_of(text: &str) -> aop_wizard::evidence::Evidence {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("aop-access.log");
    std::fs::write(&log, text).unwrap();
    aop_wizard::evidence::gather(
        &aop_wizard::evidence::EvidenceRequest {
            server: aop_wizard::snippets::WebServer::Nginx,
            logs: vec![log],
            since: None,
            now: time::OffsetDateTime::now_utc(),
            ranges: aop_wizard::evidence::EdgeRanges::given(&["127.0.0.2/32".into()]).unwrap(),
        },
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap()
}

/// Through Cloudflare both hostnames verified; the probe's own requests from 127.0.0.1.
pub fn ready_log() -> String {
    [
        nginx_log_line("127.0.0.2", "SUCCESS", "example.com"),
        nginx_log_line("127.0.0.2", "SUCCESS", "www.example.com"),
        nginx_log_line("127.0.0.2", "SUCCESS", "www.example.com"),
        nginx_log_line("127.0.0.1", "NONE", "example.com"),
    ]
    .concat()
}

/// As `ready_log`, and www.example.com reached Cloudflare's edge without a certificate twice.
pub fn not_ready_log() -> String {
    ready_log()
        + &nginx_log_line("127.0.0.2", "NONE", "www.example.com")
        + &nginx_log_line("127.0.0.2", "NONE", "www.example.com")
}

/// The runner's answer to `r`: the log at `NGINX_ACCESS_LOG` read, or why not.
pub fn evidence_read(result: Result<aop_wizard::evidence::Evidence, String>) -> Msg {
    Msg::EvidenceRead {
        log: NGINX_ACCESS_LOG.into(),
        result: result.map(Box::new).map_err(|why| LogUnread {
            why,
            elsewhere: true,
        }),
    }
}
