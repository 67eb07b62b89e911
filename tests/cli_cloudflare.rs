//! The Cloudflare subcommands of the real binary against the fake over loopback, as a person or a
//! script would run them: status, upload → wait → enable, dry runs, exit codes, the keyring.

mod support;

use std::process::{Command, Output, Stdio};

use aop_wizard::cloudflare::fake::DEMO_TOKEN;
use support::fake::{Fake, fake};

fn aop(fake: &Fake, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    command
        .args(args)
        .env("CLOUDFLARE_API_BASE_URL", fake.fake.base_url())
        .env("AOP_WIZARD_KEYRING", "none");
    match token {
        Some(token) => command.env("CLOUDFLARE_API_TOKEN", token),
        None => command.env_remove("CLOUDFLARE_API_TOKEN"),
    };
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn status_upload_wait_enable_by_hand() {
    let fake = fake();
    let pki = support::test_pki::test_pki();
    let (cert, key) = (
        pki.right.cert.to_str().unwrap(),
        pki.right.key.to_str().unwrap(),
    );

    let status = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["status", "--zone", "example.com", "--json"],
    );
    assert!(status.status.success(), "{}", text(&status));
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(value["ssl_mode"], "full");
    assert_eq!(value["zone_level_enabled"], false);
    assert_eq!(value["hostnames"].as_array().unwrap().len(), 3);

    let dry = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            cert,
            "--key",
            key,
            "--dry-run",
            "--json",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let plan = text(&dry);
    assert!(plan.contains("Bearer <redacted>") && plan.contains("<redacted private key"));
    assert!(
        !plan.contains(DEMO_TOKEN) && !plan.contains("PRIVATE KEY-----"),
        "{plan}"
    );
    assert_eq!(
        fake.fake.calls("upload_zone_certificate"),
        0,
        "a dry run sends nothing that changes"
    );

    let upload = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            cert,
            "--key",
            key,
            "--wait",
            "--interval",
            "0",
            "--json",
        ],
    );
    assert!(upload.status.success(), "{}", text(&upload));
    let uploaded: serde_json::Value = serde_json::from_slice(&upload.stdout).unwrap();
    assert_eq!(uploaded["certificate"]["status"], "active");

    let enable = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["enable", "--zone", "example.com", "--scope", "zone"],
    );
    assert!(enable.status.success(), "{}", text(&enable));
    let view = fake.fake.zone("example.com").unwrap();
    assert!(view.zone_aop_enabled);
    assert_eq!(
        view.zone_certificate_in_use.as_deref(),
        uploaded["certificate"]["id"].as_str()
    );
    for output in [&status, &dry, &upload, &enable] {
        assert!(
            !text(output).contains(DEMO_TOKEN),
            "the token is never printed"
        );
    }
}

/// Text around the PEM blocks in the files (a comment, a stray paste, escape sequences) stays
/// on this machine: only the certificate and key blocks are sent.
#[test]
fn only_the_pem_blocks_are_sent_not_the_text_around_them() {
    let fake = fake();
    let pki = support::test_pki::test_pki();
    let dir = tempfile::tempdir().unwrap();
    let junk = "garbage here\n\u{1b}[31mred\u{7}\n";
    let cert = dir.path().join("client.crt");
    let key = dir.path().join("client.key");
    std::fs::write(
        &cert,
        format!(
            "a note\n{}{junk}",
            std::fs::read_to_string(&pki.right.cert).unwrap()
        ),
    )
    .unwrap();
    std::fs::write(
        &key,
        std::fs::read_to_string(&pki.right.key).unwrap() + junk,
    )
    .unwrap();
    let dry = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    let body = plan.to_string();
    assert!(body.contains("-----BEGIN CERTIFICATE-----"), "{body}");
    assert!(
        !body.contains("garbage") && !body.contains("a note") && !body.contains("[31m"),
        "{body}"
    );
}

