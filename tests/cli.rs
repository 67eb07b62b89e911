//! The binary as a user or a script meets it: exit codes, one clear error line for bad input, no
//! partial files, no panic on a closed pipe, completions and a man page.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn aop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Bad input: exit 1 and exactly one line that starts with `error:` and names the problem.
fn assert_one_error_line(output: &Output, mentions: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(
        text.starts_with("error: ") && text.contains(mentions),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn garbage_missing_and_binary_files_get_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    assert_one_error_line(
        &aop(&["cert", "inspect", p(&garbage)]),
        "holds no PEM certificate (expected",
    );
    // A file given where the files' folder goes: said, not as the OS's "File exists".
    assert_one_error_line(
        &aop(&["cert", "generate", "--out", p(&garbage)]),
        "garbage.pem is a file, not a folder",
    );
    assert_eq!(
        std::fs::read_to_string(&garbage).unwrap(),
        "this is not a certificate\n"
    );
    // What it holds instead, when that says what went wrong.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    assert_one_error_line(
        &aop(&["cert", "inspect", p(&empty)]),
        "holds no PEM certificate: the file is empty",
    );
    let key = dir.path().join("client.key");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    assert_one_error_line(
        &aop(&["cert", "inspect", p(&key)]),
        "holds no PEM certificate: it holds a private key (the certificate is the other file)",
    );
    let binary = dir.path().join("cert.der");
    std::fs::write(&binary, [0x30, 0x82, 0xff, 0x00, 0x9a]).unwrap();
    assert_one_error_line(&aop(&["cert", "inspect", p(&binary)]), "binary, not PEM");
    assert_one_error_line(
        &aop(&["cert", "inspect", "/nonexistent/ca.crt"]),
        "cannot read /nonexistent/ca.crt",
    );
    let truncated = dir.path().join("truncated.pem");
    std::fs::write(
        &truncated,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    assert_one_error_line(
        &aop(&["cert", "inspect", p(&truncated)]),
        "is damaged or is not an X.509 certificate",
    );
}

#[test]
fn check_exits_3_with_a_sentence_per_problem() {
    let pki = support::test_pki::test_pki();
    let ok = aop(&[
        "cert",
        "check",
        "--cert",
        p(&pki.right.cert),
        "--key",
        p(&pki.right.key),
        "--ca",
        p(&pki.ca),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ready to upload"));

    let ca_as_leaf = aop(&[
        "cert",
        "check",
        "--cert",
        p(&pki.ca),
        "--key",
        p(&pki.right.key),
    ]);
    assert_eq!(ca_as_leaf.status.code(), Some(3));
    let text = String::from_utf8_lossy(&ca_as_leaf.stdout);
    assert!(
        text.contains("missing leaf certificate") && text.contains("does not belong"),
        "{text}"
    );

    let json = aop(&[
        "cert",
        "check",
        "--cert",
        p(&pki.expired.cert),
        "--key",
        p(&pki.right.key),
        "--json",
    ]);
    assert_eq!(json.status.code(), Some(3));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["uploadable"], false);
    let kinds: Vec<&str> = value["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["key-mismatch", "expired"]);
}

#[test]
fn a_leaf_passed_as_ca_is_refused() {
    let pki = support::test_pki::test_pki();
    let output = aop(&[
        "cert",
        "check",
        "--cert",
        p(&pki.right.cert),
        "--key",
        p(&pki.right.key),
        "--ca",
        p(&pki.right.cert),
    ]);
    assert_one_error_line(&output, "is not a CA certificate");
    let snippet = aop(&[
        "snippet",
        "nginx",
        "--phase",
        "log",
        "--ca",
        p(&pki.right.cert),
    ]);
    assert_one_error_line(&snippet, "is not a CA certificate");
}

#[test]
fn generate_writes_four_files_and_never_a_partial_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("aop");
    let first = aop(&[
        "cert",
        "generate",
        "--out",
        p(&out),
        "--key-type",
        "ecdsa-p256",
        "--json",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let value: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(
        value["client_certificate"]["extended_key_usages"][0],
        "clientAuth"
    );
    let client_before = std::fs::read(out.join("client.crt")).unwrap();

    // Only ca.crt is missing: without --force nothing is written, not even ca.crt.
    std::fs::remove_file(out.join("ca.crt")).unwrap();
    let again = aop(&[
        "cert",
        "generate",
        "--out",
        p(&out),
        "--key-type",
        "ecdsa-p256",
    ]);
    assert_one_error_line(&again, "already exists; pass --force");
    assert!(!out.join("ca.crt").exists());
    assert_eq!(
        std::fs::read(out.join("client.crt")).unwrap(),
        client_before
    );

    let forced = aop(&[
        "cert",
        "generate",
        "--out",
        p(&out),
        "--key-type",
        "ecdsa-p256",
        "--force",
    ]);
    assert!(forced.status.success());
    assert_ne!(
        std::fs::read(out.join("client.crt")).unwrap(),
        client_before
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
}

#[test]
fn an_unwritable_output_directory_is_one_line_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let output = aop(&[
        "cert",
        "generate",
        "--out",
        &format!("{}/sub", p(&file)),
        "--key-type",
        "ecdsa-p256",
    ]);
    assert_one_error_line(&output, "cannot write into");
}

#[test]
fn the_passphrase_variable_must_be_set() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args([
            "cert",
            "generate",
            "--out",
            p(dir.path()),
            "--key-type",
            "ecdsa-p256",
            "--ca-passphrase-env",
            "AOP_TEST_UNSET",
        ])
        .env_remove("AOP_TEST_UNSET")
        .output()
        .unwrap();
    assert_one_error_line(&output, "$AOP_TEST_UNSET, which is unset or empty");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let generate = |passphrase: &str| {
        Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
            .args([
                "cert",
                "generate",
                "--out",
                p(dir.path()),
                "--key-type",
                "ecdsa-p256",
                "--ca-passphrase-env",
                "AOP_TEST_PASS",
            ])
            .env("AOP_TEST_PASS", passphrase)
            .output()
            .unwrap()
    };
    // As short a passphrase as the wizard refuses is refused here too, before any file.
    let short = generate("s3cret");
    assert_one_error_line(
        &short,
        "$AOP_TEST_PASS: the passphrase is shorter than 8 characters",
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let encrypted = generate("s3cret passphrase");
    assert!(encrypted.status.success());
    let ca_key = std::fs::read_to_string(dir.path().join("ca.key")).unwrap();
    let client_key = std::fs::read_to_string(dir.path().join("client.key")).unwrap();
    assert!(ca_key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(
        client_key.starts_with("-----BEGIN PRIVATE KEY-----"),
        "the leaf key is never encrypted"
    );
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .arg("man")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"));
}

#[test]
fn completions_man_page_and_version_come_from_the_same_definitions() {
    let bash = aop(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(
        script.contains("aop-wizard") && script.contains("generate") && script.contains("snippet")
    );
    let man = aop(&["man"]);
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH aop-wizard"),
        "{page}"
    );
    let version = aop(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("aop-wizard {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn snippet_global_uses_cloudflares_ca_path_and_json_carries_the_text() {
    let output = aop(&[
        "snippet", "apache", "--phase", "enforce", "--global", "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["server"], "apache");
    assert_eq!(value["phase"], "enforce");
    let text = value["text"].as_str().unwrap();
    assert!(
        text.contains("SSLCACertificateFile /etc/ssl/cloudflare/cloudflare-origin-pull-ca.pem"),
        "{text}"
    );
    assert!(text.contains("SSLVerifyClient require"));
    assert!(text.contains("Cloudflare's shared origin-pull CA"));

    let ca = aop(&["cert", "global-ca"]);
    assert_eq!(
        String::from_utf8_lossy(&ca.stdout),
        aop_wizard::pki::cloudflare_ca::PEM
    );
}

/// `verify --global` judges as the wizard does: an origin that refuses strangers and names
/// Cloudflare's origin-pull CA is enforced, with no advice to present a certificate only
/// Cloudflare holds; one that names another CA is misconfigured.
#[test]
fn verify_global_asks_the_origin_to_name_cloudflares_ca() {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let origin = runtime
        .block_on(DemoOrigin::start(&["example.com"]))
        .unwrap();
    let verify = || {
        let address = origin.address().to_string();
        let output = aop(&[
            "verify",
            "--origin",
            &address,
            "--host",
            "example.com",
            "--global",
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), report["cells"][0].clone())
    };
    let cloudflare = aop_wizard::pki::cloudflare_ca::der().unwrap();
    origin.set_phase(OriginPhase::Enforce(vec![cloudflare]));
    let (code, cell) = verify();
    assert_eq!(code, Some(0), "{cell:#}");
    assert_eq!(cell["verdict"], "enforced");
    let explanation = cell["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("through Cloudflare") && !explanation.contains("--cert"),
        "{explanation}"
    );

    let other = aop_wizard::pki::generate_ephemeral(
        "another CA",
        "x",
        aop_wizard::pki::LeafPurpose::ClientAuth,
        1,
    )
    .unwrap();
    origin.set_phase(OriginPhase::Enforce(vec![other.ca.cert_der().to_vec()]));
    let (code, cell) = verify();
    assert_eq!(code, Some(3));
    assert_eq!(cell["verdict"], "misconfigured");
}

/// A line break in any value the snippet places is refused, for every server and every option
/// that carries one: exit 1, one line naming the value, and not a line of snippet on stdout.
#[test]
fn snippet_values_with_line_breaks_are_refused_before_anything_is_printed() {
    let injected = "/etc/aop/ca.pem;\nssl_verify_client off;\n#";
    for server in ["nginx", "apache", "haproxy", "caddy", "traefik"] {
        for (option, value) in [
            ("--ca", injected),
            ("--log-dir", "/var/log/\u{1b}[2J\u{7}x"),
        ] {
            let mut args = vec!["snippet", server, "--phase", "log", option, value];
            if option != "--ca" {
                args.extend(["--ca", "/etc/aop/ca.pem"]);
            }
            let output = aop(&args);
            assert_one_error_line(&output, "control character");
            assert!(
                output.stdout.is_empty(),
                "{server} {option}: printed a snippet"
            );
            assert!(!stderr(&output).contains('\u{1b}'), "{}", stderr(&output));
        }
    }
    let output = aop(&[
        "snippet",
        "nginx",
        "--phase",
        "log",
        "--ca",
        "/etc/aop/ca.pem",
        "--nginx-upstream",
        "http://127.0.0.1:8080;\n}\nserver {",
    ]);
    assert_one_error_line(&output, "the nginx upstream \"http://127.0.0.1:8080;");
    assert!(output.stdout.is_empty());
}

/// `verify --path` with CR LF is refused before any connection: the listener is never reached.
#[test]
fn verify_refuses_a_request_path_with_cr_lf_before_connecting() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let origin = listener.local_addr().unwrap().to_string();
    for (path, says) in [
        ("/x\r\nX-Injected: 1", "X-Injected: 1"),
        ("health", "does not start with /"),
    ] {
        let output = aop(&[
            "verify",
            "--origin",
            &origin,
            "--host",
            "origin.test",
            "--path",
            path,
        ]);
        assert_one_error_line(&output, says);
        assert!(output.stdout.is_empty());
    }
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "verify connected to the origin"
    );
}

/// A keyring named wrong is said, not quietly replaced by whichever one is found.
#[test]
fn a_keyring_named_wrong_is_said() {
    let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["auth", "status"])
        .env("AOP_WIZARD_KEYRING", "bogus")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .env_remove("CLOUDFLARE_API_KEY")
        .env("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:9/client/v4")
        .output()
        .unwrap();
    let said = stderr(&output);
    assert_ne!(output.status.code(), Some(0), "{said}");
    assert!(
        said.contains("AOP_WIZARD_KEYRING=bogus is none of secret-service, keyutils or none"),
        "{said}"
    );
}
