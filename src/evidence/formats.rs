//! One access-log line, in exactly the format the project's log-phase snippet for a server
//! writes (and the one it wrote before lines carried the hostname), read into a request: who
//! connected, when, for which hostname, with what certificate.
//!
//! Every value from the log is untrusted: a client chooses its Host header and its
//! certificate's names. Fields are read in the order the snippet writes them, and a quoted value
//! ends at the first quote that is not escaped (nginx writes `"` as `\x22`, Apache and HAProxy's
//! `json` converter as `\"`), so no value can pose as another field.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::snippets::WebServer;

/// What a client presented, as the server judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen<'a> {
    Verified,
    /// No certificate: refused once enforced.
    Missing,
    /// A certificate the server could not verify (refused once enforced), with the server's
    /// reason and the certificate's issuer when the log has them.
    Failed {
        reason: Cow<'a, str>,
        issuer: Cow<'a, str>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub client: IpAddr,
    /// Unix seconds.
    pub time: Option<i64>,
    /// As logged (Host header); `None` on lines written before the format carried it, and
    /// for handshakes refused before any request.
    pub hostname: Option<Cow<'a, str>>,
    pub seen: Seen<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    Request(Request<'a>),
    /// A line the server writes to the same log that is not a request (HAProxy's start-up
    /// notes, Caddy's other loggers, a handshake that failed for reasons other than the
    /// certificate).
    NotARequest,
}

/// Why a line could not be read, in a few words.
pub type Unreadable = &'static str;

pub fn parse(server: WebServer, line: &str) -> Result<Line<'_>, Unreadable> {
    match server {
        WebServer::Nginx => common(line),
        WebServer::Apache if line.starts_with('[') && line.contains("] [pid ") => {
            apache_error(line)
        }
        WebServer::Apache => common(line),
        WebServer::Haproxy => haproxy(line),
        WebServer::Caddy => caddy(line),
        WebServer::Traefik => Err("Traefik's access log is not read by this program"),
    }
}

/// nginx `aop_client_cert` and Apache `aop_client_cert`: the same shape.
/// `ADDR [TIME] "REQUEST" STATUS client_verify=V client_s_dn="…" client_i_dn="…"
/// client_serial=S host="H"`, V bare in the first format (nginx's `FAILED:reason` holds
/// spaces) and quoted since.
fn common(line: &str) -> Result<Line<'_>, Unreadable> {
    let mut cursor = Cursor::new(line);
    let client = cursor
        .word()
        .and_then(ip_address)
        .ok_or("the line does not start with the client's IP address")?;
    let time = cursor.bracketed().ok_or("no [time] after the address")?;
    cursor.quoted().ok_or("no quoted request line")?;
    cursor.word().ok_or("no status")?;
    let verify = cursor
        .field("client_verify", Some("client_s_dn"))
        .ok_or("no client_verify= field: not the aop_client_cert format")?;
    cursor.field("client_s_dn", Some("client_i_dn"));
    let issuer = cursor
        .field("client_i_dn", Some("client_serial"))
        .unwrap_or("");
    cursor.field("client_serial", Some("host"));
    let hostname = cursor.field("host", None).map(Cow::Borrowed);
    let seen = match verify {
        "SUCCESS" => Seen::Verified,
        // "-": the request did not come over TLS.
        "NONE" | "-" | "" => Seen::Missing,
        other => Seen::Failed {
            reason: Cow::Borrowed(other.strip_prefix("FAILED:").unwrap_or(other)),
            issuer: Cow::Borrowed(issuer),
        },
    };
    Ok(Line::Request(Request {
        client,
        time: clf_time(time),
        hostname: hostname.filter(|h| !h.is_empty() && *h != "-"),
        seen,
    }))
}

/// Apache's error log, which the log-phase snippet sets to `ssl:info`: mod_ssl refuses an
/// expired or wrong-purpose certificate at the handshake even in the log phase, and only this
/// line says so (no access-log line follows a refused handshake, so nothing counts twice):
/// `[Mon Nov 30 14:44:20.712522 2026] [ssl:info] [pid 1:tid 2] [client 127.0.0.2:37072]
/// AH02276: Certificate Verification: Error (10): certificate has expired [subject: … /
/// issuer: CN=… / serial: …]`. Every other error-log line is no request.
fn apache_error(line: &str) -> Result<Line<'_>, Unreadable> {
    const REFUSED: &str = " AH02276: Certificate Verification: Error (";
    let Some(at) = line.find(REFUSED) else {
        return Ok(Line::NotARequest);
    };
    let client = line[..at]
        .rfind("[client ")
        .map(|start| &line[start + "[client ".len()..at])
        .and_then(|client| client.strip_suffix(']'))
        .and_then(|client| client.rsplit_once(':'))
        .and_then(|(address, _)| ip_address(address.trim_matches(['[', ']'])))
        .ok_or("an AH02276 line without [client ADDRESS:PORT]")?;
    let detail = &line[at + REFUSED.len()..];
    let reason = detail
        .split_once("): ")
        .map_or(detail, |(_, reason)| reason);
    let (reason, names) = reason.split_once(" [subject: ").unwrap_or((reason, ""));
    let issuer = names
        .split(" / ")
        .find_map(|part| part.strip_prefix("issuer: "))
        .unwrap_or("");
    Ok(Line::Request(Request {
        client,
        time: error_log_time(line),
        hostname: None,
        seen: Seen::Failed {
            reason: Cow::Owned(format!("handshake refused: {reason}")),
            issuer: Cow::Borrowed(issuer),
        },
    }))
}

