//! Time and exit codes of the binary against the fake: an API that accepts requests and never
//! answers ends every command within its bound with one sentence and exit code 4; a dry run never
//! waits; a wait repeated in a pipe is printed once; `auth status` asks Cloudflare whether the
//! token works; something missing is a usage error (exit code 2).
//!
//! No assertion here is about time. Each run has an outer limit far above its bound, which only a
//! command that ignores its bound reaches (it is then killed and the test fails).

mod support;

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aop_wizard::cloudflare::fake::DEMO_TOKEN;
use support::fake::{Fake, fake};

/// Far above every bound below; reached only when a command waits longer than it may.
const OUTER_LIMIT: Duration = Duration::from_secs(80);

/// The binary against the fake with the demo token, a data folder of its own and no keyring.
fn aop(fake: &Fake, data: &tempfile::TempDir, args: &[&str]) -> Command {
    let mut command = fake.aop(data.path());
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `command` to its end, or kills it at `OUTER_LIMIT` and fails the test.
fn finish(mut command: Command) -> Output {
    let mut child: Child = command.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > OUTER_LIMIT {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "still running after {} s, killed: {}",
                OUTER_LIMIT.as_secs(),
                text(&output)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn first_error_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn status_and_enable_against_a_hanging_api_end_at_the_api_timeout_with_one_sentence() {
    let fake = fake();
    fake.fake.hang(None);
    let data = tempfile::tempdir().unwrap();
    for args in [
        &["status", "--zone", "example.com"][..],
        &["enable", "--zone", "example.com", "--scope", "zone"],
        &["alerts", "list", "--zone", "example.com"],
    ] {
        let mut command = aop(&fake, &data, args);
        command.env("AOP_WIZARD_API_TIMEOUT", "2");
        let output = finish(command);
        assert_eq!(output.status.code(), Some(4), "{args:?}: {}", text(&output));
        let line = first_error_line(&output);
        for words in [
            "error: Cloudflare did not answer within 2 s",
            "try again",
            "AOP_WIZARD_API_TIMEOUT sets how long to wait",
        ] {
            assert!(line.contains(words), "{args:?}: {words:?} in {line}");
        }
    }
    assert!(
        fake.fake.calls("list_zones") >= 3,
        "each command reached the API"
    );
}

#[test]
fn upload_wait_timeout_bounds_polls_that_hang() {
    let fake = fake();
    let pki = support::test_pki::test_pki();
    // The upload is answered; every poll for `active` after it hangs.
    fake.fake.hang(Some("get_zone_certificate"));
    let data = tempfile::tempdir().unwrap();
    let output = finish(aop(
        &fake,
        &data,
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            pki.right.cert.to_str().unwrap(),
            "--key",
            pki.right.key.to_str().unwrap(),
            "--wait",
            "--interval",
            "1",
            "--timeout",
            "3",
        ],
    ));
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        line.contains("Cloudflare did not answer within 3 s (get zone certificate)")
            && line.contains("--timeout sets how long to wait"),
        "{stderr}"
    );
    assert_eq!(fake.fake.calls("upload_zone_certificate"), 1);
    assert!(fake.fake.calls("get_zone_certificate") >= 1);
}

#[test]
fn an_api_timeout_that_is_not_a_number_of_seconds_is_refused_with_the_fix() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    for value in ["0", "soon", "-5", "3601"] {
        let mut command = aop(&fake, &data, &["status", "--zone", "example.com"]);
        command.env("AOP_WIZARD_API_TIMEOUT", value);
        let output = finish(command);
        assert_eq!(output.status.code(), Some(1), "{value}: {}", text(&output));
        let line = first_error_line(&output);
        assert!(
            line.contains(&format!("AOP_WIZARD_API_TIMEOUT={value} is not"))
                && line.contains("from 1 to 3600"),
            "{line}"
        );
    }
    assert_eq!(fake.fake.calls("list_zones"), 0, "nothing was asked");
}

