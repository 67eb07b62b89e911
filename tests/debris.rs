//! What a kill during `cert generate` leaves (temporary files holding private keys, a set renamed
//! only half into place) is cleaned up by the next run, which needs no --force for it; a complete
//! set and files that are not the project's are never removed or replaced.

use std::path::Path;
use std::process::{Command, Output};

use aop_wizard::pki::PENDING;

fn generate(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["cert", "generate", "--key-type", "ecdsa-p256", "--out"])
        .arg(out)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const SET: [&str; 4] = ["ca.crt", "ca.key", "client.crt", "client.key"];

/// As a kill between the second and third rename leaves a set: ca.crt and ca.key in place, the
/// marker naming all four, the client files still temporary.
#[test]
fn a_half_renamed_set_and_its_temporary_files_are_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aop");
    let crashed = generate(&out, &[]);
    assert!(crashed.status.success());
    let mut listing = String::new();
    for name in SET {
        listing.push_str(&format!("{}  {name}\n", sha256(&out.join(name))));
    }
    std::fs::write(out.join(PENDING), listing).unwrap();
    std::fs::rename(
        out.join("client.crt"),
        out.join(".client.crt.0a1b2c3d4e5f.tmp"),
    )
    .unwrap();
    std::fs::rename(
        out.join("client.key"),
        out.join(".client.key.9f8e7d6c5b4a.tmp"),
    )
    .unwrap();
    std::fs::write(
        out.join(".ca.key.00112233aabb.tmp"),
        "key from an earlier kill",
    )
    .unwrap();
    let ca_before = std::fs::read(out.join("ca.crt")).unwrap();

    let rerun = generate(&out, &[]);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(names(&out), SET);
    assert_ne!(std::fs::read(out.join("ca.crt")).unwrap(), ca_before);
    // The new set belongs together: the client certificate verifies against the new CA.
    let ca = aop_wizard::pki::load_certificates(&out.join("ca.crt")).unwrap();
    let leaf = aop_wizard::pki::load_certificates(&out.join("client.crt")).unwrap();
    assert!(aop_wizard::pki::signed_by(&leaf[0], &ca[0]));
}

/// A set that was written to the end stays: the rerun still asks for --force, but the temporary
/// files of an unrelated earlier kill go, and look-alikes that are not the project's stay.
#[test]
fn a_complete_set_is_kept_and_only_the_projects_temporary_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aop");
    assert!(generate(&out, &[]).status.success());
    let before: Vec<Vec<u8>> = SET
        .iter()
        .map(|name| std::fs::read(out.join(name)).unwrap())
        .collect();
    std::fs::write(out.join(".ca.key.a1b2c3d4e5f6.tmp"), "key from a kill").unwrap();
    std::fs::write(out.join(".client.key.a1b2c3d4e5f6.tmp"), "key from a kill").unwrap();
    let foreign = [".ca.key.mine.tmp", ".notes.a1b2c3d4e5f6.tmp", "ca.key.bak"];
    for name in foreign {
        std::fs::write(out.join(name), "not ours").unwrap();
    }

    let rerun = generate(&out, &[]);
    let text = String::from_utf8_lossy(&rerun.stderr);
    assert_eq!(rerun.status.code(), Some(1), "{text}");
    assert!(text.contains("already exists; pass --force"), "{text}");
    let after: Vec<Vec<u8>> = SET
        .iter()
        .map(|name| std::fs::read(out.join(name)).unwrap())
        .collect();
    assert_eq!(after, before);
    let mut expected: Vec<String> = SET.iter().chain(&foreign).map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(names(&out), expected);
}
