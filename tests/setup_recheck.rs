//! The re-check of a saved set-up against the fake Cloudflare and real files: what still holds
//! is kept, what changed since (a certificate deleted, a switch turned off, a file gone, the
//! SSL/TLS mode lowered) is said and not counted as done, and what stood on it falls with it.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use aop_wizard::cloudflare::{CertificateScope, SslMode};
use aop_wizard::ops::{self, Pace, Scope};
use aop_wizard::pki::KeyType;
use aop_wizard::setup::progress::Progress;
use aop_wizard::setup::{Recheck, Stage, recheck};
use support::fake::{Fake, fake};

const PACE: Pace = Pace {
    interval: Duration::from_millis(10),
    timeout: Duration::from_secs(10),
    probe_timeout: Duration::from_secs(2),
};

/// A set-up carried out on the fake as the wizard does it, and the progress it saved.
struct Saved {
    fake: Fake,
    _dir: tempfile::TempDir,
    progress: Progress,
}

impl Saved {
    /// Up to the log-phase proof through Cloudflare, with an expiry alert.
    fn new(scope: Scope, hostnames: &[&str]) -> Saved {
        let fake = fake();
        let dir = tempfile::tempdir().unwrap();
        let client = fake.client();
        let (files, _) = ops::certificate::generate_and_write(
            "example.com",
            KeyType::EcdsaP256,
            &dir.path().join("aop"),
            None,
            false,
        )
        .unwrap();
        let hostnames: Vec<String> = hostnames.iter().map(|h| h.to_string()).collect();
        let (certificate_id, alert_id) = fake.runtime.block_on(async {
            let zone = client.zone_by_name("example.com").await.unwrap();
            let uploaded = ops::upload_and_wait(
                &client,
                scope.certificate_scope().unwrap(),
                &zone.id,
                &files.client_cert,
                &files.client_key,
                PACE,
                |_| {},
            )
            .await
            .unwrap();
            let id = uploaded.certificate.id;
            ops::switch_scope(&client, &zone.id, scope, true, Some(&id), &hostnames)
                .await
                .unwrap();
            let (alert, _) = ops::expiry_alert(
                &client,
                &zone.account.id,
                "example.com",
                "ops@example.com",
                scope,
            )
            .await
            .unwrap();
            (id, alert)
        });
        let snippet = dir.path().join("aop/origin/nginx-log.conf");
        std::fs::create_dir_all(snippet.parent().unwrap()).unwrap();
        std::fs::write(&snippet, "ssl_verify_client optional_no_ca;\n").unwrap();
        let progress = Progress {
            zone: "example.com".into(),
            scope,
            reached: [
                Stage::SslModeReady,
                Stage::CertificateReady,
                Stage::Active,
                Stage::LogSnippetWritten,
                Stage::Enabled,
                Stage::ServedWhileLogging,
                Stage::AlertSet,
            ]
            .into(),
            certificate: Some(files.clone()),
            certificate_id: Some(certificate_id),
            hostnames,
            files: vec![
                ("client certificate".into(), files.client_cert.clone()),
                ("origin configuration".into(), snippet),
            ],
            alert_id: Some(alert_id),
        };
        Saved {
            fake,
            _dir: dir,
            progress,
        }
    }

    fn recheck(&self) -> Recheck {
        self.fake
            .runtime
            .block_on(recheck(&self.fake.client(), &self.progress))
            .unwrap()
    }

    fn zone_id(&self) -> String {
        self.fake.fake.zone("example.com").unwrap().id
    }

    fn id(&self) -> String {
        self.progress.certificate_id.clone().unwrap()
    }

    fn file(&self, what: &str) -> PathBuf {
        let files = self.progress.certificate.as_ref().unwrap();
        match what {
            "key" => files.client_key.clone(),
            _ => self.progress.files[1].1.clone(),
        }
    }
}

fn stages(list: &[Stage]) -> BTreeSet<Stage> {
    list.iter().copied().collect()
}

fn says(recheck: &Recheck, text: &str) -> bool {
    recheck.changes.iter().any(|c| c.contains(text))
}

