//! The certificates every origin test needs, made once per test binary with the project's `pki`
//! and cross-checked once with `openssl verify`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use aop_wizard::pki::{
    CaSpec, CertificateAuthority, KeyType, LeafPurpose, LeafSpec, OutputFile, Validity,
    generate_key, write_files_atomically,
};
use time::OffsetDateTime;

use super::origin::{HOST, SECOND_HOST};
use time::macros::datetime;

pub struct TestPki {
    pub dir: PathBuf,
    /// The CA the origin trusts (RSA).
    pub ca: PathBuf,
    /// A second trusted CA (ECDSA), as during a rotation.
    pub second_ca: PathBuf,
    /// The origin's own server certificate and key, and the CA that signed it.
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub server_ca: PathBuf,
    pub right: Identity,
    pub second: Identity,
    pub wrong_ca: Identity,
    pub expired: Identity,
    pub no_client_auth: Identity,
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub name: &'static str,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn test_pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(make)
}

fn ca(dir: &Path, name: &str, key_type: KeyType) -> (CertificateAuthority, PathBuf) {
    let spec = CaSpec {
        common_name: format!("{name} test CA"),
        organization: Some("aop-wizard tests".into()),
        validity: Validity::days_from(OffsetDateTime::now_utc(), 365).unwrap(),
    };
    let authority = CertificateAuthority::create(&spec, generate_key(key_type).unwrap()).unwrap();
    let path = write(dir, &format!("{name}.crt"), authority.cert_pem(), false);
    (authority, path)
}

fn leaf(
    dir: &Path,
    authority: &CertificateAuthority,
    name: &'static str,
    purpose: LeafPurpose,
    validity: Validity,
) -> Identity {
    let spec = LeafSpec {
        common_name: format!("{name} client"),
        validity,
        purpose,
    };
    let issued = authority
        .issue(&spec, generate_key(KeyType::EcdsaP256).unwrap())
        .unwrap();
    Identity {
        name,
        cert: write(dir, &format!("{name}.crt"), &issued.cert_pem, false),
        key: write(dir, &format!("{name}.key"), &issued.key_pem(), true),
    }
}

fn write(dir: &Path, name: &str, contents: &str, secret: bool) -> PathBuf {
    let file = OutputFile {
        name: name.into(),
        contents: contents.into(),
        secret,
    };
    write_files_atomically(dir, &[file], true)
        .unwrap()
        .remove(0)
}

/// The PKI folders of test binaries that have ended. A process-wide value is never dropped, so
/// each binary keeps its folder; the next run removes the ones whose process is gone, rather
/// than letting hundreds pile up in /tmp.
fn remove_ended_runs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PKI_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

const PKI_PREFIX: &str = "aop-test-pki-";

fn make() -> TestPki {
    remove_ended_runs();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PKI_PREFIX}{}-", std::process::id()))
        .tempdir()
        .unwrap()
        .keep();
    make_world_readable(&dir);
    let now = OffsetDateTime::now_utc();
    let year = Validity::days_from(now, 365).unwrap();
    let (ca_rsa, ca_path) = ca(&dir, "trusted", KeyType::Rsa2048);
    let (ca_ec, second_ca_path) = ca(&dir, "second", KeyType::EcdsaP256);
    let (other, _) = ca(&dir, "unrelated", KeyType::EcdsaP256);
    let (server_authority, server_ca) = ca(&dir, "server", KeyType::EcdsaP256);
    let server = leaf(
        &dir,
        &server_authority,
        "server",
        LeafPurpose::ServerAuth {
            names: vec![
                HOST.into(),
                SECOND_HOST.into(),
                "localhost".into(),
                "127.0.0.1".into(),
            ],
        },
        year,
    );
    let pki = TestPki {
        right: leaf(&dir, &ca_rsa, "right", LeafPurpose::ClientAuth, year),
        second: leaf(&dir, &ca_ec, "second-ca", LeafPurpose::ClientAuth, year),
        wrong_ca: leaf(&dir, &other, "wrong-ca", LeafPurpose::ClientAuth, year),
        expired: leaf(
            &dir,
            &ca_rsa,
            "expired",
            LeafPurpose::ClientAuth,
            Validity {
                not_before: datetime!(2020-01-01 0:00 UTC),
                not_after: datetime!(2021-01-01 0:00 UTC),
            },
        ),
        no_client_auth: leaf(
            &dir,
            &ca_rsa,
            "no-client-auth",
            LeafPurpose::ServerAuth {
                names: vec!["client.test".into()],
            },
            year,
        ),
        server_cert: server.cert,
        server_key: server.key,
        server_ca,
        ca: ca_path,
        second_ca: second_ca_path,
        dir,
    };
    openssl_agrees(&pki.ca, &pki.right.cert);
    openssl_agrees(&pki.second_ca, &pki.second.cert);
    pki
}

/// The project's certificates must be what OpenSSL (and so nginx, Apache, HAProxy) calls valid.
fn openssl_agrees(ca: &Path, leaf: &Path) {
    let output = Command::new("openssl")
        .args(["verify", "-purpose", "sslclient", "-CAfile"])
        .arg(ca)
        .arg(leaf)
        .output()
        .expect("openssl must be installed (the README test command installs it)");
    assert!(
        output.status.success(),
        "openssl verify rejected {}: {}",
        leaf.display(),
        String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr)
    );
}

/// Servers started as root drop their workers to `nobody`, which must read the site.
pub fn make_world_readable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}
