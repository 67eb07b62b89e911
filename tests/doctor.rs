//! `aop-wizard doctor`: the real binary against the fake Cloudflare, with the demo origin or a
//! real nginx configured with the project's snippet. Each prediction is checked against what
//! the origin really does, and against a request through the demo edge where it matters.

mod support;

use std::process::Output;

use aop_wizard::demo::{DemoOrigin, OriginPhase};
use aop_wizard::snippets::{CaFile, NginxFallback, SnippetPhase, SnippetRequest, WebServer};
use serde_json::Value;
use support::fake::{Fake, fake};
use support::origin::Origin;
use support::test_pki::{Identity, test_pki};

struct Lab {
    fake: Fake,
    data: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        Self {
            fake: fake(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.fake.aop(self.data.path()).args(args).output().unwrap()
    }

    /// Runs a command that must succeed (the set-up of a case).
    fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        output
    }

    /// Uploads `identity` zone-level and turns zone-level AOP on.
    fn zone_level(&self, identity: &Identity) {
        let (cert, key) = (path(&identity.cert), path(&identity.key));
        self.ok(&[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            &cert,
            "--key",
            &key,
            "--wait",
            "--interval",
            "0",
        ]);
        self.ok(&["enable", "--zone", "example.com", "--scope", "zone"]);
    }

    /// Uploads `identity` for `hostname` (per-hostname, enabled); its certificate id.
    fn per_hostname(&self, identity: &Identity, hostname: &str) -> String {
        let (cert, key) = (path(&identity.cert), path(&identity.key));
        let output = self.ok(&[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            &cert,
            "--key",
            &key,
            "--hostname",
            hostname,
            "--wait",
            "--interval",
            "0",
            "--json",
        ]);
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        value["certificate"]["id"].as_str().unwrap().to_string()
    }

    /// `doctor --json` with these arguments: the exit code and the report.
    fn doctor(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["doctor", "--json"];
        all.extend_from_slice(args);
        let output = self.run(&all);
        let report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&output)));
        (output.status.code().unwrap(), report)
    }

    fn demo_origin(&self, phase: OriginPhase) -> DemoOrigin {
        let origin = self
            .fake
            .runtime
            .block_on(DemoOrigin::start(&["example.com", "www.example.com"]))
            .unwrap();
        origin.set_phase(phase);
        origin
    }

    /// What a visitor gets for `hostname` through the demo edge, which presents what Cloudflare
    /// would to `origin`.
    fn through_edge(&self, hostname: &str, origin: std::net::SocketAddr) -> (u16, String) {
        let url = self.fake.fake.edge_url(hostname, origin);
        self.fake.runtime.block_on(async {
            let response = reqwest::get(&url).await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
    }
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn path(path: &std::path::Path) -> String {
    path.to_str().unwrap().to_string()
}

fn ca(path: &std::path::Path) -> Vec<Vec<u8>> {
    aop_wizard::pki::load_certificates(path).unwrap()
}

/// The diagnosis of `hostname` in a report.
fn host<'a>(report: &'a Value, hostname: &str) -> &'a Value {
    report["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hostname"] == hostname)
        .unwrap_or_else(|| panic!("no {hostname} in {report:#}"))
}

fn kind(report: &Value, hostname: &str) -> String {
    host(report, hostname)["outcome"]["kind"]
        .as_str()
        .unwrap()
        .to_string()
}

