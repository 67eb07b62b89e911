//! Apache httpd (mod_ssl). In the log phase `optional_no_ca` lets a certificate from an unknown CA
//! through (logged as FAILED or GENEROUS), which is the mistake the log phase exists to catch;
//! plain `optional` would refuse it at the handshake. Expired or wrong-purpose certificates still
//! fail the handshake: mod_ssl has no way to accept them.

use super::{Placement, RenderedBody, SnippetPhase, SnippetRequest, SnippetSection};

pub(super) fn render(request: &SnippetRequest) -> RenderedBody {
    let (ca, prepare) = request.single_ca_file();
    let verify = match request.phase {
        SnippetPhase::Log => "optional_no_ca",
        SnippetPhase::Enforce => "require",
    };
    let text = format!(
        "LogFormat \"%{{c}}a %t \\\"%r\\\" %>s client_verify=\\\"%{{SSL_CLIENT_VERIFY}}x\\\" client_s_dn=\\\"%{{SSL_CLIENT_S_DN}}x\\\" client_i_dn=\\\"%{{SSL_CLIENT_I_DN}}x\\\" client_serial=%{{SSL_CLIENT_M_SERIAL}}x host=\\\"%{{Host}}i\\\"\" aop_client_cert\n\
         CustomLog {log} aop_client_cert\n\
         SSLCACertificateFile {ca}\n\
         SSLVerifyClient {verify}\n\
         # 1 = the client certificate is signed directly by a listed CA, as Cloudflare's is.\n\
         SSLVerifyDepth 1\n\
         # Refused handshakes are only visible in the error log, at ssl:info.\n\
         LogLevel ssl:info\n",
        log = request.log_file(super::ACCESS_LOG),
    );
    let mut notes = vec!["Keep SSLVerifyClient at VirtualHost level: per-directory use needs renegotiation, which HTTP/2 and TLS 1.3 clients refuse.".to_string()];
    if request.phase == SnippetPhase::Log {
        notes.push("An expired or wrong-purpose certificate is still refused at the handshake in this phase; requests without a certificate are served.".into());
    }
    RenderedBody {
        prepare,
        sections: vec![SnippetSection {
            placement: Placement::ApacheVirtualHost,
            text,
        }],
        config_test: "apachectl configtest".into(),
        reload: "systemctl reload apache2   (httpd on RHEL)".into(),
        notes,
    }
}