#[test]
fn a_ca_is_refused_before_anything_is_sent() {
    let fake = fake();
    let pki = support::test_pki::test_pki();
    let output = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            pki.ca.to_str().unwrap(),
            "--key",
            pki.right.key.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("missing leaf certificate"));
    assert!(fake.fake.requests().is_empty());
}

#[test]
fn ssl_mode_needs_full_and_can_be_fixed() {
    let fake = fake();
    let flexible = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["ssl-mode", "--zone", "example.org"],
    );
    assert_eq!(flexible.status.code(), Some(3), "needs action");
    assert!(text(&flexible).contains("--set strict"));
    let fixed = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["ssl-mode", "--zone", "example.org", "--set", "strict"],
    );
    assert!(fixed.status.success());
    assert_eq!(fake.fake.zone("example.org").unwrap().ssl, "strict");
}

#[test]
fn auth_failures_exit_4_with_advice() {
    let fake = fake();
    let bad = aop(
        &fake,
        Some("not-a-real-token"),
        &["status", "--zone", "example.com"],
    );
    assert_eq!(bad.status.code(), Some(4));
    assert!(text(&bad).contains("auth status"), "{}", text(&bad));
    assert!(!text(&bad).contains("not-a-real-token"));
    let none = aop(&fake, None, &["status", "--zone", "example.com"]);
    assert_eq!(none.status.code(), Some(4));
    assert!(
        text(&none).contains("CLOUDFLARE_API_TOKEN"),
        "{}",
        text(&none)
    );
}

/// The kernel keyring (keyutils) works on a headless Linux without Secret Service; a token saved
/// by one process is found by another.
#[test]
fn the_token_round_trips_through_the_real_kernel_keyring() {
    let fake = fake();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut command = Command::new("setsid");
        command
            .arg(env!("CARGO_BIN_EXE_aop-wizard"))
            .args(args)
            .env("CLOUDFLARE_API_BASE_URL", fake.fake.base_url())
            .env("AOP_WIZARD_KEYRING", "keyutils")
            .env_remove("CLOUDFLARE_API_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let wrong = run(
        &["auth", "login", "--with-token"],
        Some("not-a-real-token\n"),
    );
    assert_eq!(
        wrong.status.code(),
        Some(4),
        "a token is verified before it is stored: {}",
        text(&wrong)
    );
    let login = run(
        &["auth", "login", "--with-token"],
        Some(&format!("{DEMO_TOKEN}\n")),
    );
    assert!(login.status.success(), "{}", text(&login));
    assert!(text(&login).contains("kernel keyring"));
    let status = run(&["auth", "status", "--zone", "example.com", "--json"], None);
    assert!(status.status.success(), "{}", text(&status));
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(value["source"], "the OS keyring");
    assert!(!text(&status).contains(DEMO_TOKEN));
    let logout = run(&["auth", "logout"], None);
    assert!(text(&logout).contains("removed"));
    let after = run(&["status", "--zone", "example.com"], None);
    assert_eq!(after.status.code(), Some(4));
}

#[test]
fn no_keyring_means_a_plain_explanation_not_a_file() {
    let fake = fake();
    let mut command = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    let output = command
        .args(["auth", "login", "--with-token"])
        .env("CLOUDFLARE_API_BASE_URL", fake.fake.base_url())
        .env("AOP_WIZARD_KEYRING", "none")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{DEMO_TOKEN}\n").as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(
        text(&output).contains("set CLOUDFLARE_API_TOKEN in the environment instead"),
        "{}",
        text(&output)
    );
}

