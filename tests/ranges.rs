//! Numbers with bounds: day counts, timeouts, intervals, ports. Out of range (negative numbers
//! included) is one sentence naming the flag, the value and the range, never a panic, and nothing
//! written; a rotation plan is checked before it is saved and when it is read back.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use aop_wizard::ops::OriginCheck;
use aop_wizard::pki::KeyType;
use aop_wizard::rotation::{RotationRequest, RotationStore};
use aop_wizard::snippets::{SnippetPhase, WebServer};
use support::fake::fake;

fn aop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("AOP_WIZARD_KEYRING", "none")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A usage error: exit 2, no panic, and a first line naming the flag, the value and the range.
fn assert_refused(output: &Output, flag: &str, value: &str, range: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: invalid value ")
            && first.contains(&format!("'{value}'"))
            && first.contains(flag)
            && first.contains(range),
        "{text}"
    );
    assert!(
        !text.contains("panicked") && !text.contains('\u{1b}'),
        "{text}"
    );
}

#[test]
fn day_counts_out_of_range_are_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aop");
    let out = out.to_str().unwrap();
    for (flag, value) in [
        ("--ca-days", "999999999"),
        ("--leaf-days", "999999999"),
        ("--ca-days", "36526"),
        ("--leaf-days", "0"),
        ("--ca-days", "-1"),
        ("--leaf-days", "ten"),
    ] {
        let output = aop(&[
            "cert",
            "generate",
            "--out",
            out,
            "--key-type",
            "ecdsa-p256",
            flag,
            value,
        ]);
        assert_refused(&output, flag, value, "from 1 to 36525 (100 years)");
        assert!(!Path::new(out).exists(), "{flag} {value}");
    }
    let longest = aop(&[
        "cert",
        "generate",
        "--out",
        out,
        "--key-type",
        "ecdsa-p256",
        "--ca-days",
        "36525",
        "--leaf-days",
        "36525",
    ]);
    assert!(longest.status.success(), "{}", stderr(&longest));
}

#[test]
fn timeouts_intervals_ports_and_windows_have_bounds() {
    let verify = ["verify", "--origin", "127.0.0.1:9", "--host", "example.com"];
    for value in ["0", "-1", "301", "NaN"] {
        let output = aop(&[&verify[..], &["--timeout", value]].concat());
        assert_refused(&output, "--timeout", value, "above 0 and at most 300");
    }
    let output = aop(&[&verify[..], &["--concurrency", "0"]].concat());
    assert_refused(&output, "--concurrency", "0", "from 1 to 256");
    let upload = [
        "upload",
        "--zone",
        "example.com",
        "--cert",
        "c",
        "--key",
        "k",
        "--wait",
    ];
    for (flag, value, range) in [
        ("--interval", "3601", "from 0 to 3600 seconds"),
        ("--interval", "-5", "from 0 to 3600 seconds"),
        ("--timeout", "0", "from 1 to 86400 seconds"),
        ("--timeout", "86401", "from 1 to 86400 seconds"),
    ] {
        let output = aop(&[&upload[..], &[flag, value]].concat());
        assert_refused(&output, flag, value, range);
    }
    let output = aop(&["setup", "--zone", "example.com", "--interval", "-1"]);
    assert_refused(&output, "--interval", "-1", "from 0 to 3600 seconds");
    let output = aop(&["fake-api", "--port", "-1"]);
    assert_refused(&output, "--port", "-1", "from 0 to 65535");
    let output = aop(&["fake-api", "--port", "65536"]);
    assert_refused(&output, "--port", "65536", "from 0 to 65535");
    let output = aop(&["check-expiry", "--zone", "example.com", "--days", "-1"]);
    assert_refused(&output, "--days", "-1", "from 0 to 36525 days");
}

