//! `aop-wizard verify` against real nginx, Apache, HAProxy and Caddy on loopback, configured with
//! the snippets the program renders: the verdict is right in both phases, a server that never
//! asks gives `not-requesting`, a server trusting another CA gives `misconfigured`, and a dead
//! address gives `unreachable` within the timeout.

mod support;

use std::process::Command;

use aop_wizard::snippets::{SnippetPhase, WebServer};
use serde_json::Value;
use support::origin::{HOST, Origin, free_port, on_each_caddy, render_for, site_dir};
use support::test_pki::{Identity, test_pki};

struct Verified {
    code: Option<i32>,
    report: Value,
}

impl Verified {
    fn verdict(&self) -> &str {
        self.report["cells"][0]["verdict"].as_str().unwrap_or("?")
    }

    fn outcome(&self, presented: &str) -> &Value {
        let attempts = self.report["cells"][0]["attempts"].as_array().unwrap();
        &attempts
            .iter()
            .find(|a| a[0] == presented)
            .unwrap_or_else(|| panic!("no {presented} attempt in {}", self.report))[1]
    }
}

fn verify(
    port: u16,
    identity: Option<&Identity>,
    ca: &[&std::path::Path],
    extra: &[&str],
) -> Verified {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    command.args([
        "verify",
        "--origin",
        &format!("127.0.0.1:{port}"),
        "--host",
        HOST,
        "--json",
    ]);
    if let Some(identity) = identity {
        command
            .arg("--cert")
            .arg(&identity.cert)
            .arg("--key")
            .arg(&identity.key);
    }
    for path in ca {
        command.arg("--ca").arg(path);
    }
    command.args(extra);
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "verify printed no JSON ({e}):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Verified {
        code: output.status.code(),
        report,
    }
}

fn subject_of(path: &std::path::Path) -> String {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let der = &aop_wizard::pki::load_certificates(path).unwrap()[0];
    X509Certificate::from_der(der)
        .unwrap()
        .1
        .subject()
        .to_string()
}

