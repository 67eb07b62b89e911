//! The two expiry notifications for custom AOP certificates, kept free of duplicates.

use super::{
    AlertPolicy, Client, CloudflareError, HOSTNAME_CERT_EXPIRY_ALERT, NewAlertPolicy,
    ZONE_CERT_EXPIRY_ALERT,
};

/// The account's AOP expiry policies (zone-level and per-hostname certificates).
pub async fn expiry_alerts(
    client: &Client,
    account_id: &str,
) -> Result<Vec<AlertPolicy>, CloudflareError> {
    Ok(client
        .alert_policies(account_id)
        .await?
        .into_iter()
        .filter(|p| {
            [ZONE_CERT_EXPIRY_ALERT, HOSTNAME_CERT_EXPIRY_ALERT].contains(&p.alert_type.as_str())
        })
        .collect())
}

/// The policy that e-mails `email` before a certificate of this kind expires: the existing one
/// when there is one (never a duplicate), else a new one. The id, and whether it was created.
pub async fn ensure_expiry_alert(
    client: &Client,
    account_id: &str,
    zone: &str,
    email: &str,
    hostname_certificates: bool,
) -> Result<(String, bool), CloudflareError> {
    let policy = expiry_policy(zone, email, hostname_certificates);
    let existing = expiry_alerts(client, account_id).await?;
    if let Some(found) = existing.iter().find(|p| {
        p.alert_type == policy.alert_type
            && p.mechanisms.to_string().contains(&format!("\"{email}\""))
    }) {
        return Ok((found.id.clone(), false));
    }
    let id = client.create_alert_policy(account_id, &policy).await?;
    Ok((id, true))
}

/// The policy that e-mails `email` before a zone-level (or per-hostname) certificate of `zone`
/// expires.
pub fn expiry_policy(zone: &str, email: &str, hostname_certificates: bool) -> NewAlertPolicy {
    let alert_type = if hostname_certificates {
        HOSTNAME_CERT_EXPIRY_ALERT
    } else {
        ZONE_CERT_EXPIRY_ALERT
    };
    NewAlertPolicy::email(format!("AOP certificate expiry: {zone}"), alert_type, email)
}
