//! A small HTTPS origin on 127.0.0.1 that behaves like nginx with each snippet phase: open (no
//! client certificate asked), log (asks, serves without one), enforce (refuses without one). It
//! logs every request it serves as nginx does with the log-phase snippet (`aop_client_cert`),
//! so the wizard's evidence reads a real log of real requests.

use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::pki;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginPhase {
    Open,
    /// Trusts these CA certificates (DER) but serves without a certificate.
    Log(Vec<Vec<u8>>),
    Enforce(Vec<Vec<u8>>),
}

impl OriginPhase {
    pub fn name(&self) -> &'static str {
        match self {
            OriginPhase::Open => "open",
            OriginPhase::Log(_) => "log",
            OriginPhase::Enforce(_) => "enforce",
        }
    }
}

pub struct DemoOrigin {
    address: SocketAddr,
    phase: Arc<RwLock<OriginPhase>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DemoOrigin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DemoOrigin {
    /// Serves `names` on 127.0.0.1.
    pub async fn start(names: &[&str]) -> std::io::Result<Self> {
        Self::serve_names(names, None).await
    }

    /// As `start`, logging each request to `access_log` (a new file) as nginx would.
    pub async fn start_logging(names: &[&str], access_log: &Path) -> std::io::Result<Self> {
        let file = File::options()
            .append(true)
            .create_new(true)
            .open(access_log)?;
        Self::serve_names(names, Some(Arc::new(Mutex::new(file)))).await
    }

    async fn serve_names(names: &[&str], log: Option<Log>) -> std::io::Result<Self> {
        let identity = server_identity(names).map_err(std::io::Error::other)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let phase = Arc::new(RwLock::new(OriginPhase::Open));
        let shared = phase.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let current = shared
                    .read()
                    .map(|p| p.clone())
                    .unwrap_or(OriginPhase::Open);
                let Ok(config) = server_config(&identity, &current) else {
                    continue;
                };
                tokio::spawn(serve(
                    stream,
                    peer.ip(),
                    config,
                    current.name(),
                    log.clone(),
                ));
            }
        });
        Ok(Self {
            address,
            phase,
            task,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// What "install the snippet and reload" does on a real origin.
    pub fn set_phase(&self, phase: OriginPhase) {
        if let Ok(mut current) = self.phase.write() {
            *current = phase;
        }
    }

    pub fn phase(&self) -> OriginPhase {
        self.phase
            .read()
            .map(|p| p.clone())
            .unwrap_or(OriginPhase::Open)
    }
}

type Identity = (Vec<CertificateDer<'static>>, Vec<u8>);
type Log = Arc<Mutex<File>>;

fn server_identity(names: &[&str]) -> Result<Identity, String> {
    let set = pki::generate_ephemeral(
        "aop-wizard demo origin CA",
        // The names are in the certificate's SANs; its common name only has to fit 64.
        &names
            .first()
            .copied()
            .unwrap_or("localhost")
            .chars()
            .take(64)
            .collect::<String>(),
        pki::LeafPurpose::ServerAuth {
            names: names.iter().map(|n| n.to_string()).collect(),
        },
        30,
    )
    .map_err(|e| e.to_string())?;
    Ok((
        vec![CertificateDer::from(set.leaf.cert_der.clone())],
        set.leaf.key_der(),
    ))
}

fn server_config(
    (chain, key): &Identity,
    phase: &OriginPhase,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let roots = |cas: &[Vec<u8>]| -> Result<Arc<RootCertStore>, String> {
        let mut store = RootCertStore::empty();
        for der in cas {
            store
                .add(CertificateDer::from(der.clone()))
                .map_err(|e| e.to_string())?;
        }
        Ok(Arc::new(store))
    };
    let builder = match phase {
        OriginPhase::Open => builder.with_no_client_auth(),
        OriginPhase::Log(cas) => builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(roots(cas)?, provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| e.to_string())?,
        ),
        OriginPhase::Enforce(cas) => builder.with_client_cert_verifier(
            WebPkiClientVerifier::builder_with_provider(roots(cas)?, provider)
                .build()
                .map_err(|e| e.to_string())?,
        ),
    };
    let config = builder
        .with_single_cert(chain.clone(), PrivateKeyDer::Pkcs8(key.clone().into()))
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

async fn serve(
    stream: tokio::net::TcpStream,
    peer: IpAddr,
    config: Arc<rustls::ServerConfig>,
    phase: &str,
    log: Option<Log>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let Ok(mut tls) = acceptor.accept(stream).await else {
        return;
    };
    let mut request = Vec::new();
    let mut buffer = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match tls.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let connection = tls.get_ref().1;
    let client_certificate = connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|der| der.to_vec());
    if let Some(log) = log {
        let line = access_log_line(
            peer,
            time::OffsetDateTime::now_utc(),
            &request,
            connection.server_name(),
            client_certificate.as_deref(),
        );
        if let Ok(mut file) = log.lock()
            && let Err(error) = file.write_all(line.as_bytes())
        {
            tracing::warn!(%error, "the demo origin's access log was not written");
        }
    }
    let body = format!(
        "Hello from the aop-wizard demo origin (phase: {phase}, client certificate: {})\n",
        if client_certificate.is_some() {
            "verified"
        } else {
            "none"
        }
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.shutdown().await;
}

/// One request as nginx logs it with the log-phase snippet's `aop_client_cert` format, values
/// escaped as nginx escapes them (`"`, `\\`, controls and non-ASCII bytes as `\xHH`). A client
/// certificate reached here only verified: rustls refuses one that is not at the handshake.
fn access_log_line(
    peer: IpAddr,
    now: time::OffsetDateTime,
    request: &[u8],
    sni: Option<&str>,
    client_certificate: Option<&[u8]>,
) -> String {
    let head = request
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let mut lines = head;
    let request_line = lines.next().unwrap_or_default();
    // nginx's $host: the Host header without its port, in lower case; else the server's name.
    let host = lines
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (name, value) = l.split_at(l.iter().position(|b| *b == b':')?);
            name.eq_ignore_ascii_case(b"host")
                .then(|| value[1..].trim_ascii())
        })
        .map(|host| {
            let end = match host.iter().rposition(|b| *b == b':') {
                Some(colon) if !host.contains(&b']') || host[..colon].ends_with(b"]") => colon,
                _ => host.len(),
            };
            host[..end].to_ascii_lowercase()
        })
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| sni.unwrap_or("-").as_bytes().to_vec());
    let certificate = client_certificate
        .and_then(|der| x509_parser::parse_x509_certificate(der).ok())
        .map(|(_, cert)| {
            let serial: String = cert
                .raw_serial()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect();
            (
                cert.subject().to_string(),
                cert.issuer().to_string(),
                serial,
            )
        });
    let (verify, subject, issuer, serial) = match &certificate {
        Some((subject, issuer, serial)) => (
            "SUCCESS",
            subject.as_str(),
            issuer.as_str(),
            serial.as_str(),
        ),
        None => ("NONE", "", "", "-"),
    };
    let time = now
        .format(time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        ))
        .unwrap_or_default();
    format!(
        "{peer} [{time}] \"{}\" 200 client_verify=\"{verify}\" client_s_dn=\"{}\" client_i_dn=\"{}\" client_serial={serial} host=\"{}\"\n",
        nginx_escaped(request_line),
        nginx_escaped(subject.as_bytes()),
        nginx_escaped(issuer.as_bytes()),
        nginx_escaped(&host),
    )
}

