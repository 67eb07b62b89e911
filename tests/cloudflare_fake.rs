//! The real client against the fake Cloudflare over HTTP on loopback: every operation, every
//! documented error, faults at every step of an upload-and-enable flow.

mod support;

use std::time::Duration;

use aop_wizard::cloudflare::fake::{
    Activation, DEMO_TOKEN, FakeCloudflare, FaultKind, Permission, World,
};
use aop_wizard::cloudflare::{
    ApiToken, CertificateScope, Client, CloudflareError, Credentials, HostnameConfig,
    HostnameEnablement, NewAlertPolicy, RetryPolicy, SslMode, ZONE_CERT_EXPIRY_ALERT,
};
use support::test_pki::test_pki;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        request_timeout: Duration::from_millis(1500),
        ..RetryPolicy::default()
    }
}

fn client_for(fake: &FakeCloudflare, token: &str) -> Client {
    Client::new(
        &fake.base_url(),
        Credentials::Token(ApiToken::new(token)),
        fast_retries(),
    )
    .unwrap()
}

async fn demo() -> (FakeCloudflare, Client) {
    let fake = FakeCloudflare::start(World::demo(), 0).await.unwrap();
    let client = client_for(&fake, DEMO_TOKEN);
    (fake, client)
}

/// The test PKI's trusted client certificate uploaded as a user would (found again if there).
async fn upload_right(
    client: &Client,
    scope: CertificateScope,
    zone_id: &str,
) -> Result<aop_wizard::cloudflare::UploadOutcome, aop_wizard::cloudflare::CloudflareError> {
    let right = &test_pki().right;
    client
        .upload_certificate(
            scope,
            zone_id,
            &pem(&right.cert),
            &pem(&right.key),
            &fingerprint(&right.cert),
        )
        .await
}

fn pem(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn fingerprint(path: &std::path::Path) -> String {
    aop_wizard::pki::fingerprint_sha256(&aop_wizard::pki::load_certificates(path).unwrap()[0])
}

#[tokio::test]
async fn tokens_zones_settings_and_dns() {
    let (fake, client) = demo().await;
    assert_eq!(client.verify_token(None).await.unwrap().status, "active");
    let zone = client.zone_by_name("example.com").await.unwrap();
    assert_eq!(zone.account.id.len(), 32);
    assert!(
        client
            .zone_by_name("nope.example")
            .await
            .unwrap_err()
            .to_string()
            .contains("no zone named nope.example")
    );

    assert_eq!(client.ssl_mode(&zone.id).await.unwrap(), SslMode::Full);
    assert_eq!(
        client
            .set_ssl_mode(&zone.id, &SslMode::Strict)
            .await
            .unwrap(),
        SslMode::Strict
    );
    assert_eq!(fake.zone("example.com").unwrap().ssl, "strict");
    assert_eq!(client.ssl_automatic_mode(&zone.id).await.unwrap(), "custom");
    assert!(!client.global_aop(&zone.id).await.unwrap());
    assert!(client.set_global_aop(&zone.id, true).await.unwrap());
    assert!(fake.zone("example.com").unwrap().global_aop);

    let records = client.dns_records(&zone.id).await.unwrap();
    let proxied: Vec<&str> = records
        .iter()
        .filter(|r| r.is_proxied())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(proxied, ["example.com", "www.example.com"]);
}

#[tokio::test]
async fn zone_listing_follows_every_page() {
    let mut world = World::demo();
    for i in 0..57 {
        world.add_zone(aop_wizard::cloudflare::fake::ZoneSeed {
            name: format!("zone{i:02}.test"),
            ssl: "full".into(),
            dns: vec![],
        });
    }
    let fake = FakeCloudflare::start(world, 0).await.unwrap();
    let zones = client_for(&fake, DEMO_TOKEN)
        .list_zones(None)
        .await
        .unwrap();
    assert_eq!(zones.len(), 59);
    assert!(fake.calls("list_zones") >= 2, "more than one page was read");
}

#[tokio::test]
async fn zone_certificate_lifecycle_upload_wait_enable_delete() {
    let (fake, client) = demo().await;
    let pki = test_pki();
    let zone = client.zone_by_name("example.com").await.unwrap();
    let uploaded = upload_right(&client, CertificateScope::Zone, &zone.id)
        .await
        .unwrap();
    assert!(!uploaded.already_present);
    assert_eq!(
        uploaded.certificate.status.as_ref().unwrap().as_str(),
        "pending_deployment"
    );
    let mut seen = Vec::new();
    let active = client
        .wait_until_active(
            CertificateScope::Zone,
            &zone.id,
            &uploaded.certificate.id,
            Duration::from_millis(10),
            Duration::from_secs(5),
            |s| seen.push(s.as_str().to_string()),
        )
        .await
        .unwrap();
    assert!(active.is_active());
    assert_eq!(seen.last().unwrap(), "active");
    assert_eq!(
        active.fingerprint().unwrap(),
        fingerprint(&pki.right.cert),
        "compared by fingerprint, whatever the PEM text"
    );

    let again = upload_right(&client, CertificateScope::Zone, &zone.id)
        .await
        .unwrap();
    assert!(again.already_present);
    assert_eq!(fake.calls("upload_zone_certificate"), 1);

    assert!(client.set_zone_aop_enabled(&zone.id, true).await.unwrap());
    assert!(client.zone_aop_enabled(&zone.id).await.unwrap());
    let view = fake.zone("example.com").unwrap();
    assert_eq!(
        view.zone_certificate_in_use.as_deref(),
        Some(uploaded.certificate.id.as_str())
    );

    client
        .delete_certificate(CertificateScope::Zone, &zone.id, &uploaded.certificate.id)
        .await
        .unwrap();
    // Listed as going away for its last reads, as Cloudflare does; then gone.
    for _ in 0..aop_wizard::cloudflare::fake::DEFAULT_DELETION_READS {
        let listed = client
            .list_certificates(CertificateScope::Zone, &zone.id)
            .await
            .unwrap();
        assert!(listed.len() == 1 && listed[0].is_going_away(), "{listed:?}");
    }
    let missing = client
        .get_certificate(CertificateScope::Zone, &zone.id, &uploaded.certificate.id)
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(404));
}

