//! Everything Cloudflare or an origin would object to in a client certificate and its key, found
//! locally before anything is uploaded.

use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;

use rcgen::PublicKeyData;

use super::inspect::{CertificateInfo, inspect_certificate};
use super::pem::{certificates_from_pem, load_certificates, load_private_key, read_pem_file};
use super::{PkiError, Result};

/// The certificates of a file an origin is told to trust as its CA, each checked to be a CA
/// (basicConstraints CA:TRUE): a client certificate there would make the origin refuse everyone.
pub fn load_ca_certificates(path: &Path) -> Result<Vec<Vec<u8>>> {
    ca_certificates_from_pem(&read_pem_file(path)?, path)
}

/// The CA certificates in PEM text; `path` names where the text came from, for errors.
pub fn ca_certificates_from_pem(text: &str, path: &Path) -> Result<Vec<Vec<u8>>> {
    let certs = certificates_from_pem(text, path)?;
    for der in &certs {
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|e| PkiError::Garbage {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        if !cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca)
        {
            return Err(PkiError::LeafWhereCaExpected {
                path: path.to_path_buf(),
            });
        }
    }
    Ok(certs)
}

/// Days before expiry from which a certificate is refused: an upload that will break within two
/// weeks only moves the outage.
pub const EXPIRY_MARGIN_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    CaNotLeaf,
    KeyMismatch,
    KeyEncrypted,
    KeyTooWeak,
    KeyUnsupported,
    NoClientAuth,
    Expired,
    NotYetValid,
    ExpiringSoon,
    NotSignedByCa,
    BadSerial,
    CaKeyTooWeak,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// One sentence: what is wrong and how to fix it.
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub certificate: CertificateInfo,
    pub problems: Vec<Problem>,
}

