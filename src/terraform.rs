//! What exists on Cloudflare for a zone's Authenticated Origin Pulls, as Terraform (Cloudflare
//! provider v5) resources with the `terraform import` commands that adopt them. Private keys
//! become sensitive variables: Cloudflare never returns them, and they never belong in HCL.
//! The resources and attributes follow the provider's schemas (excerpt with version and commit in
//! tests/data/terraform-provider-cloudflare-v5.22.0-aop.json).

use std::collections::BTreeSet;
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

/// Resource names that stay unique when two texts map to the same name (`a-b` and `a_b`).
#[derive(Default)]
struct Labels(BTreeSet<String>);

impl Labels {
    fn unique(&mut self, text: &str) -> String {
        let base = name(text);
        let mut label = base.clone();
        let mut n = 1;
        while !self.0.insert(label.clone()) {
            n += 1;
            label = format!("{base}_{n}");
        }
        label
    }
}

/// A quoted HCL string holding exactly `text`: Cloudflare's answers are untrusted, so quotes,
/// control characters and template sequences (`${`, `%{`) are escaped, never interpreted.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text from Cloudflare on one comment line: control characters (a newline would end the
/// comment and start HCL) become spaces.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One shell word, for the `terraform import` lines a user pastes: a hostname or id from
/// Cloudflare never becomes shell syntax.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A PEM as a heredoc, readable in review; as a quoted string when it is not plain PEM text (a
/// line `EOT` would end the heredoc, a `${` would be a template).
fn pem_value(pem: &str) -> String {
    let plain = pem.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '/' | '=' | ' ' | '\n' | '\r')
    }) && !pem.lines().any(|line| line.trim() == "EOT");
    if plain {
        format!("<<-EOT\n{}\n  EOT", pem.trim_end())
    } else {
        quoted(pem)
    }
}

