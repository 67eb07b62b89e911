//! One TLS connection to an origin with one client identity, and what came of it: the handshake,
//! whether a client certificate was asked for and from which CAs, the origin's own certificate,
//! and the answer to one HTTP/1.1 request.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use super::ProbeError;

/// What an origin did with one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// The TLS handshake was refused (or the connection dropped right after it, as TLS 1.3
    /// servers do when they reject the client certificate).
    HandshakeRejected {
        alert: String,
    },
    /// nginx: the handshake completes and the request is answered with 400.
    NginxCertificateError {
        message: String,
    },
    /// HTTP 403, as from an HAProxy `http-request deny` rule.
    Forbidden,
    /// Any other HTTP answer: the origin served the request.
    Http {
        status: u16,
    },
    ConnectionRefused,
    Timeout,
    /// Anything else: DNS, routing, a TLS error on our side.
    Failed {
        error: String,
    },
    /// The port answered, but not with TLS.
    NotTls {
        answer: ForeignAnswer,
    },
    /// The origin closed the connection before sending a byte of its handshake.
    ClosedDuringHandshake,
    /// The origin's handshake is larger than TLS allows (a record or message over its limit,
    /// such as a certificate chain of hundreds of KB), so it cannot finish.
    HandshakeTooLarge,
}

impl Outcome {
    /// The origin turned this request away because of the client certificate.
    pub fn is_rejection(&self) -> bool {
        matches!(
            self,
            Outcome::HandshakeRejected { .. }
                | Outcome::NginxCertificateError { .. }
                | Outcome::Forbidden
        )
    }

    pub fn is_served(&self) -> bool {
        matches!(self, Outcome::Http { .. })
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Outcome::ConnectionRefused
                | Outcome::Timeout
                | Outcome::Failed { .. }
                | Outcome::NotTls { .. }
                | Outcome::ClosedDuringHandshake
                | Outcome::HandshakeTooLarge
        )
    }

    /// The HTTP status Cloudflare's edge answers a visitor with when the origin does this to
    /// its connection: the origin's own status, or Cloudflare's 52x for an origin that cannot
    /// be reached or refuses the TLS handshake.
    pub fn status_through_cloudflare(&self) -> u16 {
        match self {
            Outcome::Http { status } => *status,
            Outcome::NginxCertificateError { .. } => 400,
            Outcome::Forbidden => 403,
            Outcome::ConnectionRefused => 521,
            Outcome::Timeout => 522,
            Outcome::Failed { .. } => 520,
            // Cloudflare answers 525 when the origin's handshake fails for any reason.
            Outcome::HandshakeRejected { .. }
            | Outcome::NotTls { .. }
            | Outcome::ClosedDuringHandshake
            | Outcome::HandshakeTooLarge => 525,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Outcome::HandshakeRejected { alert } => format!("handshake rejected ({alert})"),
            Outcome::NginxCertificateError { message } => format!("HTTP 400 \"{message}\""),
            Outcome::Forbidden => "HTTP 403".into(),
            Outcome::Http { status } => format!("served (HTTP {status})"),
            Outcome::ConnectionRefused => "connection refused".into(),
            Outcome::Timeout => "timed out".into(),
            Outcome::Failed { error } => error.clone(),
            Outcome::NotTls {
                answer: ForeignAnswer::PlainHttp,
            } => "not TLS: the port answered plain HTTP".into(),
            Outcome::NotTls {
                answer: ForeignAnswer::SomethingElse,
            } => "not TLS: the port answered something else".into(),
            Outcome::ClosedDuringHandshake => "connection closed during the handshake".into(),
            Outcome::HandshakeTooLarge => {
                "the handshake was too large to finish: the origin sent more than TLS allows in one message"
                    .into()
            }
        }
    }
}

/// What a port that does not speak TLS answered instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForeignAnswer {
    PlainHttp,
    SomethingElse,
}