#[tokio::test]
async fn the_most_recently_deployed_certificate_is_in_use() {
    let (fake, client) = demo().await;
    fake.set_activation(Activation::AfterPolls(0));
    let pki = test_pki();
    let zone = client.zone_by_name("example.com").await.unwrap();
    let mut ids = Vec::new();
    for identity in [&pki.right, &pki.second] {
        let outcome = client
            .upload_certificate(
                CertificateScope::Zone,
                &zone.id,
                &pem(&identity.cert),
                &pem(&identity.key),
                &fingerprint(&identity.cert),
            )
            .await
            .unwrap();
        ids.push(outcome.certificate.id);
    }
    assert_eq!(
        fake.zone("example.com").unwrap().zone_certificate_in_use,
        Some(ids[1].clone())
    );
}

#[tokio::test]
async fn uploads_are_refused_as_cloudflare_refuses_them() {
    let (_fake, client) = demo().await;
    let pki = test_pki();
    let zone = client.zone_by_name("example.com").await.unwrap();
    let upload = |cert: String, key: String| {
        let client = client.clone();
        let zone_id = zone.id.clone();
        async move {
            client
                .upload_certificate(CertificateScope::Zone, &zone_id, &cert, &key, "none")
                .await
                .unwrap_err()
                .to_string()
        }
    };
    assert!(
        upload(pem(&pki.ca), pem(&pki.right.key))
            .await
            .contains("missing leaf certificate")
    );
    assert!(
        upload(pem(&pki.right.cert), pem(&pki.wrong_ca.key))
            .await
            .contains("does not match the certificate")
    );
    let dir = tempfile::tempdir().unwrap();
    let encrypted = dir.path().join("enc.key");
    let status = std::process::Command::new("openssl")
        .args(["pkcs8", "-topk8", "-passout", "pass:x", "-in"])
        .arg(&pki.right.key)
        .arg("-out")
        .arg(&encrypted)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        upload(pem(&pki.right.cert), pem(&encrypted))
            .await
            .contains("password-protected")
    );
}

