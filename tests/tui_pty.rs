//! The real binary in a pseudo-terminal: a complete zone-level set-up with ECDSA keys against
//! the fake Cloudflare (started here, so its final state can be checked) and the demo's local
//! origin; and a forced panic that must leave the terminal restored.

mod support;

use std::time::Duration;

use aop_wizard::cloudflare::fake::DEMO_TOKEN;
use support::pty::{ENTER, ESC, Pty, demo_against, to_the_certificate};

const STEP: Duration = Duration::from_secs(30);

#[test]
fn a_complete_zone_level_set_up_through_the_wizard() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut pty = demo_against(fake, work.path(), &data);

    support::pty::zone_level_setup(&mut pty);
    pty.send("q");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    assert!(
        !pty.parser.screen().alternate_screen(),
        "left the alternate screen"
    );
    assert!(!pty.parser.screen().hide_cursor(), "the cursor is back");

    // Cloudflare's side: one certificate, active and in use; zone-level AOP on; one alert.
    let zone = fake.zone("example.com").unwrap();
    assert_eq!(
        zone.zone_certificates.len(),
        1,
        "{:?}",
        zone.zone_certificates
    );
    assert_eq!(zone.zone_certificates[0].1, "active");
    assert_eq!(
        zone.zone_certificate_in_use.as_ref(),
        Some(&zone.zone_certificates[0].0)
    );
    assert!(zone.zone_aop_enabled);
    assert_eq!(fake.calls("create_alert_policy"), 1);
    let uploaded = fake
        .requests()
        .into_iter()
        .find(|r| r.operation == "upload_zone_certificate")
        .unwrap();
    assert!(
        !uploaded.body.contains(
            &std::fs::read_to_string(work.path().join("aop-example.com/ca.key")).unwrap()
        ),
        "the CA key never leaves"
    );

    // The files: keys 0600, the origin's snippets and CA file, the saved progress.
    use std::os::unix::fs::PermissionsExt;
    let dir = work.path().join("aop-example.com");
    for (name, mode) in [
        ("ca.crt", None),
        ("ca.key", Some(0o600)),
        ("client.crt", None),
        ("client.key", Some(0o600)),
    ] {
        let meta = std::fs::metadata(dir.join(name)).unwrap_or_else(|_| panic!("{name} written"));
        if let Some(mode) = mode {
            assert_eq!(meta.permissions().mode() & 0o777, mode, "{name}");
        }
    }
    let key = std::fs::read_to_string(dir.join("client.key")).unwrap();
    assert!(key.contains("BEGIN PRIVATE KEY"));
    let leaf = aop_wizard::pki::load_certificates(&dir.join("client.crt")).unwrap();
    let info =
        aop_wizard::pki::inspect_certificate(&leaf[0], time::OffsetDateTime::now_utc()).unwrap();
    assert!(
        info.key.to_string().contains("P-256"),
        "ECDSA keys: {}",
        info.key
    );
    for name in ["nginx-log.conf", "nginx-enforce.conf", "ca.crt"] {
        assert!(dir.join("origin").join(name).exists(), "{name} written");
    }
    let progress = std::fs::read_to_string(data.join("demo/progress/example.com.json")).unwrap();
    assert!(
        !data.join("progress").exists(),
        "the demo's progress is kept apart from real set-ups"
    );
    assert!(
        progress.contains("\"served-while-enforcing\""),
        "{progress}"
    );
    let log = std::fs::read_to_string(data.join("aop-wizard.log")).unwrap();
    assert!(log.contains("wizard finished"));
    for secret in [DEMO_TOKEN, key.lines().nth(1).unwrap()] {
        assert!(
            !progress.contains(secret) && !log.contains(secret),
            "no secret on disk but the key files"
        );
    }
}

#[test]
fn a_panic_leaves_the_terminal_restored() {
    let work = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        env!("CARGO_BIN_EXE_aop-wizard"),
        &["--demo"],
        work.path(),
        &[
            ("AOP_WIZARD_DEBUG_PANIC", "1".to_string()),
            (
                "AOP_WIZARD_DATA_DIR",
                work.path().join("data").display().to_string(),
            ),
            ("RUST_BACKTRACE", "0".to_string()),
        ],
    );
    let status = pty.wait_exit(STEP);
    assert!(!status.success());
    let screen = pty.screen();
    assert!(
        !pty.parser.screen().alternate_screen(),
        "still on the alternate screen:\n{screen}"
    );
    assert!(
        !pty.parser.screen().hide_cursor(),
        "the cursor is still hidden"
    );
    assert!(
        !pty.parser.screen().bracketed_paste(),
        "bracketed paste is still on"
    );
    assert!(
        screen.contains("forced panic"),
        "the panic is reported on the normal screen:\n{screen}"
    );
}

