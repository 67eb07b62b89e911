//! Input checks that need more than one refusal line: zones and hostnames put in their one form
//! before Cloudflare is asked, certificate serials and weak keys judged as RFC 5280 and
//! Cloudflare do (in `cert check`, `upload` and the wizard's import), binary files told apart,
//! `alerts … --dry-run`, and `fake-api` on a port that is taken.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::fake::{Fake, fake};

fn run(fake: &Fake, data: &Path, args: &[&str]) -> Output {
    fake.aop(data).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn openssl(args: &[&str]) {
    let made = Command::new("openssl").args(args).output().unwrap();
    assert!(
        made.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// An ECDSA P-256 client certificate that is ready in every way but its serial number, made
/// with OpenSSL exactly as `-set_serial` is given.
fn client_certificate_with_serial(dir: &Path, serial: &str) -> (PathBuf, PathBuf) {
    let key = dir.join("serial.key");
    if !key.exists() {
        openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p(&key),
        ]);
    }
    let cert = dir.join(format!("serial{serial}.crt"));
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        p(&key),
        "-subj",
        "/CN=client",
        "-days",
        "90",
        "-set_serial",
        serial,
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        "keyUsage=critical,digitalSignature",
        "-addext",
        "extendedKeyUsage=clientAuth",
        "-out",
        p(&cert),
    ]);
    (cert, key)
}

#[test]
fn a_zone_is_looked_up_in_its_one_form() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let status = run(
        &fake,
        data.path(),
        &["status", "--zone", "EXAMPLE.COM.", "--json"],
    );
    assert!(status.status.success(), "{}", text(&status));
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(value["zone"], "example.com");

    // An international name is asked for as punycode (the fake has no such zone).
    let international = run(&fake, data.path(), &["status", "--zone", "Bücher.example"]);
    assert_eq!(
        international.status.code(),
        Some(4),
        "{}",
        text(&international)
    );
    assert!(
        stderr(&international).contains("no zone named xn--bcher-kva.example"),
        "{}",
        text(&international)
    );
}

#[test]
fn a_hostname_reaches_cloudflare_lower_case_without_its_dot() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let pki = support::test_pki::test_pki();
    let dry = run(
        &fake,
        data.path(),
        &[
            "upload",
            "--zone",
            "Example.com",
            "--cert",
            p(&pki.right.cert),
            "--key",
            p(&pki.right.key),
            "--hostname",
            "WWW.Example.COM.",
            "--dry-run",
            "--json",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let shown = String::from_utf8_lossy(&dry.stdout);
    assert!(shown.contains("\"www.example.com\""), "{shown}");
    // (Not "WWW" alone: the certificate's base64 may hold it by chance.)
    assert!(!shown.contains("WWW.Example"), "{shown}");
    assert_eq!(fake.fake.calls("upload_hostname_certificate"), 0);
}

#[test]
fn a_serial_that_rfc_5280_forbids_is_never_ready_to_upload() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (good, key) = client_certificate_with_serial(dir.path(), "4660");
    let ready = run(
        &fake,
        data.path(),
        &["cert", "check", "--cert", p(&good), "--key", p(&key)],
    );
    assert!(ready.status.success(), "{}", text(&ready));

    let twenty_one_octets = "0x0102030405060708090a0b0c0d0e0f101112131415";
    for (serial, says) in [
        ("-5", "serial number is negative"),
        (twenty_one_octets, "serial number is 21 octets long"),
        ("0", "serial number is 0"),
    ] {
        let (cert, key) = client_certificate_with_serial(dir.path(), serial);
        let check = run(
            &fake,
            data.path(),
            &["cert", "check", "--cert", p(&cert), "--key", p(&key)],
        );
        assert_eq!(check.status.code(), Some(3), "{serial}: {}", text(&check));
        let shown = text(&check);
        assert!(shown.contains("not ready to upload"), "{shown}");
        assert!(shown.contains(says), "{serial}: {shown}");
        assert!(shown.contains("at most 20 octets"), "{shown}");

        let json = run(
            &fake,
            data.path(),
            &[
                "cert",
                "check",
                "--cert",
                p(&cert),
                "--key",
                p(&key),
                "--json",
            ],
        );
        let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(value["problems"][0]["kind"], "bad-serial", "{value}");

        let upload = run(
            &fake,
            data.path(),
            &[
                "upload",
                "--zone",
                "example.com",
                "--cert",
                p(&cert),
                "--key",
                p(&key),
            ],
        );
        assert!(!upload.status.success(), "{serial}: {}", text(&upload));
        assert!(text(&upload).contains(says), "{}", text(&upload));
    }
    assert_eq!(fake.fake.calls("upload_zone_certificate"), 0);
}