#[tokio::test]
async fn hostname_certificates_associations_and_their_rules() {
    let (fake, client) = demo().await;
    fake.set_activation(Activation::AfterPolls(0));
    let pki = test_pki();
    let zone = client.zone_by_name("example.com").await.unwrap();
    let hostname_cert = upload_right(&client, CertificateScope::Hostname, &zone.id)
        .await
        .unwrap()
        .certificate;
    let zone_cert = client
        .upload_certificate(
            CertificateScope::Zone,
            &zone.id,
            &pem(&pki.second.cert),
            &pem(&pki.second.key),
            &fingerprint(&pki.second.cert),
        )
        .await
        .unwrap()
        .certificate;

    // A zone-level id in a hostname PUT: 1415, with advice.
    let wrong = client
        .set_hostname_associations(
            &zone.id,
            &[HostnameConfig::new(
                "www.example.com",
                zone_cert.id.as_str(),
                HostnameEnablement::Enable,
            )],
        )
        .await
        .unwrap_err();
    assert!(
        wrong.has_code(1415) && wrong.to_string().contains("per-hostname certificate"),
        "{wrong}"
    );

    let set = |enablement| {
        let client = client.clone();
        let (zone_id, cert_id) = (zone.id.clone(), hostname_cert.id.clone());
        async move {
            client
                .set_hostname_associations(
                    &zone_id,
                    &[HostnameConfig::new("www.example.com", cert_id, enablement)],
                )
                .await
                .unwrap()
        }
    };
    let enabled = set(HostnameEnablement::Enable).await;
    assert_eq!(enabled[0].enabled, Some(true));
    assert_eq!(
        client
            .hostname_association(&zone.id, "www.example.com")
            .await
            .unwrap()
            .cert_id
            .as_deref(),
        Some(hostname_cert.id.as_str())
    );
    set(HostnameEnablement::Disable).await;
    assert!(!fake.zone("example.com").unwrap().associations["www.example.com"].1);

    let blocked = client
        .delete_certificate(CertificateScope::Hostname, &zone.id, &hostname_cert.id)
        .await
        .unwrap_err();
    assert!(
        blocked.to_string().contains("association to null"),
        "{blocked}"
    );
    set(HostnameEnablement::Remove).await;
    let sent = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == "set_hostname_associations")
        .unwrap();
    assert!(
        sent.body.contains("\"enabled\":null"),
        "an explicit JSON null was sent: {}",
        sent.body
    );
    client
        .delete_certificate(CertificateScope::Hostname, &zone.id, &hostname_cert.id)
        .await
        .unwrap();
    assert!(
        fake.zone("example.com")
            .unwrap()
            .hostname_certificates
            .iter()
            .all(|(_, status, _)| status == "pending_deletion")
    );
}

#[tokio::test]
async fn at_most_ten_hostname_certificates() {
    let (fake, client) = demo().await;
    fake.set_activation(Activation::AfterPolls(0));
    let zone = client.zone_by_name("example.com").await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let (ca_spec, leaf_spec) = (
        aop_wizard::pki::CaSpec {
            common_name: "limit CA".into(),
            organization: None,
            validity: aop_wizard::pki::Validity::days_from(now, 30).unwrap(),
        },
        aop_wizard::pki::LeafSpec {
            common_name: "limit".into(),
            validity: aop_wizard::pki::Validity::days_from(now, 20).unwrap(),
            purpose: aop_wizard::pki::LeafPurpose::ClientAuth,
        },
    );
    let ca = aop_wizard::pki::CertificateAuthority::create(
        &ca_spec,
        aop_wizard::pki::generate_key(aop_wizard::pki::KeyType::EcdsaP256).unwrap(),
    )
    .unwrap();
    for i in 0..11 {
        let leaf = ca
            .issue(
                &leaf_spec,
                aop_wizard::pki::generate_key(aop_wizard::pki::KeyType::EcdsaP256).unwrap(),
            )
            .unwrap();
        let fp = aop_wizard::pki::fingerprint_sha256(&leaf.cert_der);
        let result = client
            .upload_certificate(
                CertificateScope::Hostname,
                &zone.id,
                &leaf.cert_pem,
                &leaf.key_pem(),
                &fp,
            )
            .await;
        if i < 10 {
            result.unwrap();
        } else {
            assert!(result.unwrap_err().to_string().contains("maximum of 10"));
        }
    }
}

