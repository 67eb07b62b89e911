//! Traefik (Go crypto/tls). A TLS option carrying `clientAuth`; every file in `caFiles` may hold
//! several CAs. Not packaged for Debian, so this output is validated structurally only.

use super::{Placement, RenderedBody, SnippetPhase, SnippetRequest, SnippetSection};

pub(super) fn render(request: &SnippetRequest) -> RenderedBody {
    let client_auth_type = match request.phase {
        SnippetPhase::Log => "VerifyClientCertIfGiven",
        SnippetPhase::Enforce => "RequireAndVerifyClientCert",
    };
    let ca_files: String = request
        .ca_files
        .iter()
        .map(|ca| format!("          - {}\n", request.quote(&ca.path)))
        .collect();
    let dynamic = format!(
        "tls:\n  options:\n    aop:\n      minVersion: VersionTLS12\n      sniStrict: true\n      clientAuth:\n        caFiles:\n{ca_files}        clientAuthType: {client_auth_type}\n"
    );
    let static_config = format!(
        "accessLog:\n  filePath: {}\n  format: json\n",
        request.log_file(super::ACCESS_LOG)
    );
    let mut notes = vec![
        "Attach the option to every router of the site (tls.options: aop@file), or name it `default` to cover every SNI.".to_string(),
        "The JSON access log records TLSClientSubject (Traefik 3.0+); refused handshakes appear only with log.level: DEBUG.".to_string(),
    ];
    if request.phase == SnippetPhase::Log {
        notes.push("Go refuses a certificate it cannot verify even here; requests without a certificate are served.".into());
    }
    RenderedBody {
        prepare: Vec::new(),
        sections: vec![
            SnippetSection {
                placement: Placement::TraefikDynamic,
                text: dynamic,
            },
            SnippetSection {
                placement: Placement::TraefikStatic,
                text: static_config,
            },
        ],
        config_test: "traefik has no offline check: watch its log after the file provider reloads"
            .into(),
        reload: "the file provider reloads by itself (restart Traefik for static changes)".into(),
        notes,
    }
}