/// `openssl req -x509 -newkey rsa:1024` makes a self-signed CA certificate with a 1024-bit key:
/// the size comes first, once, in words (never an OID), and every other line is true.
#[test]
fn an_rsa_1024_pair_is_refused_for_its_size_first_and_once() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("r.crt"), dir.path().join("r.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:1024",
        "-nodes",
        "-subj",
        "/CN=weak",
        "-days",
        "30",
        "-keyout",
        p(&key),
        "-out",
        p(&cert),
    ]);
    // Alone, and with itself as the CA as the wizard's import asks for one: the verifier
    // cannot check a 1024-bit signature, which must not read as "not signed by the CA".
    for with_ca in [&[][..], &["--ca", p(&cert)][..]] {
        let mut args = vec!["cert", "check", "--cert", p(&cert), "--key", p(&key)];
        args.extend(with_ca);
        let check = run(&fake, data.path(), &args);
        assert_eq!(check.status.code(), Some(3), "{}", text(&check));
        let shown = String::from_utf8_lossy(&check.stdout).into_owned();
        let problems: Vec<&str> = shown.lines().filter(|l| l.starts_with("  - ")).collect();
        assert!(
            problems[0].contains("RSA 1024 bits is below the 2048-bit minimum"),
            "{shown}"
        );
        assert_eq!(
            problems.iter().filter(|l| l.contains("1024")).count(),
            1,
            "{shown}"
        );
        assert!(
            !shown.contains("algorithm") && !shown.contains("1.2.840"),
            "{shown}"
        );
        assert!(!shown.contains("not signed"), "{shown}");
        // OpenSSL marks a self-signed certificate CA:TRUE, so that line is true and stays.
        assert!(
            problems.iter().any(|l| l.contains("is a CA certificate")),
            "{shown}"
        );
        assert_eq!(problems.len(), 2, "{shown}");
    }

    // The wizard's import shows the same sentences, the size first.
    let refused = aop_wizard::ops::certificate::check_import(&cert, &key, &cert)
        .unwrap_err()
        .to_string();
    let size = refused.find("RSA 1024 bits is below the 2048-bit minimum");
    assert!(
        size.is_some_and(|at| refused.find("CA certificate").is_none_or(|ca| at < ca)),
        "{refused}"
    );
    assert!(!refused.contains("not signed"), "{refused}");

    // A good leaf signed by a 1024-bit CA: the CA's key is the reason, not a missing signature.
    let (leaf_key, csr) = (dir.path().join("leaf.key"), dir.path().join("leaf.csr"));
    let (leaf, ext) = (dir.path().join("leaf.crt"), dir.path().join("leaf.ext"));
    std::fs::write(
        &ext,
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=leaf",
        "-keyout",
        p(&leaf_key),
        "-out",
        p(&csr),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        p(&csr),
        "-CA",
        p(&cert),
        "-CAkey",
        p(&key),
        "-days",
        "30",
        "-set_serial",
        "7",
        "-extfile",
        p(&ext),
        "-out",
        p(&leaf),
    ]);
    let weak_ca = run(
        &fake,
        data.path(),
        &[
            "cert",
            "check",
            "--cert",
            p(&leaf),
            "--key",
            p(&leaf_key),
            "--ca",
            p(&cert),
        ],
    );
    let shown = text(&weak_ca);
    assert_eq!(weak_ca.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("r.crt is not accepted: RSA 1024 bits is below the 2048-bit minimum"),
        "{shown}"
    );
    assert!(!shown.contains("not signed"), "{shown}");

    // A 1024-bit key beside a good certificate is named with its size, not its OID.
    let pki = support::test_pki::test_pki();
    let mismatched = run(
        &fake,
        data.path(),
        &[
            "cert",
            "check",
            "--cert",
            p(&pki.right.cert),
            "--key",
            p(&key),
        ],
    );
    let shown = text(&mismatched);
    assert!(
        shown.contains("r.key is not accepted: RSA 1024 bits is below the 2048-bit minimum"),
        "{shown}"
    );
    assert!(!shown.contains("1.2.840"), "{shown}");
}