#[tokio::test]
async fn alert_policies_and_available_alerts() {
    let (_fake, client) = demo().await;
    let zone = client.zone_by_name("example.com").await.unwrap();
    let account = zone.account.id.clone();
    let available = client.available_alerts(&account).await.unwrap();
    assert!(available.to_string().contains(ZONE_CERT_EXPIRY_ALERT));
    let id = client
        .create_alert_policy(
            &account,
            &NewAlertPolicy::email(
                "AOP expiry example.com",
                ZONE_CERT_EXPIRY_ALERT,
                "ops@example.com",
            ),
        )
        .await
        .unwrap();
    let policies = client.alert_policies(&account).await.unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].alert_type, ZONE_CERT_EXPIRY_ALERT);
    assert_eq!(policies[0].mechanisms["email"][0]["id"], "ops@example.com");
    client.delete_alert_policy(&account, &id).await.unwrap();
    assert!(client.alert_policies(&account).await.unwrap().is_empty());
}

#[tokio::test]
async fn documented_errors_come_back_typed_with_advice() {
    let mut world = World::demo();
    world.add_token(
        "read-only-token",
        &[Permission::ZoneRead, Permission::SslRead],
        false,
    );
    world.add_token("cfat_account_owned", &[Permission::ZoneRead], true);
    world.add_global_key("ops@example.com", "0123456789abcdef0123456789abcdef01234");
    let fake = FakeCloudflare::start(world, 0).await.unwrap();
    let zone_id = fake.zone("example.com").unwrap().id;

    let limited = client_for(&fake, "read-only-token");
    let denied = limited
        .set_zone_aop_enabled(&zone_id, true)
        .await
        .unwrap_err();
    assert!(denied.has_code(9109) && denied.is_auth());
    assert!(
        denied.to_string().contains("SSL and Certificates → Edit"),
        "{denied}"
    );

    let unknown = client_for(&fake, "not-a-token")
        .verify_token(None)
        .await
        .unwrap_err();
    assert!(unknown.has_code(1000) && unknown.to_string().contains("auth login"));

    let key_as_token = client_for(&fake, "0123456789abcdef0123456789abcdef01234")
        .list_zones(None)
        .await
        .unwrap_err();
    assert!(key_as_token.has_code(6003) && key_as_token.has_code(6111));
    assert!(
        key_as_token
            .to_string()
            .contains("Global API Key is not an API token")
    );

    let legacy = Client::new(
        &fake.base_url(),
        Credentials::GlobalKey {
            email: "ops@example.com".into(),
            key: ApiToken::new("0123456789abcdef0123456789abcdef01234"),
        },
        fast_retries(),
    )
    .unwrap();
    assert_eq!(
        legacy.list_zones(None).await.unwrap().len(),
        2,
        "legacy email + key works on zone endpoints"
    );
    assert!(legacy.verify_token(None).await.unwrap_err().has_code(1001));

    let account = client_for(&fake, "cfat_account_owned");
    assert!(
        account.verify_token(None).await.unwrap_err().has_code(1000),
        "account tokens fail the user endpoint"
    );
    let account_id = account
        .zone_by_name("example.com")
        .await
        .unwrap()
        .account
        .id;
    assert_eq!(
        account
            .verify_token(Some(&account_id))
            .await
            .unwrap()
            .status,
        "active"
    );

    let bad_id = client_for(&fake, DEMO_TOKEN)
        .get_certificate(CertificateScope::Zone, "0000", "x")
        .await
        .unwrap_err();
    assert!(bad_id.has_code(7003));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let (fake, client) = demo().await;
    fake.set_rate_limit(3, Duration::from_secs(300));
    for _ in 0..3 {
        client.list_zones(None).await.unwrap();
    }
    match client.list_zones(None).await.unwrap_err() {
        CloudflareError::RateLimited {
            retry_after_secs, ..
        } => assert!(retry_after_secs > 60),
        other => panic!("{other}"),
    }
}