#[test]
fn auth_status_asks_cloudflare_whether_the_token_works() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let status = |token: &str, args: &[&str]| {
        let mut all = vec!["auth", "status"];
        all.extend_from_slice(args);
        let mut command = aop(&fake, &data, &all);
        command.env("CLOUDFLARE_API_TOKEN", token);
        finish(command)
    };

    for args in [&[][..], &["--zone", "example.com"]] {
        let bad = status("not-a-real-token-0000000000000000000000000", args);
        assert_eq!(bad.status.code(), Some(4), "{args:?}: {}", text(&bad));
        let line = first_error_line(&bad);
        assert!(
            line.contains(
                "the credentials from the CLOUDFLARE_API_TOKEN environment variable do not work"
            ) && line.contains("invalid"),
            "{args:?}: {line}"
        );
    }

    let good = status(DEMO_TOKEN, &[]);
    assert!(good.status.success(), "{}", text(&good));
    assert!(text(&good).contains("verified with Cloudflare"));

    let unseen = status(DEMO_TOKEN, &["--zone", "nope.com"]);
    assert_eq!(unseen.status.code(), Some(4), "{}", text(&unseen));
    assert!(
        !text(&unseen).contains('✓'),
        "nothing is shown as granted on a zone the token cannot see: {}",
        text(&unseen)
    );
    let line = first_error_line(&unseen);
    assert!(
        line.contains("no zone named nope.com is visible to this token")
            && line.contains("check the spelling"),
        "{line}"
    );

    let seen = status(DEMO_TOKEN, &["--zone", "example.com"]);
    assert!(seen.status.success(), "{}", text(&seen));
}

#[test]
fn auth_status_against_a_hanging_api_ends_at_the_api_timeout() {
    let fake = fake();
    fake.fake.hang(None);
    let data = tempfile::tempdir().unwrap();
    let mut command = aop(&fake, &data, &["auth", "status"]);
    command.env("AOP_WIZARD_API_TIMEOUT", "1");
    let output = finish(command);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(
        first_error_line(&output).starts_with("error: Cloudflare did not answer within 1 s"),
        "no answer is no verdict on the credentials: {}",
        text(&output)
    );
}

/// A token pasted with an invisible mark or a letter outside ASCII cannot go into a header: said
/// so before any request, never blamed on Cloudflare or the network.
#[test]
fn a_token_a_header_cannot_carry_is_said_so_before_any_request() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    for token in ["t\u{f8}ken", "abc\u{200b}def", "abc\u{1b}[2Jdef"] {
        let mut command = aop(&fake, &data, &["auth", "status"]);
        command.env("CLOUDFLARE_API_TOKEN", token);
        let output = finish(command);
        assert_eq!(output.status.code(), Some(4), "{}", text(&output));
        assert!(
            first_error_line(&output).contains("holds a character an HTTP header cannot carry")
                && first_error_line(&output).contains("paste the token again"),
            "{}",
            text(&output)
        );
    }
    assert!(fake.fake.requests().is_empty(), "nothing was sent");
}

/// An origin that refuses requests without the client certificate, for undo to wait on.
fn enforcing_origin(fake: &Fake) -> aop_wizard::demo::DemoOrigin {
    use aop_wizard::demo::{DemoOrigin, OriginPhase};
    let pki = support::test_pki::test_pki();
    let origin = fake
        .runtime
        .block_on(DemoOrigin::start(&["example.com", "www.example.com"]))
        .unwrap();
    origin.set_phase(OriginPhase::Enforce(
        aop_wizard::pki::load_certificates(&pki.ca).unwrap(),
    ));
    origin
}