#[test]
fn auth_status_finds_the_missing_permission_by_probing() {
    use aop_wizard::cloudflare::fake::Permission;
    let fake = fake();
    let read_only = "read-only-token-0000000000000000000000";
    fake.fake.add_token(
        read_only,
        &[
            Permission::ZoneRead,
            Permission::ZoneSettingsWrite,
            Permission::SslRead,
            Permission::DnsRead,
            Permission::NotificationsWrite,
        ],
    );
    let probe = |token: &str, extra: &[&str]| {
        let mut args = vec!["auth", "status", "--zone", "example.com", "--json"];
        args.extend_from_slice(extra);
        let output = aop(&fake, Some(token), &args);
        let value: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", text(&output)));
        let granted: Vec<(String, serde_json::Value)> = value["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["permission"].as_str().unwrap().to_string(),
                    c["granted"].clone(),
                )
            })
            .collect();
        (output.status.code(), granted)
    };
    let find = |granted: &[(String, serde_json::Value)], name: &str| {
        granted.iter().find(|(p, _)| p == name).unwrap().1.clone()
    };

    // Reads only by default: edit rights are reported as not probed, and nothing was written.
    let (code, granted) = probe(read_only, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(find(&granted, "Zone → SSL and Certificates → Read"), true);
    assert!(find(&granted, "Zone → SSL and Certificates → Edit").is_null());
    assert_eq!(fake.fake.calls("set_zone_aop_setting"), 0);

    // --probe-writes finds the missing edit right and says so with the needs-action code.
    let (code, granted) = probe(read_only, &["--probe-writes"]);
    assert_eq!(code, Some(3), "{granted:?}");
    assert_eq!(find(&granted, "Zone → Zone Settings → Edit"), true);
    assert_eq!(find(&granted, "Zone → SSL and Certificates → Edit"), false);

    let (code, granted) = probe(DEMO_TOKEN, &["--probe-writes"]);
    assert_eq!(code, Some(0));
    assert!(granted.iter().all(|(_, g)| g == true), "{granted:?}");
    // Writing back the current values changed nothing.
    let zone = fake.fake.zone("example.com").unwrap();
    assert!(!zone.zone_aop_enabled);
}

/// Secret Service (gnome-keyring, as on a desktop) for real: a private session bus and an
/// unlocked throwaway login keyring; the token saved by one process is read by another and is
/// visible to `secret-tool`, never written to a file.
#[test]
fn the_token_round_trips_through_a_real_secret_service() {
    for tool in ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"] {
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .unwrap()
                .status
                .success(),
            "{tool} is not installed; run the test command from README.md, which installs it"
        );
    }
    let fake = fake();
    let home = tempfile::tempdir().unwrap();
    let script = r#"
        set -u
        eval "$(printf 'throwaway' | gnome-keyring-daemon --unlock --components=secrets)"
        printf '%s\n' "$TOKEN" | "$AOP" auth login --with-token; echo "login=$?"
        "$AOP" auth status --zone example.com --json; echo "status=$?"
        secret-tool search --all service aop-wizard 2>&1 | grep -c '^label' | sed 's/^/items=/'
        "$AOP" auth logout; echo "logout=$?"
        secret-tool search --all service aop-wizard 2>&1 | grep -c '^label' | sed 's/^/after=/'
    "#;
    let output = Command::new("dbus-run-session")
        .args(["--", "bash", "-c", script])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env("AOP", env!("CARGO_BIN_EXE_aop-wizard"))
        .env("TOKEN", DEMO_TOKEN)
        .env("CLOUDFLARE_API_BASE_URL", fake.fake.base_url())
        .env("AOP_WIZARD_KEYRING", "secret-service")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .output()
        .unwrap();
    let all = text(&output);
    for expected in [
        "Secret Service",
        "login=0",
        "\"source\": \"the OS keyring\"",
        "status=0",
        "items=1",
        "logout=0",
        "after=0",
    ] {
        assert!(all.contains(expected), "{expected:?} missing from:\n{all}");
    }
    assert_eq!(
        all.matches(DEMO_TOKEN).count(),
        0,
        "the token is never printed"
    );
}

