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
            validity: Validity::days_from(now, 1826),
        },
        LeafSpec {
            common_name: "www.example.com".into(),
            validity: Validity::days_from(now, 730),
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

#[test]
fn leaf_validity_is_clamped_inside_the_ca() {
    let now = OffsetDateTime::now_utc();
    let (mut ca_spec, mut leaf_spec) = specs(now);
    ca_spec.validity = Validity::days_from(now, 30);
    leaf_spec.validity = Validity::days_from(now, 3650);
    let set = pki::generate_ca_and_leaf(KeyType::EcdsaP256, &ca_spec, &leaf_spec).unwrap();
    let info = pki::inspect_certificate(&set.leaf.cert_der, now).unwrap();
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
