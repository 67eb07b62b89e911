//! Certificates a user can trust: what `pki` generates, reads, checks and writes.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use ::time::{Duration, OffsetDateTime};
use aop_wizard::pki::{
    self, CaSpec, CertificateAuthority, KeyType, LeafPurpose, LeafSpec, OutputFile, PkiError,
    ProblemKind, Validity,
};
use x509_parser::prelude::*;

fn specs(now: OffsetDateTime) -> (CaSpec, LeafSpec) {
    (
        CaSpec {
            common_name: "example.com".into(),
            organization: None,
            validity: Validity::days_from(now, 1826).unwrap(),
        },
        LeafSpec {
            common_name: "www.example.com".into(),
            validity: Validity::days_from(now, 730).unwrap(),
            purpose: LeafPurpose::ClientAuth,
        },
    )
}

#[test]
fn generated_ca_and_leaf_carry_the_extensions_origins_and_cloudflare_expect() {
    let now = OffsetDateTime::now_utc();
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let (ca_spec, leaf_spec) = specs(now);
        let set = pki::generate_ca_and_leaf(key_type, &ca_spec, &leaf_spec).unwrap();
        let (_, ca) = parse_x509_certificate(set.ca.cert_der()).unwrap();
        let (_, leaf) = parse_x509_certificate(&set.leaf.cert_der).unwrap();

        let bc = ca.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca, "{key_type}: CA:TRUE critical");
        let ku = ca.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign());
        let ca_ski = match ca
            .get_extension_unique(&oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            ParsedExtension::SubjectKeyIdentifier(ski) => ski.0.to_vec(),
            other => panic!("{other:?}"),
        };

        assert!(!leaf.basic_constraints().unwrap().unwrap().value.ca);
        let ku = leaf.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature());
        assert_eq!(
            ku.key_encipherment(),
            key_type.is_rsa(),
            "{key_type}: keyEncipherment only for RSA"
        );
        let eku = leaf.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert_eq!(leaf.raw_serial().len(), 16, "128-bit serial");
        let aki = match leaf
            .get_extension_unique(&oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER)
            .unwrap()
            .unwrap()
            .parsed_extension()
        {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().unwrap().0.to_vec()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(aki, ca_ski, "leaf AKI names the CA's SKI");
        assert!(leaf.validity().not_after <= ca.validity().not_after);
        assert!(leaf.verify_signature(Some(ca.public_key())).is_ok());
    }
}

/// A CA that exists signs a later leaf only up to its own end (a rotation keeping its CA);
/// made together, a leaf asked to outlive its CA is refused before any key is made.
#[test]
fn leaf_validity_is_clamped_inside_the_ca() {
    let now = OffsetDateTime::now_utc();
    let (mut ca_spec, mut leaf_spec) = specs(now);
    ca_spec.validity = Validity::days_from(now, 30).unwrap();
    leaf_spec.validity = Validity::days_from(now, 3650).unwrap();
    let refused = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("3650 days would outlive the CA's 30"),
        "{refused}"
    );
    let short = pki::LeafSpec {
        validity: Validity::days_from(now, 10).unwrap(),
        ..leaf_spec.clone()
    };
    let set = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &short).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let later = set.ca.issue(&leaf_spec, key).unwrap();
    let info = pki::inspect_certificate(&later.cert_der, now).unwrap();
    assert_eq!(
        info.not_after,
        set.ca.not_after().replace_nanosecond(0).unwrap()
    );
}

#[test]
fn rsa_4096_is_the_default_recipe_and_generates() {
    let now = OffsetDateTime::now_utc();
    let (ca_spec, leaf_spec) = specs(now);
    let set = pki::generate_ca_and_leaf(KeyType::Rsa4096, &ca_spec, &leaf_spec).unwrap();
    let info = pki::inspect_certificate(&set.leaf.cert_der, now).unwrap();
    assert_eq!(info.key, pki::KeyDescription::Rsa { bits: 4096 });
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
}

