//! `aop-wizard evidence` on the logs real nginx, Apache, HAProxy and Caddy (Debian's and the
//! current one) write with the project's own log-phase snippet. curl makes real requests for two
//! hostnames: with the trusted certificate and without one from 127.0.0.2 (given as the edge
//! range, so it stands for Cloudflare) and without one from 127.0.0.3 (a direct connection). The
//! binary must count exactly what was sent, per hostname, and its verdict must flip when one
//! unverified request comes from the edge range.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use aop_wizard::evidence::{self, Line, Seen as Logged};
use aop_wizard::snippets::{SnippetPhase, WebServer};
use serde_json::Value;
use support::origin::{HOST, Origin, SECOND_HOST, Seen, on_each_caddy};
use support::test_pki::{Identity, test_pki};

/// Stands for Cloudflare: `--edge-range 127.0.0.2/32`.
const EDGE: &str = "127.0.0.2";
/// Anyone else connecting directly.
const DIRECT: &str = "127.0.0.3";
/// Where the harness's readiness request comes from (with the trusted certificate).
const HARNESS: &str = "127.0.0.1";

/// What one hostname was sent; `None` stands for "hostname unknown" (Caddy's refused handshakes).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    verified: u64,
    without_certificate: u64,
    failed_verification: u64,
    /// From 127.0.0.3.
    direct: u64,
}

type Expected = BTreeMap<Option<&'static str>, Counts>;

/// The logs `evidence` reads for the server: the snippet's access log; HAProxy's `log` target
/// (the harness captures it in server.out); for Caddy the refused handshakes beside it, once
/// there is one (Caddy 2.6 creates that file with its first line, 2.8 and later at start).
fn logs_of(origin: &Origin) -> Vec<PathBuf> {
    match origin.server {
        WebServer::Haproxy => vec![origin.dir.join("server.out")],
        WebServer::Caddy => [
            origin.dir.join("aop-access.log"),
            origin.dir.join("aop-tls-errors.log"),
        ]
        .into_iter()
        .filter(|log| log.exists())
        .collect(),
        // mod_ssl's refused handshakes are only in its error log (ssl:info, as the snippet sets).
        WebServer::Apache => vec![
            origin.dir.join("aop-access.log"),
            origin.dir.join("error.log"),
        ],
        _ => vec![origin.dir.join("aop-access.log")],
    }
}

