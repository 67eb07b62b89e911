//! From three attempts on one origin and hostname to one verdict, in words, with the next step.

use serde::Serialize;

use super::attempt::{AttemptReport, ForeignAnswer, Outcome};
use crate::untrusted::shown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No certificate and a foreign certificate are refused; the right one is served.
    Enforced,
    /// Asks for a certificate but serves requests without one.
    LogOnly,
    /// Never asks for a client certificate.
    NotRequesting,
    /// Refuses the right certificate, accepts any CA, or trusts another CA.
    Misconfigured,
    Unreachable,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Enforced => "enforced",
            Verdict::LogOnly => "log-only",
            Verdict::NotRequesting => "not-requesting",
            Verdict::Misconfigured => "misconfigured",
            Verdict::Unreachable => "unreachable",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub verdict: Verdict,
    pub explanation: String,
    pub next_step: String,
    /// Whether the CertificateRequest listed the expected CA; `None` when it listed none or no
    /// CA was expected.
    pub expected_ca_listed: Option<bool>,
}

/// The CA the origin should trust, as the user would recognise it.
#[derive(Debug, Clone, Default)]
pub struct ExpectedCa {
    /// DER-encoded subject names, compared byte for byte with the CertificateRequest's list.
    pub subjects: Vec<Vec<u8>>,
    pub description: String,
}

impl ExpectedCa {
    /// The subjects of these CA certificates (DER); unparsable certificates are skipped, as
    /// `cert check` reports them.
    pub fn from_certificates(certificates: &[Vec<u8>]) -> Self {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let parsed: Vec<(Vec<u8>, String)> = certificates
            .iter()
            .filter_map(|der| X509Certificate::from_der(der).ok())
            .map(|(_, cert)| (cert.subject().as_raw().to_vec(), cert.subject().to_string()))
            .collect();
        Self {
            description: parsed
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            subjects: parsed.into_iter().map(|(der, _)| der).collect(),
        }
    }
}

impl ExpectedCa {
    /// The CA that issued this certificate (DER), named by the certificate's issuer: what an
    /// origin must list to accept it. `None` when the certificate does not parse.
    pub fn issuer_of(certificate: &[u8]) -> Option<Self> {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let (_, cert) = X509Certificate::from_der(certificate).ok()?;
        Some(Self {
            subjects: vec![cert.issuer().as_raw().to_vec()],
            description: cert.issuer().to_string(),
        })
    }

    /// Global AOP: the origin should trust Cloudflare's own origin-pull CA.
    pub fn cloudflare() -> Result<Self, super::ProbeError> {
        let der = crate::pki::cloudflare_ca::der().map_err(super::ProbeError::CloudflareCa)?;
        Ok(Self {
            description: "Cloudflare's origin-pull CA".into(),
            ..Self::from_certificates(&[der])
        })
    }
}

/// What to say about an origin whose handshake did not get as far as the client certificate.
fn broken_handshake(outcome: &Outcome) -> Option<(String, &'static str)> {
    let next_step = match outcome {
        Outcome::NotTls {
            answer: ForeignAnswer::PlainHttp,
        } => {
            "Probe the origin's HTTPS port (usually 443), or make the server block listen with TLS (nginx `listen 443 ssl`), then run verify again."
        }
        Outcome::NotTls { .. } => {
            "Check the address and port: another service answers there, not the HTTPS server."
        }
        Outcome::ClosedDuringHandshake => {
            "Check that the origin serves TLS on this port and read its error log; a proxy or firewall in between may be cutting connections."
        }
        Outcome::HandshakeTooLarge => {
            "Configure the origin to send only its certificate and intermediates (a few KB), not a whole bundle, then reload."
        }
        _ => return None,
    };
    Some((outcome.describe(), next_step))
}

/// The CA names the origin listed: those of the attempt without a certificate, or else of the
/// one with a foreign certificate.
pub fn acceptable_cas<'a>(none: &'a AttemptReport, unrelated: &'a AttemptReport) -> &'a [String] {
    if none.acceptable_cas.is_empty() {
        &unrelated.acceptable_cas
    } else {
        &none.acceptable_cas
    }
}

