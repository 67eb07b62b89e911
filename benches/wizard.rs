//! Benchmark (`cargo bench --bench wizard`): the release wizard in a pseudo-terminal.
//! - launch → first frame (median of 20 launches);
//! - CPU time while idle on a screen for 5 s;
//! - peak RSS (VmHWM) over the full `--demo` zone-level flow, and its wall time.
//!
//! Targets (issue 5): first frame ≤ 25 ms, idle ≤ 1 ms CPU per second, peak RSS ≤ 25 MiB.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::pty::{Pty, zone_level_setup};

const BINARY: &str = env!("CARGO_BIN_EXE_aop-wizard");

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time of every thread of the process, in nanoseconds (schedstat, not clock ticks).
fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn spawn(dir: &std::path::Path) -> Pty {
    Pty::spawn(
        BINARY,
        &["--demo"],
        dir,
        &[(
            "AOP_WIZARD_DATA_DIR",
            dir.join("data").display().to_string(),
        )],
    )
}

fn main() {
    // `cargo test --all-targets` runs benchmark binaries too (debug, without --bench): skip.
    if !std::env::args().any(|a| a == "--bench") {
        println!("a benchmark: run it with `cargo bench`");
        return;
    }
    let mut first_frames = Vec::new();
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let mut pty = spawn(dir.path());
        pty.wait_for("(recommended)", Duration::from_secs(10));
        first_frames.push(pty.started.elapsed());
        let _ = pty.child.kill();
    }
    first_frames.sort();
    let first_frame = first_frames[first_frames.len() / 2];

    let dir = tempfile::tempdir().unwrap();
    let mut pty = spawn(dir.path());
    pty.wait_for("(recommended)", Duration::from_secs(10));
    let pid = pty.child.process_id().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_ns(pid);
    std::thread::sleep(Duration::from_secs(5));
    let idle_ms_per_s = (cpu_ns(pid) - before) as f64 / 1e6 / 5.0;
    let _ = pty.child.kill();

    let dir = tempfile::tempdir().unwrap();
    let mut pty = spawn(dir.path());
    let started = Instant::now();
    zone_level_setup(&mut pty);
    let flow = started.elapsed();
    let pid = pty.child.process_id().unwrap();
    let peak_kib = proc_field(pid, "status", "VmHWM:").unwrap_or(0);
    pty.send("q");
    pty.wait_exit(Duration::from_secs(10));

    println!("wizard (release, 100×30 pseudo-terminal):");
    println!(
        "  launch → first frame: {:>7.1} ms (median of 20; target ≤ 25)",
        first_frame.as_secs_f64() * 1000.0
    );
    println!(
        "  idle CPU:             {idle_ms_per_s:>7.3} ms per second (5 s on the first screen; target ≤ 1)"
    );
    println!(
        "  peak RSS, full flow:  {:>7.1} MiB (target ≤ 25)",
        peak_kib as f64 / 1024.0
    );
    println!(
        "  full demo flow:       {:>7.1} ms wall (scripted keys, demo fake and origin in-process)",
        flow.as_secs_f64() * 1000.0
    );
}
