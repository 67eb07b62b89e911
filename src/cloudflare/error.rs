//! Cloudflare's errors, typed with their codes and turned into advice a person can act on.

use serde::{Deserialize, Serialize};

use crate::untrusted::shown;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiMessage {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_chain: Vec<ApiMessage>,
}

#[derive(Debug, thiserror::Error)]
pub enum CloudflareError {
    #[error("{operation}: Cloudflare answered HTTP {status}: {}. {}", summary(errors), advice(errors, *status, operation))]
    Api {
        operation: &'static str,
        status: u16,
        errors: Vec<ApiMessage>,
    },
    #[error(
        "{operation}: rate limited by Cloudflare (1200 requests per 5 minutes); try again in {retry_after_secs} s"
    )]
    RateLimited {
        operation: &'static str,
        retry_after_secs: u64,
    },
    #[error(
        "{operation}: cannot reach {}: {}. Check the network, or CLOUDFLARE_API_BASE_URL if you set it",
        shown(url),
        shown(detail)
    )]
    Network {
        operation: &'static str,
        url: String,
        detail: String,
    },
    /// The call's time (its budget, or a `--timeout` it ran under) passed without an answer.
    #[error(
        "Cloudflare did not answer within {} s ({operation}); try again, or check the network and https://www.cloudflarestatus.com ({set_by} sets how long to wait)",
        format_seconds(*seconds)
    )]
    NoAnswer {
        operation: &'static str,
        seconds: f64,
        set_by: &'static str,
    },
    #[error(
        "{operation}: Cloudflare's answer could not be read ({})",
        shown(detail)
    )]
    Decode {
        operation: &'static str,
        detail: String,
    },
    #[error("{0}")]
    Refused(String),
    #[error(
        "{operation}: the upload may or may not have reached Cloudflare ({}) and the certificate is not listed yet; run the same command again: it looks for the certificate before uploading, so it never uploads twice",
        shown(detail)
    )]
    UploadUncertain {
        operation: &'static str,
        detail: String,
    },
    /// Cloudflare answered a write with success, but reading the value back shows it did not
    /// take: `wanted` is what was sent, `found` what Cloudflare reports now.
    #[error(
        "{operation}: sent {wanted} and Cloudflare answered success, but it now reports {found}, so nothing changed; run the command again or check the Cloudflare dashboard, and if this persists the token may lack the permission for this change"
    )]
    NotApplied {
        operation: &'static str,
        wanted: String,
        found: String,
    },
}

impl CloudflareError {
    pub fn codes(&self) -> Vec<i64> {
        match self {
            CloudflareError::Api { errors, .. } => errors
                .iter()
                .flat_map(|e| std::iter::once(e.code).chain(e.error_chain.iter().map(|c| c.code)))
                .collect(),
            CloudflareError::RateLimited { .. } => vec![971],
            _ => Vec::new(),
        }
    }

    pub fn has_code(&self, code: i64) -> bool {
        self.codes().contains(&code)
    }

    /// An authentication or permission problem, as opposed to a network or API failure.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            CloudflareError::Api {
                status: 401 | 403,
                ..
            }
        ) || [1000, 1001, 6003, 6111, 6103, 9109, 10000]
            .iter()
            .any(|c| self.has_code(*c))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            CloudflareError::Api { status, .. } => Some(*status),
            CloudflareError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

/// Whole seconds as such, a fraction (a test's short budget) to a tenth.
fn format_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 {
        format!("{seconds:.0}")
    } else {
        format!("{seconds:.1}")
    }
}