/// `[Mon Nov 30 14:44:20.712522 2026]` (Apache's error log, no zone: read as UTC) as Unix
/// seconds.
fn error_log_time(line: &str) -> Option<i64> {
    let inner = line.strip_prefix('[')?.split(']').next()?;
    let mut words = inner.split_whitespace();
    let (_weekday, month, day, clock, year) = (
        words.next()?,
        words.next()?,
        words.next()?,
        words.next()?,
        words.next()?,
    );
    let clock = clock.split('.').next()?;
    let day: u32 = day.parse().ok()?;
    clf_time(&format!("{day:02}/{month}/{year}:{clock}"))
}

/// HAProxy, after whatever prefix syslog adds:
/// `ADDR:PORT [TIME] FRONTEND "REQUEST" STATUS client_cert_used=U client_verify=V client_err=E
/// client_ca_err=C client_s_dn="…" client_i_dn="…" host="H"`, or the `error-log-format` line
/// `ADDR:PORT [TIME] FRONTEND TLS handshake refused: client_err=E client_ca_err=C reason="R"`.
fn haproxy(line: &str) -> Result<Line<'_>, Unreadable> {
    let Some((client, rest)) = after_client_port(line) else {
        // Start-up and health-check notes share the log target; a request line always starts
        // with the client. Another server's request line is no note: said, not dropped.
        return if line.contains("client_cert_used=")
            || line.contains("handshake refused")
            || has_access_log_time(line)
        {
            Err("no client ADDRESS:PORT before the [time]")
        } else if line.trim_start().starts_with('{') {
            Err("a JSON line (Caddy's format), not HAProxy's")
        } else {
            Ok(Line::NotARequest)
        };
    };
    let mut cursor = Cursor::new(rest);
    let time = cursor.bracketed().ok_or("no [time] after the address")?;
    cursor.word().ok_or("no frontend name")?;
    cursor.skip_spaces();
    if cursor.rest.starts_with("TLS handshake refused:") {
        cursor.rest = &cursor.rest["TLS handshake refused:".len()..];
        let err = cursor.field("client_err", Some("client_ca_err"));
        let ca_err = cursor.field("client_ca_err", Some("reason"));
        let reason = cursor.field("reason", None).unwrap_or("");
        // Only a refusal about the certificate says something of it: a health check that
        // closes at once, plain HTTP on the TLS port or an old TLS version is no request.
        let seen = match x509_error([err, ca_err]) {
            Some(code) => Seen::Failed {
                reason: Cow::Owned(format!("handshake refused: {code}")),
                issuer: Cow::Borrowed(""),
            },
            None if reason.contains("did not return a certificate") => Seen::Missing,
            None if reason.contains("certificate") => Seen::Failed {
                reason: Cow::Owned(format!("handshake refused: {reason}")),
                issuer: Cow::Borrowed(""),
            },
            None => return Ok(Line::NotARequest),
        };
        return Ok(Line::Request(Request {
            client,
            time: clf_time(time),
            hostname: None,
            seen,
        }));
    }
    cursor.quoted().ok_or("no quoted request line")?;
    cursor.word().ok_or("no status")?;
    let used = cursor
        .field("client_cert_used", Some("client_verify"))
        .ok_or("no client_cert_used= field: not the project's HAProxy log-format")?;
    let verify = cursor.field("client_verify", Some("client_err"));
    let err = cursor.field("client_err", Some("client_ca_err"));
    let ca_err = cursor.field("client_ca_err", Some("client_s_dn"));
    cursor.field("client_s_dn", Some("client_i_dn"));
    let issuer = json_text(cursor.field("client_i_dn", Some("host")).unwrap_or(""));
    let hostname = cursor.field("host", None).map(json_text);
    // ssl_c_verify is 0 when no certificate was sent: only ssl_c_used tells.
    let seen = match (used, x509_error([verify, err, ca_err])) {
        ("0", _) => Seen::Missing,
        ("1", None) => Seen::Verified,
        ("1", Some(code)) => Seen::Failed {
            reason: Cow::Owned(code),
            issuer,
        },
        _ => return Err("client_cert_used is neither 0 nor 1"),
    };
    Ok(Line::Request(Request {
        client,
        time: clf_time(time),
        hostname: hostname.filter(|h| !h.is_empty() && *h != "-"),
        seen,
    }))
}

