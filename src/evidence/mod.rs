//! Evidence before enforcing: the origin's own access log, in the format the log-phase snippet
//! writes, counted per hostname: requests from Cloudflare's addresses with a verified client
//! certificate, from Cloudflare without one (refused once enforced), and from anywhere else
//! (direct connections, refused once enforced). Ready to enforce only when Cloudflare's traffic
//! was seen and all of it was verified.
//!
//! Streams the logs in constant memory; every count that a client could make grow without end
//! (hostnames, source addresses, failure reasons) is bounded, the rest counted as such.

mod files;
mod formats;
mod ranges;

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use files::MOST_LINE_BYTES;
pub use formats::{Line, Request, Seen, normalise_hostname, parse};
pub use ranges::{Cidr, EdgeRanges, RangesSource, ShippedRanges, cloudflare_address};

use crate::snippets::WebServer;
use crate::untrusted::one_line;
use crate::words::plural;

/// How long refreshing Cloudflare's ranges from the API may take before the shipped list is used.
pub const RANGES_TIMEOUT: Duration = Duration::from_secs(5);
/// Hostnames counted one by one; more (a client picks its Host header) share one row. As many
/// again are kept for hostnames Cloudflare's requests were for, so that a scanner's invented
/// names cannot hide them.
const MOST_HOSTNAMES: usize = 1_000;
/// Source addresses named per hostname, and overall.
const MOST_SOURCES_PER_HOSTNAME: usize = 256;
const MOST_SOURCES: usize = 4_096;
const MOST_FAILURE_KINDS: usize = 32;
/// Sources and unreadable lines shown.
const TOP: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("the edge range \"{given}\" is not usable: {why}")]
    Range { given: String, why: String },
    // The io errors are in the messages, not sources: `{:#}` would print them twice.
    #[error("cannot read {path}: {}", crate::pki::read_reason(cause))]
    Open { path: String, cause: std::io::Error },
    #[error("{path} is {what}, not a regular file: give the path of the access log file itself")]
    NotAFile { path: String, what: &'static str },
    #[error("reading {path} stopped at line {line}: {cause}; check that the file is complete")]
    Read {
        path: String,
        line: u64,
        cause: std::io::Error,
    },
    #[error(
        "evidence cannot read Traefik's access log: it has no field for the client certificate's verification; prove the origin with `aop-wizard verify` instead (evidence reads the logs of nginx, apache, haproxy and caddy)"
    )]
    Unsupported,
    #[error(
        "{path} is given twice (as {first} too): each log is read once, or its requests would count twice"
    )]
    Twice { path: String, first: String },
    #[error(
        "{path} does not exist yet: Caddy creates it at the first handshake it refuses, so none was refused since the snippet was loaded; leave it out until it exists"
    )]
    NoRefusalYet { path: String },
    #[error("reading the logs stopped before the end")]
    Stopped,
}

/// What to read, and how to judge it.
#[derive(Debug, Clone)]
pub struct EvidenceRequest {
    pub server: WebServer,
    /// The access log and, when given, its rotated (and compressed) predecessors.
    pub logs: Vec<PathBuf>,
    /// Only requests this recent count.
    pub since: Option<Duration>,
    pub now: OffsetDateTime,
    pub ranges: EdgeRanges,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FromCloudflare {
    pub verified: u64,
    /// Refused once enforced: `without_certificate` + `failed_verification`.
    pub unverified: u64,
    pub without_certificate: u64,
    pub failed_verification: u64,
}

impl FromCloudflare {
    pub fn total(&self) -> u64 {
        self.verified + self.unverified
    }
}

/// Requests from Cloudflare's addresses as they are counted; `FromCloudflare` is made from it
/// once, so `unverified` is decided in one place.
#[derive(Debug, Clone, Copy, Default)]
struct CloudflareTally {
    verified: u64,
    without_certificate: u64,
    failed_verification: u64,
}

impl CloudflareTally {
    fn total(&self) -> u64 {
        self.verified + self.without_certificate + self.failed_verification
    }

    fn add(&mut self, other: &CloudflareTally) {
        self.verified += other.verified;
        self.without_certificate += other.without_certificate;
        self.failed_verification += other.failed_verification;
    }