impl CheckReport {
    pub fn uploadable(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn has(&self, kind: ProblemKind) -> bool {
        self.problems.iter().any(|p| p.kind == kind)
    }
}

/// Checks a client certificate (the first one in `cert_path`) and its key, and when `ca_path` is
/// given, that one of the CAs in it signed the certificate.
pub fn check_client_certificate(
    cert_path: &Path,
    key_path: &Path,
    ca_path: Option<&Path>,
    now: OffsetDateTime,
) -> Result<CheckReport> {
    let certs = load_certificates(cert_path)?;
    let leaf_der = &certs[0];
    let info = inspect_certificate(leaf_der, now).map_err(|detail| PkiError::Garbage {
        path: cert_path.to_path_buf(),
        detail,
    })?;
    let (_, leaf) =
        x509_parser::parse_x509_certificate(leaf_der).map_err(|e| PkiError::Garbage {
            path: cert_path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let mut problems = Vec::new();
    let mut add = |kind, message: String| problems.push(Problem { kind, message });

    // The key's strength first: when it is too weak nothing else can be fixed without a new pair.
    let weakness = info.key.weakness();
    if let Some(weakness) = &weakness {
        let kind = if matches!(info.key, super::KeyDescription::Rsa { .. }) {
            ProblemKind::KeyTooWeak
        } else {
            ProblemKind::KeyUnsupported
        };
        add(
            kind,
            format!(
                "the certificate's key is not accepted: {weakness}; generate a new certificate with `aop-wizard cert generate`."
            ),
        );
    }
    if let Some(serial) = serial_problem(leaf.tbs_certificate.raw_serial()) {
        add(
            ProblemKind::BadSerial,
            format!(
                "the certificate's serial number {serial}; RFC 5280 requires a positive serial of at most 20 octets: issue a new certificate (`aop-wizard cert generate` does)."
            ),
        );
    }
    if info.is_ca {
        add(
            ProblemKind::CaNotLeaf,
            format!(
                "{} is a CA certificate; Cloudflare answers \"missing leaf certificate\": upload the client certificate the CA signed (client.crt), and put the CA on the origin.",
                cert_path.display()
            ),
        );
    }
    match load_private_key(key_path, None) {
        Ok(key) => {
            if key.key_pair.subject_public_key_info() != leaf.public_key().raw {
                add(
                    ProblemKind::KeyMismatch,
                    format!(
                        "the key in {} does not belong to the certificate in {}; pass the key that was generated with this certificate.",
                        key_path.display(),
                        cert_path.display()
                    ),
                );
            }
        }
        Err(PkiError::EncryptedKey { hint, .. }) => add(
            ProblemKind::KeyEncrypted,
            format!(
                "{} is protected by a passphrase; {hint}.",
                key_path.display()
            ),
        ),
        // The certificate's own key refused says it already: the pair is replaced together.
        Err(PkiError::UnsupportedKey { .. } | PkiError::WeakKey { .. }) if weakness.is_some() => {}
        Err(PkiError::WeakKey { weakness, .. }) => add(
            ProblemKind::KeyTooWeak,
            format!(
                "the key in {} is not accepted: {weakness}; generate a new key and certificate with `aop-wizard cert generate`.",
                key_path.display()
            ),
        ),
        Err(PkiError::UnsupportedKey { what, .. }) => add(
            ProblemKind::KeyUnsupported,
            format!(
                "{} holds a key of type {what}, which Cloudflare does not accept; generate an RSA (2048+) or ECDSA P-256 key.",
                key_path.display()
            ),
        ),
        Err(other) => return Err(other),
    }
    if !info.is_ca
        && !info
            .extended_key_usages
            .iter()
            .any(|u| u == "clientAuth" || u == "any")
    {
        add(
            ProblemKind::NoClientAuth,
            "the certificate lacks the clientAuth extended key usage, so every origin will refuse it; issue one with extendedKeyUsage=clientAuth (`aop-wizard cert generate` does).".into(),
        );
    }
    if now < info.not_before {
        add(
            ProblemKind::NotYetValid,
            format!(
                "the certificate is not valid until {}; check the clock of the machine that issued it.",
                info.not_before.date()
            ),
        );
    } else if now >= info.not_after {
        add(
            ProblemKind::Expired,
            format!(
                "the certificate expired on {}; issue a new one.",
                info.not_after.date()
            ),
        );
    } else if info.days_left < EXPIRY_MARGIN_DAYS {
        add(
            ProblemKind::ExpiringSoon,
            format!(
                "the certificate expires in {} days ({}); issue a new one before uploading.",
                info.days_left,
                info.not_after.date()
            ),
        );
    }
    if let Some(ca_path) = ca_path {
        let cas = load_certificates(ca_path)?;
        let mut any_ca = false;
        let mut signed = false;
        // A CA whose key the verifier refuses (RSA under 2048 bits) cannot be shown to have
        // signed anything: that is said instead of "not signed", which may be untrue.
        let mut weak_ca: Option<String> = None;
        let mut own_weak_key = false;
        for ca_der in &cas {
            let (_, ca) =
                x509_parser::parse_x509_certificate(ca_der).map_err(|e| PkiError::Garbage {
                    path: ca_path.to_path_buf(),
                    detail: e.to_string(),
                })?;
            if ca
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca)
            {
                any_ca = true;
                // The signature, not the names: another CA can carry the same subject.
                if leaf.verify_signature(Some(ca.public_key())).is_ok() {
                    signed = true;
                } else if let Some(weakness) =
                    super::KeyDescription::from_spki(ca.public_key()).weakness()
                {
                    // The certificate's own key (self-signed) was said first: no second line.
                    if ca.public_key().raw == leaf.public_key().raw {
                        own_weak_key = true;
                    } else {
                        weak_ca = Some(weakness);
                    }
                }
            }
        }
        if !any_ca {
            return Err(PkiError::LeafWhereCaExpected {
                path: ca_path.to_path_buf(),
            });
        }
        let problem = match (&weak_ca, signed || own_weak_key) {
            (_, true) => None,
            (Some(weakness), false) => Some((
                ProblemKind::CaKeyTooWeak,
                format!(
                    "the CA in {} is not accepted: {weakness}, so no signature by it can be trusted; make a new CA and certificate with `aop-wizard cert generate`.",
                    ca_path.display()
                ),
            )),
            (None, false) => Some((
                ProblemKind::NotSignedByCa,
                format!(
                    "the certificate was not signed by the CA in {}; the origin trusts that CA and would refuse it: use the matching CA or re-issue the certificate.",
                    ca_path.display()
                ),
            )),
        };
        if let Some((kind, message)) = problem {
            add(kind, message);
        }
    }
    Ok(CheckReport {
        certificate: info,
        problems,
    })
}

/// What is wrong with a serial number's encoding (the INTEGER's content octets), if anything.
/// RFC 5280 §4.1.2.2: positive, and at most 20 octets; a sign octet in front of a 20-octet value
/// is not counted, as OpenSSL, Go and the CA/Browser Forum linters count.
fn serial_problem(raw: &[u8]) -> Option<String> {
    let negative = raw.first().is_some_and(|first| first & 0x80 != 0);
    let magnitude = raw.iter().skip_while(|byte| **byte == 0).count();
    if negative {
        Some("is negative".into())
    } else if magnitude == 0 {
        Some("is 0".into())
    } else if magnitude > 20 {
        Some(format!("is {magnitude} octets long"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::serial_problem;

    #[test]
    fn serials_are_positive_and_at_most_20_octets() {
        assert_eq!(serial_problem(&[0x01]), None);
        assert_eq!(serial_problem(&[0x7f; 20]), None);
        // A 20-octet value with its top bit set needs a sign octet: still 20 octets.
        let mut signed = vec![0x00];
        signed.extend([0xff; 20]);
        assert_eq!(serial_problem(&signed), None);
        assert_eq!(serial_problem(&[0xfb]).as_deref(), Some("is negative"));
        assert_eq!(serial_problem(&[0x00]).as_deref(), Some("is 0"));
        assert_eq!(serial_problem(&[]).as_deref(), Some("is 0"));
        assert_eq!(
            serial_problem(&[0x01; 21]).as_deref(),
            Some("is 21 octets long")
        );
    }
}
