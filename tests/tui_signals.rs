//! The real binary in a pseudo-terminal, ended by the signals that ask a program to stop: each
//! leaves the terminal as it found it (normal screen, cursor shown, bracketed paste off) and
//! exits with 128 + the signal's number. And a start after a wizard killed outright (SIGKILL,
//! which nothing can catch) shows none of the screen it left.

mod support;

use std::num::NonZeroU16;
use std::time::Duration;

use support::pty::{COLS, Pty, ROWS};

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
