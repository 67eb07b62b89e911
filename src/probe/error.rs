//! What can stop a probe before it has a verdict, in words a user can act on.

/// Why the probe could not be set up or run. An origin that refuses or does not answer is not an
/// error: that is what the probe reports.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The text given as an origin is not an IP address (with or without a port).
    #[error(
        "\"{}\" is not an origin address: give an IP address, optionally with :PORT (for example 203.0.113.10 or 203.0.113.10:8443)",
        crate::untrusted::shown(text)
    )]
    NotAnOrigin { text: String },
    /// An address whose port is out of range (0, or above 65535).
    #[error(
        "\"{}\" is not an origin address: its port {port} is not one (1 to 65535; 443 when none is given)",
        crate::untrusted::shown(text)
    )]
    BadPort { text: String, port: String },
    /// An address of Cloudflare's edge: probing it would judge Cloudflare, not the origin.
    #[error(
        "{address} is one of Cloudflare's own addresses, not the origin's: give the address of the server behind Cloudflare (the content of its DNS record in the dashboard)"
    )]
    CloudflareAddress { address: std::net::IpAddr },
    /// The client certificate or its key cannot be read or parsed. The message already names the
    /// cause, so the `PkiError` is not also given as a source (a chain would say it twice).
    #[error("{0}")]
    Certificate(crate::pki::PkiError),
    /// rustls cannot sign with the client key.
    #[error("the client key cannot sign: {0}")]
    KeyCannotSign(rustls::Error),
    /// Cloudflare's CA shipped in the binary does not parse or is not the pinned one.
    #[error("{0}")]
    CloudflareCa(String),
    /// One of the concurrent attempts panicked or was cancelled.
    #[error("a probe task failed: {0}")]
    TaskFailed(tokio::task::JoinError),
    /// The probe presents the key to the origin itself, so it cannot be passphrase-protected.
    #[error(
        "{} is encrypted with a passphrase, but the probe presents it to the origin and needs it plain: decrypt a copy with `openssl pkey -in {0} -out {0}.plain` and pass that", path.display()
    )]
    EncryptedKey { path: std::path::PathBuf },
    /// The request path would not go on the wire as one request line.
    #[error("the request path \"{}\" {reason}", crate::untrusted::exact(.path, 200))]
    BadRequestPath { path: String, reason: String },
}

impl From<crate::pki::PkiError> for ProbeError {
    fn from(error: crate::pki::PkiError) -> Self {
        ProbeError::Certificate(error)
    }
}