struct Run {
    exit: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

/// The real binary: `evidence --server S --log …  --edge-range 127.0.0.2/32 --json` and `extra`.
fn evidence(server: WebServer, logs: &[PathBuf], extra: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aop-wizard"));
    command
        .args(["evidence", "--server", server.name()])
        .args(["--edge-range", &format!("{EDGE}/32"), "--json"])
        .args(extra)
        .env("AOP_WIZARD_KEYRING", "none")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    for log in logs {
        command.arg("--log").arg(log);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Run {
        exit: output.status.code(),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn number(value: &Value, path: &str) -> u64 {
    value
        .pointer(path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no number at {path} in {value:#}"))
}

/// Requests from `address` among `other.top_sources` of `value` (a report or one hostname).
fn from_source(value: &Value, address: &str) -> u64 {
    value["other"]["top_sources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["address"] == address)
        .map_or(0, |s| number(s, "/requests"))
}

/// What the report counted for each hostname, as `Counts` (127.0.0.1's readiness requests are
/// checked apart).
fn counted(json: &Value) -> Expected {
    let mut counted = Expected::new();
    for host in json["hostnames"].as_array().into_iter().flatten() {
        let name = match &host["hostname"] {
            Value::String(name) if name == HOST => Some(HOST),
            Value::String(name) if name == SECOND_HOST => Some(SECOND_HOST),
            Value::Null => None,
            other => panic!("a hostname nobody asked for: {other}"),
        };
        counted.insert(
            name,
            Counts {
                verified: number(host, "/cloudflare/verified"),
                without_certificate: number(host, "/cloudflare/without_certificate"),
                failed_verification: number(host, "/cloudflare/failed_verification"),
                direct: from_source(host, DIRECT),
            },
        );
    }
    counted
}

/// Requests from the edge and from 127.0.0.3 in a report.
fn sent_total(json: &Value) -> u64 {
    if json.is_null() {
        return 0;
    }
    number(json, "/cloudflare/verified")
        + number(json, "/cloudflare/unverified")
        + from_source(json, DIRECT)
}

/// Runs `evidence` until the server has logged every request sent (servers write their logs
/// after answering), then returns the report.
fn evidence_once_logged(origin: &Origin, expected: &Expected) -> Run {
    let total: u64 = expected
        .values()
        .map(|c| c.verified + c.without_certificate + c.failed_verification + c.direct)
        .sum();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let run = evidence(origin.server, &logs_of(origin), &[]);
        if sent_total(&run.json) >= total || Instant::now() > deadline {
            return run;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `n` requests for `host` from `from`, each answered as `seen`.
fn send(origin: &Origin, host: &str, from: &str, identity: Option<&Identity>, n: u64, seen: Seen) {
    let path = match identity {
        Some(identity) => format!("/{}", identity.name),
        None => "/none".to_string(),
    };
    for _ in 0..n {
        assert_eq!(
            origin.request_as(host, from, identity, &path),
            seen,
            "{} {host} {path} from {from}",
            origin.server.name()
        );
    }
}

/// The report counts exactly `expected` per hostname and in total, 127.0.0.3 is the top direct
/// source, and the harness's own requests (from 127.0.0.1, verified, for the first hostname)
/// are the only others.
fn assert_counts(origin: &Origin, run: &Run, expected: &Expected) {
    let json = &run.json;
    let server = origin.server.name();
    assert_eq!(
        counted(json),
        *expected,
        "{server}: counts per hostname\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let sum = |f: fn(&Counts) -> u64| expected.values().map(f).sum::<u64>();
    let unverified = sum(|c| c.without_certificate + c.failed_verification);
    assert_eq!(number(json, "/cloudflare/verified"), sum(|c| c.verified));
    assert_eq!(number(json, "/cloudflare/unverified"), unverified);
    // The harness's readiness requests carry the right certificate: counted as direct but
    // verified, so not among the sources enforcing will refuse.
    let harness = number(json, "/other/with_verified_certificate");
    assert!(
        harness >= 1,
        "{server}: the readiness request is not counted"
    );
    assert_eq!(from_source(json, HARNESS), 0, "{server}: {}", run.stdout);
    assert_eq!(
        number(json, "/other/total"),
        sum(|c| c.direct) + harness,
        "{server}: requests from outside the edge range"
    );
    assert_eq!(json["other"]["top_sources"][0]["address"], DIRECT);
    assert_eq!(
        number(json, "/other/top_sources/0/requests"),
        sum(|c| c.direct)
    );
    assert_eq!(number(json, "/lines/unreadable"), 0, "{}", run.stdout);
}

fn add(expected: &mut Expected, host: Option<&'static str>, change: impl Fn(&mut Counts)) {
    change(expected.entry(host).or_default());
}

/// Sends the requests, reads the log with the binary and checks counts and verdicts; then the
/// same log rotated and compressed, and a window that leaves out an older line.
fn counts_exactly_and_flips(origin: &Origin) {
    let pki = test_pki();
    let server = origin.server.name();
    let ok = Seen::Status(200);

    // Only verified requests from the edge, and direct ones without a certificate; different
    // counts per hostname, so a swap would show.
    let mut expected = Expected::new();
    send(origin, HOST, EDGE, Some(&pki.right), 3, ok);
    send(origin, SECOND_HOST, EDGE, Some(&pki.right), 2, ok);
    send(origin, HOST, DIRECT, None, 2, ok);
    send(origin, SECOND_HOST, DIRECT, None, 1, ok);
    add(&mut expected, Some(HOST), |c| {
        (c.verified, c.direct) = (3, 2)
    });
    add(&mut expected, Some(SECOND_HOST), |c| {
        (c.verified, c.direct) = (2, 1)
    });
    let ready = evidence_once_logged(origin, &expected);
    assert_counts(origin, &ready, &expected);
    assert_eq!(ready.json["ready"], true, "{server}: {}", ready.stdout);
    assert_eq!(ready.exit, Some(0), "{server}: {}", ready.stderr);
    assert_eq!(ready.json["problems"], serde_json::json!([]));

    // Keep this log as the rotated, compressed one for later.
    let rotated = compress_copies(origin);

    // One request from the edge without a certificate: not ready, and the reason names it.
    send(origin, SECOND_HOST, EDGE, None, 1, ok);
    add(&mut expected, Some(SECOND_HOST), |c| {
        c.without_certificate = 1
    });
    let flipped = evidence_once_logged(origin, &expected);
    assert_counts(origin, &flipped, &expected);
    assert_eq!(flipped.json["ready"], false, "{server}: {}", flipped.stdout);
    assert_eq!(flipped.exit, Some(3), "{server}: {}", flipped.stderr);
    let problems = flipped.json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{server}: {problems:?}");
    let problem = problems[0].as_str().unwrap();
    assert!(
        problem.starts_with(&format!(
            "{SECOND_HOST}: 1 of 3 requests from Cloudflare came without a client certificate"
        )),
        "{server}: {problem}"
    );

    // A certificate from a CA the origin does not trust, from the edge. nginx, Apache and
    // HAProxy serve and log it; Caddy (Go) refuses the handshake and logs it without a hostname.
    let (seen, host) = match origin.server {
        WebServer::Caddy => (Seen::Refused, None),
        _ => (ok, Some(HOST)),
    };
    send(origin, HOST, EDGE, Some(&pki.wrong_ca), 1, seen);
    add(&mut expected, host, |c| c.failed_verification = 1);
    if origin.server == WebServer::Caddy {
        let refused = origin.log_line_for("aop-tls-errors.log", "TLS handshake error");
        assert!(refused.contains(EDGE), "{refused}");
    }
    let wrong = evidence_once_logged(origin, &expected);
    assert_counts(origin, &wrong, &expected);
    assert_eq!(wrong.exit, Some(3));
    let failed = wrong.json["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["hostname"] == host.map_or(Value::Null, Value::from))
        .unwrap();
    let failure = &failed["failures"][0];
    assert_eq!(failure["requests"], 1, "{server}: {failed:#}");
    if origin.server != WebServer::Caddy {
        // The issuer the server logged names the CA that signed the refused certificate, as
        // text (HAProxy's `json` escapes undone).
        assert!(
            failure["issuer"]
                .as_str()
                .is_some_and(|i| i.contains("unrelated test CA") && !i.contains('\\')),
            "{server}: {failure:#}"
        );
    }

    // mod_ssl refuses an expired certificate at the handshake even in the log phase: the error
    // log's AH02276 line counts it, without a hostname (no request was read).
    let last = if origin.server == WebServer::Apache {
        send(origin, HOST, EDGE, Some(&pki.expired), 1, Seen::Refused);
        add(&mut expected, None, |c| c.failed_verification = 1);
        let refused = evidence_once_logged(origin, &expected);
        assert_counts(origin, &refused, &expected);
        let unknown = refused.json["hostnames"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["hostname"].is_null())
            .unwrap();
        assert_eq!(
            unknown["failures"][0]["reason"], "handshake refused: certificate has expired",
            "{unknown:#}"
        );
        refused
    } else {
        wrong
    };

    rotated_and_live_add_up(origin, &rotated, &last);
    an_older_line_is_left_out_of_the_window(origin, &last);
}

/// gzip-compressed copies of the logs as they are now, named as logrotate names them.
fn compress_copies(origin: &Origin) -> Vec<PathBuf> {
    logs_of(origin)
        .iter()
        .map(|log| {
            let rotated = PathBuf::from(format!("{}.1.gz", log.display()));
            let mut encoder = flate2::write::GzEncoder::new(
                std::fs::File::create(&rotated).unwrap(),
                flate2::Compression::default(),
            );
            encoder.write_all(&std::fs::read(log).unwrap()).unwrap();
            encoder.finish().unwrap();
            rotated
        })
        .collect()
}

/// The rotated, compressed logs read with the live ones count the sum of both.
fn rotated_and_live_add_up(origin: &Origin, rotated: &[PathBuf], live: &Run) {
    let server = origin.server.name();
    let old = evidence(origin.server, rotated, &[]);
    assert!(
        old.json["logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["compressed"] == true),
        "{server}: {}",
        old.stdout
    );
    let mut both = rotated.to_vec();
    both.extend(logs_of(origin));
    let together = evidence(origin.server, &both, &[]);
    // The live log may have grown since `live` was read: only by the harness's requests, which
    // none of the counts below holds.
    for pointer in [
        "/cloudflare/verified",
        "/cloudflare/unverified",
        "/cloudflare/without_certificate",
        "/cloudflare/failed_verification",
    ] {
        assert_eq!(
            number(&together.json, pointer),
            number(&old.json, pointer) + number(&live.json, pointer),
            "{server}: {pointer}\n{}",
            together.stdout
        );
    }
    assert_eq!(
        from_source(&together.json, DIRECT),
        from_source(&old.json, DIRECT) + from_source(&live.json, DIRECT)
    );
    let mut sum = counted(&old.json);
    for (host, counts) in counted(&live.json) {
        add(&mut sum, host, |c| {
            c.verified += counts.verified;
            c.without_certificate += counts.without_certificate;
            c.failed_verification += counts.failed_verification;
            c.direct += counts.direct;
        });
    }
    assert_eq!(counted(&together.json), sum, "{server}");
    assert_eq!(number(&old.json, "/cloudflare/verified"), 5);
}

/// A verified request from the edge for the first hostname, as the server wrote it, dated
/// 1 January 2020 in the server's own format and written to a log of its own: `--since 15m`
/// leaves it out, without `--since` it counts.
fn an_older_line_is_left_out_of_the_window(origin: &Origin, live: &Run) {
    let server = origin.server;
    let log = &logs_of(origin)[0];
    let text = std::fs::read_to_string(log).unwrap();
    let line = text
        .lines()
        .find(|line| match evidence::parse(server, line) {
            Ok(Line::Request(request)) => {
                request.client == EDGE.parse::<IpAddr>().unwrap()
                    && request.seen == Logged::Verified
                    && request
                        .hostname
                        .is_some_and(|h| evidence::normalise_hostname(&h) == HOST)
            }
            _ => false,
        })
        .unwrap_or_else(|| panic!("no verified line from the edge in {}", log.display()));
    let old = dated_2020(server, line);
    assert_ne!(old, line);
    let older_log = origin.dir.join("older.log");
    std::fs::write(&older_log, format!("{old}\n")).unwrap();
    let mut logs = logs_of(origin);
    logs.push(older_log);

    let windowed = evidence(server, &logs, &["--since", "15m"]);
    assert_eq!(number(&windowed.json, "/lines/outside_window"), 1);
    assert_eq!(
        number(&windowed.json, "/cloudflare/verified"),
        number(&live.json, "/cloudflare/verified"),
        "{}",
        windowed.stdout
    );
    assert!(windowed.json["window"]["since"].is_string());
    let everything = evidence(server, &logs, &[]);
    assert_eq!(number(&everything.json, "/lines/outside_window"), 0);
    assert_eq!(
        number(&everything.json, "/cloudflare/verified"),
        number(&live.json, "/cloudflare/verified") + 1,
        "{}",
        everything.stdout
    );
}

/// `line` with its time set to 1 January 2020, 00:00:00, the rest (milliseconds, zone) as the
/// server wrote it.
fn dated_2020(server: WebServer, line: &str) -> String {
    match server {
        WebServer::Caddy => {
            // "ts":1796044240.1234 (seconds since 1970, as Caddy writes it)
            let start = line.find("\"ts\":").expect("a ts field") + "\"ts\":".len();
            let end = start
                + line[start..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap();
            format!("{}1577836800.0{}", &line[..start], &line[end..])
        }
        _ => {
            // [30/Nov/2026:13:10:40 +0000], HAProxy's with milliseconds: the first 20 characters.
            let start = line.find('[').expect("a [time]") + 1;
            format!(
                "{}01/Jan/2020:00:00:00{}",
                &line[..start],
                &line[start + 20..]
            )
        }
    }
}

#[test]
fn nginx_evidence_counts_what_was_sent() {
    let origin = Origin::start(WebServer::Nginx, SnippetPhase::Log, false);
    counts_exactly_and_flips(&origin);
}

#[test]
fn apache_evidence_counts_what_was_sent() {
    let origin = Origin::start(WebServer::Apache, SnippetPhase::Log, false);
    counts_exactly_and_flips(&origin);
}

#[test]
fn haproxy_evidence_counts_what_was_sent() {
    let origin = Origin::start(WebServer::Haproxy, SnippetPhase::Log, false);
    counts_exactly_and_flips(&origin);
}

#[test]
fn caddy_evidence_counts_what_was_sent() {
    on_each_caddy(|| {
        let origin = Origin::start(WebServer::Caddy, SnippetPhase::Log, false);
        counts_exactly_and_flips(&origin);
    });
}

/// Rotated as logrotate does for nginx (renamed, USR1 to reopen, the old file compressed): the
/// compressed file and the new live one together count every request once.
#[test]
fn nginx_log_rotated_and_compressed_counts_every_request_once() {
    let origin = Origin::start(WebServer::Nginx, SnippetPhase::Log, false);
    let pki = test_pki();
    let ok = Seen::Status(200);
    let live = origin.dir.join("aop-access.log");
    send(&origin, HOST, EDGE, Some(&pki.right), 3, ok);
    send(&origin, SECOND_HOST, DIRECT, None, 2, ok);
    let mut before = Expected::new();
    add(&mut before, Some(HOST), |c| c.verified = 3);
    add(&mut before, Some(SECOND_HOST), |c| c.direct = 2);
    assert_counts(&origin, &evidence_once_logged(&origin, &before), &before);

    let rotated = origin.dir.join("aop-access.log.1");
    std::fs::rename(&live, &rotated).unwrap();
    let pid = std::fs::read_to_string(origin.dir.join("nginx.pid")).unwrap();
    assert!(
        Command::new("kill")
            .args(["-USR1", pid.trim()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !live.exists() {
        assert!(Instant::now() < deadline, "nginx did not reopen its log");
        std::thread::sleep(Duration::from_millis(20));
    }
    let compressed = PathBuf::from(format!("{}.gz", rotated.display()));
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&compressed).unwrap(),
        flate2::Compression::default(),
    );
    encoder
        .write_all(&std::fs::read(&rotated).unwrap())
        .unwrap();
    encoder.finish().unwrap();
    std::fs::remove_file(&rotated).unwrap();

    send(&origin, SECOND_HOST, EDGE, Some(&pki.right), 2, ok);
    send(&origin, HOST, EDGE, None, 1, ok);
    let mut after = Expected::new();
    add(&mut after, Some(SECOND_HOST), |c| c.verified = 2);
    add(&mut after, Some(HOST), |c| c.without_certificate = 1);
    // The new file alone: only what came after the rotation (no readiness request in it).
    let deadline = Instant::now() + Duration::from_secs(10);
    let newer = loop {
        let run = evidence(WebServer::Nginx, std::slice::from_ref(&live), &[]);
        if sent_total(&run.json) >= 3 || Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(counted(&newer.json), after, "{}", newer.stdout);
    assert_eq!(number(&newer.json, "/other/total"), 0);

    let both = evidence(WebServer::Nginx, &[compressed, live], &[]);
    let mut all = before.clone();
    add(&mut all, Some(HOST), |c| c.without_certificate = 1);
    add(&mut all, Some(SECOND_HOST), |c| c.verified = 2);
    assert_counts(&origin, &both, &all);
    assert_eq!(both.json["logs"][0]["compressed"], true);
    assert_eq!(both.json["logs"][1]["compressed"], false);
    assert_eq!(both.exit, Some(3));
}
