//! The fake Cloudflare on a runtime of its own, for tests that run the binary against it.

use aop_wizard::cloudflare::fake::{FakeCloudflare, World};

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
