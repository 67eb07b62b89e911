//! Benchmark (`cargo bench --bench verify_matrix`): a 20-probe matrix (10 hostnames × no
//! certificate and a foreign certificate) against a real nginx enforcing on loopback, probed by
//! the release `aop-wizard verify`, against the same 20 requests made by sequential `curl` calls
//! — what Cloudflare's docs suggest. Prints medians.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use aop_wizard::snippets::{SnippetPhase, WebServer};
use support::origin::{HOST, Origin};
use support::test_pki::test_pki;

const RUNS: usize = 15;
const HOSTNAMES: usize = 10;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs benchmark binaries too (debug, without --bench): skip.
    if !std::env::args().any(|a| a == "--bench") {
        println!("a benchmark: run it with `cargo bench`");
        return;
    }
    let pki = test_pki();
    let origin = Origin::start(WebServer::Nginx, SnippetPhase::Enforce, false);
    let address = format!("127.0.0.1:{}", origin.port);

    let mut verify = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    verify.args(["verify", "--origin", &address, "--json"]);
    for _ in 0..HOSTNAMES {
        verify.args(["--host", HOST]);
    }
    let probe_runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let output = verify.output().unwrap();
            let elapsed = started.elapsed();
            assert!(
                output.status.success(),
                "the matrix must come out enforced: {}",
                String::from_utf8_lossy(&output.stdout)
            );
            elapsed
        })
        .collect();

    let curl_runs: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..HOSTNAMES {
                support::origin::curl(origin.port, None, "/");
                support::origin::curl(origin.port, Some(&pki.wrong_ca), "/");
            }
            started.elapsed()
        })
        .collect();

    let (probe, curl) = (median(probe_runs), median(curl_runs));
    println!(
        "20-probe matrix on loopback nginx, median of {RUNS}:\n  aop-wizard verify (one process, concurrent): {:>7.1} ms\n  20 sequential curl calls:                     {:>7.1} ms\n  ratio: {:.2}×",
        probe.as_secs_f64() * 1000.0,
        curl.as_secs_f64() * 1000.0,
        probe.as_secs_f64() / curl.as_secs_f64()
    );
}
