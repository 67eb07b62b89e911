//! Cloudflare's own CA for global Authenticated Origin Pulls, shipped in the binary so that
//! `--global` works offline. Pinned by fingerprint: a swapped file fails the tests and the check.

/// `authenticated_origin_pull_ca.pem` as Cloudflare publishes it.
pub const PEM: &str = include_str!("../../assets/cloudflare-origin-pull-ca.pem");

/// SHA-256 over its DER, as `openssl x509 -fingerprint -sha256` prints it.
pub const SHA256_FINGERPRINT: &str = "9A:1A:C2:B4:BE:15:F9:F2:7E:EE:20:A7:34:CB:A4:E9:89:8F:61:00:1B:3B:D7:C8:4B:69:B5:6A:3E:25:A2:B9";

/// The file name the snippets give it on an origin.
pub const FILE_NAME: &str = "cloudflare-origin-pull-ca.pem";

/// The DER of the shipped CA, after checking it is the pinned one.
pub fn der() -> Result<Vec<u8>, String> {
    let pem = x509_parser::pem::parse_x509_pem(PEM.as_bytes())
        .map_err(|e| format!("the shipped Cloudflare CA does not parse: {e}"))?
        .1;
    let actual = super::fingerprint_sha256(&pem.contents);
    if actual != SHA256_FINGERPRINT {
        return Err(format!(
            "the shipped Cloudflare CA has fingerprint {actual}, expected {SHA256_FINGERPRINT}"
        ));
    }
    Ok(pem.contents)
}