/// The upload-and-enable flow a user runs; returns the certificate id.
async fn upload_and_enable(client: &Client) -> Result<String, CloudflareError> {
    let zone = client.zone_by_name("example.com").await?;
    let outcome = upload_right(client, CertificateScope::Zone, &zone.id).await?;
    client
        .wait_until_active(
            CertificateScope::Zone,
            &zone.id,
            &outcome.certificate.id,
            Duration::from_millis(10),
            Duration::from_secs(5),
            |_| {},
        )
        .await?;
    client.set_zone_aop_enabled(&zone.id, true).await?;
    Ok(outcome.certificate.id)
}

#[tokio::test]
async fn a_fault_at_any_call_of_upload_and_enable_never_uploads_twice() {
    let steps = [
        ("list_zones", 1),
        ("list_zone_certificates", 1),
        ("upload_zone_certificate", 1),
        ("list_zone_certificates", 2),
        ("get_zone_certificate", 1),
        ("set_zone_aop_setting", 1),
    ];
    let kinds = [
        FaultKind::TooManyRequests,
        FaultKind::ServerError,
        FaultKind::Timeout(Duration::from_secs(3)),
        FaultKind::MalformedJson,
    ];
    for (operation, nth) in steps {
        for kind in kinds {
            let (fake, client) = demo().await;
            fake.inject_fault(operation, nth, kind);
            let first = upload_and_enable(&client).await;
            assert!(
                fake.calls("upload_zone_certificate") <= 1,
                "{operation}#{nth} {kind:?}: the POST is never retried blindly"
            );
            if let Err(error) = &first {
                // Stopped: the message must say what happened, and a second run must finish.
                assert!(!error.to_string().is_empty());
                upload_and_enable(&client)
                    .await
                    .unwrap_or_else(|e| panic!("{operation}#{nth} {kind:?}: rerun failed: {e}"));
            }
            let view = fake.zone("example.com").unwrap();
            assert_eq!(
                view.zone_certificates.len(),
                1,
                "{operation}#{nth} {kind:?}: exactly one upload"
            );
            assert!(
                view.zone_aop_enabled,
                "{operation}#{nth} {kind:?}: enabled in the end"
            );
        }
    }
}

#[tokio::test]
async fn the_token_is_never_sent_anywhere_but_the_authorization_header() {
    let (fake, client) = demo().await;
    upload_and_enable(&client).await.unwrap();
    for request in fake.requests() {
        assert!(
            !request.body.contains(DEMO_TOKEN)
                && !request.query.contains(DEMO_TOKEN)
                && !request.path.contains(DEMO_TOKEN)
        );
        assert!(request.header_names.iter().any(|h| h == "authorization"));
    }
    let ca_key = std::fs::read_to_string(test_pki().dir.join("trusted.crt")).unwrap();
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.body.contains("BEGIN PRIVATE KEY") || !r.body.contains(&ca_key))
    );
}

/// The write was answered with success (the fake lied) and the client still refused it, naming
/// the operation.
#[track_caller]
fn assert_not_applied<T: std::fmt::Debug>(
    fake: &FakeCloudflare,
    result: Result<T, CloudflareError>,
    fake_operation: &str,
    client_operation: &str,
) -> CloudflareError {
    let error = result.expect_err("a write that did not take is an error");
    match &error {
        CloudflareError::NotApplied { operation, .. } => assert_eq!(*operation, client_operation),
        other => panic!("expected NotApplied, got {other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("nothing changed") && text.contains("run the command again"),
        "{text}"
    );
    let write = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == fake_operation)
        .unwrap();
    assert_eq!(
        (write.status, &write.response["success"]),
        (200, &serde_json::json!(true)),
        "the fake answered the ignored write with success"
    );
    error
}