/// A fake where the CLI uploaded the test certificate (active at once) and enabled zone-level AOP.
fn zone_level_enabled() -> Fake {
    let fake = fake();
    fake.fake
        .set_activation(aop_wizard::cloudflare::fake::Activation::AfterPolls(0));
    let pki = support::test_pki::test_pki();
    let (cert, key) = (
        pki.right.cert.to_str().unwrap(),
        pki.right.key.to_str().unwrap(),
    );
    let upload = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            cert,
            "--key",
            key,
            "--wait",
        ],
    );
    assert!(upload.status.success(), "{}", text(&upload));
    let enable = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["enable", "--zone", "example.com", "--scope", "zone"],
    );
    assert!(enable.status.success(), "{}", text(&enable));
    fake
}

/// For cron: the exit code flips when the window reaches the certificate's expiry (365 days).
#[test]
fn check_expiry_exit_codes_on_either_side_of_the_window() {
    let fake = zone_level_enabled();

    let check = |days: &str| {
        aop(
            &fake,
            Some(DEMO_TOKEN),
            &[
                "check-expiry",
                "--zone",
                "example.com",
                "--days",
                days,
                "--json",
            ],
        )
    };
    let quiet = check("300");
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet));
    let report: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    let zone_cert = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"] == "zone")
        .unwrap();
    assert_eq!(zone_cert["relevant"], true, "{report:#}");
    let days_left = zone_cert["days_left"].as_i64().unwrap();
    assert!((363..=365).contains(&days_left), "{days_left}");

    let alarm = check("400");
    assert_eq!(alarm.status.code(), Some(3), "{}", text(&alarm));
    // Cloudflare's global CA (2029-11-01) only counts when global AOP is on.
    let far = check("1200");
    let report: serde_json::Value = serde_json::from_slice(&far.stdout).unwrap();
    let global = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"] == "global")
        .unwrap();
    assert_eq!(global["expiring"], true);
    assert_eq!(global["relevant"], false);

    let status = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["status", "--zone", "example.com", "--json"],
    );
    let value: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(value["global_ca_expires_on"], "2029-11-01");
    // Precedence per hostname: zone-level here (no per-hostname association), none for DNS-only.
    let in_use = value["zone_certificates"][0]["id"].as_str().unwrap();
    for host in value["hostnames"].as_array().unwrap() {
        let effective = host["effective_certificate"].as_str().unwrap();
        if host["proxied"] == true {
            assert_eq!(effective, format!("zone-level {in_use}"), "{host}");
        } else {
            assert!(effective.starts_with("none (DNS only"), "{host}");
        }
    }
}

