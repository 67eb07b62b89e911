//! Resume, with the real binary in a pseudo-terminal against the test's fake Cloudflare (which
//! outlives each run, as Cloudflare does): quit after the upload, or killed at Verify log, a
//! restart is on the first unfinished stage within three keys and finishes without a second
//! upload; a certificate deleted or a switch turned off in between is said, and that stage is
//! done again rather than skipped.

mod support;

use std::time::{Duration, Instant};

use aop_wizard::cloudflare::CertificateScope;
use support::fake::Fake;
use support::pty::{ENTER, Pty, demo_against, generate_and_upload, to_the_certificate, upload};

const STEP: Duration = Duration::from_secs(30);
/// The most keys from launch to the first unfinished stage.
const RESUME_KEYS: usize = 3;

/// A first run, a restart, and the fake both talk to.
struct Runs {
    fake: Fake,
    work: tempfile::TempDir,
}

impl Runs {
    fn new() -> Runs {
        Runs {
            fake: support::fake::fake(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn start(&self) -> Pty {
        demo_against(&self.fake.fake, self.work.path(), &self.data())
    }

    fn data(&self) -> std::path::PathBuf {
        self.work.path().join("data")
    }

    /// Waits until the saved progress shows `stage`: a person quits or is killed after the
    /// screen said it was done, and the file is written just before.
    fn wait_saved(&self, stage: &str) {
        let path = self.data().join("demo/progress/example.com.json");
        let deadline = Instant::now() + STEP;
        while !std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains(&format!("\"{stage}\""))
        {
            assert!(Instant::now() < deadline, "{stage} never saved in {path:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn zone_id(&self) -> String {
        self.fake.fake.zone("example.com").unwrap().id
    }

    /// One certificate on Cloudflare, active and the one presented, zone-level AOP on.
    fn assert_finished(&self) -> String {
        let zone = self.fake.fake.zone("example.com").unwrap();
        assert_eq!(
            zone.zone_certificates.len(),
            1,
            "{:?}",
            zone.zone_certificates
        );
        let (id, status, _) = &zone.zone_certificates[0];
        assert_eq!(status, "active");
        assert_eq!(zone.zone_certificate_in_use.as_ref(), Some(id));
        assert!(zone.zone_aop_enabled);
        let progress =
            std::fs::read_to_string(self.data().join("demo/progress/example.com.json")).unwrap();
        assert!(
            progress.contains("\"served-while-enforcing\""),
            "{progress}"
        );
        id.clone()
    }
}

/// From the first screen through the upload, with the default answers.
fn through_upload(pty: &mut Pty) {
    pty.wait_for("(recommended)", STEP);
    pty.send(ENTER);
    to_the_certificate(pty);
    generate_and_upload(pty);
}

/// From the log snippet to the screen before the log-phase proof.
fn through_enable(pty: &mut Pty) {
    pty.wait_for("phase 1 of 2", STEP);
    pty.send("w");
    pty.wait_for("Wrote", STEP);
    pty.send(ENTER);
    enable(pty);
}

/// On the enable screen: the origin probed on arrival, then Cloudflare switched on (asked
/// first), then on to Verify log, which probes on arrival.
fn enable(pty: &mut Pty) {
    pty.wait_for("Probed for 2 hostnames", STEP);
    pty.send(ENTER);
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    pty.send("y");
    pty.wait_for("AOP is on for example.com", STEP);
    pty.send(ENTER);
    pty.wait_for("│ Verify log", STEP);
}

/// From the log-phase proof (probed on arrival) to the summary, the alert skipped.
fn from_verify_log_to_the_summary(pty: &mut Pty) {
    pty.wait_for("through Cloudflare www.example.com: served", STEP);
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send("w");
    pty.wait_for("Wrote", STEP);
    pty.send(ENTER);
    pty.wait_for("example.com enforced", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("e-mail", STEP);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);
    pty.send("q");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
}

fn quit(pty: &mut Pty) {
    pty.send("q");
    pty.wait_for("Progress so far is saved", STEP);
    pty.send("y");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
}

fn kill(pty: &mut Pty) {
    pty.child.kill().unwrap();
    pty.wait_exit(STEP);
}

/// A restart: Enter on the saved set-up (the cursor is on it), and the screen it lands on.
fn restart(runs: &Runs, lands_on: &str, says: &str) -> Pty {
    let mut pty = runs.start();
    pty.wait_for("▶ Resume example.com", STEP);
    pty.send(ENTER);
    pty.wait_for("Checked again since you stopped", STEP);
    pty.wait_for(says, STEP);
    let screen = pty.screen();
    assert!(
        screen.contains(&format!("│ {lands_on}")),
        "resumed at {lands_on}:\n{screen}"
    );
    assert!(
        pty.keys <= RESUME_KEYS,
        "{} keys from launch to {lands_on}",
        pty.keys
    );
    pty
}

#[test]
fn quit_after_the_upload_a_restart_goes_on_from_the_origin_snippet() {
    let runs = Runs::new();
    let mut pty = runs.start();
    through_upload(&mut pty);
    runs.wait_saved("active");
    quit(&mut pty);

    let mut pty = restart(&runs, "Origin: log", "everything saved still holds");
    assert_eq!(pty.keys, 1, "Enter, and nothing else");
    through_enable(&mut pty);
    from_verify_log_to_the_summary(&mut pty);
    runs.assert_finished();
    assert_eq!(
        runs.fake.fake.calls("upload_zone_certificate"),
        1,
        "never uploaded twice"
    );
}

#[test]
fn killed_at_verify_log_a_restart_probes_again_and_finishes() {
    let runs = Runs::new();
    let mut pty = runs.start();
    through_upload(&mut pty);
    pty.send(ENTER);
    through_enable(&mut pty);
    runs.wait_saved("enabled");
    kill(&mut pty);

    let mut pty = restart(&runs, "Verify log", "everything saved still holds");
    assert_eq!(pty.keys, 1, "Enter, and nothing else");
    from_verify_log_to_the_summary(&mut pty);
    runs.assert_finished();
    assert_eq!(runs.fake.fake.calls("upload_zone_certificate"), 1);
    assert_eq!(
        runs.fake.fake.calls("set_zone_aop_setting"),
        1,
        "enabled once"
    );
    let origin = runs.work.path().join("aop-example.com/origin");
    assert!(
        origin.join("nginx-enforce.conf").exists(),
        "the enforce snippet goes where the log snippet went"
    );
}

#[test]
fn a_certificate_deleted_since_is_said_and_uploaded_again() {
    let runs = Runs::new();
    let mut pty = runs.start();
    through_upload(&mut pty);
    runs.wait_saved("active");
    quit(&mut pty);
    let (deleted, _, _) = runs
        .fake
        .fake
        .zone("example.com")
        .unwrap()
        .zone_certificates[0]
        .clone();
    let client = runs.fake.client();
    runs.fake
        .runtime
        .block_on(client.delete_certificate(CertificateScope::Zone, &runs.zone_id(), &deleted))
        .unwrap();

    let mut pty = restart(&runs, "Upload", "is gone from Cloudflare");
    assert!(
        pty.screen().contains(&format!("{}…", &deleted[..8])),
        "{}",
        pty.screen()
    );
    upload(&mut pty);
    pty.send(ENTER);
    through_enable(&mut pty);
    from_verify_log_to_the_summary(&mut pty);
    let id = runs.assert_finished();
    assert_ne!(id, deleted);
}

#[test]
fn a_switch_turned_off_since_is_said_and_enabled_again() {
    let runs = Runs::new();
    let mut pty = runs.start();
    through_upload(&mut pty);
    pty.send(ENTER);
    through_enable(&mut pty);
    runs.wait_saved("enabled");
    kill(&mut pty);
    let client = runs.fake.client();
    runs.fake
        .runtime
        .block_on(client.set_zone_aop_enabled(&runs.zone_id(), false))
        .unwrap();

    let mut pty = restart(&runs, "Enable", "Zone-level AOP was turned off");
    enable(&mut pty);
    from_verify_log_to_the_summary(&mut pty);
    runs.assert_finished();
    assert_eq!(runs.fake.fake.calls("upload_zone_certificate"), 1);
}
