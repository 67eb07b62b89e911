//! `aop-wizard setup`, the real binary against the fake Cloudflare: from nothing to "enforced and
//! proven", stopping for the origin twice (log phase, then enforce); killed at every request it
//! makes (before and after Cloudflare carried it out) and faulted at each, a rerun completes
//! without a second upload. Zone-level and per-hostname on the demo origin, zone-level on a real
//! nginx with the snippets setup wrote.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use aop_wizard::cloudflare::fake::{Activation, DEMO_TOKEN, FaultKind};
use aop_wizard::demo::{DemoOrigin, OriginPhase};
use aop_wizard::snippets::{CaFile, Snippet, SnippetPhase, SnippetRequest, WebServer, render};
use serde_json::Value;
use support::fake::{Fake, fake};
use support::origin::{Origin, Seen, curl, free_port, site_dir};
use support::test_pki::{Identity, make_world_readable};

const HOST: &str = "www.example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Zone,
    Hostname,
}

/// A zone with nothing set up, an origin that answers anyone, and a data directory.
struct Zone {
    fake: Fake,
    dir: tempfile::TempDir,
    origin: DemoOrigin,
    scope: Scope,
}

impl Zone {
    fn new(scope: Scope) -> Zone {
        let fake = fake();
        // Cloudflare takes a few polls to deploy a certificate.
        fake.fake.set_activation(Activation::AfterPolls(2));
        let origin = fake
            .runtime
            .block_on(DemoOrigin::start(&[HOST, "example.com"]))
            .unwrap();
        Zone {
            fake,
            dir: tempfile::tempdir().unwrap(),
            origin,
            scope,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "setup",
            "--zone",
            "example.com",
            "--out",
            self.path("aop").to_str().unwrap(),
            "--origin",
            &self.origin.address().to_string(),
            "--host",
            HOST,
            "--edge-url",
            &self.fake.fake.edge_url("{hostname}", self.origin.address()),
            "--email",
            "ops@example.com",
            "--interval",
            "0",
            "--yes",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if self.scope == Scope::Hostname {
            // Both proxied hostnames of the zone: the origin serves both, so a hostname left
            // out gets no certificate from Cloudflare and is refused once the origin enforces.
            args.extend(
                [
                    "--scope",
                    "hostname",
                    "--hostname",
                    HOST,
                    "--hostname",
                    "example.com",
                ]
                .map(String::from),
            );
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    fn command(&self, args: &[String]) -> Command {
        let mut command = self.fake.aop(&self.path("data"));
        command.args(args);
        command
    }

    /// `cert generate` into `dir` (ECDSA, quick), as a user would; `extra` flags added.
    fn generate(&self, dir: &str, extra: &[&str]) {
        let mut args: Vec<String> = ["cert", "generate", "--key-type", "ecdsa-p256", "--out"]
            .map(String::from)
            .to_vec();
        args.push(self.path(dir).display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        let made = self.command(&args).output().unwrap();
        assert!(made.status.success(), "{}", text(&made));
    }

    fn setup(&self, extra: &[&str]) -> Output {
        self.command(&self.args(extra)).output().unwrap()
    }

    fn spawn_setup(&self) -> Child {
        self.command(&self.args(&[]))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn ca(&self) -> Vec<Vec<u8>> {
        aop_wizard::pki::load_certificates(&self.path("aop/ca.crt")).unwrap()
    }

    /// Runs `setup` until it is done, doing what it asks of the origin in between, as a person
    /// would: the log-phase snippet, then the enforce snippet. Asserts that it asks for the
    /// origin only when it should, and returns every run's JSON.
    fn until_done(&self, context: &str) -> Vec<Value> {
        let mut runs = Vec::new();
        for _ in 0..4 {
            let output = self.setup(&[]);
            let result = json(&output);
            runs.push(result.clone());
            match output.status.code() {
                Some(0) => {
                    assert_eq!(result["waiting_for"], Value::Null, "{context}: {result}");
                    return runs;
                }
                Some(3) => match result["waiting_for"].as_str() {
                    Some("origin-log-phase") => self.origin.set_phase(OriginPhase::Log(self.ca())),
                    Some("origin-enforce-phase") => {
                        self.origin.set_phase(OriginPhase::Enforce(self.ca()))
                    }
                    other => panic!("{context}: waiting for {other:?}: {result}"),
                },
                _ => panic!("{context}: {}", text(&output)),
            }
        }
        panic!("{context}: not done after 4 runs: {runs:?}");
    }

    /// One certificate, the one setup made, active and presented; the origin enforces; exactly
    /// one expiry policy; no moment in which an enabled scope had no certificate.
    fn assert_done(&self, context: &str) {
        let fingerprint = aop_wizard::pki::fingerprint_sha256(
            &aop_wizard::pki::load_certificates(&self.path("aop/client.crt")).unwrap()[0],
        );
        let zone = self.fake.fake.zone("example.com").unwrap();
        let certificates = match self.scope {
            Scope::Zone => &zone.zone_certificates,
            Scope::Hostname => &zone.hostname_certificates,
        };
        assert_eq!(certificates.len(), 1, "{context}: {certificates:?}");
        let (id, status, found) = &certificates[0];
        assert_eq!(
            (status.as_str(), found),
            ("active", &fingerprint),
            "{context}"
        );
        match self.scope {
            Scope::Zone => {
                assert!(zone.zone_aop_enabled, "{context}");
                assert_eq!(zone.zone_certificate_in_use.as_ref(), Some(id), "{context}");
            }
            Scope::Hostname => {
                for hostname in [HOST, "example.com"] {
                    assert_eq!(
                        zone.associations[hostname],
                        (id.clone(), true),
                        "{context}: {hostname}"
                    );
                }
            }
        }
        assert_eq!(
            self.expiry_policies(),
            1,
            "{context}: one expiry policy, never two"
        );
        assert_eq!(
            self.fake.fake.coverage_gaps(),
            Vec::<String>::new(),
            "{context}"
        );
        assert!(
            matches!(self.origin.phase(), OriginPhase::Enforce(_)),
            "{context}"
        );
        let verify = self
            .command(
                &[
                    "verify",
                    "--origin",
                    &self.origin.address().to_string(),
                    "--host",
                    HOST,
                    "--cert",
                    self.path("aop/client.crt").to_str().unwrap(),
                    "--key",
                    self.path("aop/client.key").to_str().unwrap(),
                    "--ca",
                    self.path("aop/ca.crt").to_str().unwrap(),
                ]
                .map(String::from),
            )
            .output()
            .unwrap();
        assert!(verify.status.success(), "{context}: {}", text(&verify));
    }
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
}

#[test]
fn setup_stops_for_the_origin_twice_and_ends_enforced() {
    let zone = Zone::new(Scope::Zone);
    let runs = zone.until_done("clean run");
    let waits: Vec<&Value> = runs.iter().map(|r| &r["waiting_for"]).collect();
    assert_eq!(
        waits,
        [
            &Value::from("origin-log-phase"),
            &Value::from("origin-enforce-phase"),
            &Value::Null
        ]
    );
    let first = &runs[0];
    assert_eq!(first["stage"], "log-snippet-written", "{first}");
    let snippets: Vec<&str> = first["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        snippets
            .iter()
            .any(|s| s.ends_with("origin/nginx-log.conf")),
        "{snippets:?}"
    );
    assert!(snippets.iter().any(|s| s.ends_with("origin/ca.crt")));
    // Nothing was enabled while the origin did not ask for the certificate.
    assert_eq!(
        zone.fake.fake.calls("set_zone_aop_setting"),
        1,
        "enabled once, after the origin asked"
    );
    let last = runs.last().unwrap();
    assert_eq!(last["stage"], "alert-set", "{last}");
    zone.assert_done("clean run");
    // Done is done: another run changes nothing and says so.
    let before = zone.fake.fake.requests().len();
    let again = zone.setup(&[]);
    assert!(again.status.success(), "{}", text(&again));
    let mutating = zone.fake.fake.requests()[before..]
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(mutating, 0);
}

#[test]
fn a_dry_run_prints_the_exact_requests_and_changes_nothing() {
    let zone = Zone::new(Scope::Zone);
    let output = zone.setup(&["--dry-run"]);
    assert!(output.status.success(), "{}", text(&output));
    let shown = text(&output);
    for expected in [
        "POST http://",
        "/zones/",
        "/origin_tls_client_auth\n",
        "PUT http://",
        "/origin_tls_client_auth/settings",
        "\"enabled\":true",
        "/alerting/v3/policies",
        "Dry run: nothing changed.",
        "direct.example.com (A 127.0.0.1) is DNS-only and points at this origin",
    ] {
        assert!(shown.contains(expected), "{expected:?} in:\n{shown}");
    }
    assert!(!shown.contains(DEMO_TOKEN), "the token is never printed");
    assert!(
        zone.fake.fake.requests().iter().all(|r| r.method == "GET"),
        "a dry run only reads"
    );
    assert!(!zone.path("aop").exists(), "and writes no file");
    assert!(!zone.path("data/setups").exists(), "nor saves a plan");
}

#[test]
fn without_yes_and_without_a_terminal_it_refuses() {
    let zone = Zone::new(Scope::Zone);
    let args: Vec<String> = zone
        .args(&[])
        .into_iter()
        .filter(|a| a != "--yes")
        .collect();
    let output = zone.command(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("--yes"), "{}", text(&output));
    assert!(zone.fake.fake.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn flags_that_do_not_change_what_is_safe_are_honoured_when_resuming() {
    let zone = Zone::new(Scope::Zone);
    let first = zone.setup(&[]);
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    zone.origin.set_phase(OriginPhase::Log(zone.ca()));
    // The edge is not reachable now: a resumed run with --no-edge-check must not ask it.
    let mut args = zone.args(&["--no-edge-check"]);
    let at = args.iter().position(|a| a == "--edge-url").unwrap();
    args.drain(at..at + 2);
    let resumed = zone.command(&args).output().unwrap();
    let result = json(&resumed);
    assert_eq!(result["waiting_for"], "origin-enforce-phase", "{result}");
    assert!(
        text(&resumed).contains("skipped (--no-edge-check)"),
        "{}",
        text(&resumed)
    );
}

/// The requests a clean set-up makes, as (operation, nth call of it since the fake started).
fn setup_requests(scope: Scope) -> Vec<(String, u32)> {
    let zone = Zone::new(scope);
    zone.until_done("clean run");
    // Only the set-up's own requests: the checks below make some of their own.
    let requests = zone.fake.fake.requests();
    zone.assert_done("clean run");
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let nth = requests[..=i]
                .iter()
                .filter(|q| q.operation == r.operation)
                .count();
            (r.operation.clone(), nth as u32)
        })
        .collect()
}

fn killed_and_faulted_at_every_request(scope: Scope) {
    let requests = setup_requests(scope);
    assert!(
        requests.iter().any(|(op, _)| op.starts_with("upload_"))
            && requests.iter().any(|(op, _)| op.starts_with("set_"))
            && requests.iter().any(|(op, _)| op == "create_alert_policy"),
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
            let zone = Zone::new(scope);
            zone.fake.fake.inject_fault(operation, *nth, kind);
            if kind == FaultKind::ServerError {
                // Retried, or the run fails and a later one picks up.
                zone.until_done_allowing_failures(&context);
            } else {
                // The request may come in a later run (after the origin changed): run until
                // it comes, then kill the run that made it.
                let mut reached = false;
                for _ in 0..4 {
                    let mut child = zone.spawn_setup();
                    let came = loop {
                        if request_seen(&zone, operation, *nth, kind) {
                            break true;
                        }
                        if let Ok(Some(_)) = child.try_wait() {
                            break request_seen(&zone, operation, *nth, kind);
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    };
                    let _ = child.kill();
                    let _ = child.wait();
                    if came {
                        reached = true;
                        break;
                    }
                    zone.follow_origin_request();
                }
                assert!(reached, "{context}: the request never came");
                assert_eq!(
                    zone.fake.fake.coverage_gaps(),
                    Vec::<String>::new(),
                    "{context}"
                );
                zone.until_done(&context);
            }
            zone.assert_done(&context);
        }
    }
}

/// Whether the request has arrived (and, for a late answer, been carried out).
fn request_seen(zone: &Zone, operation: &str, nth: u32, kind: FaultKind) -> bool {
    let answered = matches!(kind, FaultKind::Timeout(_));
    zone.fake
        .fake
        .requests()
        .iter()
        .filter(|r| r.operation == operation)
        .nth(nth as usize - 1)
        .is_some_and(|r| !answered || r.status != 0)
}

impl Zone {
    fn expiry_policies(&self) -> usize {
        let client = self.fake.client();
        self.fake.runtime.block_on(async {
            let zone = client.zone_by_name("example.com").await.unwrap();
            aop_wizard::cloudflare::expiry_alerts(&client, &zone.account.id)
                .await
                .unwrap()
                .len()
        })
    }

    /// After a run that stopped for the origin: what the person at the origin does.
    fn follow_origin_request(&self) {
        let Ok(text) = std::fs::read_to_string(self.path("data/setups/example.com.json")) else {
            return;
        };
        let saved: Value = serde_json::from_str(&text).unwrap();
        match saved["stage"].as_str() {
            Some("log-snippet-written") => self.origin.set_phase(OriginPhase::Log(self.ca())),
            Some("enforce-snippet-written") => {
                self.origin.set_phase(OriginPhase::Enforce(self.ca()))
            }
            _ => {}
        }
    }

    /// Like `until_done`, but a run may fail (exit 4) on an injected error; the next continues.
    fn until_done_allowing_failures(&self, context: &str) {
        for _ in 0..6 {
            let output = self.setup(&[]);
            match output.status.code() {
                Some(0) => return,
                Some(3) | Some(4) => self.follow_origin_request(),
                _ => panic!("{context}: {}", text(&output)),
            }
        }
        panic!("{context}: not done after 6 runs");
    }
}

#[test]
fn a_zone_level_setup_survives_a_kill_or_a_fault_at_every_request() {
    killed_and_faulted_at_every_request(Scope::Zone);
}

#[test]
fn a_per_hostname_setup_survives_a_kill_or_a_fault_at_every_request() {
    killed_and_faulted_at_every_request(Scope::Hostname);
}

/// The snippet setup writes, as the test renders it independently, for comparison.
fn expected_snippet(phase: SnippetPhase, ca_on_origin: &Path, dir: &Path) -> Snippet {
    let mut request = SnippetRequest::new(
        WebServer::Nginx,
        phase,
        vec![CaFile {
            path: ca_on_origin.display().to_string(),
            certificates: Some(1),
        }],
        time::OffsetDateTime::now_utc().date(),
    );
    request.log_dir = Some(dir.display().to_string());
    render(&request).unwrap()
}

/// A real nginx as the origin: setup writes the log-phase snippet and the CA copy, waits; the
/// operator installs them; setup enables and proves, writes the enforce snippet, waits; the
/// operator installs it; setup proves it enforced and through Cloudflare.
#[test]
fn setup_takes_a_real_nginx_from_open_to_enforced() {
    let fake = fake();
    fake.fake.set_activation(Activation::AfterPolls(1));
    let work = tempfile::tempdir().unwrap();
    let (out, data) = (work.path().join("aop"), work.path().join("data"));
    let port = free_port();
    let dir = site_dir(WebServer::Nginx);
    let ca_on_origin = dir.join("aop-ca.crt");
    let address = format!("127.0.0.1:{port}");
    let edge = fake.fake.edge_url("{hostname}", address.parse().unwrap());
    let run = || {
        fake.aop(&data)
            .args([
                "setup",
                "--zone",
                "example.com",
                "--out",
                out.to_str().unwrap(),
                "--origin",
                &address,
                "--host",
                HOST,
                "--server",
                "nginx",
                "--origin-ca-path",
                ca_on_origin.to_str().unwrap(),
                "--log-dir",
                dir.to_str().unwrap(),
                "--edge-url",
                &edge,
                "--interval",
                "0",
                "--yes",
                "--json",
            ])
            .output()
            .unwrap()
    };

    // Nothing listens yet: the certificate is made and uploaded, the log snippet written.
    let first = run();
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    assert_eq!(json(&first)["waiting_for"], "origin-log-phase");
    assert!(!fake.fake.zone("example.com").unwrap().zone_aop_enabled);

    // The operator installs what setup wrote.
    std::fs::copy(out.join("origin/aop-ca.crt"), &ca_on_origin).unwrap();
    make_world_readable(&out);
    make_world_readable(&out.join("client.crt"));
    let leaf = Identity {
        name: "setup's certificate",
        cert: out.join("client.crt"),
        key: out.join("client.key"),
    };
    let log = expected_snippet(SnippetPhase::Log, &ca_on_origin, &dir);
    assert_eq!(
        std::fs::read_to_string(out.join("origin/nginx-log.conf")).unwrap(),
        log.text()
    );
    let origin = Origin::start_on(WebServer::Nginx, log, dir.clone(), port, &leaf);
    assert_eq!(
        curl(port, None, "/none"),
        Seen::Status(200),
        "log phase serves all"
    );

    let second = run();
    assert_eq!(second.status.code(), Some(3), "{}", text(&second));
    assert_eq!(json(&second)["waiting_for"], "origin-enforce-phase");
    assert!(fake.fake.zone("example.com").unwrap().zone_aop_enabled);

    let enforce = expected_snippet(SnippetPhase::Enforce, &ca_on_origin, &dir);
    assert_eq!(
        std::fs::read_to_string(out.join("origin/nginx-enforce.conf")).unwrap(),
        enforce.text()
    );
    let dir = origin.stop();
    let _origin = Origin::start_on(WebServer::Nginx, enforce, dir, port, &leaf);
    assert_ne!(curl(port, None, "/none"), Seen::Status(200));

    let third = run();
    assert!(third.status.success(), "{}", text(&third));
    let result = json(&third);
    assert_eq!(result["waiting_for"], Value::Null, "{result}");
    assert_eq!(result["stage"], "served-while-enforcing", "{result}");
    assert_eq!(fake.fake.coverage_gaps(), Vec::<String>::new());
}

/// What a dry run prints and the wizard shows before it asks is what the operation then sends:
/// each operation is carried out for real on the fake, and the request the fake received is the
/// one shown (the private key aside, which is never shown).
#[test]
fn what_is_shown_before_a_change_is_what_is_sent() {
    use aop_wizard::cloudflare::{CertificateScope, PlannedRequest, SslMode};
    use aop_wizard::ops::{self, preview};
    let zone = Zone::new(self::Scope::Zone);
    zone.generate("files", &[]);
    let (cert, key) = (zone.path("files/client.crt"), zone.path("files/client.key"));
    let client = zone.fake.client();
    let hostnames = vec![HOST.to_string()];
    let last_sent = || {
        let requests = zone.fake.fake.requests();
        let sent = requests
            .iter()
            .rev()
            .find(|r| r.method != "GET")
            .unwrap()
            .clone();
        let mut body: serde_json::Value = serde_json::from_str(&sent.body).unwrap_or_default();
        if let Some(key) = body.get_mut("private_key") {
            *key = "<redacted private key>".into();
        }
        (sent.method, sent.path, body)
    };
    let same = |shown: &PlannedRequest, what: &str| {
        let (method, path, body) = last_sent();
        assert_eq!(shown.method, method, "{what}");
        assert!(
            shown.url.ends_with(&path),
            "{what}: {} vs {path}",
            shown.url
        );
        assert_eq!(shown.body.clone().unwrap_or_default(), body, "{what}");
        assert!(
            shown.lines().iter().all(|l| !l.contains(DEMO_TOKEN)),
            "the token never shows"
        );
    };
    zone.fake.runtime.block_on(async {
        let found = client.zone_by_name("example.com").await.unwrap();
        let id = found.id.as_str();

        let shown = preview::ssl_mode(&client, id, &SslMode::Strict);
        ops::ensure_ssl_mode(&client, id, Some(SslMode::Strict))
            .await
            .unwrap();
        same(&shown, "ssl mode");

        let shown = preview::upload_files(&client, CertificateScope::Hostname, id, &cert, &key)
            .await
            .unwrap()
            .expect("not there yet");
        let uploaded = ops::upload(&client, CertificateScope::Hostname, id, &cert, &key)
            .await
            .unwrap();
        same(&shown, "upload");
        assert!(
            preview::upload_files(&client, CertificateScope::Hostname, id, &cert, &key)
                .await
                .unwrap()
                .is_none(),
            "the same certificate again sends nothing"
        );

        use aop_wizard::ops::Scope as AopScope;
        for (scope, certificate_id) in [
            (AopScope::Zone, None),
            (AopScope::Global, None),
            (AopScope::Hostname, Some(uploaded.certificate.id.as_str())),
        ] {
            for on in [true, false] {
                let shown =
                    preview::switch_scope(&client, id, scope, on, certificate_id, &hostnames)
                        .unwrap();
                ops::switch_scope(&client, id, scope, on, certificate_id, &hostnames)
                    .await
                    .unwrap();
                same(&shown, &format!("{scope:?} {on}"));
            }
        }

        let shown = preview::expiry_alert(
            &client,
            &found.account.id,
            &found.name,
            "ops@example.com",
            AopScope::Zone,
        );
        ops::expiry_alert(
            &client,
            &found.account.id,
            &found.name,
            "ops@example.com",
            AopScope::Zone,
        )
        .await
        .unwrap();
        same(&shown, "alert");
    });
}

/// Your own files are checked before anything is sent: a client certificate the given CA did
/// not sign, or a key that is not the certificate's, stops the set-up with one sentence.
#[test]
fn imported_files_that_do_not_belong_together_are_refused_before_anything_is_sent() {
    let zone = Zone::new(Scope::Zone);
    for name in ["one", "two"] {
        zone.generate(name, &[]);
    }
    let file = |set: &str, name: &str| zone.path(set).join(name).display().to_string();
    for (cert, key, ca, says) in [
        (
            file("one", "client.crt"),
            file("one", "client.key"),
            file("two", "ca.crt"),
            "not signed by",
        ),
        (
            file("one", "client.crt"),
            file("two", "client.key"),
            file("one", "ca.crt"),
            "key",
        ),
    ] {
        let output = zone.setup(&["--cert", &cert, "--key", &key, "--ca", &ca]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(
            text(&output).contains("cannot be used") && text(&output).contains(says),
            "{}",
            text(&output)
        );
        assert!(
            zone.fake.fake.requests().iter().all(|r| r.method == "GET"),
            "nothing was sent"
        );
        assert!(!zone.path("data/setups").exists(), "no plan was saved");
    }
}

/// Global AOP: nothing uploaded, Cloudflare's CA written for the origin, the same stops.
#[test]
fn a_global_setup_trusts_cloudflares_ca_and_uploads_nothing() {
    let zone = Zone::new(Scope::Zone);
    let mut args = zone.args(&["--scope", "global", "--no-edge-check"]);
    let at = args.iter().position(|a| a == "--edge-url").unwrap();
    args.drain(at..at + 2);
    let cloudflare_ca = aop_wizard::pki::cloudflare_ca::der().unwrap();
    let run = || zone.command(&args).output().unwrap();
    let first = run();
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    assert_eq!(json(&first)["waiting_for"], "origin-log-phase");
    let ca_copy = zone
        .path("aop/origin")
        .join(aop_wizard::pki::cloudflare_ca::FILE_NAME);
    assert_eq!(
        std::fs::read_to_string(&ca_copy).unwrap(),
        aop_wizard::pki::cloudflare_ca::PEM
    );
    let snippet = std::fs::read_to_string(zone.path("aop/origin/nginx-log.conf")).unwrap();
    assert!(snippet.contains("/etc/ssl/cloudflare/"), "{snippet}");
    zone.origin
        .set_phase(OriginPhase::Log(vec![cloudflare_ca.clone()]));
    let second = run();
    assert_eq!(second.status.code(), Some(3), "{}", text(&second));
    assert_eq!(json(&second)["waiting_for"], "origin-enforce-phase");
    zone.origin
        .set_phase(OriginPhase::Enforce(vec![cloudflare_ca]));
    let third = run();
    assert!(third.status.success(), "{}", text(&third));
    let view = zone.fake.fake.zone("example.com").unwrap();
    assert!(view.global_aop);
    assert!(view.zone_certificates.is_empty() && view.hostname_certificates.is_empty());
    assert_eq!(
        zone.expiry_policies(),
        0,
        "no certificate of its own to watch"
    );
}

/// The drifts that were found, each pinned: one definition of a passed log phase (an origin
/// that already enforces is not in the log phase, for `verify --expect log-only` and the wizard
/// alike), one certificate recipe (setup names its certificates as `cert generate --zone` does),
/// one token check (a Global API Key is refused before anything is sent).
#[test]
fn the_operations_that_had_drifted_are_decided_once() {
    use aop_wizard::ops::{self, certificate};
    use aop_wizard::probe::Verdict;
    use aop_wizard::snippets::SnippetPhase;

    let enforced = support::wizard::passing(SnippetPhase::Enforce);
    assert!(enforced.passed(ops::expected_verdict(SnippetPhase::Enforce)));
    assert!(!enforced.passed(ops::expected_verdict(SnippetPhase::Log)));
    assert_eq!(ops::expected_verdict(SnippetPhase::Log), Verdict::LogOnly);

    let zone = Zone::new(Scope::Zone);
    zone.until_done("names");
    let now = time::OffsetDateTime::now_utc();
    let subject = |path: &str| {
        let der = aop_wizard::pki::load_certificates(&zone.path(path)).unwrap();
        aop_wizard::pki::inspect_certificate(&der[0], now)
            .unwrap()
            .subject
    };
    assert!(
        subject("aop/client.crt").contains(&certificate::leaf_common_name(Some("example.com"))),
        "{}",
        subject("aop/client.crt")
    );
    // The recipe's CA name, up to the time of day it was made.
    let dated = |subject: String| subject.rsplit_once(' ').unwrap().0.to_string();
    let recipe = certificate::ca_common_name(Some("example.com"), now);
    assert!(
        subject("aop/ca.crt").contains(&dated(recipe)),
        "{}",
        subject("aop/ca.crt")
    );
    zone.generate("generated", &["--zone", "example.com"]);
    assert_eq!(subject("generated/client.crt"), subject("aop/client.crt"));
    assert_eq!(
        dated(subject("generated/ca.crt")),
        dated(subject("aop/ca.crt"))
    );

    let refused = zone.fake.runtime.block_on(ops::verified_client(
        &zone.fake.fake.base_url(),
        aop_wizard::cloudflare::ApiToken::new("0123456789abcdef0123456789abcdef01234"),
    ));
    assert!(
        refused.unwrap_err().to_string().contains("Global API Key"),
        "a Global API Key is refused"
    );
}

/// A saved set-up is continued as planned: asked for another scope or other hostnames, setup
/// says which set-up is saved and how to start another, and changes nothing.
#[test]
fn another_set_up_of_a_zone_with_one_in_progress_is_refused_with_the_way_out() {
    let zone = Zone::new(Scope::Zone);
    let first = zone.setup(&[]);
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    let before = zone.fake.fake.requests().len();
    let other = zone.setup(&["--scope", "hostname", "--hostname", HOST]);
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    let said = text(&other);
    assert!(
        said.contains("zone-level AOP for example.com") && said.contains("setups/example.com.json"),
        "{said}"
    );
    assert!(
        zone.fake.fake.requests()[before..]
            .iter()
            .all(|r| r.method == "GET"),
        "nothing changed"
    );
    // The same choices continue it.
    let same = zone.setup(&["--scope", "zone"]);
    assert_eq!(json(&same)["waiting_for"], "origin-log-phase");
}

/// Per hostname for one of the zone's two proxied hostnames on the same origin: the plan names
/// the other, which gets no certificate from Cloudflare, and once the origin enforces, the
/// request through Cloudflare for it is refused, so the set-up is not done and says what to do.
#[test]
fn per_hostname_for_one_of_two_hostnames_warns_and_stops_at_the_other_refused() {
    let zone = Zone::new(Scope::Zone);
    let one = ["--scope", "hostname", "--hostname", HOST];
    let mut waits = Vec::new();
    let mut last = Value::Null;
    for run in 0..3 {
        let output = zone.setup(&one);
        last = json(&output);
        assert_eq!(output.status.code(), Some(3), "{}", text(&output));
        if run == 0 {
            assert!(
                text(&output).contains("Global AOP is left as it is: Cloudflare documents"),
                "the plan says why the global switch is not touched: {}",
                text(&output)
            );
        }
        let warnings = last["warnings"].to_string();
        assert!(
            warnings.contains("no client certificate for example.com")
                && warnings.contains("zone-level AOP"),
            "{warnings}"
        );
        let wait = last["waiting_for"].as_str().unwrap().to_string();
        match wait.as_str() {
            "origin-log-phase" => zone.origin.set_phase(OriginPhase::Log(zone.ca())),
            "origin-enforce-phase" => zone.origin.set_phase(OriginPhase::Enforce(zone.ca())),
            _ => {}
        }
        waits.push(wait);
    }
    assert_eq!(waits, ["origin-log-phase", "origin-enforce-phase", "edge"]);
    assert_eq!(last["stage"], "origin-enforces", "{last}");
    assert!(!zone.fake.fake.zone("example.com").unwrap().global_aop);
    let problems = last["finish"]["problems"].to_string();
    assert!(
        problems.contains("Cloudflare presents no client certificate for example.com")
            && problems.contains("add each such hostname")
            && !problems.contains(HOST),
        "only the hostname left out is refused, and what to do is said: {problems}"
    );
}

/// A zone in Flexible mode is switched to Full only once the origin answers HTTPS: switching an
/// HTTP-only origin would take the site down. Until then setup says so and changes nothing.
#[test]
fn flexible_becomes_full_only_once_the_origin_answers_https() {
    let zone = Zone::new(Scope::Zone);
    let closed = support::origin::free_port();
    let run = |origin: &str| {
        zone.command(
            &[
                "setup",
                "--zone",
                "example.org",
                "--out",
                zone.path("org").to_str().unwrap(),
                "--origin",
                origin,
                "--no-edge-check",
                "--interval",
                "0",
                "--yes",
                "--json",
            ]
            .map(String::from),
        )
        .output()
        .unwrap()
    };
    assert_eq!(zone.fake.fake.zone("example.org").unwrap().ssl, "flexible");
    let refused = run(&format!("127.0.0.1:{closed}"));
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let result = json(&refused);
    assert_eq!(result["waiting_for"], "origin-https", "{result}");
    assert!(
        text(&refused).contains("does not answer HTTPS"),
        "{}",
        text(&refused)
    );
    assert_eq!(zone.fake.fake.zone("example.org").unwrap().ssl, "flexible");
    assert!(
        zone.fake.fake.requests().iter().all(|r| r.method == "GET"),
        "nothing changed"
    );
    // An origin that answers HTTPS: nothing was done yet, so the new address plans anew.
    let going = run(&zone.origin.address().to_string());
    assert_eq!(
        json(&going)["waiting_for"],
        "origin-log-phase",
        "{}",
        text(&going)
    );
    assert_eq!(zone.fake.fake.zone("example.org").unwrap().ssl, "full");
}

/// An e-mail given to a finished set-up that had none adds the expiry alert; another origin is
/// refused with the way out, never quietly ignored.
#[test]
fn a_finished_set_up_takes_an_alert_later_and_refuses_other_choices() {
    let zone = Zone::new(Scope::Zone);
    let without_email = |extra: &[&str]| {
        let mut args = zone.args(extra);
        let at = args.iter().position(|a| a == "--email").unwrap();
        args.drain(at..at + 2);
        zone.command(&args).output().unwrap()
    };
    for _ in 0..3 {
        let output = without_email(&[]);
        match json(&output)["waiting_for"].as_str() {
            Some("origin-log-phase") => zone.origin.set_phase(OriginPhase::Log(zone.ca())),
            Some("origin-enforce-phase") => zone.origin.set_phase(OriginPhase::Enforce(zone.ca())),
            _ => break,
        }
    }
    assert_eq!(zone.expiry_policies(), 0);
    let with_email = zone.setup(&[]);
    assert!(with_email.status.success(), "{}", text(&with_email));
    assert_eq!(json(&with_email)["stage"], "alert-set");
    assert_eq!(zone.expiry_policies(), 1);
    let elsewhere = zone.setup(&["--server", "apache"]);
    assert_eq!(elsewhere.status.code(), Some(1), "{}", text(&elsewhere));
    assert!(
        text(&elsewhere).contains("--server differ"),
        "{}",
        text(&elsewhere)
    );
}

/// Ctrl-C while a set-up runs says that nothing is lost and how to go on; the same command does.
#[test]
fn an_interrupted_set_up_says_so_and_continues() {
    let zone = Zone::new(Scope::Zone);
    // The upload is answered late: time to interrupt while it is in flight.
    zone.fake.fake.inject_fault(
        "upload_zone_certificate",
        1,
        FaultKind::Timeout(Duration::from_secs(2)),
    );
    let child = zone
        .command(&zone.args(&[]))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while zone.fake.fake.calls("upload_zone_certificate") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never came"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("interrupted: every stage of the set-up reached so far is saved"),
        "{}",
        text(&output)
    );
    zone.until_done("after an interrupt");
    zone.assert_done("after an interrupt");
}

/// A log directory or CA path the snippets cannot carry is refused when the set-up is planned,
/// before anything is made, uploaded or saved: one line naming the value.
#[test]
fn setup_refuses_snippet_values_with_line_breaks_before_any_change() {
    let zone = Zone::new(Scope::Zone);
    for (option, value) in [
        ("--log-dir", "/var/log/nginx;\nssl_verify_client off;"),
        ("--origin-ca-path", "/etc/nginx/aop/ca.crt\r"),
    ] {
        let output = zone.setup(&["--server", "nginx", option, value]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: the ") && stderr.contains("control character"),
            "{stderr}"
        );
        assert!(!zone.path("aop").exists(), "{option}: files were made");
        let seen = zone.fake.fake.zone("example.com").unwrap();
        assert!(seen.zone_certificates.is_empty() && !seen.zone_aop_enabled);
    }
}