/// Undo refuses to touch Cloudflare while the origin still enforces, then turns everything off
/// (and deletes the certificates) once the origin is relaxed.
#[test]
fn undo_waits_for_the_origin_before_turning_aop_off() {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    let fake = zone_level_enabled();
    let pki = support::test_pki::test_pki();

    let origin = fake
        .runtime
        .block_on(DemoOrigin::start(&["example.com", "www.example.com"]))
        .unwrap();
    let ca = aop_wizard::pki::load_certificates(&pki.ca).unwrap();
    origin.set_phase(OriginPhase::Enforce(ca.clone()));
    let address = origin.address().to_string();
    let undo = |extra: &[&str]| {
        let mut args = vec![
            "undo",
            "--zone",
            "example.com",
            "--origin",
            address.as_str(),
            "--host",
            "example.com",
            "--yes",
        ];
        args.extend_from_slice(extra);
        aop(&fake, Some(DEMO_TOKEN), &args)
    };

    let refused = undo(&["--wait", "1"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(text(&refused).contains("nothing was changed on Cloudflare"));
    assert!(
        fake.fake.zone("example.com").unwrap().zone_aop_enabled,
        "still on"
    );

    origin.set_phase(OriginPhase::Log(ca));
    let planned = undo(&["--delete-certificates", "--dry-run"]);
    assert!(planned.status.success(), "{}", text(&planned));
    assert!(text(&planned).contains("DELETE"), "{}", text(&planned));
    assert!(
        fake.fake.zone("example.com").unwrap().zone_aop_enabled,
        "a dry run changes nothing"
    );

    // Without a terminal to ask on, and without --yes, nothing is turned off.
    let unasked = aop(
        &fake,
        Some(DEMO_TOKEN),
        &[
            "undo",
            "--zone",
            "example.com",
            "--origin",
            &address,
            "--host",
            "example.com",
        ],
    );
    assert_eq!(unasked.status.code(), Some(1), "{}", text(&unasked));
    assert!(text(&unasked).contains("pass --yes"), "{}", text(&unasked));
    assert!(fake.fake.zone("example.com").unwrap().zone_aop_enabled);

    let done = undo(&["--delete-certificates"]);
    assert!(done.status.success(), "{}", text(&done));
    let zone = fake.fake.zone("example.com").unwrap();
    let deleted = format!(
        "Authenticated Origin Pulls is off for example.com, and its {} deleted.",
        aop_wizard::words::plural(
            zone.zone_certificates.len() as u64,
            "uploaded certificate is",
            "uploaded certificates are"
        )
    );
    assert!(text(&done).contains(&deleted), "{}", text(&done));
    assert!(!zone.zone_aop_enabled);
    // Deleted: listed as pending_deletion for a few reads more, as Cloudflare does.
    assert!(
        zone.zone_certificates
            .iter()
            .all(|(_, status, _)| status == "pending_deletion"),
        "{:?}",
        zone.zone_certificates
    );
}

/// `export terraform`: every AOP resource of the zone with its import command; the private key
/// only ever as a sensitive variable.
#[test]
fn export_terraform_lists_what_exists_with_import_commands() {
    let fake = zone_level_enabled();
    let zone = fake.fake.zone("example.com").unwrap();
    let account = fake
        .runtime
        .block_on(fake.client().zone_by_name("example.com"))
        .unwrap()
        .account
        .id;
    fake.runtime
        .block_on(fake.client().create_alert_policy(
            &account,
            &aop_wizard::cloudflare::NewAlertPolicy::email(
                "AOP certificate expiry",
                aop_wizard::cloudflare::ZONE_CERT_EXPIRY_ALERT,
                "ops@example.com",
            ),
        ))
        .unwrap();
    let output = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["export", "terraform", "--zone", "example.com"],
    );
    assert!(output.status.success(), "{}", text(&output));
    let hcl = String::from_utf8(output.stdout).unwrap();
    let certificate = &zone.zone_certificates[0].0;
    for expected in [
        "resource \"cloudflare_authenticated_origin_pulls_certificate\"".to_string(),
        "resource \"cloudflare_authenticated_origin_pulls_settings\"".to_string(),
        "enabled = true".to_string(),
        "resource \"cloudflare_zone_setting\"".to_string(),
        "alert_type  = \"zone_aop_custom_certificate_expiration_type\"".to_string(),
        "sensitive   = true".to_string(),
        format!("'{}/{certificate}'", zone.id),
        format!(
            "terraform import 'cloudflare_authenticated_origin_pulls_settings.example_com' '{}'",
            zone.id
        ),
    ] {
        assert!(hcl.contains(&expected), "missing {expected}:\n{hcl}");
    }
    assert!(
        hcl.contains("BEGIN CERTIFICATE"),
        "the certificate is public"
    );
    assert!(!hcl.contains("PRIVATE KEY"), "{hcl}");
}

/// `alerts create` twice makes one policy; `list` shows it; `delete` removes it.
#[test]
fn expiry_alerts_are_created_once_listed_and_deleted() {
    let fake = fake();
    let create = |email: &str| {
        aop(
            &fake,
            Some(DEMO_TOKEN),
            &[
                "alerts",
                "create",
                "--zone",
                "example.com",
                "--email",
                email,
            ],
        )
    };
    let first = create("ops@example.com");
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("Created"), "{}", text(&first));
    let again = create("ops@example.com");
    assert!(
        text(&again).contains("Already in place"),
        "{}",
        text(&again)
    );
    assert_eq!(
        fake.fake.calls("create_alert_policy"),
        1,
        "never a duplicate"
    );
    assert_eq!(create("not-an-address").status.code(), Some(1));

    let list = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["alerts", "list", "--zone", "example.com", "--json"],
    );
    let policies: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let policies = policies.as_array().unwrap();
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(
        policies[0]["alert_type"],
        "zone_aop_custom_certificate_expiration_type"
    );
    let id = policies[0]["id"].as_str().unwrap();
    let delete = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["alerts", "delete", "--zone", "example.com", "--id", id],
    );
    assert!(delete.status.success(), "{}", text(&delete));
    let list = aop(
        &fake,
        Some(DEMO_TOKEN),
        &["alerts", "list", "--zone", "example.com"],
    );
    assert!(
        text(&list).contains("No AOP expiry alert"),
        "{}",
        text(&list)
    );
}