/// The origin's own certificate: reported, never a reason to fail (origins often use Cloudflare
/// Origin CA certificates, which no browser trusts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerCertificate {
    pub subject: String,
    pub names: Vec<String>,
    /// `None` when it validates for the SNI name against the system's trust store.
    pub validation_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptReport {
    pub outcome: Outcome,
    /// The origin sent a CertificateRequest.
    pub certificate_requested: bool,
    /// The acceptable CA names it listed (raw DER names; see `ca_names`).
    #[serde(skip)]
    pub acceptable_ca_der: Vec<Vec<u8>>,
    pub acceptable_cas: Vec<String>,
    pub server_certificate: Option<ServerCertificate>,
    pub tls_version: Option<String>,
    pub elapsed_ms: u64,
}

/// A client identity ready for rustls: the certificate chain and its key.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    key: Arc<CertifiedKey>,
}

impl ClientIdentity {
    pub fn new(chain_der: Vec<Vec<u8>>, key_pkcs8_der: Vec<u8>) -> Result<Self, ProbeError> {
        let provider = provider();
        let key = provider
            .key_provider
            .load_private_key(rustls::pki_types::PrivateKeyDer::Pkcs8(
                key_pkcs8_der.into(),
            ))
            .map_err(ProbeError::KeyCannotSign)?;
        let chain = chain_der.into_iter().map(CertificateDer::from).collect();
        Ok(Self {
            key: Arc::new(CertifiedKey::new(chain, key)),
        })
    }
}

impl ClientIdentity {
    /// From PEM text: the certificate (chain) and its unencrypted private key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, ProbeError> {
        let here = std::path::Path::new("certificate");
        let chain = crate::pki::certificates_from_pem(cert_pem, here)?;
        let key = crate::pki::private_key_from_pem(key_pem, std::path::Path::new("key"), None)?;
        Self::new(chain, key.key_pair.serialize_der())
    }
}

impl ClientIdentity {
    /// From a certificate file and its unencrypted key file; an error names the file at fault.
    pub fn from_files(cert: &std::path::Path, key: &std::path::Path) -> Result<Self, ProbeError> {
        let chain = crate::pki::load_certificates(cert)?;
        let key = match crate::pki::load_private_key(key, None) {
            Err(crate::pki::PkiError::EncryptedKey { path, .. }) => {
                return Err(ProbeError::EncryptedKey { path });
            }
            loaded => loaded?,
        };
        Self::new(chain, key.key_pair.serialize_der())
    }
}

/// Where to connect and what to ask for.
#[derive(Debug, Clone)]
pub struct AttemptTarget {
    pub address: SocketAddr,
    /// SNI and Host header.
    pub hostname: String,
    pub path: String,
}

pub(super) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Checks the origin's certificate against the system trust store, records the result, and lets
/// the handshake go on whatever it says.
#[derive(Debug)]
struct Observer {
    inner: Option<Arc<dyn ServerCertVerifier>>,
    provider: Arc<CryptoProvider>,
    seen: Mutex<Option<ServerCertificate>>,
}

impl ServerCertVerifier for Observer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let validation_error = match &self.inner {
            Some(inner) => inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .err()
                .map(|e| tls_words(&e)),
            None => Some("no system trust store to check against".into()),
        };
        let (subject, names) =
            crate::pki::inspect_certificate(end_entity.as_ref(), time::OffsetDateTime::now_utc())
                .map(|info| (info.subject, info.subject_alt_names))
                .unwrap_or_default();
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(ServerCertificate {
            subject,
            names,
            validation_error,
        });
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Offers the identity (or an empty certificate) and remembers the CertificateRequest's CA list.
#[derive(Debug)]
struct Capture {
    identity: Option<Arc<CertifiedKey>>,
    hints: Mutex<Option<Vec<Vec<u8>>>>,
}

impl ResolvesClientCert for Capture {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        *self.hints.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(root_hint_subjects.iter().map(|s| s.to_vec()).collect());
        self.identity.clone()
    }

    // rustls only asks the resolver (and so only reveals the hints) when this says yes.
    fn has_certs(&self) -> bool {
        true
    }
}

