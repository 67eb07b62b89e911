//! Snippets only, in the real binary in a pseudo-terminal: from launch to a written snippet and
//! CA file with the choices as they come, in `--demo` and outside it with no token at all, and
//! never a request to Cloudflare (the test's fake counts every request it gets).

mod support;

use std::path::Path;
use std::time::Duration;

use aop_wizard::cloudflare::fake::FakeCloudflare;
use support::pty::{DOWN, ENTER, Pty};

const STEP: Duration = Duration::from_secs(30);
const RIGHT: &str = "\x1b[C";
/// The budget from launch to the snippet.
const MOST_KEYS: usize = 6;

/// The binary in `dir`, pointed at `fake` (so a request would be seen), with no token: the
/// variable is empty (read as unset) and there is no keyring.
fn spawn(fake: &FakeCloudflare, args: &[&str], dir: &Path, rows: u16, cols: u16) -> Pty {
    Pty::spawn_sized(
        env!("CARGO_BIN_EXE_aop-wizard"),
        args,
        dir,
        &[
            ("CLOUDFLARE_API_BASE_URL", fake.base_url()),
            ("CLOUDFLARE_API_TOKEN", String::new()),
            ("AOP_WIZARD_KEYRING", "none".to_string()),
            (
                "AOP_WIZARD_DATA_DIR",
                dir.join("data").display().to_string(),
            ),
        ],
        rows,
        cols,
    )
}

/// Launch to the snippet (the last row of the first screen, then Enter on the form as it
/// comes), write it, quit. The keys pressed up to the snippet.
fn snippet_written(pty: &mut Pty) -> usize {
    pty.wait_for("Snippets only", STEP);
    for _ in 0..3 {
        pty.send(DOWN);
    }
    pty.send(ENTER);
    pty.wait_for("◀ NGINX ▶", STEP);
    pty.send(ENTER);
    pty.wait_for("# Trusts your CA: /etc/nginx/aop/ca.crt", STEP);
    let keys = pty.keys;
    pty.send("w");
    pty.wait_for("Wrote", STEP);
    pty.send("q");
    let status = pty.wait_exit(STEP);
    assert!(status.success(), "{status:?}\n{}", pty.screen());
    keys
}

/// The snippet names the CA's path on the origin; the CA file beside it is the CA just made.
fn check_files(dir: &Path) {
    let origin = dir.join("aop-snippets/origin");
    let snippet = std::fs::read_to_string(origin.join("nginx-log.conf")).unwrap();
    assert!(
        snippet.contains("ssl_client_certificate /etc/nginx/aop/ca.crt;"),
        "{snippet}"
    );
    assert!(snippet.contains("phase 1 of 2"), "the log phase: {snippet}");
    let ca = aop_wizard::pki::load_ca_certificates(&origin.join("ca.crt"))
        .expect("the CA file is a PEM CA certificate");
    assert_eq!(ca.len(), 1);
    assert_eq!(
        std::fs::read(origin.join("ca.crt")).unwrap(),
        std::fs::read(dir.join("aop-snippets/ca.crt")).unwrap(),
        "the CA made in the folder"
    );
    for name in ["ca.key", "client.crt", "client.key"] {
        assert!(dir.join("aop-snippets").join(name).exists(), "{name} made");
    }
}

#[test]
fn snippets_only_in_the_demo_never_asks_cloudflare() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = spawn(fake, &["--demo"], work.path(), 30, 100);
    let keys = snippet_written(&mut pty);
    assert!(keys <= MOST_KEYS, "{keys} keys to the snippet");
    assert_eq!(keys, 5);
    check_files(work.path());
    assert_eq!(fake.requests().len(), 0, "{:?}", fake.requests());
}

#[test]
fn snippets_only_without_a_token_at_80_columns_and_a_folder_never_replaced() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let mut pty = spawn(fake, &[], work.path(), 24, 80);
    let keys = snippet_written(&mut pty);
    assert_eq!(keys, 5, "{keys} keys to the snippet");
    check_files(work.path());
    let made = std::fs::read(work.path().join("aop-snippets/ca.key")).unwrap();

    // Again in the same place: the folder holds a set, replaced only after a yes; `n` keeps it.
    let mut again = spawn(fake, &[], work.path(), 24, 80);
    again.wait_for("Snippets only", STEP);
    for key in [DOWN, DOWN, DOWN, ENTER, ENTER] {
        again.send(key);
    }
    again.wait_for("Replacing loses the old CA key for good", STEP);
    again.send("n");
    again.wait_for("type another one", STEP);
    again.send("q");
    assert!(again.wait_exit(STEP).success());
    assert_eq!(
        std::fs::read(work.path().join("aop-snippets/ca.key")).unwrap(),
        made,
        "the CA key is never replaced"
    );
    assert_eq!(fake.requests().len(), 0, "{:?}", fake.requests());
}

/// A CA file the user has: a client certificate named in its place is refused (the origin would
/// refuse everyone); the CA itself is copied beside the snippet.
#[test]
fn snippets_only_with_a_ca_file_refuses_a_client_certificate() {
    let fake = &support::fake::fake().fake;
    let work = tempfile::tempdir().unwrap();
    let pki = work.path().join("pki");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["cert", "generate", "--key-type", "ecdsa-p256", "--out"])
        .arg(&pki)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let mut pty = spawn(fake, &[], work.path(), 30, 100);
    pty.wait_for("Snippets only", STEP);
    for key in [DOWN, DOWN, DOWN, ENTER, DOWN, RIGHT] {
        pty.send(key);
    }
    pty.wait_for("◀ a CA file you have ▶", STEP);
    pty.send(DOWN);
    pty.type_text(&pki.join("client.crt").display().to_string());
    pty.send(ENTER);
    pty.wait_for("is not a CA certificate", STEP);
    assert!(pty.screen().contains("Server and CA"), "the form stays");
    pty.type_text("\x15");
    pty.type_text(&pki.join("ca.crt").display().to_string());
    pty.send(ENTER);
    pty.wait_for("# Trusts your CA: /etc/nginx/aop/ca.crt", STEP);
    pty.send("w");
    pty.wait_for("Wrote", STEP);
    pty.send("q");
    assert!(pty.wait_exit(STEP).success());
    assert_eq!(
        std::fs::read(work.path().join("aop-snippets/origin/ca.crt")).unwrap(),
        std::fs::read(pki.join("ca.crt")).unwrap()
    );
    assert!(
        !work.path().join("aop-snippets/ca.key").exists(),
        "no CA made"
    );
    assert_eq!(fake.requests().len(), 0, "{:?}", fake.requests());
}