/// An IPv4 or IPv6 address. Read here by hand in the forms servers write (std's general parser
/// took a tenth of the time per line, trying an embedded IPv4 address at every IPv6 group);
/// whatever these do not take goes to std, which has the last word.
fn ip_address(text: &str) -> Option<IpAddr> {
    let bytes = text.as_bytes();
    ipv4(bytes)
        .map(IpAddr::V4)
        .or_else(|| ipv6(bytes).map(IpAddr::V6))
        .or_else(|| text.parse().ok())
}

/// Dotted decimal, four octets of one to three digits without a leading zero: a subset of what
/// std accepts, so the answer is the same. One pass over the bytes.
fn ipv4(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let (mut done, mut value, mut digits) = (0, 0u16, 0);
    for &byte in text {
        match byte {
            // A fourth digit, or a digit after a leading zero, is refused.
            b'0'..=b'9' if digits < 3 && !(digits == 1 && value == 0) => {
                value = value * 10 + u16::from(byte - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && done < 3 => {
                octets[done] = u8::try_from(value).ok()?;
                (done, value, digits) = (done + 1, 0, 0);
            }
            _ => return None,
        }
    }
    if done != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// Groups of one to four hex digits, at most one `::` standing for at least one group of
/// zeros, no embedded IPv4 address: a subset of what std accepts, so the answer is the same.
fn ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    let mut groups = [0u16; 8];
    match text.windows(2).position(|pair| pair == b"::") {
        None => (hex_groups(text, &mut groups)? == 8).then_some(Ipv6Addr::from(groups)),
        Some(at) => {
            let mut tail = [0u16; 7];
            let head = hex_groups(&text[..at], &mut groups[..7])?;
            let tail_size = hex_groups(&text[at + 2..], &mut tail)?;
            if head + tail_size > 7 {
                return None;
            }
            groups[8 - tail_size..].copy_from_slice(&tail[..tail_size]);
            Some(Ipv6Addr::from(groups))
        }
    }
}

/// Colon-separated groups of one to four hex digits into `groups`, and how many; `None` for
/// anything else or more groups than `groups` holds.
fn hex_groups(text: &[u8], groups: &mut [u16]) -> Option<usize> {
    if text.is_empty() {
        return Some(0);
    }
    let mut count = 0;
    for part in text.split(|&b| b == b':') {
        if part.is_empty() || part.len() > 4 {
            return None;
        }
        *groups.get_mut(count)? = part.iter().try_fold(0u16, |n, &d| {
            Some(n << 4 | char::from(d).to_digit(16)? as u16)
        })?;
        count += 1;
    }
    Some(count)
}

/// A value HAProxy's `json` converter escaped (`\/` in every DN, `\"`, `\uXXXX`), as text; as
/// written when it is not valid JSON string content (a line not written by HAProxy).
fn json_text(escaped: &str) -> Cow<'_, str> {
    if !escaped.contains('\\') {
        return Cow::Borrowed(escaped);
    }
    serde_json::from_str::<String>(&format!("\"{escaped}\""))
        .map_or(Cow::Borrowed(escaped), Cow::Owned)
}

/// The first `ADDRESS:PORT [` in the line, and what follows the address.
fn after_client_port(line: &str) -> Option<(IpAddr, &str)> {
    let mut from = 0;
    while let Some(found) = line[from..].find(" [") {
        let space = from + found;
        let start = line[..space].rfind(' ').map_or(0, |s| s + 1);
        if let Some((address, port)) = line[start..space].rsplit_once(':')
            && port.parse::<u16>().is_ok()
            && let Some(address) = ip_address(address)
        {
            return Some((address, &line[space + 1..]));
        }
        from = space + 2;
    }
    None
}

/// Whether `line` holds an access log's ` [30/Nov/2026:` time, which no HAProxy note has.
fn has_access_log_time(line: &str) -> bool {
    line.match_indices(" [").any(|(at, _)| {
        let time = line.as_bytes().get(at + 2..at + 14).unwrap_or_default();
        time.len() == 12
            && time[..2].iter().all(u8::is_ascii_digit)
            && time[2] == b'/'
            && time[3..6].iter().all(u8::is_ascii_alphabetic)
            && time[6] == b'/'
            && time[7..11].iter().all(u8::is_ascii_digit)
            && time[11] == b':'
    })
}

/// An X.509 verification error among HAProxy's codes (0 = none), with OpenSSL's name for the
/// common ones.
fn x509_error<const N: usize>(codes: [Option<&str>; N]) -> Option<String> {
    let code = codes
        .into_iter()
        .flatten()
        .find(|c| !c.is_empty() && *c != "0")?;
    let name = match code {
        "2" => "unable to get issuer certificate",
        "7" => "certificate signature failure",
        "9" => "certificate is not yet valid",
        "10" => "certificate has expired",
        "18" => "self-signed certificate",
        "19" => "self-signed certificate in chain",
        "20" => "unable to get local issuer certificate",
        "21" => "unable to verify the first certificate",
        "23" => "certificate revoked",
        "26" => "unsupported certificate purpose",
        _ => "",
    };
    Some(if name.is_empty() {
        format!("X.509 error {code}")
    } else {
        format!("X.509 error {code} ({name})")
    })
}

#[derive(serde::Deserialize)]
struct CaddyLine<'a> {
    #[serde(borrow, default)]
    logger: Option<Cow<'a, str>>,
    #[serde(default)]
    ts: Option<serde_json::Value>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    request: Option<CaddyRequest<'a>>,
}

