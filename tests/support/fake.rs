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
    /// The binary as a user runs it against this fake: the demo token from the environment, no
    /// keyring, progress kept in `data`, no colour, nothing on stdin.
    pub fn aop(&self, data: &std::path::Path) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
        command
            .env("CLOUDFLARE_API_BASE_URL", self.fake.base_url())
            .env("CLOUDFLARE_API_TOKEN", DEMO_TOKEN)
            .env("AOP_WIZARD_KEYRING", "none")
            .env("AOP_WIZARD_DATA_DIR", data)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        command
    }

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

/// What the set-up leaves on Cloudflare, made with the binary as a user would: an ECDSA CA and
/// client certificate in `dir`, uploaded and active, zone-level AOP on — or, with `hostname`,
/// a per-hostname certificate enabled for it. `run` runs the binary and asserts it succeeded.
pub fn certificate_on_cloudflare(
    run: &dyn Fn(&[&str]),
    dir: &std::path::Path,
    hostname: Option<&str>,
) {
    run(&[
        "cert",
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--key-type",
        "ecdsa-p256",
    ]);
    let (cert, key) = (dir.join("client.crt"), dir.join("client.key"));
    let mut upload = vec![
        "upload",
        "--zone",
        "example.com",
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--wait",
    ];
    match hostname {
        Some(hostname) => {
            upload.extend(["--hostname", hostname]);
            run(&upload);
        }
        None => {
            run(&upload);
            run(&["enable", "--zone", "example.com", "--scope", "zone"]);
        }
    }
}
