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
    if let Some(id) =
        existing_expiry_alert(client, account_id, email, hostname_certificates).await?
    {
        return Ok((id, false));
    }
    let policy = expiry_policy(zone, email, hostname_certificates);
    let id = client.create_alert_policy(account_id, &policy).await?;
    Ok((id, true))
}

/// The id of the policy that already e-mails `email` before a certificate of this kind expires.
pub async fn existing_expiry_alert(
    client: &Client,
    account_id: &str,
    email: &str,
    hostname_certificates: bool,
) -> Result<Option<String>, CloudflareError> {
    let alert_type = expiry_alert_type(hostname_certificates);
    Ok(expiry_alerts(client, account_id)
        .await?
        .into_iter()
        .find(|p| {
            p.alert_type == alert_type && p.mechanisms.to_string().contains(&format!("\"{email}\""))
        })
        .map(|p| p.id))
}

fn expiry_alert_type(hostname_certificates: bool) -> &'static str {
    if hostname_certificates {
        HOSTNAME_CERT_EXPIRY_ALERT
    } else {
        ZONE_CERT_EXPIRY_ALERT
    }
}

/// The policy that e-mails `email` before a zone-level (or per-hostname) certificate of `zone`
/// expires.
pub fn expiry_policy(zone: &str, email: &str, hostname_certificates: bool) -> NewAlertPolicy {
    NewAlertPolicy::email(
        format!("AOP certificate expiry: {zone}"),
        expiry_alert_type(hostname_certificates),
        email,
    )
}
