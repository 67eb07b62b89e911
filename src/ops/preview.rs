//! The requests an operation will send, as the client shows them in a dry run (token and
//! private key redacted), for the wizard to show before it asks. Built from the same
//! `Change` the operation sends, so what is shown is what is sent.

use super::{OperationError, Scope};
use crate::cloudflare::{CertificateScope, Change, Client, PlannedRequest, SslMode, expiry_policy};

/// Setting the SSL/TLS mode.
pub fn ssl_mode(client: &Client, zone_id: &str, mode: &SslMode) -> PlannedRequest {
    client.shown(&Change::ssl_mode(zone_id, mode))
}

/// Uploading a certificate; `certificate` stands for its PEM (the wizard shows what it is, not
/// the file's text).
pub fn upload(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    certificate: &str,
) -> PlannedRequest {
    client.shown(&Change::upload(
        scope,
        zone_id,
        certificate,
        "<private key>",
    ))
}

/// Uploading the certificate in these files: none when the same certificate is on Cloudflare
/// already (nothing would be sent).
pub async fn upload_files(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Option<PlannedRequest>, OperationError> {
    let ready = super::ready_to_upload(client, scope, zone_id, cert, key).await?;
    let present = crate::cloudflare::reusable(
        &client.list_certificates(scope, zone_id).await?,
        &ready.fingerprint,
    )
    .is_some();
    Ok((!present).then(|| {
        client.shown(&Change::upload(
            scope,
            zone_id,
            &ready.certificate_pem,
            &ready.key_pem,
        ))
    }))
}

/// Switching a scope on or off.
pub fn switch_scope(
    client: &Client,
    zone_id: &str,
    scope: Scope,
    on: bool,
    certificate_id: Option<&str>,
    hostnames: &[String],
) -> Result<PlannedRequest, OperationError> {
    let change = super::switch_change(zone_id, scope, on, certificate_id, hostnames)?;
    Ok(client.shown(&change))
}

/// Creating the expiry alert (skipped when an identical one exists).
pub fn expiry_alert(
    client: &Client,
    account_id: &str,
    zone: &str,
    email: &str,
    scope: Scope,
) -> PlannedRequest {
    client.shown(&Change::create_alert_policy(
        account_id,
        &expiry_policy(zone, email, scope == Scope::Hostname),
    ))
}