/// An object key: bare when it is an identifier, else quoted.
fn key(text: &str) -> String {
    let identifier = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// JSON from Cloudflare as an HCL expression, with the same shape.
fn expression(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quoted(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(expression).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), expression(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

/// An object attribute (`mechanisms`, `filters`), one field a line: every field Cloudflare has,
/// so that an apply after the import keeps every destination and filter.
fn object_attribute(attribute: &str, value: &Value) -> String {
    let Some(fields) = value.as_object() else {
        return format!("  {attribute} = {}\n", expression(value));
    };
    let mut text = format!("  {attribute} = {{\n");
    for (k, v) in fields {
        let _ = writeln!(text, "    {} = {}", key(k), expression(v));
    }
    text.push_str("  }\n");
    text
}

/// Why a certificate resource ignores changes to `private_key`, per resource type.
fn ignore_key_reason(resource: &str) -> &'static str {
    if resource == "cloudflare_authenticated_origin_pulls_hostname_certificate" {
        "a changed private_key forces replacement of this resource: the first apply would\n  # delete the certificate your hostnames use"
    } else {
        "the provider cannot change an uploaded certificate (its update does nothing): every\n  # plan would show the key changing"
    }
}

pub fn render(aop: &ZoneAop) -> String {
    let zone = name(&aop.zone);
    let mut hcl = String::new();
    let mut imports = Vec::new();
    let _ = writeln!(
        hcl,
        "# Authenticated Origin Pulls of {} (zone {}), as read from Cloudflare.\n# Cloudflare provider v5. Private keys are variables: set them from your secret store, never here.\n",
        comment(&aop.zone),
        comment(&aop.zone_id)
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
                "variable {} {{\n  description = {}\n  type        = string\n  sensitive   = true\n}}\n",
                quoted(&variable),
                quoted(&format!(
                    "Private key of AOP {kind} certificate {} (expires {})",
                    certificate.id,
                    certificate.expires_on.as_deref().unwrap_or("unknown")
                )),
            );
            let _ = writeln!(
                hcl,
                "resource {} {} {{\n  zone_id     = {}\n  certificate = {}\n  private_key = var.{variable}\n\n  # Cloudflare never returns the private key: after `terraform import` the state holds none,\n  # and {}.\n  lifecycle {{\n    ignore_changes = [private_key]\n  }}\n}}\n",
                quoted(resource),
                quoted(&label),
                quoted(&aop.zone_id),
                pem_value(&certificate.certificate),
                ignore_key_reason(resource),
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
        let _ = writeln!(
            hcl,
            "# One resource per hostname: since provider v5.17.0 `config` holds exactly one hostname association.\n"
        );
    }
    let mut labels = Labels::default();
    for (hostname, cert_id, enabled) in &aop.associations {
        let label = labels.unique(hostname);
        let _ = writeln!(
            hcl,
            "resource \"cloudflare_authenticated_origin_pulls\" {} {{\n  zone_id = {}\n  config = [{{\n    hostname = {}\n    cert_id  = {}\n    enabled  = {enabled}\n  }}]\n}}\n",
            quoted(&label),
            quoted(&aop.zone_id),
            quoted(hostname),
            quoted(cert_id)
        );
        imports.push((
            format!("cloudflare_authenticated_origin_pulls.{label}"),
            format!("{}/{hostname}", aop.zone_id),
        ));
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
        let _ = writeln!(
            hcl,
            "resource \"cloudflare_notification_policy\" {} {{\n{}}}\n",
            quoted(&label),
            policy_attributes(policy, &aop.account_id)
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
    for (address, id) in imports {
        let _ = writeln!(
            hcl,
            "#   terraform import {} {}",
            shell_quoted(&address),
            comment(&shell_quoted(&id))
        );
    }
    hcl
}

/// A notification policy with every field Cloudflare has for it: importing and then applying
/// must not strip a description, a destination (e-mail, webhook, PagerDuty) or a filter.
fn policy_attributes(policy: &AlertPolicy, account_id: &str) -> String {
    let mut text = format!(
        "  account_id  = {}\n  name        = {}\n  alert_type  = {}\n  enabled     = {}\n",
        quoted(account_id),
        quoted(&policy.name),
        quoted(&policy.alert_type),
        policy.enabled.unwrap_or(true),
    );
    if let Some(description) = policy.description.as_deref().filter(|d| !d.is_empty()) {
        let _ = writeln!(text, "  description = {}", quoted(description));
    }
    if let Some(interval) = policy.alert_interval.as_deref().filter(|i| !i.is_empty()) {
        let _ = writeln!(text, "  alert_interval = {}", quoted(interval));
    }
    text.push_str(&object_attribute("mechanisms", &policy.mechanisms));
    if let Some(filters) = policy
        .filters
        .as_ref()
        .filter(|f| f.as_object().is_some_and(|f| !f.is_empty()))
    {
        text.push_str(&object_attribute("filters", filters));
    }
    text
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

    fn zone_aop() -> ZoneAop {
        ZoneAop {
            zone: "example.com".into(),
            zone_id: "023e105f4ecef8ad9ca31a8372d0c353".into(),
            account_id: "9a7806061c88ada191ed06f989cc3dac".into(),
            global_aop: false,
            zone_level_enabled: true,
            zone_certificates: vec![certificate("2458ce5a-0c35-4c7f-82c7-8e9487d3ff60")],
            hostname_certificates: vec![certificate("8d85f846-7240-428a-a481-9b26bee26e3a")],
            associations: vec![
                (
                    "app.example.com".into(),
                    "8d85f846-7240-428a-a481-9b26bee26e3a".into(),
                    true,
                ),
                (
                    "api.example.com".into(),
                    "8d85f846-7240-428a-a481-9b26bee26e3a".into(),
                    false,
                ),
            ],
            alert_policies: vec![
                serde_json::from_value(serde_json::json!({
                    "id": "0da2b59e-0000-4000-a000-000000000000",
                    "name": "AOP certificate expiry",
                    "description": "Created by aop-wizard",
                    "alert_interval": "30m",
                    "alert_type": "zone_aop_custom_certificate_expiration_type",
                    "enabled": true,
                    "mechanisms": {
                        "email": [{"id": "ops@example.com"}],
                        "webhooks": [{"id": "14cc1190-5d2b-4b98-a696-c424cb2ad05f"}],
                        "pagerduty": [{"id": "e8133a15-00a4-4d69-aec1-32f70c51f6e5"}]
                    },
                    "filters": {"zones": ["023e105f4ecef8ad9ca31a8372d0c353"]}
                }))
                .unwrap(),
            ],
        }
    }

    #[test]
    fn every_resource_with_its_import_and_keys_as_sensitive_variables() {
        let hcl = render(&zone_aop());
        for expected in [
            "resource \"cloudflare_authenticated_origin_pulls_certificate\" \"example_com_zone_1\"",
            "private_key = var.example_com_zone_1_private_key",
            "sensitive   = true",
            "resource \"cloudflare_authenticated_origin_pulls_hostname_certificate\" \"example_com_hostname_1\"",
            "enabled = true",
            "setting_id = \"tls_client_auth\"",
            "value      = \"off\"",
            "terraform import 'cloudflare_authenticated_origin_pulls_certificate.example_com_zone_1' '023e105f4ecef8ad9ca31a8372d0c353/2458ce5a-0c35-4c7f-82c7-8e9487d3ff60'",
            "terraform import 'cloudflare_authenticated_origin_pulls_settings.example_com' '023e105f4ecef8ad9ca31a8372d0c353'",
            "terraform import 'cloudflare_notification_policy.example_com_aop_expiry_1' '9a7806061c88ada191ed06f989cc3dac/0da2b59e-0000-4000-a000-000000000000'",
        ] {
            assert!(hcl.contains(expected), "missing {expected}:\n{hcl}");
        }
        assert!(!hcl.contains("PRIVATE KEY"), "{hcl}");
    }

    /// Provider v5.17.0 and later refuse a `config` with more than one hostname.
    #[test]
    fn one_resource_and_one_import_per_hostname() {
        let hcl = render(&zone_aop());
        assert_eq!(
            hcl.matches("resource \"cloudflare_authenticated_origin_pulls\" ")
                .count(),
            2,
            "{hcl}"
        );
        for (label, hostname, enabled) in [
            ("app_example_com", "app.example.com", true),
            ("api_example_com", "api.example.com", false),
        ] {
            let resource = format!(
                "resource \"cloudflare_authenticated_origin_pulls\" \"{label}\" {{\n  zone_id = \"023e105f4ecef8ad9ca31a8372d0c353\"\n  config = [{{\n    hostname = \"{hostname}\"\n    cert_id  = \"8d85f846-7240-428a-a481-9b26bee26e3a\"\n    enabled  = {enabled}\n  }}]\n}}"
            );
            assert!(hcl.contains(&resource), "missing {resource}:\n{hcl}");
            let import = format!(
                "#   terraform import 'cloudflare_authenticated_origin_pulls.{label}' '023e105f4ecef8ad9ca31a8372d0c353/{hostname}'\n"
            );
            assert_eq!(hcl.matches(&import).count(), 1, "{import}:\n{hcl}");
        }
    }

    #[test]
    fn hostnames_that_map_to_one_name_get_distinct_resources() {
        let mut aop = zone_aop();
        aop.associations[1].0 = "app-example.com".into();
        aop.associations[0].0 = "app.example.com".into();
        let hcl = render(&aop);
        assert!(hcl.contains("\"app_example_com\""), "{hcl}");
        assert!(hcl.contains("\"app_example_com_2\""), "{hcl}");
    }

    /// The state of an imported certificate has no key; a plan must not replace it.
    #[test]
    fn certificates_ignore_their_private_key_and_say_why() {
        let hcl = render(&zone_aop());
        assert_eq!(
            hcl.matches("lifecycle {\n    ignore_changes = [private_key]\n  }")
                .count(),
            2,
            "{hcl}"
        );
        assert!(
            hcl.contains("forces replacement of this resource: the first apply would\n  # delete the certificate your hostnames use"),
            "{hcl}"
        );
    }

    #[test]
    fn policies_keep_description_and_every_mechanism() {
        let hcl = render(&zone_aop());
        for expected in [
            "  description = \"Created by aop-wizard\"\n",
            "  alert_interval = \"30m\"\n",
            "    email = [{ id = \"ops@example.com\" }]\n",
            "    webhooks = [{ id = \"14cc1190-5d2b-4b98-a696-c424cb2ad05f\" }]\n",
            "    pagerduty = [{ id = \"e8133a15-00a4-4d69-aec1-32f70c51f6e5\" }]\n",
            "    zones = [\"023e105f4ecef8ad9ca31a8372d0c353\"]\n",
        ] {
            assert!(hcl.contains(expected), "missing {expected}:\n{hcl}");
        }
    }

    /// Text from Cloudflare stays text: no interpolation, no new line of HCL, no shell syntax.
    #[test]
    fn untrusted_text_is_escaped() {
        assert_eq!(
            quoted("a\"b\\c\n${x}%{y}$z\u{8}"),
            r#""a\"b\\c\n$${x}%%{y}$z\u0008""#
        );
        assert_eq!(shell_quoted("it's"), r"'it'\''s'");
        let mut aop = zone_aop();
        aop.zone = "example.com\nresource \"x\" \"y\" {}".into();
        aop.hostname_certificates[0].certificate = "EOT\n${file(\"/etc/passwd\")}".into();
        let hcl = render(&aop);
        assert!(!hcl.contains("\nresource \"x\""), "{hcl}");
        assert!(
            hcl.contains(r#"certificate = "EOT\n$${file(\"/etc/passwd\")}""#),
            "{hcl}"
        );
        let body = hcl::parse(&hcl).unwrap_or_else(|e| panic!("not HCL: {e}\n{hcl}"));
        let certificate = body
            .blocks()
            .find(|b| b.labels()[0].as_str().ends_with("hostname_certificate"))
            .and_then(|b| b.body().attributes().find(|a| a.key() == "certificate"))
            .map(|a| a.expr().clone());
        assert_eq!(
            certificate,
            Some(hcl::Expression::String(
                "EOT\n${file(\"/etc/passwd\")}".into()
            )),
            "the text as it came, not a template"
        );
    }
}
