//! The origin probe: connect to each origin address as an attacker would (no certificate, a
//! certificate from a CA nobody trusts) and as Cloudflare would (the uploaded certificate), and
//! say whether the origin really answers only Cloudflare.
//!
//! Knows nothing of terminals; the `verify` command and the wizard both print its reports.

mod attempt;
mod edge;
mod error;
mod verdict;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use attempt::{
    AttemptReport, AttemptTarget, ClientIdentity, ForeignAnswer, Outcome, ServerCertificate,
};
pub use edge::{EdgeReport, check_through_edge};
pub use error::ProbeError;
pub use verdict::{ExpectedCa, Judgement, Verdict, acceptable_cas, judge};

use crate::pki;

/// Which certificate an attempt presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presented {
    Nothing,
    UnrelatedCa,
    Yours,
}

impl Presented {
    pub fn label(self) -> &'static str {
        match self {
            Presented::Nothing => "no certificate",
            Presented::UnrelatedCa => "foreign CA",
            Presented::Yours => "your certificate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProbePlan {
    pub origins: Vec<SocketAddr>,
    pub hostnames: Vec<String>,
    pub path: String,
    /// The certificate Cloudflare presents, when the user has it (not for global AOP).
    pub yours: Option<ClientIdentity>,
    pub expected_ca: ExpectedCa,
    pub timeout: Duration,
    /// How many connections run at once.
    pub concurrency: usize,
}

/// The verdict for one origin address and hostname, with the attempts behind it.
#[derive(Debug, Clone, Serialize)]
pub struct CellReport {
    pub origin: SocketAddr,
    pub hostname: String,
    #[serde(flatten)]
    pub judgement: Judgement,
    pub attempts: Vec<(Presented, AttemptReport)>,
}

impl CellReport {
    pub fn attempt(&self, presented: Presented) -> Option<&AttemptReport> {
        self.attempts
            .iter()
            .find(|(p, _)| *p == presented)
            .map(|(_, a)| a)
    }
}

/// What a verification found: every origin × hostname, and each request through Cloudflare.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub cells: Vec<CellReport>,
    pub edge: Vec<EdgeReport>,
}

impl Verification {
    /// The one definition of "passed": at least one cell, every cell exactly the verdict
    /// expected (an origin that already enforces is not in the log phase), and every request
    /// through Cloudflare served.
    pub fn passed(&self, expected: Verdict) -> bool {
        !self.cells.is_empty()
            && self.cells.iter().all(|c| c.judgement.verdict == expected)
            && self.edge.iter().all(|e| e.passed)
    }

    /// Each cell and edge request that is not as expected, in words.
    pub fn problems(&self, expected: Verdict) -> Vec<String> {
        let mut problems: Vec<String> = self
            .cells
            .iter()
            .filter(|c| c.judgement.verdict != expected)
            .map(|c| {
                format!(
                    "{} ({}) is {}, not {}: {}; next: {}",
                    c.origin,
                    c.hostname,
                    c.judgement.verdict.label(),
                    expected.label(),
                    c.judgement.explanation,
                    c.judgement.next_step
                )
            })
            .collect();
        problems.extend(
            self.edge
                .iter()
                .filter(|e| !e.passed)
                .map(EdgeReport::problem),
        );
        if self.cells.is_empty() {
            problems.push("nothing was probed: give at least one origin and hostname".into());
        }
        problems
    }
}

/// A certificate from a CA made on the spot, which no origin can trust.
pub fn unrelated_identity() -> Result<ClientIdentity, ProbeError> {
    let set = pki::generate_ephemeral(
        "aop-wizard probe: a CA nobody trusts",
        "aop-wizard probe",
        pki::LeafPurpose::ClientAuth,
        2,
    )?;
    ClientIdentity::new(vec![set.leaf.cert_der.clone()], set.leaf.key_der())
}