#[test]
fn a_rotation_with_a_day_count_out_of_range_saves_nothing() {
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (flag, value) in [("--ca-days", "999999999"), ("--leaf-days", "0")] {
        let output = fake
            .aop(&data)
            .args([
                "rotate",
                "--zone",
                "example.com",
                "--new-ca",
                "--origin",
                "127.0.0.1:9",
                "--host",
                "www.example.com",
                "--yes",
                flag,
                value,
            ])
            .output()
            .unwrap();
        assert_refused(&output, flag, value, "from 1 to 36525 (100 years)");
        assert!(!data.join("rotations").exists(), "{flag} {value}");
    }
    // The core refuses the same before asking Cloudflare anything, whatever face calls it.
    let request = RotationRequest {
        zone: "example.com".into(),
        hostname: None,
        new_ca: true,
        ca: None,
        ca_passphrase_env: None,
        old_leaf: None,
        out_dir: Some(dir.path().join("new")),
        key_type: KeyType::EcdsaP256,
        leaf_days: 730,
        ca_days: 999_999_999,
        origin: OriginCheck {
            addresses: vec!["127.0.0.1:9".parse().unwrap()],
            hostnames: vec!["www.example.com".into()],
            server: WebServer::Nginx,
            server_version: None,
            phase: SnippetPhase::Enforce,
            log_dir: None,
            ca_path: "/etc/nginx/aop/ca.crt".into(),
            edge_url: aop_wizard::ops::DEFAULT_EDGE_URL.into(),
            check_edge: false,
        },
        ca_passphrase: None,
    };
    let refused = fake
        .runtime
        .block_on(aop_wizard::rotation::plan(&fake.client(), &request))
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a certificate cannot be valid for 999999999 days: give a whole number from 1 to 36525 (100 years)"
    );
}

/// A saved rotation as a version that checked less (or a hand) left it.
fn saved_rotation(dir: &Path, ca_days: i64) -> serde_json::Value {
    serde_json::json!({
        "zone": "example.com",
        "zone_id": "zone-id",
        "scope": "zone",
        "hostnames": [],
        "old_id": "old-id",
        "old_fingerprint": null,
        "old_expires_on": null,
        "old_leaf": null,
        "new_ca": true,
        "why": "a new CA was asked for (--new-ca)",
        "ca_cert": dir.join("new/ca.crt"),
        "ca_key": dir.join("new/ca.key"),
        "ca_passphrase_env": null,
        "old_ca_cert": null,
        "out_dir": dir.join("new"),
        "new_cert": dir.join("new/client.crt"),
        "new_key": dir.join("new/client.key"),
        "key_type": "ecdsa-p256",
        "leaf_days": 730,
        "ca_days": ca_days,
        "new_fingerprint": null,
        "new_id": null,
        "origin": {
            "addresses": ["127.0.0.1:9"],
            "hostnames": ["www.example.com"],
            "server": "nginx",
            "server_version": null,
            "phase": "enforce",
            "log_dir": null,
            "ca_path": "/etc/nginx/aop/ca.crt",
            "edge_url": "https://{hostname}/",
            "check_edge": false
        },
        "new_ca_path": "/etc/nginx/aop/ca-2026-11-30.crt",
        "stage": "planned",
        "started": "2026-11-30T09:00:00Z"
    })
}

#[test]
fn a_saved_rotation_with_a_day_count_out_of_range_is_refused_on_resume() {
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = data.join("rotations/example.com.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let store = RotationStore::new(&data);

    // The same file with a sane count is a rotation this version resumes.
    std::fs::write(&file, saved_rotation(dir.path(), 1826).to_string()).unwrap();
    let good = store.load("example.com", None).unwrap().unwrap();

    for ca_days in [999_999_999, 0] {
        std::fs::write(&file, saved_rotation(dir.path(), ca_days).to_string()).unwrap();
        let refused = store.load("example.com", None).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "{} cannot be resumed: its ca_days is {ca_days}, outside 1 to 36525 days; the file was damaged or edited, so move it away to start over",
                file.display()
            )
        );
        let output = fake
            .aop(&data)
            .args(["rotate", "--zone", "example.com"])
            .output()
            .unwrap();
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("cannot be resumed: its ca_days is"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
        assert!(!dir.path().join("new").exists());
    }

    // Nor is such a plan saved, whoever built it.
    let mut bad = good;
    bad.leaf_days = 0;
    std::fs::remove_file(&file).unwrap();
    let refused = store.save(&bad).unwrap_err();
    assert!(
        refused
            .to_string()
            .starts_with("the rotation plan was not saved: its leaf_days is 0"),
        "{refused}"
    );
    // A new CA whose first leaf would outlive it is not saved either.
    let mut outliving = bad;
    outliving.leaf_days = 40;
    outliving.ca_days = 30;
    let refused = store.save(&outliving).unwrap_err();
    assert!(
        refused.to_string().starts_with(
            "the rotation plan was not saved: its leaf_days 40 outlive its ca_days 30"
        ),
        "{refused}"
    );
    assert!(!file.exists());
}