fn summary(report: &Value, hostname: &str) -> String {
    host(report, hostname)["outcome"]["summary"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A real nginx enforcing with the project's snippet, trusting only the CA at `trusted`.
fn nginx_enforcing(trusted: &std::path::Path, ready: &Identity, port: u16) -> Origin {
    let dir = support::origin::site_dir(WebServer::Nginx);
    let mut request = SnippetRequest::new(
        WebServer::Nginx,
        SnippetPhase::Enforce,
        vec![CaFile {
            path: trusted.display().to_string(),
            certificates: Some(1),
        }],
        time::OffsetDateTime::now_utc().date(),
    );
    request.log_dir = Some(dir.display().to_string());
    request.nginx_fallback = NginxFallback::Root(dir.join("www").display().to_string());
    let snippet = aop_wizard::snippets::render(&request).unwrap();
    Origin::start_on(WebServer::Nginx, snippet, dir, port, ready)
}

/// The case: Cloudflare presents a zone-level certificate from one CA, a real nginx
/// enforces with another. doctor predicts the 400 before any visitor sees it, a request through
/// the edge then gets exactly that, and with the right CA both say served.
#[test]
fn a_real_nginx_trusting_another_ca_is_predicted_to_answer_400_and_does() {
    let lab = Lab::new();
    let pki = test_pki();
    // CA-Y: what Cloudflare presents. CA-X: what nginx trusts.
    lab.zone_level(&pki.right);
    let port = support::origin::free_port();
    let nginx = nginx_enforcing(&pki.second_ca, &pki.second, port);
    let origin: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let address = origin.to_string();
    let args = [
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &address,
    ];

    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["ok"], false);
    assert_eq!(kind(&report, "www.example.com"), "wrong-ca");
    let said = summary(&report, "www.example.com");
    assert!(
        said.starts_with(
            "every proxied request will fail with 400: the origin trusts O=aop-wizard tests, CN=second test CA"
        ) && said.contains("Cloudflare presents a certificate issued by O=aop-wizard tests, CN=trusted test CA;")
            && said.contains("\"The SSL certificate error\""),
        "{said}"
    );
    let www = host(&report, "www.example.com");
    assert_eq!(www["origins"][0]["refuses_without_certificate"], true);
    assert_eq!(www["origins"][0]["expected_ca_listed"], false);
    let human = lab.run(&[
        "doctor",
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &address,
    ]);
    assert_eq!(human.status.code(), Some(3));
    // Wrapped to 80 columns, as evidence's report, and the whole prediction said.
    let printed = String::from_utf8_lossy(&human.stdout).into_owned();
    assert!(
        printed.lines().all(|line| line.chars().count() <= 80) && printed.lines().count() > 6,
        "{printed}"
    );
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words(&printed).contains(&words(&said)), "{printed}");

    let (status, body) = lab.through_edge("www.example.com", origin);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("The SSL certificate error"), "{body}");
    // verify's request through Cloudflare says the same: nginx's 400 is no page served.
    let edge_url = lab.fake.fake.edge_url("{hostname}", origin);
    let verified = lab.run(&[
        "verify",
        "--origin",
        &address,
        "--host",
        "www.example.com",
        "--cert",
        &path(&pki.second.cert),
        "--key",
        &path(&pki.second.key),
        "--ca",
        &path(&pki.second_ca),
        "--via-edge",
        "--edge-url",
        &edge_url,
    ]);
    assert_eq!(verified.status.code(), Some(3), "{}", text(&verified));
    assert!(
        text(&verified).contains("the origin refused the certificate Cloudflare presented"),
        "{}",
        text(&verified)
    );

    // The right CA on the origin: predicted OK, and served through the edge.
    let dir = nginx.stop();
    std::fs::remove_dir_all(&dir).unwrap();
    let _nginx = nginx_enforcing(&pki.ca, &pki.right, port);
    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(kind(&report, "www.example.com"), "ok");
    assert!(summary(&report, "www.example.com").starts_with("OK: "));
    let (status, body) = lab.through_edge("www.example.com", origin);
    assert_eq!(status, 200, "{body}");
}

/// A per-hostname certificate wins over zone-level: the hostname whose certificate the origin
/// trusts is OK, the other fails at the handshake (525 through Cloudflare). Switched off for the
/// hostname, Cloudflare presents nothing there, and an origin that requires one refuses it.
#[test]
fn per_hostname_beats_zone_level_and_a_disabled_hostname_gets_nothing() {
    let lab = Lab::new();
    let pki = test_pki();
    lab.zone_level(&pki.right);
    let id = lab.per_hostname(&pki.second, "www.example.com");
    let origin = lab.demo_origin(OriginPhase::Enforce(ca(&pki.second_ca)));
    let address = origin.address().to_string();
    let args = [
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--hostname",
        "example.com",
        "--origin",
        &address,
    ];
    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 3, "{report:#}");
    let www = host(&report, "www.example.com");
    assert_eq!(www["presents"]["scope"], "hostname", "{www:#}");
    assert_eq!(www["presents"]["cert_id"], id.as_str());
    assert_eq!(kind(&report, "www.example.com"), "ok");
    assert_eq!(host(&report, "example.com")["presents"]["scope"], "zone");
    assert_eq!(kind(&report, "example.com"), "wrong-ca");
    let said = summary(&report, "example.com");
    assert!(
        said.starts_with("every proxied request will fail with 525: "),
        "{said}"
    );
    let (status, _) = lab.through_edge("example.com", origin.address());
    assert_eq!(status, 525);
    assert_eq!(lab.through_edge("www.example.com", origin.address()).0, 200);

    lab.ok(&[
        "disable",
        "--zone",
        "example.com",
        "--scope",
        "hostname",
        "--hostname",
        "www.example.com",
        "--cert-id",
        &id,
    ]);
    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 3);
    assert_eq!(host(&report, "www.example.com")["presents"], Value::Null);
    assert_eq!(kind(&report, "www.example.com"), "no-certificate");
    let said = summary(&report, "www.example.com");
    assert!(
        said.contains("Cloudflare presents no certificate for www.example.com (AOP disabled for it) and the origin requires one"),
        "{said}"
    );
    assert!(
        host(&report, "www.example.com")["outcome"]["next_step"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "aop-wizard enable --zone example.com --scope hostname --hostname www.example.com --cert-id {id}"
            ))
    );
    assert_eq!(lab.through_edge("www.example.com", origin.address()).0, 525);
}

