//! `aop-wizard --demo`: everything the wizard needs, on loopback, with no Cloudflare account — the
//! project's fake Cloudflare (unless `CLOUDFLARE_API_BASE_URL` already points at one) and a local
//! origin that applies each snippet phase the way nginx would.

mod origin;

use std::net::SocketAddr;

pub use origin::{DemoOrigin, OriginPhase};

use crate::cloudflare::fake::{DEMO_TOKEN, FakeCloudflare, World};

/// What a demo session runs against. Dropping it stops the servers.
pub struct Demo {
    pub base_url: String,
    pub token: String,
    pub origin: DemoOrigin,
    _fake: Option<FakeCloudflare>,
}

impl Demo {
    /// Starts the demo inside the current tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let external = std::env::var(crate::cloudflare::BASE_URL_ENV)
            .ok()
            .filter(|u| !u.is_empty());
        let (base_url, fake) = match external {
            Some(url) => (url, None),
            None => {
                let fake = FakeCloudflare::start(World::demo(), 0).await?;
                (fake.base_url(), Some(fake))
            }
        };
        let token = std::env::var(crate::token_store::TOKEN_ENV)
            .ok()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| DEMO_TOKEN.to_string());
        let origin = DemoOrigin::start(&["example.com", "www.example.com"]).await?;
        Ok(Self {
            base_url,
            token,
            origin,
            _fake: fake,
        })
    }

    /// The demo edge for `hostname`: the fake connects to the demo origin as Cloudflare would.
    pub fn edge_url(&self, hostname: &str) -> String {
        edge_url(&self.base_url, hostname, self.origin.address())
    }

    /// The CA (DER) of the demo edge's stand-in for Cloudflare's shared certificate, asked of
    /// the fake: the demo origin trusts it in the global phases, beside Cloudflare's real CA.
    /// It exists only in the demo; a real origin trusts Cloudflare's CA alone.
    pub async fn shared_stand_in_ca(&self) -> Result<Vec<u8>, String> {
        let url = format!("{}/edge-ca", fake_root(&self.base_url));
        let unusable = |why: String| {
            format!("the demo's fake Cloudflare at {url} gave no stand-in CA for global AOP: {why}")
        };
        let response = reqwest::get(&url)
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| unusable(e.to_string()))?;
        let pem = response.text().await.map_err(|e| unusable(e.to_string()))?;
        let ders = crate::pki::certificates_from_pem(&pem, std::path::Path::new(&url))
            .map_err(|e| unusable(e.to_string()))?;
        ders.into_iter()
            .next()
            .ok_or_else(|| unusable("no certificate in the answer".into()))
    }
}

/// The fake's own endpoints live beside its API, at the root of its address.
fn fake_root(base_url: &str) -> &str {
    base_url
        .trim_end_matches('/')
        .trim_end_matches("/client/v4")
}

/// The fake's edge endpoint: `http://HOST:PORT/edge/NAME?origin=ADDR`.
pub fn edge_url(base_url: &str, hostname: &str, origin: SocketAddr) -> String {
    format!("{}/edge/{hostname}?origin={origin}", fake_root(base_url))
}
