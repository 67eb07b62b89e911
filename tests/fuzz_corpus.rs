//! Replays every input the fuzzers kept (`fuzz/corpus/<target>/`) and every crash they found
//! (`fuzz/regressions/<target>/`) through the same checks the fuzz targets run, on the stable
//! toolchain: what once passed keeps passing, and a fixed crash stays fixed.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// The files kept for a target, sorted; the corpus is never empty (an empty one proves nothing).
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .map(|kind| root.join(kind).join(target))
        .filter(|dir| dir.is_dir())
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "fuzz/corpus/{target} holds {} files; run the fuzzer (see README, Fuzzing)",
        files.len()
    );
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails its check", path.display());
    }
}

#[test]
fn certificates_chains_and_keys_the_fuzzer_kept_still_load_or_are_refused_in_one_line() {
    replay("pem_keys", checks::pki_input);
}

#[test]
fn cloudflare_answers_the_fuzzer_kept_still_decode_or_fail_in_one_line() {
    replay("api_envelope", checks::api_answer);
}

#[test]
fn saved_states_the_fuzzer_kept_still_load_and_round_trip_or_are_refused_in_one_line() {
    replay("saved_state", checks::saved_state);
}
