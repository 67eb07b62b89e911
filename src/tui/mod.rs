//! The wizard face: a ratatui app over the same core as the CLI. One state (`state`), the
//! messages and effects (`message`), a pure `update` with one module per step owning its key
//! bindings (`app`, `keys`), pure drawing (`view`, `screens/`), and a runner for the effects
//! (`effects`) whose answers come back as messages on a channel.

pub mod app;
mod effects;
pub mod input;
pub mod keys;
pub mod message;
pub mod same_as;
pub mod screens;
pub mod state;
pub mod steps;
pub mod theme;
pub mod view;
pub mod viewer;

use std::io::{IsTerminal, Write};
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{Clear, ClearType, LeaveAlternateScreen, disable_raw_mode};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

use app::update;
use effects::Runner;
use message::{Effect, Msg};
use state::Wizard;

use crate::setup::progress;

/// How often the wizard checks that its terminal is still there.
const TERMINAL_CHECK: Duration = Duration::from_secs(1);

/// Set to anything: the wizard panics after its first frame (tests prove the terminal is restored).
const DEBUG_PANIC_ENV: &str = "AOP_WIZARD_DEBUG_PANIC";

/// Puts the terminal back however the wizard ends (errors included; panics go through the hook
/// `ratatui::init` installs).
struct RestoreTerminal;

impl Drop for RestoreTerminal {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// Bracketed paste: a paste arrives as one event, not as thousands of key presses.
fn init_terminal() -> ratatui::DefaultTerminal {
    let terminal = ratatui::init();
    // After ratatui's hook: a panic turns bracketed paste off as well, whatever unwinds.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        disable_paste();
        hook(info);
    }));
    if let Err(error) = execute!(std::io::stdout(), EnableBracketedPaste) {
        tracing::warn!(%error, "bracketed paste could not be turned on");
    }
    // A wizard killed outright (SIGKILL) leaves its last screen behind, and a terminal still on
    // the alternate screen (tmux) keeps it when asked to enter it again. The first frame is
    // written only where it has text, so the rest would show through. (Not `Terminal::clear`: it
    // asks the terminal where the cursor is, and waits for an answer that may never come.)
    if let Err(error) = execute!(std::io::stdout(), Clear(ClearType::All)) {
        tracing::warn!(%error, "the screen could not be cleared");
    }
    terminal
}

/// Each step on its own and quietly: after a hang-up the terminal is gone and every step fails,
/// and a message about it would go to that same terminal, where printing it panics (SIGABRT).
fn restore_terminal() {
    disable_paste();
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, Show);
}

fn disable_paste() {
    // Nothing more to do if the terminal is gone.
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
}

