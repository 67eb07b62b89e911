//! Caddy (Go crypto/tls). Before 2.8, `trusted_ca_cert_file` reads only the first certificate of
//! a file, so every CA needs a line (and a file) of its own; 2.8 and later use `trust_pool`.
//! Caddy has no verification-status log field: a verified certificate shows up as
//! `request.tls.client_common_name` in the access log, a refused one only in the DEBUG log of
//! `http.stdlib`, routed here to a file of its own.

use super::{
    Placement, RenderedBody, ServerVersion, SnippetError, SnippetPhase, SnippetRequest,
    SnippetSection,
};

/// Where the snippet sends Caddy's refused handshakes (the `http.stdlib` log).
pub const TLS_ERRORS_LOG: &str = "aop-tls-errors.log";

/// The first Caddy with `trust_pool`.
pub const TRUST_POOL_SINCE: ServerVersion = ServerVersion { major: 2, minor: 8 };

pub(super) fn render(request: &SnippetRequest) -> Result<RenderedBody, SnippetError> {
    let modern = request.server_version.is_none_or(|v| v >= TRUST_POOL_SINCE);
    let mode = match request.phase {
        SnippetPhase::Log => "verify_if_given",
        SnippetPhase::Enforce => "require_and_verify",
    };
    let trust = if modern {
        let files: Vec<String> = request
            .ca_files
            .iter()
            .map(|ca| request.quote(&ca.path))
            .collect();
        format!(
            "\ttrust_pool file {{\n\t\tpem_file {}\n\t}}\n",
            files.join(" ")
        )
    } else {
        if let Some(bundle) = request
            .ca_files
            .iter()
            .find(|ca| ca.certificates.is_some_and(|n| n > 1))
        {
            return Err(SnippetError::Unsupported(format!(
                "{} holds several CAs, but Caddy before 2.8 reads only the first certificate of a trusted_ca_cert_file; pass each CA as its own --ca file",
                bundle.path
            )));
        }
        request
            .ca_files
            .iter()
            .map(|ca| format!("\ttrusted_ca_cert_file {}\n", request.quote(&ca.path)))
            .collect()
    };
    let global = format!(
        "log aop_tls_errors {{\n\toutput file {}\n\tlevel DEBUG\n\tinclude http.stdlib\n}}\n",
        request.log_file(TLS_ERRORS_LOG)
    );
    let site = format!(
        "log {{\n\toutput file {}\n\tformat json\n}}\n",
        request.log_file(super::ACCESS_LOG)
    );
    let tls = format!("client_auth {{\n\tmode {mode}\n{trust}}}\n");
    let mut notes = vec![format!(
        "A verified client certificate shows as request.tls.client_serial (and client_common_name) in the JSON access log, which aop-wizard evidence reads; refused handshakes are logged to {TLS_ERRORS_LOG}."
    )];
    if request.server_version.is_none() {
        notes.push("Written for Caddy 2.8 or later (trust_pool); for older versions pass --server-version (see `caddy version`).".into());
    }
    if request.phase == SnippetPhase::Log {
        notes.push("Go refuses a certificate it cannot verify even here; requests without a certificate are served.".into());
    }
    Ok(RenderedBody {
        prepare: Vec::new(),
        sections: vec![
            SnippetSection {
                placement: Placement::CaddyGlobalOptions,
                text: global,
            },
            SnippetSection {
                placement: Placement::CaddySite,
                text: site,
            },
            SnippetSection {
                placement: Placement::CaddyTls,
                text: tls,
            },
        ],
        config_test: "caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile".into(),
        reload: "systemctl reload caddy".into(),
        notes,
    })
}