#[tokio::test]
async fn an_ignored_ssl_mode_change_is_not_applied_and_changes_nothing() {
    let (fake, client) = demo().await;
    let zone = client.zone_by_name("example.com").await.unwrap();
    fake.ignore_writes("edit_setting");
    let error = assert_not_applied(
        &fake,
        client.set_ssl_mode(&zone.id, &SslMode::Strict).await,
        "edit_setting",
        "set setting",
    );
    assert!(
        error.to_string().contains("ssl = strict") && error.to_string().contains("ssl = full"),
        "{error}"
    );
    let claimed = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == "edit_setting");
    assert_eq!(
        claimed.unwrap().response["result"]["value"],
        "strict",
        "the lying answer claims the requested value"
    );
    assert_eq!(fake.zone("example.com").unwrap().ssl, "full");
    assert_eq!(client.ssl_mode(&zone.id).await.unwrap(), SslMode::Full);

    fake.heed_writes("edit_setting");
    assert_eq!(
        client
            .set_ssl_mode(&zone.id, &SslMode::Strict)
            .await
            .unwrap(),
        SslMode::Strict
    );
    assert_eq!(fake.zone("example.com").unwrap().ssl, "strict");
}

#[tokio::test]
async fn an_ignored_global_switch_is_not_applied_and_changes_nothing() {
    let (fake, client) = demo().await;
    let zone = client.zone_by_name("example.com").await.unwrap();
    fake.ignore_writes("edit_setting");
    assert_not_applied(
        &fake,
        client.set_global_aop(&zone.id, true).await,
        "edit_setting",
        "set setting",
    );
    assert!(!fake.zone("example.com").unwrap().global_aop);

    fake.heed_writes("edit_setting");
    assert!(client.set_global_aop(&zone.id, true).await.unwrap());
    assert!(fake.zone("example.com").unwrap().global_aop);
}

#[tokio::test]
async fn an_ignored_zone_level_switch_is_not_applied_and_changes_nothing() {
    let (fake, client) = demo().await;
    let zone = client.zone_by_name("example.com").await.unwrap();
    fake.ignore_writes("set_zone_aop_setting");
    let error = assert_not_applied(
        &fake,
        client.set_zone_aop_enabled(&zone.id, true).await,
        "set_zone_aop_setting",
        "set zone aop setting",
    );
    assert!(
        error.to_string().contains("now reports zone-level AOP off"),
        "{error}"
    );
    let claimed = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == "set_zone_aop_setting");
    assert_eq!(claimed.unwrap().response["result"]["enabled"], true);
    assert!(!fake.zone("example.com").unwrap().zone_aop_enabled);

    fake.heed_writes("set_zone_aop_setting");
    assert!(client.set_zone_aop_enabled(&zone.id, true).await.unwrap());
    assert!(fake.zone("example.com").unwrap().zone_aop_enabled);
}

