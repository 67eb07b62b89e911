//! `aop-wizard rotate`, the real binary against the fake Cloudflare and the demo origin: killed
//! at every request it makes (before and after Cloudflare carried it out) and faulted at every
//! one, it resumes and ends with exactly one active certificate, the new one, an origin that
//! still enforces, and never a moment in which Cloudflare had no active certificate to present.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aop_wizard::cloudflare::fake::{Activation, CertificateRelease, FaultKind, UnassociatedAnswer};
use aop_wizard::cloudflare::{HostnameConfig, HostnameEnablement};
use aop_wizard::demo::{DemoOrigin, OriginPhase};
use serde_json::Value;
use support::fake::{Fake, fake};

const HOST: &str = "www.example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Zone,
    Hostname,
}

/// A zone whose origin enforces with a certificate from `old/`, zone-level or for www.
struct Setup {
    fake: Fake,
    dir: tempfile::TempDir,
    origin: DemoOrigin,
    scope: Scope,
}

impl Setup {
    fn new(scope: Scope) -> Setup {
        let fake = fake();
        fake.fake.set_activation(Activation::AfterPolls(0));
        let dir = tempfile::tempdir().unwrap();
        let origin = fake
            .runtime
            .block_on(DemoOrigin::start(&[HOST, "example.com"]))
            .unwrap();
        let setup = Setup {
            fake,
            dir,
            origin,
            scope,
        };
        let hostname = (scope == Scope::Hostname).then_some(HOST);
        support::fake::certificate_on_cloudflare(
            &|args| drop(setup.ok(args)),
            &setup.path("old"),
            hostname,
        );
        setup
            .origin
            .set_phase(OriginPhase::Enforce(vec![setup.der("old/ca.crt")]));
        // Cloudflare takes a few polls to deploy the new certificate.
        setup.fake.fake.set_activation(Activation::AfterPolls(3));
        setup
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn der(&self, name: &str) -> Vec<u8> {
        aop_wizard::pki::load_certificates(&self.path(name))
            .unwrap()
            .remove(0)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.fake.aop(&self.path("data"));
        command.args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        output
    }

    /// `rotate` with the same CA, proving the origin directly and through the demo edge.
    fn rotate_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "rotate",
            "--zone",
            "example.com",
            "--out",
            self.path("new").to_str().unwrap(),
            "--origin",
            &self.origin.address().to_string(),
            "--host",
            HOST,
            "--edge-url",
            &self.fake.fake.edge_url("{hostname}", self.origin.address()),
            "--interval",
            "0",
            "--yes",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if self.scope == Scope::Hostname {
            args.extend(["--hostname".to_string(), HOST.to_string()]);
        }
        if !extra.contains(&"--ca-cert") {
            for (flag, file) in [("--ca-cert", "old/ca.crt"), ("--ca-key", "old/ca.key")] {
                args.extend([flag.to_string(), self.path(file).display().to_string()]);
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    fn rotate(&self, extra: &[&str]) -> Output {
        let args = self.rotate_args(extra);
        self.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn spawn_rotate(&self) -> Child {
        let args = self.rotate_args(&[]);
        self.command(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// The certificates of the rotated scope on Cloudflare: (id, status, fingerprint), those
    /// being deleted left out (the fake lists them for a few reads more, as Cloudflare does).
    fn certificates(&self) -> Vec<(String, String, String)> {
        let zone = self.fake.fake.zone("example.com").unwrap();
        let all = match self.scope {
            Scope::Zone => zone.zone_certificates,
            Scope::Hostname => zone.hostname_certificates,
        };
        all.into_iter()
            .filter(|(_, status, _)| status != "pending_deletion")
            .collect()
    }

    /// Exactly one certificate, the new one, active and presented; the origin still refuses a
    /// request without a certificate and serves one made with the new certificate.
    fn assert_rotated(&self, context: &str) {
        let new = aop_wizard::pki::fingerprint_sha256(&self.der("new/client.crt"));
        let certificates = self.certificates();
        assert_eq!(certificates.len(), 1, "{context}: {certificates:?}");
        let (id, status, fingerprint) = &certificates[0];
        assert_eq!(
            (status.as_str(), fingerprint),
            ("active", &new),
            "{context}"
        );
        let zone = self.fake.fake.zone("example.com").unwrap();
        match self.scope {
            Scope::Zone => assert_eq!(zone.zone_certificate_in_use.as_ref(), Some(id)),
            Scope::Hostname => assert_eq!(zone.associations[HOST], (id.clone(), true)),
        }
        assert_eq!(
            self.fake.fake.coverage_gaps(),
            Vec::<String>::new(),
            "{context}"
        );
        assert!(
            !self
                .path("data/rotations")
                .read_dir()
                .is_ok_and(|mut d| d.next().is_some()),
            "{context}: the finished rotation's state is removed"
        );
        let verify = self.run(&[
            "verify",
            "--origin",
            &self.origin.address().to_string(),
            "--host",
            HOST,
            "--cert",
            self.path("new/client.crt").to_str().unwrap(),
            "--key",
            self.path("new/client.key").to_str().unwrap(),
            "--ca",
            self.path("old/ca.crt").to_str().unwrap(),
            "--expect",
            "enforced",
        ]);
        assert!(verify.status.success(), "{context}: {}", text(&verify));
    }
}

/// A CA the origin may be made to trust instead of the right one.
fn someone_elses_ca() -> Vec<u8> {
    aop_wizard::pki::generate_ephemeral(
        "someone else's CA",
        "x",
        aop_wizard::pki::LeafPurpose::ClientAuth,
        1,
    )
    .unwrap()
    .ca
    .cert_der()
    .to_vec()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
}

/// The requests a clean rotation makes, as (operation, nth call of it since the fake started).
fn rotation_requests(scope: Scope) -> Vec<(String, u32)> {
    let setup = Setup::new(scope);
    let before = setup.fake.fake.requests().len();
    let output = setup.rotate(&[]);
    assert!(output.status.success(), "{}", text(&output));
    let result = json(&output);
    assert_eq!(result["result"], "rotated", "{result}");
    assert_eq!(result["origin_still_enforces"], true, "{result}");
    setup.assert_rotated("clean run");
    let requests = setup.fake.fake.requests();
    requests
        .iter()
        .enumerate()
        .skip(before)
        .map(|(i, r)| {
            let nth = requests[..=i]
                .iter()
                .filter(|q| q.operation == r.operation)
                .count();
            (r.operation.clone(), nth as u32)
        })
        .collect()
}

/// Waits until the `nth` call of `operation` has arrived (and, with `answered`, been carried out).
fn wait_for_request(setup: &Setup, operation: &str, nth: u32, answered: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = setup
            .fake
            .fake
            .requests()
            .iter()
            .filter(|r| r.operation == operation)
            .nth(nth as usize - 1)
            .is_some_and(|r| !answered || r.status != 0);
        if seen {
            return;
        }
        assert!(Instant::now() < deadline, "{operation} #{nth} never came");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn killed_and_faulted_at_every_request(scope: Scope) {
    let requests = rotation_requests(scope);
    assert!(
        requests.iter().any(|(op, _)| op.starts_with("upload_"))
            && requests.iter().any(|(op, _)| op.starts_with("delete_")),
        "{requests:?}"
    );
    let hour = Duration::from_secs(3600);
    for (operation, nth) in &requests {
        for kind in [
            FaultKind::Hang(hour),
            FaultKind::Timeout(hour),
            FaultKind::ServerError,
        ] {
            let context = format!("{scope:?}: {kind:?} at {operation} #{nth}");
            let setup = Setup::new(scope);
            setup.fake.fake.inject_fault(operation, *nth, kind);
            if kind == FaultKind::ServerError {
                // Retried, or the run fails and the next one picks up.
                let first = setup.rotate(&[]);
                if first.status.success() {
                    setup.assert_rotated(&context);
                    continue;
                }
                assert_eq!(first.status.code(), Some(4), "{context}: {}", text(&first));
            } else {
                let mut child = setup.spawn_rotate();
                wait_for_request(
                    &setup,
                    operation,
                    *nth,
                    matches!(kind, FaultKind::Timeout(_)),
                );
                child.kill().unwrap();
                child.wait().unwrap();
                assert_eq!(
                    setup.fake.fake.coverage_gaps(),
                    Vec::<String>::new(),
                    "{context}"
                );
            }
            let resumed = setup.rotate(&[]);
            assert!(resumed.status.success(), "{context}: {}", text(&resumed));
            setup.assert_rotated(&context);
        }
    }
}

#[test]
fn a_zone_level_rotation_survives_a_kill_or_a_fault_at_every_request() {
    killed_and_faulted_at_every_request(Scope::Zone);
}

#[test]
fn a_per_hostname_rotation_survives_a_kill_or_a_fault_at_every_request() {
    killed_and_faulted_at_every_request(Scope::Hostname);
}

/// A new CA: nothing happens on Cloudflare until the origin trusts both CAs; then the old
/// leaf is proven through Cloudflare (its key is not at hand) and the new one directly.
#[test]
fn a_new_ca_waits_for_the_origin_to_trust_both() {
    let setup = Setup::new(Scope::Zone);
    // Only the CA, without the old leaf beside it.
    let ca_only = setup.path("ca-only");
    std::fs::create_dir_all(&ca_only).unwrap();
    for name in ["ca.crt", "ca.key"] {
        std::fs::copy(setup.path("old").join(name), ca_only.join(name)).unwrap();
    }
    let (ca_path, key_path) = (ca_only.join("ca.crt"), ca_only.join("ca.key"));
    let args = [
        "--new-ca",
        "--ca-cert",
        ca_path.to_str().unwrap(),
        "--ca-key",
        key_path.to_str().unwrap(),
        "--origin-ca-path",
        "/etc/nginx/aop/ca.crt",
    ];
    let first = setup.rotate(&args);
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    // The note says to build the bundle the two-CA snippet loads, not only to install it.
    assert!(
        text(&first).contains(", run there cat /etc/nginx/aop/ca.crt"),
        "{}",
        text(&first)
    );
    let result = json(&first);
    assert_eq!(result["result"], "origin-not-ready", "{result}");
    let snippet_path = result["snippet"].as_str().unwrap();
    let snippet = std::fs::read_to_string(snippet_path).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    assert!(
        snippet.contains("cat /etc/nginx/aop/ca.crt")
            && snippet.contains(&format!("/etc/nginx/aop/ca-{today}.crt")),
        "{snippet}"
    );
    assert_eq!(setup.certificates().len(), 1, "nothing uploaded yet");
    assert_eq!(setup.fake.fake.calls("upload_zone_certificate"), 1);

    // What installing the two-CA snippet does.
    setup.origin.set_phase(OriginPhase::Enforce(vec![
        setup.der("old/ca.crt"),
        setup.der("new/ca.crt"),
    ]));
    let second = setup.rotate(&args);
    assert!(second.status.success(), "{}", text(&second));
    let result = json(&second);
    let final_snippet = std::fs::read_to_string(result["final_snippet"].as_str().unwrap()).unwrap();
    assert!(
        final_snippet.contains(&format!("/etc/nginx/aop/ca-{today}.crt"))
            && !final_snippet.contains("/etc/nginx/aop/ca.crt"),
        "{final_snippet}"
    );
    let new = aop_wizard::pki::fingerprint_sha256(&setup.der("new/client.crt"));
    let certificates = setup.certificates();
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0].2, new);
    assert!(aop_wizard::pki::signed_by(
        &setup.der("new/client.crt"),
        &setup.der("new/ca.crt")
    ));
    assert_eq!(setup.fake.fake.coverage_gaps(), Vec::<String>::new());
}

/// Cloudflare presents the new certificate and the origin refuses it: rotate stops with the old
/// certificate still there, and --abort goes back to it (a disabled hostname still disabled),
/// voiding the new one's associations so that Cloudflare lets it be deleted.
#[test]
fn a_refused_edge_request_keeps_the_old_certificate_and_abort_goes_back() {
    let setup = Setup::new(Scope::Hostname);
    let old_id = setup.certificates()[0].0.clone();
    // A hostname disabled on the old certificate is disabled on it again after the abort.
    associate(&setup, "example.com", &old_id, HostnameEnablement::Disable);
    // Direct probes pass (the origin trusts the CA), but the demo edge presents the new
    // certificate to an origin that, by then, trusts another CA.
    let foreign = someone_elses_ca();
    // The re-pointing is carried out at once and answered late: time to change the origin.
    let repoint = setup.fake.fake.calls("set_hostname_associations") + 1;
    setup.fake.fake.inject_fault(
        "set_hostname_associations",
        repoint,
        FaultKind::Timeout(Duration::from_millis(500)),
    );
    let mut child = setup.spawn_rotate();
    wait_for_request(&setup, "set_hostname_associations", repoint, true);
    setup
        .origin
        .set_phase(OriginPhase::Enforce(vec![foreign.clone()]));
    assert!(child.wait().unwrap().code() == Some(3));
    assert_eq!(setup.certificates().len(), 2, "the old certificate is kept");

    let abort = setup.rotate(&["--abort"]);
    assert!(abort.status.success(), "{}", text(&abort));
    let certificates = setup.certificates();
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0].0, old_id);
    let zone = setup.fake.fake.zone("example.com").unwrap();
    assert_eq!(zone.associations[HOST], (old_id.clone(), true));
    assert_eq!(zone.associations["example.com"], (old_id, false));
    assert_eq!(setup.fake.fake.coverage_gaps(), Vec::<String>::new());
}

/// Where the edge is asked does not change what is safe: a resumed run takes `--edge-url` as
/// given now, not as saved in the plan.
#[test]
fn a_resumed_rotation_honours_a_new_edge_url() {
    let setup = Setup::new(Scope::Zone);
    let old_ca = setup.der("old/ca.crt");
    let foreign = someone_elses_ca();
    // The edge's request fails while the origin trusts another CA.
    let zone_switch = setup.fake.fake.calls("get_zone_certificate") + 3;
    setup.fake.fake.inject_fault(
        "get_zone_certificate",
        zone_switch,
        FaultKind::Timeout(Duration::from_millis(300)),
    );
    let mut child = setup.spawn_rotate();
    wait_for_request(&setup, "get_zone_certificate", zone_switch, false);
    setup
        .origin
        .set_phase(OriginPhase::Enforce(vec![foreign.clone()]));
    assert_eq!(child.wait().unwrap().code(), Some(3));
    setup.origin.set_phase(OriginPhase::Enforce(vec![old_ca]));

    let with_edge = |url: &str| {
        let mut args = setup.rotate_args(&[]);
        let at = args.iter().position(|a| a == "--edge-url").unwrap();
        args[at + 1] = url.to_string();
        setup.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let unreachable = with_edge("http://127.0.0.1:9/{hostname}");
    assert_eq!(unreachable.status.code(), Some(3), "{}", text(&unreachable));
    assert!(
        text(&unreachable).contains("127.0.0.1:9"),
        "the new URL was asked: {}",
        text(&unreachable)
    );
    assert_eq!(setup.certificates().len(), 2, "the old certificate is kept");
    let good = setup
        .fake
        .fake
        .edge_url("{hostname}", setup.origin.address());
    let done = with_edge(&good);
    assert!(done.status.success(), "{}", text(&done));
    setup.assert_rotated("resumed with a new edge URL");
}

/// The fake's bookkeeping can fail: deleting the only certificate of an enabled zone is a gap.
#[test]
fn the_coverage_check_catches_a_delete_before_the_new_certificate_is_active() {
    let setup = Setup::new(Scope::Zone);
    let id = setup.certificates()[0].0.clone();
    let client = setup.fake.client();
    setup
        .fake
        .runtime
        .block_on(client.delete_certificate(
            aop_wizard::cloudflare::CertificateScope::Zone,
            &setup.fake.fake.zone("example.com").unwrap().id,
            &id,
        ))
        .unwrap();
    let gaps = setup.fake.fake.coverage_gaps();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert!(gaps[0].contains("example.com"), "{gaps:?}");
}

/// Ten per-hostname certificates are Cloudflare's limit: rotate and upload say so before
/// uploading; the same certificate again needs no room.
#[test]
fn a_full_zone_is_told_before_the_api_refuses() {
    let setup = Setup::new(Scope::Hostname);
    for n in 0..9 {
        let dir = setup.path(&format!("extra{n}"));
        setup.ok(&[
            "cert",
            "generate",
            "--out",
            dir.to_str().unwrap(),
            "--key-type",
            "ecdsa-p256",
        ]);
        let client = setup.fake.client();
        let zone_id = setup.fake.fake.zone("example.com").unwrap().id;
        let cert = aop_wizard::pki::read_pem_file(&dir.join("client.crt")).unwrap();
        let key = aop_wizard::pki::read_pem_file(&dir.join("client.key")).unwrap();
        let fingerprint =
            aop_wizard::pki::fingerprint_sha256(&setup.der(&format!("extra{n}/client.crt")));
        setup
            .fake
            .runtime
            .block_on(client.upload_certificate(
                aop_wizard::cloudflare::CertificateScope::Hostname,
                &zone_id,
                &cert,
                &key,
                &fingerprint,
            ))
            .unwrap();
    }
    let uploads = setup.fake.fake.calls("upload_hostname_certificate");
    let refused = setup.rotate(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("10 per-hostname certificates"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        setup.fake.fake.calls("upload_hostname_certificate"),
        uploads
    );
}

/// Requests since the `since`th that change something on Cloudflare.
fn changes_since(setup: &Setup, since: usize) -> Vec<String> {
    setup.fake.fake.requests()[since..]
        .iter()
        .map(|r| r.operation.clone())
        .filter(|op| {
            ["upload_", "delete_", "set_", "edit_", "create_"]
                .iter()
                .any(|prefix| op.starts_with(prefix))
        })
        .collect()
}

/// The old certificate is still the only one, active and presented; no new files, no plan.
fn assert_untouched(setup: &Setup, old_id: &str) {
    let old = aop_wizard::pki::fingerprint_sha256(&setup.der("old/client.crt"));
    let certificates = setup.certificates();
    assert_eq!(certificates.len(), 1, "{certificates:?}");
    assert_eq!(
        (certificates[0].0.as_str(), certificates[0].1.as_str()),
        (old_id, "active")
    );
    assert_eq!(certificates[0].2, old);
    let zone = setup.fake.fake.zone("example.com").unwrap();
    assert_eq!(zone.zone_certificate_in_use.as_deref(), Some(old_id));
    assert_eq!(setup.fake.fake.coverage_gaps(), Vec::<String>::new());
    assert!(!setup.path("new/client.crt").exists(), "no new certificate");
}

/// The outage: `rotate --ca-cert old/ca.crt --ca-key OTHER/ca.key --yes` without an origin to
/// prove the new leaf on signed it with the other key, uploaded it, deleted the working
/// certificate and exited 0. Now the plan refuses, before it is saved or Cloudflare hears of it.
#[test]
fn a_ca_key_that_is_not_the_cas_is_refused_before_anything_changes() {
    let setup = Setup::new(Scope::Zone);
    let old_id = setup.certificates()[0].0.clone();
    let other = setup.path("other");
    setup.ok(&[
        "cert",
        "generate",
        "--out",
        other.to_str().unwrap(),
        "--key-type",
        "ecdsa-p256",
    ]);
    let (ca, key) = (setup.path("old/ca.crt"), other.join("ca.key"));
    let before = setup.fake.fake.requests().len();
    let refused = setup.run(&[
        "rotate",
        "--zone",
        "example.com",
        "--ca-cert",
        ca.to_str().unwrap(),
        "--ca-key",
        key.to_str().unwrap(),
        "--out",
        setup.path("new").to_str().unwrap(),
        "--no-edge-check",
        "--interval",
        "0",
        "--yes",
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let sentence = format!(
        "{} is not the private key of {} (their public keys differ): pass the key that belongs to this CA, or --new-ca",
        key.display(),
        ca.display()
    );
    assert!(text(&refused).contains(&sentence), "{}", text(&refused));
    assert_eq!(changes_since(&setup, before), Vec::<String>::new());
    assert_untouched(&setup, &old_id);
    assert!(
        !setup
            .path("data/rotations")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some()),
        "no plan saved"
    );
}

/// When the key's passphrase is not at hand while planning, signing refuses the key instead:
/// a resumed run with the passphrase stops before Cloudflare hears of anything.
#[test]
fn a_ca_key_that_is_not_the_cas_is_refused_at_signing_when_planning_could_not_open_it() {
    let setup = Setup::new(Scope::Zone);
    let old_id = setup.certificates()[0].0.clone();
    let other = setup.path("other");
    let generate = setup
        .command(&[
            "cert",
            "generate",
            "--out",
            other.to_str().unwrap(),
            "--key-type",
            "ecdsa-p256",
            "--ca-passphrase-env",
            "AOP_TEST_CA_PASS",
        ])
        .env("AOP_TEST_CA_PASS", "correct horse")
        .output()
        .unwrap();
    assert!(generate.status.success(), "{}", text(&generate));
    let (ca, key) = (setup.path("old/ca.crt"), other.join("ca.key"));
    let out = setup.path("new");
    let args = [
        "rotate",
        "--zone",
        "example.com",
        "--ca-cert",
        ca.to_str().unwrap(),
        "--ca-key",
        key.to_str().unwrap(),
        "--ca-passphrase-env",
        "AOP_TEST_CA_PASS",
        "--out",
        out.to_str().unwrap(),
        "--no-edge-check",
        "--interval",
        "0",
        "--yes",
    ];
    let before = setup.fake.fake.requests().len();
    let first = setup
        .command(&args)
        .env_remove("AOP_TEST_CA_PASS")
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    assert!(
        text(&first).contains("AOP_TEST_CA_PASS, which is unset or empty"),
        "{}",
        text(&first)
    );
    let resumed = setup
        .command(&args)
        .env("AOP_TEST_CA_PASS", "correct horse")
        .output()
        .unwrap();
    assert_eq!(resumed.status.code(), Some(1), "{}", text(&resumed));
    assert!(
        text(&resumed).contains("Resuming")
            && text(&resumed).contains(&format!(
                "{} is not the private key of {} (their public keys differ)",
                key.display(),
                ca.display()
            )),
        "{}",
        text(&resumed)
    );
    assert_eq!(changes_since(&setup, before), Vec::<String>::new());
    assert_untouched(&setup, &old_id);
}

/// The wizard's rotation plans through the same core: with a CA key that is not the CA's, the
/// plan it asks for is refused and nothing is sent.
#[test]
fn the_wizards_rotation_with_a_ca_key_that_is_not_the_cas_sends_nothing() {
    use aop_wizard::tui::message::Effect;
    use aop_wizard::tui::steps::Step;
    use ratatui::crossterm::event::KeyCode;
    let setup = Setup::new(Scope::Zone);
    let other = setup.path("other");
    setup.ok(&[
        "cert",
        "generate",
        "--out",
        other.to_str().unwrap(),
        "--key-type",
        "ecdsa-p256",
    ]);
    let mut state = support::wizard::at(Step::Rotate);
    if let Some(ready) = state.certificate.as_mut() {
        ready.files = aop_wizard::pki::GeneratedFiles {
            ca_cert: setup.path("old/ca.crt"),
            ca_key: other.join("ca.key"),
            client_cert: setup.path("old/client.crt"),
            client_key: setup.path("old/client.key"),
        };
    }
    state.origins = aop_wizard::tui::input::TextInput::new(setup.origin.address().to_string());
    let effects = support::wizard::press(&mut state, KeyCode::Enter);
    let Some(Effect::PlanRotation { request, .. }) = effects.first() else {
        panic!("the rotate screen asks for a plan: {effects:?}");
    };
    let before = setup.fake.fake.requests().len();
    let client = setup.fake.client();
    let refused = setup
        .fake
        .runtime
        .block_on(aop_wizard::rotation::plan(&client, request))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("is not the private key of"), "{refused}");
    assert!(
        setup.fake.fake.requests()[before..]
            .iter()
            .all(|r| r.method == "GET"),
        "nothing but reads"
    );
}

/// The wizard rotating with an encrypted CA key: planning without the passphrase says so (the
/// wizard then asks for it), a wrong one is told apart, and the typed one signs the new
/// certificate, which the origin trusting the CA accepts. The passphrase is never saved.
#[test]
fn the_wizards_rotation_with_an_encrypted_ca_key_signs_with_the_typed_passphrase() {
    use aop_wizard::ops::OperationError;
    use aop_wizard::pki::{CertificateAuthority, Passphrase, PkiError};
    use aop_wizard::rotation::{RotationError, RotationStore};
    use aop_wizard::tui::app::update;
    use aop_wizard::tui::message::{Effect, Msg};
    use aop_wizard::tui::steps::Step;
    use ratatui::crossterm::event::KeyCode;
    let setup = Setup::new(Scope::Zone);
    let encrypted = setup.path("old/ca-encrypted.key");
    let ca = CertificateAuthority::load(&setup.path("old/ca.crt"), &setup.path("old/ca.key"), None)
        .unwrap();
    std::fs::write(&encrypted, ca.encrypted_key_pem(b"correct horse").unwrap()).unwrap();

    let mut state = support::wizard::at(Step::Rotate);
    if let Some(ready) = state.certificate.as_mut() {
        ready.files = aop_wizard::pki::GeneratedFiles {
            ca_cert: setup.path("old/ca.crt"),
            ca_key: encrypted.clone(),
            client_cert: setup.path("old/client.crt"),
            client_key: setup.path("old/client.key"),
        };
    }
    state.origins = aop_wizard::tui::input::TextInput::new(setup.origin.address().to_string());
    let client = setup.fake.client();
    let plan = |state: &mut aop_wizard::tui::state::Wizard| {
        let effects = support::wizard::press(state, KeyCode::Enter);
        let Some(Effect::PlanRotation { request, .. }) = effects.first() else {
            panic!("the rotate screen asks for a plan: {effects:?}");
        };
        let mut request = request.clone();
        request.out_dir = Some(setup.path("new"));
        request.origin.hostnames = vec![HOST.into()];
        request.origin.edge_url = setup
            .fake
            .fake
            .edge_url("{hostname}", setup.origin.address());
        setup
            .fake
            .runtime
            .block_on(aop_wizard::rotation::plan(&client, &request))
    };

    let Err(RotationError::Operation(OperationError::Certificate(PkiError::EncryptedKey {
        path,
        ..
    }))) = plan(&mut state)
    else {
        panic!("planning without the passphrase names the encrypted key");
    };
    assert_eq!(path, encrypted);
    update(
        &mut state,
        Msg::CaPassphraseNeeded {
            key: path,
            wrong: false,
        },
    );
    support::wizard::type_text(&mut state, "wrong horse");
    assert!(matches!(
        plan(&mut state),
        Err(RotationError::Operation(OperationError::Certificate(
            PkiError::BadPassphrase { .. }
        )))
    ));
    update(
        &mut state,
        Msg::CaPassphraseNeeded {
            key: encrypted.clone(),
            wrong: true,
        },
    );
    support::wizard::type_text(&mut state, "correct horse");
    let mut rotation = plan(&mut state).expect("the typed passphrase opens the key");
    assert_eq!(
        rotation.ca_passphrase.as_ref().map(Passphrase::expose),
        Some(&b"correct horse"[..])
    );

    let store = RotationStore::new(&setup.path("data"));
    let saved = std::fs::read_to_string(store.save(&rotation).unwrap()).unwrap();
    assert!(!saved.contains("correct horse"), "never saved: {saved}");
    let pace = aop_wizard::ops::Pace {
        interval: std::time::Duration::ZERO,
        timeout: std::time::Duration::from_secs(60),
        probe_timeout: std::time::Duration::from_secs(5),
    };
    let finish = setup
        .fake
        .runtime
        .block_on(aop_wizard::rotation::carry_out(
            &client,
            &mut rotation,
            &store,
            pace,
            &mut |_| {},
        ))
        .expect("rotated");
    assert!(
        matches!(finish, aop_wizard::rotation::Finish::Rotated(_)),
        "{finish:?}"
    );
    assert!(aop_wizard::pki::signed_by(
        &setup.der("new/client.crt"),
        &setup.der("old/ca.crt")
    ));
}

/// A log directory the snippets cannot carry is refused when the rotation is planned: nothing
/// made, nothing uploaded, one line naming the value.
#[test]
fn rotate_refuses_a_log_directory_with_a_line_break_before_any_change() {
    let setup = Setup::new(Scope::Zone);
    let before = setup
        .fake
        .fake
        .zone("example.com")
        .unwrap()
        .zone_certificates;
    let mut args = setup.rotate_args(&[]);
    args.extend([
        "--log-dir".into(),
        "/var/log/nginx;\nssl_verify_client off;".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = setup.run(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: the log directory \"/var/log/nginx;")
            && stderr.contains("control character U+000A"),
        "{stderr}"
    );
    assert!(!setup.path("new").exists());
    assert_eq!(
        setup
            .fake
            .fake
            .zone("example.com")
            .unwrap()
            .zone_certificates,
        before
    );
}

/// The per-hostname certificate on Cloudflare now, and the client the test arranges with.
fn old_hostname_certificate(setup: &Setup) -> String {
    let zone = setup.fake.fake.zone("example.com").unwrap();
    zone.associations[HOST].0.clone()
}

/// Sets `hostname`'s association with `cert_id` as a user might have in the dashboard.
fn associate(setup: &Setup, hostname: &str, cert_id: &str, enablement: HostnameEnablement) {
    let zone_id = setup.fake.fake.zone("example.com").unwrap().id;
    setup
        .fake
        .runtime
        .block_on(setup.fake.client().set_hostname_associations(
            &zone_id,
            &[HostnameConfig::new(hostname, cert_id, enablement)],
        ))
        .unwrap();
}

/// A hostname the user turned off on the old certificate stays off: it is not re-enabled by
/// the switch (an origin that does not trust the CA would refuse Cloudflare), it moves to the
/// new certificate still disabled so that the old one can go, and the plan says so. Whether
/// Cloudflare answers an unassociated hostname with an empty object or a 404 changes nothing.
#[test]
fn a_per_hostname_rotation_leaves_a_disabled_hostname_disabled() {
    for answer in [
        UnassociatedAnswer::EmptyObject,
        UnassociatedAnswer::NotFound,
    ] {
        let setup = Setup::new(Scope::Hostname);
        setup.fake.fake.set_unassociated_answer(answer);
        let old = old_hostname_certificate(&setup);
        associate(&setup, "example.com", &old, HostnameEnablement::Disable);
        let output = setup.rotate(&[]);
        assert!(output.status.success(), "{answer:?}: {}", text(&output));
        assert!(
            text(&output).contains("stay disabled: example.com"),
            "{answer:?}: the plan says so: {}",
            text(&output)
        );
        setup.assert_rotated(&format!("{answer:?}"));
        let zone = setup.fake.fake.zone("example.com").unwrap();
        let new = &setup.certificates()[0].0;
        assert_eq!(
            zone.associations["example.com"],
            (new.clone(), false),
            "{answer:?}: still disabled, on the new certificate"
        );
        assert!(
            !zone
                .hostname_certificates
                .iter()
                .any(|(id, status, _)| *id == old && status == "active"),
            "{answer:?}: the old certificate is deleted: {zone:?}"
        );
    }
}

/// As Cloudflare documents it (the fake's default), a per-hostname certificate is deleted only
/// after each hostname it served was sent `enabled: null` for it; re-pointing is not enough.
/// The rotation voids the old associations only once the hostnames use the new certificate,
/// then deletes; a laxer Cloudflare that frees it on re-pointing works the same.
#[test]
fn a_per_hostname_rotation_voids_the_old_associations_only_after_the_switch() {
    for release in [
        CertificateRelease::NullEachHostname,
        CertificateRelease::RepointIsEnough,
    ] {
        let setup = Setup::new(Scope::Hostname);
        setup.fake.fake.set_certificate_release(release);
        let old = old_hostname_certificate(&setup);
        let since = setup.fake.fake.requests().len();
        let output = setup.rotate(&[]);
        assert!(output.status.success(), "{release:?}: {}", text(&output));
        setup.assert_rotated(&format!("{release:?}"));
        let puts: Vec<String> = setup.fake.fake.requests()[since..]
            .iter()
            .filter(|r| {
                r.operation == "set_hostname_associations"
                    || r.operation == "delete_hostname_certificate"
            })
            .map(|r| format!("{} {}", r.operation, r.body))
            .collect();
        let enable_new = puts
            .iter()
            .position(|p| p.contains("\"enabled\":true") && !p.contains(&old))
            .unwrap_or_else(|| panic!("{release:?}: {puts:#?}"));
        let void_old = puts
            .iter()
            .position(|p| p.contains(&old) && p.contains("\"enabled\":null"))
            .unwrap_or_else(|| panic!("{release:?}: {puts:#?}"));
        let delete = puts
            .iter()
            .position(|p| p.starts_with("delete_hostname_certificate"))
            .unwrap_or_else(|| panic!("{release:?}: {puts:#?}"));
        assert!(
            enable_new < void_old && void_old < delete,
            "{release:?}: {puts:#?}"
        );
    }
}

/// A hostname the rotation cannot see still tied to the old certificate: Cloudflare refuses
/// the delete. The run stops with exit 3 and what to do, every hostname it knows on the new
/// certificate; run again it stops the same way (no loop), and once the user voided that
/// association it finishes.
#[test]
fn a_refused_delete_stops_with_the_next_step_and_finishes_once_it_is_done() {
    let setup = Setup::new(Scope::Hostname);
    let old = old_hostname_certificate(&setup);
    associate(
        &setup,
        "hidden.example.net",
        &old,
        HostnameEnablement::Enable,
    );
    let first = setup.rotate(&[]);
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    let said = text(&first);
    assert!(
        said.contains("refuses to delete the old certificate")
            && said.contains("enabled: null")
            && said.contains("run the same command again"),
        "{said}"
    );
    let new = setup
        .certificates()
        .into_iter()
        .find(|(id, _, _)| *id != old)
        .unwrap()
        .0;
    let zone = setup.fake.fake.zone("example.com").unwrap();
    assert_eq!(zone.associations[HOST], (new.clone(), true));
    let again = setup.rotate(&[]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert_eq!(setup.fake.fake.coverage_gaps(), Vec::<String>::new());
    associate(
        &setup,
        "hidden.example.net",
        &old,
        HostnameEnablement::Remove,
    );
    let last = setup.rotate(&[]);
    assert!(last.status.success(), "{}", text(&last));
    setup.assert_rotated("after the hidden hostname was voided");
}
