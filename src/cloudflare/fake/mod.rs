//! A faithful fake of Cloudflare's v4 API for Authenticated Origin Pulls: a real HTTP server on
//! 127.0.0.1 with state, built to `shared/reference/cloudflare-api.md`. Tests and `--demo` start
//! it; the real client talks to it over HTTP like to api.cloudflare.com.
//!
//! What it reproduces: the envelope and error shapes; tokens with a permission set checked per
//! operation; leaf-only uploads; key mismatch and encrypted keys refused; `pending_deployment` →
//! `active` after a number of polls or a delay; "the most recently deployed active certificate is
//! the one in use"; ≤ 10 hostname certificates per zone and ≤ 100 hostnames per certificate; 1415
//! for a zone certificate id in a hostname PUT; hostname certificates deletable only once each
//! hostname they ever served was voided with `null` for them (`CertificateRelease`, as the API
//! reference says; a laxer mode frees them on re-pointing); a deleted certificate listed as
//! `pending_deletion` for a few reads before it is gone; the GET of a hostname without an
//! association answered with an empty object or, in the other mode, a 404
//! (`UnassociatedAnswer`); Cloudflare for SaaS custom hostnames; 1200 requests per 5 minutes.
//! For tests it injects faults (429, 500, a timeout, malformed JSON, an error worded by the test)
//! on the Nth call of an operation, hangs (`hang`) and records every request.
//!
//! It can also lie: after `ignore_writes("set_zone_aop_setting")` (any operation name `classify`
//! in `routes.rs` gives a write: `edit_setting`, `set_zone_aop_setting`,
//! `set_hostname_associations`, `create_alert_policy`, ...) that write is still checked and
//! carried out to build its answer, which reports success and claims the requested value, but the
//! zones and alert policies are then put back as they were, so only a later read (the client's
//! read-back) shows that nothing changed. Errors are answered as usual. `heed_writes` ends it.

mod routes;
mod world;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use world::{
    Activation, CertificateRelease, DEFAULT_DELETION_READS, FakeZoneView, Fault, FaultKind,
    Permission, RecordedRequest, UnassociatedAnswer, World, ZoneSeed,
};

/// The loopback address the demo edge connects to an origin on loopback from, where this
/// machine has it (Linux answers for all of 127.0.0.0/8): the origin's log tells the edge's
/// requests from the probe's (127.0.0.1), as a real origin's tells Cloudflare's ranges apart.
pub const EDGE_SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// Where the demo edge connects to `origin` from: `EDGE_SOURCE` for an origin on IPv4 loopback
/// when that address can be bound here; else `None` (the system's choice).
pub fn edge_source(origin: SocketAddr) -> Option<IpAddr> {
    static BINDABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let bindable = *BINDABLE.get_or_init(|| std::net::TcpListener::bind((EDGE_SOURCE, 0)).is_ok());
    (bindable && origin.ip().is_loopback() && origin.is_ipv4()).then_some(EDGE_SOURCE)
}

/// The token `--demo` and `fake-api` hand out; it has every permission.
pub const DEMO_TOKEN: &str = "demo-token-aop-wizard-0000000000000000";

pub struct FakeCloudflare {
    address: SocketAddr,
    world: Arc<Mutex<World>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeCloudflare {
    /// Starts the fake on 127.0.0.1 (`port` 0 picks a free one) inside the current tokio runtime.
    pub async fn start(world: World, port: u16) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let world = Arc::new(Mutex::new(world));
        let app = routes::router(world.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            address,
            world,
            task,
        })
    }

    /// What `CLOUDFLARE_API_BASE_URL` is set to for the client.
    pub fn base_url(&self) -> String {
        format!("http://{}/client/v4", self.address)
    }

    /// The demo edge's URL for a hostname whose origin listens on `origin`.
    pub fn edge_url(&self, hostname: &str, origin: SocketAddr) -> String {
        format!("http://{}/edge/{hostname}?origin={origin}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    fn with<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut world)
    }

    /// The `nth` call (1-based) of `operation` fails with `kind`.
    pub fn inject_fault(&self, operation: &str, nth: u32, kind: FaultKind) {
        self.with(|w| {
            w.faults.push(Fault {
                operation: operation.to_string(),
                nth,
                kind,
            })
        });
    }

    /// From now on, requests of `operation` (every request, with `None`) are recorded and then
    /// never answered: the connection stays open, as with an API that hangs.
    pub fn hang(&self, operation: Option<&str>) {
        self.with(|w| match operation {
            Some(operation) => {
                w.hanging.insert(operation.to_string());
            }
            None => w.hang_every_request = true,
        });
    }

    /// From now on, `operation` (a write, named as `classify` names it, e.g. `edit_setting`)
    /// answers success, claiming the requested value, but changes nothing.
    pub fn ignore_writes(&self, operation: &str) {
        self.with(|w| w.ignored_writes.insert(operation.to_string()));
    }

    /// Undoes `ignore_writes`: `operation` changes things again.
    pub fn heed_writes(&self, operation: &str) {
        self.with(|w| w.ignored_writes.remove(operation));
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.with(|w| w.requests.clone())
    }

    pub fn calls(&self, operation: &str) -> u32 {
        self.with(|w| w.calls.get(operation).copied().unwrap_or(0))
    }

    /// Each change that left a switched-on scope without an active certificate, in order.
    pub fn coverage_gaps(&self) -> Vec<String> {
        self.with(|w| w.gaps.clone())
    }

    pub fn zone(&self, name: &str) -> Option<FakeZoneView> {
        self.with(|w| w.zone_view(name))
    }

    pub fn set_rate_limit(&self, requests: usize, window: Duration) {
        self.with(|w| {
            w.rate_limit = requests;
            w.rate_window = window;
        });
    }

    pub fn set_activation(&self, activation: Activation) {
        self.with(|w| w.activation = activation);
    }

    pub fn add_token(&self, token: &str, permissions: &[Permission]) {
        self.with(|w| w.add_token(token, permissions, false));
    }

    /// How many reads a deleted certificate is still listed as `pending_deletion`.
    pub fn set_deletion_reads(&self, reads: u32) {
        self.with(|w| w.deletion_reads = reads);
    }

    pub fn set_certificate_release(&self, release: CertificateRelease) {
        self.with(|w| w.certificate_release = release);
    }

    /// What `GET /ips` answers from now on.
    pub fn set_published_ranges(&self, ipv4: &[&str], ipv6: &[&str]) {
        let owned = |list: &[&str]| list.iter().map(|r| r.to_string()).collect();
        self.with(|w| w.published_ranges = (owned(ipv4), owned(ipv6)));
    }

    pub fn set_unassociated_answer(&self, answer: UnassociatedAnswer) {
        self.with(|w| w.unassociated = answer);
    }

    /// A Cloudflare for SaaS custom hostname on `zone`; false when there is no such zone.
    pub fn add_custom_hostname(&self, zone: &str, hostname: &str) -> bool {
        self.with(|w| {
            let id = w.uuid();
            w.zones
                .iter_mut()
                .find(|z| z.name == zone)
                .map(|z| z.custom_hostnames.push((id, hostname.to_string())))
                .is_some()
        })
    }
}

impl Drop for FakeCloudflare {
    fn drop(&mut self) {
        self.task.abort();
    }
}
