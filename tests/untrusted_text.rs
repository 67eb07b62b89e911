//! Text from outside reaches a terminal visibly escaped and never raw: certificate fields
//! (`cert inspect`, `cert check`), an origin's own certificate and the CA names it lists
//! (`verify`), Cloudflare's error messages, and paths a script passes. `--json` keeps the exact
//! value for a machine, yet writes no control character or bidi mark as it is.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use aop_wizard::cloudflare::fake::FaultKind;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Sets the window title, rings the bell and clears the screen when printed raw.
const CN: &str = "evil\u{1b}]0;PWNED\u{7}\u{1b}[2J";
const CN_SHOWN: &str = "evil\\x1b]0;PWNED\\x07\\x1b[2J";
/// A right-to-left override: the name reads backwards from here on.
const ORG: &str = "\u{202E}gnp.exe";
const ORG_SHOWN: &str = "\\u{202e}gnp.exe";

/// Whether `bytes` hold ESC, BEL, CR or U+202E as they are.
fn raw_hostile(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| matches!(b, 0x1b | 0x07 | b'\r'))
        || bytes.windows(3).any(|w| w == "\u{202E}".as_bytes())
}

fn assert_safe(what: &str, bytes: &[u8]) {
    assert!(
        !raw_hostile(bytes),
        "{what} holds raw control characters: {:?}",
        String::from_utf8_lossy(bytes)
    );
}

fn aop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("AOP_WIZARD_KEYRING", "none")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A CA and a certificate it signed, both named with `CN` and `ORG`, written as PEM.
struct Hostile {
    ca: PathBuf,
    ca_der: Vec<u8>,
    cert: PathBuf,
    cert_der: Vec<u8>,
    key: PathBuf,
    key_der: Vec<u8>,
}

fn hostile_params(names: Vec<String>) -> CertificateParams {
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, CN);
    params
        .distinguished_name
        .push(DnType::OrganizationName, ORG);
    params
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// `purpose` is the leaf's extended key usage: clientAuth for an upload, serverAuth for an origin.
fn hostile(dir: &Path, purpose: ExtendedKeyUsagePurpose) -> Hostile {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = hostile_params(Vec::new());
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params = hostile_params(vec!["localhost".into()]);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![purpose];
    let cert = params.signed_by(&key, &issuer).unwrap();
    Hostile {
        ca: write(dir, "hostile-ca.crt", &ca_cert.pem()),
        ca_der: ca_cert.der().to_vec(),
        cert: write(dir, "hostile.crt", &cert.pem()),
        cert_der: cert.der().to_vec(),
        key: write(dir, "hostile.key", &key.serialize_pem()),
        key_der: key.serialize_der(),
    }
}

/// Every string in a JSON value.
fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(strings(v)))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn cert_inspect_shows_hostile_names_escaped_and_json_keeps_them_exact() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = hostile(dir.path(), ExtendedKeyUsagePurpose::ClientAuth);

    let table = aop(&["cert", "inspect", p(&hostile.cert)]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    assert_safe("cert inspect", &table.stdout);
    let shown = text(&table.stdout);
    for line in ["Subject", "Issuer"] {
        let row = shown.lines().find(|l| l.starts_with(line)).unwrap();
        assert!(
            row.contains(CN_SHOWN) && row.contains(ORG_SHOWN),
            "{line}: {shown}"
        );
    }

    let json = aop(&["cert", "inspect", "--json", p(&hostile.cert)]);
    assert!(json.status.success(), "{}", text(&json.stderr));
    assert_safe("cert inspect --json", &json.stdout);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let (_, certificate) = x509_parser::parse_x509_certificate(&hostile.cert_der).unwrap();
    // The exact value, as the certificate says it: the reader gets the real string back.
    assert_eq!(parsed[0]["subject"], certificate.subject().to_string());
    assert_eq!(parsed[0]["issuer"], certificate.issuer().to_string());
    assert!(parsed[0]["subject"].as_str().unwrap().contains(CN));
    assert!(parsed[0]["subject"].as_str().unwrap().contains(ORG));
}

#[test]
fn cert_check_shows_hostile_names_and_paths_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = hostile(dir.path(), ExtendedKeyUsagePurpose::ClientAuth);
    let ready = aop(&[
        "cert",
        "check",
        "--cert",
        p(&hostile.cert),
        "--key",
        p(&hostile.key),
        "--ca",
        p(&hostile.ca),
    ]);
    assert_eq!(ready.status.code(), Some(0), "{}", text(&ready.stderr));
    assert_safe("cert check", &ready.stdout);

    // A path from a script holding ESC and BEL, echoed in a problem: escaped too. The CA given
    // as the client certificate is a problem that names the file.
    let odd = dir.path().join("ca\u{1b}]0;PWNED\u{7}.crt");
    std::fs::copy(&hostile.ca, &odd).unwrap();
    let refused = aop(&["cert", "check", "--cert", p(&odd), "--key", p(&hostile.key)]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    assert_safe("cert check (not ready)", &refused.stdout);
    assert!(
        text(&refused.stdout).contains("ca\\x1b]0;PWNED\\x07.crt is a CA certificate"),
        "{}",
        text(&refused.stdout)
    );

    let json = aop(&[
        "cert",
        "check",
        "--json",
        "--cert",
        p(&odd),
        "--key",
        p(&hostile.key),
    ]);
    assert_safe("cert check --json", &json.stdout);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        parsed["certificate"]["subject"]
            .as_str()
            .unwrap()
            .contains(CN)
    );

    // An error naming the file: one line, escaped.
    let missing = dir.path().join("gone\u{1b}[2J.crt");
    let error = aop(&["cert", "inspect", p(&missing)]);
    assert_eq!(error.status.code(), Some(1));
    assert_safe("an error naming a file", &error.stderr);
    assert!(
        text(&error.stderr).contains("gone\\x1b[2J.crt"),
        "{}",
        text(&error.stderr)
    );
}