#[test]
fn quitting_mid_flow_asks_first_and_restores_the_terminal() {
    let work = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        env!("CARGO_BIN_EXE_aop-wizard"),
        &["--demo"],
        work.path(),
        &[(
            "AOP_WIZARD_DATA_DIR",
            work.path().join("data").display().to_string(),
        )],
    );
    pty.wait_for("(recommended)", STEP);
    pty.send(ENTER);
    pty.wait_for("Token verified", STEP);
    pty.wait_for("Notifications → Edit", STEP);
    pty.send("q");
    pty.wait_for("Progress so far is saved", STEP);
    pty.send("y");
    let status = pty.wait_exit(STEP);
    assert!(status.success());
    assert!(!pty.parser.screen().alternate_screen());
}

/// Day two in the same session: the summary's `r`, the plan, a confirmation, and a rotation
/// that ends with only the new certificate on Cloudflare, never without an active one.
#[test]
fn a_rotation_through_the_wizard_after_the_set_up() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut pty = demo_against(fake, work.path(), &data);
    support::pty::zone_level_setup(&mut pty);
    let first = fake.zone("example.com").unwrap().zone_certificates[0].clone();

    pty.send("r");
    pty.wait_for("nothing changes yet", STEP);
    pty.send(ENTER);
    pty.wait_for("the same CA signs the new certificate", STEP);
    pty.send(ENTER);
    pty.wait_for("Start the rotation?", STEP);
    pty.send("y");
    pty.wait_for("origin still refuses requests without", STEP);
    pty.send(ENTER);
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());

    let zone = fake.zone("example.com").unwrap();
    // The old one is being deleted: listed as pending_deletion for its last reads.
    let live: Vec<_> = zone
        .zone_certificates
        .iter()
        .filter(|(_, state, _)| state != "pending_deletion")
        .collect();
    assert_eq!(live.len(), 1, "{:?}", zone.zone_certificates);
    let (id, state, fingerprint) = live[0];
    assert_ne!(id, &first.0, "the old certificate is gone");
    assert_ne!(fingerprint, &first.2);
    assert_eq!(state, "active");
    assert_eq!(zone.zone_certificate_in_use.as_ref(), Some(id));
    assert_eq!(fake.coverage_gaps(), Vec::<String>::new());
    let progress = std::fs::read_to_string(data.join("demo/progress/example.com.json")).unwrap();
    assert!(
        !data.join("progress").exists(),
        "the demo's progress is kept apart from real set-ups"
    );
    assert!(progress.contains(id.as_str()), "{progress}");
    assert!(
        progress.contains("rotated-"),
        "the saved set-up points at the new certificate: {progress}"
    );
}

/// The way back in the same session: the summary's `u`, the probe (the demo origin relaxes, as
/// installing the log snippet would), a confirmation, and zone-level AOP off on Cloudflare.
#[test]
fn undo_through_the_wizard_relaxes_the_origin_before_cloudflare() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut pty = demo_against(fake, work.path(), &data);
    support::pty::zone_level_setup(&mut pty);
    assert!(fake.zone("example.com").unwrap().zone_aop_enabled);

    pty.send("u");
    pty.wait_for("without a certificate", STEP);
    pty.send(ENTER);
    pty.wait_for("serves requests without a certificate again", STEP);
    pty.send(ENTER);
    pty.wait_for("Turn Authenticated Origin Pulls off on Cloudflare?", STEP);
    pty.send("y");
    pty.wait_for("Authenticated Origin Pulls is off for example.com", STEP);
    pty.send(ENTER);
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    let zone = fake.zone("example.com").unwrap();
    assert!(!zone.zone_aop_enabled);
    assert_eq!(
        zone.zone_certificates.len(),
        1,
        "certificates kept unless asked"
    );
}

