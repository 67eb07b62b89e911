//! Which of the permissions the set-up needs a token has on a zone, found by using each one.
//! Reads are always safe to probe; writes are probed only on request, by writing back the value
//! that is already there, so nothing changes.

use serde::Serialize;

use super::{CertificateScope, Client, CloudflareError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionCheck {
    pub permission: &'static str,
    /// `None` when it was not probed.
    pub granted: Option<bool>,
}

impl PermissionCheck {
    fn from_result<T>(permission: &'static str, result: &Result<T, CloudflareError>) -> Self {
        // Only an authorisation refusal means "missing"; any other failure says nothing about it.
        let granted = result.as_ref().map_or_else(|e| !e.is_auth(), |_| true);
        Self {
            permission,
            granted: Some(granted),
        }
    }

    fn not_probed(permission: &'static str) -> Self {
        Self {
            permission,
            granted: None,
        }
    }
}

pub const ZONE_READ: &str = "Zone → Zone → Read";
pub const SETTINGS_READ: &str = "Zone → Zone Settings → Read";
pub const SSL_READ: &str = "Zone → SSL and Certificates → Read";
pub const DNS_READ: &str = "Zone → DNS → Read";
pub const NOTIFICATIONS: &str = "Account → Notifications → Edit";
pub const SETTINGS_EDIT: &str = "Zone → Zone Settings → Edit";
pub const SSL_EDIT: &str = "Zone → SSL and Certificates → Edit";

/// Probes every permission the set-up uses on `zone_name`.
pub async fn probe_permissions(
    client: &Client,
    zone_name: &str,
    probe_writes: bool,
) -> Vec<PermissionCheck> {
    let zone = client.zone_by_name(zone_name).await;
    let zone_read = match &zone {
        // A zone the token cannot find is one it cannot read (or one that does not exist).
        Err(CloudflareError::Refused(_)) => PermissionCheck {
            permission: ZONE_READ,
            granted: Some(false),
        },
        other => PermissionCheck::from_result(ZONE_READ, other),
    };
    let mut checks = vec![zone_read];
    let Ok(zone) = zone else {
        return checks;
    };
    let ssl = client.ssl_mode(&zone.id).await;
    let zone_aop = client.zone_aop_enabled(&zone.id).await;
    checks.push(PermissionCheck::from_result(SETTINGS_READ, &ssl));
    checks.push(PermissionCheck::from_result(
        SSL_READ,
        &client
            .list_certificates(CertificateScope::Zone, &zone.id)
            .await,
    ));
    checks.push(PermissionCheck::from_result(
        DNS_READ,
        &client.dns_records(&zone.id).await,
    ));
    checks.push(PermissionCheck::from_result(
        NOTIFICATIONS,
        &client.alert_policies(&zone.account.id).await,
    ));
    match (probe_writes, ssl, zone_aop) {
        (true, Ok(mode), Ok(enabled)) => {
            checks.push(PermissionCheck::from_result(
                SETTINGS_EDIT,
                &client.set_ssl_mode(&zone.id, &mode).await,
            ));
            checks.push(PermissionCheck::from_result(
                SSL_EDIT,
                &client.set_zone_aop_enabled(&zone.id, enabled).await,
            ));
        }
        _ => {
            checks.push(PermissionCheck::not_probed(SETTINGS_EDIT));
            checks.push(PermissionCheck::not_probed(SSL_EDIT));
        }
    }
    checks
}