/// The log phase with the right CA is ready to enforce (exit 0), with the report in its JSON
/// shape. A DNS-only hostname on the same origin is not: its visitors connect directly, and are
/// refused once the origin enforces.
#[test]
fn the_log_phase_is_ready_to_enforce_but_a_dns_only_hostname_is_not() {
    let lab = Lab::new();
    let pki = test_pki();
    lab.zone_level(&pki.right);
    let origin = lab.demo_origin(OriginPhase::Log(ca(&pki.ca)));
    let address = origin.address().to_string();
    let (code, report) = lab.doctor(&[
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &address,
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["zone"], "example.com");
    assert_eq!(report["unchecked"], serde_json::json!([]));
    let www = host(&report, "www.example.com");
    assert_eq!(www["proxied"], true);
    assert_eq!(www["ssl_mode"], "full");
    let presents = &www["presents"];
    assert_eq!(presents["scope"], "zone");
    assert!(presents["cert_id"].is_string());
    assert!(
        presents["issuer"]
            .as_str()
            .unwrap()
            .contains("CN=trusted test CA")
    );
    assert_eq!(presents["status"], "active");
    assert!((360..=366).contains(&presents["days_left"].as_i64().unwrap()));
    let seen = &www["origins"][0];
    assert_eq!(seen["address"], address.as_str());
    assert_eq!(seen["requests_certificate"], true);
    assert_eq!(seen["refuses_without_certificate"], false);
    assert!(
        seen["acceptable_cas"][0]
            .as_str()
            .unwrap()
            .contains("CN=trusted test CA")
    );
    assert_eq!(seen["verdict"], "log-only");
    assert_eq!(www["outcome"]["ok"], true);
    assert_eq!(www["outcome"]["kind"], "ready-to-enforce");
    assert!(
        www["outcome"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("ready to enforce: ")
    );
    assert!(
        www["outcome"]["next_step"]
            .as_str()
            .unwrap()
            .contains("--phase enforce")
    );

    // Every hostname: direct.example.com points where the proxied ones do.
    let (code, report) = lab.doctor(&["--zone", "example.com", "--origin", &address]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(host(&report, "direct.example.com")["proxied"], false);
    assert_eq!(
        kind(&report, "direct.example.com"),
        "dns-only-once-enforced"
    );
    assert_eq!(kind(&report, "example.com"), "ready-to-enforce");
    // Its visitors come without a certificate: served in the log phase, as predicted…
    let (status, body) = lab.through_edge("direct.example.com", origin.address());
    assert_eq!(status, 200, "{body}");

    origin.set_phase(OriginPhase::Enforce(ca(&pki.ca)));
    let (code, report) = lab.doctor(&["--zone", "example.com", "--origin", &address]);
    assert_eq!(code, 3);
    assert_eq!(kind(&report, "direct.example.com"), "dns-only-refused");
    assert!(
        summary(&report, "direct.example.com")
            .starts_with("visitors connect directly and are refused: ")
    );
    assert_eq!(kind(&report, "www.example.com"), "ok");
    // …and refused once enforced, while the proxied hostnames are served.
    let (status, body) = lab.through_edge("direct.example.com", origin.address());
    assert_ne!(status, 200, "{body}");
    assert_eq!(lab.through_edge("www.example.com", origin.address()).0, 200);
}

/// Flexible: Cloudflare does not open TLS to the origin, whatever either side holds.
#[test]
fn flexible_mode_is_named_with_the_command_that_fixes_it() {
    let lab = Lab::new();
    let origin = lab.demo_origin(OriginPhase::Open);
    let address = origin.address().to_string();
    let (code, report) = lab.doctor(&["--zone", "example.org", "--origin", &address]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(host(&report, "example.org")["ssl_mode"], "flexible");
    assert_eq!(kind(&report, "example.org"), "ssl-mode");
    assert!(summary(&report, "example.org").contains("Flexible"));
    assert_eq!(
        host(&report, "example.org")["outcome"]["next_step"],
        "Set Full or Full (strict): aop-wizard ssl-mode --zone example.org --set strict"
    );
}

/// An origin that does not answer is no verdict; nor is a hostname whose origin is not known
/// (a custom hostname with no DNS record): doctor says to pass --origin and never guesses.
#[test]
fn an_unreachable_or_unknown_origin_is_not_ok() {
    let lab = Lab::new();
    let pki = test_pki();
    lab.zone_level(&pki.right);
    let closed = support::origin::free_port();
    let (code, report) = lab.doctor(&[
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &format!("127.0.0.1:{closed}"),
    ]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(kind(&report, "www.example.com"), "origin-unreachable");
    assert!(summary(&report, "www.example.com").contains("connection refused"));

    // A name in the zone that no record or association serves: no verdict to give.
    let (code, report) =
        lab.doctor(&["--zone", "example.com", "--hostname", "nothing.example.com"]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(kind(&report, "nothing.example.com"), "no-dns-record");
    let human = lab.run(&[
        "doctor",
        "--zone",
        "example.com",
        "--hostname",
        "nothing.example.com",
    ]);
    assert!(
        text(&human).contains("nothing.example.com  (no DNS record)"),
        "not \"DNS only\", which is a record: {}",
        text(&human)
    );

    assert!(
        lab.fake
            .fake
            .add_custom_hostname("example.com", "shop.customer.test")
    );
    lab.per_hostname(&pki.right, "shop.customer.test");
    let (code, report) = lab.doctor(&["--zone", "example.com", "--hostname", "shop.customer.test"]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(kind(&report, "shop.customer.test"), "origin-not-checked");
    assert!(summary(&report, "shop.customer.test").starts_with("origin not checked: "));
    assert!(summary(&report, "shop.customer.test").ends_with("pass --origin"));
    assert_eq!(
        host(&report, "shop.customer.test")["origins"],
        serde_json::json!([])
    );
}

/// Global AOP: Cloudflare presents its shared certificate, so the origin must list Cloudflare's
/// origin-pull CA; one trusting only the user's own CA will refuse it.
#[test]
fn global_aop_expects_cloudflares_ca() {
    let lab = Lab::new();
    let pki = test_pki();
    lab.ok(&["enable", "--zone", "example.com", "--scope", "global"]);
    let cloudflare = aop_wizard::pki::cloudflare_ca::der().unwrap();
    let origin = lab.demo_origin(OriginPhase::Enforce(vec![cloudflare]));
    let address = origin.address().to_string();
    let args = [
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &address,
    ];
    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 0, "{report:#}");
    let presents = &host(&report, "www.example.com")["presents"];
    assert_eq!(presents["scope"], "global");
    assert_eq!(presents["cert_id"], Value::Null);
    assert!(
        presents["issuer"]
            .as_str()
            .unwrap()
            .contains("origin-pull.cloudflare.net")
    );
    assert_eq!(kind(&report, "www.example.com"), "ok");

    origin.set_phase(OriginPhase::Enforce(ca(&pki.ca)));
    let (code, report) = lab.doctor(&args);
    assert_eq!(code, 3);
    assert_eq!(kind(&report, "www.example.com"), "wrong-ca");
    let said = summary(&report, "www.example.com");
    assert!(
        said.starts_with("every proxied request will fail with 525: the origin trusts O=aop-wizard tests, CN=trusted test CA, Cloudflare presents a certificate issued by C=US, O=CloudFlare, Inc., OU=Origin Pull")
            && said.contains("CN=origin-pull.cloudflare.net;"),
        "{said}"
    );
}