#[test]
fn a_set_up_that_is_still_as_saved_holds_and_its_origin_proof_is_probed_again() {
    let saved = Saved::new(Scope::Zone, &[]);
    let found = saved.recheck();
    assert_eq!(found.changes, Vec::<String>::new());
    assert_eq!(
        found.holds,
        stages(&[
            Stage::SslModeReady,
            Stage::CertificateReady,
            Stage::Active,
            Stage::LogSnippetWritten,
            Stage::Enabled,
            Stage::AlertSet,
        ])
    );
    assert_eq!(
        found.prove_again,
        stages(&[Stage::ServedWhileLogging]),
        "a proof made on the origin is made again, never taken as done"
    );
    assert_eq!(found.certificate_id, saved.progress.certificate_id);
    assert_eq!(found.certificate, saved.progress.certificate);
    assert_eq!(found.alert_id, saved.progress.alert_id);
    assert_eq!(found.files, saved.progress.files);
    assert_eq!(found.zone.name, "example.com");
    assert_eq!(found.ssl_mode, SslMode::Full);
}

#[test]
fn a_certificate_deleted_on_cloudflare_is_said_and_what_stood_on_it_is_not_done() {
    let saved = Saved::new(Scope::Zone, &[]);
    let client = saved.fake.client();
    saved
        .fake
        .runtime
        .block_on(client.delete_certificate(CertificateScope::Zone, &saved.zone_id(), &saved.id()))
        .unwrap();
    let found = saved.recheck();
    assert!(
        says(
            &found,
            &format!("{}… is gone from Cloudflare", &saved.id()[..8])
        ),
        "{:?}",
        found.changes
    );
    assert_eq!(found.changes.len(), 1, "{:?}", found.changes);
    assert_eq!(
        found.holds,
        stages(&[
            Stage::SslModeReady,
            Stage::CertificateReady,
            Stage::LogSnippetWritten,
            Stage::AlertSet,
        ])
    );
    assert!(
        found.prove_again.is_empty(),
        "nothing to probe before it is back"
    );
    assert_eq!(found.certificate_id, None);
    assert!(found.certificate.is_some(), "the files still serve");
}

#[test]
fn a_switch_turned_off_is_said_and_enabling_is_not_done() {
    let saved = Saved::new(Scope::Zone, &[]);
    let client = saved.fake.client();
    saved
        .fake
        .runtime
        .block_on(client.set_zone_aop_enabled(&saved.zone_id(), false))
        .unwrap();
    let found = saved.recheck();
    assert_eq!(found.changes, vec!["Zone-level AOP was turned off."]);
    assert!(found.holds.contains(&Stage::Active));
    assert!(!found.holds.contains(&Stage::Enabled));
    assert!(found.prove_again.is_empty());
}

#[test]
fn another_certificate_presented_instead_of_the_saved_one_is_said() {
    let saved = Saved::new(Scope::Zone, &[]);
    let client = saved.fake.client();
    let other = tempfile::tempdir().unwrap();
    let (files, _) = ops::certificate::generate_and_write(
        "example.com",
        KeyType::EcdsaP256,
        other.path(),
        None,
        false,
    )
    .unwrap();
    let newer = saved.fake.runtime.block_on(async {
        // Cloudflare orders deployments by upload time, to the second.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        ops::upload_and_wait(
            &client,
            CertificateScope::Zone,
            &saved.zone_id(),
            &files.client_cert,
            &files.client_key,
            PACE,
            |_| {},
        )
        .await
        .unwrap()
    });
    let found = saved.recheck();
    assert!(
        says(
            &found,
            &format!(
                "now presents the certificate {}…",
                &newer.certificate.id[..8]
            )
        ),
        "{:?}",
        found.changes
    );
    assert!(found.holds.contains(&Stage::Active));
    assert!(!found.holds.contains(&Stage::Enabled));
}

