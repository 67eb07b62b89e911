//! nginx: `ssl_verify_client optional` alone still answers 400 to a certificate that fails
//! verification, so the log phase sends those requests (nginx's internal codes 495 and 496) to a
//! named location that serves them anyway. `$ssl_client_verify` keeps the real result.

use super::{NginxFallback, Placement, RenderedBody, SnippetPhase, SnippetRequest, SnippetSection};

pub(super) fn render(request: &SnippetRequest) -> RenderedBody {
    let (ca, prepare) = request.single_ca_file();
    // The connection's own address ($realip_remote_addr: a real_ip set-up rewrites
    // $remote_addr to the visitor's) and the hostname, for `aop-wizard evidence`.
    let log_format = "log_format aop_client_cert '$realip_remote_addr [$time_local] \"$request\" $status '\n                           'client_verify=\"$ssl_client_verify\" client_s_dn=\"$ssl_client_s_dn\" '\n                           'client_i_dn=\"$ssl_client_i_dn\" client_serial=$ssl_client_serial '\n                           'host=\"$host\"';\n";
    let mut server = format!(
        "ssl_client_certificate {ca};\nssl_verify_depth 1;\naccess_log {} aop_client_cert;\n",
        request.log_file(super::ACCESS_LOG)
    );
    match request.phase {
        SnippetPhase::Log => {
            let serve = match &request.nginx_fallback {
                NginxFallback::Proxy(url) => format!("proxy_pass {};", request.quote(url)),
                NginxFallback::Root(dir) => format!("root {};", request.quote(dir)),
            };
            server.push_str(&format!(
                "ssl_verify_client optional;\n\
                 # 495 = certificate failed verification, 496 = no certificate: serve them anyway while logging.\n\
                 error_page 495 496 = @aop_log_only;\n\
                 location @aop_log_only {{\n    {serve}\n}}\n"
            ));
        }
        SnippetPhase::Enforce => server.push_str("ssl_verify_client on;\n"),
    }
    let mut notes = Vec::new();
    if request.phase == SnippetPhase::Log {
        notes.push("Requests whose certificate fails verification are served by the @aop_log_only location: make it serve them as your site does (--nginx-upstream URL or --nginx-root DIR).".into());
    } else {
        notes.push(
            "Remove the @aop_log_only location and its error_page line from the log phase.".into(),
        );
    }
    RenderedBody {
        prepare,
        sections: vec![
            SnippetSection {
                placement: Placement::NginxHttp,
                text: log_format.into(),
            },
            SnippetSection {
                placement: Placement::NginxServer,
                text: server,
            },
        ],
        config_test: "nginx -t".into(),
        reload: "systemctl reload nginx".into(),
        notes,
    }
}
