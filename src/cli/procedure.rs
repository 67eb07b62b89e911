//! What `setup` and `rotate` share: how fast to poll, where and whether the edge is asked (both
//! honoured when a saved run resumes, as they do not change what is safe), where progress is
//! kept, and how a stage reached is printed.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use super::output::{Palette, Progress};
use crate::ops::{DEFAULT_EDGE_URL, Event, OriginCheck, Pace};
use crate::untrusted::shown;

#[derive(Debug, Args)]
pub struct PaceArgs {
    /// Seconds between polls for active (0 to 3600; 0 polls again at once)
    #[arg(long, default_value_t = 10, allow_negative_numbers = true, value_parser = super::bounds::within::<u64>(0, super::bounds::MAX_POLL_SECONDS, "seconds (0 polls again at once)"))]
    interval: u64,
    /// Seconds to wait for active, every poll and its retries included (1 to 86400)
    #[arg(long, default_value_t = 900, allow_negative_numbers = true, value_parser = super::bounds::within::<u64>(1, super::bounds::MAX_WAIT_SECONDS, "seconds"))]
    timeout: u64,
}

impl PaceArgs {
    pub fn pace(&self) -> Pace {
        Pace {
            interval: Duration::from_secs(self.interval),
            timeout: Duration::from_secs(self.timeout),
            probe_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Args)]
pub struct EdgeArgs {
    /// The request through Cloudflare, {hostname} replaced (default https://{hostname}/); honoured when resuming too
    #[arg(long, value_name = "URL")]
    edge_url: Option<String>,
    /// Do not request the hostnames through Cloudflare (not reachable from here); honoured when resuming too
    #[arg(long, conflicts_with = "edge_url")]
    no_edge_check: bool,
}

impl EdgeArgs {
    /// For a new plan: the URL to ask (the default when none is given) and whether to ask it.
    pub fn for_plan(&self) -> (String, bool) {
        (
            self.edge_url
                .clone()
                .unwrap_or_else(|| DEFAULT_EDGE_URL.to_string()),
            !self.no_edge_check,
        )
    }

    /// For a saved plan: what was given now replaces what was saved.
    pub fn apply_to(&self, origin: &mut OriginCheck) {
        origin.set_edge_check(self.edge_url.as_deref(), self.no_edge_check);
    }
}

/// Where a procedure keeps its progress.
pub fn data_dir(whose: &str) -> Result<PathBuf> {
    crate::data_dir::data_dir().ok_or_else(|| {
        eyre!("no data directory for the {whose}'s progress: set AOP_WIZARD_DATA_DIR")
    })
}

/// What an interrupted procedure says: nothing is lost, the same command continues.
pub fn interrupted(what: &str) -> String {
    format!(
        "interrupted: every stage of the {what} reached so far is saved; run the same command again to continue"
    )
}

/// A stage reached, or a note on the way (a repeated one shown once, with a count).
pub fn show_event<S>(
    progress: &mut Progress,
    event: Event<S>,
    describe: impl Fn(&S) -> &str,
    palette: Palette,
) {
    // Progress that cannot be printed (the reader went away) stops nothing.
    let _ = match event {
        Event::Reached(stage, detail) => progress.line(&format!(
            "{} {}: {}",
            palette.good("✓"),
            describe(&stage),
            shown(detail)
        )),
        Event::Note(note) => progress.note(&format!("  {}", shown(note))),
    };
}

/// Whether what people read (stdout, or stderr under --json) is a terminal.
pub fn human_on_terminal(json: bool) -> bool {
    use std::io::IsTerminal;
    if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    }
}