fn summary(errors: &[ApiMessage]) -> String {
    if errors.is_empty() {
        return "no error details".into();
    }
    errors
        .iter()
        // Cloudflare's words are untrusted text: one line, nothing a terminal would act on.
        .map(|e| {
            format!(
                "{} (code {})",
                crate::untrusted::one_line(&e.message, 300),
                e.code
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to do about an error, by Cloudflare's code (codes from `cloudflare-api.md` §1.4).
fn advice(errors: &[ApiMessage], status: u16, operation: &str) -> String {
    let has = |code: i64| {
        errors
            .iter()
            .any(|e| e.code == code || e.error_chain.iter().any(|c| c.code == code))
    };
    if has(6003) || has(6111) || has(6103) {
        return "The credential was sent in the wrong header: a Global API Key is not an API token. Create an API token (My Profile → API Tokens) or use --email with the key".into();
    }
    if has(1001) {
        return "This endpoint needs an API token (Authorization: Bearer), not X-Auth-Email/X-Auth-Key".into();
    }
    if has(10000) {
        return "The token is invalid, expired, or not allowed on this zone; check it with `aop-wizard auth status --zone NAME`".into();
    }
    if has(9109) || status == 403 {
        return format!(
            "The token lacks a permission or is not scoped to this zone: {operation} needs {}",
            permission_for(operation)
        );
    }
    if has(1000) || status == 401 {
        return "The token is invalid, expired or disabled: create a new one and give it to `aop-wizard auth login` (or paste it in the wizard)".into();
    }
    if has(1415) {
        return "That id is not a per-hostname certificate (zone-level certificate ids do not work here); upload it with --hostname and use the id it returns".into();
    }
    if (has(7003) || has(1003) || has(17001) || status == 404) && operation.contains("alert") {
        return "The alert policy's id is wrong: `aop-wizard alerts list --zone NAME` lists them"
            .into();
    }
    if has(7003) || has(1003) || status == 404 {
        return "An id in the request is wrong: check the zone name and certificate id (`aop-wizard status --zone NAME` lists them)".into();
    }
    if has(971) || status == 429 {
        return "Cloudflare rate-limits at 1200 requests per 5 minutes; wait and try again".into();
    }
    if status >= 500 {
        return "Cloudflare had an internal problem; try again in a minute".into();
    }
    "See Cloudflare's message above".into()
}

/// The permission an operation needs, named as the dashboard names it.
fn permission_for(operation: &str) -> &'static str {
    match operation {
        op if op.contains("alert") || op.contains("notification") => {
            "Account → Notifications → Edit"
        }
        op if op.contains("zones") => "Zone → Zone → Read",
        op if op.contains("dns") => "Zone → DNS → Read",
        op if (op.contains("aop") || op.contains("certificate") || op.contains("hostname"))
            && (op.starts_with("list") || op.starts_with("get")) =>
        {
            "Zone → SSL and Certificates → Read"
        }
        op if op.contains("aop") || op.contains("certificate") || op.contains("hostname") => {
            "Zone → SSL and Certificates → Edit"
        }
        op if op.starts_with("set") => "Zone → Zone Settings → Edit",
        _ => "Zone → Zone Settings → Read",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/regressions/api_envelope/`): Cloudflare's message reached the
    /// error's text raw, newlines and escape sequences included.
    #[test]
    fn cloudflare_words_in_an_error_are_one_line_without_control_characters() {
        let body = r#"{"success":false,"errors":[{"code":7003,"message":"evil\u001b]0;PWNED\u0007\r\nX-Injected: 1\u202e"}]}"#;
        let error = crate::cloudflare::decode_answer::<serde_json::Value>(
            "list zones",
            404,
            serde_json::from_str(body),
            None,
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("evil\\x1b]0;PWNED\\x07 X-Injected: 1\\u{202e} (code 7003)"),
            "{text}"
        );
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{text:?}"
        );
        // What serde could not read is quoted from the answer: one line too.
        let error = crate::cloudflare::decode_answer::<Vec<crate::cloudflare::Zone>>(
            "list zones",
            200,
            serde_json::from_str(r#"{"success":true,"result":"\u001b[2J\n"}"#),
            None,
        )
        .unwrap_err();
        assert!(matches!(error, CloudflareError::Decode { .. }), "{error:?}");
        assert!(!error.to_string().chars().any(char::is_control), "{error}");
    }

    fn api(status: u16, code: i64, operation: &'static str) -> CloudflareError {
        CloudflareError::Api {
            operation,
            status,
            errors: vec![ApiMessage {
                code,
                message: "x".into(),
                error_chain: vec![],
            }],
        }
    }

    #[test]
    fn advice_names_the_fix() {
        assert!(
            api(403, 9109, "upload zone certificate")
                .to_string()
                .contains("SSL and Certificates → Edit")
        );
        assert!(
            api(403, 9109, "set ssl setting")
                .to_string()
                .contains("Zone Settings → Edit")
        );
        assert!(
            api(400, 6003, "verify token")
                .to_string()
                .contains("Global API Key is not an API token")
        );
        assert!(
            api(400, 1415, "set hostname associations")
                .to_string()
                .contains("per-hostname certificate")
        );
        assert!(
            api(404, 7003, "get zone certificate")
                .to_string()
                .contains("id in the request is wrong")
        );
        assert!(
            api(404, 17001, "delete alert policy")
                .to_string()
                .contains("`aop-wizard alerts list --zone NAME` lists them")
        );
        assert!(api(429, 971, "list zones").to_string().contains("wait"));
    }

    /// Cloudflare's own words reach the person, but no control character in them does.
    #[test]
    fn an_api_message_is_shown_escaped() {
        let error = CloudflareError::Api {
            operation: "list zones",
            status: 400,
            errors: vec![ApiMessage {
                code: 1234,
                message: "bad\u{1b}]0;PWNED\u{7}\u{202E}".into(),
                error_chain: vec![],
            }],
        };
        let text = error.to_string();
        assert!(
            text.contains("bad\\x1b]0;PWNED\\x07\\u{202e} (code 1234)"),
            "{text}"
        );
    }

    #[test]
    fn a_write_that_did_not_take_says_what_and_what_to_do() {
        let error = CloudflareError::NotApplied {
            operation: "set zone aop setting",
            wanted: "zone-level AOP on".into(),
            found: "zone-level AOP off".into(),
        };
        let text = error.to_string();
        for part in [
            "sent zone-level AOP on",
            "now reports zone-level AOP off",
            "nothing changed",
            "run the command again",
            "Cloudflare dashboard",
            "permission",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert!(!error.is_auth());
        assert_eq!(error.status(), None);
    }
}