/// Files already there: a folder holding an earlier set and an origin CA file holding that set's
/// CA. The wizard asks before replacing either, naming what they hold; another folder is typed
/// in place; the CA file is replaced only after y.
#[test]
fn existing_files_are_replaced_only_after_a_question() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let earlier = work.path().join("aop-example.com");
    aop_wizard::ops::certificate::generate_and_write(
        "earlier.example",
        aop_wizard::pki::KeyType::EcdsaP256,
        &earlier,
        None,
        false,
    )
    .unwrap();
    std::fs::create_dir_all(earlier.join("origin")).unwrap();
    std::fs::copy(earlier.join("ca.crt"), earlier.join("origin/ca.crt")).unwrap();
    let earlier_ca = std::fs::read_to_string(earlier.join("ca.crt")).unwrap();
    let mut pty = demo_against(fake, work.path(), &data);

    pty.wait_for("(recommended)", STEP);
    pty.send(ENTER);
    to_the_certificate(&mut pty);
    pty.send(ENTER);
    pty.wait_for("Replace the files?", STEP);
    assert!(pty.screen().contains("earlier.example"), "{}", pty.screen());
    assert!(!pty.screen().contains("--force"), "{}", pty.screen());
    pty.send("n");
    pty.type_text("-2");
    pty.send(ENTER);
    pty.wait_for("Generated and saved", STEP);
    assert!(
        pty.screen().contains("aop-example.com-2"),
        "{}",
        pty.screen()
    );
    assert_eq!(
        std::fs::read_to_string(earlier.join("ca.crt")).unwrap(),
        earlier_ca,
        "the earlier set is kept"
    );
    pty.send(ENTER);
    pty.wait_for("Enter asks before sending", STEP);
    pty.send(ENTER);
    pty.wait_for("Upload the client certificate", STEP);
    pty.send("y");
    pty.wait_for("On Cloudflare and active", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 1 of 2", STEP);
    // The snippet goes beside the new set; written into the earlier set's origin folder instead,
    // it would replace that set's CA file.
    assert!(
        pty.screen().contains("aop-example.com-2/origin"),
        "{}",
        pty.screen()
    );
    pty.send("d");
    pty.send("\x15"); // Ctrl-U
    pty.type_text(&earlier.join("origin").display().to_string());
    pty.send(ENTER);
    pty.send(ENTER);
    pty.wait_for("Replace different files?", STEP);
    assert!(pty.screen().contains("earlier.example"), "{}", pty.screen());
    assert_eq!(
        std::fs::read_to_string(earlier.join("origin/ca.crt")).unwrap(),
        earlier_ca,
        "nothing replaced before the answer"
    );
    pty.send("y");
    pty.wait_for("Probed for 2 hostnames", STEP);
    assert_eq!(
        std::fs::read_to_string(earlier.join("origin/ca.crt")).unwrap(),
        std::fs::read_to_string(work.path().join("aop-example.com-2/ca.crt")).unwrap(),
        "the new CA, after yes"
    );
    pty.send("q");
    pty.wait_for("Quit", STEP);
    pty.send("y");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
}

/// A CA key encrypted with a passphrase typed twice when generating; the rotation asks for it,
/// says so in one sentence when it is wrong, and signs with the right one.
#[test]
fn a_passphrase_protects_the_ca_key_and_the_rotation_asks_for_it() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut pty = demo_against(fake, work.path(), &data);

    pty.wait_for("(recommended)", STEP);
    pty.send(ENTER);
    to_the_certificate(&mut pty);
    assert!(
        pty.screen().contains("stored unencrypted"),
        "{}",
        pty.screen()
    );
    for _ in 0..3 {
        pty.send("\t");
    }
    pty.type_text("correct horse");
    pty.send("\t");
    pty.type_text("correct horse");
    assert!(!pty.screen().contains("correct horse"), "{}", pty.screen());
    pty.send(ENTER);
    pty.wait_for("encrypted with your passphrase", STEP);
    let dir = work.path().join("aop-example.com");
    aop_wizard::pki::CertificateAuthority::load(
        &dir.join("ca.crt"),
        &dir.join("ca.key"),
        Some(b"correct horse"),
    )
    .expect("the passphrase opens the CA key");
    pty.send(ENTER);
    pty.wait_for("Enter asks before sending", STEP);
    pty.send(ENTER);
    pty.wait_for("Upload the client certificate", STEP);
    pty.send("y");
    pty.wait_for("On Cloudflare and active", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 1 of 2", STEP);
    pty.send(ENTER);
    pty.wait_for("Probed for 2 hostnames", STEP);
    pty.send(ENTER);
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    pty.send("y");
    pty.wait_for("AOP is on for example.com", STEP);
    pty.send(ENTER);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send(ENTER);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("e-mail", STEP);
    pty.type_text("ops@example.com");
    pty.send(ENTER);
    pty.wait_for("Create the expiry notification?", STEP);
    pty.send("y");
    pty.wait_for("Notification policy in place", STEP);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);

    pty.send("r");
    pty.wait_for("nothing changes yet", STEP);
    pty.send(ENTER);
    pty.wait_for("The CA key is encrypted: type its passphrase", STEP);
    pty.type_text("wrong horse");
    pty.send(ENTER);
    pty.wait_for("That passphrase does not open", STEP);
    pty.type_text("correct horse");
    pty.send(ENTER);
    pty.wait_for("the same CA signs the new certificate", STEP);
    pty.send(ENTER);
    pty.wait_for("Start the rotation?", STEP);
    pty.send("y");
    pty.wait_for("origin still refuses requests without", STEP);
    pty.send(ENTER);
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    let rotated = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rotated-"))
        })
        .expect("a rotated set");
    assert!(aop_wizard::pki::signed_by(
        &aop_wizard::pki::load_certificates(&rotated.join("client.crt")).unwrap()[0],
        &aop_wizard::pki::load_certificates(&dir.join("ca.crt")).unwrap()[0],
    ));
    let log = std::fs::read_to_string(data.join("aop-wizard.log")).unwrap();
    let saved = std::fs::read_to_string(data.join("demo/progress/example.com.json")).unwrap();
    assert!(
        !log.contains("correct horse") && !saved.contains("correct horse"),
        "the passphrase is never logged nor saved"
    );
}

