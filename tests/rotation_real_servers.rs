//! A rotation to a new CA with real nginx, Apache, HAProxy and Caddy (Debian's and the current
//! one) as the origin: rotate
//! refuses to touch Cloudflare until the origin runs the two-CA snippet it wrote, proves both
//! leaves are served, and ends with a single-CA snippet under which only the new leaf is served.

mod support;

use std::path::Path;
use std::process::Output;

use aop_wizard::cloudflare::fake::Activation;
use aop_wizard::snippets::{CaFile, Snippet, SnippetPhase, SnippetRequest, WebServer, render};
use serde_json::Value;
use support::fake::{Fake, fake};
use support::origin::{
    HOST, Origin, Seen, caddy_version, curl, free_port, on_each_caddy, site_dir,
};
use support::test_pki::{Identity, make_world_readable};

fn aop(fake: &Fake, data: &Path, args: &[&str]) -> Output {
    fake.aop(data).args(args).output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The enforce snippet trusting `cas`, as the user's origin has it (its access log in `dir`).
fn snippet(server: WebServer, cas: &[&Path], dir: &Path) -> Snippet {
    let cas = cas
        .iter()
        .map(|p| CaFile {
            path: p.display().to_string(),
            certificates: Some(1),
        })
        .collect();
    let mut request = SnippetRequest::new(
        server,
        SnippetPhase::Enforce,
        cas,
        time::OffsetDateTime::now_utc().date(),
    );
    request.log_dir = Some(dir.display().to_string());
    if server == WebServer::Caddy {
        request.server_version = Some(caddy_version());
    }
    render(&request).unwrap()
}

fn identity(dir: &Path, name: &'static str) -> Identity {
    Identity {
        name,
        cert: dir.join("client.crt"),
        key: dir.join("client.key"),
    }
}

fn rotate_to_a_new_ca(server: WebServer) {
    let fake = fake();
    fake.fake.set_activation(Activation::AfterPolls(0));
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (old, new) = (work.path().join("old"), work.path().join("new"));
    let run = |args: &[&str]| aop(&fake, &data, args);
    support::fake::certificate_on_cloudflare(
        &|args| {
            let output = run(args);
            assert!(output.status.success(), "{args:?}: {}", text(&output));
        },
        &old,
        None,
    );
    make_world_readable(&old);
    for name in ["ca.crt", "client.crt"] {
        make_world_readable(&old.join(name));
    }
    let (old_leaf, new_leaf) = (identity(&old, "old"), identity(&new, "new"));
    let old_ca = old.join("ca.crt");
    let port = free_port();
    let dir = site_dir(server);
    let origin = Origin::start_on(
        server,
        snippet(server, &[&old_ca], &dir),
        dir.clone(),
        port,
        &old_leaf,
    );

    let mut rotate = vec![
        "rotate".to_string(),
        "--zone".into(),
        "example.com".into(),
        "--new-ca".into(),
        "--ca-cert".into(),
        old_ca.display().to_string(),
        "--ca-key".into(),
        old.join("ca.key").display().to_string(),
        "--out".into(),
        new.display().to_string(),
        "--origin".into(),
        format!("127.0.0.1:{port}"),
        "--host".into(),
        HOST.into(),
        "--server".into(),
        server.name().into(),
        "--origin-ca-path".into(),
        old_ca.display().to_string(),
        "--log-dir".into(),
        dir.display().to_string(),
        "--no-edge-check".into(),
        "--interval".into(),
        "0".into(),
        "--yes".into(),
        "--json".into(),
    ];
    if server == WebServer::Caddy {
        rotate.extend(["--server-version".into(), caddy_version().to_string()]);
    }
    let rotate: Vec<&str> = rotate.iter().map(String::as_str).collect();

    let first = run(&rotate);
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    let result: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(result["result"], "origin-not-ready", "{result}");
    assert_eq!(
        fake.fake.calls("upload_zone_certificate"),
        1,
        "nothing is uploaded while the origin refuses the new certificate"
    );

    // The operator: the new CA beside the old one, the two-CA snippet rotate wrote, a reload.
    let today = time::OffsetDateTime::now_utc().date();
    let new_ca_on_origin = old.join(format!("ca-{today}.crt"));
    std::fs::copy(new.join("ca.crt"), &new_ca_on_origin).unwrap();
    make_world_readable(&new.join("client.crt"));
    let both = snippet(server, &[&old_ca, &new_ca_on_origin], &dir);
    let written = std::fs::read_to_string(result["snippet"].as_str().unwrap()).unwrap();
    assert_eq!(
        written,
        both.text(),
        "rotate's two-CA snippet for {server:?}"
    );
    let dir = origin.stop();
    let origin = Origin::start_on(server, both, dir, port, &old_leaf);
    assert_eq!(origin.request(Some(&new_leaf), "/right"), Seen::Status(200));

    let second = run(&rotate);
    assert!(second.status.success(), "{}", text(&second));
    let result: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(result["result"], "rotated", "{result}");
    assert_eq!(result["origin_still_enforces"], true, "{result}");
    // The old certificate may still be listed for a few reads, on its way out.
    let zone = fake.fake.zone("example.com").unwrap();
    let kept: Vec<_> = zone
        .zone_certificates
        .iter()
        .filter(|(_, status, _)| status != "pending_deletion")
        .collect();
    assert_eq!(kept.len(), 1, "{:?}", zone.zone_certificates);
    assert_eq!(kept[0].2, result["fingerprint"].as_str().unwrap());
    assert_eq!(fake.fake.coverage_gaps(), Vec::<String>::new());

    // The single-CA snippet: only the new leaf is served now.
    let single = snippet(server, &[&new_ca_on_origin], &origin.dir);
    let written = std::fs::read_to_string(result["final_snippet"].as_str().unwrap()).unwrap();
    assert_eq!(written, single.text());
    let dir = origin.stop();
    let origin = Origin::start_on(server, single, dir, port, &new_leaf);
    assert_eq!(origin.request(Some(&new_leaf), "/right"), Seen::Status(200));
    for refused in [None, Some(&old_leaf)] {
        let seen = curl(port, refused, "/none");
        assert_ne!(seen, Seen::Status(200), "{server:?} {refused:?}");
    }
}

#[test]
fn nginx_rotates_to_a_new_ca() {
    rotate_to_a_new_ca(WebServer::Nginx);
}

#[test]
fn apache_rotates_to_a_new_ca() {
    rotate_to_a_new_ca(WebServer::Apache);
}

#[test]
fn haproxy_rotates_to_a_new_ca() {
    rotate_to_a_new_ca(WebServer::Haproxy);
}

#[test]
fn caddy_rotates_to_a_new_ca() {
    on_each_caddy(|| rotate_to_a_new_ca(WebServer::Caddy));
}
