//! Certificates and keys: generate a private CA and a client leaf, read and inspect PEM files,
//! check what Cloudflare or an origin would object to, and write key material safely.
//!
//! This is the ground floor: it imports nothing else of ours and knows nothing of terminals.

mod check;
pub mod cloudflare_ca;
mod files;
mod generate;
mod inspect;
mod passphrase;
mod pem;

pub use check::{
    CheckReport, Problem, ProblemKind, ca_certificates_from_pem, check_client_certificate,
    load_ca_certificates,
};
pub use files::{
    OutputFile, PENDING, describe_file, differing_files, existing_file, write_files_atomically,
};
pub use generate::{
    CaSpec, CertificateAuthority, GeneratedFiles, GeneratedSet, IssuedCertificate, KeyType,
    LeafPurpose, LeafSpec, MAX_VALIDITY_DAYS, MIN_VALIDITY_DAYS, Validity, generate_ca_and_leaf,
    generate_ephemeral, generate_key, validity_days,
};
pub use inspect::{
    CertificateInfo, KeyDescription, fingerprint_sha256, inspect_certificate, signed_by,
};
pub use passphrase::{Passphrase, PassphraseProblem};
pub(crate) use pem::file_kind;
pub use pem::{
    INPUT_CAP, LoadedKey, certificates_from_pem, certificates_pem, load_certificates,
    load_private_key, pem_file_text, private_key_from_pem, private_key_pem, read_input,
    read_pem_file,
};

use std::path::PathBuf;

/// Everything that can go wrong with certificates and keys, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    // The io error is in the message, not a source: `{:#}` would print it twice.
    #[error("cannot read {path}: {}", read_reason(cause))]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "{path} holds no PEM certificate{holds} (expected a block starting with -----BEGIN CERTIFICATE-----)"
    )]
    NoCertificate {
        path: PathBuf,
        /// What it holds instead, when that can be said (", only a private key", ", nothing").
        holds: &'static str,
    },
    #[error("{path} is not valid PEM or DER: {detail}")]
    Garbage { path: PathBuf, detail: String },
    #[error(
        "{path} holds no private key (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)"
    )]
    NoPrivateKey { path: PathBuf },
    #[error("{path} is encrypted with a passphrase; {hint}")]
    EncryptedKey { path: PathBuf, hint: String },
    #[error("{path}: wrong passphrase, or the key is damaged")]
    BadPassphrase { path: PathBuf },
    #[error(
        "{path} uses an unsupported key type ({what}); use RSA (2048 bits or more) or ECDSA P-256/P-384"
    )]
    UnsupportedKey { path: PathBuf, what: String },
    #[error(
        "{path} is a CA certificate, but a leaf (client) certificate is needed here; pass client.crt, not ca.crt"
    )]
    CaWhereLeafExpected { path: PathBuf },
    #[error(
        "{path} is not a CA certificate (basicConstraints CA:TRUE is missing); pass the CA that signed your client certificate"
    )]
    LeafWhereCaExpected { path: PathBuf },
    #[error("the private key in {key} does not belong to the certificate in {cert}")]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error(
        "{key} is not the private key of {cert} (their public keys differ): pass the key that belongs to this CA, or --new-ca"
    )]
    CaKeyMismatch { cert: PathBuf, key: PathBuf },
    #[error(
        "the certificate just signed does not verify against {ca}, so it was not used: pass the key that belongs to this CA, or --new-ca"
    )]
    LeafDoesNotVerify { ca: PathBuf },
    #[error("{path} already exists; pass --force to replace it")]
    WouldOverwrite { path: PathBuf },
    #[error("cannot write into {dir}: {cause}")]
    Write { dir: PathBuf, cause: std::io::Error },
    #[error("{dir} is a file, not a folder: give a folder for the files (it is made when missing)")]
    NotAFolder { dir: PathBuf },
    #[error("{0}")]
    InvalidSpec(String),
    #[error("certificate generation failed: {0}")]
    Generation(String),
    #[error(
        "a certificate cannot be valid for {days} days: give a whole number from {MIN_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS} (100 years)"
    )]
    ValidityDays { days: i64 },
    #[error("{path} is {what}, not a regular file; give the path of a file saved on disk")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error(
        "{path} is larger than {cap_kib} KiB, far more than a certificate, key or saved state holds; check that the path names the right file"
    )]
    TooLarge { path: PathBuf, cap_kib: u64 },
    #[error(
        "{path} holds a key Cloudflare refuses: {weakness}; generate a new key and certificate with `aop-wizard cert generate`"
    )]
    WeakKey { path: PathBuf, weakness: String },
    #[error("{path} is binary, not PEM text: {advice}")]
    NotPem { path: PathBuf, advice: String },
}

/// An io error in words, without the "(os error N)" suffix its Display adds.
pub(crate) fn read_reason(cause: &std::io::Error) -> String {
    match cause.kind() {
        std::io::ErrorKind::NotFound => "no such file; check the path".into(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; check the file's owner and mode".into()
        }
        std::io::ErrorKind::IsADirectory => "it is a directory; name a file in it".into(),
        _ => cause.to_string(),
    }
}

pub type Result<T, E = PkiError> = std::result::Result<T, E>;
