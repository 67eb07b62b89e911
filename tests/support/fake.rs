//! The fake Cloudflare on a runtime of its own, for tests that run the binary against it.

use aop_wizard::cloudflare::fake::{DEMO_TOKEN, FakeCloudflare, World};
use aop_wizard::cloudflare::{ApiToken, Client, Credentials, RetryPolicy};

/// A fake on its own runtime, alive for the test.
pub struct Fake {
    pub fake: FakeCloudflare,
    pub runtime: tokio::runtime::Runtime,
}

pub fn fake() -> Fake {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime
        .block_on(FakeCloudflare::start(World::demo(), 0))
        .unwrap();
    Fake { fake, runtime }
}

impl Fake {
    /// A client with the demo token, for arranging the fake's state from a test.
    pub fn client(&self) -> Client {
        Client::new(
            &self.fake.base_url(),
            Credentials::Token(ApiToken::new(DEMO_TOKEN)),
            RetryPolicy::default(),
        )
        .unwrap()
    }
}