#[tokio::test]
async fn ignored_hostname_associations_are_not_applied_and_change_nothing() {
    let (fake, client) = demo().await;
    fake.set_activation(Activation::AfterPolls(0));
    let zone = client.zone_by_name("example.com").await.unwrap();
    let cert_id = upload_right(&client, CertificateScope::Hostname, &zone.id)
        .await
        .unwrap()
        .certificate
        .id;
    let set = |enablement| {
        let client = client.clone();
        let (zone_id, cert_id) = (zone.id.clone(), cert_id.clone());
        async move {
            client
                .set_hostname_associations(
                    &zone_id,
                    &[
                        HostnameConfig::new("www.example.com", cert_id.as_str(), enablement),
                        HostnameConfig::new("example.com", cert_id.as_str(), enablement),
                    ],
                )
                .await
        }
    };
    let associations = || fake.zone("example.com").unwrap().associations;
    let operation = "set_hostname_associations";

    // Enable, ignored: nothing associated, and the error names what was wanted.
    fake.ignore_writes(operation);
    let error = assert_not_applied(
        &fake,
        set(HostnameEnablement::Enable).await,
        operation,
        "set hostname associations",
    );
    assert!(
        error.to_string().contains(&format!(
            "www.example.com enabled with certificate {cert_id}"
        )),
        "{error}"
    );
    let claimed = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == operation);
    assert_eq!(claimed.unwrap().response["result"][0]["enabled"], true);
    assert!(associations().is_empty());

    // Enable for real: the read-back associations come back.
    fake.heed_writes(operation);
    let enabled = set(HostnameEnablement::Enable).await.unwrap();
    assert_eq!(enabled.len(), 2);
    assert_eq!(enabled[0].hostname, "www.example.com");
    assert_eq!(enabled[1].hostname, "example.com");
    assert!(
        enabled
            .iter()
            .all(|a| a.enabled == Some(true) && a.cert_id.as_deref() == Some(cert_id.as_str()))
    );

    // Disable, ignored: still enabled.
    fake.ignore_writes(operation);
    assert_not_applied(
        &fake,
        set(HostnameEnablement::Disable).await,
        operation,
        "set hostname associations",
    );
    assert!(
        associations()
            .values()
            .all(|(id, on)| *id == cert_id && *on)
    );

    // Void, ignored: still associated, still enabled.
    let error = assert_not_applied(
        &fake,
        set(HostnameEnablement::Remove).await,
        operation,
        "set hostname associations",
    );
    assert!(
        error
            .to_string()
            .contains("www.example.com with no certificate"),
        "{error}"
    );
    assert_eq!(associations().len(), 2);
    assert!(associations().values().all(|(_, on)| *on));

    // Void for real: nothing associated; the read-back shows no certificate.
    fake.heed_writes(operation);
    let voided = set(HostnameEnablement::Remove).await.unwrap();
    assert!(
        voided
            .iter()
            .all(|a| a.cert_id.is_none() || a.enabled.is_none())
    );
    assert!(associations().is_empty());
}

#[tokio::test]
async fn an_ignored_alert_policy_is_not_applied_and_creates_nothing() {
    let (fake, client) = demo().await;
    let account = client.zone_by_name("example.com").await.unwrap().account.id;
    let policy = NewAlertPolicy::email("AOP expiry", ZONE_CERT_EXPIRY_ALERT, "ops@example.com");
    fake.ignore_writes("create_alert_policy");
    let error = assert_not_applied(
        &fake,
        client.create_alert_policy(&account, &policy).await,
        "create_alert_policy",
        "create alert policy",
    );
    let claimed = fake
        .requests()
        .into_iter()
        .rfind(|r| r.operation == "create_alert_policy")
        .unwrap();
    let claimed_id = claimed.response["result"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!claimed_id.is_empty(), "the lying answer names an id");
    assert!(error.to_string().contains(&claimed_id), "{error}");
    assert!(client.alert_policies(&account).await.unwrap().is_empty());

    fake.heed_writes("create_alert_policy");
    let id = client.create_alert_policy(&account, &policy).await.unwrap();
    let listed = client.alert_policies(&account).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
}

