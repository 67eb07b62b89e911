//! The real binary in a pseudo-terminal on every set-up path: zone-level with the expiry alert
//! skipped, per-hostname with two hostnames, and global AOP, each to the summary with `--demo`
//! against the test's fake so that its final state can be checked, and each within the keys the
//! issue allows.

mod support;

use std::time::Duration;

use support::pty::{DOWN, ENTER, Pty, demo_against, generate_and_upload, to_the_certificate};

const STEP: Duration = Duration::from_secs(30);

/// From launch to the summary, the expiry alert skipped.
const ZONE_LEVEL_TARGET: usize = 18;
const PER_HOSTNAME_TARGET: usize = 20;
const GLOBAL_TARGET: usize = 14;

/// The snippet screen: Enter writes it into the folder, then goes on.
fn write_snippet_and_go_on(pty: &mut Pty) {
    pty.send(ENTER);
}

#[test]
fn zone_level_with_the_alert_skipped_to_the_summary() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));
    support::pty::zone_level_setup_without_alert(&mut pty);
    assert!(
        pty.keys <= ZONE_LEVEL_TARGET,
        "{} keys, more than {ZONE_LEVEL_TARGET}",
        pty.keys
    );
    assert_eq!(
        pty.keys, 17,
        "the count as measured (README); lower the target if it drops"
    );
    let zone = fake.zone("example.com").unwrap();
    assert!(zone.zone_aop_enabled);
    assert_eq!(
        zone.zone_certificate_in_use.as_ref(),
        Some(&zone.zone_certificates[0].0)
    );
    assert_eq!(fake.calls("create_alert_policy"), 0, "skipped");
}

/// Per hostname from launch to the Enable screen, the first hostname picked and the origin
/// probed for it.
fn per_hostname_to_the_pick(pty: &mut Pty) {
    pty.wait_for("(recommended)", STEP);
    pty.send(DOWN);
    pty.send(ENTER);
    to_the_certificate(pty);
    generate_and_upload(pty);
    pty.send(ENTER);
    pty.wait_for("phase 1 of 2", STEP);
    write_snippet_and_go_on(pty);
    // The first hostname is picked and probed on arrival.
    pty.wait_for("[x] example.com", STEP);
    pty.wait_for("Probed for 1 hostname:", STEP);
}

/// Per hostname, both proxied hostnames of example.com: one certificate uploaded, both
/// associations enabled with it, and every screen that says what is enabled names both.
#[test]
fn per_hostname_with_two_hostnames_to_the_summary() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));
    per_hostname_to_the_pick(&mut pty);

    pty.send(DOWN);
    pty.send(" ");
    pty.wait_for("[x] www.example.com", STEP);
    pty.wait_for("Probed for 2 hostnames:", STEP);
    pty.send(ENTER);
    // The confirmation (its rows start at the box's edge) names both, each on a line.
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    pty.wait_for(
        "│Cloudflare presents your certificate for 2 hostnames:",
        STEP,
    );
    pty.wait_for("│  • example.com", STEP);
    pty.wait_for("│  • www.example.com", STEP);
    pty.send("y");
    pty.wait_for(
        "Per-hostname AOP is on in example.com for 2 hostnames:",
        STEP,
    );
    // Below the list in the same frame: the result names both.
    pty.wait_for("Next: prove the origin", STEP);
    let result = pty.screen();
    assert!(
        result.contains("│   • example.com") && result.contains("│   • www.example.com"),
        "the result names both:\n{result}"
    );
    pty.send(ENTER);

    pty.wait_for("through Cloudflare www.example.com: served", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send(ENTER);
    pty.wait_for("example.com enforced", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("e-mail", STEP);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);
    assert!(
        pty.keys <= PER_HOSTNAME_TARGET,
        "{} keys, more than {PER_HOSTNAME_TARGET}",
        pty.keys
    );
    assert_eq!(
        pty.keys, 20,
        "the count as measured (README); lower the target if it drops"
    );

    // Cloudflare's side: one per-hostname certificate, active, enabled for both hostnames.
    let zone = fake.zone("example.com").unwrap();
    assert_eq!(zone.hostname_certificates.len(), 1, "{zone:?}");
    let (id, status, _) = &zone.hostname_certificates[0];
    assert_eq!(status, "active");
    for hostname in ["example.com", "www.example.com"] {
        assert_eq!(
            zone.associations.get(hostname),
            Some(&(id.clone(), true)),
            "{hostname}: {:?}",
            zone.associations
        );
    }
    assert!(!zone.zone_aop_enabled && !zone.global_aop);
    assert!(zone.zone_certificates.is_empty());
}

