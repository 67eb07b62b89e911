//! `aop-wizard --demo`: everything the wizard needs, on loopback, with no Cloudflare account — the
//! project's fake Cloudflare (unless `CLOUDFLARE_API_BASE_URL` already points at one) and a local
//! origin that applies each snippet phase the way nginx would.

mod origin;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use origin::{DemoOrigin, OriginPhase};

use crate::cloudflare::fake::{DEMO_TOKEN, FakeCloudflare, World};

/// What a demo session runs against. Dropping it stops the servers.
pub struct Demo {
    pub base_url: String,
    pub token: String,
    pub origin: DemoOrigin,
    _fake: Option<FakeCloudflare>,
    /// Holds the origin's access log; after the origin, so that it is gone when removed.
    dir: DemoDir,
}

/// The demo origin's access log, in the nginx log-phase format.
pub const ACCESS_LOG: &str = "aop-access.log";

/// A directory of the demo's own under the system's temporary one, removed when the demo ends.
struct DemoDir(PathBuf);

impl DemoDir {
    fn create() -> std::io::Result<Self> {
        use std::os::unix::fs::DirBuilderExt;
        let pid = std::process::id();
        // The process id is unique among running programs; a directory left by an earlier
        // program that had it (killed outright) is skipped.
        for attempt in 0..100 {
            let dir = std::env::temp_dir().join(format!("aop-wizard-demo-{pid}-{attempt}"));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(Self(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other(format!(
            "no free directory for the demo in {}",
            std::env::temp_dir().display()
        )))
    }
}

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
        let dir = DemoDir::create()?;
        let origin =
            DemoOrigin::start_logging(&["example.com", "www.example.com"], &dir.0.join(ACCESS_LOG))
                .await?;
        Ok(Self {
            base_url,
            token,
            origin,
            _fake: fake,
            dir,
        })
    }

    /// The demo origin's access log (nginx's log-phase format).
    pub fn access_log(&self) -> PathBuf {
        self.dir.0.join(ACCESS_LOG)
    }

    /// The address the demo edge's requests reach the origin from: its own where this machine
    /// has it, else the one the probe's come from too.
    pub fn edge_source(&self) -> IpAddr {
        let origin = self.origin.address();
        crate::cloudflare::fake::edge_source(origin).unwrap_or(origin.ip())
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