/// Both phases on one server: the verdict, the exit code, and the CA list against the CA file.
fn both_phases(server: WebServer) {
    let pki = test_pki();
    for (phase, expect, verdict) in [
        (SnippetPhase::Log, "log-only", "log-only"),
        (SnippetPhase::Enforce, "enforced", "enforced"),
    ] {
        let origin = Origin::start(server, phase, true);
        let seen = verify(
            origin.port,
            Some(&pki.right),
            &[&pki.ca, &pki.second_ca],
            &["--expect", expect],
        );
        let context = format!("{} {phase:?}: {:#}", server.name(), seen.report);
        assert_eq!(seen.verdict(), verdict, "{context}");
        assert_eq!(seen.code, Some(0), "{context}");
        assert_eq!(
            seen.report["cells"][0]["expected_ca_listed"], true,
            "{context}"
        );
        // The acceptable-CA list is exactly the snippet's CA file: both CAs of the bundle.
        let mut listed: Vec<String> = seen.outcome("nothing")["acceptable_cas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        listed.sort();
        let mut expected = vec![subject_of(&pki.ca), subject_of(&pki.second_ca)];
        expected.sort();
        assert_eq!(listed, expected, "{context}");
        assert_eq!(
            seen.outcome("yours")["outcome"]["kind"],
            "http",
            "{context}"
        );
        // The origin's own certificate comes from a private CA: reported, not a failure.
        assert!(
            seen.outcome("nothing")["server_certificate"]["validation_error"].is_string(),
            "{context}"
        );

        // Asking for the other phase is a failure with exit code 3, not a silent pass.
        let other = if expect == "enforced" {
            "log-only"
        } else {
            "enforced"
        };
        let wrong = verify(
            origin.port,
            Some(&pki.right),
            &[&pki.ca],
            &["--expect", other],
        );
        assert_eq!(wrong.code, Some(3), "{context}");
    }
}

#[test]
fn nginx_log_only_then_enforced() {
    both_phases(WebServer::Nginx);
}

#[test]
fn apache_log_only_then_enforced() {
    both_phases(WebServer::Apache);
}

#[test]
fn haproxy_log_only_then_enforced() {
    both_phases(WebServer::Haproxy);
}

#[test]
fn caddy_log_only_then_enforced() {
    on_each_caddy(|| both_phases(WebServer::Caddy));
}

#[test]
fn nginx_tells_its_400_apart_from_a_handshake_alert() {
    let pki = test_pki();
    let origin = Origin::start(WebServer::Nginx, SnippetPhase::Enforce, false);
    let seen = verify(origin.port, Some(&pki.right), &[&pki.ca], &[]);
    assert_eq!(
        seen.outcome("nothing")["outcome"]["kind"],
        "nginx-certificate-error"
    );
    let apache = Origin::start(WebServer::Apache, SnippetPhase::Enforce, false);
    let seen = verify(apache.port, Some(&pki.right), &[&pki.ca], &[]);
    assert_eq!(
        seen.outcome("nothing")["outcome"]["kind"],
        "handshake-rejected"
    );
}

#[test]
fn a_server_without_client_authentication_is_not_requesting() {
    let pki = test_pki();
    // The same nginx set-up with the AOP lines left out.
    let dir = site_dir(WebServer::Nginx);
    let mut snippet = render_for(WebServer::Nginx, SnippetPhase::Log, false, &dir);
    for section in &mut snippet.sections {
        section.text = "# no client authentication".into();
    }
    snippet.prepare.clear();
    let origin = Origin::start_with(WebServer::Nginx, snippet, dir);
    let seen = verify(origin.port, Some(&pki.right), &[&pki.ca], &[]);
    assert_eq!(seen.verdict(), "not-requesting", "{:#}", seen.report);
    assert_eq!(seen.code, Some(3));
    assert_eq!(seen.outcome("nothing")["certificate_requested"], false);
}

#[test]
fn an_origin_trusting_another_ca_is_misconfigured() {
    let pki = test_pki();
    // The origin trusts only the first CA; Cloudflare would present a leaf of the second.
    let origin = Origin::start(WebServer::Haproxy, SnippetPhase::Enforce, false);
    let seen = verify(origin.port, Some(&pki.second), &[&pki.second_ca], &[]);
    assert_eq!(seen.verdict(), "misconfigured", "{:#}", seen.report);
    assert_eq!(seen.code, Some(3));
    assert_eq!(seen.report["cells"][0]["expected_ca_listed"], false);

    // Without the leaf in hand (global AOP), the CA list alone gives it away.
    let global = verify(origin.port, None, &[], &["--global"]);
    assert_eq!(global.verdict(), "misconfigured", "{:#}", global.report);
    assert!(
        global.report["cells"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("Cloudflare's origin-pull CA")
    );
}

#[test]
fn a_closed_port_and_a_silent_one_are_unreachable_within_the_timeout() {
    let closed = verify(free_port(), None, &[], &["--timeout", "2"]);
    assert_eq!(closed.verdict(), "unreachable");
    assert_eq!(
        closed.outcome("nothing")["outcome"]["kind"],
        "connection-refused"
    );
    assert_eq!(closed.code, Some(3));

    // Accepts TCP connections (the kernel's backlog) but never speaks TLS.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let seen = verify(port, None, &[], &["--timeout", "1"]);
    assert_eq!(seen.verdict(), "unreachable");
    assert_eq!(seen.outcome("nothing")["outcome"]["kind"], "timeout");
    let elapsed = seen.outcome("nothing")["elapsed_ms"].as_u64().unwrap();
    assert!(
        (1000..3000).contains(&elapsed),
        "gave up after {elapsed} ms"
    );
}

#[test]
fn the_human_table_names_the_problem_and_the_next_step() {
    on_each_caddy(|| {
        let pki = test_pki();
        let origin = Origin::start(WebServer::Caddy, SnippetPhase::Log, false);
        let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
            .args([
                "verify",
                "--origin",
                &format!("127.0.0.1:{}", origin.port),
                "--host",
                HOST,
            ])
            .arg("--cert")
            .arg(&pki.right.cert)
            .arg("--key")
            .arg(&pki.right.key)
            .arg("--ca")
            .arg(&pki.ca)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(3), "{text}");
        for expected in [
            "VERDICT",
            "log-only",
            "next:",
            "--phase enforce",
            "CAs the origin lists",
        ] {
            assert!(text.contains(expected), "{expected:?} missing:\n{text}");
        }
    });
}