/// How the wizard ended: `None` when the user quit, a signal's number when one ended it (the
/// caller exits with 128 + that number, as a shell reports a program killed by it).
pub fn run(demo: bool) -> Result<Option<i32>> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("the wizard needs a terminal; for scripts use the subcommands (aop-wizard --help)");
    }
    let data_dir = crate::data_dir::data_dir();
    let _log = start_logging(data_dir.as_deref());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The demo's progress is kept apart: its zones are the fake's, never to be offered (to
    // resume, rotate or turn off) against the real API.
    let state_dir = data_dir.map(|dir| if demo { dir.join("demo") } else { dir });
    let result = runtime.block_on(run_async(demo, state_dir));
    // Background searches (RSA hedging) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

fn start_logging(
    data_dir: Option<&std::path::Path>,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = data_dir?;
    std::fs::create_dir_all(dir).ok()?;
    let file = tracing_appender::rolling::never(dir, "aop-wizard.log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("AOP_WIZARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("aop_wizard=info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// The signals that ask a program to end: `kill`, `kill -INT`, a closed terminal, `kill -QUIT`.
/// Left to their default action they kill the wizard with the terminal raw, on the alternate
/// screen and the cursor hidden; caught, the wizard ends as on `q` and the terminal is restored.
struct EndingSignals {
    terminate: Signal,
    interrupt: Signal,
    hangup: Signal,
    quit: Signal,
}

impl EndingSignals {
    /// Before the terminal changes: from here on none of them can leave it changed.
    fn register() -> Result<Self> {
        let listen = |kind| signal(kind).wrap_err("the wizard could not listen for signals");
        Ok(Self {
            terminate: listen(SignalKind::terminate())?,
            interrupt: listen(SignalKind::interrupt())?,
            hangup: listen(SignalKind::hangup())?,
            quit: listen(SignalKind::quit())?,
        })
    }

    /// The number of the first of them to arrive.
    async fn recv(&mut self) -> i32 {
        let kind = tokio::select! {
            _ = self.terminate.recv() => SignalKind::terminate(),
            _ = self.interrupt.recv() => SignalKind::interrupt(),
            _ = self.hangup.recv() => SignalKind::hangup(),
            _ = self.quit.recv() => SignalKind::quit(),
        };
        kind.as_raw_value()
    }
}

/// How long a terminal that failed under the wizard is given for its hang-up to arrive.
const SIGNAL_GRACE: Duration = Duration::from_millis(500);

/// The terminal failed under the wizard (a write, or stdin no longer a terminal): when it was
/// hung up, the SIGHUP may be a moment behind the failure; ended by it when it comes, else by
/// the failure.
async fn signal_or(signals: &mut EndingSignals, failure: color_eyre::Report) -> Result<i32> {
    tokio::time::timeout(SIGNAL_GRACE, signals.recv())
        .await
        .map_err(|_| failure)
}

async fn run_async(demo: bool, data_dir: Option<std::path::PathBuf>) -> Result<Option<i32>> {
    let resumable = data_dir
        .as_deref()
        .map(progress::load_all)
        .unwrap_or_default();
    let base_url = crate::cloudflare::Client::base_url_from_env();
    let days_left = progress::days_left(&resumable);
    let mut state = Wizard::new(resumable, None, base_url);
    state.set_days_left(days_left);
    state.can_save = data_dir.is_some();
    let theme = theme::Theme::from_env();
    tracing::info!(demo, "wizard started");

    let mut signals = EndingSignals::register()?;
    // Never dropped: `RestoreTerminal` shows the cursor, and the terminal's own drop would try
    // again and, with the terminal gone (a hang-up), print the failure there and panic.
    let mut terminal = ManuallyDrop::new(init_terminal());
    let _restore = RestoreTerminal;
    let size = terminal.size()?;
    state.terminal_size = (size.width, size.height);
    // Read once: `update` never reads the environment.
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    terminal.draw(|frame| view::draw(frame, &state, &theme))?;
    if std::env::var_os(DEBUG_PANIC_ENV).is_some() {
        panic!("forced panic ({DEBUG_PANIC_ENV} is set)");
    }
    // The demo's servers start after the first frame, while the user reads it.
    let demo = if demo {
        let started = crate::demo::Demo::start()
            .await
            .wrap_err("the demo could not start")?;
        state.base_url = started.base_url.clone();
        state.demo_origin = Some(started.origin.address());
        state.demo_log = Some(state::DemoLog {
            path: started.access_log(),
            edge_source: started.edge_source(),
        });
        Some(Arc::new(started))
    } else {
        None
    };
    let (messages, mut inbox) = mpsc::unbounded_channel();
    let mut runner = Runner::new(messages.clone(), demo, data_dir, state.base_url.clone());
    spawn_input(messages.clone());
    terminal.draw(|frame| view::draw(frame, &state, &theme))?;

    // Ticks only while something runs: an idle wizard sleeps in the channel.
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    // Ticks missed while idle are not made up in a burst (the elapsed time would jump).
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A terminal that went away without a SIGHUP reaching the wizard (a shell that ignores it)
    // gives crossterm empty reads it retries for ever, at full speed, with no event or error to
    // pass on: only asking whether stdin is still a terminal tells.
    let mut terminal_check = tokio::time::interval(TERMINAL_CHECK);
    let ended_by = loop {
        let msg = tokio::select! {
            Some(msg) = inbox.recv() => msg,
            _ = ticker.tick(), if state.busy.is_some() => Msg::Tick,
            number = signals.recv() => break Some(number),
            _ = terminal_check.tick() => {
                if !std::io::stdin().is_terminal() {
                    let gone = eyre!("the terminal went away, so the wizard ended");
                    break Some(signal_or(&mut signals, gone).await?);
                }
                continue;
            }
        };
        for effect in update(&mut state, msg) {
            match effect {
                Effect::Copy(text) => {
                    copy_to_clipboard(&text, in_tmux)?;
                    let _ = messages.send(Msg::Copied);
                }
                other => runner.run(other),
            }
        }
        if state.quit {
            break None;
        }
        if let Err(error) = terminal.draw(|frame| view::draw(frame, &state, &theme)) {
            break Some(signal_or(&mut signals, error.into()).await?);
        }
    };
    match ended_by {
        Some(number) => tracing::info!(signal = number, "wizard ended by a signal"),
        None => tracing::info!("wizard finished"),
    }
    Ok(ended_by)
}

/// Key presses (not releases or repeats), pastes and resizes, read on their own thread.
fn spawn_input(messages: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) if key.kind == KeyEventKind::Press => Msg::Key(key),
                Ok(Event::Paste(text)) => Msg::Paste(text),
                Ok(Event::Resize(width, height)) => Msg::Resized(width, height),
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(%error, "terminal input ended");
                    return;
                }
            };
            if messages.send(msg).is_err() {
                return;
            }
        }
    });
}

/// Asks the terminal to put the text on the system clipboard (OSC 52, over SSH too). Nothing
/// comes back to say whether it did.
fn copy_to_clipboard(text: &str, in_tmux: bool) -> Result<()> {
    let mut out = std::io::stdout();
    out.write_all(osc52(text, in_tmux).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The OSC 52 sequence. Inside tmux it goes twice: as it is (tmux takes it with `set-clipboard
/// on`) and wrapped in tmux's passthrough (reaches the outer terminal with `allow-passthrough
/// on`), since either may be what the user's tmux allows.
fn osc52(text: &str, in_tmux: bool) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let plain = format!("\x1b]52;c;{encoded}\x07");
    if in_tmux {
        // DCS passthrough: every ESC inside is doubled, ST (ESC \\) ends it.
        let wrapped = format!("\x1bPtmux;{}\x1b\\", plain.replace('\x1b', "\x1b\x1b"));
        format!("{plain}{wrapped}")
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::osc52;

    #[test]
    fn osc52_plain_carries_the_text_in_base64() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn osc52_in_tmux_goes_plain_and_through_the_passthrough() {
        assert_eq!(
            osc52("hi", true),
            "\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
    }
}
