//! A small HTTPS origin on 127.0.0.1 that behaves like nginx with each snippet phase: open (no
//! client certificate asked), log (asks, serves without one), enforce (refuses without one).

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

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
    pub async fn start(names: &[&str]) -> std::io::Result<Self> {
        let identity = server_identity(names).map_err(std::io::Error::other)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let phase = Arc::new(RwLock::new(OriginPhase::Open));
        let shared = phase.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let current = shared
                    .read()
                    .map(|p| p.clone())
                    .unwrap_or(OriginPhase::Open);
                let Ok(config) = server_config(&identity, &current) else {
                    continue;
                };
                tokio::spawn(serve(stream, config, current.name()));
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

async fn serve(stream: tokio::net::TcpStream, config: Arc<rustls::ServerConfig>, phase: &str) {
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
    let verified = tls.get_ref().1.peer_certificates().is_some();
    let body = format!(
        "Hello from the aop-wizard demo origin (phase: {phase}, client certificate: {})\n",
        if verified { "verified" } else { "none" }
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes()).await;
    let _ = tls.shutdown().await;
}
