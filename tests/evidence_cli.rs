//! `aop-wizard evidence` as a user runs it: Cloudflare's ranges from the API (the fake's
//! `GET /ips`) or, when it does not answer, the shipped list with its date; the `--json` keys
//! scripts rely on; a text report that reads at 80 columns; hostile log lines never reaching the
//! terminal raw; a named pipe given as the log refused without hanging.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake::fake;
use support::origin::free_port;
use time::OffsetDateTime;

/// A line in the nginx log-phase format, dated now.
fn nginx_line(client: &str, verify: &str, issuer: &str, host: &str) -> String {
    let now = OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        ))
        .unwrap();
    format!(
        "{client} [{now}] \"GET / HTTP/1.1\" 200 client_verify=\"{verify}\" client_s_dn=\"CN=client\" client_i_dn=\"{issuer}\" client_serial=0A host=\"{host}\"\n"
    )
}

fn write_log(dir: &Path, lines: &[String]) -> PathBuf {
    let log = dir.join("aop-access.log");
    std::fs::write(&log, lines.concat()).unwrap();
    log
}

/// The binary with Cloudflare's API at `api`, no colour, nothing on stdin.
fn aop(api: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    command
        .env("CLOUDFLARE_API_BASE_URL", api)
        .env("AOP_WIZARD_KEYRING", "none")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

fn evidence(api: &str, log: &Path, extra: &[&str]) -> Output {
    aop(api)
        .args(["evidence", "--server", "nginx", "--log"])
        .arg(log)
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            stdout(output),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// A URL where nothing listens.
fn closed_api() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

#[test]
fn without_edge_ranges_the_api_says_which_addresses_are_cloudflares() {
    let fake = fake();
    fake.fake.set_published_ranges(&["127.0.0.2/32"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(
        dir.path(),
        &[
            nginx_line("127.0.0.2", "SUCCESS", "CN=My CA", "www.example.com"),
            nginx_line("127.0.0.3", "NONE", "", "www.example.com"),
        ],
    );
    let api = fake.fake.base_url();
    let text = evidence(&api, &log, &[]);
    let shown = stdout(&text);
    assert_eq!(text.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("Cloudflare's addresses: 1 range from the API,"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("{}/ips", api.trim_end_matches('/'))),
        "{shown}"
    );
    assert!(shown.contains("from Cloudflare: 1 verified, 0 unverified"));
    assert!(shown.contains("elsewhere:       1 request, refused once enforced: 127.0.0.3 (1)"));

    let report = json(&evidence(&api, &log, &["--json"]));
    assert_eq!(report["edge_ranges"]["source"]["kind"], "api");
    assert_eq!(
        report["edge_ranges"]["ranges"],
        serde_json::json!(["127.0.0.2/32"])
    );
}

#[test]
fn without_the_api_the_shipped_list_is_used_and_says_its_date() {
    let shipped: Value =
        serde_json::from_str(include_str!("../assets/cloudflare-ips.json")).unwrap();
    let retrieved = shipped["retrieved"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // 173.245.48.1 is in Cloudflare's published 173.245.48.0/20; 127.0.0.2 is not.
    let log = write_log(
        dir.path(),
        &[
            nginx_line("173.245.48.1", "SUCCESS", "CN=My CA", "www.example.com"),
            nginx_line("127.0.0.2", "NONE", "", "www.example.com"),
        ],
    );
    let api = closed_api();
    let text = evidence(&api, &log, &[]);
    let shown = stdout(&text);
    assert_eq!(text.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(&format!("shipped with aop-wizard, retrieved {retrieved}")),
        "{shown}"
    );
    assert!(shown.contains("could not be reached"), "{shown}");
    assert!(shown.contains("from Cloudflare: 1 verified, 0 unverified"));
    assert!(shown.contains("elsewhere:       1 request, refused once enforced: 127.0.0.2 (1)"));

    let report = json(&evidence(&api, &log, &["--json"]));
    assert_eq!(report["edge_ranges"]["source"]["kind"], "shipped");
    assert_eq!(report["edge_ranges"]["source"]["retrieved"], retrieved);
    let ranges = report["edge_ranges"]["ranges"].as_array().unwrap();
    assert!(ranges.iter().any(|r| r == "173.245.48.0/20"));
    assert!(ranges.iter().any(|r| r == "2400:cb00::/32"));
}

#[test]
fn json_holds_the_verdict_and_the_counts_overall_and_per_hostname() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![nginx_line("127.0.0.2", "SUCCESS", "CN=My CA", "a.example.com"); 2];
    lines.push(nginx_line("127.0.0.2", "NONE", "", "b.example.com"));
    lines.push(nginx_line("127.0.0.3", "NONE", "", "b.example.com"));
    let log = write_log(dir.path(), &lines);
    let output = evidence(
        &closed_api(),
        &log,
        &["--edge-range", "127.0.0.2/32", "--json"],
    );
    assert_eq!(output.status.code(), Some(3));
    let report = json(&output);
    assert_eq!(report["ready"], false);
    assert_eq!(report["cloudflare"]["verified"], 2);
    assert_eq!(report["cloudflare"]["unverified"], 1);
    assert_eq!(report["other"]["total"], 1);
    assert_eq!(report["edge_ranges"]["source"]["kind"], "given");
    let hosts = report["hostnames"].as_array().unwrap();
    let host = |name: &str| {
        hosts
            .iter()
            .find(|h| h["hostname"] == name)
            .unwrap_or_else(|| panic!("no {name} in {report:#}"))
    };
    let a = host("a.example.com");
    assert_eq!(
        (
            &a["cloudflare"]["verified"],
            &a["cloudflare"]["unverified"],
            &a["other"]["total"]
        ),
        (&Value::from(2), &Value::from(0), &Value::from(0))
    );
    let b = host("b.example.com");
    assert_eq!(
        (
            &b["cloudflare"]["verified"],
            &b["cloudflare"]["unverified"],
            &b["other"]["total"]
        ),
        (&Value::from(0), &Value::from(1), &Value::from(1))
    );
    assert_eq!(b["other"]["top_sources"][0]["address"], "127.0.0.3");
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with("b.example.com: 1 of 1 request from Cloudflare came without"),
        "{problems:?}"
    );
    assert!(!report["next_steps"].as_array().unwrap().is_empty());
}

#[test]
fn the_text_report_reads_at_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for host in ["www.example.com", "api.example.com", "static.example.com"] {
        lines.push(nginx_line("173.245.48.1", "SUCCESS", "CN=My CA", host));
        lines.push(nginx_line(
            "173.245.48.2",
            "FAILED:unable to get local issuer certificate",
            "CN=Cloudflare Origin Pull CA, O=Cloudflare Inc, L=San Francisco, C=US",
            host,
        ));
        lines.push(nginx_line("173.245.48.3", "NONE", "", host));
        for source in 1..=7 {
            lines.push(nginx_line(&format!("203.0.113.{source}"), "NONE", "", host));
        }
    }
    lines.push("198.51.100.7 - - [30/Nov/2026:13:10:40 +0000] \"GET /index.html HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)\"\n".into());
    let log = write_log(dir.path(), &lines);
    let ready_dir = tempfile::tempdir().unwrap();
    let ready_log = write_log(
        ready_dir.path(),
        &[nginx_line(
            "127.0.0.2",
            "SUCCESS",
            "CN=My CA",
            "a.example.com",
        )],
    );
    // Not ready on the shipped list (with the API's error), and ready on given ranges.
    for output in [
        evidence(&closed_api(), &log, &["--since", "2h"]),
        evidence(
            &closed_api(),
            &ready_log,
            &["--edge-range", "127.0.0.2/32", "--edge-range", "10.0.0.0/8"],
        ),
    ] {
        let shown = stdout(&output);
        let long: Vec<&str> = shown.lines().filter(|l| l.chars().count() > 80).collect();
        assert!(long.is_empty(), "lines over 80 columns: {long:#?}\n{shown}");
        for heading in ["access log:", "Cloudflare's addresses"] {
            assert!(shown.contains(heading), "{shown}");
        }
    }
}

/// ESC, BEL, CR, NUL and a right-to-left override as they are.
fn raw_hostile(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| matches!(b, 0x1b | 0x07 | b'\r' | 0))
        || bytes.windows(3).any(|w| w == "\u{202E}".as_bytes())
}

#[test]
fn hostile_log_lines_never_reach_the_terminal_raw_and_unreadable_ones_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Vec::new();
    // A Host and an issuer DN that would set the window title, ring the bell and reverse the
    // text if printed as they are: requests all the same, counted.
    log.extend(
        nginx_line(
            "127.0.0.2",
            "SUCCESS",
            "CN=My CA",
            "evil\u{1b}]0;pwned\u{7}.example.com",
        )
        .bytes(),
    );
    log.extend(
        nginx_line(
            "127.0.0.2",
            "FAILED:self-signed certificate",
            "CN=\u{202E}gnp.exe\r",
            "www.example.com",
        )
        .bytes(),
    );
    // Unreadable: a 1 MB line, invalid UTF-8, and the NULs copytruncate leaves before a line.
    log.extend(b"127.0.0.2 ");
    log.extend(std::iter::repeat_n(b'A', 1 << 20));
    log.push(b'\n');
    log.extend(b"127.0.0.2 [\xff\xfe] \"GET / HTTP/1.1\" 200\n");
    log.extend([0u8; 16]);
    log.extend(nginx_line("127.0.0.2", "NONE", "", "www.example.com").bytes());
    let path = dir.path().join("aop-access.log");
    std::fs::write(&path, log).unwrap();

    let api = closed_api();
    let text = evidence(&api, &path, &["--edge-range", "127.0.0.2/32"]);
    let json_output = evidence(&api, &path, &["--edge-range", "127.0.0.2/32", "--json"]);
    for (what, output) in [("text", &text), ("--json", &json_output)] {
        assert!(
            !raw_hostile(&output.stdout) && !raw_hostile(&output.stderr),
            "{what} holds raw control characters: {:?}",
            stdout(output)
        );
        assert!(
            output.stdout.len() < 64 * 1024,
            "{what}: the 1 MB line was printed"
        );
    }
    let shown = stdout(&text);
    assert_eq!(text.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("evil\\x1b]0;pwned\\x07.example.com"),
        "{shown}"
    );
    assert!(shown.contains("\\u{202e}gnp.exe"), "{shown}");
    assert!(shown.contains("Unreadable lines: 3"), "{shown}");

    let report = json(&json_output);
    assert_eq!(report["lines"]["read"], 5);
    assert_eq!(report["lines"]["requests"], 2);
    assert_eq!(report["lines"]["unreadable"], 3);
    let why: Vec<(u64, &str)> = report["lines"]["unreadable_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["why"].as_str().unwrap()))
        .collect();
    assert_eq!(why[0], (3, "longer than 65536 bytes"));
    assert_eq!(why[1], (4, "not UTF-8 text"));
    assert_eq!(why[2].0, 5);
    // --json keeps the exact value for a machine.
    assert!(
        report["hostnames"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["hostname"] == "evil\u{1b}]0;pwned\u{7}.example.com"),
        "{report:#}"
    );
}

#[test]
fn a_named_pipe_as_the_log_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("aop-access.log");
    assert!(
        Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap()
            .success()
    );
    let mut child = aop(&closed_api())
        .args([
            "evidence",
            "--server",
            "nginx",
            "--edge-range",
            "127.0.0.2/32",
            "--log",
        ])
        .arg(&pipe)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Opening a FIFO for reading waits for a writer: a program that opens it never ends.
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("evidence waited on the named pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: {} is a named pipe (FIFO), not a regular file: give the path of the access log file",
            pipe.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_mistyped_log_is_said_before_cloudflare_is_asked() {
    let fake = fake();
    // An API that never answers: were it asked first, the mistake would wait for its timeout.
    fake.fake.hang(None);
    let dir = tempfile::tempdir().unwrap();
    let output = evidence(&fake.fake.base_url(), &dir.path().join("acess.log"), &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("acess.log"), "{stderr}");
    assert_eq!(fake.fake.calls("list_ips"), 0);
}

#[test]
fn an_odd_answer_for_the_ranges_is_said_in_a_few_words_and_the_shipped_list_used() {
    use aop_wizard::cloudflare::fake::FaultKind;
    let fake = fake();
    fake.fake.inject_fault(
        "list_ips",
        1,
        FaultKind::Refused {
            status: 404,
            code: 7000,
            message: "No route for that URI",
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(
        dir.path(),
        &[nginx_line(
            "173.245.48.1",
            "SUCCESS",
            "CN=My CA",
            "www.example.com",
        )],
    );
    let output = evidence(&fake.fake.base_url(), &log, &[]);
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(shown.contains("answered HTTP 404"), "{shown}");
    // Cloudflare's advice for its own 404s (a zone name, a certificate id) is not about this.
    assert!(!shown.contains("certificate id"), "{shown}");
}

#[test]
fn hostnames_reached_only_from_elsewhere_are_summed_up_past_ten() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![nginx_line("127.0.0.2", "NONE", "", "api.example.com")];
    for i in 0..25 {
        lines.push(nginx_line(
            "203.0.113.9",
            "NONE",
            "",
            &format!("scan{i}.example.net"),
        ));
    }
    let log = write_log(dir.path(), &lines);
    let output = evidence(&closed_api(), &log, &["--edge-range", "127.0.0.2/32"]);
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(3), "{shown}");
    assert!(shown.contains("api.example.com\n"), "{shown}");
    assert!(
        shown.contains("… and 15 more hostnames reached only from elsewhere"),
        "{shown}"
    );
    assert_eq!(
        json(&evidence(
            &closed_api(),
            &log,
            &["--edge-range", "127.0.0.2/32", "--json"]
        ))["hostnames"]
            .as_array()
            .unwrap()
            .len(),
        26
    );
}
