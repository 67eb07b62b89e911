//! The one certificate recipe: the names and validity every certificate this tool makes gets,
//! whether `cert generate`, `setup`, the wizard or a rotation makes it.

use std::path::Path;

use time::OffsetDateTime;

use crate::pki::{
    self, CaSpec, GeneratedFiles, GeneratedSet, KeyType, LeafPurpose, LeafSpec, PkiError, Validity,
};

/// Days a CA is valid (five years, as Cloudflare's recipe).
pub const CA_DAYS: u32 = 1826;
/// Days a client certificate is valid.
pub const LEAF_DAYS: u32 = 730;

/// What the certificates are named after: the zone, when there is one.
fn subject(zone: Option<&str>) -> &str {
    zone.filter(|z| !z.trim().is_empty())
        .unwrap_or("aop-wizard")
}

/// The CA's common name. Dated to the second, so that the origin's list of acceptable CAs tells
/// the old CA from the new one during a rotation, and doctor (which can only compare names)
/// tells apart two CAs made the same day.
pub fn ca_common_name(zone: Option<&str>, now: OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    named(
        zone,
        &format!(
            " origin pull CA {} {:02}:{:02}:{:02}Z",
            now.date(),
            now.hour(),
            now.minute(),
            now.second()
        ),
    )
}

/// The client certificate's common name.
pub fn leaf_common_name(zone: Option<&str>) -> String {
    named(zone, " origin pull client")
}

/// `subject` then `what`, the subject cut so that the whole fits the 64 characters RFC 5280
/// allows a common name (a long zone name would otherwise make generating fail).
fn named(zone: Option<&str>, what: &str) -> String {
    let room = 64usize.saturating_sub(what.chars().count());
    let subject: String = subject(zone).chars().take(room).collect();
    format!("{subject}{what}")
}

pub fn ca_spec(common_name: String, days: u32, now: OffsetDateTime) -> Result<CaSpec, PkiError> {
    Ok(CaSpec {
        common_name,
        organization: None,
        validity: Validity::days_from(now, days)?,
    })
}

pub fn leaf_spec(
    common_name: String,
    days: u32,
    now: OffsetDateTime,
) -> Result<LeafSpec, PkiError> {
    Ok(LeafSpec {
        common_name,
        validity: Validity::days_from(now, days)?,
        purpose: LeafPurpose::ClientAuth,
    })
}

/// A new CA and client certificate for `zone`, by the recipe.
fn generate_for_zone(
    zone: &str,
    key_type: KeyType,
    now: OffsetDateTime,
) -> Result<GeneratedSet, PkiError> {
    pki::generate_ca_and_leaf(
        key_type,
        &ca_spec(ca_common_name(Some(zone), now), CA_DAYS, now)?,
        &leaf_spec(leaf_common_name(Some(zone)), LEAF_DAYS, now)?,
    )
}

/// Generates by the recipe and writes `ca.crt`, `ca.key`, `client.crt`, `client.key` into `dir`
/// (the CA key encrypted when a passphrase is given); the files and the leaf's fingerprint.
pub fn generate_and_write(
    zone: &str,
    key_type: KeyType,
    dir: &Path,
    ca_passphrase: Option<&[u8]>,
    force: bool,
) -> Result<(GeneratedFiles, String), PkiError> {
    // Refused before the keys are made: an RSA-4096 pair takes seconds to throw away.
    // What an interrupted run left here does not count (see `pki::write_files_atomically`).
    let set = GeneratedFiles::in_dir(dir);
    let names = set
        .paths()
        .into_iter()
        .filter_map(|path| path.file_name().and_then(|name| name.to_str()));
    if !force && let Some(existing) = pki::existing_file(dir, names) {
        return Err(PkiError::WouldOverwrite { path: existing });
    }
    let set = generate_for_zone(zone, key_type, OffsetDateTime::now_utc())?;
    let files = set.write(dir, ca_passphrase, force)?;
    Ok((files, pki::fingerprint_sha256(&set.leaf.cert_der)))
}

/// The passphrase in the environment variable `var`, which must be set and not empty.
pub fn passphrase_from_env(var: &str) -> Result<String, super::OperationError> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(super::OperationError::Refused(format!(
            "the CA key's passphrase is expected in ${var}, which is unset or empty: export it first"
        ))),
    }
}

/// The passphrase in `var` for a CA key about to be made: held to the length the wizard asks of
/// a typed one.
pub fn new_key_passphrase_from_env(var: &str) -> Result<pki::Passphrase, super::OperationError> {
    pki::Passphrase::for_new_key(&passphrase_from_env(var)?)
        .map_err(|problem| super::OperationError::Refused(format!("${var}: {problem}")))
}

/// The user's own client certificate, key and CA, checked as Cloudflare and the origin will:
/// a leaf with client-auth use, its key, signed by that CA, not expiring soon. Its fingerprint.
pub fn check_import(cert: &Path, key: &Path, ca: &Path) -> Result<String, super::OperationError> {
    let report = pki::check_client_certificate(cert, key, Some(ca), OffsetDateTime::now_utc())?;
    if !report.uploadable() {
        let problems: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
        return Err(super::OperationError::Refused(format!(
            "{} cannot be used: {}",
            cert.display(),
            problems.join(" ")
        )));
    }
    Ok(report.certificate.fingerprint_sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_fit_a_common_name_whatever_the_zone() {
        let now = OffsetDateTime::now_utc();
        let long = format!("{}.example.com", "a".repeat(60));
        for name in [
            ca_common_name(Some(&long), now),
            leaf_common_name(Some(&long)),
        ] {
            assert!(name.chars().count() <= 64, "{name}");
            assert!(name.starts_with("aaaa"), "{name}");
        }
        let made = time::macros::datetime!(2026-11-30 16:05:09 UTC);
        assert_eq!(
            ca_common_name(Some("example.com"), made),
            "example.com origin pull CA 2026-11-30 16:05:09Z"
        );
        assert_ne!(
            ca_common_name(Some("example.com"), made),
            ca_common_name(Some("example.com"), made + time::Duration::hours(3)),
            "two CAs made the same day are told apart"
        );
        assert_eq!(
            leaf_common_name(Some("example.com")),
            "example.com origin pull client"
        );
    }
}