/// As nginx escapes a variable in a log line.
fn nginx_escaped(value: &[u8]) -> String {
    let mut escaped = String::with_capacity(value.len());
    for &b in value {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            escaped.push_str(&format!("\\x{b:02X}"));
        } else {
            escaped.push(char::from(b));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::{Line, Seen, parse};
    use crate::snippets::WebServer;

    #[test]
    fn lines_are_the_nginx_log_phase_format() {
        let now = time::macros::datetime!(2026-11-30 13:10:40 UTC);
        let hostile =
            b"GET /\x1b[2J HTTP/1.1\r\nHost: WWW.\x1b[2J\xe2\x80\xae\"x.Example.com:8443\r\n\r\n";
        let line = access_log_line("127.0.0.2".parse().unwrap(), now, hostile, None, None);
        assert!(
            line.ends_with('\n') && line.matches('\n').count() == 1,
            "{line}"
        );
        assert!(
            !line
                .trim_end()
                .chars()
                .any(|c| c.is_control() || !c.is_ascii()),
            "{line}"
        );
        let Ok(Line::Request(request)) = parse(WebServer::Nginx, line.trim_end()) else {
            panic!("{line}")
        };
        assert_eq!(request.client, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(request.time, Some(now.unix_timestamp()));
        assert_eq!(request.seen, Seen::Missing);
        assert_eq!(
            request.hostname.as_deref(),
            Some("www.\\x1B[2j\\xE2\\x80\\xAE\\x22x.example.com")
        );
        let plain = access_log_line(
            "127.0.0.1".parse().unwrap(),
            now,
            b"GET / HTTP/1.1\r\nhost: example.com:443\r\n\r\n",
            Some("example.com"),
            None,
        );
        let Ok(Line::Request(request)) = parse(WebServer::Nginx, plain.trim_end()) else {
            panic!("{plain}")
        };
        assert_eq!(request.hostname.as_deref(), Some("example.com"));
        // No Host header: the name the client asked for in the handshake.
        let sni = access_log_line(
            "127.0.0.1".parse().unwrap(),
            now,
            b"GET / HTTP/1.0\r\n\r\n",
            Some("www.example.com"),
            None,
        );
        assert!(sni.ends_with("host=\"www.example.com\"\n"), "{sni}");
    }
}