/// The system's trust store, shared by every attempt of a run.
pub(super) fn system_verifier() -> Option<Arc<dyn ServerCertVerifier>> {
    rustls_platform_verifier::Verifier::new(provider())
        .ok()
        .map(|v| Arc::new(v) as Arc<dyn ServerCertVerifier>)
}

/// `from`: the local address to connect from (the demo edge's own), else the system's choice.
pub(super) async fn attempt(
    target: &AttemptTarget,
    identity: Option<&ClientIdentity>,
    trust: Option<Arc<dyn ServerCertVerifier>>,
    timeout: Duration,
    from: Option<IpAddr>,
) -> AttemptReport {
    let started = Instant::now();
    let observer = Arc::new(Observer {
        inner: trust,
        provider: provider(),
        seen: Mutex::new(None),
    });
    let capture = Arc::new(Capture {
        identity: identity.map(|i| i.key.clone()),
        hints: Mutex::new(None),
    });
    let outcome_and_version = tokio::time::timeout(
        timeout,
        exchange(target, observer.clone(), capture.clone(), from),
    )
    .await;
    let (outcome, tls_version) = match outcome_and_version {
        Ok(result) => result,
        Err(_) => (Outcome::Timeout, None),
    };
    let hints = capture
        .hints
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let acceptable_ca_der = hints.clone().unwrap_or_default();
    AttemptReport {
        outcome,
        certificate_requested: hints.is_some(),
        acceptable_cas: acceptable_ca_der.iter().map(|d| ca_name(d)).collect(),
        acceptable_ca_der,
        server_certificate: observer
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(),
        tls_version,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

async fn connect(address: SocketAddr, from: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let Some(from) = from else {
        return TcpStream::connect(address).await;
    };
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(address).await
}

fn ca_name(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    x509_parser::x509::X509Name::from_der(der)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|_| "(unparsable name)".into())
}

async fn exchange(
    target: &AttemptTarget,
    observer: Arc<Observer>,
    capture: Arc<Capture>,
    from: Option<IpAddr>,
) -> (Outcome, Option<String>) {
    // Every caller's path is checked here too, before anything is sent.
    if let Err(e) = super::check_request_path(&target.path) {
        return (
            Outcome::Failed {
                error: e.to_string(),
            },
            None,
        );
    }
    let received = Arc::new(Mutex::new(Vec::new()));
    let tcp = match connect(target.address, from).await {
        Ok(tcp) => Sniffed {
            tcp,
            first: received.clone(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return (Outcome::ConnectionRefused, None);
        }
        Err(e) => {
            return (
                Outcome::Failed {
                    error: format!("cannot connect: {e}"),
                },
                None,
            );
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(observer)
                .with_client_cert_resolver(capture)
        });
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            return (
                Outcome::Failed {
                    error: e.to_string(),
                },
                None,
            );
        }
    };
    let server_name = match ServerName::try_from(target.hostname.clone()) {
        Ok(name) => name,
        Err(_) => {
            return (
                Outcome::Failed {
                    error: format!(
                        "\"{}\" is not a valid host name",
                        crate::untrusted::shown(&target.hostname)
                    ),
                },
                None,
            );
        }
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut tls = match connector.connect(server_name, tcp).await {
        Ok(tls) => tls,
        Err(e) => {
            let received = received.lock().unwrap_or_else(|e| e.into_inner());
            return (handshake_failure(&e, &received), None);
        }
    };
    let version = tls
        .get_ref()
        .1
        .protocol_version()
        .map(|v| format!("{v:?}").replace('_', "."));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: aop-wizard-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        target.path, target.hostname
    );
    // In TLS 1.3 the server judges the client certificate after its Finished, so a refusal
    // shows up here, on the first write or read, not in the handshake.
    if let Err(e) = tls.write_all(request.as_bytes()).await {
        return (rejection(&e), version);
    }
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tls.read(&mut buffer).await {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buffer[..n]);
                if response.len() > 64 * 1024 {
                    break;
                }
            }
            Err(e) if response.is_empty() => return (rejection(&e), version),
            // Servers often close without close_notify once the answer is sent.
            Err(_) => break,
        }
    }
    (classify_http(&response), version)
}