/// An origin address: `IP`, `IP:PORT` or `[IPv6]:PORT`; port 443 when none is given.
pub fn parse_origin(text: &str) -> Result<SocketAddr, ProbeError> {
    let text = text.trim();
    let address = match text.parse::<SocketAddr>() {
        // Port 0 is no port anything listens on.
        Ok(address) if address.port() == 0 => None,
        Ok(address) => Some(address),
        Err(_) => text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 443)),
    }
    .ok_or_else(|| match text.rsplit_once(':') {
        // An address and a number that is no port: said of the port, not of the whole.
        Some((ip, port))
            if ip
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok()
                && !port.is_empty()
                && port.chars().all(|c| c.is_ascii_digit()) =>
        {
            ProbeError::BadPort {
                text: text.to_string(),
                port: port.to_string(),
            }
        }
        _ => ProbeError::NotAnOrigin {
            text: text.to_string(),
        },
    })?;
    if crate::evidence::cloudflare_address(address.ip()) {
        return Err(ProbeError::CloudflareAddress {
            address: address.ip(),
        });
    }
    Ok(address)
}

/// The request path goes on the wire as given, so it must be one: from `/`, with no space and
/// no control character (a CR LF would add headers of its own).
pub fn check_request_path(path: &str) -> Result<(), ProbeError> {
    let reason = if let Some(c) = path.chars().find(|c| c.is_control()) {
        format!(
            "holds the control character U+{:04X}, which would change the request sent to the origin; remove it",
            u32::from(c)
        )
    } else if !path.starts_with('/') {
        "does not start with /; give a path such as / or /health".into()
    } else if path.contains(char::is_whitespace) {
        "holds a space, which would end the request line; write it as %20".into()
    } else {
        return Ok(());
    };
    Err(ProbeError::BadRequestPath {
        path: path.to_string(),
        reason,
    })
}

/// One attempt on its own, as the demo edge makes it (no check of the origin's certificate).
pub async fn attempt_once(
    target: &AttemptTarget,
    identity: Option<&ClientIdentity>,
    timeout: Duration,
) -> AttemptReport {
    attempt::attempt(target, identity, None, timeout, None).await
}

/// As `attempt_once`, connecting from `from` (one of this machine's addresses): the demo edge
/// connects from its own loopback address, as Cloudflare's edge connects from its ranges.
pub async fn attempt_once_from(
    target: &AttemptTarget,
    identity: Option<&ClientIdentity>,
    timeout: Duration,
    from: IpAddr,
) -> AttemptReport {
    attempt::attempt(target, identity, None, timeout, Some(from)).await
}

