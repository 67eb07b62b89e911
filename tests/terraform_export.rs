//! `aop-wizard export terraform` against the fake, read back as HCL and checked against the
//! Cloudflare provider's own v5 resource schemas (the excerpt in tests/data names the provider
//! version and the commit it came from): every attribute exists and may be written, every
//! required one is there, nested objects use the provider's field names, and each resource has
//! exactly one `terraform import` line whose id has the provider's format.

mod support;

use std::collections::BTreeMap;

use aop_wizard::cloudflare::fake::Activation;
use aop_wizard::cloudflare::{HOSTNAME_CERT_EXPIRY_ALERT, NewAlertPolicy};
use hcl::{Body, Expression, ObjectKey};
use serde_json::{Value, json};
use support::fake::{Fake, certificate_on_cloudflare, fake};

const SCHEMA: &str = include_str!("data/terraform-provider-cloudflare-v5.22.0-aop.json");
/// The last is a Cloudflare for SaaS custom hostname: in no DNS record, outside the zone's name.
const HOSTNAMES: [&str; 3] = ["example.com", "www.example.com", "shop.customer.test"];
const WEBHOOK: &str = "14cc1190-5d2b-4b98-a696-c424cb2ad05f";
const PAGERDUTY: &str = "e8133a15-00a4-4d69-aec1-32f70c51f6e5";

/// Zone-level AOP with its certificate, two hostnames each with a per-hostname certificate,
/// global AOP on, and a per-hostname expiry alert with a description, an e-mail, a webhook and
/// PagerDuty. The export of that zone.
fn exported() -> (Fake, String) {
    let fake = fake();
    fake.fake.set_activation(Activation::AfterPolls(0));
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> Vec<u8> {
        let output = fake.aop(data.path()).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    assert!(
        fake.fake
            .add_custom_hostname("example.com", "shop.customer.test")
    );
    let dir = tempfile::tempdir().unwrap();
    certificate_on_cloudflare(&|args| drop(run(args)), &dir.path().join("zone"), None);
    for hostname in HOSTNAMES {
        let each = dir.path().join(hostname);
        certificate_on_cloudflare(&|args| drop(run(args)), &each, Some(hostname));
    }
    run(&["enable", "--zone", "example.com", "--scope", "global"]);
    let client = fake.client();
    let account = fake
        .runtime
        .block_on(client.zone_by_name("example.com"))
        .unwrap()
        .account
        .id;
    let policy = NewAlertPolicy {
        name: "AOP certificate expiry".into(),
        description: "Pages the on-call engineer ${before} the certificate expires".into(),
        alert_type: HOSTNAME_CERT_EXPIRY_ALERT.into(),
        enabled: true,
        mechanisms: json!({
            "email": [{ "id": "ops@example.com" }],
            "webhooks": [{ "id": WEBHOOK }],
            "pagerduty": [{ "id": PAGERDUTY }],
        }),
    };
    fake.runtime
        .block_on(client.create_alert_policy(&account, &policy))
        .unwrap();
    let hcl = run(&["export", "terraform", "--zone", "example.com"]);
    (fake, String::from_utf8(hcl).unwrap())
}

fn schema() -> Value {
    serde_json::from_str(SCHEMA).unwrap()
}

fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Identifier(identifier) => identifier.to_string(),
        ObjectKey::Expression(Expression::String(text)) => text.clone(),
        other => panic!("an object key that is not a name: {other:?}"),
    }
}

/// `value` written for the attribute `name` whose schema is `attribute`: allowed to be written,
/// and nested objects (single, list or set) use only the provider's field names.
fn check_attribute(at: &str, name: &str, attribute: &Value, value: &Expression) {
    let Some(attribute) = attribute.as_object() else {
        panic!("{at}: `{name}` is not in the provider's schema");
    };
    let writable = attribute.contains_key("required") || attribute.contains_key("optional");
    assert!(
        writable,
        "{at}: `{name}` is computed by the provider and cannot be written"
    );
    let Some(nested) = attribute.get("attributes") else {
        return;
    };
    let objects: Vec<_> = match value {
        Expression::Object(object) => vec![object],
        Expression::Array(items) => items
            .iter()
            .map(|item| match item {
                Expression::Object(object) => object,
                other => panic!("{at}: `{name}` holds {other:?}, not objects"),
            })
            .collect(),
        other => panic!("{at}: `{name}` is {other:?}, not a nested object"),
    };
    for object in objects {
        for (key, value) in object {
            let key = key_name(key);
            check_attribute(&format!("{at}.{name}"), &key, &nested[&key], value);
        }
    }
}