#[derive(serde::Deserialize)]
struct CaddyRequest<'a> {
    #[serde(borrow)]
    remote_ip: Cow<'a, str>,
    #[serde(borrow, default)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tls: Option<CaddyTls<'a>>,
}

#[derive(serde::Deserialize)]
struct CaddyTls<'a> {
    #[serde(borrow, default)]
    client_serial: Option<Cow<'a, str>>,
}

/// Caddy's JSON access log. Caddy logs no verification status: in the log phase
/// (`verify_if_given`) a certificate that fails is refused at the handshake, so a request
/// carrying `client_serial` was verified. Refused handshakes are in the `http.stdlib` log
/// (the snippet's `aop-tls-errors.log`), which is read too when given.
fn caddy(line: &str) -> Result<Line<'_>, Unreadable> {
    let entry: CaddyLine = serde_json::from_str(line).map_err(|_| "not one JSON object")?;
    let time = match &entry.ts {
        Some(serde_json::Value::Number(n)) => n.as_f64().map(|t| t as i64),
        Some(serde_json::Value::String(text)) => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|t| t.unix_timestamp())
        }
        _ => None,
    };
    if let Some(request) = entry.request {
        let client =
            ip_address(&request.remote_ip).ok_or("request.remote_ip is not an IP address")?;
        let seen = match request.tls.and_then(|t| t.client_serial) {
            Some(_) => Seen::Verified,
            None => Seen::Missing,
        };
        let hostname = request.host.map(|host| match host {
            Cow::Borrowed(h) => Cow::Borrowed(without_port(h)),
            Cow::Owned(h) => Cow::Owned(without_port(&h).to_string()),
        });
        return Ok(Line::Request(Request {
            client,
            time,
            hostname: hostname.filter(|h| !h.is_empty()),
            seen,
        }));
    }
    let (Some("http.stdlib"), Some(message)) = (entry.logger.as_deref(), entry.msg.as_deref())
    else {
        return Ok(Line::NotARequest);
    };
    // "http: TLS handshake error from 127.0.0.2:40001: tls: failed to verify certificate: …"
    let Some(rest) = message.strip_prefix("http: TLS handshake error from ") else {
        return Ok(Line::NotARequest);
    };
    let Some((address, why)) = rest.split_once(": ") else {
        return Err("a TLS handshake error without the client's address");
    };
    let client = address
        .rsplit_once(':')
        .and_then(|(ip, _)| ip_address(ip.trim_matches(['[', ']'])))
        .ok_or("a TLS handshake error without the client's address")?;
    let seen = if why.contains("didn't provide a certificate") {
        Seen::Missing
    } else if why.contains("certificate") {
        // Go names the time of the handshake ("…: current time 2026-…Z is after …"): without
        // it, every refusal of one expired certificate is one reason, not one each.
        let why = why.split(": current time ").next().unwrap_or(why);
        Seen::Failed {
            reason: Cow::Owned(format!("handshake refused: {why}")),
            issuer: Cow::Borrowed(""),
        }
    } else {
        // EOF, no shared cipher, a scanner: no request was made, and the certificate had no
        // part in it.
        return Ok(Line::NotARequest);
    };
    Ok(Line::Request(Request {
        client,
        time,
        hostname: None,
        seen,
    }))
}

/// `www.example.com:443` → `www.example.com`; `[2001:db8::1]:443` → `[2001:db8::1]`.
fn without_port(host: &str) -> &str {
    match memchr::memrchr(b':', host.as_bytes()).map(|colon| (&host[..colon], &host[colon + 1..])) {
        Some((name, port))
            if port.bytes().all(|b| b.is_ascii_digit())
                && (!name.contains(':') || name.ends_with(']')) =>
        {
            name
        }
        _ => host,
    }
}