#[test]
fn undo_dry_run_looks_at_the_origin_once_and_never_waits() {
    let fake = fake();
    let origin = enforcing_origin(&fake);
    let address = origin.address().to_string();
    let data = tempfile::tempdir().unwrap();
    let output = finish(aop(
        &fake,
        &data,
        &[
            "undo",
            "--zone",
            "example.com",
            "--origin",
            &address,
            "--host",
            "example.com",
            "--wait",
            "600",
            "--dry-run",
        ],
    ));
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("does not serve a request without a certificate yet")
            && stdout.contains("a real run would wait up to 600 s"),
        "{stdout}"
    );
    assert!(!stdout.contains("waiting for the origin"), "{stdout}");
}

#[test]
fn undo_waiting_in_a_pipe_prints_its_waiting_line_once() {
    let fake = fake();
    let origin = enforcing_origin(&fake);
    let address = origin.address().to_string();
    let data = tempfile::tempdir().unwrap();
    // Probed at once and again after 5 s, both times enforcing: two identical notes.
    let output = finish(aop(
        &fake,
        &data,
        &[
            "undo",
            "--zone",
            "example.com",
            "--origin",
            &address,
            "--host",
            "example.com",
            "--wait",
            "6",
            "--yes",
        ],
    ));
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout
            .matches("waiting for the origin to stop enforcing")
            .count(),
        1,
        "{stdout}"
    );
    assert!(!stdout.contains('\u{1b}'), "no cursor movement in a pipe");
    assert!(stdout.contains("Still refusing"), "{stdout}");
}

/// Something a command needs and was not given is a usage error, exit code 2, as clap's own.
#[test]
fn missing_arguments_are_usage_errors() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["enable", "--zone", "example.com", "--scope", "hostname"][..],
            "--scope hostname needs --hostname NAME and --cert-id ID",
        ),
        (
            &[
                "enable",
                "--zone",
                "example.com",
                "--scope",
                "hostname",
                "--hostname",
                "www.example.com",
            ],
            "--cert-id ID",
        ),
        (&["undo", "--zone", "example.com"], "give --origin ADDR"),
        (
            &["setup", "--zone", "example.com", "--yes"],
            "give --origin ADDR",
        ),
        (
            &[
                "setup",
                "--zone",
                "example.com",
                "--scope",
                "hostname",
                "--origin",
                "127.0.0.1",
            ],
            "--scope hostname needs --hostname NAME",
        ),
        (
            &["rotate", "--zone", "example.com", "--origin", "127.0.0.1"],
            "give --host NAME with --origin",
        ),
    ] {
        let output = finish(aop(&fake, &data, args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        let line = first_error_line(&output);
        assert!(
            line.starts_with("error: ") && line.contains(says),
            "{args:?}: {line}"
        );
    }
}

/// An origin that does not answer is not said to refuse: undo names it unreachable and still
/// changes nothing, as it cannot tell the origin stopped enforcing.
#[test]
fn undo_names_an_unreachable_origin_as_such() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", support::origin::free_port());
    let output = finish(aop(
        &fake,
        &data,
        &[
            "undo",
            "--zone",
            "example.com",
            "--origin",
            &address,
            "--host",
            "example.com",
            "--dry-run",
        ],
    ));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("does not serve a request without a certificate yet")
            && stdout.contains("unreachable")
            && !stdout.contains("still refuses"),
        "{stdout}"
    );
}

/// `CLOUDFLARE_API_TOKEN=` (set, empty: a script's `$UNSET`) is said, never passed over for
/// whatever else is at hand.
#[test]
fn an_empty_token_in_the_environment_is_said_so() {
    let fake = fake();
    let data = tempfile::tempdir().unwrap();
    let mut command = aop(&fake, &data, &["status", "--zone", "example.com"]);
    command.env("CLOUDFLARE_API_TOKEN", " ");
    let output = finish(command);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(
        first_error_line(&output).starts_with("error: CLOUDFLARE_API_TOKEN is set but empty"),
        "{}",
        text(&output)
    );
    assert!(fake.fake.requests().is_empty(), "nothing was sent");
}
