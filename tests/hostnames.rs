//! Which hostnames and certificates the commands see, against the fake in each of the ways
//! Cloudflare may answer: certificates on their way out (`pending_deletion`) are never reused,
//! counted or deleted again and `status` shows them going; a hostname with no association
//! (an empty object or a 404) is no error; custom hostnames and named hostnames are turned off
//! by `undo`, and what it could not check is said, not claimed done.

mod support;

use std::process::Output;

use aop_wizard::cloudflare::fake::{FaultKind, UnassociatedAnswer};
use aop_wizard::cloudflare::{CertificateScope, Client, HostnameConfig, HostnameEnablement};
use support::fake::{Fake, fake};

const ZONE: &str = "example.com";
const BOTH: [UnassociatedAnswer; 2] = [
    UnassociatedAnswer::EmptyObject,
    UnassociatedAnswer::NotFound,
];

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn zone_id(fake: &Fake) -> String {
    fake.fake.zone(ZONE).unwrap().id
}

/// A fresh leaf certificate and key, as PEM.
fn leaf(name: &str) -> (String, String) {
    let set = aop_wizard::pki::generate_ephemeral(
        "test CA",
        name,
        aop_wizard::pki::LeafPurpose::ClientAuth,
        30,
    )
    .unwrap();
    (set.leaf.cert_pem.clone(), set.leaf.key_pem())
}

fn fingerprint(pem: &str) -> String {
    let der = aop_wizard::pki::certificates_from_pem(pem, std::path::Path::new("x")).unwrap();
    aop_wizard::pki::fingerprint_sha256(&der[0])
}

/// Uploads a per-hostname certificate; its id.
fn upload(fake: &Fake, client: &Client, (cert, key): &(String, String)) -> String {
    fake.runtime
        .block_on(client.upload_certificate(
            CertificateScope::Hostname,
            &zone_id(fake),
            cert,
            key,
            &fingerprint(cert),
        ))
        .unwrap()
        .certificate
        .id
}

fn delete(fake: &Fake, client: &Client, id: &str) {
    fake.runtime
        .block_on(client.delete_certificate(CertificateScope::Hostname, &zone_id(fake), id))
        .unwrap();
}

fn associate(fake: &Fake, client: &Client, hostname: &str, id: &str, on: HostnameEnablement) {
    fake.runtime
        .block_on(
            client.set_hostname_associations(
                &zone_id(fake),
                &[HostnameConfig::new(hostname, id, on)],
            ),
        )
        .unwrap();
}

fn hostname_certificates(fake: &Fake) -> Vec<(String, String)> {
    fake.fake
        .zone(ZONE)
        .unwrap()
        .hostname_certificates
        .into_iter()
        .map(|(id, status, _)| (id, status))
        .collect()
}

#[test]
fn the_fake_lists_a_deleted_certificate_as_pending_deletion_for_its_last_reads() {
    let fake = fake();
    fake.fake.set_deletion_reads(3);
    let client = fake.client();
    let id = upload(&fake, &client, &leaf("a"));
    delete(&fake, &client, &id);
    let list = || {
        fake.runtime
            .block_on(client.list_certificates(CertificateScope::Hostname, &zone_id(&fake)))
            .unwrap()
    };
    for read in 1..=3 {
        let listed = list();
        assert_eq!(listed.len(), 1, "read {read}");
        assert!(
            listed[0].is_going_away(),
            "read {read}: {:?}",
            listed[0].status
        );
    }
    assert!(list().is_empty(), "gone after its last read");
}

/// The same certificate uploaded again while the first copy is being deleted is a new upload:
/// the one going away would never become active again.
#[test]
fn a_certificate_being_deleted_is_never_reused() {
    let fake = fake();
    let client = fake.client();
    let pair = leaf("a");
    let first = upload(&fake, &client, &pair);
    delete(&fake, &client, &first);
    let outcome = fake
        .runtime
        .block_on(client.upload_certificate(
            CertificateScope::Hostname,
            &zone_id(&fake),
            &pair.0,
            &pair.1,
            &fingerprint(&pair.0),
        ))
        .unwrap();
    assert!(!outcome.already_present);
    assert_ne!(outcome.certificate.id, first);
}

/// Ten per-hostname certificates, one of them being deleted: there is room for another.
#[test]
fn a_certificate_being_deleted_takes_no_place_among_the_ten() {
    let fake = fake();
    let client = fake.client();
    let ids: Vec<String> = (0..10)
        .map(|i| upload(&fake, &client, &leaf(&format!("c{i}"))))
        .collect();
    delete(&fake, &client, &ids[0]);
    fake.runtime
        .block_on(aop_wizard::ops::room_for_a_hostname_certificate(
            &client,
            &zone_id(&fake),
            None,
        ))
        .unwrap();
}