#[test]
fn a_paste_arrives_whole_in_the_field_and_paste_mode_ends_with_the_wizard() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));
    pty.wait_for("(recommended)", STEP);
    assert!(
        pty.parser.screen().bracketed_paste(),
        "the wizard asks the terminal to mark pastes"
    );
    pty.send(ENTER);
    pty.wait_for("Notifications → Edit", STEP);
    pty.send(ENTER);
    pty.wait_for("example.org", STEP);
    // A paste, line break included: the filter takes the text, the break does not press Enter.
    pty.type_text("\x1b[200~example.org\r\n\x1b[201~");
    pty.wait_for("example.org▏", STEP);
    assert!(
        !pty.screen().contains("example.com  active"),
        "the list is filtered:\n{}",
        pty.screen()
    );
    assert!(pty.screen().contains("▶ Zone"), "still on the zone screen");
    pty.send("\x03");
    pty.wait_for("Quit?", STEP);
    pty.send("y");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}");
    assert!(
        !pty.parser.screen().bracketed_paste(),
        "bracketed paste is off again"
    );
}

#[test]
fn at_80x24_the_viewer_shows_the_end_of_the_haproxy_log_format_line() {
    use support::pty::DOWN;
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn_sized(
        env!("CARGO_BIN_EXE_aop-wizard"),
        &["--demo"],
        work.path(),
        &[
            ("CLOUDFLARE_API_BASE_URL", fake.base_url()),
            ("CLOUDFLARE_API_TOKEN", DEMO_TOKEN.to_string()),
            (
                "AOP_WIZARD_DATA_DIR",
                work.path().join("data").display().to_string(),
            ),
            ("AOP_WIZARD_KEYRING", "none".to_string()),
        ],
        24,
        80,
    );
    for (wait, key) in [
        ("(recommended)", ENTER),
        ("Notifications → Edit", ENTER),
        ("example.org", ENTER),
        ("works with Authenticated Origin Pulls", ENTER),
        ("[ecdsa-p256]", ENTER),
        ("Generated and saved", ENTER),
        ("Enter asks before sending", ENTER),
        ("Upload the client certificate", "y"),
        ("Uploaded and active", ENTER),
        ("# Trusts your CA", DOWN),
        ("[Apache httpd]", DOWN),
    ] {
        pty.wait_for(wait, STEP);
        pty.send(key);
    }
    pty.wait_for("[HAProxy]", STEP);
    assert!(
        pty.screen().contains("? help  q quit"),
        "the key bar keeps its tail:\n{}",
        pty.screen()
    );
    pty.send("v");
    pty.wait_for("HAProxy snippet, log phase", STEP);
    pty.wait_for("error-log-format", STEP);
    // The line users must paste ends beyond the screen: marked, then reached sideways.
    let log_format = pty
        .screen()
        .lines()
        .find(|l| l.starts_with("log-format"))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(
        log_format.ends_with('→'),
        "{log_format:?}\n{}",
        pty.screen()
    );
    for _ in 0..40 {
        pty.send("\x1b[C");
    }
    pty.wait_for("host=%{+Q}[var(txn.aop_host),json(utf8s)]\"", STEP);
    pty.send(ESC);
    pty.wait_for("PgDn scroll", STEP);
}