/// How many of the origin's first bytes are kept to tell TLS from something else.
const SNIFFED: usize = 8;

/// The TCP stream under TLS, keeping the first bytes the origin sent: they tell a port that
/// answers plain HTTP (or anything else) from a TLS server that refused us.
struct Sniffed {
    tcp: TcpStream,
    first: Arc<Mutex<Vec<u8>>>,
}

impl tokio::io::AsyncRead for Sniffed {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut this.tcp).poll_read(cx, buf);
        if polled.is_ready() {
            let mut first = this.first.lock().unwrap_or_else(|e| e.into_inner());
            let fresh = &buf.filled()[before..];
            let room = SNIFFED.saturating_sub(first.len()).min(fresh.len());
            first.extend_from_slice(&fresh[..room]);
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Sniffed {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// Why the handshake failed, given the first bytes the origin sent. Only an alert from a TLS
/// server is a refusal; a port that is not TLS, closes at once or sends more than TLS allows
/// says nothing about the client certificate.
fn handshake_failure(error: &std::io::Error, received: &[u8]) -> Outcome {
    // An HTTP server answers a ClientHello with a status line, or (taking it for HTTP/0.9, as
    // Python's http.server does) with a bare HTML error page.
    if received.starts_with(b"HTTP/") || received.starts_with(b"<") {
        return Outcome::NotTls {
            answer: ForeignAnswer::PlainHttp,
        };
    }
    // A TLS record starts with its type (20 to 23: change cipher spec, alert, handshake,
    // application data) and major version 3.
    let tls_record = matches!(received, [20..=23, 3, ..] | [20..=23]);
    if !received.is_empty() && !tls_record {
        return Outcome::NotTls {
            answer: ForeignAnswer::SomethingElse,
        };
    }
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(
            rustls::Error::PeerSentOversizedRecord
            | rustls::Error::InvalidMessage(
                rustls::InvalidMessage::MessageTooLarge
                | rustls::InvalidMessage::HandshakePayloadTooLarge
                | rustls::InvalidMessage::CertificatePayloadTooLarge,
            ),
        ) => Outcome::HandshakeTooLarge,
        None if received.is_empty() && closed(error) => Outcome::ClosedDuringHandshake,
        Some(rustls::Error::AlertReceived(_)) | None => rejection(error),
        Some(other) => Outcome::Failed {
            error: tls_words(other),
        },
    }
}

fn closed(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
    )
}

/// A rustls error in words: the Display of many variants is Rust debug text.
fn tls_words(error: &rustls::Error) -> String {
    use rustls::CertificateError as Cert;
    let words = match error {
        rustls::Error::AlertReceived(alert) => {
            return format!("the origin sent the TLS alert {}", alert_name(*alert));
        }
        rustls::Error::InvalidCertificate(problem) => match problem {
            Cert::Expired | Cert::ExpiredContext { .. } => "the certificate has expired",
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => {
                "the certificate is not valid yet"
            }
            Cert::UnknownIssuer => "the certificate is not signed by a CA the system trusts",
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                "the certificate is not valid for this hostname"
            }
            Cert::Revoked => "the certificate is revoked",
            Cert::BadSignature => "the certificate's signature does not verify",
            Cert::BadEncoding => "the certificate is malformed",
            Cert::UnhandledCriticalExtension => {
                "the certificate has a critical extension the system cannot check"
            }
            Cert::UnknownRevocationStatus
            | Cert::ExpiredRevocationList
            | Cert::ExpiredRevocationListContext { .. } => {
                "the certificate's revocation status cannot be checked"
            }
            Cert::UnsupportedSignatureAlgorithmContext { .. }
            | Cert::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                "the certificate is signed with an algorithm the probe does not accept"
            }
            Cert::InvalidPurpose | Cert::InvalidPurposeContext { .. } => {
                "the certificate is not meant for a server (its extended key usage)"
            }
            Cert::Other(other) => webpki_words(&other.to_string()),
            _ => "the certificate cannot be validated",
        },
        rustls::Error::PeerIncompatible(_) => {
            "the origin offers no TLS version or cipher suite the probe speaks (TLS 1.2 or 1.3)"
        }
        rustls::Error::NoCertificatesPresented => "the origin presented no certificate",
        rustls::Error::DecryptError => "a TLS record from the origin did not decrypt",
        rustls::Error::PeerMisbehaved(_)
        | rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. } => {
            "the origin broke the TLS protocol"
        }
        _ => "the TLS handshake failed",
    };
    words.into()
}

