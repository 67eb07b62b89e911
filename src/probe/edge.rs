//! The other half of the proof: an ordinary HTTPS request to the public hostname, which goes
//! through Cloudflare's edge and must still be served once the origin enforces.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EdgeReport {
    pub hostname: String,
    pub url: String,
    pub status: Option<u16>,
    pub passed: bool,
    pub explanation: String,
    /// When not served: what the answer itself said (its body, tags removed, control characters
    /// shown escaped, shortened), for the person to read in the server's own words.
    pub answer: Option<String>,
}

impl EdgeReport {
    /// A request not served, in words: where, why, and what the answer said.
    pub fn problem(&self) -> String {
        match &self.answer {
            Some(answer) => format!(
                "{}: {} (it answered: \"{answer}\")",
                self.url, self.explanation
            ),
            None => format!("{}: {}", self.url, self.explanation),
        }
    }
}

/// `http` decides where the name resolves and which CAs are trusted (the demo points it at a
/// local edge); everything else is a plain GET.
pub async fn check_through_edge(http: &reqwest::Client, hostname: &str, url: &str) -> EdgeReport {
    let report = |status, passed, explanation: String| EdgeReport {
        hostname: hostname.to_string(),
        url: url.to_string(),
        status,
        passed,
        explanation,
        answer: None,
    };
    let response = match http.get(url).send().await {
        Ok(response) => response,
        Err(e) => {
            return report(
                None,
                false,
                format!(
                    "no answer through Cloudflare: {e}; check that the hostname resolves and is proxied"
                ),
            );
        }
    };
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    let (passed, explanation) = explain(status, &body);
    EdgeReport {
        answer: (!passed).then(|| excerpt(&body)).flatten(),
        ..report(Some(status), passed, explanation)
    }
}

/// The most an excerpt of an answer keeps, in characters.
const EXCERPT_CHARS: usize = 200;

/// An answer's body as one short line of plain text, its markup removed; none when nothing is
/// left.
pub fn excerpt(body: &str) -> Option<String> {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if in_tag => {}
            c => text.push(c),
        }
    }
    Some(crate::untrusted::one_line(&text, EXCERPT_CHARS)).filter(|line| !line.is_empty())
}

fn explain(status: u16, body: &str) -> (bool, String) {
    match super::attempt::nginx_certificate_error(status, body) {
        Some(super::attempt::NGINX_NO_CERTIFICATE) => return (
            false,
            "the origin wanted a client certificate and Cloudflare sent none: enable Authenticated Origin Pulls for this zone or hostname (aop-wizard enable)".into(),
        ),
        Some(_) => return (
            false,
            "the origin refused the certificate Cloudflare presented (nginx could not verify it): it trusts another CA than the one that issued it, or the certificate expired; `aop-wizard doctor --zone ZONE` shows both".into(),
        ),
        None => {}
    }
    match status {
        525 => (false, "525 SSL handshake failed: the origin refused Cloudflare's certificate; is AOP enabled on Cloudflare, and does the origin trust the CA of the uploaded certificate?".into()),
        526 => (false, "526 invalid SSL certificate: in Full (strict) mode the origin's own certificate must be valid for this name (a Cloudflare Origin CA certificate works)".into()),
        520 => (false, "520: the origin answered something Cloudflare could not use; check its error log".into()),
        521 => (false, "521: the origin refused Cloudflare's connection; is the web server running and reachable from Cloudflare's IP ranges?".into()),
        522..=524 => (false, format!("{status}: Cloudflare could not reach the origin in time")),
        500..=599 => (false, format!("HTTP {status} through Cloudflare")),
        _ => (true, format!("served through Cloudflare (HTTP {status})")),
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn an_answer_is_read_without_markup_or_control_characters() {
        use super::excerpt;
        assert_eq!(
            excerpt("<html><body><center>No required SSL certificate was sent</center>\r\n</body></html>")
                .as_deref(),
            Some("No required SSL certificate was sent")
        );
        assert_eq!(
            excerpt("bad\x1b[2J gateway\x07").as_deref(),
            Some("bad\\x1b[2J gateway\\x07")
        );
        assert_eq!(excerpt(" <p> </p> "), None);
        let long = excerpt(&"word ".repeat(100)).unwrap();
        assert!(long.ends_with('…') && long.chars().count() == 201, "{long}");
    }

    #[test]
    fn cloudflare_origin_errors_fail_with_a_reason() {
        assert!(explain(200, "").0);
        assert!(
            explain(404, "").0,
            "the application's own 404 is still served"
        );
        let (passed, why) = explain(525, "");
        assert!(!passed && why.contains("uploaded certificate"));
        let (passed, why) = explain(400, "<center>No required SSL certificate was sent</center>");
        assert!(!passed && why.contains("aop-wizard enable"));
        // A certificate from another CA than the origin trusts: nginx's 400 is no page served.
        let (passed, why) = explain(400, "<center>The SSL certificate error</center>");
        assert!(!passed && why.contains("trusts another CA"), "{why}");
        assert!(
            explain(400, "bad form field").0,
            "the application's own 400"
        );
    }
}
