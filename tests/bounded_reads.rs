//! Files a user names (certificates, keys, CA files) and the states we saved are read only from
//! regular files and only up to a cap, and a bad one gets a sentence naming it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ::time::OffsetDateTime;
use aop_wizard::pki::{self, CaSpec, KeyType, LeafPurpose, LeafSpec, PkiError, Validity};
use aop_wizard::probe::ClientIdentity;

/// A CA and client certificate written as ca.crt, ca.key, client.crt, client.key.
fn set(dir: &Path) -> (PathBuf, PathBuf) {
    let now = OffsetDateTime::now_utc();
    let set = pki::generate_ca_and_leaf(
        KeyType::EcdsaP256,
        &CaSpec {
            common_name: "example.com".into(),
            organization: None,
            validity: Validity::days_from(now, 30).unwrap(),
        },
        &LeafSpec {
            common_name: "www.example.com".into(),
            validity: Validity::days_from(now, 10).unwrap(),
            purpose: LeafPurpose::ClientAuth,
        },
    )
    .unwrap();
    std::fs::write(dir.join("client.crt"), &set.leaf.cert_pem).unwrap();
    std::fs::write(dir.join("client.key"), set.leaf.key_pem()).unwrap();
    (dir.join("client.crt"), dir.join("client.key"))
}

fn fifo(dir: &Path) -> PathBuf {
    let path = dir.join("pipe.pem");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    path
}

#[test]
fn a_fifo_is_refused_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = set(dir.path());
    let pipe = fifo(dir.path());
    // A writer that hands over a valid certificate once someone opens the pipe for reading: a
    // reader that opens it gets a certificate, so only a refusal before opening passes.
    let pem = std::fs::read(&cert).unwrap();
    let writer_path = pipe.clone();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        let _ = pipe.write_all(&pem);
    });

    let error = pki::load_certificates(&pipe).unwrap_err();
    assert!(matches!(error, PkiError::NotAFile { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&pipe.display().to_string()) && message.contains("named pipe"),
        "{message}"
    );

    // Let the writer go: open the pipe for reading once, as the code under test must not have.
    drop(std::fs::File::open(&pipe).unwrap());
    writer.join().unwrap();
}

#[test]
fn a_device_is_refused() {
    let error = pki::load_certificates(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/dev/zero is a device, not a regular file; give the path of a file saved on disk"
    );
    let error = pki::load_private_key(Path::new("/dev/zero"), None).unwrap_err();
    assert!(matches!(error, PkiError::NotAFile { .. }), "{error:?}");
}

#[test]
fn a_file_over_the_cap_is_refused_even_when_it_starts_with_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = set(dir.path());
    let mut text = std::fs::read_to_string(&cert).unwrap();
    while text.len() as u64 <= pki::INPUT_CAP {
        text.push_str("# padding after the certificate, as a runaway log would add\n");
    }
    let big = dir.path().join("big.pem");
    std::fs::write(&big, &text).unwrap();

    let error = pki::load_certificates(&big).unwrap_err();
    assert!(matches!(error, PkiError::TooLarge { .. }), "{error:?}");
    assert!(
        error.to_string().contains("is larger than 1024 KiB"),
        "{error}"
    );
    // One byte under the cap is read.
    let exact = dir.path().join("exact.pem");
    std::fs::write(&exact, &text.as_bytes()[..pki::INPUT_CAP as usize]).unwrap();
    assert_eq!(
        pki::read_input(&exact, pki::INPUT_CAP).unwrap().len() as u64,
        pki::INPUT_CAP
    );
}

#[test]
fn a_missing_file_is_said_once_in_words() {
    let error = pki::load_certificates(Path::new("/nonexistent/client.crt")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot read /nonexistent/client.crt: no such file; check the path"
    );
}

#[test]
fn a_byte_order_mark_before_the_pem_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = set(dir.path());
    for path in [&cert, &key] {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(path).unwrap());
        std::fs::write(path, bytes).unwrap();
    }
    assert_eq!(pki::load_certificates(&cert).unwrap().len(), 1);
    pki::load_private_key(&key, None).unwrap();
}

#[test]
fn random_base64_in_a_certificate_block_is_a_sentence_not_parser_debug_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.pem");
    let body = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQ";
    std::fs::write(
        &path,
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"),
    )
    .unwrap();
    let message = pki::load_certificates(&path).unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{} is not valid PEM or DER: a CERTIFICATE block is damaged or is not an X.509 certificate; export the certificate again",
            path.display()
        )
    );
}

#[test]
fn a_bad_client_certificate_is_named_not_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = set(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "garbage\n").unwrap();
    let message = ClientIdentity::from_files(&garbage, &key)
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&garbage.display().to_string()),
        "{message}"
    );
    assert!(!message.contains("client.key"), "{message}");
}

#[test]
fn an_encrypted_probe_key_is_named_with_how_to_decrypt_it() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = set(dir.path());
    let encrypted = Command::new("openssl")
        .args(["pkey", "-aes256", "-passout", "pass:secret", "-in"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(encrypted.status.success());
    std::fs::write(&key, encrypted.stdout).unwrap();
    let message = ClientIdentity::from_files(&cert, &key)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!(
            "{0} is encrypted with a passphrase, but the probe presents it to the origin and needs it plain: decrypt a copy with `openssl pkey -in {0} -out {0}.plain` and pass that",
            key.display()
        )
    );
}

#[test]
fn a_saved_state_over_the_cap_or_not_a_file_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = aop_wizard::setup::SetupStore::new(dir.path());
    let path = store.path("example.com");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, vec![b' '; pki::INPUT_CAP as usize + 1]).unwrap();
    let message = store.load("example.com").unwrap_err().to_string();
    assert!(message.contains("is larger than 1024 KiB"), "{message}");

    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let message = store.load("example.com").unwrap_err().to_string();
    assert!(
        message.contains("is a directory, not a regular file"),
        "{message}"
    );

    std::fs::remove_dir(&path).unwrap();
    assert!(store.load("example.com").unwrap().is_none());
}

#[test]
fn cert_inspect_refuses_a_device_with_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["cert", "inspect", "/dev/zero"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "error: /dev/zero is a device, not a regular file; give the path of a file saved on disk"
    );
}