/// The hostname a request was for, in one form: lower case, without a port or a final dot.
pub fn normalise_hostname(raw: &str) -> Cow<'_, str> {
    let name = without_port(raw).trim_end_matches('.');
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Walks a line field by field. Looks for single ASCII bytes with memchr rather than
/// `str::find(char)`, which matches a whole char through memcmp: this runs a dozen times for
/// every line of a log, and the char search took a tenth of the time (benches/evidence.rs).
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn new(line: &'a str) -> Self {
        Self {
            rest: line.trim_end_matches(['\r', '\n']),
        }
    }

    fn skip_spaces(&mut self) {
        // Bytes, not chars: `trim_start_matches(' ')` decodes each char it looks at.
        let spaces = self.rest.bytes().take_while(|&b| b == b' ').count();
        self.rest = &self.rest[spaces..];
    }

    fn word(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let end = memchr::memchr(b' ', self.rest.as_bytes()).unwrap_or(self.rest.len());
        let word = &self.rest[..end];
        self.rest = &self.rest[end..];
        (!word.is_empty()).then_some(word)
    }

    fn bracketed(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let inner = self.rest.strip_prefix('[')?;
        let end = memchr::memchr(b']', inner.as_bytes())?;
        self.rest = &inner[end + 1..];
        Some(&inner[..end])
    }

    /// A `"…"` value, its escapes left as written.
    fn quoted(&mut self) -> Option<&'a str> {
        self.skip_spaces();
        let inner = self.rest.strip_prefix('"')?;
        let end = closing_quote(inner)?;
        self.rest = &inner[end + 1..];
        Some(&inner[..end])
    }

    /// `key=value`, where value is quoted, or bare up to ` next=` (a bare value may hold
    /// spaces: nginx's `FAILED:certificate has expired`) or the end of the line.
    #[inline(always)]
    fn field(&mut self, key: &str, next: Option<&str>) -> Option<&'a str> {
        self.skip_spaces();
        let value = after_key(self.rest, key)?;
        if value.starts_with('"') {
            self.rest = value;
            return self.quoted();
        }
        let end = next
            .and_then(|next| find_key(value, next))
            .unwrap_or(value.len());
        self.rest = &value[end..];
        Some(value[..end].trim_end())
    }
}

/// `text` after its leading `key=`. Inlined, as `Cursor::field` is, so that each key's length
/// is known where it is compared: a few loads instead of a call to memcmp, six times a line.
#[inline(always)]
fn after_key<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let bytes = text.as_bytes();
    let n = key.len();
    (bytes.get(n) == Some(&b'=') && bytes[..n] == *key.as_bytes()).then(|| &text[n + 1..])
}

/// Where ` key=` starts in `text`. Tries each space rather than searching for the key: the
/// bare values before a key are a few bytes, shorter than a substring search takes to set up.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b' ', bytes).find(|&space| after_key(&text[space + 1..], key).is_some())
}

/// The index of the first `"` not escaped by a backslash. Jumps from one backslash or quote to
/// the next (memchr2): the names in a certificate run to a hundred bytes without either.
fn closing_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr2(b'\\', b'"', bytes.get(from..)?) {
        let at = from + found;
        if bytes[at] == b'"' {
            return Some(at);
        }
        // The byte after a backslash is escaped, whatever it is.
        from = at + 2;
    }
    None
}

