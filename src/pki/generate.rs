//! A private CA and the client (leaf) certificates it signs, as Cloudflare's openssl recipe makes
//! them, minus the five commands and the slow key generation.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, RsaKeySize, SanType, SerialNumber,
};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{PkiError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    Rsa4096,
    Rsa2048,
    EcdsaP256,
}

impl KeyType {
    pub const ALL: [KeyType; 3] = [KeyType::Rsa4096, KeyType::Rsa2048, KeyType::EcdsaP256];

    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa4096 => "rsa-4096",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::EcdsaP256 => "ecdsa-p256",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa4096 | KeyType::Rsa2048)
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        KeyType::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown key type \"{}\"; choose rsa-4096, rsa-2048 or ecdsa-p256",
                    crate::untrusted::shown(s)
                )
            })
    }
}

pub fn generate_key(key_type: KeyType) -> Result<KeyPair> {
    let generated = match key_type {
        KeyType::Rsa4096 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096),
        KeyType::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
        KeyType::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    };
    generated.map_err(|e| PkiError::Generation(format!("{key_type} key: {e}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// The fewest days a certificate made here is valid: less is a certificate that expires before
/// anyone notices it was made.
pub const MIN_VALIDITY_DAYS: u32 = 1;
/// The most days (100 years): far inside what X.509 can date (GeneralizedTime ends in 9999) and
/// what `time` can add without overflowing, and past any sensible CA.
pub const MAX_VALIDITY_DAYS: u32 = 36_525;

/// A day count for a certificate's validity, checked against the bounds above. Signed, so that
/// a negative count from the command line is refused with the same sentence as any other.
pub fn validity_days(days: i64) -> Result<u32> {
    u32::try_from(days)
        .ok()
        .filter(|d| (MIN_VALIDITY_DAYS..=MAX_VALIDITY_DAYS).contains(d))
        .ok_or(PkiError::ValidityDays { days })
}

impl Validity {
    /// Valid from a few minutes ago (clocks of origins and Cloudflare's edge drift) for `days` days.
    /// Refused ([`PkiError::ValidityDays`]) outside [`MIN_VALIDITY_DAYS`]..=[`MAX_VALIDITY_DAYS`].
    pub fn days_from(now: OffsetDateTime, days: u32) -> Result<Self> {
        let days = validity_days(i64::from(days))?;
        let not_after =
            now.checked_add(Duration::days(i64::from(days)))
                .ok_or(PkiError::ValidityDays {
                    days: i64::from(days),
                })?;
        Ok(Self {
            not_before: now - Duration::minutes(5),
            not_after,
        })
    }
}

#[derive(Debug, Clone)]
pub struct CaSpec {
    pub common_name: String,
    pub organization: Option<String>,
    pub validity: Validity,
}

/// What a leaf is for. Client authentication is what Cloudflare presents to the origin; a server
/// certificate is what an origin (a test server, the demo origin) presents to its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeafPurpose {
    ClientAuth,
    ServerAuth { names: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub common_name: String,
    pub validity: Validity,
    pub purpose: LeafPurpose,
}

/// A CA that can sign leaves: its certificate and its private key, which never leaves the machine.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_der: Vec<u8>,
    cert_pem: String,
    not_after: OffsetDateTime,
    /// What the user calls the certificate (its path, when it came from a file), for errors.
    cert_name: PathBuf,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// RFC 5280's upper bound for a common name (`ub-common-name`).
const MAX_COMMON_NAME: usize = 64;

/// A common name every verifier and screen takes: not empty, at most 64 characters, and nothing
/// a terminal would obey or hide (it is shown by every tool that reads the certificate).
fn check_common_name(name: &str, which: &str, flag: &str) -> Result<()> {
    let problem = if name.trim().is_empty() {
        "is empty".to_string()
    } else if name.chars().count() > MAX_COMMON_NAME {
        format!(
            "is {} characters long, over the {MAX_COMMON_NAME} RFC 5280 allows",
            name.chars().count()
        )
    } else if name.chars().any(crate::untrusted::needs_escape) {
        format!(
            "'{}' holds a control character or an invisible mark",
            crate::untrusted::exact(name, 80)
        )
    } else {
        return Ok(());
    };
    Err(PkiError::InvalidSpec(format!(
        "the {which} common name {problem}; pass {flag} with a plain name of at most {MAX_COMMON_NAME} characters"
    )))
}

impl CertificateAuthority {
    pub fn create(spec: &CaSpec, key: KeyPair) -> Result<Self> {
        check_common_name(&spec.common_name, "CA", "--ca-cn")?;
        check_validity(&spec.validity, "CA")?;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        if let Some(org) = &spec.organization {
            params
                .distinguished_name
                .push(DnType::OrganizationName, org.as_str());
        }
        params
            .distinguished_name
            .push(DnType::CommonName, spec.common_name.as_str());
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.serial_number = Some(random_serial()?);
        params.not_before = spec.validity.not_before;
        params.not_after = spec.validity.not_after;
        let cert = params
            .self_signed(&key)
            .map_err(|e| PkiError::Generation(format!("CA certificate: {e}")))?;
        Ok(Self {
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            not_after: spec.validity.not_after,
            issuer: Issuer::new(params, key),
            cert_name: PathBuf::from("the new CA certificate"),
        })
    }

    /// An existing CA (its certificate and its key), e.g. to sign a new leaf during rotation.
    /// Refused ([`PkiError::CaKeyMismatch`]) when the key is not the certificate's.
    pub fn from_existing(cert_der: &[u8], key: KeyPair) -> Result<Self> {
        Self::existing(
            cert_der,
            key,
            Path::new("the CA certificate"),
            Path::new("the CA key"),
        )
    }

    /// The existing CA in `cert` (its first certificate) with its key in `key`, decrypted with
    /// `passphrase` when encrypted; errors name the files. Refused
    /// ([`PkiError::CaKeyMismatch`]) when the key is not the certificate's.
    pub fn load(cert: &Path, key: &Path, passphrase: Option<&[u8]>) -> Result<Self> {
        let cert_der = super::load_certificates(cert)?
            .into_iter()
            .next()
            .ok_or_else(|| PkiError::NoCertificate {
                path: cert.to_path_buf(),
                holds: "",
            })?;
        let loaded = super::load_private_key(key, passphrase)?;
        Self::existing(&cert_der, loaded.key_pair, cert, key)
    }

    /// Every existing CA comes through here: nothing is signed with a key whose public half is
    /// not the one in the CA certificate, since no origin trusting that CA would accept it.
    fn existing(cert_der: &[u8], key: KeyPair, cert_name: &Path, key_name: &Path) -> Result<Self> {
        let (_, x509) = x509_parser::parse_x509_certificate(cert_der).map_err(|e| {
            PkiError::InvalidSpec(format!("the CA certificate does not parse: {e}"))
        })?;
        if x509.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
            return Err(PkiError::CaKeyMismatch {
                cert: cert_name.to_path_buf(),
                key: key_name.to_path_buf(),
            });
        }
        let not_after = x509.validity().not_after.to_datetime();
        let issuer = Issuer::from_ca_cert_der(&cert_der.to_vec().into(), key)
            .map_err(|e| PkiError::InvalidSpec(format!("the CA certificate cannot sign: {e}")))?;
        Ok(Self {
            cert_pem: pkcs8::der::pem::encode_string(
                "CERTIFICATE",
                pkcs8::der::pem::LineEnding::LF,
                cert_der,
            )
            .map_err(|e| PkiError::Generation(e.to_string()))?,
            cert_der: cert_der.to_vec(),
            not_after,
            issuer,
            cert_name: cert_name.to_path_buf(),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// The CA key as encrypted PKCS#8 (PBKDF2-SHA256, AES-256-CBC), what `openssl genrsa -aes256`
    /// protects it with, readable by `openssl pkey`.
    pub fn encrypted_key_pem(&self, passphrase: &[u8]) -> Result<String> {
        encrypt_key(self.issuer.key(), passphrase)
    }

    /// Signs a leaf. Its validity is clamped inside the CA's, because no verifier accepts a leaf
    /// that outlives its issuer. The leaf is checked against the CA certificate before it is
    /// returned ([`PkiError::LeafDoesNotVerify`]).
    pub fn issue(&self, spec: &LeafSpec, key: KeyPair) -> Result<IssuedCertificate> {
        check_common_name(&spec.common_name, "leaf", "--leaf-cn")?;
        check_validity(&spec.validity, "leaf")?;
        let is_rsa = KeyType::from_key_pair(&key).is_some_and(KeyType::is_rsa);
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, spec.common_name.as_str());
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = if is_rsa {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ]
        } else {
            vec![KeyUsagePurpose::DigitalSignature]
        };
        params.extended_key_usages = match &spec.purpose {
            LeafPurpose::ClientAuth => vec![ExtendedKeyUsagePurpose::ClientAuth],
            LeafPurpose::ServerAuth { names } => {
                params.subject_alt_names = names.iter().map(|n| san(n)).collect::<Result<_>>()?;
                vec![ExtendedKeyUsagePurpose::ServerAuth]
            }
        };
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial()?);
        params.not_before = spec.validity.not_before;
        params.not_after = spec.validity.not_after.min(self.not_after);
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| PkiError::Generation(format!("leaf certificate: {e}")))?;
        if !super::signed_by(cert.der(), &self.cert_der) {
            return Err(PkiError::LeafDoesNotVerify {
                ca: self.cert_name.clone(),
            });
        }
        Ok(IssuedCertificate {
            cert_der: cert.der().to_vec(),
            cert_pem: cert.pem(),
            key,
        })
    }
}

impl KeyType {
    fn from_key_pair(key: &KeyPair) -> Option<KeyType> {
        match super::KeyDescription::from_spki_der(&key.subject_public_key_info()) {
            super::KeyDescription::Rsa { bits: 4096 } => Some(KeyType::Rsa4096),
            super::KeyDescription::Rsa { .. } => Some(KeyType::Rsa2048),
            super::KeyDescription::Ecdsa { .. } => Some(KeyType::EcdsaP256),
            super::KeyDescription::Other { .. } => None,
        }
    }
}

pub struct IssuedCertificate {
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    key: KeyPair,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl IssuedCertificate {
    /// Unencrypted PKCS#8: Cloudflare refuses password-protected keys.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// The same key as PKCS#8 DER, for a TLS client that presents this certificate.
    pub fn key_der(&self) -> Vec<u8> {
        self.key.serialize_der()
    }
}

/// Where a generated set was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GeneratedFiles {
    pub ca_cert: std::path::PathBuf,
    pub ca_key: std::path::PathBuf,
    pub client_cert: std::path::PathBuf,
    pub client_key: std::path::PathBuf,
}

impl GeneratedFiles {
    /// Where a set written into `dir` goes: `ca.crt`, `ca.key`, `client.crt`, `client.key`.
    pub fn in_dir(dir: &std::path::Path) -> Self {
        Self {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
        }
    }

    /// The four paths, CA first.
    pub fn paths(&self) -> [&std::path::Path; 4] {
        [
            &self.ca_cert,
            &self.ca_key,
            &self.client_cert,
            &self.client_key,
        ]
    }
}

impl GeneratedSet {
    /// Writes `ca.crt`, `ca.key`, `client.crt` and `client.key` into `dir`, all or none; the CA
    /// key is encrypted when a passphrase is given.
    pub fn write(
        &self,
        dir: &std::path::Path,
        ca_passphrase: Option<&[u8]>,
        force: bool,
    ) -> Result<GeneratedFiles> {
        use super::OutputFile;
        let ca_key = match ca_passphrase {
            Some(pass) => self.ca.encrypted_key_pem(pass)?,
            None => self.ca.key_pem(),
        };
        let paths = GeneratedFiles::in_dir(dir);
        let files = [
            OutputFile::named_after(&paths.ca_cert, self.ca.cert_pem().to_string(), false),
            OutputFile::named_after(&paths.ca_key, ca_key, true),
            OutputFile::named_after(&paths.client_cert, self.leaf.cert_pem.clone(), false),
            OutputFile::named_after(&paths.client_key, self.leaf.key_pem(), true),
        ];
        let mut written = super::write_files_atomically(dir, &files, force)?.into_iter();
        let mut next = || written.next().unwrap_or_default();
        Ok(GeneratedFiles {
            ca_cert: next(),
            ca_key: next(),
            client_cert: next(),
            client_key: next(),
        })
    }
}

/// A freshly generated CA with one client leaf signed by it.
#[derive(Debug)]
pub struct GeneratedSet {
    pub ca: CertificateAuthority,
    pub leaf: IssuedCertificate,
}

/// Generates the CA and the leaf key, then signs.
pub fn generate_ca_and_leaf(
    key_type: KeyType,
    ca: &CaSpec,
    leaf: &LeafSpec,
) -> Result<GeneratedSet> {
    // Made together, a leaf outliving its CA is a mistake in the numbers, said before any key
    // is made (an existing CA signing later clamps the leaf instead: see `issue`).
    if leaf.validity.not_after > ca.validity.not_after {
        let days = |v: &Validity| (v.not_after - v.not_before).whole_days();
        return Err(PkiError::InvalidSpec(format!(
            "the client certificate's {} days would outlive the CA's {}: no verifier accepts that; give --leaf-days {} or less, or more --ca-days",
            days(&leaf.validity),
            days(&ca.validity),
            days(&ca.validity)
        )));
    }
    let mut keys = generate_keys(key_type, 2)?;
    let ca = CertificateAuthority::create(ca, keys.remove(0))?;
    let leaf = ca.issue(leaf, keys.remove(0))?;
    Ok(GeneratedSet { ca, leaf })
}

/// A short-lived ECDSA P-256 CA with one leaf, valid from now: the probe's foreign CA and the
/// demo origin's server certificate.
pub fn generate_ephemeral(
    ca_name: &str,
    leaf_name: &str,
    purpose: LeafPurpose,
    days: u32,
) -> Result<GeneratedSet> {
    let validity = Validity::days_from(time::OffsetDateTime::now_utc(), days)?;
    generate_ca_and_leaf(
        KeyType::EcdsaP256,
        &CaSpec {
            common_name: ca_name.into(),
            organization: None,
            validity,
        },
        &LeafSpec {
            common_name: leaf_name.into(),
            validity,
            purpose,
        },
    )
}

/// `count` keys, made concurrently. RSA prime search takes from 0.2 s to 3 s per key, so for RSA
/// a few more searches than needed run at once and the first `count` to finish win: the slow tail
/// no longer decides the wait. The losers finish in the background and are dropped.
fn generate_keys(key_type: KeyType, count: usize) -> Result<Vec<KeyPair>> {
    let searches = if key_type.is_rsa() { count * 2 } else { count };
    let (sender, receiver) = std::sync::mpsc::channel();
    for _ in 0..searches {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let _ = sender.send(generate_key(key_type));
        });
    }
    drop(sender);
    let mut keys = Vec::with_capacity(count);
    let mut last_error = None;
    for result in receiver.iter() {
        match result {
            Ok(key) => keys.push(key),
            Err(error) => last_error = Some(error),
        }
        if keys.len() == count {
            return Ok(keys);
        }
    }
    Err(last_error
        .unwrap_or_else(|| PkiError::Generation("key generation threads stopped early".into())))
}

