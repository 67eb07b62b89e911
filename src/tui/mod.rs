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

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use color_eyre::eyre::{Result, WrapErr, bail};
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use tokio::sync::mpsc;

use app::update;
use effects::Runner;
use message::{Effect, Msg};
use state::Wizard;

use crate::setup::progress;

/// Set to anything: the wizard panics after its first frame (tests prove the terminal is restored).
const DEBUG_PANIC_ENV: &str = "AOP_WIZARD_DEBUG_PANIC";

/// Puts the terminal back however the wizard ends (errors included; panics go through the hook
/// `ratatui::init` installs).
struct RestoreTerminal;

impl Drop for RestoreTerminal {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

pub fn run(demo: bool) -> Result<()> {
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

async fn run_async(demo: bool, data_dir: Option<std::path::PathBuf>) -> Result<()> {
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

    let mut terminal = ratatui::init();
    let _restore = RestoreTerminal;
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
    loop {
        let msg = tokio::select! {
            Some(msg) = inbox.recv() => msg,
            _ = ticker.tick(), if state.busy.is_some() => Msg::Tick,
        };
        for effect in update(&mut state, msg) {
            match effect {
                Effect::Copy(text) => {
                    copy_to_clipboard(&text)?;
                    let _ = messages.send(Msg::Copied);
                }
                other => runner.run(other),
            }
        }
        if state.quit {
            break;
        }
        terminal.draw(|frame| view::draw(frame, &state, &theme))?;
    }
    tracing::info!("wizard finished");
    Ok(())
}

/// Key presses (not releases or repeats) and resizes, read on their own thread.
fn spawn_input(messages: mpsc::UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) if key.kind == KeyEventKind::Press => Msg::Key(key),
                Ok(Event::Resize(..)) => Msg::Redraw,
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

/// OSC 52: the terminal puts the text on the system clipboard, over SSH too.
fn copy_to_clipboard(text: &str) -> Result<()> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()?;
    Ok(())
}