struct Resource {
    kind: String,
    label: String,
    attributes: BTreeMap<String, Expression>,
}

/// Every resource of the output, each checked against the schema; variables must be sensitive.
fn resources(body: &Body, schema: &Value) -> Vec<Resource> {
    let mut resources = Vec::new();
    for block in body.blocks() {
        match block.identifier() {
            "variable" => {
                let sensitive = block
                    .body()
                    .attributes()
                    .any(|a| a.key() == "sensitive" && a.expr() == &Expression::Bool(true));
                assert!(sensitive, "a variable that is not sensitive: {block:?}");
            }
            "resource" => {
                let [kind, label] = block.labels() else {
                    panic!("a resource needs a type and a name: {block:?}");
                };
                let (kind, label) = (kind.as_str().to_string(), label.as_str().to_string());
                let at = format!("{kind}.{label}");
                let resource = &schema["resources"][&kind];
                assert!(
                    resource.is_object(),
                    "{at}: the provider has no resource {kind}"
                );
                let declared = &resource["attributes"];
                let attributes: BTreeMap<String, Expression> = block
                    .body()
                    .attributes()
                    .map(|a| (a.key().to_string(), a.expr().clone()))
                    .collect();
                for (name, value) in &attributes {
                    check_attribute(&at, name, &declared[name], value);
                }
                for (name, attribute) in declared.as_object().unwrap() {
                    if attribute.get("required").is_some() {
                        assert!(
                            attributes.contains_key(name),
                            "{at}: the required `{name}` is missing"
                        );
                    }
                }
                for inner in block.body().blocks() {
                    assert_eq!(inner.identifier(), "lifecycle", "{at}: {inner:?}");
                    for attribute in inner.body().attributes() {
                        assert_eq!(attribute.key(), "ignore_changes", "{at}");
                        let Expression::Array(names) = attribute.expr() else {
                            panic!("{at}: ignore_changes is not a list");
                        };
                        for ignored in names {
                            let Expression::Variable(ignored) = ignored else {
                                panic!("{at}: ignore_changes holds {ignored:?}");
                            };
                            assert!(
                                declared[ignored.as_str()].is_object(),
                                "{at}: ignores `{}`, which the provider does not have",
                                ignored.as_str()
                            );
                        }
                    }
                }
                resources.push(Resource {
                    kind,
                    label,
                    attributes,
                });
            }
            other => panic!("an unexpected top-level block {other}"),
        }
    }
    resources
}

fn text(expression: &Expression) -> &str {
    match expression {
        Expression::String(text) => text,
        other => panic!("not a string: {other:?}"),
    }
}

/// The `terraform import 'ADDRESS' 'ID'` lines: address → ids.
fn imports(hcl: &str) -> BTreeMap<String, Vec<String>> {
    let mut imports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in hcl.lines() {
        let Some(rest) = line.strip_prefix("#   terraform import ") else {
            continue;
        };
        let words: Vec<&str> = rest.split(' ').map(|w| w.trim_matches('\'')).collect();
        let [address, id] = words[..] else {
            panic!("an import line that is not ADDRESS ID: {line}");
        };
        imports
            .entry(address.to_string())
            .or_default()
            .push(id.to_string());
    }
    imports
}

/// The id the provider's import documentation asks for (`<zone_id>/<hostname>`, ...), with the
/// resource's own values where it has them.
fn check_import_id(resource: &Resource, format: &str, id: &str) {
    let parts: Vec<&str> = id.split('/').collect();
    let placeholders: Vec<&str> = format.split('/').collect();
    assert_eq!(
        parts.len(),
        placeholders.len(),
        "{}.{}: import id {id} is not {format}",
        resource.kind,
        resource.label
    );
    for (part, placeholder) in parts.iter().zip(placeholders) {
        let field = placeholder.trim_matches(['<', '>']);
        let expected = match field {
            "hostname" => match &resource.attributes["config"] {
                Expression::Array(items) => match &items[0] {
                    Expression::Object(object) => object
                        .iter()
                        .find(|(k, _)| key_name(k) == "hostname")
                        .map(|(_, v)| text(v).to_string()),
                    _ => None,
                },
                _ => None,
            },
            field => resource.attributes.get(field).map(|v| text(v).to_string()),
        };
        match expected {
            Some(expected) => assert_eq!(part, &expected, "{format} in {id}"),
            None => assert!(!part.is_empty(), "{format}: empty {field} in {id}"),
        }
    }
}