#[test]
fn a_per_hostname_association_turned_off_names_the_hostname() {
    let saved = Saved::new(Scope::Hostname, &["example.com", "www.example.com"]);
    assert!(saved.recheck().holds.contains(&Stage::Enabled));
    let client = saved.fake.client();
    saved
        .fake
        .runtime
        .block_on(ops::switch_scope(
            &client,
            &saved.zone_id(),
            Scope::Hostname,
            false,
            Some(&saved.id()),
            &["www.example.com".to_string()],
        ))
        .unwrap();
    let found = saved.recheck();
    assert!(
        says(&found, "is no longer on for www.example.com"),
        "{:?}",
        found.changes
    );
    assert!(!says(&found, "example.com, "), "only the one turned off");
    assert!(!found.holds.contains(&Stage::Enabled));
    assert!(found.holds.contains(&Stage::Active));
}

#[test]
fn a_key_file_gone_undoes_the_certificate_and_all_that_stands_on_it() {
    let saved = Saved::new(Scope::Zone, &[]);
    std::fs::remove_file(saved.file("key")).unwrap();
    let found = saved.recheck();
    assert!(
        says(&found, "The certificate files no longer check out"),
        "{:?}",
        found.changes
    );
    assert_eq!(
        found.holds,
        stages(&[Stage::SslModeReady, Stage::AlertSet]),
        "the upload, the snippet (its CA copy) and the switch stand on the files"
    );
    assert_eq!(found.certificate, None);
    assert_eq!(found.certificate_id, None);
}

#[test]
fn a_snippet_gone_is_written_again_and_the_ssl_mode_lowered_is_said() {
    let saved = Saved::new(Scope::Zone, &[]);
    std::fs::remove_file(saved.file("snippet")).unwrap();
    let client = saved.fake.client();
    saved
        .fake
        .runtime
        .block_on(client.set_ssl_mode(&saved.zone_id(), &SslMode::Flexible))
        .unwrap();
    let found = saved.recheck();
    assert!(
        says(&found, "nginx-log.conf is gone (origin configuration)"),
        "{:?}",
        found.changes
    );
    assert!(
        says(
            &found,
            "The SSL/TLS mode is now Flexible: AOP needs Full or Full (strict)."
        ),
        "{:?}",
        found.changes
    );
    assert!(!found.holds.contains(&Stage::LogSnippetWritten));
    assert!(!found.holds.contains(&Stage::SslModeReady));
    assert!(found.holds.contains(&Stage::Enabled));
    assert_eq!(found.files.len(), 1, "only the files still there");
    assert!(found.prove_again.is_empty());
}

#[test]
fn once_the_enforce_phase_was_proven_only_it_is_probed_again() {
    let mut saved = Saved::new(Scope::Zone, &[]);
    saved.progress.reached.insert(Stage::ServedWhileEnforcing);
    let found = saved.recheck();
    assert!(found.holds.contains(&Stage::ServedWhileLogging));
    assert_eq!(found.prove_again, stages(&[Stage::ServedWhileEnforcing]));
}

#[test]
fn an_alert_policy_deleted_is_said() {
    let saved = Saved::new(Scope::Zone, &[]);
    let client = saved.fake.client();
    saved.fake.runtime.block_on(async {
        let zone = client.zone_by_name("example.com").await.unwrap();
        client
            .delete_alert_policy(&zone.account.id, saved.progress.alert_id.as_ref().unwrap())
            .await
            .unwrap();
    });
    let found = saved.recheck();
    assert!(says(&found, "expiry alert is gone"), "{:?}", found.changes);
    assert!(!found.holds.contains(&Stage::AlertSet));
    assert_eq!(found.alert_id, None);
}

#[test]
fn a_zone_the_token_no_longer_sees_is_an_error_that_says_so() {
    let mut saved = Saved::new(Scope::Zone, &[]);
    saved.progress.zone = "example.net".into();
    let error = saved
        .fake
        .runtime
        .block_on(recheck(&saved.fake.client(), &saved.progress))
        .unwrap_err();
    assert!(
        error.to_string().contains("no zone named example.net"),
        "{error}"
    );
}