/// `30/Nov/2026:13:10:40 +0000`, HAProxy's `30/Nov/2026:13:10:40.123` (no zone: read as
/// UTC), as Unix seconds.
fn clf_time(text: &str) -> Option<i64> {
    let (stamp, zone) = match memchr::memchr(b' ', text.as_bytes()) {
        Some(space) => (&text[..space], Some(&text[space + 1..])),
        None => (text, None),
    };
    let b = stamp.as_bytes();
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| decimal(b.get(range)?);
    let day = number(0..2)?;
    let month = match &b[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = number(7..11)?;
    let (hour, minute, second) = (number(12..14)?, number(15..17)?, number(18..20)?);
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset = match zone {
        None => 0,
        Some(zone) => {
            let (sign, digits) = match zone.as_bytes().first() {
                Some(b'+') => (1, &zone[1..]),
                Some(b'-') => (-1, &zone[1..]),
                _ => return None,
            };
            let digits = digits.as_bytes();
            if digits.len() != 4 {
                return None;
            }
            sign * (decimal(&digits[..2])? * 3600 + decimal(&digits[2..])? * 60)
        }
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// ASCII digits as a number; anything else is `None`. By hand: every line has seven of these,
/// and `str::parse` spends more checking what is already checked here.
fn decimal(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0, |n: i64, &d| {
        d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(server: WebServer, line: &str) -> Request<'_> {
        match parse(server, line) {
            Ok(Line::Request(request)) => request,
            other => panic!("{line}: {other:?}"),
        }
    }

    const NOV_30_2026_13_10_40: i64 = 1_796_044_240;

    #[test]
    fn nginx_lines_old_and_new() {
        let new = r#"162.158.1.2 [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify="SUCCESS" client_s_dn="CN=Cloudflare" client_i_dn="CN=My CA" client_serial=0A host="www.example.com""#;
        let r = request(WebServer::Nginx, new);
        assert_eq!(r.client, "162.158.1.2".parse::<IpAddr>().unwrap());
        assert_eq!(r.time, Some(NOV_30_2026_13_10_40));
        assert_eq!(r.hostname.as_deref(), Some("www.example.com"));
        assert_eq!(r.seen, Seen::Verified);
        // The first format: no host, client_verify bare, a FAILED reason with spaces.
        let old = r#"203.0.113.9 [30/Nov/2026:14:10:40 +0100] "GET /x HTTP/1.1" 200 client_verify=FAILED:certificate has expired client_s_dn="CN=x" client_i_dn="CN=Other CA" client_serial=01"#;
        let r = request(WebServer::Nginx, old);
        assert_eq!(r.time, Some(NOV_30_2026_13_10_40));
        assert_eq!(r.hostname, None);
        assert_eq!(
            r.seen,
            Seen::Failed {
                reason: "certificate has expired".into(),
                issuer: "CN=Other CA".into()
            }
        );
        let none = r#"203.0.113.9 [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify=NONE client_s_dn="" client_i_dn="" client_serial=- host="a.example.com""#;
        assert_eq!(request(WebServer::Nginx, none).seen, Seen::Missing);
    }

    #[test]
    fn a_client_chosen_value_cannot_pose_as_a_field() {
        // A certificate whose subject imitates the fields after it, quotes escaped as the
        // servers escape them: the real verification result and host win.
        let nginx = r#"203.0.113.9 [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify="FAILED:self-signed certificate" client_s_dn="CN=x\x22 client_verify=SUCCESS host=\x22www.example.com" client_i_dn="CN=x" client_serial=01 host="evil.example.net""#;
        let r = request(WebServer::Nginx, nginx);
        assert!(matches!(r.seen, Seen::Failed { .. }));
        assert_eq!(r.hostname.as_deref(), Some("evil.example.net"));
        let haproxy = r#"203.0.113.9:5000 [30/Nov/2026:13:10:40 +0000] fe "GET / HTTP/1.1" 200 client_cert_used=1 client_verify=18 client_err=18 client_ca_err=0 client_s_dn="CN=x\" client_verify=0 host=\"www.example.com" client_i_dn="CN=x" host="evil.example.net""#;
        let r = request(WebServer::Haproxy, haproxy);
        assert!(
            matches!(r.seen, Seen::Failed { ref reason, .. } if reason.contains("self-signed"))
        );
        assert_eq!(r.hostname.as_deref(), Some("evil.example.net"));
    }

    #[test]
    fn apache_lines() {
        let line = r#"::ffff:162.158.1.2 [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify="GENEROUS" client_s_dn="CN=x" client_i_dn="CN=Unknown CA" client_serial=05 host="www.example.com""#;
        let r = request(WebServer::Apache, line);
        assert_eq!(
            r.seen,
            Seen::Failed {
                reason: "GENEROUS".into(),
                issuer: "CN=Unknown CA".into()
            }
        );
        let plain = r#"10.0.0.1 [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify="-" client_s_dn="-" client_i_dn="-" client_serial=- host="-""#;
        let r = request(WebServer::Apache, plain);
        assert_eq!((r.seen, r.hostname), (Seen::Missing, None));
    }

    #[test]
    fn apache_error_log_lines() {
        // As Apache 2.4.71 wrote them in the log phase (tests/snippets_real_servers.rs).
        let expired = "[Mon Nov 30 13:10:40.712522 2026] [ssl:info] [pid 2900:tid 2913] [client 127.0.0.2:37072] AH02276: Certificate Verification: Error (10): certificate has expired [subject: CN=expired client / issuer: CN=trusted test CA,O=aop-wizard tests / serial: 718F / notbefore: Jan  1 00:00:00 2020 GMT / notafter: Jan  1 00:00:00 2021 GMT]";
        let r = request(WebServer::Apache, expired);
        assert_eq!(r.client, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(r.time, Some(NOV_30_2026_13_10_40));
        assert_eq!(r.hostname, None);
        assert_eq!(
            r.seen,
            Seen::Failed {
                reason: "handshake refused: certificate has expired".into(),
                issuer: "CN=trusted test CA,O=aop-wizard tests".into()
            }
        );
        for other in [
            "[Mon Nov 30 13:10:40.585187 2026] [ssl:info] [pid 2901:tid 2959] [client 127.0.0.1:37020] AH01964: Connection to child 64 established (server origin.test:443)",
            "[Mon Nov 30 13:10:40.686034 2026] [ssl:info] [pid 2900:tid 2911] [client 127.0.0.1:37060] AH02009: SSL client authentication failed, accepting certificate based on \"SSLVerifyClient optional_no_ca\" configuration",
            "[Mon Nov 30 13:10:40.712566 2026] [ssl:info] [pid 2900:tid 2913] SSL Library Error: error:0A000086:SSL routines::certificate verify failed",
        ] {
            assert_eq!(
                parse(WebServer::Apache, other),
                Ok(Line::NotARequest),
                "{other}"
            );
        }
        assert!(parse(WebServer::Apache, "[Mon Nov 30 13:10:40 2026] [ssl:info] [pid 1] AH02276: Certificate Verification: Error (10): x").is_err());
    }

    #[test]
    fn haproxy_lines_behind_syslog() {
        let line = r#"Nov 30 13:10:40 origin haproxy[812]: 127.0.0.2:40022 [30/Nov/2026:13:10:40 +0000] fe_origin "GET / HTTP/1.1" 200 client_cert_used=0 client_verify=0 client_err=0 client_ca_err=0 client_s_dn="" client_i_dn="" host="www.example.com:443""#;
        let r = request(WebServer::Haproxy, line);
        assert_eq!(r.client, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(r.seen, Seen::Missing);
        assert_eq!(
            normalise_hostname(r.hostname.as_deref().unwrap()),
            "www.example.com"
        );
        let verified = r#"::1:40022 [30/Nov/2026:13:10:40.123] fe "GET / HTTP/1.1" 200 client_cert_used=1 client_verify=0 client_err=0 client_ca_err=0 client_s_dn="/CN=c" client_i_dn="/CN=ca""#;
        let r = request(WebServer::Haproxy, verified);
        assert_eq!(r.client, "::1".parse::<IpAddr>().unwrap());
        assert_eq!(r.time, Some(NOV_30_2026_13_10_40));
        assert_eq!(r.seen, Seen::Verified);
        // As HAProxy really writes a DN: `json` escapes every slash.
        let wrong = r#"127.0.0.2:40022 [30/Nov/2026:13:10:40 +0000] fe_origin~ "GET / HTTP/1.1" 200 client_cert_used=1 client_verify=20 client_err=20 client_ca_err=0 client_s_dn="\/CN=wrong-ca client" client_i_dn="\/O=aop-wizard tests\/CN=unrelated \"test\" CA" host="www.example.com""#;
        assert_eq!(
            request(WebServer::Haproxy, wrong).seen,
            Seen::Failed {
                reason: "X.509 error 20 (unable to get local issuer certificate)".into(),
                issuer: "/O=aop-wizard tests/CN=unrelated \"test\" CA".into()
            }
        );
        // Not JSON string content: kept as written.
        assert_eq!(json_text(r"\q\"), r"\q\");
        let refused = r#"127.0.0.3:1 [30/Nov/2026:13:10:40 +0000] fe TLS handshake refused: client_err=10 client_ca_err=0 reason="certificate verify failed""#;
        assert!(matches!(
            request(WebServer::Haproxy, refused).seen,
            Seen::Failed { ref reason, .. } if reason.contains("expired")
        ));
        assert_eq!(
            parse(WebServer::Haproxy, "Proxy fe_origin started."),
            Ok(Line::NotARequest)
        );
        assert_eq!(
            parse(
                WebServer::Haproxy,
                "Nov 30 13:10:40 origin haproxy[812]: Server be/s1 is DOWN, reason: Layer4 timeout."
            ),
            Ok(Line::NotARequest)
        );
        // Another server's lines (--server mistaken) are unreadable, not notes.
        let nginx = r#"127.0.0.2 [30/Nov/2026:13:10:00 +0000] "GET / HTTP/1.1" 200 client_verify="SUCCESS" host="www.example.com""#;
        let caddy =
            r#"{"level":"info","logger":"http.log.access","request":{"remote_ip":"127.0.0.2"}}"#;
        for other in [nginx, caddy] {
            assert!(parse(WebServer::Haproxy, other).is_err(), "{other}");
        }
        // A TCP health check closing at once, plain HTTP, TLS 1.0: nothing about a certificate.
        for reason in [
            "",
            "error:0A00009C:SSL routines::http request",
            "error:0A000102:SSL routines::unsupported protocol",
        ] {
            let line = format!(
                "127.0.0.2:1 [30/Nov/2026:13:10:40 +0000] fe~ TLS handshake refused: client_err=0 client_ca_err=0 reason=\"{reason}\""
            );
            assert_eq!(
                parse(WebServer::Haproxy, &line),
                Ok(Line::NotARequest),
                "{line}"
            );
        }
        let enforced_without = r#"127.0.0.2:1 [30/Nov/2026:13:10:40 +0000] fe~ TLS handshake refused: client_err=0 client_ca_err=0 reason="error:0A0000C7:SSL routines::peer did not return a certificate""#;
        assert_eq!(
            request(WebServer::Haproxy, enforced_without).seen,
            Seen::Missing
        );
    }

    #[test]
    fn caddy_lines() {
        let verified = r#"{"level":"info","ts":1796044240.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.2","remote_port":"4000","host":"www.example.com:8443","tls":{"server_name":"www.example.com","client_common_name":"","client_serial":"123"}},"status":200}"#;
        let r = request(WebServer::Caddy, verified);
        assert_eq!(
            (r.time, r.hostname.as_deref(), &r.seen),
            (
                Some(NOV_30_2026_13_10_40),
                Some("www.example.com"),
                &Seen::Verified
            )
        );
        let without = r#"{"ts":1796044240,"request":{"remote_ip":"127.0.0.3","host":"www.example.com","tls":{"server_name":"www.example.com"}}}"#;
        assert_eq!(request(WebServer::Caddy, without).seen, Seen::Missing);
        let refused = r#"{"level":"debug","ts":1796044240,"logger":"http.stdlib","msg":"http: TLS handshake error from 127.0.0.2:40001: tls: failed to verify certificate: x509: certificate signed by unknown authority"}"#;
        let r = request(WebServer::Caddy, refused);
        assert_eq!(r.client, "127.0.0.2".parse::<IpAddr>().unwrap());
        assert!(
            matches!(r.seen, Seen::Failed { ref reason, .. } if reason.contains("unknown authority"))
        );
        // Go names the handshake's time: one expired certificate is one reason, whenever.
        let expired = |second: u8| {
            format!(
                r#"{{"logger":"http.stdlib","msg":"http: TLS handshake error from 127.0.0.2:4000{second}: tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-30T15:44:3{second}Z is after 2026-11-29T00:00:00Z"}}"#
            )
        };
        let (first, second) = (expired(0), expired(1));
        let reasons = [&first, &second].map(|line| match request(WebServer::Caddy, line).seen {
            Seen::Failed { reason, .. } => reason.into_owned(),
            other => panic!("{other:?}"),
        });
        assert_eq!(reasons[0], reasons[1]);
        assert!(
            reasons[0].ends_with("x509: certificate has expired or is not yet valid"),
            "{}",
            reasons[0]
        );
        let eof = r#"{"level":"debug","logger":"http.stdlib","msg":"http: TLS handshake error from 127.0.0.2:40001: EOF"}"#;
        assert_eq!(parse(WebServer::Caddy, eof), Ok(Line::NotARequest));
        assert!(parse(WebServer::Caddy, "not json").is_err());
    }

    #[test]
    fn other_lines_are_unreadable_not_guessed() {
        for line in [
            "",
            "garbage",
            r#"www.example.com [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 client_verify=SUCCESS"#,
            r#"1.2.3.4 - - [30/Nov/2026:13:10:40 +0000] "GET / HTTP/1.1" 200 512 "-" "curl""#,
        ] {
            assert!(parse(WebServer::Nginx, line).is_err(), "{line}");
        }
        assert_eq!(clf_time("31/Foo/2026:13:10:40 +0000"), None);
        assert_eq!(clf_time("30/Nov/2026:25:10:40 +0000"), None);
        assert_eq!(clf_time("01/Jan/1970:00:00:00 +0000"), Some(0));
        assert_eq!(clf_time("29/Feb/2024:00:00:00 -0130"), Some(1_709_170_200));
        assert_eq!(clf_time("30/Nov/2026:13:10:40 +01x0"), None);
        assert_eq!(clf_time("3x/Nov/2026:13:10:40 +0000"), None);
    }

    #[test]
    fn addresses_read_as_std_reads_them() {
        // The IPv4 fast path answers exactly what std answers, refusals included.
        for text in [
            "162.158.1.2",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.0004",
            "1.2.3.00",
            "1.2.3.0",
            "1.2.3.255",
            "1.2.3.256",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.4.",
            "2400:cb00::1",
            "::ffff:162.158.1.2",
            "",
            "www.example.com",
            "2400:cb00:2049:1::a29f:1804",
            "2400:CB00:0000:0001:0000:0000:0000:0001",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7",
            "1::2::3",
            ":::",
            "1:",
            ":1",
            "12345::",
            "g::1",
            "::ffff:1.2.3.4",
            "64:ff9b::192.0.2.33",
            "fe80::1%eth0",
        ] {
            assert_eq!(ip_address(text), text.parse::<IpAddr>().ok(), "{text:?}");
        }
        // Every spelling std writes, zero runs anywhere, reads back to the same address.
        for pattern in 0u32..256 {
            let groups: [u16; 8] = std::array::from_fn(|i| {
                if pattern >> i & 1 == 1 {
                    0x2400 + i as u16
                } else {
                    0
                }
            });
            let address = IpAddr::V6(Ipv6Addr::from(groups));
            assert_eq!(ip_address(&address.to_string()), Some(address));
        }
    }

    #[test]
    fn keys_and_quotes_are_found_where_the_format_puts_them() {
        assert_eq!(find_key("FAILED:bad host cert host=x", "host"), Some(20));
        assert_eq!(find_key("hosthost=x", "host"), None);
        assert_eq!(find_key("a host", "host"), None);
        assert_eq!(after_key("host=x", "host"), Some("x"));
        assert_eq!(after_key("hostx=x", "host"), None);
        assert_eq!(after_key("hast=x", "host"), None);
        assert_eq!(after_key("host", "host"), None);
        assert_eq!(closing_quote(r#"a\"b" c"#), Some(4));
        assert_eq!(closing_quote(r#"a\\" c"#), Some(3));
        assert_eq!(closing_quote(r#"no end\"#), None);
        assert_eq!(closing_quote(r#"no end\""#), None);
    }
}
