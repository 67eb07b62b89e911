//! HAProxy. `verify optional` alone still aborts the handshake on a bad certificate; the log phase
//! needs `crt-ignore-err all ca-ignore-err all` to really accept and log. `ssl_c_verify` is 0 when
//! no certificate was sent, so the log always carries `ssl_c_used` beside it.

use super::{Placement, RenderedBody, SnippetPhase, SnippetRequest, SnippetSection};

pub(super) fn render(request: &SnippetRequest) -> RenderedBody {
    let (ca, prepare) = request.single_ca_file();
    let bind = match request.phase {
        SnippetPhase::Log => {
            format!("ca-file {ca} verify optional crt-ignore-err all ca-ignore-err all")
        }
        SnippetPhase::Enforce => format!("ca-file {ca} verify required"),
    };
    // %trl carries the zone; the Host header goes through a variable (a log-format cannot read
    // headers) and `json` escapes quotes, so a client's value cannot pose as another field.
    let frontend = "http-request set-var(txn.aop_host) req.hdr(host)\n\
                    log-format \"%ci:%cp [%trl] %ft %{+Q}r %ST client_cert_used=%[ssl_c_used] client_verify=%[ssl_c_verify] client_err=%[ssl_c_err] client_ca_err=%[ssl_c_ca_err] client_s_dn=%{+Q}[ssl_c_s_dn,json(utf8s)] client_i_dn=%{+Q}[ssl_c_i_dn,json(utf8s)] host=%{+Q}[var(txn.aop_host),json(utf8s)]\"\n\
                    error-log-format \"%ci:%cp [%trl] %ft TLS handshake refused: client_err=%[ssl_c_err] client_ca_err=%[ssl_c_ca_err] reason=%{+Q}[ssl_fc_err_str]\"\n";
    RenderedBody {
        prepare,
        sections: vec![
            SnippetSection {
                placement: Placement::HaproxyBindOptions,
                text: format!("{bind}\n"),
            },
            SnippetSection {
                placement: Placement::HaproxyFrontend,
                text: frontend.into(),
            },
        ],
        config_test: "haproxy -c -f /etc/haproxy/haproxy.cfg".into(),
        reload: "systemctl reload haproxy".into(),
        notes: vec![format!(
            "client_verify is an X.509 error code (0 = verified) and means nothing unless client_cert_used=1; logs go to the `log` target of the global section, not to {}.",
            request.log_dir()
        )],
    }
}
