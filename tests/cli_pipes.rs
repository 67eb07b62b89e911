//! Every read command, as a table and as `--json`, piped into a reader that goes away: into
//! `true` (the pipe is closed before the command writes a byte), into `true` with stderr on the
//! same pipe (`2>&1 | true`), and into `head -1` (one line read, then the pipe closed). Each
//! ends as it would with its output read: its own exit code, no signal, nothing about the pipe.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::fake::{Fake, certificate_on_cloudflare, fake};

/// The read commands with their arguments, each also run with `--json` where it has one.
fn read_commands(certs: &Path, refused: &str) -> Vec<(Vec<String>, bool)> {
    let file = |name: &str| certs.join(name).display().to_string();
    let (cert, key, ca) = (file("client.crt"), file("client.key"), file("ca.crt"));
    let zone = ["--zone", "example.com"];
    let commands: Vec<(Vec<&str>, bool)> = vec![
        ([&["status"][..], &zone].concat(), true),
        ([&["check-expiry"][..], &zone].concat(), true),
        ([&["ssl-mode"][..], &zone].concat(), true),
        ([&["alerts", "list"][..], &zone].concat(), true),
        ([&["auth", "status"][..], &zone].concat(), true),
        ([&["export", "terraform"][..], &zone].concat(), false),
        (vec!["cert", "inspect", &cert], true),
        (
            vec!["cert", "check", "--cert", &cert, "--key", &key, "--ca", &ca],
            true,
        ),
        (vec!["cert", "global-ca"], false),
        (
            vec!["snippet", "nginx", "--phase", "log", "--ca", &ca],
            true,
        ),
        (
            vec!["verify", "--origin", refused, "--host", "example.com"],
            true,
        ),
        (vec!["completions", "bash"], false),
        (vec!["man"], false),
        (vec!["--help"], false),
    ];
    commands
        .into_iter()
        .flat_map(|(args, has_json)| {
            let args: Vec<String> = args.into_iter().map(str::to_string).collect();
            let json = has_json.then(|| {
                let mut json = args.clone();
                json.push("--json".to_string());
                (json, true)
            });
            std::iter::once((args, false)).chain(json)
        })
        .collect()
}

/// A pipe whose reader is already closed: the first write meets EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn assert_ends_quietly(
    label: &str,
    args: &[String],
    expected: &Output,
    status: std::process::ExitStatus,
    stderr: &[u8],
) {
    assert_eq!(
        status.code(),
        expected.status.code(),
        "{label} {args:?}: {status:?} (a signal when None), stderr: {}",
        String::from_utf8_lossy(stderr)
    );
    let stderr = String::from_utf8_lossy(stderr);
    assert_eq!(
        stderr,
        String::from_utf8_lossy(&expected.stderr),
        "{label} {args:?}: says something else on stderr than when read to the end"
    );
    for word in ["pipe", "panic"] {
        assert!(!stderr.contains(word), "{label} {args:?}: {stderr}");
    }
}

#[test]
fn every_read_command_ends_quietly_when_its_reader_goes_away() {
    let fake: Fake = fake();
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let certs = work.path().join("aop");
    let run = |args: &[&str]| {
        let output = fake.aop(&data).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    };
    certificate_on_cloudflare(&run, &certs, None);
    // Nothing listens there: verify reports the refusal (and exits 3), which is output enough.
    let refused = format!("127.0.0.1:{}", support::origin::free_port());

    for (args, json) in read_commands(&certs, &refused) {
        let command = || {
            let mut command: Command = fake.aop(&data);
            command.args(&args);
            command
        };
        let expected = command().output().unwrap();
        assert_ne!(expected.status.code(), Some(2), "{args:?}: {expected:?}");
        assert!(
            !expected.stdout.is_empty(),
            "{args:?} (json {json}) prints something to cut off"
        );

        // `| true`: stdout closed before the first write.
        let into_true = command()
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_ends_quietly(
            "| true",
            &args,
            &expected,
            into_true.status,
            &into_true.stderr,
        );

        // `2>&1 | true`: stderr is the closed pipe as well (an error message would fail too).
        let both = command()
            .stdout(closed_pipe())
            .stderr(closed_pipe())
            .status()
            .unwrap();
        assert_eq!(
            both.code(),
            expected.status.code(),
            "2>&1 | true {args:?}: {both:?} (a signal when None)"
        );

        // `| head -1`: one line read, then the reader goes.
        let mut child = command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let head = child.wait_with_output().unwrap();
        assert_eq!(
            first,
            String::from_utf8_lossy(&expected.stdout)
                .lines()
                .next()
                .map(|line| format!("{line}\n"))
                .unwrap_or_default(),
            "{args:?}"
        );
        assert_ends_quietly("| head -1", &args, &expected, head.status, &head.stderr);
    }
}