fn check_validity(validity: &Validity, what: &str) -> Result<()> {
    if validity.not_after <= validity.not_before {
        return Err(PkiError::InvalidSpec(format!(
            "the {what} validity ends before it starts; give a positive number of days"
        )));
    }
    // A spec put together by hand (not through `days_from`) meets the same ceiling.
    let longest = Duration::days(i64::from(MAX_VALIDITY_DAYS)) + Duration::minutes(5);
    if validity.not_after - validity.not_before > longest {
        return Err(PkiError::ValidityDays {
            days: (validity.not_after - validity.not_before).whole_days(),
        });
    }
    Ok(())
}

fn san(name: &str) -> Result<SanType> {
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    name.to_string()
        .try_into()
        .map(SanType::DnsName)
        .map_err(|_| {
            PkiError::InvalidSpec(format!(
                "\"{}\" is not a valid DNS name",
                crate::untrusted::shown(name)
            ))
        })
}

/// 128 random bits, top bit cleared so the DER INTEGER stays positive and 16 bytes long.
fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| PkiError::Generation("the system random source failed".into()))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn encrypt_key(key: &KeyPair, passphrase: &[u8]) -> Result<String> {
    use pkcs8::der::Decode;
    if passphrase.is_empty() {
        return Err(PkiError::InvalidSpec("the CA passphrase is empty".into()));
    }
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt)
        .map_err(|_| PkiError::Generation("random source failed".into()))?;
    aws_lc_rs::rand::fill(&mut iv)
        .map_err(|_| PkiError::Generation("random source failed".into()))?;
    let params =
        pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(600_000, &salt, iv)
            .map_err(|e| PkiError::Generation(e.to_string()))?;
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der)
        .map_err(|e| PkiError::Generation(e.to_string()))?;
    let encrypted = info
        .encrypt_with_params(params, passphrase)
        .map_err(|e| PkiError::Generation(e.to_string()))?;
    encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| PkiError::Generation(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check after signing catches a key that slipped past the one before (bypassed here:
    /// the CA is put together by hand).
    #[test]
    fn a_leaf_that_does_not_verify_against_the_ca_certificate_is_not_returned() {
        let validity = Validity::days_from(OffsetDateTime::now_utc(), 30).unwrap();
        let spec = CaSpec {
            common_name: "test CA".into(),
            organization: None,
            validity,
        };
        let ca =
            CertificateAuthority::create(&spec, generate_key(KeyType::EcdsaP256).unwrap()).unwrap();
        let other_key = generate_key(KeyType::EcdsaP256).unwrap();
        let mismatched = CertificateAuthority {
            issuer: Issuer::from_ca_cert_der(&ca.cert_der.clone().into(), other_key).unwrap(),
            cert_der: ca.cert_der.clone(),
            cert_pem: ca.cert_pem.clone(),
            not_after: ca.not_after,
            cert_name: PathBuf::from("ca.crt"),
        };
        let leaf = LeafSpec {
            common_name: "leaf".into(),
            validity,
            purpose: LeafPurpose::ClientAuth,
        };
        let refused = mismatched
            .issue(&leaf, generate_key(KeyType::EcdsaP256).unwrap())
            .unwrap_err();
        assert!(
            matches!(&refused, PkiError::LeafDoesNotVerify { ca } if ca == Path::new("ca.crt")),
            "{refused:?}"
        );
        assert_eq!(
            refused.to_string(),
            "the certificate just signed does not verify against ca.crt, so it was not used: pass the key that belongs to this CA, or --new-ca"
        );
        // The same CA with its own key signs.
        ca.issue(&leaf, generate_key(KeyType::EcdsaP256).unwrap())
            .unwrap();
    }

    #[test]
    fn day_counts_outside_the_bounds_are_refused_not_panicked_on() {
        let now = OffsetDateTime::now_utc();
        for days in [0, MAX_VALIDITY_DAYS + 1, 999_999_999, u32::MAX] {
            let refused = Validity::days_from(now, days).unwrap_err();
            assert!(
                matches!(refused, PkiError::ValidityDays { .. }),
                "{refused:?}"
            );
        }
        assert_eq!(
            validity_days(-1).unwrap_err().to_string(),
            "a certificate cannot be valid for -1 days: give a whole number from 1 to 36525 (100 years)"
        );
        let longest = Validity::days_from(now, MAX_VALIDITY_DAYS).unwrap();
        assert_eq!((longest.not_after - now).whole_days(), 36_525);
        // By hand, past the ceiling: refused by the CA as well.
        let spec = CaSpec {
            common_name: "test CA".into(),
            organization: None,
            validity: Validity {
                not_before: now,
                not_after: now + Duration::days(40_000),
            },
        };
        let refused =
            CertificateAuthority::create(&spec, generate_key(KeyType::EcdsaP256).unwrap())
                .unwrap_err();
        assert!(
            matches!(refused, PkiError::ValidityDays { days: 40_000 }),
            "{refused:?}"
        );
    }
}