/// Doctor in the demo's log phase: one key (Ctrl-D) predicts "ready to enforce" for both
/// hostnames, from the fake Cloudflare's zone-level certificate and the demo origin's CA list.
/// Pointed at an origin trusting another CA, named with terminal controls, it predicts the
/// failure and names that CA escaped: the terminal shows the characters, and obeys none of them.
#[test]
fn doctor_in_the_log_phase_predicts_ready_to_enforce_and_escapes_a_hostile_ca_name() {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    const CTRL_D: &str = "\x04";
    const CTRL_U: &str = "\x15";
    let lab = support::fake::fake();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let mut pty = demo_against(&lab.fake, work.path(), &data);
    support::pty::zone_level_to_the_log_check(&mut pty);
    assert_eq!(pty.keys, support::pty::LOG_CHECK_KEYS);
    pty.send(CTRL_D);
    pty.wait_for("✓ www.example.com: ready to enforce", STEP);
    pty.wait_for("✓ example.com: ready to enforce", STEP);
    // The key bar, the frame's last row, is back: the whole frame is drawn.
    pty.wait_for("Enter continue  Ctrl-D doctor", STEP);
    // The body's rows after the stepper, joined as they were wrapped.
    let body: Vec<String> = pty
        .screen()
        .lines()
        .filter_map(|row| row.split_once('│').map(|(_, body)| body.trim().to_string()))
        .collect();
    let command = format!(
        "aop-wizard doctor --zone example.com --hostname example.com --hostname www.example.com --origin {}",
        pty.screen()
            .lines()
            .find_map(|row| row
                .split_once("origins        ")
                .map(|(_, o)| o.trim_end_matches(['▏', ' ']).to_string()))
            .unwrap()
    );
    assert!(
        body.join(" ").contains(&command),
        "{command}\n{}",
        pty.screen()
    );
    assert_eq!(pty.keys, support::pty::LOG_CHECK_KEYS + 1);

    // An origin in the log phase that lists a CA named with an OSC title sequence and a clear.
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "evil\u{1b}]0;PWNED\u{7}\u{1b}[2J",
    );
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let hostile_ca = params.self_signed(&key).unwrap().der().to_vec();
    let origin = lab
        .runtime
        .block_on(DemoOrigin::start(&["example.com", "www.example.com"]))
        .unwrap();
    origin.set_phase(OriginPhase::Log(vec![hostile_ca]));
    pty.type_text(CTRL_U);
    pty.type_text(&origin.address().to_string());
    pty.send(CTRL_D);
    // The demo origin, a rustls server, refuses a certificate from a CA it does not trust even
    // in the log phase: the handshake fails, which Cloudflare answers with 525.
    pty.wait_for(
        "✗ example.com: every proxied request will fail with 525",
        STEP,
    );
    pty.wait_for(
        "trusts CN=evil\\x1b]0;PWNED\\x07\\x1b[2J, Cloudflare presents",
        STEP,
    );
    // A raw ESC would have been taken by the terminal, not shown as \x1b; nor is it elsewhere.
    let screen = pty.screen();
    assert!(!screen.contains('\u{1b}'), "{screen}");
}

/// In the demo the origin writes a real access log: at Verify log, Tab and Enter read it, and
/// the counts are the requests the probe (127.0.0.1) and the demo edge (127.0.0.2, standing for
/// Cloudflare's addresses) just made; then Enter goes on, the log being ready.
#[test]
fn the_demo_origin_s_access_log_is_read_at_verify_log() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));
    support::pty::zone_level_to_the_log_check(&mut pty);
    pty.wait_for("Tab read log…", STEP);
    let before = pty.keys;
    pty.send("\t");
    // The field, pre-filled with the demo origin's own log.
    pty.wait_for("/aop-access.log▏", STEP);
    pty.send(ENTER);
    pty.wait_for("Access log: ready to enforce", STEP);
    pty.wait_for("Tab read log…", STEP);
    assert_eq!(pty.keys - before, 2, "Tab, Enter: the log is read");
    // The screen's right side as one text: a line wrapped at the edge reads on.
    let screen: String = pty
        .screen()
        .lines()
        .map(|row| {
            row.split_once("│ ")
                .map_or(row, |(_, text)| text)
                .trim_end()
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        screen.contains("Demo: requests from 127.0.0.2 (the demo edge) count as Cloudflare's"),
        "{screen}"
    );
    // Each hostname once through the demo edge with the uploaded certificate; twice probed
    // directly (before enabling and here), without a certificate and with yours.
    for hostname in ["example.com", "www.example.com"] {
        assert!(
            screen.contains(&format!(
                "  {hostname}: Cloudflare 1 verified, 0 unverified · elsewhere 4 requests, 2 with a verified certificate; 2 refused once enforced: 127.0.0.1 (2)"
            )),
            "{screen}"
        );
    }
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send("q");
    pty.wait_for("Quit?", STEP);
    pty.send("y");
    assert!(pty.wait_exit(STEP).success());
}