/// Runs every origin × hostname × identity attempt, at most `concurrency` at once.
pub async fn run(plan: &ProbePlan) -> Result<Vec<CellReport>, ProbeError> {
    check_request_path(&plan.path)?;
    let unrelated = unrelated_identity()?;
    let trust = attempt::system_verifier();
    let limit = Arc::new(tokio::sync::Semaphore::new(plan.concurrency.max(1)));
    let mut identities = vec![
        (Presented::Nothing, None),
        (Presented::UnrelatedCa, Some(unrelated)),
    ];
    if let Some(yours) = &plan.yours {
        identities.push((Presented::Yours, Some(yours.clone())));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (cell, (origin, hostname)) in plan
        .origins
        .iter()
        .flat_map(|o| plan.hostnames.iter().map(move |h| (*o, h.clone())))
        .enumerate()
    {
        for (presented, identity) in &identities {
            let target = AttemptTarget {
                address: origin,
                hostname: hostname.clone(),
                path: plan.path.clone(),
            };
            let (presented, identity, trust, limit) =
                (*presented, identity.clone(), trust.clone(), limit.clone());
            let timeout = plan.timeout;
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let report =
                    attempt::attempt(&target, identity.as_ref(), trust, timeout, None).await;
                (cell, origin, target.hostname, presented, report)
            });
        }
    }
    type Cell = (SocketAddr, String, Vec<(Presented, AttemptReport)>);
    let mut cells: Vec<Option<Cell>> = vec![None; plan.origins.len() * plan.hostnames.len()];
    while let Some(done) = tasks.join_next().await {
        let (cell, origin, hostname, presented, report) = done.map_err(ProbeError::TaskFailed)?;
        cells[cell]
            .get_or_insert_with(|| (origin, hostname, Vec::new()))
            .2
            .push((presented, report));
    }
    Ok(cells
        .into_iter()
        .flatten()
        .map(|(origin, hostname, mut attempts)| {
            attempts.sort_by_key(|(p, _)| *p as u8);
            let find = |p: Presented| attempts.iter().find(|(q, _)| *q == p).map(|(_, a)| a);
            let (none, unrelated) = (
                find(Presented::Nothing).expect("every cell tries without a certificate"),
                find(Presented::UnrelatedCa).expect("every cell tries a foreign certificate"),
            );
            let judgement = judge(none, unrelated, find(Presented::Yours), &plan.expected_ca);
            CellReport {
                origin,
                hostname,
                judgement,
                attempts,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_addresses_with_an_optional_port() {
        assert_eq!(
            parse_origin("203.0.113.10").unwrap(),
            "203.0.113.10:443".parse().unwrap()
        );
        assert_eq!(
            parse_origin("[2001:db8::1]").unwrap(),
            "[2001:db8::1]:443".parse().unwrap()
        );
        for bad_port in [
            "203.0.113.10:0",
            "203.0.113.10:99999",
            "[2001:db8::1]:70000",
        ] {
            let error = parse_origin(bad_port).unwrap_err().to_string();
            assert!(
                error.contains("is not an origin address: its port")
                    && error.contains("is not one (1 to 65535"),
                "{error}"
            );
        }
        // Cloudflare's edge is never taken for the origin behind it.
        for edge in ["104.16.0.1", "[2606:4700::1]:8443"] {
            let error = parse_origin(edge).unwrap_err().to_string();
            assert!(
                error.contains("is one of Cloudflare's own addresses, not the origin's"),
                "{error}"
            );
        }
        let error = parse_origin(" origin.example ").unwrap_err();
        assert!(matches!(error, ProbeError::NotAnOrigin { .. }));
        assert!(
            error
                .to_string()
                .starts_with("\"origin.example\" is not an origin address: give an IP address")
        );
    }

    #[test]
    fn request_paths_with_line_breaks_spaces_or_no_slash_are_refused() {
        for bad in ["/x\r\nX-Injected: 1", "/x\n", "/a\tb", "/a b", "x", ""] {
            let error = check_request_path(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("the request path \""),
                "{error}"
            );
        }
        for good in ["/", "/health?check=1", "/%20x"] {
            assert!(check_request_path(good).is_ok(), "{good}");
        }
    }

    /// The probe refuses before it connects: the listener never sees a connection.
    #[test]
    fn an_injected_path_never_reaches_the_wire() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let target = AttemptTarget {
            address: listener.local_addr().unwrap(),
            hostname: "origin.test".into(),
            path: "/x\r\nX-Injected: 1".into(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let report = runtime.block_on(attempt_once(&target, None, Duration::from_secs(5)));
        assert!(
            matches!(&report.outcome, Outcome::Failed { error } if error.contains("X-Injected")),
            "{:?}",
            report.outcome
        );
        let plan = ProbePlan {
            origins: vec![target.address],
            hostnames: vec![target.hostname.clone()],
            path: target.path.clone(),
            yours: None,
            expected_ca: ExpectedCa::default(),
            timeout: Duration::from_secs(5),
            concurrency: 1,
        };
        let error = runtime.block_on(run(&plan)).unwrap_err();
        assert!(matches!(error, ProbeError::BadRequestPath { .. }));
        assert_eq!(
            listener.accept().unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock
        );
    }
}