/// Per hostname with only example.com picked of the two proxied hostnames on the same origin:
/// www.example.com gets no certificate from Cloudflare. It is named before enabling and before
/// enforcing, and once the origin enforces the request through Cloudflare for it is refused, so
/// the wizard does not say all is as expected.
#[test]
fn per_hostname_with_one_of_two_hostnames_names_the_other_and_finds_it_refused() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));
    per_hostname_to_the_pick(&mut pty);
    let warned = |screen: &str| {
        screen.contains("www.example.com: not picked, so Cloudflare presents no certificate")
    };
    pty.send(ENTER);
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    let confirmation = pty.screen();
    assert!(warned(&confirmation), "{confirmation}");
    pty.send("y");
    pty.wait_for("Next: prove the origin", STEP);
    pty.send(ENTER);
    // While the origin only logs, www.example.com is still served through Cloudflare.
    pty.wait_for("through Cloudflare www.example.com: served", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    let enforce = pty.screen();
    assert!(
        warned(&enforce) && enforce.contains("www.example.com"),
        "named before enforcing:\n{enforce}"
    );
    pty.send(ENTER);
    pty.wait_for("✗ Through Cloudflare:", STEP);
    let result = pty.screen();
    assert!(!result.contains("All as expected"), "{result}");
    assert!(
        result.contains("Cloudflare presents no client certificate")
            && result.contains("for www.example.com")
            && result.contains("zone-level AOP"),
        "the refusal explained, with what to do:\n{result}"
    );
    // Going on without the proof is still asked, with what it leaves unproven.
    pty.send("s");
    pty.wait_for("If you skip it, nothing then proves", STEP);
    // What was just seen refused is named.
    assert!(
        pty.screen()
            .contains("these were not served: www.example.com"),
        "{}",
        pty.screen()
    );
}

/// Global AOP: nothing uploaded, Cloudflare's real CA in the origin's files, the demo's
/// stand-in for Cloudflare's shared certificate said plainly, proven through the demo's edge in
/// both phases, and the zone's `tls_client_auth` on.
#[test]
fn global_to_the_summary() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = demo_against(fake, work.path(), &work.path().join("data"));

    pty.wait_for("(recommended)", STEP);
    pty.send(DOWN);
    pty.send(DOWN);
    pty.send(ENTER);
    pty.wait_for("Notifications → Edit", STEP);
    pty.send(ENTER);
    pty.wait_for("example.org", STEP);
    pty.send(ENTER);
    pty.wait_for("works with Authenticated Origin Pulls", STEP);
    pty.send(ENTER);
    pty.wait_for("shipped in aop-wizard", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 1 of 2", STEP);
    write_snippet_and_go_on(&mut pty);

    pty.wait_for("Probed for 2 hostnames:", STEP);
    pty.wait_for("Demo only: the demo edge presents a stand-in", STEP);
    pty.send(ENTER);
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    pty.wait_for("│Cloudflare presents its shared certificate", STEP);
    pty.send("y");
    pty.wait_for("Global AOP is on for example.com", STEP);
    pty.send(ENTER);

    pty.wait_for("through Cloudflare www.example.com: served", STEP);
    pty.wait_for("All as expected", STEP);
    pty.wait_for(
        "Demo only: the demo edge presents a stand-in for Cloudflare's",
        STEP,
    );
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send(ENTER);
    pty.wait_for("example.com enforced", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);
    assert!(
        pty.keys <= GLOBAL_TARGET,
        "{} keys, more than {GLOBAL_TARGET}",
        pty.keys
    );
    assert_eq!(
        pty.keys, 14,
        "the count as measured (README); lower the target if it drops"
    );

    let zone = fake.zone("example.com").unwrap();
    assert!(zone.global_aop, "tls_client_auth is on");
    assert!(!zone.zone_aop_enabled);
    assert!(zone.zone_certificates.is_empty() && zone.hostname_certificates.is_empty());
    assert_eq!(fake.calls("upload_zone_certificate"), 0);
    // The origin is told to trust Cloudflare's real CA; the stand-in never leaves the demo.
    let ca = std::fs::read_to_string(work.path().join("aop-example.com/origin/ca.crt")).unwrap();
    assert_eq!(ca.trim(), aop_wizard::pki::cloudflare_ca::PEM.trim());
}
