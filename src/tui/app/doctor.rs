//! Doctor on the log screen: what Cloudflare presents for each hostname set up, against what the
//! origins typed there ask for, predicted before enforcing. A predicted failure is asked about
//! before going on to Enforce.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::ops::doctor::{DoctorReport, DoctorRequest};
use crate::tui::keys::{Binding, Key, Keys};
use crate::tui::message::Effect;
use crate::tui::state::{DoctorRun, Wizard};

/// As long as the probe gives one origin to answer.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Ctrl-D: letters go into the origins field, and d is a hex digit of an IPv6 address.
pub fn binding(state: &Wizard) -> Option<Binding> {
    (state.client.is_some() && state.zone.is_some()).then(|| {
        Binding::with_keys(
            "Ctrl-D",
            "doctor",
            Keys::These(vec![Key::Ctrl('d')]),
            |state, _| run(state),
        )
    })
}

/// Doctor for the zone, the hostnames the probe checks and the origins as typed.
fn run(state: &mut Wizard) -> Vec<Effect> {
    let (origins, _) = match super::verify::targets(state) {
        Ok(targets) => targets,
        Err(error) => {
            state.error = Some(error);
            return Vec::new();
        }
    };
    let (Some(client), Some(zone)) = (state.client.clone(), state.zone.as_ref()) else {
        return Vec::new();
    };
    let request = DoctorRequest {
        zone: zone.name.clone(),
        hostnames: examined(state),
        origins,
        timeout: TIMEOUT,
    };
    // An earlier answer is not taken on trust: stopped, this run leaves none.
    state.doctor = None;
    state.start(
        format!(
            "Doctor: Cloudflare's certificate for {} against {}",
            crate::words::plural(request.hostnames.len() as u64, "hostname", "hostnames"),
            crate::words::plural(request.origins.len() as u64, "origin", "origins")
        ),
        true,
    );
    vec![Effect::Doctor { client, request }]
}

/// The hostnames doctor examines: those set up, and per hostname also the proxied ones left
/// unpicked, for which Cloudflare presents nothing (where it predicts the failure).
fn examined(state: &Wizard) -> Vec<String> {
    let mut hostnames = state.target_hostnames();
    hostnames.extend(state.uncertified_hostnames());
    hostnames
}

pub fn doctored(state: &mut Wizard, request: DoctorRequest, report: DoctorReport) -> Vec<Effect> {
    state.doctor = Some(DoctorRun { request, report });
    Vec::new()
}

/// The hostnames doctor predicts a failure for; empty when it predicts none, or has not run.
fn failing(report: &DoctorReport) -> Vec<&str> {
    report
        .hostnames
        .iter()
        .filter(|h| !h.outcome.ok)
        .map(|h| h.hostname.as_str())
        .collect()
}

/// Why doctor's last answer speaks against enforcing, in words; `None` when it does not (or
/// doctor has not run).
pub fn doctor_blocks_enforce(state: &Wizard) -> Option<String> {
    let report = &state.doctor.as_ref()?.report;
    if report.ok {
        return None;
    }
    let failing = failing(report);
    let first = report.hostnames.iter().find(|h| !h.outcome.ok);
    let reason = match first {
        Some(first) => format!(
            "Doctor sees a problem for {}. For {}: {}.",
            failing.join(", "),
            first.hostname,
            first.outcome.summary
        ),
        None if report.hostnames.is_empty() => {
            "Doctor checked no hostname, so nothing shows Cloudflare's certificate is one the origin trusts.".into()
        }
        None => format!(
            "Doctor could not check everything: {}.",
            report.unchecked.join("; ")
        ),
    };
    Some(if ran_as_typed(state) {
        reason
    } else {
        format!(
            "{reason} It ran for other origins or hostnames than the screen shows now: Ctrl-D runs it for these."
        )
    })
}

/// Doctor's last run was for the origins typed now and the hostnames the screen checks.
pub fn ran_as_typed(state: &Wizard) -> bool {
    state.doctor.as_ref().is_some_and(|run| {
        let asked: BTreeSet<_> = run.request.origins.iter().collect();
        let typed = state.parsed_origins().unwrap_or_default();
        asked == typed.iter().collect() && run.request.hostnames == examined(state)
    })
}
