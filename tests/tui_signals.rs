//! The real binary in a pseudo-terminal, ended by the signals that ask a program to stop: each
//! leaves the terminal as it found it (normal screen, cursor shown, bracketed paste off) and
//! exits with 128 + the signal's number. And a start after a wizard killed outright (SIGKILL,
//! which nothing can catch) shows none of the screen it left.

mod support;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use support::pty::{COLS, DOWN, Pty, ROWS};

const STEP: Duration = Duration::from_secs(30);

/// The wizard on its first screen, the demo's servers started.
fn wizard(work: &std::path::Path) -> Pty {
    let mut pty = Pty::spawn(
        env!("CARGO_BIN_EXE_aop-wizard"),
        &["--demo"],
        work,
        &[
            (
                "AOP_WIZARD_DATA_DIR",
                work.join("data").display().to_string(),
            ),
            ("AOP_WIZARD_KEYRING", "none".to_string()),
        ],
    );
    pty.wait_for("(recommended)", STEP);
    pty
}

fn ends_restored_on(name: &str, number: u32) {
    let work = tempfile::tempdir().unwrap();
    let mut pty = wizard(work.path());
    assert!(pty.parser.screen().alternate_screen());
    let pid = pty.child.process_id().expect("the wizard's process id");
    let kill = std::process::Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success(), "kill -s {name} {pid}");

    let status = pty.wait_exit(STEP);
    assert_eq!(
        (status.exit_code(), status.signal()),
        (128 + number, None),
        "SIG{name}: exits 128 + {number}, not killed by it\n{}",
        pty.screen()
    );
    let screen = pty.parser.screen();
    assert!(
        !screen.alternate_screen(),
        "SIG{name}: still on the alternate screen"
    );
    assert!(
        !screen.hide_cursor(),
        "SIG{name}: the cursor is still hidden"
    );
    assert!(
        !screen.bracketed_paste(),
        "SIG{name}: bracketed paste is still on"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    ends_restored_on("TERM", 15);
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    ends_restored_on("INT", 2);
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    ends_restored_on("HUP", 1);
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    ends_restored_on("QUIT", 3);
}

/// Runs `program args` (the wizard, or a shell that runs it) on a terminal of its own, waits
/// until the wizard has started and answered a key, then closes the terminal as a closed window
/// or a lost SSH connection does. The process, to wait for.
fn hang_up_on(program: &str, args: &[&str], work: &Path) -> Box<dyn Child + Send + Sync> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(program);
    command.args(args);
    command.cwd(work);
    command.env("TERM", "xterm-256color");
    command.env("AOP_WIZARD_DATA_DIR", work.join("data"));
    command.env("AOP_WIZARD_KEYRING", "none");
    let child = pair.slave.spawn_command(command).unwrap();
    drop(pair.slave);
    // Read here, not on a thread of its own: the last handle on the terminal must close with
    // the master for the kernel to hang it up.
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut screen = vt100::Parser::new(
        NonZeroU16::new(ROWS).unwrap(),
        NonZeroU16::new(COLS).unwrap(),
        0,
    );
    let mut buffer = [0u8; 8192];
    let mut read_until = |text: &str| {
        while !screen.screen().contents().contains(text) {
            let n = reader.read(&mut buffer).unwrap();
            assert_ne!(n, 0, "the wizard ended before showing {text:?}");
            screen.process(&buffer[..n]);
        }
    };
    read_until("(recommended)");
    // A key's answer drawn: the wizard has started and waits for the next thing to happen.
    let mut writer = pair.master.take_writer().unwrap();
    writer.write_all(DOWN.as_bytes()).unwrap();
    read_until("▶ Per-hostname");
    drop((reader, writer, pair.master));
    child
}

fn log(work: &Path) -> String {
    std::fs::read_to_string(work.join("data/aop-wizard.log")).unwrap_or_default()
}

/// A real hang-up: the terminal is gone before the wizard can restore it, every write fails,
/// and that must not end in a panic (SIGABRT, a core dump with the token in it) instead of the
/// exit for SIGHUP.
#[test]
fn a_terminal_that_goes_away_ends_the_wizard_as_a_hang_up() {
    let work = tempfile::tempdir().unwrap();
    let mut wizard = hang_up_on(env!("CARGO_BIN_EXE_aop-wizard"), &["--demo"], work.path());
    let status = wizard.wait().unwrap();
    assert_eq!(
        (status.exit_code(), status.signal()),
        (128 + 1, None),
        "a hang-up exits 129, not killed by a signal; the log:\n{}",
        log(work.path())
    );
}

/// The terminal gone and no SIGHUP for the wizard (the shell that started it ignores it and is
/// the one the kernel tells): the wizard notices and ends, rather than spinning on empty reads
/// for ever.
#[test]
fn a_terminal_gone_without_a_hang_up_signal_ends_the_wizard() {
    let work = tempfile::tempdir().unwrap();
    let mut shell = hang_up_on(
        "sh",
        &[
            "-c",
            "trap '' HUP; \"$0\" --demo; exit $?",
            env!("CARGO_BIN_EXE_aop-wizard"),
        ],
        work.path(),
    );
    let deadline = Instant::now() + STEP;
    let status = loop {
        if let Some(status) = shell.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            // Not left spinning on the machine: the shell's children are the wizard.
            let pid = shell.process_id().unwrap();
            let children =
                std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap();
            for child in children.split_whitespace() {
                let _ = std::process::Command::new("kill").arg(child).status();
            }
            panic!("still running {STEP:?} after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.exit_code(),
        1,
        "{status:?}; the log:\n{}",
        log(work.path())
    );
    assert!(
        log(work.path()).contains("wizard started"),
        "the wizard ran: {}",
        log(work.path())
    );
}

/// A wizard killed outright leaves its screen behind, and a terminal still on the alternate
/// screen (tmux) ignores the next start's request to enter it — so nothing clears it. Modelled
/// here: what the new start writes, without that request, onto a terminal full of leftovers.
#[test]
fn a_start_after_a_kill_shows_nothing_of_the_screen_left_behind() {
    let work = tempfile::tempdir().unwrap();
    let mut pty = wizard(work.path());
    let written = String::from_utf8_lossy(&pty.raw).replace("\x1b[?1049h", "");
    pty.child.kill().unwrap();

    let mut terminal = vt100::Parser::new(
        NonZeroU16::new(ROWS).unwrap(),
        NonZeroU16::new(COLS).unwrap(),
        0,
    );
    let leftover = "¶".repeat(usize::from(ROWS) * usize::from(COLS));
    terminal.process(format!("\x1b[?1049h{leftover}").as_bytes());
    terminal.process(written.as_bytes());
    let screen = terminal.screen().contents();
    assert!(
        screen.contains("(recommended)"),
        "the first screen is drawn:\n{screen}"
    );
    assert!(
        !screen.contains('¶'),
        "leftovers show through the first screen:\n{screen}"
    );
}