/// Cloudflare answers the switch with success but does not take it: the binary says so on
/// stderr with the Cloudflare exit code, never "enabled"; once Cloudflare takes writes again,
/// running the same command again works.
#[test]
fn enable_that_cloudflare_did_not_take_exits_4() {
    let fake = fake();
    fake.fake.ignore_writes("set_zone_aop_setting");
    let args = ["enable", "--zone", "example.com", "--scope", "zone"];
    let ignored = aop(&fake, Some(DEMO_TOKEN), &args);
    assert_eq!(ignored.status.code(), Some(4), "{}", text(&ignored));
    let stderr = String::from_utf8_lossy(&ignored.stderr);
    assert!(
        stderr.contains("nothing changed") && stderr.contains("run the command again"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&ignored.stdout).contains("enabled")
            && !text(&ignored).contains("Zone-level AOP enabled"),
        "{}",
        text(&ignored)
    );
    assert!(!fake.fake.zone("example.com").unwrap().zone_aop_enabled);

    fake.fake.heed_writes("set_zone_aop_setting");
    let again = aop(&fake, Some(DEMO_TOKEN), &args);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("Zone-level AOP enabled"));
    assert!(fake.fake.zone("example.com").unwrap().zone_aop_enabled);
}

#[test]
fn an_ssl_mode_that_cloudflare_did_not_take_exits_4() {
    let fake = fake();
    fake.fake.ignore_writes("edit_setting");
    let args = ["ssl-mode", "--zone", "example.org", "--set", "strict"];
    let ignored = aop(&fake, Some(DEMO_TOKEN), &args);
    assert_eq!(ignored.status.code(), Some(4), "{}", text(&ignored));
    let stderr = String::from_utf8_lossy(&ignored.stderr);
    assert!(
        stderr.contains("ssl = strict") && stderr.contains("nothing changed"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&ignored.stdout).contains("Full (strict)"),
        "{}",
        text(&ignored)
    );
    assert_eq!(fake.fake.zone("example.org").unwrap().ssl, "flexible");

    fake.fake.heed_writes("edit_setting");
    let again = aop(&fake, Some(DEMO_TOKEN), &args);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(fake.fake.zone("example.org").unwrap().ssl, "strict");
}

#[test]
fn an_alert_policy_that_cloudflare_did_not_create_exits_4() {
    let fake = fake();
    fake.fake.ignore_writes("create_alert_policy");
    let args = [
        "alerts",
        "create",
        "--zone",
        "example.com",
        "--email",
        "ops@example.com",
    ];
    let ignored = aop(&fake, Some(DEMO_TOKEN), &args);
    assert_eq!(ignored.status.code(), Some(4), "{}", text(&ignored));
    assert!(
        text(&ignored).contains("nothing changed"),
        "{}",
        text(&ignored)
    );
    assert!(!text(&ignored).contains("Created"), "{}", text(&ignored));

    fake.fake.heed_writes("create_alert_policy");
    let again = aop(&fake, Some(DEMO_TOKEN), &args);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("Created"), "{}", text(&again));
}