    fn evidence(self) -> FromCloudflare {
        FromCloudflare {
            verified: self.verified,
            unverified: self.without_certificate + self.failed_verification,
            without_certificate: self.without_certificate,
            failed_verification: self.failed_verification,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FromElsewhere {
    /// Requests from outside the edge ranges: refused once enforced, unless they carry a
    /// certificate the origin verifies.
    pub total: u64,
    /// Of those, with a certificate the origin verified: something besides Cloudflare holds a
    /// client key from the trusted CA.
    pub with_verified_certificate: u64,
    /// Where the requests enforcing will refuse came from (not those with a verified
    /// certificate), the most first.
    pub top_sources: Vec<Source>,
    /// Requests enforcing will refuse from addresses past the ones named.
    pub from_addresses_not_named: u64,
}

impl FromElsewhere {
    /// The requests enforcing will refuse: those without a verified certificate.
    pub fn refused(&self) -> u64 {
        self.total - self.with_verified_certificate
    }

    /// Where the refused requests came from: `203.0.113.9 (12), …`, and how many more past
    /// those named.
    pub fn sources(&self) -> String {
        let mut sources: Vec<String> = self
            .top_sources
            .iter()
            .map(|s| format!("{} ({})", s.address, s.requests))
            .collect();
        if self.from_addresses_not_named > 0 {
            sources.push(format!("{} more", self.from_addresses_not_named));
        }
        sources.join(", ")
    }

    /// In words: how many, how many carried a verified certificate, and the rest, which
    /// enforcing will refuse, with where they came from.
    pub fn describe(&self) -> String {
        let verified = self.with_verified_certificate;
        let refused = self.refused();
        let mut text = plural(self.total, "request", "requests");
        if verified > 0 {
            text += &format!(", {verified} with a verified certificate");
        }
        if refused > 0 {
            let joint = if verified > 0 { ";" } else { "," };
            text += &format!(
                "{joint} {} once enforced: {}",
                if verified > 0 {
                    format!("{refused} refused")
                } else {
                    "refused".into()
                },
                self.sources()
            );
        }
        text
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub address: IpAddr,
    pub requests: u64,
}

/// Requests from Cloudflare whose certificate failed verification, by the server's reason and
/// the certificate's issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub reason: String,
    pub kind: FailureKind,
    pub issuer: Option<String>,
    pub requests: u64,
}

/// What a certificate the origin could not verify needs, read from the server's reason
/// (OpenSSL's and Go's words): each kind has its own remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// Expired, or not valid yet.
    Expired,
    /// Not made for client authentication (extended key usage without clientAuth).
    NotForClientAuth,
    Revoked,
    /// Not signed by a CA the origin trusts (or a reason that names nothing more precise).
    NotTrusted,
}

impl FailureKind {
    pub fn of(reason: &str) -> Self {
        let reason = reason.to_ascii_lowercase();
        if reason.contains("expired") || reason.contains("not yet valid") {
            FailureKind::Expired
        } else if reason.contains("purpose") || reason.contains("key usage") {
            FailureKind::NotForClientAuth
        } else if reason.contains("revoked") {
            FailureKind::Revoked
        } else {
            FailureKind::NotTrusted
        }
    }

    /// What to do, for the certificate Cloudflare presents `whose` ("for www.example.com").
    fn remedy(self, whose: &str) -> String {
        match self {
            FailureKind::Expired => format!(
                "The certificate Cloudflare presents {whose} has expired or is not valid yet: rotate it (aop-wizard rotate --zone ZONE … uploads the new one before the old one goes); `aop-wizard status --zone ZONE` shows its dates."
            ),
            FailureKind::NotForClientAuth => format!(
                "The certificate Cloudflare presents {whose} is not made for client authentication (its extended key usage lacks clientAuth): issue one that is (aop-wizard cert generate, or rotate) and upload it."
            ),
            FailureKind::Revoked => format!(
                "The certificate Cloudflare presents {whose} is revoked in the origin's CRL: rotate to a new certificate (aop-wizard rotate --zone ZONE …)."
            ),
            FailureKind::NotTrusted => format!(
                "The certificate Cloudflare presents {whose} is not signed by the CA the origin trusts: upload and enable one signed by that CA, or add its CA to the origin's CA file; `aop-wizard doctor --zone ZONE` compares the two."
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostnameEvidence {
    /// `None`: lines that do not say (written before the format carried the hostname, or a
    /// handshake refused before any request).
    pub hostname: Option<String>,
    /// More hostnames than are counted one by one share this row.
    pub many_hostnames: bool,
    pub cloudflare: FromCloudflare,
    pub failures: Vec<Failure>,
    pub other: FromElsewhere,
}

impl HostnameEvidence {
    /// The hostname as the report names it.
    pub fn name(&self) -> String {
        match (&self.hostname, self.many_hostnames) {
            (_, true) => "(other hostnames, past those counted one by one)".into(),
            (Some(name), false) => name.clone(),
            (None, false) => "(hostname unknown)".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableLine {
    pub log: String,
    pub line: u64,
    pub why: String,
    /// The line's start, folded to one line (shown escaped).
    pub excerpt: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LineCounts {
    pub read: u64,
    pub requests: u64,
    /// Lines the server writes to the same log that are not requests.
    pub not_requests: u64,
    pub outside_window: u64,
    /// Requests dated more than five minutes after now (counted: a clock is off somewhere).
    pub in_the_future: u64,
    /// Lines not in the snippet's format: counted and shown, never dropped in silence.
    pub unreadable: u64,
    pub unreadable_examples: Vec<UnreadableLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogSummary {
    pub path: String,
    pub compressed: bool,
    pub lines: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// RFC 3339; `None`: every line counts.
    pub since: Option<String>,
    pub first_request: Option<String>,
    pub last_request: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangesReport {
    pub source: RangesSource,
    pub ranges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Cloudflare's traffic was seen and every request of it carried a verified certificate.
    pub ready: bool,
    pub server: WebServer,
    pub logs: Vec<LogSummary>,
    pub window: Window,
    pub edge_ranges: RangesReport,
    pub lines: LineCounts,
    pub cloudflare: FromCloudflare,
    pub other: FromElsewhere,
    pub hostnames: Vec<HostnameEvidence>,
    /// Why it is not ready; empty when it is.
    pub problems: Vec<String>,
    pub next_steps: Vec<String>,
    /// What enforcing will also do, and what could not be read.
    pub notes: Vec<String>,
}

/// Whether `evidence` can read the log of `server`: asked before anything else is done.
pub fn readable(server: WebServer) -> Result<(), EvidenceError> {
    match server {
        WebServer::Traefik => Err(EvidenceError::Unsupported),
        _ => Ok(()),
    }
}

/// Each log opens as a readable file, and none is given twice (a glob beside a named file, a
/// link): checked before anything slower (asking Cloudflare for its ranges), so that a mistake
/// is said at once.
pub fn check_logs(server: WebServer, logs: &[PathBuf]) -> Result<(), EvidenceError> {
    let mut seen: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for path in logs {
        match files::LogFile::open(path) {
            Err(EvidenceError::Open { cause, .. })
                if cause.kind() == std::io::ErrorKind::NotFound
                    && server == WebServer::Caddy
                    && path.file_name()
                        == Some(std::ffi::OsStr::new(crate::snippets::CADDY_TLS_ERRORS_LOG)) =>
            {
                return Err(EvidenceError::NoRefusalYet {
                    path: path.display().to_string(),
                });
            }
            opened => opened?,
        };
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if let Some((_, first)) = seen.iter().find(|(known, _)| *known == real) {
            return Err(EvidenceError::Twice {
                path: path.display().to_string(),
                first: first.display().to_string(),
            });
        }
        seen.push((real, path));
    }
    Ok(())
}

impl Evidence {
    /// The hostnames a report shows: every one Cloudflare's requests were for, and of those
    /// only reached from elsewhere the `most` busiest (a scanner invents hundreds); with how
    /// many of those were left out (`--json` lists them all).
    pub fn hostnames_to_show(&self, most: usize) -> (Vec<&HostnameEvidence>, usize) {
        let mut direct_only = 0;
        let shown: Vec<&HostnameEvidence> = self
            .hostnames
            .iter()
            .filter(|host| {
                if host.cloudflare.total() > 0 {
                    return true;
                }
                direct_only += 1;
                direct_only <= most
            })
            .collect();
        (shown, direct_only.saturating_sub(most))
    }
}

impl RangesReport {
    /// Which addresses counted as Cloudflare's, and where that list came from.
    pub fn describe(&self) -> String {
        let count = plural(self.ranges.len() as u64, "range", "ranges");
        match &self.source {
            RangesSource::Given => format!(
                "Cloudflare's addresses, as given (--edge-range): {}",
                self.ranges.join(", ")
            ),
            RangesSource::Api { url } => {
                format!("Cloudflare's addresses: {count} from the API, {url}")
            }
            RangesSource::Shipped { retrieved, why } => format!(
                "Cloudflare's addresses: {count} shipped with aop-wizard, retrieved {retrieved} ({why})"
            ),
        }
    }
}

impl EvidenceError {
    /// The log may just be on another machine (missing or not readable here), where the
    /// `evidence` command would read it; not so for a path that is no log at all.
    pub fn may_be_elsewhere(&self) -> bool {
        matches!(self, EvidenceError::Open { .. })
    }
}

/// What to read, from the faces: the ranges given (`--edge-range`), or none for Cloudflare's.
#[derive(Debug, Clone)]
pub struct Reading {
    pub server: WebServer,
    pub logs: Vec<PathBuf>,
    pub since: Option<Duration>,
    pub edge_ranges: Vec<String>,
    /// Where Cloudflare's ranges are asked for when none are given.
    pub base_url: String,
}

/// The whole reading, as the command and the wizard do it: every mistake in what was given
/// said first, then Cloudflare's ranges (which may take `RANGES_TIMEOUT`), then the logs read
/// off the async threads.
pub async fn read(reading: Reading) -> Result<Evidence, EvidenceError> {
    readable(reading.server)?;
    let given = (!reading.edge_ranges.is_empty())
        .then(|| EdgeRanges::given(&reading.edge_ranges))
        .transpose()?;
    check_logs(reading.server, &reading.logs)?;
    let ranges = match given {
        Some(given) => given,
        None => EdgeRanges::cloudflare(&reading.base_url, RANGES_TIMEOUT).await,
    };
    let request = EvidenceRequest {
        server: reading.server,
        logs: reading.logs,
        since: reading.since,
        now: OffsetDateTime::now_utc(),
        ranges,
    };
    // Dropping this future (the wizard's Esc aborts its task) stops the blocking read too, which
    // would otherwise go on to the end of a log of many gigabytes.
    let stop = StopWhenDropped(Arc::new(AtomicBool::new(false)));
    let stopped = Arc::clone(&stop.0);
    tokio::task::spawn_blocking(move || gather(&request, &stopped))
        .await
        .map_err(|_| EvidenceError::Stopped)?
}

struct StopWhenDropped(Arc<AtomicBool>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// How many lines are read between two looks at the stop flag.
const LINES_BETWEEN_STOP_CHECKS: u64 = 4096;

/// Reads the logs and judges them, until `stop` is set; `read` checks them first
/// (`check_logs`), before the ranges are asked for, so they are not opened and resolved twice
/// here.
pub fn gather(request: &EvidenceRequest, stop: &AtomicBool) -> Result<Evidence, EvidenceError> {
    readable(request.server)?;
    let cutoff = request
        .since
        .map(|since| request.now.unix_timestamp() - since.as_secs() as i64);
    // A little past now is a clock a little off; more says the window cannot be trusted.
    let future = request.now.unix_timestamp() + 300;
    let mut tally = Tally::default();
    let mut logs = Vec::new();
    let mut line = Vec::with_capacity(1024);
    for path in &request.logs {
        let shown_path = path.display().to_string();
        let mut file = files::LogFile::open(path)?;
        let mut number = 0u64;
        loop {
            let cut = match file.next_line(&mut line) {
                Ok(Some(cut)) => cut,
                Ok(None) => break,
                Err(cause) => {
                    return Err(EvidenceError::Read {
                        path: shown_path,
                        line: number + 1,
                        cause,
                    });
                }
            };
            number += 1;
            tally.lines.read += 1;
            if tally.lines.read % LINES_BETWEEN_STOP_CHECKS == 0 && stop.load(Ordering::Relaxed) {
                return Err(EvidenceError::Stopped);
            }
            let text = match (cut, std::str::from_utf8(&line)) {
                (true, _) => Err(format!("longer than {MOST_LINE_BYTES} bytes")),
                (false, Ok(text)) => Ok(text),
                (false, Err(_)) => Err("not UTF-8 text".to_string()),
            };
            let outcome = text.and_then(|text| {
                formats::parse(request.server, text).map_err(|why| why.to_string())
            });
            match outcome {
                Ok(Line::NotARequest) => tally.lines.not_requests += 1,
                Ok(Line::Request(found)) => match (cutoff, found.time) {
                    (Some(cutoff), Some(time)) if time < cutoff => tally.lines.outside_window += 1,
                    (Some(_), None) => tally.unreadable(
                        &shown_path,
                        number,
                        "no time the window can be checked against".into(),
                        &line,
                    ),
                    _ => {
                        if found.time.is_some_and(|time| time > future) {
                            tally.lines.in_the_future += 1;
                        }
                        tally.count(&request.ranges, &found)
                    }
                },
                Err(why) => tally.unreadable(&shown_path, number, why, &line),
            }
        }
        logs.push(LogSummary {
            path: shown_path,
            compressed: file.compressed,
            lines: number,
        });
    }
    Ok(tally.into_evidence(request, logs, cutoff))
}

/// A count per key, for at most `most` keys; the rest counted together.
#[derive(Debug)]
struct Bounded<K> {
    counts: HashMap<K, u64>,
    most: usize,
    past_the_most: u64,
}

impl<K: Hash + Eq + Clone> Bounded<K> {
    fn new(most: usize) -> Self {
        Self {
            counts: HashMap::new(),
            most,
            past_the_most: 0,
        }
    }

    fn add(&mut self, key: &K) {
        if let Some(count) = self.counts.get_mut(key) {
            *count += 1;
        } else if self.counts.len() < self.most {
            self.counts.insert(key.clone(), 1);
        } else {
            self.past_the_most += 1;
        }
    }

    /// The largest counts first (ties in key order, so reports are stable).
    fn top(&self, n: usize) -> Vec<(K, u64)>
    where
        K: Ord,
    {
        let order = |a: &(K, u64), b: &(K, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
        let mut all: Vec<(K, u64)> = self.counts.iter().map(|(k, c)| (k.clone(), *c)).collect();
        // The first n picked before sorting only them: thousands of sources, five shown.
        if all.len() > n {
            all.select_nth_unstable_by(n, order);
            all.truncate(n);
        }
        all.sort_by(order);
        all
    }
}

#[derive(Debug)]
struct HostTally {
    cloudflare: CloudflareTally,
    failures: Bounded<(String, String)>,
    other_total: u64,
    other_verified: u64,
    sources: Bounded<IpAddr>,
}

impl Default for HostTally {
    fn default() -> Self {
        Self {
            cloudflare: CloudflareTally::default(),
            failures: Bounded::new(MOST_FAILURE_KINDS),
            other_total: 0,
            other_verified: 0,
            sources: Bounded::new(MOST_SOURCES_PER_HOSTNAME),
        }
    }
}

impl HostTally {
    fn count(&mut self, from_cloudflare: bool, found: &Request) {
        if from_cloudflare {
            match &found.seen {
                Seen::Verified => self.cloudflare.verified += 1,
                Seen::Missing => self.cloudflare.without_certificate += 1,
                Seen::Failed { reason, issuer } => {
                    self.cloudflare.failed_verification += 1;
                    self.failures.add(&(reason.to_string(), issuer.to_string()));
                }
            }
        } else {
            self.other_total += 1;
            if found.seen == Seen::Verified {
                self.other_verified += 1;
            } else {
                self.sources.add(&found.client);
            }
        }
    }

    fn elsewhere(&self) -> FromElsewhere {
        elsewhere(self.other_total, self.other_verified, &self.sources)
    }
}

fn elsewhere(total: u64, verified: u64, sources: &Bounded<IpAddr>) -> FromElsewhere {
    let top = sources.top(TOP);
    let named: u64 = top.iter().map(|(_, c)| c).sum();
    FromElsewhere {
        total,
        with_verified_certificate: verified,
        from_addresses_not_named: total - verified - named,
        top_sources: top
            .into_iter()
            .map(|(address, requests)| Source { address, requests })
            .collect(),
    }
}

#[derive(Debug)]
struct Tally {
    hosts: HashMap<Box<str>, HostTally>,
    unknown: HostTally,
    past_the_most: HostTally,
    sources: Bounded<IpAddr>,
    lines: LineCounts,
    first: Option<i64>,
    last: Option<i64>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            hosts: HashMap::new(),
            unknown: HostTally::default(),
            past_the_most: HostTally::default(),
            sources: Bounded::new(MOST_SOURCES),
            lines: LineCounts::default(),
            first: None,
            last: None,
        }
    }
}

impl Tally {
    fn count(&mut self, ranges: &EdgeRanges, found: &Request) {
        self.lines.requests += 1;
        if let Some(time) = found.time {
            self.first = Some(self.first.map_or(time, |t| t.min(time)));
            self.last = Some(self.last.map_or(time, |t| t.max(time)));
        }
        let from_cloudflare = ranges.contains(found.client);
        // Sources are those enforcing will refuse: one with a verified certificate is not.
        if !from_cloudflare && found.seen != Seen::Verified {
            self.sources.add(&found.client);
        }
        let Some(name) = found.hostname.as_deref().map(normalise_hostname) else {
            self.unknown.count(from_cloudflare, found);
            return;
        };
        // One look-up for a hostname seen before (nearly every line), counted in the branch
        // that found it: a reference taken out of the branches would keep `hosts` borrowed.
        if let Some(host) = self.hosts.get_mut(name.as_ref()) {
            host.count(from_cloudflare, found);
        } else if self.hosts.len() < MOST_HOSTNAMES
            || (from_cloudflare && self.hosts.len() < 2 * MOST_HOSTNAMES)
        {
            self.hosts
                .entry(name.as_ref().into())
                .or_default()
                .count(from_cloudflare, found);
        } else {
            self.past_the_most.count(from_cloudflare, found);
        }
    }

    fn unreadable(&mut self, log: &str, line: u64, why: String, text: &[u8]) {
        self.lines.unreadable += 1;
        if self.lines.unreadable_examples.len() < TOP {
            let text = String::from_utf8_lossy(&text[..text.len().min(400)]);
            self.lines.unreadable_examples.push(UnreadableLine {
                log: log.to_string(),
                line,
                why,
                excerpt: one_line(&text, 160),
            });
        }
    }

    fn into_evidence(
        self,
        request: &EvidenceRequest,
        logs: Vec<LogSummary>,
        cutoff: Option<i64>,
    ) -> Evidence {
        let mut hostnames: Vec<HostnameEvidence> = self
            .hosts
            .iter()
            .map(|(name, host)| hostname_evidence(Some(name.to_string()), false, host))
            .collect();
        hostnames.sort_by(|a, b| {
            let total = |h: &HostnameEvidence| h.cloudflare.total() + h.other.total;
            total(b)
                .cmp(&total(a))
                .then_with(|| a.hostname.cmp(&b.hostname))
        });
        for (host, many) in [(&self.past_the_most, true), (&self.unknown, false)] {
            if host.cloudflare.total() + host.other_total > 0 {
                hostnames.push(hostname_evidence(None, many, host));
            }
        }
        let mut cloudflare = CloudflareTally::default();
        let (mut other_total, mut other_verified) = (0, 0);
        for host in self
            .hosts
            .values()
            .chain([&self.unknown, &self.past_the_most])
        {
            cloudflare.add(&host.cloudflare);
            other_total += host.other_total;
            other_verified += host.other_verified;
        }
        let rfc3339 = |unix: i64| {
            OffsetDateTime::from_unix_timestamp(unix)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
        };
        let mut evidence = Evidence {
            ready: false,
            server: request.server,
            logs,
            window: Window {
                since: cutoff.and_then(rfc3339),
                first_request: self.first.and_then(rfc3339),
                last_request: self.last.and_then(rfc3339),
            },
            edge_ranges: RangesReport {
                source: request.ranges.source.clone(),
                ranges: request.ranges.ranges.iter().map(Cidr::to_string).collect(),
            },
            lines: self.lines,
            cloudflare: cloudflare.evidence(),
            other: elsewhere(other_total, other_verified, &self.sources),
            hostnames,
            problems: Vec::new(),
            next_steps: Vec::new(),
            notes: Vec::new(),
        };
        judge(&mut evidence);
        evidence
    }
}

fn hostname_evidence(hostname: Option<String>, many: bool, host: &HostTally) -> HostnameEvidence {
    HostnameEvidence {
        hostname,
        many_hostnames: many,
        cloudflare: host.cloudflare.evidence(),
        failures: host
            .failures
            .top(TOP)
            .into_iter()
            .map(|((reason, issuer), requests)| Failure {
                kind: FailureKind::of(&reason),
                reason,
                issuer: (!issuer.is_empty() && issuer != "-").then_some(issuer),
                requests,
            })
            .collect(),
        other: host.elsewhere(),
    }
}

/// The one place that decides "ready to enforce", and says why not and what to do.
fn judge(evidence: &mut Evidence) {
    let mut problems = Vec::new();
    let mut next = Vec::new();
    let mut notes = Vec::new();
    let window = match &evidence.window.since {
        Some(since) => format!(" since {since}"),
        None => String::new(),
    };
    if evidence.cloudflare.total() == 0 {
        problems.push(format!(
            "no request from Cloudflare's addresses was found{window}: nothing proves Cloudflare's requests carry a certificate"
        ));
        if evidence.lines.read == 0 {
            next.push("The log is empty: nothing was written to it since it was created or rotated. Check that the snippet's access_log/CustomLog/log line names this file and that the server was reloaded, send requests through Cloudflare, or give the rotated file (--log FILE.1) too.".into());
        } else if evidence.lines.requests == 0 && evidence.lines.unreadable > 0 {
            next.push(format!(
                "None of the lines is in the format the {} log-phase snippet writes: give the log that snippet's access_log/CustomLog/log line names (aop-wizard snippet {} --phase log shows it).",
                evidence.server.display_name(),
                evidence.server.name()
            ));
        } else if evidence.lines.requests == 0 && evidence.lines.not_requests > 0 {
            next.push(format!(
                "None of the lines is a request, only the server's own notes: if requests were sent, check that this is {}'s log (--server) and that it uses the log-phase snippet's format (aop-wizard snippet {} --phase log); else send requests through Cloudflare and read the log again.",
                evidence.server.display_name(),
                evidence.server.name()
            ));
        } else {
            next.push("Send requests through Cloudflare (open the site through its hostname), then read the log again; if a load balancer or proxy sits between Cloudflare and this server, give its addresses with --edge-range.".into());
        }
    }
    for host in &evidence.hostnames {
        let name = host.name();
        let cloudflare = host.cloudflare;
        if cloudflare.without_certificate > 0 {
            problems.push(format!(
                "{name}: {} of {} from Cloudflare came without a client certificate and will be refused once enforced",
                cloudflare.without_certificate,
                plural(cloudflare.total(), "request", "requests"),
            ));
            next.push(match &host.hostname {
                _ if host.many_hostnames => format!(
                    "More hostnames reached the origin than are counted one by one ({MOST_HOSTNAMES} seen directly, {MOST_HOSTNAMES} more from Cloudflare): read a shorter window (--since) to see which hostnames Cloudflare's requests without a certificate were for."
                ),
                Some(hostname) if cloudflare.verified > 0 && crate::names::hostname(hostname, crate::names::Wildcard::Refused).is_ok() => format!(
                    "Some of Cloudflare's requests for {hostname} carried a verified certificate and some none: AOP was switched on for it within the window (read again with --since from after the change), or another zone or account proxies {hostname} to this origin without AOP; `aop-wizard doctor --zone ZONE --hostname {hostname}` shows what Cloudflare presents now."
                ),
                Some(hostname) if crate::names::hostname(hostname, crate::names::Wildcard::Refused).is_ok() => format!(
                    "Cloudflare presents no certificate for {hostname}: turn AOP on for it (zone-level, or per-hostname with `aop-wizard enable --scope hostname --hostname {hostname} --cert-id ID`); `aop-wizard doctor --zone ZONE --hostname {hostname}` shows what Cloudflare presents."
                ),
                Some(hostname) => format!(
                    "Cloudflare's requests for \"{hostname}\" came without a certificate, and that is no hostname a zone can have: Cloudflare forwards what a client sends, so check which of your zones points at this origin (aop-wizard doctor --zone ZONE)."
                ),
                None => "Lines without a hostname were written before the log format carried one, or are handshakes refused before any request: reload the server with the current log-phase snippet and read the log again once new requests arrived (--since).".into(),
            });
        }
        if cloudflare.failed_verification > 0 {
            let seen: Vec<String> = host
                .failures
                .iter()
                .map(|f| match &f.issuer {
                    Some(issuer) => format!("{}, issued by {issuer} (×{})", f.reason, f.requests),
                    None => format!("{} (×{})", f.reason, f.requests),
                })
                .collect();
            // Only the commonest reasons are kept; the rest are counted.
            let shown: u64 = host.failures.iter().map(|f| f.requests).sum();
            let more = cloudflare.failed_verification.saturating_sub(shown);
            let more = if more > 0 {
                format!(
                    "; and {} for other reasons",
                    plural(more, "request", "requests")
                )
            } else {
                String::new()
            };
            problems.push(format!(
                "{name}: {} of {} from Cloudflare carried a certificate the origin could not verify: {}{more}",
                cloudflare.failed_verification,
                plural(cloudflare.total(), "request", "requests"),
                seen.join("; ")
            ));
            let whose = match &host.hostname {
                Some(hostname) if !host.many_hostnames => format!("for {hostname}"),
                // Refused at the handshake, before any Host header was read.
                _ => "for a hostname the log does not name".into(),
            };
            // The remedies of the reasons shown, which cover the most requests.
            let mut kinds: Vec<FailureKind> = host.failures.iter().map(|f| f.kind).collect();
            kinds.sort();
            kinds.dedup();
            next.extend(kinds.into_iter().map(|kind| kind.remedy(&whose)));
        }
    }
    let other = &evidence.other;
    if other.refused() > 0 {
        notes.push(format!(
            "{} from outside Cloudflare's addresses will be refused once enforced (top sources: {}): if one is yours (monitoring, health checks), send it through Cloudflare or give it a client certificate the origin trusts; if it is a load balancer or proxy in front of this server, give its addresses with --edge-range.",
            plural(other.refused(), "request", "requests"),
            other.sources()
        ));
    }
    if other.with_verified_certificate > 0 {
        notes.push(format!(
            "{} from outside Cloudflare's addresses carried a certificate the origin verified: aop-wizard's own probe (verify, the wizard) does so from where it runs; if that is not it, something besides Cloudflare holds a client key your origin trusts.",
            plural(other.with_verified_certificate, "request", "requests")
        ));
    }
    if evidence.lines.in_the_future > 0 {
        let future = format!(
            "{} dated more than five minutes after now {} counted: the server's clock or this machine's is off",
            plural(evidence.lines.in_the_future, "request", "requests"),
            if evidence.lines.in_the_future == 1 {
                "was"
            } else {
                "were"
            }
        );
        // With a window asked for, what it holds cannot be trusted: not a verdict to enforce on.
        if evidence.window.since.is_some() {
            problems.push(format!(
                "{future}, so the --since window is not what it says"
            ));
            next.push(
                "Set the clocks right (NTP) on the origin and here, or read without --since."
                    .into(),
            );
        } else {
            notes.push(format!("{future}."));
        }
    }
    if evidence.lines.unreadable > 0 {
        notes.push(format!(
            "{} not in the {} log-phase format {} not counted (see unreadable lines).",
            plural(evidence.lines.unreadable, "line", "lines"),
            evidence.server.display_name(),
            if evidence.lines.unreadable == 1 {
                "was"
            } else {
                "were"
            }
        ));
    }
    evidence.ready = problems.is_empty();
    if evidence.ready {
        next.push("Every request from Cloudflare carried a verified certificate: switch the origin to the enforce snippet (--phase enforce), reload, and run aop-wizard verify.".into());
    }
    evidence.problems = problems;
    evidence.next_steps = next;
    evidence.notes = notes;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(lines: &str, since: Option<Duration>) -> Evidence {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("aop-access.log");
        std::fs::write(&log, lines).unwrap();
        gather(
            &EvidenceRequest {
                server: WebServer::Nginx,
                logs: vec![log],
                since,
                now: OffsetDateTime::from_unix_timestamp(1_796_044_300).unwrap(),
                ranges: EdgeRanges::given(&["127.0.0.2/32".into()]).unwrap(),
            },
            &AtomicBool::new(false),
        )
        .unwrap()
    }

    fn line(client: &str, verify: &str, host: Option<&str>, minute: u8) -> String {
        let host = host.map(|h| format!(" host=\"{h}\"")).unwrap_or_default();
        format!(
            "{client} [30/Nov/2026:13:{minute:02}:00 +0000] \"GET / HTTP/1.1\" 200 client_verify=\"{verify}\" client_s_dn=\"\" client_i_dn=\"CN=Wrong CA\" client_serial=-{host}\n"
        )
    }

    #[test]
    fn counts_per_hostname_and_the_verdict() {
        let mut log = String::new();
        for _ in 0..3 {
            log += &line("127.0.0.2", "SUCCESS", Some("www.example.com"), 10);
        }
        log += &line("127.0.0.3", "NONE", Some("WWW.example.com:443"), 10);
        log += &line("127.0.0.3", "NONE", Some("api.example.com"), 10);
        // A direct request with a certificate the origin verified: not refused once enforced.
        log += &line("127.0.0.4", "SUCCESS", Some("api.example.com"), 10);
        log += "not a log line\n";
        let evidence = request(&log, None);
        assert!(evidence.ready, "{:?}", evidence.problems);
        assert_eq!(evidence.cloudflare.verified, 3);
        assert_eq!(evidence.cloudflare.unverified, 0);
        assert_eq!(evidence.other.total, 3);
        assert_eq!(evidence.other.with_verified_certificate, 1);
        assert!(
            evidence
                .other
                .top_sources
                .iter()
                .all(|s| s.address.to_string() == "127.0.0.3"),
            "{:?}",
            evidence.other.top_sources
        );
        assert_eq!(evidence.other.from_addresses_not_named, 0);
        assert_eq!(
            evidence.other.describe(),
            "3 requests, 1 with a verified certificate; 2 refused once enforced: 127.0.0.3 (2)"
        );
        assert_eq!(evidence.lines.unreadable, 1);
        assert_eq!(evidence.lines.unreadable_examples[0].line, 7);
        let www = &evidence.hostnames[0];
        assert_eq!(www.hostname.as_deref(), Some("www.example.com"));
        assert_eq!((www.cloudflare.verified, www.other.total), (3, 1));
        assert_eq!(
            www.other.top_sources,
            [Source {
                address: "127.0.0.3".parse().unwrap(),
                requests: 1
            }]
        );
        assert!(
            evidence
                .notes
                .iter()
                .any(|n| n.contains("2 requests from outside"))
        );

        // One unverified request from the edge flips the verdict, naming the hostname.
        let flipped = request(
            &(log
                + &line(
                    "127.0.0.2",
                    "FAILED:unable to get local issuer certificate",
                    Some("api.example.com"),
                    11,
                )),
            None,
        );
        assert!(!flipped.ready);
        assert_eq!(flipped.cloudflare.unverified, 1);
        assert!(
            flipped.problems[0]
                .starts_with("api.example.com: 1 of 1 request from Cloudflare carried")
        );
        assert!(flipped.problems[0].contains("issued by CN=Wrong CA"));
    }

    #[test]
    fn a_reading_given_up_stops_reading_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("aop-access.log");
        let lines = line("127.0.0.2", "SUCCESS", None, 10).repeat(10_000);
        std::fs::write(&log, lines).unwrap();
        // What `read` holds while the log is read; the wizard's Esc drops it.
        let reading = StopWhenDropped(Arc::new(AtomicBool::new(false)));
        let stop = Arc::clone(&reading.0);
        drop(reading);
        let read = gather(
            &EvidenceRequest {
                server: WebServer::Nginx,
                logs: vec![log],
                since: None,
                now: OffsetDateTime::now_utc(),
                ranges: EdgeRanges::given(&["127.0.0.2/32".into()]).unwrap(),
            },
            &stop,
        );
        assert!(matches!(read, Err(EvidenceError::Stopped)), "{read:?}");
    }

    #[test]
    fn no_cloudflare_traffic_is_not_ready() {
        let evidence = request(&line("127.0.0.3", "NONE", None, 10), None);
        assert!(!evidence.ready);
        assert!(evidence.problems[0].contains("no request from Cloudflare"));
        assert_eq!(evidence.hostnames[0].name(), "(hostname unknown)");
        let nothing_readable = request("1.2.3.4 - - [x] \"GET /\" 200 512\n", None);
        assert!(nothing_readable.next_steps[0].contains("None of the lines is in the format"));
    }

    #[test]
    fn a_failure_without_a_hostname_is_not_blamed_on_one() {
        let evidence = request(
            &line("127.0.0.2", "FAILED:certificate has expired", None, 10),
            None,
        );
        assert!(!evidence.ready);
        assert!(evidence.problems[0].starts_with("(hostname unknown): 1 of 1 request"));
        assert!(evidence.next_steps[0].contains("for a hostname the log does not name"));
    }

    #[test]
    fn the_window_drops_older_requests() {
        // "now" is 13:11:40; a 5-minute window starts at 13:06:40.
        let log = line("127.0.0.2", "NONE", Some("a.example.com"), 1)
            + &line("127.0.0.2", "SUCCESS", Some("a.example.com"), 10);
        let evidence = request(&log, Some(Duration::from_secs(300)));
        assert!(evidence.ready);
        assert_eq!(evidence.lines.outside_window, 1);
        assert_eq!(
            evidence.window.since.as_deref(),
            Some("2026-11-30T13:06:40Z")
        );
        assert!(!request(&log, None).ready);

        // "now" is 13:11:40: a line at 13:50 is dated in the future, counted and said.
        let ahead = request(
            &line("127.0.0.2", "SUCCESS", Some("a.example.com"), 50),
            None,
        );
        assert_eq!(ahead.lines.in_the_future, 1);
        assert_eq!(ahead.cloudflare.verified, 1);
        assert!(ahead.notes.iter().any(|n| n.contains("1 request dated more than five minutes after now was counted")), "{:?}", ahead.notes);
        assert!(ahead.ready);
        // Asked for a window, a clock that is off leaves nothing to enforce on.
        let windowed = request(
            &line("127.0.0.2", "SUCCESS", Some("a.example.com"), 50),
            Some(Duration::from_secs(3600)),
        );
        assert!(!windowed.ready);
        assert!(
            windowed.problems[0].ends_with("so the --since window is not what it says"),
            "{:?}",
            windowed.problems
        );
    }

    /// Each reason a certificate was refused gets its own remedy: an expired certificate is
    /// rotated, not replaced by one from another CA.
    #[test]
    fn a_failed_certificate_gets_the_remedy_of_its_reason() {
        let failed = |reasons: &[&str]| {
            let log: String = reasons
                .iter()
                .map(|r| {
                    line(
                        "127.0.0.2",
                        &format!("FAILED:{r}"),
                        Some("a.example.com"),
                        10,
                    )
                })
                .collect();
            request(&log, None)
        };
        let expired = failed(&["certificate has expired"]);
        assert_eq!(expired.hostnames[0].failures[0].kind, FailureKind::Expired);
        assert_eq!(expired.next_steps.len(), 1, "{:?}", expired.next_steps);
        assert!(expired.next_steps[0].contains("has expired or is not valid yet: rotate it"));
        let purpose = failed(&["unsupported certificate purpose"]);
        assert!(purpose.next_steps[0].contains("not made for client authentication"));
        let two = failed(&[
            "certificate has expired",
            "unable to get local issuer certificate",
        ]);
        assert_eq!(two.next_steps.len(), 2, "{:?}", two.next_steps);
        assert!(two.next_steps[1].contains("not signed by the CA the origin trusts"));
        // Past the five reasons shown, the rest are counted, not hidden.
        let many: Vec<String> = (0..7).map(|n| format!("reason {n}")).collect();
        let many = failed(&many.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            many.problems[0].ends_with("; and 2 requests for other reasons"),
            "{}",
            many.problems[0]
        );
        assert_eq!(
            FailureKind::of(
                "handshake refused: tls: failed to verify certificate: x509: certificate specifies an incompatible key usage"
            ),
            FailureKind::NotForClientAuth
        );
        assert_eq!(
            FailureKind::of("X.509 error 23 (certificate revoked)"),
            FailureKind::Revoked
        );
    }

    /// Some of a hostname's requests from Cloudflare verified and some without a certificate:
    /// not "Cloudflare presents no certificate", which the verified ones disprove.
    #[test]
    fn a_hostname_partly_verified_is_not_said_to_have_no_certificate() {
        let log = line("127.0.0.2", "SUCCESS", Some("a.example.com"), 10)
            + &line("127.0.0.2", "NONE", Some("a.example.com"), 10);
        let evidence = request(&log, None);
        assert!(!evidence.ready);
        assert!(
            evidence.next_steps[0].starts_with("Some of Cloudflare's requests for a.example.com carried a verified certificate and some none"),
            "{:?}",
            evidence.next_steps
        );
        let none = request(&line("127.0.0.2", "NONE", Some("a.example.com"), 10), None);
        assert!(
            none.next_steps[0].starts_with("Cloudflare presents no certificate for a.example.com")
        );
    }

    /// An empty log is said as such, not as a log without Cloudflare's requests.
    #[test]
    fn an_empty_log_is_said_as_such() {
        let evidence = request("", None);
        assert!(!evidence.ready);
        assert!(
            evidence.next_steps[0].starts_with("The log is empty"),
            "{:?}",
            evidence.next_steps
        );
    }

    /// Another server's log read as HAProxy's: unreadable lines, not notes dropped in silence.
    #[test]
    fn only_notes_or_another_format_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("haproxy.log");
        std::fs::write(
            &log,
            line("127.0.0.2", "SUCCESS", Some("a.example.com"), 10) + "Proxy fe started.\n",
        )
        .unwrap();
        let read = |server| {
            gather(
                &EvidenceRequest {
                    server,
                    logs: vec![log.clone()],
                    since: None,
                    now: OffsetDateTime::from_unix_timestamp(1_796_044_300).unwrap(),
                    ranges: EdgeRanges::given(&["127.0.0.2/32".into()]).unwrap(),
                },
                &AtomicBool::new(false),
            )
            .unwrap()
        };
        let evidence = read(WebServer::Haproxy);
        assert_eq!(
            (evidence.lines.unreadable, evidence.lines.not_requests),
            (1, 1)
        );
        assert!(evidence.next_steps[0].starts_with(
            "None of the lines is in the format the HAProxy log-phase snippet writes"
        ));
        std::fs::write(&log, "Proxy fe started.\n").unwrap();
        let evidence = read(WebServer::Haproxy);
        assert!(
            evidence.next_steps[0]
                .starts_with("None of the lines is a request, only the server's own notes"),
            "{:?}",
            evidence.next_steps
        );
    }

    #[test]
    fn hostnames_a_client_invents_are_bounded() {
        let mut log = String::new();
        for i in 0..(MOST_HOSTNAMES + 5) {
            log += &line("127.0.0.3", "NONE", Some(&format!("h{i}.example.com")), 10);
        }
        let evidence = request(&log, None);
        assert_eq!(evidence.hostnames.len(), MOST_HOSTNAMES + 1);
        let last = evidence.hostnames.last().unwrap();
        assert!(last.many_hostnames);
        assert_eq!(last.other.total, 5);
        assert_eq!(evidence.other.total, MOST_HOSTNAMES as u64 + 5);

        // Past the bound, a hostname Cloudflare's requests were for is still named.
        log += &line("127.0.0.2", "NONE", Some("api.example.com"), 10);
        let evidence = request(&log, None);
        let api = evidence
            .hostnames
            .iter()
            .find(|h| h.hostname.as_deref() == Some("api.example.com"))
            .expect("named");
        assert_eq!(api.cloudflare.without_certificate, 1);
        assert!(
            evidence.problems[0].starts_with("api.example.com: 1 of 1 request"),
            "{:?}",
            evidence.problems
        );
        assert!(evidence.next_steps[0].contains("--hostname api.example.com"));
    }

    #[test]
    #[cfg(unix)]
    fn a_log_given_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("aop-access.log");
        std::fs::write(
            &log,
            line("127.0.0.2", "SUCCESS", Some("a.example.com"), 10),
        )
        .unwrap();
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&log, &link).unwrap();
        let error = check_logs(WebServer::Nginx, &[log.clone(), link])
            .unwrap_err()
            .to_string();
        assert!(error.contains("link.log is given twice"), "{error}");
        assert!(check_logs(WebServer::Nginx, &[log]).is_ok());
    }

    /// Caddy 2.6 creates the snippet's log of refused handshakes only at the first one: its
    /// absence is said as that, not as a mistyped path; any other missing log stays an error.
    #[test]
    fn caddys_log_of_refused_handshakes_not_written_yet_is_said_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let access = dir.path().join("aop-access.log");
        std::fs::write(&access, "").unwrap();
        let refusals = dir.path().join(crate::snippets::CADDY_TLS_ERRORS_LOG);
        let logs = [access, refusals.clone()];
        let error = check_logs(WebServer::Caddy, &logs).unwrap_err().to_string();
        assert!(
            error
                .contains("does not exist yet: Caddy creates it at the first handshake it refuses"),
            "{error}"
        );
        let error = check_logs(WebServer::Nginx, &logs).unwrap_err().to_string();
        assert!(error.starts_with("cannot read "), "{error}");
        std::fs::write(&refusals, "").unwrap();
        assert!(check_logs(WebServer::Caddy, &logs).is_ok());
    }

    #[test]
    fn a_name_no_zone_can_have_gets_no_command() {
        let hostile = "evil\u{1b}]0;x\u{7}.example.com";
        let evidence = request(&line("127.0.0.2", "NONE", Some(hostile), 10), None);
        assert!(
            !evidence.next_steps[0].contains("aop-wizard enable"),
            "{:?}",
            evidence.next_steps
        );
        assert!(evidence.next_steps[0].contains("no hostname a zone can have"));
    }
}