/// webpki's errors reach rustls only as their Rust names (`CaUsedAsEndEntity`): the ones an
/// origin's certificate can meet, in words; any other still in words, never the name.
fn webpki_words(name: &str) -> &'static str {
    const WORDS: [(&str, &str); 6] = [
        (
            "CaUsedAsEndEntity",
            "the certificate is a CA certificate, not a server certificate",
        ),
        (
            "EndEntityUsedAsCa",
            "a certificate that is not a CA signed the origin's certificate",
        ),
        (
            "RequiredEkuNotFound",
            "the certificate is not meant for a server (its extended key usage)",
        ),
        (
            "NameConstraintViolation",
            "the certificate's names are outside what its CA may sign",
        ),
        (
            "PathLenConstraintViolated",
            "the certificate's chain is longer than its CA allows",
        ),
        (
            "UnsupportedCertVersion",
            "the certificate is of an old X.509 version",
        ),
    ];
    WORDS
        .iter()
        .find(|(rust_name, _)| name.contains(rust_name))
        .map_or("the certificate cannot be validated", |(_, words)| words)
}

/// An alert by its RFC 8446 name: `BadCertificate` becomes `bad_certificate`.
/// An acronym stays one word: `UnknownCA` is `unknown_ca`, `UnknownPSKIdentity`
/// `unknown_psk_identity`; an alert rustls has no name for is `alert 42`.
fn alert_name(alert: rustls::AlertDescription) -> String {
    if let rustls::AlertDescription::Unknown(code) = alert {
        return format!("alert {code}");
    }
    let rust_name: Vec<char> = format!("{alert:?}").chars().collect();
    let mut name = String::new();
    for (i, &c) in rust_name.iter().enumerate() {
        let after_lower = i > 0 && rust_name[i - 1].is_ascii_lowercase();
        let acronym_ends = i > 0
            && rust_name[i - 1].is_ascii_uppercase()
            && rust_name.get(i + 1).is_some_and(char::is_ascii_lowercase);
        if c.is_ascii_uppercase() && (after_lower || acronym_ends) {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

fn rejection(error: &std::io::Error) -> Outcome {
    let alert = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .map(tls_words);
    match (alert, error.kind()) {
        (Some(alert), _) => Outcome::HandshakeRejected { alert },
        (
            None,
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe,
        ) => Outcome::HandshakeRejected {
            alert: "connection closed by the origin".into(),
        },
        (None, _) => Outcome::Failed {
            error: error.to_string(),
        },
    }
}

/// nginx's answer when it refused a client certificate: none sent, or one it could not verify
/// (an unknown CA, expired). Both are HTTP 400, told apart from an application's 400 by the
/// page nginx writes; the probe and the request through Cloudflare read them here.
pub const NGINX_NO_CERTIFICATE: &str = "No required SSL certificate was sent";
const NGINX_CERTIFICATE_ERROR: &str = "The SSL certificate error";

pub fn nginx_certificate_error(status: u16, body: &str) -> Option<&'static str> {
    [NGINX_NO_CERTIFICATE, NGINX_CERTIFICATE_ERROR]
        .into_iter()
        .find(|message| status == 400 && body.contains(message))
}

fn classify_http(response: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(response);
    let status = text
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok());
    let Some(status) = status else {
        return if response.is_empty() {
            Outcome::HandshakeRejected {
                alert: "connection closed before any answer".into(),
            }
        } else {
            Outcome::Failed {
                error: "the origin's answer is not HTTP/1.1".into(),
            }
        };
    };
    match status {
        400 => match nginx_certificate_error(status, &text) {
            Some(message) => Outcome::NginxCertificateError {
                message: message.to_string(),
            },
            None => Outcome::Http { status },
        },
        403 => Outcome::Forbidden,
        _ => Outcome::Http { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_certificate_errors_are_told_apart_from_a_plain_400() {
        let no_cert = b"HTTP/1.1 400 Bad Request\r\n\r\n<center>No required SSL certificate was sent</center>";
        assert!(classify_http(no_cert).is_rejection());
        let bad_cert =
            b"HTTP/1.1 400 Bad Request\r\n\r\n<center>The SSL certificate error</center>";
        assert!(classify_http(bad_cert).is_rejection());
        let app_400 = b"HTTP/1.1 400 Bad Request\r\n\r\nmissing parameter";
        assert_eq!(classify_http(app_400), Outcome::Http { status: 400 });
        assert_eq!(
            classify_http(b"HTTP/1.1 403 Forbidden\r\n\r\n"),
            Outcome::Forbidden
        );
        assert!(classify_http(b"HTTP/1.1 404 Not Found\r\n\r\n").is_served());
        assert!(classify_http(b"").is_rejection());
        assert!(classify_http(b"SSH-2.0-OpenSSH").is_unreachable());
    }

    #[test]
    fn tls_errors_are_told_in_words_without_rust_debug_text() {
        let ca_as_server = rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
            rustls::OtherError(Arc::new(std::io::Error::other("CaUsedAsEndEntity"))),
        ));
        assert_eq!(
            tls_words(&ca_as_server),
            "the certificate is a CA certificate, not a server certificate"
        );
        let other = |name: &str| {
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                Arc::new(std::io::Error::other(name.to_string())),
            )))
        };
        assert_eq!(
            tls_words(&other("EndEntityUsedAsCa")),
            "a certificate that is not a CA signed the origin's certificate"
        );
        assert_eq!(
            tls_words(&other("SomethingNew { detail: 1 }")),
            "the certificate cannot be validated"
        );
        assert_eq!(
            tls_words(&rustls::Error::InvalidCertificate(
                rustls::CertificateError::InvalidPurpose
            )),
            "the certificate is not meant for a server (its extended key usage)"
        );
        assert_eq!(
            tls_words(&rustls::Error::AlertReceived(
                rustls::AlertDescription::CertificateRequired
            )),
            "the origin sent the TLS alert certificate_required"
        );
        for (alert, name) in [
            (rustls::AlertDescription::UnknownCA, "unknown_ca"),
            (
                rustls::AlertDescription::UnknownPSKIdentity,
                "unknown_psk_identity",
            ),
            (rustls::AlertDescription::BadCertificate, "bad_certificate"),
            (rustls::AlertDescription::Unknown(200), "alert 200"),
        ] {
            assert_eq!(alert_name(alert), name);
        }
        assert_eq!(
            tls_words(&rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
            )),
            "the origin broke the TLS protocol"
        );
    }

    #[test]
    fn only_a_tls_alert_during_the_handshake_is_a_refusal() {
        let tls = |e: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let hello = [0x16, 0x03, 0x03, 0x00, 0x7a];
        let alert = tls(rustls::Error::AlertReceived(
            rustls::AlertDescription::BadCertificate,
        ));
        assert!(handshake_failure(&alert, &hello).is_rejection());
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert_eq!(handshake_failure(&eof, &[]), Outcome::ClosedDuringHandshake);
        // Closed after the origin's first flight: a TLS 1.2 server turning the certificate away.
        assert!(handshake_failure(&eof, &hello).is_rejection());
        let html = b"<!DOCTYP";
        assert_eq!(
            handshake_failure(&eof, html),
            Outcome::NotTls {
                answer: ForeignAnswer::PlainHttp
            }
        );
        let incompatible = tls(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls12NotOffered,
        ));
        assert!(handshake_failure(&incompatible, &hello).is_unreachable());
    }
}