pub fn judge(
    none: &AttemptReport,
    unrelated: &AttemptReport,
    yours: Option<&AttemptReport>,
    expected: &ExpectedCa,
) -> Judgement {
    let judgement = |verdict, explanation: String, next_step: &str, listed| Judgement {
        verdict,
        explanation,
        next_step: next_step.to_string(),
        expected_ca_listed: listed,
    };
    // A port that is not TLS, or a handshake that cannot finish, says nothing about the client
    // certificate, whichever attempt met it: never blame the CA file for it.
    if let Some((explanation, next_step)) = [Some(none), Some(unrelated), yours]
        .into_iter()
        .flatten()
        .find_map(|attempt| broken_handshake(&attempt.outcome))
    {
        return judgement(Verdict::Unreachable, explanation, next_step, None);
    }
    if none.outcome.is_unreachable() {
        return judgement(
            Verdict::Unreachable,
            format!(
                "the origin did not answer over TLS: {}",
                none.outcome.describe()
            ),
            "Check the address and port (HTTPS, usually 443) and that no firewall drops the probe.",
            None,
        );
    }
    let requested = none.certificate_requested || unrelated.certificate_requested;
    let listed_names = acceptable_cas(none, unrelated);
    let listed_der = if none.acceptable_ca_der.is_empty() {
        &unrelated.acceptable_ca_der
    } else {
        &none.acceptable_ca_der
    };
    let listed = (!expected.subjects.is_empty() && !listed_der.is_empty())
        .then(|| expected.subjects.iter().any(|s| listed_der.contains(s)));

    if let Some(yours) = yours.filter(|y| y.outcome.is_rejection()) {
        return judgement(
            Verdict::Misconfigured,
            format!(
                "the origin refused the right certificate: {}",
                yours.outcome.describe()
            ),
            "Point the origin's client-CA file at the CA that signed the uploaded certificate (aop-wizard snippet --ca …), check it with the server's config test, and reload.",
            listed,
        );
    }
    if listed == Some(false) {
        return judgement(
            Verdict::Misconfigured,
            format!(
                "the origin trusts other CAs ({}), not {}",
                shown(listed_names.join("; ")),
                shown(&expected.description)
            ),
            "The origin's client-CA file is not the one for this set-up: replace it with the CA file the snippet names, then reload.",
            listed,
        );
    }
    if none.outcome.is_rejection() && unrelated.outcome.is_served() {
        return judgement(
            Verdict::Misconfigured,
            "the origin refuses requests without a certificate but accepts one from any CA".into(),
            "Anyone can make a certificate: the origin must verify it against the CA (nginx `ssl_verify_client on`, Apache `SSLVerifyClient require`), not just ask for one.",
            listed,
        );
    }
    if none.outcome.is_served() && !requested {
        return judgement(
            Verdict::NotRequesting,
            "the origin never asks for a client certificate, so it answers anyone".into(),
            "Add the log-phase snippet (aop-wizard snippet SERVER --phase log) to the site that serves this hostname (nginx server block, Apache VirtualHost, HAProxy frontend, Caddy site), then reload.",
            listed,
        );
    }
    if none.outcome.is_served() {
        return judgement(
            Verdict::LogOnly,
            "the origin asks for a client certificate but still serves requests without one".into(),
            "Once the logs show Cloudflare's requests arrive with a verified certificate, switch to the enforce snippet (--phase enforce) and reload.",
            listed,
        );
    }
    if none.outcome.is_rejection() && unrelated.outcome.is_rejection() {
        let untested = if yours.is_none() {
            " (the right certificate was not tried: pass --cert and --key to prove it is accepted)"
        } else {
            ""
        };
        return judgement(
            Verdict::Enforced,
            format!(
                "requests without a certificate and with a foreign one are refused; the right one is served{untested}"
            ),
            "Nothing to do. Run this check again after every change to the origin or the certificate.",
            listed,
        );
    }
    judgement(
        Verdict::Unreachable,
        format!(
            "the probe could not finish: without a certificate {}, with a foreign one {}",
            none.outcome.describe(),
            unrelated.outcome.describe()
        ),
        "Run the probe again; if it repeats, check the origin's error log.",
        listed,
    )
}
