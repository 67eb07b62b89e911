//! Reading certificates and private keys from PEM files, with errors that name the file.

use std::path::{Path, PathBuf};

use pkcs8::der::Decode;
use rcgen::{KeyPair, PublicKeyData};
use x509_parser::pem::Pem;

use super::inspect::KeyDescription;
use super::{PkiError, Result};

/// A private key that parsed and can sign, with what kind of key it is.
pub struct LoadedKey {
    pub key_pair: KeyPair,
    pub description: KeyDescription,
}

impl std::fmt::Debug for LoadedKey {
    // Never print key material, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// The most a certificate, key or saved-state file may hold. A long chain is a few tens of KiB;
/// anything near this is the wrong file, and reading it whole could exhaust memory.
pub const INPUT_CAP: u64 = 1024 * 1024;

/// The bytes of a file the user named (or we saved), refusing what is not a regular file (a FIFO
/// would block forever, `/dev/zero` never ends) and anything over `cap` bytes.
pub fn read_input(path: &Path, cap: u64) -> Result<Vec<u8>> {
    let read_error = |cause| PkiError::Read {
        path: path.to_path_buf(),
        cause,
    };
    // Look before opening: opening a FIFO for reading blocks until something writes to it.
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        return Err(PkiError::NotAFile {
            path: path.to_path_buf(),
            what: file_kind(&metadata.file_type()),
        });
    }
    let too_large = || PkiError::TooLarge {
        path: path.to_path_buf(),
        cap_kib: cap / 1024,
    };
    if metadata.len() > cap {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    // The size can change between the look and the read: never take more than cap + 1 bytes.
    std::io::Read::read_to_end(&mut std::io::Read::take(file, cap + 1), &mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// What a path is when it is not a regular file, in words ("a named pipe (FIFO)").
pub(crate) fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// A PEM file as text, up to [`INPUT_CAP`]. A binary file is told apart as a DER certificate,
/// a DER key or neither, so the advice names the conversion that fits.
pub fn read_pem_file(path: &Path) -> Result<String> {
    pem_file_text(read_input(path, INPUT_CAP)?, path)
}

/// A file's bytes as PEM text; `path` names where they came from, for errors.
pub fn pem_file_text(bytes: Vec<u8>, path: &Path) -> Result<String> {
    String::from_utf8(bytes).map_err(|binary| PkiError::NotPem {
        path: path.to_path_buf(),
        advice: binary_advice(binary.as_bytes(), path),
    })
}

fn binary_advice(der: &[u8], path: &Path) -> String {
    let shown = path.display();
    if x509_parser::parse_x509_certificate(der).is_ok() {
        format!(
            "it is a DER certificate; convert it with `openssl x509 -inform der -in {shown} -out {shown}.pem`"
        )
    } else if is_der_private_key(der) {
        format!(
            "it is a DER private key; convert it with `openssl pkey -inform der -in {shown} -out {shown}.pem`"
        )
    } else {
        "it is not a DER certificate or key either; check that the path names the right file".into()
    }
}

/// PKCS#8 (plain or encrypted), or the traditional RSA (PKCS#1) and EC (SEC1) forms: a
/// SEQUENCE that opens with a small version number and then a modulus or the key's octets.
fn is_der_private_key(der: &[u8]) -> bool {
    use x509_parser::der_parser::ber::BerObjectContent;
    if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok()
        || pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).is_ok()
    {
        return true;
    }
    let Ok((_, object)) = x509_parser::der_parser::parse_der(der) else {
        return false;
    };
    match &object.content {
        BerObjectContent::Sequence(items) if items.len() >= 2 => {
            matches!(items[0].as_u32(), Ok(0 | 1))
                && matches!(
                    items[1].content,
                    BerObjectContent::Integer(_) | BerObjectContent::OctetString(_)
                )
        }
        _ => false,
    }
}

/// Every certificate (DER) in a PEM file, in file order. Fails when there is none.
pub fn load_certificates(path: &Path) -> Result<Vec<Vec<u8>>> {
    certificates_from_pem(&read_pem_file(path)?, path)
}

/// Every certificate in PEM text; `path` names where the text came from, for errors.
pub fn certificates_from_pem(text: &str, path: &Path) -> Result<Vec<Vec<u8>>> {
    let blocks = pem_blocks(path, text)?;
    let certs: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|pem| pem.label == "CERTIFICATE")
        .map(|pem| pem.contents)
        .collect();
    if certs.is_empty() {
        let holds = if text.trim().is_empty() {
            ": the file is empty"
        } else if text.contains("PRIVATE KEY-----") {
            ": it holds a private key (the certificate is the other file)"
        } else {
            ""
        };
        return Err(PkiError::NoCertificate {
            path: path.to_path_buf(),
            holds,
        });
    }
    for der in &certs {
        x509_parser::parse_x509_certificate(der).map_err(|_| PkiError::Garbage {
            path: path.to_path_buf(),
            detail: NOT_X509.into(),
        })?;
    }
    Ok(certs)
}

/// Certificates (DER) as PEM text and nothing else: what is sent or copied on is the blocks read,
/// never the text around them in the file (a comment, a stray paste, escape sequences).
pub fn certificates_pem(certificates: &[Vec<u8>]) -> String {
    certificates
        .iter()
        .map(|der| pem_text("CERTIFICATE", der))
        .collect()
}

/// The private key block of PEM text, as PEM and nothing else (as `certificates_pem`).
pub fn private_key_pem(text: &str, path: &Path) -> Result<String> {
    pem_blocks(path, text)?
        .into_iter()
        .find(|pem| pem.label.ends_with("PRIVATE KEY"))
        .map(|pem| pem_text(&pem.label, &pem.contents))
        .ok_or_else(|| PkiError::NoPrivateKey {
            path: path.to_path_buf(),
        })
}

/// The private key in a PEM file. An encrypted key needs `passphrase`; without one it is reported
/// as encrypted, which is what Cloudflare would refuse.
pub fn load_private_key(path: &Path, passphrase: Option<&[u8]>) -> Result<LoadedKey> {
    private_key_from_pem(&read_pem_file(path)?, path, passphrase)
}

/// The private key in PEM text; `path` names where the text came from, for errors.
pub fn private_key_from_pem(
    text: &str,
    path: &Path,
    passphrase: Option<&[u8]>,
) -> Result<LoadedKey> {
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(PkiError::EncryptedKey {
            path: path.to_path_buf(),
            hint: decrypt_hint(path),
        });
    }
    let blocks = pem_blocks(path, text)?;
    let Some(block) = blocks.iter().find(|pem| pem.label.ends_with("PRIVATE KEY")) else {
        return Err(PkiError::NoPrivateKey {
            path: path.to_path_buf(),
        });
    };
    let pkcs8_der: Vec<u8> = match (block.label.as_str(), passphrase) {
        ("ENCRYPTED PRIVATE KEY", None) => {
            return Err(PkiError::EncryptedKey {
                path: path.to_path_buf(),
                hint: decrypt_hint(path),
            });
        }
        ("ENCRYPTED PRIVATE KEY", Some(pass)) => {
            let info =
                pkcs8::EncryptedPrivateKeyInfoRef::from_der(&block.contents).map_err(|_| {
                    PkiError::Garbage {
                        path: path.to_path_buf(),
                        detail: "the ENCRYPTED PRIVATE KEY block is damaged; export the key again"
                            .into(),
                    }
                })?;
            if let Some(cost) = excessive_kdf_cost(&info.encryption_algorithm) {
                return Err(PkiError::Garbage {
                    path: path.to_path_buf(),
                    detail: format!(
                        "its encryption asks for {cost}, far more than any tool writes, so the passphrase was not tried; export the key again"
                    ),
                });
            }
            let doc = info.decrypt(pass).map_err(|_| PkiError::BadPassphrase {
                path: path.to_path_buf(),
            })?;
            doc.as_bytes().to_vec()
        }
        _ => Vec::new(),
    };
    let parsed = if pkcs8_der.is_empty() {
        let plain = pem_text(&block.label, &block.contents);
        KeyPair::from_pem(&plain)
    } else {
        KeyPair::try_from(pkcs8_der.as_slice())
    };
    let key_pair =
        parsed.map_err(|_| unsupported_key(path, &block.label, &block.contents, &pkcs8_der))?;
    let description = KeyDescription::from_spki_der(&key_pair.subject_public_key_info());
    Ok(LoadedKey {
        key_pair,
        description,
    })
}

