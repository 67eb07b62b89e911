//! Snippet text that does not need a running server: Traefik (not packaged here, so checked
//! structurally), headers, version-dependent syntax and the refusals.

use aop_wizard::snippets::{
    CaFile, Placement, ServerVersion, SnippetError, SnippetPhase, SnippetRequest, WebServer, render,
};
use time::macros::date;

fn request(server: WebServer, phase: SnippetPhase, cas: &[&str]) -> SnippetRequest {
    SnippetRequest::new(
        server,
        phase,
        cas.iter().map(|p| CaFile::new(*p)).collect(),
        date!(2026 - 11 - 22),
    )
}

#[test]
fn traefik_yaml_parses_and_names_the_client_auth_fields() {
    for (phase, mode) in [
        (SnippetPhase::Log, "VerifyClientCertIfGiven"),
        (SnippetPhase::Enforce, "RequireAndVerifyClientCert"),
    ] {
        let snippet = render(&request(
            WebServer::Traefik,
            phase,
            &["/etc/traefik/old.pem", "/etc/traefik/new.pem"],
        ))
        .unwrap();
        let dynamic: serde_yaml::Value =
            serde_yaml::from_str(snippet.section(Placement::TraefikDynamic).unwrap()).unwrap();
        let option = &dynamic["tls"]["options"]["aop"];
        assert_eq!(option["clientAuth"]["clientAuthType"].as_str(), Some(mode));
        let files: Vec<&str> = option["clientAuth"]["caFiles"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(files, ["/etc/traefik/old.pem", "/etc/traefik/new.pem"]);
        assert_eq!(option["sniStrict"].as_bool(), Some(true));
        assert_eq!(option["minVersion"].as_str(), Some("VersionTLS12"));
        let static_config: serde_yaml::Value =
            serde_yaml::from_str(snippet.section(Placement::TraefikStatic).unwrap()).unwrap();
        assert_eq!(static_config["accessLog"]["format"].as_str(), Some("json"));
        // The whole text, header comments included, is still valid YAML once split by section.
        assert!(
            snippet
                .text()
                .lines()
                .filter(|l| l.starts_with('#'))
                .count()
                >= 5
        );
    }
}

#[test]
fn every_snippet_has_a_header_with_server_phase_date_and_next_steps() {
    for server in WebServer::ALL {
        for phase in [SnippetPhase::Log, SnippetPhase::Enforce] {
            let snippet = render(&request(server, phase, &["/etc/aop/ca.crt"])).unwrap();
            let text = snippet.text();
            let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
            let header = header.join("\n");
            assert!(header.contains(server.display_name()), "{header}");
            assert!(header.contains(match phase {
                SnippetPhase::Log => "accept and log",
                SnippetPhase::Enforce => "enforce",
            }));
            assert!(header.contains("2026-11-22"));
            assert!(header.contains("Next:"));
            assert!(header.contains(&snippet.config_test), "{header}");
            assert!(
                text.contains("/etc/aop/ca.crt"),
                "{server:?} names the CA file"
            );
            let logs_result = match server {
                WebServer::Nginx => "client_verify=\"$ssl_client_verify\"",
                WebServer::Apache => "client_verify=\\\"%{SSL_CLIENT_VERIFY}x",
                WebServer::Haproxy => "client_verify=%[ssl_c_verify]",
                WebServer::Traefik => "accessLog:",
                WebServer::Caddy => "aop-tls-errors.log",
            };
            assert!(
                text.contains(logs_result),
                "{server:?} logs the verification result"
            );
        }
    }
}

#[test]
fn caddy_syntax_follows_the_version() {
    let mut old = request(
        WebServer::Caddy,
        SnippetPhase::Enforce,
        &["/c/old.pem", "/c/new.pem"],
    );
    old.server_version = Some(ServerVersion { major: 2, minor: 6 });
    let text = render(&old).unwrap().text();
    assert!(
        text.contains("trusted_ca_cert_file /c/old.pem\n")
            && text.contains("trusted_ca_cert_file /c/new.pem\n")
    );
    assert!(!text.contains("trust_pool"));

    let mut modern = old.clone();
    modern.server_version = Some(ServerVersion { major: 2, minor: 8 });
    let text = render(&modern).unwrap().text();
    assert!(
        text.contains("trust_pool file {\n\t\tpem_file /c/old.pem /c/new.pem\n"),
        "{text}"
    );
    assert!(!text.contains("trusted_ca_cert_file"));
}

#[test]
fn caddy_before_2_8_refuses_a_bundle_file_it_would_half_read() {
    let mut bundle = request(WebServer::Caddy, SnippetPhase::Enforce, &[]);
    bundle.ca_files = vec![CaFile {
        path: "/c/bundle.pem".into(),
        certificates: Some(2),
    }];
    bundle.server_version = Some(ServerVersion { major: 2, minor: 6 });
    let error = render(&bundle).unwrap_err();
    assert!(
        matches!(&error, SnippetError::Unsupported(msg) if msg.contains("own --ca file")),
        "{error}"
    );
}

#[test]
fn no_ca_is_an_error_not_an_empty_snippet() {
    assert_eq!(
        render(&request(WebServer::Nginx, SnippetPhase::Log, &[])).unwrap_err(),
        SnippetError::NoCa
    );
}

#[test]
fn haproxy_log_phase_really_ignores_verification_errors() {
    let log = render(&request(
        WebServer::Haproxy,
        SnippetPhase::Log,
        &["/h/ca.pem"],
    ))
    .unwrap();
    assert_eq!(
        log.section(Placement::HaproxyBindOptions).unwrap().trim(),
        "ca-file /h/ca.pem verify optional crt-ignore-err all ca-ignore-err all"
    );
    let enforce = render(&request(
        WebServer::Haproxy,
        SnippetPhase::Enforce,
        &["/h/ca.pem"],
    ))
    .unwrap();
    assert_eq!(
        enforce
            .section(Placement::HaproxyBindOptions)
            .unwrap()
            .trim(),
        "ca-file /h/ca.pem verify required"
    );
}

/// Traefik is not packaged here, so the YAML is parsed: CA paths and a log directory with
/// quotes, an apostrophe, `#`, `: `, `-` and `@` read back exactly as given, and nothing else
/// appears in the document. (A relative path is refused before quoting: see `value.rs`.)
#[test]
fn traefik_yaml_carries_paths_with_quotes_exactly() {
    let cas = [
        r#"/etc/traefik/my "aop" certs/it's $ca.pem"#,
        "/-ca: #1.pem",
        "/@ca.pem",
        "/null",
    ];
    let mut request = request(WebServer::Traefik, SnippetPhase::Enforce, &cas);
    request.log_dir = Some("/var/log/traefik 'aop' #: x".into());
    let snippet = render(&request).unwrap();
    let dynamic: serde_yaml::Value =
        serde_yaml::from_str(snippet.section(Placement::TraefikDynamic).unwrap()).unwrap();
    let client_auth = &dynamic["tls"]["options"]["aop"]["clientAuth"];
    let files: Vec<&str> = client_auth["caFiles"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().expect("every CA path is a string"))
        .collect();
    assert_eq!(files, cas);
    assert_eq!(client_auth.as_mapping().unwrap().len(), 2);
    let static_config: serde_yaml::Value =
        serde_yaml::from_str(snippet.section(Placement::TraefikStatic).unwrap()).unwrap();
    assert_eq!(
        static_config["accessLog"]["filePath"].as_str(),
        Some("/var/log/traefik 'aop' #: x/aop-access.log")
    );
    assert_eq!(static_config["accessLog"].as_mapping().unwrap().len(), 2);
}

/// A line break in a CA path would add a YAML key (or a directive elsewhere): refused for
/// every server with a typed error naming the value.
#[test]
fn a_line_break_in_a_value_is_refused_by_every_server() {
    for server in WebServer::ALL {
        let error = render(&request(
            server,
            SnippetPhase::Enforce,
            &["/etc/ca.pem\n        clientAuthType: NoClientCert"],
        ))
        .unwrap_err();
        assert!(
            matches!(&error, SnippetError::UnsafeValue { what: "CA path", value, .. }
                if value.ends_with("NoClientCert")),
            "{server:?}: {error}"
        );
        assert!(error.to_string().contains("clientAuthType: NoClientCert"));
    }
}

#[test]
fn the_log_phase_says_how_to_read_its_log() {
    let mut nginx = request(WebServer::Nginx, SnippetPhase::Log, &["/etc/aop/ca.crt"]);
    nginx.log_dir = Some("/srv/my logs".into());
    let text = render(&nginx).unwrap().text();
    assert!(
        text.contains(
            "aop-wizard evidence --server nginx --log '/srv/my logs/aop-access.log' --since 15m"
        ),
        "{text}"
    );
    // Traefik's log has no verification field: the probe is the way there.
    let traefik = render(&request(
        WebServer::Traefik,
        SnippetPhase::Log,
        &["/etc/aop/ca.crt"],
    ))
    .unwrap()
    .text();
    assert!(!traefik.contains("aop-wizard evidence"), "{traefik}");
}