/// Global AOP at the demo edge: a stand-in for Cloudflare's shared certificate, from a CA the
/// fake gives at `/edge-ca` (the same every time). An origin that trusts only Cloudflare's real
/// CA refuses it (525), as it refuses anything that is not Cloudflare; one that also trusts the
/// stand-in's CA (the demo origin) serves it. With the switch off nothing is presented.
#[tokio::test]
async fn the_demo_edge_presents_a_stand_in_for_the_shared_certificate() {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    let (fake, client) = demo().await;
    let zone_id = fake.zone("example.com").unwrap().id;
    let origin = DemoOrigin::start(&["example.com"]).await.unwrap();
    let http = reqwest::Client::new();
    let root = fake.base_url().trim_end_matches("/client/v4").to_string();
    let edge_ca = || async {
        let answer = http.get(format!("{root}/edge-ca")).send().await.unwrap();
        assert!(answer.status().is_success());
        answer.text().await.unwrap()
    };
    let status = || async {
        let url = fake.edge_url("example.com", origin.address());
        http.get(url).send().await.unwrap().status().as_u16()
    };
    let ca_pem = edge_ca().await;
    let stand_in_ca = aop_wizard::pki::certificates_from_pem(&ca_pem, std::path::Path::new("ca"))
        .unwrap()
        .remove(0);
    let cloudflare = aop_wizard::pki::cloudflare_ca::der().unwrap();
    assert_ne!(stand_in_ca, cloudflare);

    origin.set_phase(OriginPhase::Enforce(vec![
        cloudflare.clone(),
        stand_in_ca.clone(),
    ]));
    assert_eq!(status().await, 525, "global off: no certificate presented");
    aop_wizard::ops::switch_scope(
        &client,
        &zone_id,
        aop_wizard::ops::Scope::Global,
        true,
        None,
        &[],
    )
    .await
    .unwrap();
    assert!(fake.zone("example.com").unwrap().global_aop);
    assert_eq!(status().await, 200, "the stand-in is presented and trusted");
    origin.set_phase(OriginPhase::Enforce(vec![cloudflare]));
    assert_eq!(
        status().await,
        525,
        "an origin trusting only Cloudflare's real CA refuses the stand-in"
    );
    assert_eq!(edge_ca().await, ca_pem, "made once");
}

/// A call that gets no answer ends when its budget is spent, with the sentence that says so,
/// not after every retry has waited its full request timeout.
#[tokio::test]
async fn a_hanging_call_ends_at_its_budget_with_no_answer() {
    let fake = FakeCloudflare::start(World::demo(), 0).await.unwrap();
    fake.hang(Some("list_zones"));
    let client = Client::new(
        &fake.base_url(),
        Credentials::Token(ApiToken::new(DEMO_TOKEN)),
        RetryPolicy {
            call_budget: Duration::from_secs(1),
            ..fast_retries()
        },
    )
    .unwrap();
    let error = client.zone_by_name("example.com").await.unwrap_err();
    assert!(
        matches!(
            error,
            CloudflareError::NoAnswer {
                operation: "list zones",
                set_by: "AOP_WIZARD_API_TIMEOUT",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("Cloudflare did not answer within 1 s (list zones); try again"),
        "{error}"
    );
}

/// No retry starts that could not be answered before the deadline: the failure at hand is the
/// answer, at once.
#[tokio::test]
async fn no_retry_starts_that_cannot_finish_before_the_deadline() {
    let fake = FakeCloudflare::start(World::demo(), 0).await.unwrap();
    fake.inject_fault("list_zones", 1, FaultKind::ServerError);
    let client = Client::new(
        &fake.base_url(),
        Credentials::Token(ApiToken::new(DEMO_TOKEN)),
        RetryPolicy {
            // The pause before a retry alone is longer than the whole budget.
            base_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(30),
            call_budget: Duration::from_secs(5),
            ..RetryPolicy::default()
        },
    )
    .unwrap();
    let error = client.zone_by_name("example.com").await.unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
    assert_eq!(fake.calls("list_zones"), 1, "not retried");
    // With time for it, the same fault is retried and the call succeeds.
    fake.inject_fault("list_zones", 2, FaultKind::ServerError);
    client_for(&fake, DEMO_TOKEN)
        .zone_by_name("example.com")
        .await
        .unwrap();
    assert_eq!(fake.calls("list_zones"), 3);
}

/// `within` bounds everything the client does under it, and never extends an earlier deadline.
#[tokio::test]
async fn a_deadline_set_with_within_bounds_every_call_under_it() {
    let (fake, client) = demo().await;
    fake.hang(Some("get_setting"));
    let bounded = client
        .within(Duration::from_secs(1), "--timeout")
        .within(Duration::from_secs(3600), "a later, longer bound");
    let zone = bounded.zone_by_name("example.com").await.unwrap();
    let error = bounded.ssl_mode(&zone.id).await.unwrap_err();
    assert!(
        matches!(
            error,
            CloudflareError::NoAnswer {
                set_by: "--timeout",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("within 1 s"), "{error}");
}