#[test]
fn encrypted_ca_key_opens_with_the_passphrase_here_and_in_openssl() {
    let now = OffsetDateTime::now_utc();
    let (ca_spec, leaf_spec) = specs(now);
    let set = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pem = set.ca.encrypted_key_pem(b"correct horse").unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let path = dir.path().join("ca.key");
    std::fs::write(&path, &pem).unwrap();

    assert!(matches!(
        pki::load_private_key(&path, None),
        Err(PkiError::EncryptedKey { .. })
    ));
    assert!(matches!(
        pki::load_private_key(&path, Some(b"wrong")),
        Err(PkiError::BadPassphrase { .. })
    ));
    let key = pki::load_private_key(&path, Some(b"correct horse")).unwrap();
    // The decrypted key still signs leaves under the same CA (what rotation needs).
    let ca = CertificateAuthority::from_existing(set.ca.cert_der(), key.key_pair).unwrap();
    let leaf = ca
        .issue(
            &specs(now).1,
            pki::generate_key(KeyType::EcdsaP256).unwrap(),
        )
        .unwrap();
    let (_, parsed_ca) = parse_x509_certificate(set.ca.cert_der()).unwrap();
    let (_, parsed_leaf) = parse_x509_certificate(&leaf.cert_der).unwrap();
    assert!(
        parsed_leaf
            .verify_signature(Some(parsed_ca.public_key()))
            .is_ok()
    );

    let openssl = Command::new("openssl")
        .args(["pkey", "-noout", "-passin", "pass:correct horse", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    let text = Command::new("openssl")
        .args(["asn1parse", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("aes-256-cbc") && text.contains("PBKDF2"),
        "{text}"
    );
}

#[test]
fn check_finds_every_problem_cloudflare_or_an_origin_would_object_to() {
    let pki = support::test_pki::test_pki();
    let now = OffsetDateTime::now_utc();
    let check = |cert: &std::path::Path, key: &std::path::Path| {
        pki::check_client_certificate(cert, key, Some(&pki.ca), now).unwrap()
    };
    let good = check(&pki.right.cert, &pki.right.key);
    assert!(good.uploadable(), "{:?}", good.problems);

    assert!(check(&pki.ca, &pki.right.key).has(ProblemKind::CaNotLeaf));
    assert!(check(&pki.right.cert, &pki.wrong_ca.key).has(ProblemKind::KeyMismatch));
    assert!(
        check(&pki.no_client_auth.cert, &pki.no_client_auth.key).has(ProblemKind::NoClientAuth)
    );
    assert!(check(&pki.expired.cert, &pki.expired.key).has(ProblemKind::Expired));
    assert!(check(&pki.wrong_ca.cert, &pki.wrong_ca.key).has(ProblemKind::NotSignedByCa));

    let soon = pki::check_client_certificate(
        &pki.right.cert,
        &pki.right.key,
        None,
        now + Duration::days(360),
    )
    .unwrap();
    assert!(soon.has(ProblemKind::ExpiringSoon), "{:?}", soon.problems);
    let early = pki::check_client_certificate(
        &pki.right.cert,
        &pki.right.key,
        None,
        now - Duration::days(1),
    )
    .unwrap();
    assert!(early.has(ProblemKind::NotYetValid));
    for problem in check(&pki.expired.cert, &pki.wrong_ca.key).problems {
        assert!(
            problem.message.ends_with('.'),
            "one sentence each: {}",
            problem.message
        );
    }
}

#[test]
fn check_reports_weak_unsupported_and_encrypted_keys_made_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sh = |script: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ext = "-addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=clientAuth";
    sh(&format!(
        "openssl req -x509 -newkey rsa:1024 -nodes -keyout weak.key -out weak.crt -subj /CN=weak -days 30 {ext}"
    ));
    sh(&format!(
        "openssl req -x509 -newkey ed25519 -nodes -keyout ed.key -out ed.crt -subj /CN=ed -days 30 {ext}"
    ));
    sh(&format!(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -passout pass:secret -keyout enc.key -out enc.crt -subj /CN=enc -days 30 {ext}"
    ));
    let now = OffsetDateTime::now_utc();
    let check = |name: &str| {
        pki::check_client_certificate(
            &d.join(format!("{name}.crt")),
            &d.join(format!("{name}.key")),
            None,
            now,
        )
        .unwrap()
    };
    assert!(check("weak").has(ProblemKind::KeyTooWeak));
    assert!(check("ed").has(ProblemKind::KeyUnsupported));
    let encrypted = check("enc");
    assert!(encrypted.has(ProblemKind::KeyEncrypted));
    assert!(
        encrypted.problems[0].message.contains("openssl pkey -in"),
        "says how to fix it"
    );
}

#[test]
fn atomic_writes_keep_keys_private_and_never_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let files = |contents: &str| {
        vec![
            OutputFile {
                name: "client.crt".into(),
                contents: contents.into(),
                secret: false,
            },
            OutputFile {
                name: "client.key".into(),
                contents: contents.into(),
                secret: true,
            },
        ]
    };
    let out = dir.path().join("new");
    let written = pki::write_files_atomically(&out, &files("first"), false).unwrap();
    assert_eq!(
        std::fs::metadata(&written[1]).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let refused = pki::write_files_atomically(&out, &files("second"), false).unwrap_err();
    assert!(matches!(refused, PkiError::WouldOverwrite { .. }));
    assert_eq!(std::fs::read_to_string(&written[0]).unwrap(), "first");

    pki::write_files_atomically(&out, &files("third"), true).unwrap();
    assert_eq!(std::fs::read_to_string(&written[1]).unwrap(), "third");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn the_shipped_cloudflare_ca_is_the_pinned_one() {
    let der = pki::cloudflare_ca::der().unwrap();
    assert_eq!(
        pki::fingerprint_sha256(&der),
        pki::cloudflare_ca::SHA256_FINGERPRINT
    );
    let info = pki::inspect_certificate(&der, OffsetDateTime::now_utc()).unwrap();
    assert!(info.is_ca);
    assert!(info.subject.contains("origin-pull.cloudflare.net"));
    assert_eq!(info.not_after.date(), ::time::macros::date!(2029 - 11 - 01));
}

/// A CA certificate and its key, written as `cert generate` writes them.
fn write_ca(
    dir: &std::path::Path,
    name: &str,
    ca: &CertificateAuthority,
) -> [std::path::PathBuf; 2] {
    let files = [
        OutputFile {
            name: format!("{name}.crt"),
            contents: ca.cert_pem().to_string(),
            secret: false,
        },
        OutputFile {
            name: format!("{name}.key"),
            contents: ca.key_pem(),
            secret: true,
        },
    ];
    let written = pki::write_files_atomically(dir, &files, true).unwrap();
    [written[0].clone(), written[1].clone()]
}

/// The outage: a CA certificate with another CA's key signed a leaf no origin trusting that CA
/// accepts. Every way of signing with an existing CA refuses it, and says which file is wrong.
#[test]
fn a_ca_certificate_with_another_cas_key_signs_nothing() {
    let now = OffsetDateTime::now_utc();
    let (ca_spec, leaf_spec) = specs(now);
    let dir = tempfile::tempdir().unwrap();
    let ours = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec).unwrap();
    let other_ec = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec).unwrap();
    let other_rsa = pki::generate_ca_and_leaf(KeyType::Rsa2048, &ca_spec, &leaf_spec).unwrap();
    let [ca_cert, _] = write_ca(dir.path(), "ca", &ours.ca);
    for (name, other) in [("other-ec", &other_ec), ("other-rsa", &other_rsa)] {
        let [_, other_key] = write_ca(dir.path(), name, &other.ca);
        let refused = CertificateAuthority::load(&ca_cert, &other_key, None).unwrap_err();
        assert!(
            matches!(&refused, PkiError::CaKeyMismatch { cert, key } if cert == &ca_cert && key == &other_key),
            "{name}: {refused:?}"
        );
        assert_eq!(
            refused.to_string(),
            format!(
                "{} is not the private key of {} (their public keys differ): pass the key that belongs to this CA, or --new-ca",
                other_key.display(),
                ca_cert.display()
            )
        );

        let key = pki::load_private_key(&other_key, None).unwrap().key_pair;
        let refused = CertificateAuthority::from_existing(ours.ca.cert_der(), key).unwrap_err();
        assert!(
            matches!(refused, PkiError::CaKeyMismatch { .. }),
            "{name}: {refused:?}"
        );
        assert!(
            refused.to_string().starts_with(
                "the CA key is not the private key of the CA certificate (their public keys differ)"
            ),
            "{refused}"
        );
    }

    // An encrypted key opened with its passphrase is still someone else's.
    let encrypted = dir.path().join("other-encrypted.key");
    std::fs::write(&encrypted, other_ec.ca.encrypted_key_pem(b"pass").unwrap()).unwrap();
    assert!(matches!(
        CertificateAuthority::load(&ca_cert, &encrypted, Some(b"pass")),
        Err(PkiError::CaKeyMismatch { .. })
    ));
}

/// The right key signs, and what it signs verifies against the CA certificate, here and in
/// OpenSSL; CAs made by OpenSSL (RSA, P-256, P-384) pass the same comparison with their own key
/// and fail it with another's.
#[test]
fn a_ca_with_its_own_key_signs_leaves_that_verify() {
    let now = OffsetDateTime::now_utc();
    let (ca_spec, leaf_spec) = specs(now);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ours = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec).unwrap();
    assert!(pki::signed_by(&ours.leaf.cert_der, ours.ca.cert_der()));
    write_ca(d, "ours", &ours.ca);

    let sh = |script: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ca_ext =
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign";
    for (name, newkey) in [
        ("rsa", "rsa:2048"),
        ("p256", "ec -pkeyopt ec_paramgen_curve:P-256"),
        ("p384", "ec -pkeyopt ec_paramgen_curve:P-384"),
    ] {
        sh(&format!(
            "openssl req -x509 -newkey {newkey} -nodes -keyout {name}.key -out {name}.crt -subj /CN={name}-ca -days 30 {ca_ext}"
        ));
    }
    for name in ["ours", "rsa", "p256", "p384"] {
        let (cert, key) = (d.join(format!("{name}.crt")), d.join(format!("{name}.key")));
        let ca =
            CertificateAuthority::load(&cert, &key, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let leaf = ca
            .issue(&leaf_spec, pki::generate_key(KeyType::EcdsaP256).unwrap())
            .unwrap();
        let ca_der = pki::load_certificates(&cert).unwrap().remove(0);
        assert!(pki::signed_by(&leaf.cert_der, &ca_der), "{name}");
        let leaf_path = d.join(format!("{name}-leaf.crt"));
        std::fs::write(&leaf_path, &leaf.cert_pem).unwrap();
        sh(&format!(
            "openssl verify -purpose sslclient -CAfile {name}.crt {name}-leaf.crt"
        ));

        let other = if name == "ours" { "rsa" } else { "ours" };
        assert!(
            matches!(
                CertificateAuthority::load(&cert, &d.join(format!("{other}.key")), None),
                Err(PkiError::CaKeyMismatch { .. })
            ),
            "{name} with {other}.key"
        );
    }
}
