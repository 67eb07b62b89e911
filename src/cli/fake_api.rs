//! `aop-wizard fake-api`: the project's fake Cloudflare, standalone, to point the CLI at.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::{Report, Result, eyre};

use super::output::Outcome;
use super::session::block_on;
use crate::cloudflare::fake::{DEMO_TOKEN, FakeCloudflare, World};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  aop-wizard fake-api --port 8787\n  # in another shell:\n  export CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4\n  export CLOUDFLARE_API_TOKEN=demo-token-aop-wizard-0000000000000000\n  aop-wizard status --zone example.com"
)]
pub struct FakeApiArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = super::bounds::within::<u16>(0, 65_535, "(0 picks a free port)"))]
    port: u16,
}

pub fn run(args: FakeApiArgs, out: &mut dyn Write) -> Result<Outcome> {
    block_on(async move {
        let fake = FakeCloudflare::start(World::demo(), args.port)
            .await
            .map_err(|error| cannot_listen(args.port, &error))?;
        writeln!(
            out,
            "Fake Cloudflare API listening (zones: example.com, example.org). Ctrl-C stops it."
        )?;
        writeln!(out, "export CLOUDFLARE_API_BASE_URL={}", fake.base_url())?;
        writeln!(out, "export CLOUDFLARE_API_TOKEN={DEMO_TOKEN}")?;
        out.flush()?;
        tokio::signal::ctrl_c().await?;
        Ok(Outcome::Success)
    })?
}

/// Why the fake could not listen, with the port and what to do instead.
fn cannot_listen(port: u16, error: &std::io::Error) -> Report {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => eyre!(
            "port {port} on 127.0.0.1 is already in use by another program: pass another --port, or --port 0 to pick a free one"
        ),
        std::io::ErrorKind::PermissionDenied => eyre!(
            "port {port} on 127.0.0.1 needs privileges this user lacks: pass a port above 1023, or --port 0 to pick a free one"
        ),
        _ => eyre!("cannot listen on 127.0.0.1:{port}: {error}; pass --port 0 to pick a free port"),
    }
}