#[test]
fn export_is_valid_for_the_provider_schema_with_one_import_per_resource() {
    let (fake, hcl) = exported();
    let schema = schema();
    let body = hcl::parse(&hcl).unwrap_or_else(|e| panic!("not HCL: {e}\n{hcl}"));
    let resources = resources(&body, &schema);
    let imports = imports(&hcl);
    let kinds: Vec<&str> = resources.iter().map(|r| r.kind.as_str()).collect();
    let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    assert_eq!(
        count("cloudflare_authenticated_origin_pulls_certificate"),
        1
    );
    assert_eq!(
        count("cloudflare_authenticated_origin_pulls_hostname_certificate"),
        HOSTNAMES.len()
    );
    assert_eq!(count("cloudflare_authenticated_origin_pulls_settings"), 1);
    assert_eq!(
        count("cloudflare_authenticated_origin_pulls"),
        HOSTNAMES.len()
    );
    assert_eq!(count("cloudflare_zone_setting"), 1);
    assert_eq!(count("cloudflare_notification_policy"), 1);
    assert_eq!(
        imports.len(),
        resources.len(),
        "one import per resource:\n{hcl}"
    );
    let zone_id = fake.fake.zone("example.com").unwrap().id;
    let mut hostnames = Vec::new();
    for resource in &resources {
        let address = format!("{}.{}", resource.kind, resource.label);
        let ids = &imports[&address];
        assert_eq!(ids.len(), 1, "{address}: {ids:?}");
        let format = schema["resources"][&resource.kind]["import_id"]
            .as_str()
            .unwrap();
        check_import_id(resource, format, &ids[0]);
        if resource.kind == "cloudflare_authenticated_origin_pulls" {
            // Provider v5.17.0 and later: "config must contain exactly one hostname association".
            let Expression::Array(config) = &resource.attributes["config"] else {
                panic!("{address}: config is not a list");
            };
            assert_eq!(config.len(), 1, "{address}: {config:?}");
            hostnames.push(
                ids[0]
                    .trim_start_matches(&format!("{zone_id}/"))
                    .to_string(),
            );
        }
    }
    hostnames.sort();
    let mut expected = HOSTNAMES.to_vec();
    expected.sort();
    assert_eq!(hostnames, expected);
}

#[test]
fn export_keeps_every_notification_destination_and_the_description() {
    let (_fake, hcl) = exported();
    let body = hcl::parse(&hcl).unwrap();
    let resources = resources(&body, &schema());
    let policy = resources
        .iter()
        .find(|r| r.kind == "cloudflare_notification_policy")
        .expect("the policy is exported");
    assert_eq!(
        text(&policy.attributes["description"]),
        "Pages the on-call engineer ${before} the certificate expires",
        "the description, as text and not a template"
    );
    let Expression::Object(mechanisms) = &policy.attributes["mechanisms"] else {
        panic!("mechanisms is not an object");
    };
    let ids: BTreeMap<String, String> = mechanisms
        .iter()
        .map(|(kind, targets)| {
            let Expression::Array(targets) = targets else {
                panic!("{kind:?} is not a list");
            };
            let Expression::Object(target) = &targets[0] else {
                panic!("{kind:?} holds no object");
            };
            (
                key_name(kind),
                text(target.values().next().unwrap()).to_string(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        BTreeMap::from([
            ("email".to_string(), "ops@example.com".to_string()),
            ("pagerduty".to_string(), PAGERDUTY.to_string()),
            ("webhooks".to_string(), WEBHOOK.to_string()),
        ])
    );
}

/// The certificates' keys are never in the state after an import; a plan must leave them be.
#[test]
fn certificates_ignore_the_private_key() {
    let (_fake, hcl) = exported();
    let body = hcl::parse(&hcl).unwrap();
    let certificates = body
        .blocks()
        .filter(|b| b.labels()[0].as_str().ends_with("_certificate"))
        .collect::<Vec<_>>();
    assert_eq!(certificates.len(), 1 + HOSTNAMES.len());
    for certificate in certificates {
        let lifecycle = certificate
            .body()
            .blocks()
            .find(|b| b.identifier() == "lifecycle")
            .unwrap_or_else(|| panic!("no lifecycle: {certificate:?}"));
        let ignored = lifecycle
            .body()
            .attributes()
            .find(|a| a.key() == "ignore_changes")
            .unwrap();
        assert_eq!(
            ignored.expr(),
            &Expression::Array(vec![Expression::Variable(
                hcl::Variable::new("private_key").unwrap()
            )])
        );
    }
}