/// Per-hostname AOP turns on only its own switch, as Cloudflare's current pages document, and
/// says so: the global switch stays off.
#[test]
fn enabling_per_hostname_leaves_the_global_switch_and_says_why() {
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = aop(&fake, Some(DEMO_TOKEN), args);
        assert!(output.status.success(), "{}", text(&output));
        output
    };
    support::fake::certificate_on_cloudflare(
        &|args| drop(run(args)),
        dir.path(),
        Some("www.example.com"),
    );
    let id = fake.fake.zone("example.com").unwrap().associations["www.example.com"]
        .0
        .clone();
    let enable = run(&[
        "enable",
        "--zone",
        "example.com",
        "--scope",
        "hostname",
        "--hostname",
        "www.example.com",
        "--cert-id",
        &id,
    ]);
    assert!(
        text(&enable).contains("Global AOP is left as it is: Cloudflare documents global, zone-level and per-hostname AOP as independent switches"),
        "{}",
        text(&enable)
    );
    let view = fake.fake.zone("example.com").unwrap();
    assert!(!view.global_aop);
    assert_eq!(view.associations["www.example.com"], (id, true));
}

/// `verify --edge-url` asks the given edge, as the wizard's own check does: the demo's fake edge
/// serves the request while Cloudflare presents the certificate and the origin enforces, and an
/// enforcing origin refuses it once zone-level AOP is off. `--edge-host` adds a hostname asked
/// only through the edge.
#[test]
fn verify_asks_the_edge_it_is_given() {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    let fake = fake();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = aop(&fake, Some(DEMO_TOKEN), args);
        assert!(output.status.success(), "{}", text(&output));
    };
    support::fake::certificate_on_cloudflare(&run, dir.path(), None);
    let origin = fake
        .runtime
        .block_on(DemoOrigin::start(&["www.example.com", "example.com"]))
        .unwrap();
    let ca = aop_wizard::pki::load_certificates(&dir.path().join("ca.crt")).unwrap();
    origin.set_phase(OriginPhase::Enforce(ca));
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let address = origin.address().to_string();
    let edge_url = fake.fake.edge_url("{hostname}", origin.address());
    let verify = || {
        aop(
            &fake,
            None,
            &[
                "verify",
                "--origin",
                &address,
                "--host",
                "www.example.com",
                "--cert",
                &path("client.crt"),
                "--key",
                &path("client.key"),
                "--ca",
                &path("ca.crt"),
                "--edge-url",
                &edge_url,
                "--edge-host",
                "example.com",
                "--json",
            ],
        )
    };
    let served = verify();
    assert_eq!(served.status.code(), Some(0), "{}", text(&served));
    let report: serde_json::Value = serde_json::from_slice(&served.stdout).unwrap();
    let edge = report["edge"].as_array().unwrap();
    assert_eq!(edge.len(), 2, "{report}");
    assert!(
        edge.iter()
            .all(|e| e["passed"] == true
                && e["url"].as_str().unwrap().starts_with("http://127.0.0.1")),
        "{report}"
    );

    run(&["disable", "--zone", "example.com", "--scope", "zone"]);
    let refused = verify();
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let report: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert!(
        report["edge"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["passed"] == false),
        "{report}"
    );
}

/// A base URL that is no URL is said in one sentence naming the variable, not in the HTTP
/// library's words for every request.
#[test]
fn a_base_url_that_is_no_url_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_aop-wizard"))
        .args(["status", "--zone", "example.com"])
        .env("CLOUDFLARE_API_BASE_URL", "not a url")
        .env("CLOUDFLARE_API_TOKEN", DEMO_TOKEN)
        .env("AOP_WIZARD_KEYRING", "none")
        .output()
        .unwrap();
    let said = text(&output);
    assert_ne!(output.status.code(), Some(0), "{said}");
    assert!(
        said.contains("the API's base URL \"not a url\" is not an http(s) URL with a host: fix or unset CLOUDFLARE_API_BASE_URL"),
        "{said}"
    );
    assert!(!said.contains("builder error"), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
}