#[test]
fn a_der_file_gets_the_conversion_that_fits_it() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pki = support::test_pki::test_pki();
    let (key_der, cert_der) = (dir.path().join("key.der"), dir.path().join("cert.der"));
    openssl(&[
        "pkey",
        "-in",
        p(&pki.right.key),
        "-outform",
        "der",
        "-out",
        p(&key_der),
    ]);
    openssl(&[
        "x509",
        "-in",
        p(&pki.right.cert),
        "-outform",
        "der",
        "-out",
        p(&cert_der),
    ]);
    let key = run(
        &fake,
        data.path(),
        &[
            "cert",
            "check",
            "--cert",
            p(&pki.right.cert),
            "--key",
            p(&key_der),
        ],
    );
    assert_eq!(key.status.code(), Some(1));
    let said = stderr(&key);
    assert!(
        said.contains("it is a DER private key; convert it with `openssl pkey -inform der -in"),
        "{said}"
    );
    assert!(!said.contains("openssl x509"), "{said}");

    let cert = run(&fake, data.path(), &["cert", "inspect", p(&cert_der)]);
    assert!(
        stderr(&cert)
            .contains("it is a DER certificate; convert it with `openssl x509 -inform der"),
        "{}",
        stderr(&cert)
    );
}

#[test]
fn alerts_dry_runs_show_the_request_and_change_nothing() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let create = |extra: &[&str]| {
        let mut args = vec![
            "alerts",
            "create",
            "--zone",
            "example.com",
            "--email",
            "ops@example.com",
        ];
        args.extend(extra);
        run(&fake, data.path(), &args)
    };
    let dry = create(&["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let shown = text(&dry);
    assert!(shown.contains("Dry run: nothing was changed"), "{shown}");
    assert!(
        shown.contains("POST") && shown.contains("alerting/v3/policies"),
        "{shown}"
    );
    assert!(shown.contains("ops@example.com"), "{shown}");
    assert_eq!(fake.fake.calls("create_alert_policy"), 0);

    assert!(create(&[]).status.success());
    let again = create(&["--dry-run"]);
    assert!(
        text(&again).contains("already e-mails ops@example.com"),
        "{}",
        text(&again)
    );
    assert_eq!(fake.fake.calls("create_alert_policy"), 1);

    let list = run(
        &fake,
        data.path(),
        &["alerts", "list", "--zone", "example.com", "--json"],
    );
    let policies: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = policies[0]["id"].as_str().unwrap().to_string();
    let delete = run(
        &fake,
        data.path(),
        &[
            "alerts",
            "delete",
            "--zone",
            "example.com",
            "--id",
            &id,
            "--dry-run",
        ],
    );
    assert!(delete.status.success(), "{}", text(&delete));
    assert!(text(&delete).contains("DELETE"), "{}", text(&delete));
    assert_eq!(fake.fake.calls("delete_alert_policy"), 0);
}

#[test]
fn fake_api_on_a_taken_port_names_it_and_the_fix() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["fake-api", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{said}"
    );
    assert!(said.contains("--port 0"), "{said}");
    assert!(!said.contains("os error"), "{said}");
}

/// Wordings the attack found unclear that were already fixed before this check: kept so.
#[test]
fn wordings_once_unclear_stay_clear() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pki = support::test_pki::test_pki();

    let missing = run(
        &fake,
        data.path(),
        &["cert", "inspect", p(&dir.path().join("missing.pem"))],
    );
    let said = stderr(&missing);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("no such file; check the path"), "{said}");
    assert!(!said.contains("os error"), "{said}");

    // Windows editors put a byte-order mark before -----BEGIN.
    let bom = |from: &Path, name: &str| {
        let path = dir.path().join(name);
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        bytes.extend(std::fs::read(from).unwrap());
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let (cert, key) = (
        bom(&pki.right.cert, "bom.crt"),
        bom(&pki.right.key, "bom.key"),
    );
    let check = run(
        &fake,
        data.path(),
        &["cert", "check", "--cert", p(&cert), "--key", p(&key)],
    );
    assert!(check.status.success(), "{}", text(&check));

    let noise: String = (0..40u32)
        .map(|i| ((i * 37 % 26) as u8 + b'A') as char)
        .collect();
    let armoured = dir.path().join("armoured.pem");
    std::fs::write(
        &armoured,
        format!("-----BEGIN CERTIFICATE-----\n{noise}\n-----END CERTIFICATE-----\n"),
    )
    .unwrap();
    let inspect = run(&fake, data.path(), &["cert", "inspect", p(&armoured)]);
    let said = stderr(&inspect);
    assert!(
        said.contains("a CERTIFICATE block is damaged or is not an X.509 certificate"),
        "{said}"
    );
    assert!(
        !said.contains("UnexpectedTag") && !said.contains("Der("),
        "{said}"
    );
}