/// The most PBKDF2 rounds a key may ask for: far above what tools write (ours 600,000, OpenSSL
/// 2,048), far below an hour of hashing for a file that says 4 billion.
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// The most memory scrypt may take for a key (OpenSSL's own limit is 32 MiB): a file asking for
/// a terabyte would otherwise end the process when the allocation fails.
const MAX_SCRYPT_BYTES: u64 = 1 << 30;

/// What an encrypted key's parameters ask for, in words, when trying a passphrase would take
/// longer or more memory than any honest key needs. The parameters come from the file.
fn excessive_kdf_cost(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Option<String> {
    use pkcs8::pkcs5::pbes2::Kdf;
    let pkcs8::pkcs5::EncryptionScheme::Pbes2(parameters) = scheme else {
        return None;
    };
    match &parameters.kdf {
        Kdf::Pbkdf2(pbkdf2) if pbkdf2.iteration_count > MAX_PBKDF2_ROUNDS => Some(format!(
            "{} PBKDF2 rounds (at most {MAX_PBKDF2_ROUNDS} are tried)",
            pbkdf2.iteration_count
        )),
        Kdf::Scrypt(scrypt) => {
            // scrypt holds 128 × r × N bytes, and repeats that work p times.
            let memory = 128u64
                .saturating_mul(u64::from(scrypt.block_size))
                .saturating_mul(scrypt.cost_parameter);
            let work = memory.saturating_mul(u64::from(scrypt.parallelization));
            (work > MAX_SCRYPT_BYTES).then(|| {
                format!(
                    "scrypt work of {} MiB (at most {} MiB is tried)",
                    work / (1 << 20),
                    MAX_SCRYPT_BYTES / (1 << 20)
                )
            })
        }
        _ => None,
    }
}

/// Why a CERTIFICATE block is refused, in words (the parser's own error is Rust debug text).
pub(super) const NOT_X509: &str =
    "a CERTIFICATE block is damaged or is not an X.509 certificate; export the certificate again";

fn pem_blocks(path: &Path, text: &str) -> Result<Vec<Pem>> {
    // Windows editors save a byte-order mark before the first -----BEGIN line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut blocks = Vec::new();
    for item in Pem::iter_from_buffer(text.as_bytes()) {
        match item {
            Ok(pem) => blocks.push(pem),
            Err(x509_parser::error::PEMError::MissingHeader) if !blocks.is_empty() => break,
            Err(e) => {
                return Err(PkiError::Garbage {
                    path: path.to_path_buf(),
                    detail: match e {
                        x509_parser::error::PEMError::MissingHeader => {
                            "no -----BEGIN ...----- line found"
                        }
                        x509_parser::error::PEMError::Base64DecodeError => {
                            "the text between the -----BEGIN and -----END lines is not base64"
                        }
                        _ => "a -----BEGIN or -----END line is damaged or missing",
                    }
                    .to_string(),
                });
            }
        }
    }
    Ok(blocks)
}

fn pem_text(label: &str, der: &[u8]) -> String {
    pkcs8::der::pem::encode_string(label, pkcs8::der::pem::LineEnding::LF, der).unwrap_or_default()
}

fn decrypt_hint(path: &Path) -> String {
    format!(
        "Cloudflare refuses password-protected keys; decrypt it with `openssl pkey -in {0} -out {0}.plain`",
        path.display()
    )
}

/// Names the algorithm of a key rcgen could not load, so the user learns what to use instead.
fn unsupported_key(path: &Path, label: &str, contents: &[u8], decrypted: &[u8]) -> PkiError {
    let der = if decrypted.is_empty() {
        contents
    } else {
        decrypted
    };
    if label == "RSA PRIVATE KEY"
        && let Some(bits) = rsa_modulus_bits(der)
    {
        return rsa_refusal(path, bits);
    }
    let what = if label == "DSA PRIVATE KEY" {
        "DSA".to_string()
    } else {
        match pkcs8::PrivateKeyInfoRef::from_der(der) {
            Ok(info) if info.algorithm.oid.to_string() == RSA_ENCRYPTION => {
                match rsa_modulus_bits(info.private_key.as_bytes()) {
                    Some(bits) => return rsa_refusal(path, bits),
                    None => "RSA (unreadable modulus)".to_string(),
                }
            }
            Ok(info) => algorithm_name(
                &info.algorithm.oid.to_string(),
                info.algorithm.parameters_oid().ok(),
            ),
            Err(_) => {
                return PkiError::Garbage {
                    path: PathBuf::from(path),
                    detail: format!(
                        "the {} block does not parse as a private key",
                        crate::untrusted::one_line(label, 40)
                    ),
                };
            }
        }
    };
    PkiError::UnsupportedKey {
        path: path.to_path_buf(),
        what,
    }
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// An RSA key that could not be loaded: too short (the usual reason, said as such), or of an
/// allowed size but in a form that does not load.
fn rsa_refusal(path: &Path, bits: usize) -> PkiError {
    match (KeyDescription::Rsa { bits }).weakness() {
        Some(weakness) => PkiError::WeakKey {
            path: path.to_path_buf(),
            weakness,
        },
        None => PkiError::Garbage {
            path: path.to_path_buf(),
            detail: format!(
                "the RSA {bits}-bit key does not load; export it again with `openssl pkey -in {0} -out {0}.pem`",
                path.display()
            ),
        },
    }
}

/// The size of an RSAPrivateKey's (PKCS#1) modulus, its second field, in bits.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    let (_, object) = x509_parser::der_parser::parse_der(der).ok()?;
    let items = object.as_sequence().ok()?;
    let modulus = items.get(1)?.as_slice().ok()?;
    let start = modulus.iter().position(|byte| *byte != 0)?;
    let first = modulus[start];
    Some((modulus.len() - start - 1) * 8 + (8 - first.leading_zeros() as usize))
}

fn algorithm_name(oid: &str, parameter: Option<pkcs8::ObjectIdentifier>) -> String {
    match oid {
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.840.10040.4.1" => "DSA".into(),
        "1.2.840.10045.2.1" => format!(
            "ECDSA on curve {}",
            parameter.map_or_else(|| "unknown".to_string(), |p| p.to_string())
        ),
        other => format!("the algorithm with OID {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/regressions/pem_keys/`): the label of a block that is not a key
    /// was quoted raw, NUL bytes and escape sequences included.
    #[test]
    fn a_damaged_key_block_is_named_without_its_control_characters() {
        let text = "-----BEGIN ENCRYPTED\0\u{1b}[2J PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED\0\u{1b}[2J PRIVATE KEY-----\n";
        let error = private_key_from_pem(text, Path::new("bad.key"), None).unwrap_err();
        let said = error.to_string();
        assert!(
            said.contains(
                "the ENCRYPTED\\x00\\x1b[2J PRIVATE KEY block does not parse as a private key"
            ),
            "{said}"
        );
        assert!(!said.chars().any(char::is_control), "{said:?}");
    }

    /// A hostile key file's encryption parameters: scrypt asking for a terabyte (the allocation
    /// would end the process) and PBKDF2 asking for 4 billion rounds (an hour of hashing).
    #[test]
    fn a_key_whose_encryption_asks_for_hours_or_terabytes_is_refused_before_the_passphrase() {
        use pkcs8::der::Encode;
        use pkcs8::pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, Pbkdf2Params, ScryptParams};
        let salt = [7u8; 16];
        let iv = [9u8; 16];
        let scrypt = ScryptParams::from_params_and_salt(
            pkcs8::pkcs5::scrypt::Params::new(33, 8, 1).unwrap(),
            &salt,
        )
        .unwrap();
        let mut pbkdf2 = Pbkdf2Params::hmac_sha256(2048, &salt).unwrap();
        pbkdf2.iteration_count = u32::MAX;
        for (kdf, expected) in [
            (Kdf::Scrypt(scrypt), "asks for scrypt work of 8388608 MiB"),
            (Kdf::Pbkdf2(pbkdf2), "asks for 4294967295 PBKDF2 rounds"),
        ] {
            let parameters = Parameters {
                kdf,
                encryption: EncryptionScheme::Aes256Cbc { iv },
            };
            let info = pkcs8::EncryptedPrivateKeyInfoRef {
                encryption_algorithm: parameters.into(),
                encrypted_data: pkcs8::der::asn1::OctetStringRef::new(&[0u8; 48]).unwrap(),
            };
            let pem = pkcs8::der::pem::encode_string(
                "ENCRYPTED PRIVATE KEY",
                pkcs8::der::pem::LineEnding::LF,
                &info.to_der().unwrap(),
            )
            .unwrap();
            let error =
                private_key_from_pem(&pem, Path::new("ca.key"), Some(b"secret")).unwrap_err();
            let said = error.to_string();
            assert!(said.contains(expected), "{said}");
            assert!(said.ends_with("export the key again"), "{said}");
        }
    }
}