/// `undo --delete-certificates` deletes the live certificate and leaves the one being deleted
/// alone; `status` shows that one as going away.
#[test]
fn undo_never_deletes_again_and_status_shows_it_going() {
    let fake = fake();
    // Long enough to be listed by every read below.
    fake.fake.set_deletion_reads(50);
    let client = fake.client();
    let going = upload(&fake, &client, &leaf("old"));
    let live = upload(&fake, &client, &leaf("new"));
    associate(
        &fake,
        &client,
        "www.example.com",
        &live,
        HostnameEnablement::Enable,
    );
    delete(&fake, &client, &going);
    let data = tempfile::tempdir().unwrap();
    let status = fake
        .aop(data.path())
        .args(["status", "--zone", ZONE])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status));
    let line = text(&status)
        .lines()
        .find(|l| l.contains(&going))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(line.contains("going away"), "{}", text(&status));
    let json = fake
        .aop(data.path())
        .args(["status", "--zone", ZONE, "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["hostname_certificates"][0]["going_away"], true,
        "{json}"
    );
    let deletes = fake.fake.calls("delete_hostname_certificate");
    let undo = fake
        .aop(data.path())
        .args([
            "undo",
            "--zone",
            ZONE,
            "--origin-relaxed",
            "--delete-certificates",
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(undo.status.success(), "{}", text(&undo));
    assert_eq!(fake.fake.calls("delete_hostname_certificate"), deletes + 1);
    assert!(
        hostname_certificates(&fake)
            .iter()
            .all(|(_, status)| status == "pending_deletion"),
        "{:?}",
        hostname_certificates(&fake)
    );
}

/// Zone-level AOP and no association anywhere: `undo` turns it off whether Cloudflare answers
/// an unassociated hostname with an empty object or a 404.
#[test]
fn a_hostname_without_an_association_is_no_error() {
    for answer in BOTH {
        let fake = fake();
        fake.fake.set_unassociated_answer(answer);
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("aop");
        support::fake::certificate_on_cloudflare(
            &|args| {
                let output = fake.aop(data.path()).args(args).output().unwrap();
                assert!(output.status.success(), "{args:?}: {}", text(&output));
            },
            &dir,
            None,
        );
        let undo = fake
            .aop(data.path())
            .args(["undo", "--zone", ZONE, "--origin-relaxed", "--yes"])
            .output()
            .unwrap();
        assert!(undo.status.success(), "{answer:?}: {}", text(&undo));
        assert!(
            !fake.fake.zone(ZONE).unwrap().zone_aop_enabled,
            "{answer:?}"
        );
    }
}

/// A Cloudflare for SaaS custom hostname and a hostname the user names, both enabled on a
/// per-hostname certificate and in no DNS record: `status` shows both, `undo` turns both off.
#[test]
fn undo_turns_off_custom_and_named_hostnames() {
    for answer in BOTH {
        let fake = fake();
        fake.fake.set_unassociated_answer(answer);
        assert!(fake.fake.add_custom_hostname(ZONE, "shop.customer.test"));
        let client = fake.client();
        let id = upload(&fake, &client, &leaf("saas"));
        for hostname in ["shop.customer.test", "named.example.net"] {
            associate(&fake, &client, hostname, &id, HostnameEnablement::Enable);
        }
        let data = tempfile::tempdir().unwrap();
        let status = fake
            .aop(data.path())
            .args(["status", "--zone", ZONE, "--hostname", "named.example.net"])
            .output()
            .unwrap();
        assert!(status.status.success(), "{answer:?}: {}", text(&status));
        for hostname in ["shop.customer.test", "named.example.net"] {
            assert!(
                text(&status)
                    .lines()
                    .any(|l| l.contains(hostname) && l.contains(&format!("per-hostname {id}"))),
                "{answer:?}: status shows {hostname}: {}",
                text(&status)
            );
        }
        let undo = fake
            .aop(data.path())
            .args([
                "undo",
                "--zone",
                ZONE,
                "--origin-relaxed",
                "--hostname",
                "named.example.net",
                "--yes",
            ])
            .output()
            .unwrap();
        assert!(undo.status.success(), "{answer:?}: {}", text(&undo));
        let associations = fake.fake.zone(ZONE).unwrap().associations;
        for hostname in ["shop.customer.test", "named.example.net"] {
            assert_eq!(
                associations[hostname],
                (id.clone(), false),
                "{answer:?}: {hostname}"
            );
        }
    }
}

/// A hostname whose association cannot be read (Cloudflare fails three times in a row):
/// `undo` turns off what it saw, names the one it could not see and exits 3.
#[test]
fn undo_names_the_hostnames_it_could_not_check() {
    for answer in BOTH {
        let fake = fake();
        fake.fake.set_unassociated_answer(answer);
        let client = fake.client();
        let id = upload(&fake, &client, &leaf("a"));
        associate(
            &fake,
            &client,
            "www.example.com",
            &id,
            HostnameEnablement::Enable,
        );
        // Call 1 was the read-back of the association above; then undo asks for
        // direct.example.com (DNS-only, on the origin's address) first, and it fails each time.
        for nth in 2..=4 {
            fake.fake
                .inject_fault("get_hostname_association", nth, FaultKind::ServerError);
        }
        let data = tempfile::tempdir().unwrap();
        let undo = fake
            .aop(data.path())
            .args(["undo", "--zone", ZONE, "--origin-relaxed", "--yes"])
            .output()
            .unwrap();
        let said = text(&undo);
        assert_eq!(undo.status.code(), Some(3), "{answer:?}: {said}");
        assert!(
            said.contains("could not check: direct.example.com")
                && !said.contains("is off for example.com."),
            "{answer:?}: {said}"
        );
        let associations = fake.fake.zone(ZONE).unwrap().associations;
        assert_eq!(
            associations["www.example.com"],
            (id.clone(), false),
            "{answer:?}"
        );
    }
}

/// A per-hostname certificate may serve a Cloudflare for SaaS custom hostname, which lies outside
/// the zone's name (Cloudflare documents per-hostname AOP for them): `enable` and `upload`
/// accept one, and refuse, before anything is sent, a name neither in the zone nor custom.
#[test]
fn custom_hostnames_are_hostnames_of_the_zone_and_other_names_are_refused_first() {
    let fake = fake();
    assert!(fake.fake.add_custom_hostname(ZONE, "shop.customer.test"));
    let client = fake.client();
    let id = upload(&fake, &client, &leaf("saas"));
    let data = tempfile::tempdir().unwrap();
    let enable = |hostname: &str| {
        fake.aop(data.path())
            .args([
                "enable",
                "--zone",
                ZONE,
                "--scope",
                "hostname",
                "--hostname",
                hostname,
                "--cert-id",
                &id,
            ])
            .output()
            .unwrap()
    };
    let custom = enable("SHOP.customer.test.");
    assert!(custom.status.success(), "{}", text(&custom));
    assert_eq!(
        fake.fake.zone(ZONE).unwrap().associations["shop.customer.test"],
        (id.clone(), true)
    );

    let before = fake.fake.requests().len();
    let other = enable("www.other.org");
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(
        text(&other).starts_with(
            "error: the hostname www.other.org is neither in the zone example.com nor one of its custom hostnames"
        ),
        "{}",
        text(&other)
    );
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = leaf("other");
    std::fs::write(dir.path().join("c.crt"), cert).unwrap();
    std::fs::write(dir.path().join("c.key"), key).unwrap();
    let upload = fake
        .aop(data.path())
        .args([
            "upload",
            "--zone",
            ZONE,
            "--hostname",
            "www.other.org",
            "--cert",
        ])
        .arg(dir.path().join("c.crt"))
        .arg("--key")
        .arg(dir.path().join("c.key"))
        .output()
        .unwrap();
    assert_eq!(upload.status.code(), Some(1), "{}", text(&upload));
    assert!(
        fake.fake.requests()[before..]
            .iter()
            .all(|r| !r.operation.starts_with("upload")
                && r.operation != "set_hostname_associations"),
        "nothing changed: {:#?}",
        &fake.fake.requests()[before..]
    );
}

/// "In use" means presented now: a zone certificate while zone-level AOP is off is not, and a
/// per-hostname certificate enabled for a hostname is; `status` and `check-expiry` agree.
#[test]
fn in_use_is_what_cloudflare_presents_in_status_and_check_expiry() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = fake.aop(data.path()).args(args).output().unwrap();
        assert!(
            output.status.code() == Some(0) || output.status.code() == Some(3),
            "{}",
            text(&output)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap_or_default()
    };
    for (name, hostname) in [("zone", None), ("www", Some("www.example.com"))] {
        let (cert, key) = leaf(name);
        let (cert_path, key_path) = (
            dir.path().join(format!("{name}.crt")),
            dir.path().join(format!("{name}.key")),
        );
        std::fs::write(&cert_path, cert).unwrap();
        std::fs::write(&key_path, key).unwrap();
        let mut args = vec![
            "upload",
            "--zone",
            ZONE,
            "--cert",
            cert_path.to_str().unwrap(),
            "--key",
            key_path.to_str().unwrap(),
        ];
        args.extend(hostname.map(|h| ["--hostname", h]).into_iter().flatten());
        run(&args);
    }
    let status = run(&["status", "--zone", ZONE, "--json"]);
    assert_eq!(status["zone_level_enabled"], false, "{status}");
    assert_eq!(status["zone_certificates"][0]["in_use"], false, "{status}");
    assert_eq!(
        status["hostname_certificates"][0]["in_use"], true,
        "{status}"
    );
    let expiry = run(&["check-expiry", "--zone", ZONE, "--days", "400", "--json"]);
    let relevant = |scope: &str| {
        expiry["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["scope"] == scope)
            .map(|c| c["relevant"].clone())
    };
    assert_eq!(relevant("zone"), Some(false.into()), "{expiry}");
    assert_eq!(relevant("hostname"), Some(true.into()), "{expiry}");
}
