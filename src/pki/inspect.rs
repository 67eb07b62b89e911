//! What a certificate says about itself, in the terms `cert inspect` and `status` show.

use ::time::OffsetDateTime;
use ::time::format_description::well_known::Rfc3339;
use serde::Serialize;
use x509_parser::prelude::*;

/// The kind and strength of a public key, which decides whether Cloudflare accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum KeyDescription {
    Rsa { bits: usize },
    Ecdsa { curve: String },
    Other { name: String },
}

impl KeyDescription {
    pub fn from_spki_der(der: &[u8]) -> Self {
        match SubjectPublicKeyInfo::from_der(der) {
            Ok((_, spki)) => Self::from_spki(&spki),
            Err(_) => Self::Other {
                name: "unreadable public key".into(),
            },
        }
    }

    pub fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Self {
        let curve_oid = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => Self::Rsa {
                bits: rsa.key_size(),
            },
            Ok(x509_parser::public_key::PublicKey::EC(_)) => Self::Ecdsa {
                curve: match curve_oid.map(|oid| oid.to_id_string()).as_deref() {
                    Some("1.2.840.10045.3.1.7") => "P-256".into(),
                    Some("1.3.132.0.34") => "P-384".into(),
                    Some("1.3.132.0.35") => "P-521".into(),
                    Some(other) => other.to_string(),
                    None => "unknown".into(),
                },
            },
            _ => Self::Other {
                name: match spki.algorithm.algorithm.to_id_string().as_str() {
                    "1.3.101.112" => "Ed25519".into(),
                    "1.3.101.113" => "Ed448".into(),
                    "1.2.840.10040.4.1" => "DSA".into(),
                    other => other.to_string(),
                },
            },
        }
    }

    /// Cloudflare's minimums: RSA ≥ 2048 bits, ECDSA ≥ 225 bits (P-256 or larger).
    pub fn weakness(&self) -> Option<String> {
        match self {
            Self::Rsa { bits } if *bits < 2048 => {
                Some(format!("RSA {bits} bits is below the 2048-bit minimum"))
            }
            Self::Rsa { .. } => None,
            Self::Ecdsa { curve } if ["P-256", "P-384", "P-521"].contains(&curve.as_str()) => None,
            Self::Ecdsa { curve } => Some(format!("ECDSA curve {curve} is not supported")),
            Self::Other { name } => Some(format!("{name} keys are not supported")),
        }
    }
}

impl std::fmt::Display for KeyDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA {bits} bits"),
            Self::Ecdsa { curve } => write!(f, "ECDSA {curve}"),
            Self::Other { name } => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "::time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub days_left: i64,
    pub is_ca: bool,
    pub self_signed: bool,
    pub key: KeyDescription,
    pub signature_algorithm: String,
    pub fingerprint_sha256: String,
    pub key_usages: Vec<String>,
    pub extended_key_usages: Vec<String>,
    pub subject_alt_names: Vec<String>,
}

impl CertificateInfo {
    pub fn kind(&self) -> &'static str {
        if self.is_ca { "CA" } else { "leaf" }
    }

    pub fn validity_text(&self) -> String {
        let fmt = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        format!("{} → {}", fmt(self.not_before), fmt(self.not_after))
    }
}

/// SHA-256 over the DER, as `openssl x509 -fingerprint -sha256` prints it. Certificates are compared
/// by this, never by PEM text.
pub fn fingerprint_sha256(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    hex_colon(digest.as_ref())
}

pub(crate) fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A serial number as OpenSSL shows it: its DER integer is two's complement, so a first byte
/// of 0x80 or more is a negative number (RFC 5280 forbids it; `cert check` says so), shown as
/// `-` and its magnitude rather than as a positive-looking byte string.
fn serial_text(raw: &[u8]) -> String {
    if raw.first().is_none_or(|b| *b < 0x80) {
        return hex_colon(raw);
    }
    // The magnitude: invert every byte and add one.
    let mut magnitude: Vec<u8> = raw.iter().map(|b| !b).collect();
    for byte in magnitude.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    let start = magnitude
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(magnitude.len() - 1);
    format!("-{}", hex_colon(&magnitude[start..]))
}

pub fn inspect_certificate(der: &[u8], now: OffsetDateTime) -> Result<CertificateInfo, String> {
    let (_, cert) = parse_x509_certificate(der).map_err(|_| super::pem::NOT_X509.to_string())?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    let self_signed = cert.subject() == cert.issuer() && cert.verify_signature(None).is_ok();
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: serial_text(cert.raw_serial()),
        not_before,
        not_after,
        days_left: (not_after - now).whole_days(),
        is_ca,
        self_signed,
        key: KeyDescription::from_spki(cert.public_key()),
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        fingerprint_sha256: fingerprint_sha256(der),
        key_usages: key_usages(&cert),
        extended_key_usages: extended_key_usages(&cert),
        subject_alt_names: subject_alt_names(&cert),
    })
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256".into(),
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384".into(),
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.3.101.112" => "Ed25519".into(),
        other => other.into(),
    }
}

fn key_usages(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ku)) = cert.key_usage() else {
        return Vec::new();
    };
    let ku = ku.value;
    [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| name.to_string())
    .collect()
}

fn extended_key_usages(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return Vec::new();
    };
    let eku = eku.value;
    let mut names = Vec::new();
    for (set, name) in [
        (eku.any, "any"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ] {
        if set {
            names.push(name.to_string());
        }
    }
    names.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    names
}

fn subject_alt_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => format!("DNS:{dns}"),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => format!("IP:{}", std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])),
                16 => {
                    let octets: [u8; 16] = (*ip).try_into().unwrap_or([0; 16]);
                    format!("IP:{}", std::net::Ipv6Addr::from(octets))
                }
                _ => "IP:?".into(),
            },
            other => other.to_string(),
        })
        .collect()
}

/// Whether `ca_der`'s key made the signature on `leaf_der` (the signature, not the names: another
/// CA can carry the same subject).
pub fn signed_by(leaf_der: &[u8], ca_der: &[u8]) -> bool {
    let (Ok((_, leaf)), Ok((_, ca))) = (
        x509_parser::parse_x509_certificate(leaf_der),
        x509_parser::parse_x509_certificate(ca_der),
    ) else {
        return false;
    };
    leaf.verify_signature(Some(ca.public_key())).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_serial_is_shown_with_its_sign_as_openssl_does() {
        assert_eq!(serial_text(&[0xFB]), "-05");
        assert_eq!(serial_text(&[0xFF, 0x00]), "-01:00");
        assert_eq!(serial_text(&[0x80]), "-80");
        assert_eq!(serial_text(&[0x00, 0x80]), "00:80");
        assert_eq!(serial_text(&[0x65, 0xD6]), "65:D6");
    }
}
