//! What exists on Cloudflare for a zone's Authenticated Origin Pulls, as Terraform (Cloudflare
//! provider v5) resources with the `terraform import` commands that adopt them. Private keys
//! become sensitive variables: Cloudflare never returns them, and they never belong in HCL.

use std::fmt::Write;

use serde_json::Value;

use crate::cloudflare::{AlertPolicy, UploadedCertificate};

/// What was read from Cloudflare.
#[derive(Debug, Clone, Default)]
pub struct ZoneAop {
    pub zone: String,
    pub zone_id: String,
    pub account_id: String,
    pub global_aop: bool,
    pub zone_level_enabled: bool,
    pub zone_certificates: Vec<UploadedCertificate>,
    pub hostname_certificates: Vec<UploadedCertificate>,
    /// (hostname, certificate id, enabled)
    pub associations: Vec<(String, String, bool)>,
    pub alert_policies: Vec<AlertPolicy>,
}

/// A Terraform name: letters, digits and underscores, not starting with a digit.
fn name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn heredoc(pem: &str) -> String {
    format!("<<-EOT\n{}\n  EOT", pem.trim_end())
}

pub fn render(aop: &ZoneAop) -> String {
    let zone = name(&aop.zone);
    let mut hcl = String::new();
    let mut imports = Vec::new();
    let _ = writeln!(
        hcl,
        "# Authenticated Origin Pulls of {} (zone {}), as read from Cloudflare.\n# Cloudflare provider v5. Private keys are variables: set them from your secret store, never here.\n",
        aop.zone, aop.zone_id
    );
    let certificates = [
        (
            "cloudflare_authenticated_origin_pulls_certificate",
            "zone",
            &aop.zone_certificates,
        ),
        (
            "cloudflare_authenticated_origin_pulls_hostname_certificate",
            "hostname",
            &aop.hostname_certificates,
        ),
    ];
    for (resource, kind, list) in certificates {
        for (index, certificate) in list.iter().enumerate() {
            let label = format!("{zone}_{kind}_{}", index + 1);
            let variable = format!("{label}_private_key");
            let _ = writeln!(
                hcl,
                "variable {} {{\n  description = \"Private key of AOP {kind} certificate {} (expires {})\"\n  type        = string\n  sensitive   = true\n}}\n",
                quoted(&variable),
                certificate.id,
                certificate.expires_on.as_deref().unwrap_or("unknown")
            );
            let _ = writeln!(
                hcl,
                "resource {} {} {{\n  zone_id     = {}\n  certificate = {}\n  private_key = var.{variable}\n}}\n",
                quoted(resource),
                quoted(&label),
                quoted(&aop.zone_id),
                heredoc(&certificate.certificate)
            );
            imports.push((
                format!("{resource}.{label}"),
                format!("{}/{}", aop.zone_id, certificate.id),
            ));
        }
    }
    let _ = writeln!(
        hcl,
        "resource \"cloudflare_authenticated_origin_pulls_settings\" {} {{\n  zone_id = {}\n  enabled = {}\n}}\n",
        quoted(&zone),
        quoted(&aop.zone_id),
        aop.zone_level_enabled
    );
    imports.push((
        format!("cloudflare_authenticated_origin_pulls_settings.{zone}"),
        aop.zone_id.clone(),
    ));
    if !aop.associations.is_empty() {
        let mut config = String::new();
        for (hostname, cert_id, enabled) in &aop.associations {
            let _ = writeln!(
                config,
                "    {{\n      hostname = {}\n      cert_id  = {}\n      enabled  = {enabled}\n    }},",
                quoted(hostname),
                quoted(cert_id)
            );
        }
        let _ = writeln!(
            hcl,
            "resource \"cloudflare_authenticated_origin_pulls\" {} {{\n  zone_id = {}\n  config = [\n{config}  ]\n}}\n",
            quoted(&zone),
            quoted(&aop.zone_id)
        );
        for (hostname, _, _) in &aop.associations {
            imports.push((
                format!("cloudflare_authenticated_origin_pulls.{zone}"),
                format!("{}/{hostname}", aop.zone_id),
            ));
        }
    }
    let _ = writeln!(
        hcl,
        "# Global AOP (Cloudflare's shared certificate) is the zone setting tls_client_auth.\nresource \"cloudflare_zone_setting\" {} {{\n  zone_id    = {}\n  setting_id = \"tls_client_auth\"\n  value      = {}\n}}\n",
        quoted(&format!("{zone}_tls_client_auth")),
        quoted(&aop.zone_id),
        quoted(if aop.global_aop { "on" } else { "off" })
    );
    imports.push((
        format!("cloudflare_zone_setting.{zone}_tls_client_auth"),
        format!("{}/tls_client_auth", aop.zone_id),
    ));
    for (index, policy) in aop.alert_policies.iter().enumerate() {
        let label = format!("{zone}_aop_expiry_{}", index + 1);
        let emails: Vec<String> = policy.mechanisms["email"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str())
            .map(|id| format!("{{ id = {} }}", quoted(id)))
            .collect();
        let zones: Vec<String> = policy
            .extra
            .get("filters")
            .and_then(|f| f["zones"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(quoted)
            .collect();
        let filters = if zones.is_empty() {
            String::new()
        } else {
            format!("  filters = {{\n    zones = [{}]\n  }}\n", zones.join(", "))
        };
        let _ = writeln!(
            hcl,
            "resource \"cloudflare_notification_policy\" {} {{\n  account_id = {}\n  name       = {}\n  alert_type = {}\n  enabled    = {}\n  mechanisms = {{\n    email = [{}]\n  }}\n{filters}}}\n",
            quoted(&label),
            quoted(&aop.account_id),
            quoted(&policy.name),
            quoted(&policy.alert_type),
            policy.enabled.unwrap_or(true),
            emails.join(", ")
        );
        imports.push((
            format!("cloudflare_notification_policy.{label}"),
            format!("{}/{}", aop.account_id, policy.id),
        ));
    }
    let _ = writeln!(
        hcl,
        "# Adopt what exists instead of creating it again (run once, after `terraform init`):"
    );
    let mut seen = std::collections::BTreeSet::new();
    for (address, id) in imports {
        // One resource holds every hostname association: imported once.
        if seen.insert(address.clone()) {
            let _ = writeln!(hcl, "#   terraform import '{address}' '{id}'");
        }
    }
    hcl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(id: &str) -> UploadedCertificate {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "expires_on": "2028-11-21T00:00:00Z",
            "status": "active"
        }))
        .unwrap()
    }

    #[test]
    fn every_resource_with_its_import_and_keys_as_sensitive_variables() {
        let aop = ZoneAop {
            zone: "example.com".into(),
            zone_id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
            account_id: "9a7806061c88ada191ed06f989cc3dac".into(),
            global_aop: false,
            zone_level_enabled: true,
            zone_certificates: vec![certificate("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60")],
            hostname_certificates: vec![certificate("8d85f846-7240-428a-a481-9b26bee26e3a")],
            associations: vec![(
                "app.example.com".into(),
                "8d85f846-7240-428a-a481-9b26bee26e3a".into(),
                true,
            )],
            alert_policies: vec![
                serde_json::from_value(serde_json::json!({
                    "id": "0da2b59e-0000-4000-a000-000000000000",
                    "name": "AOP certificate expiry",
                    "alert_type": "zone_aop_custom_certificate_expiration_type",
                    "enabled": true,
                    "mechanisms": {"email": [{"id": "ops@example.com"}]},
                    "filters": {"zones": ["023e105f4ecef8ad9ca31a8372d0c353"]}
                }))
                .unwrap(),
            ],
        };
        let hcl = render(&aop);
        for expected in [
            "resource \"cloudflare_authenticated_origin_pulls_certificate\" \"example_com_zone_1\"",
            "private_key = var.example_com_zone_1_private_key",
            "sensitive   = true",
            "resource \"cloudflare_authenticated_origin_pulls_hostname_certificate\" \"example_com_hostname_1\"",
            "enabled = true",
            "hostname = \"app.example.com\"",
            "setting_id = \"tls_client_auth\"",
            "value      = \"off\"",
            "email = [{ id = \"ops@example.com\" }]",
            "zones = [\"023e105f4ecef8ad9ca31a8372d0c353\"]",
            "terraform import 'cloudflare_authenticated_origin_pulls_certificate.example_com_zone_1' '023e105f4ecef8ad9ca31a8372d0c353/2458ce5a-0c35-4c7f-82c7-8e9487d3ff60'",
            "terraform import 'cloudflare_authenticated_origin_pulls_settings.example_com' '023e105f4ecef8ad9ca31a8372d0c353'",
            "terraform import 'cloudflare_notification_policy.example_com_aop_expiry_1' '9a7806061c88ada191ed06f989cc3dac/0da2b59e-0000-4000-a000-000000000000'",
        ] {
            assert!(hcl.contains(expected), "missing {expected}:\n{hcl}");
        }
        assert!(!hcl.contains("PRIVATE KEY"), "{hcl}");
        assert_eq!(
            hcl.matches('{').count(),
            hcl.matches('}').count(),
            "balanced braces:\n{hcl}"
        );
    }
}