/// A TLS origin on 127.0.0.1 whose own certificate is `hostile`'s, which asks for a client
/// certificate listing `hostile`'s CA as acceptable, and serves whoever has none.
fn hostile_origin(hostile: &Hostile) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(hostile.ca_der.clone()))
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(hostile.cert_der.clone())],
            PrivateKeyDer::Pkcs8(hostile.key_der.clone().into()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, tcp);
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buffer) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    address
}

#[test]
fn verify_shows_the_origins_hostile_certificate_and_ca_names_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = hostile(dir.path(), ExtendedKeyUsagePurpose::ServerAuth);
    let origin = hostile_origin(&hostile).to_string();
    // The CA the origin should trust: another one, so the verdict names the CAs it lists.
    let expected = support::test_pki::test_pki();
    let args = [
        "verify",
        "--origin",
        &origin,
        "--host",
        "localhost",
        "--ca",
        p(&expected.ca),
        "--timeout",
        "10",
    ];

    let table = aop(&args);
    assert_eq!(table.status.code(), Some(3), "{}", text(&table.stderr));
    assert_safe("verify", &table.stdout);
    let shown = text(&table.stdout);
    for (what, prefix) in [
        ("the CAs it lists", "CAs the origin lists as acceptable:"),
        ("its own certificate", "Origin's own certificate:"),
        ("the verdict", "✗ "),
    ] {
        let line = shown
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{what}: {shown}"));
        assert!(
            line.contains(CN_SHOWN) && line.contains(ORG_SHOWN),
            "{what}: {shown}"
        );
    }

    let json = aop(&[&args[..], &["--json"]].concat());
    assert_safe("verify --json", &json.stdout);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&hostile.ca_der).unwrap();
    let exact = ca.subject().to_string();
    assert!(
        strings(&parsed).contains(&exact),
        "the listed CA's exact name: {parsed}"
    );
}

#[test]
fn cloudflare_error_messages_are_shown_escaped() {
    let fake = support::fake::fake();
    fake.fake.inject_fault(
        "list_zones",
        1,
        FaultKind::Refused {
            status: 400,
            code: 1001,
            message: "evil\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{202E}zone",
        },
    );
    let data = tempfile::tempdir().unwrap();
    let status = fake
        .aop(data.path())
        .args(["status", "--zone", "example.com"])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(4), "{}", text(&status.stderr));
    assert_safe("an API error", &status.stderr);
    let said = text(&status.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains("evil\\x1b]0;PWNED\\x07\\x1b[2J\\u{202e}zone (code 1001)"),
        "{said}"
    );
}

/// `doctor` names the CAs the origin lists in its prediction: escaped on the terminal, exact in
/// `--json`, and never raw in either.
#[test]
fn doctor_shows_the_origins_hostile_ca_names_escaped() {
    let fake = support::fake::fake();
    let data = tempfile::tempdir().unwrap();
    let pki = support::test_pki::test_pki();
    let run = |args: &[&str]| fake.aop(data.path()).args(args).output().unwrap();
    for args in [
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            p(&pki.right.cert),
            "--key",
            p(&pki.right.key),
            "--wait",
            "--interval",
            "0",
        ][..],
        &["enable", "--zone", "example.com", "--scope", "zone"],
    ] {
        let output = run(args);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let dir = tempfile::tempdir().unwrap();
    let hostile = hostile(dir.path(), ExtendedKeyUsagePurpose::ServerAuth);
    let origin = hostile_origin(&hostile).to_string();
    let args = [
        "doctor",
        "--zone",
        "example.com",
        "--hostname",
        "www.example.com",
        "--origin",
        &origin,
    ];

    let table = run(&args);
    assert_eq!(table.status.code(), Some(3), "{}", text(&table.stderr));
    assert_safe("doctor", &table.stdout);
    let shown = text(&table.stdout);
    // Each statement is wrapped to 80 columns: its lines after the first are indented deeper.
    for prefix in ["  Origin ", "  ✗ every proxied request will fail"] {
        let mut lines = shown.lines().skip_while(|l| !l.starts_with(prefix));
        let first = lines.next().unwrap_or_else(|| panic!("{prefix}: {shown}"));
        let statement = std::iter::once(first)
            .chain(lines.take_while(|l| l.starts_with("    ")))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            statement.contains(CN_SHOWN) && statement.contains(ORG_SHOWN),
            "{prefix}: {shown}"
        );
    }

    let json = run(&[&args[..], &["--json"]].concat());
    assert_safe("doctor --json", &json.stdout);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&hostile.ca_der).unwrap();
    assert_eq!(
        parsed["hostnames"][0]["origins"][0]["acceptable_cas"][0],
        ca.subject().to_string(),
        "the listed CA's exact name: {parsed}"
    );
}
