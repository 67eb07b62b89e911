//! The real binary in a pseudo-terminal, its screen read through a VT100 parser: what a person
//! sees, and the keys they would press.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

pub const ROWS: u16 = 30;
pub const COLS: u16 = 100;

pub struct Pty {
    pub parser: vt100::Parser,
    output: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    pub started: Instant,
    /// Keys pressed so far (`send`); text typed into a field (`type_text`) is not counted.
    pub keys: usize,
    /// Every byte the program wrote so far, for what the parser does not keep (the sequences).
    pub raw: Vec<u8>,
}

impl Pty {
    /// Starts `binary args` in `dir` with `env` (and TERM=xterm-256color) on a 100×30 terminal.
    pub fn spawn(binary: &str, args: &[&str], dir: &Path, env: &[(&str, String)]) -> Pty {
        Self::spawn_sized(binary, args, dir, env, ROWS, COLS)
    }

    /// As `spawn`, on a terminal of `rows`×`cols`.
    pub fn spawn_sized(
        binary: &str,
        args: &[&str],
        dir: &Path,
        env: &[(&str, String)],
        rows: u16,
        cols: u16,
    ) -> Pty {
        let system = native_pty_system();
        let pair = system
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(binary);
        command.args(args);
        command.cwd(dir);
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let started = Instant::now();
        let child = pair
            .slave
            .spawn_command(command)
            .expect("the binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (sender, output) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || sender.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            parser: vt100::Parser::new(
                NonZeroU16::new(rows).unwrap(),
                NonZeroU16::new(cols).unwrap(),
                0,
            ),
            output,
            writer,
            child,
            _master: pair.master,
            started,
            keys: 0,
            raw: Vec::new(),
        }
    }

    fn pump(&mut self, wait: Duration) -> bool {
        match self.output.recv_timeout(wait) {
            Ok(bytes) => {
                self.parser.process(&bytes);
                self.raw.extend_from_slice(&bytes);
                while let Ok(more) = self.output.try_recv() {
                    self.parser.process(&more);
                    self.raw.extend_from_slice(&more);
                }
                true
            }
            Err(_) => false,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `text`; panics with the screen after `timeout`.
    pub fn wait_for(&mut self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "waited {timeout:?} for {text:?}; the screen shows:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    /// Presses one key (a character, `ENTER`, an escape sequence such as `DOWN`): counted.
    pub fn send(&mut self, key: &str) {
        self.keys += 1;
        self.write(key);
    }

    /// Types text into the field that has the keys: not counted as key presses.
    pub fn type_text(&mut self, text: &str) {
        self.write(text);
    }

    fn write(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the process to end, reading what it still prints.
    pub fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump(Duration::from_millis(20));
            if let Ok(Some(status)) = self.child.try_wait() {
                while self.pump(Duration::from_millis(50)) {}
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running:\n{}",
                self.screen()
            );
        }
    }
}

/// `aop-wizard --demo` against the test's fake, so its final state can be checked.
pub fn demo_against(
    fake: &aop_wizard::cloudflare::fake::FakeCloudflare,
    dir: &Path,
    data: &Path,
) -> Pty {
    Pty::spawn(
        env!("CARGO_BIN_EXE_aop-wizard"),
        &["--demo"],
        dir,
        &[
            ("CLOUDFLARE_API_BASE_URL", fake.base_url()),
            (
                "CLOUDFLARE_API_TOKEN",
                aop_wizard::cloudflare::fake::DEMO_TOKEN.to_string(),
            ),
            ("AOP_WIZARD_DATA_DIR", data.display().to_string()),
            ("AOP_WIZARD_KEYRING", "none".to_string()),
        ],
    )
}

pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const DOWN: &str = "\x1b[B";
pub const UP: &str = "\x1b[A";

const STEP: Duration = Duration::from_secs(30);

/// A person's way through a zone-level set-up with the default answers (ECDSA keys, NGINX),
/// from the first screen to the summary, the expiry alert created. Shared by the end-to-end
/// test and the benchmark.
pub fn zone_level_setup(pty: &mut Pty) {
    zone_level_to_the_alert(pty);
    pty.type_text("ops@example.com");
    pty.send(ENTER);
    pty.wait_for("Create the expiry notification?", STEP);
    pty.send("y");
    pty.wait_for("Notification policy in place", STEP);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);
    assert_eq!(
        pty.keys, ZONE_LEVEL_KEYS,
        "keys pressed from launch to the summary"
    );
}

/// `zone_level_setup`'s keys, the expiry alert created (Enter, y, Enter).
pub const ZONE_LEVEL_KEYS: usize = 19;

/// As `zone_level_setup`, the expiry alert skipped (Enter on the empty address).
pub fn zone_level_setup_without_alert(pty: &mut Pty) {
    zone_level_to_the_alert(pty);
    pty.send(ENTER);
    pty.wait_for("Done:", STEP);
}

/// From the first screen to the expiry alert's address.
fn zone_level_to_the_alert(pty: &mut Pty) {
    zone_level_to_the_log_check(pty);
    pty.send(ENTER);
    pty.wait_for("phase 2 of 2", STEP);
    pty.send(ENTER);
    pty.wait_for("example.com enforced", STEP);
    pty.wait_for("All as expected", STEP);
    pty.send(ENTER);
    pty.wait_for("e-mail", STEP);
}

/// `zone_level_to_the_log_check`'s keys.
pub const LOG_CHECK_KEYS: usize = 13;

/// From the first screen to Verify log, its probe passed (`LOG_CHECK_KEYS` keys).
pub fn zone_level_to_the_log_check(pty: &mut Pty) {
    pty.wait_for("(recommended)", STEP);
    pty.send(ENTER);
    to_the_certificate(pty);
    generate_and_upload(pty);
    pty.send(ENTER);
    pty.wait_for("phase 1 of 2", STEP);
    // Enter writes the snippet not written yet, then goes on.
    pty.send(ENTER);
    // Entering Enable probes the origin at once; entering Verify log probes it and the edge.
    pty.wait_for("Probed for 2 hostnames", STEP);
    pty.send(ENTER);
    pty.wait_for("Enable Authenticated Origin Pulls?", STEP);
    pty.send("y");
    pty.wait_for("AOP is on for example.com", STEP);
    pty.send(ENTER);
    // The last line of the frame: the whole result is on screen.
    pty.wait_for("through Cloudflare www.example.com: served", STEP);
    pty.wait_for("All as expected", STEP);
    pty.wait_for("example.com log-only", STEP);
}

/// With the scope chosen: the token, the first zone and its SSL/TLS mode with the defaults, to
/// the certificate screen.
pub fn to_the_certificate(pty: &mut Pty) {
    pty.wait_for("Notifications → Edit", STEP);
    pty.send(ENTER);
    pty.wait_for("example.org", STEP);
    pty.send(ENTER);
    pty.wait_for("works with Authenticated Origin Pulls", STEP);
    pty.send(ENTER);
    pty.wait_for("[ecdsa-p256]", STEP);
}

/// On the certificate screen: a new set with the defaults, uploaded and active.
pub fn generate_and_upload(pty: &mut Pty) {
    pty.send(ENTER);
    pty.wait_for("Generated and saved", STEP);
    pty.send(ENTER);
    pty.wait_for("Enter asks before sending", STEP);
    upload(pty);
}

/// On the upload screen: Enter, yes, active.
pub fn upload(pty: &mut Pty) {
    pty.send(ENTER);
    pty.wait_for("Upload the client certificate", STEP);
    pty.send("y");
    pty.wait_for("On Cloudflare and active", STEP);
}
