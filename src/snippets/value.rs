//! The one gate for every value a snippet places in a configuration (CA paths, the log
//! directory, nginx's fallback) and the quoting each parser needs. A value either goes in quoted
//! so the server reads back exactly what was given, or is refused with a sentence: a line break
//! would start a directive of its own (`ssl_verify_client off;`), a space splits an argument,
//! and some servers expand sequences (`$var`, `${VAR}`, `{placeholder}`, `{{ template }}`)
//! that no quoting turns off.
//!
//! Quoting rules, checked against the servers installed for the tests (nginx 1.22, Apache 2.4,
//! HAProxy 2.6, Caddy 2.6) and their parsers:
//! - nginx: `"…"` with `\"` and `\\` (ngx_conf_read_token).
//! - Apache: `"…"` with `\"` and `\\` (ap_getword_conf).
//! - HAProxy and the shell: `'…'`, which expands nothing; a `'` is written `'\''`.
//! - Caddyfile: `` `…` `` takes everything but a backtick; else `"…"` with `\"`, where a
//!   backslash before a quote cannot be written.
//! - Traefik (YAML): `'…'` with `''` for a `'`.

use super::{SnippetError, WebServer};

/// What a value is, for the sentence that refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    CaPath,
    LogDir,
    NginxUpstream,
    NginxRoot,
}

impl ValueKind {
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::CaPath => "CA path",
            ValueKind::LogDir => "log directory",
            ValueKind::NginxUpstream => "nginx upstream",
            ValueKind::NginxRoot => "nginx document root",
        }
    }
}

/// Why a value cannot go into the configuration, each with what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsafe {
    Empty,
    /// A line break, tab or other control character (or a Unicode line separator).
    Control(char),
    /// A bidirectional or zero-width mark: the snippet would read differently on screen from
    /// what the server does with it.
    Invisible(char),
    /// A path (CA file, log directory, document root) must be absolute: each server resolves a
    /// relative one from a different place, and Apache runs a `|command` as a piped log.
    NotAbsolute,
    /// nginx's fallback upstream is not an `http://` or `https://` URL with a host: `nginx -t`
    /// would refuse the snippet.
    NotAnUpstream,
    /// A sequence the server expands whatever the quoting.
    Expanded {
        sequence: &'static str,
        meaning: &'static str,
    },
    /// Both a backtick and a backslash before a quote (or at the end): no Caddyfile quoting
    /// carries that.
    CaddyUnquotable,
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsafe::Empty => write!(f, "is empty; give the path"),
            Unsafe::Control(c) => write!(
                f,
                "holds the control character U+{:04X}, which would end the directive and let the rest be read as configuration; remove it",
                u32::from(*c)
            ),
            Unsafe::Invisible(c) => write!(
                f,
                "holds the invisible mark U+{:04X}, which makes the configuration read differently on screen from what the server loads; remove it",
                u32::from(*c)
            ),
            Unsafe::NotAbsolute => write!(
                f,
                "is not absolute; give it from / (each server resolves a relative path from a different place)"
            ),
            Unsafe::NotAnUpstream => write!(
                f,
                "is not an http:// or https:// address nginx can proxy to; give one such as http://127.0.0.1:8080"
            ),
            Unsafe::Expanded { sequence, meaning } => {
                write!(
                    f,
                    "holds {sequence}, which {meaning}; choose one without it"
                )
            }
            Unsafe::CaddyUnquotable => write!(
                f,
                "holds both a backtick and a backslash before a quote, which no Caddyfile quoting can carry; choose a path without them"
            ),
        }
    }
}

/// Checks `value` for `server`: everything that passes is placed by [`quote`] exactly as given.
pub fn check(server: WebServer, kind: ValueKind, value: &str) -> Result<(), SnippetError> {
    refusal(server, kind, value).map_or(Ok(()), |reason| {
        Err(SnippetError::UnsafeValue {
            what: kind.describe(),
            value: value.to_string(),
            reason,
        })
    })
}

fn refusal(server: WebServer, kind: ValueKind, value: &str) -> Option<Unsafe> {
    if value.is_empty() {
        return Some(Unsafe::Empty);
    }
    if let Some(c) = value.chars().find(|c| crate::untrusted::needs_escape(*c)) {
        return Some(if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            Unsafe::Control(c)
        } else {
            Unsafe::Invisible(c)
        });
    }
    match kind {
        ValueKind::LogDir | ValueKind::CaPath | ValueKind::NginxRoot if !value.starts_with('/') => {
            return Some(Unsafe::NotAbsolute);
        }
        ValueKind::NginxUpstream if !is_upstream(value) => return Some(Unsafe::NotAnUpstream),
        _ => {}
    }
    let expanded = |sequence, meaning| Some(Unsafe::Expanded { sequence, meaning });
    match server {
        // access_log, root and proxy_pass take variables, and nginx has no escape for `$`.
        WebServer::Nginx if kind != ValueKind::CaPath && value.contains('$') => expanded(
            "$",
            "nginx reads as a variable in this directive and cannot escape",
        ),
        WebServer::Apache if value.contains("${") => expanded(
            "${",
            "Apache replaces with a defined variable, quoted or not",
        ),
        WebServer::Caddy if value.contains(['{', '}']) => expanded(
            "a brace",
            "the Caddyfile reads as a placeholder or environment variable, quoted or not",
        ),
        WebServer::Caddy if value.contains('`') && !fits_caddy_double_quotes(value) => {
            Some(Unsafe::CaddyUnquotable)
        }
        WebServer::Traefik if value.contains("{{") => expanded(
            "{{",
            "Traefik reads as a Go template action in its dynamic configuration",
        ),
        _ => None,
    }
}

/// What `proxy_pass` takes as a fixed address: http or https, a host, an optional port and path,
/// nothing nginx would read as the end of the directive or an argument.
fn is_upstream(value: &str) -> bool {
    !value.contains(|c: char| c.is_whitespace() || ";{}\"'".contains(c))
        && reqwest::Url::parse(value)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
}

/// In a Caddyfile `"…"` only `\"` is an escape, so a backslash right before a quote (or the
/// closing quote) cannot be written.
fn fits_caddy_double_quotes(value: &str) -> bool {
    !value.ends_with('\\') && !value.contains("\\\"")
}

/// Characters every parser here (and the shell) reads as part of a bare word.
fn is_bare(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:@+=,".contains(c))
}

/// `value`, checked by [`check`], written so that `server` reads back exactly it.
pub fn quote(server: WebServer, value: &str) -> String {
    match server {
        WebServer::Nginx | WebServer::Apache if !is_bare(value) => {
            format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
        }
        WebServer::Haproxy => shell_word(value),
        WebServer::Caddy if !is_bare(value) => {
            if value.contains('`') {
                format!("\"{}\"", value.replace('"', "\\\""))
            } else {
                format!("`{value}`")
            }
        }
        // A YAML plain scalar from `/` can be no number, boolean, null, alias or tag.
        WebServer::Traefik if !(value.starts_with('/') && is_bare(value)) => {
            format!("'{}'", value.replace('\'', "''"))
        }
        _ => value.to_string(),
    }
}

/// One word for a POSIX shell, and for HAProxy, which quotes the same way: bare when it can
/// be, else in single quotes, where nothing expands.
pub fn shell_word(value: &str) -> String {
    if !value.is_empty() && is_bare(value) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [WebServer; 5] = WebServer::ALL;

    #[test]
    fn a_shell_word_reads_back_as_given() {
        assert_eq!(
            shell_word("/var/log/nginx/aop-access.log"),
            "/var/log/nginx/aop-access.log"
        );
        // Brace expansion, globs, spaces, quotes and the empty word all need quotes.
        assert_eq!(shell_word("{a,b}"), "'{a,b}'");
        assert_eq!(shell_word("*.log"), "'*.log'");
        assert_eq!(shell_word("my logs"), "'my logs'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn line_breaks_and_control_characters_are_refused_for_every_server() {
        for server in ALL {
            for bad in [
                "/etc/ca.pem;\nssl_verify_client off",
                "/etc/ca\r.pem",
                "/etc/\u{1b}[2Jca.pem",
                "/etc/ca\u{2028}.pem",
            ] {
                let error = check(server, ValueKind::CaPath, bad).unwrap_err();
                assert!(
                    error.to_string().contains("control character U+"),
                    "{error}"
                );
            }
            assert!(check(server, ValueKind::CaPath, "").is_err());
            let error = check(server, ValueKind::CaPath, "/etc/\u{202E}mep.ac").unwrap_err();
            assert!(
                error.to_string().contains("invisible mark U+202E"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_log_directory_must_be_absolute() {
        for server in ALL {
            assert!(check(server, ValueKind::LogDir, "|/bin/sh -c evil").is_err());
            assert!(check(server, ValueKind::LogDir, "logs").is_err());
            assert!(check(server, ValueKind::LogDir, "/var/log/my logs").is_ok());
        }
    }

    #[test]
    fn sequences_a_server_expands_are_refused_only_where_it_expands_them() {
        let refused = |server, kind, value| check(server, kind, value).is_err();
        assert!(refused(
            WebServer::Nginx,
            ValueKind::LogDir,
            "/var/log/$host"
        ));
        assert!(refused(
            WebServer::Nginx,
            ValueKind::NginxUpstream,
            "http://$a"
        ));
        assert!(!refused(
            WebServer::Nginx,
            ValueKind::CaPath,
            "/etc/$ca.pem"
        ));
        assert!(refused(
            WebServer::Apache,
            ValueKind::CaPath,
            "/etc/${X}/ca.pem"
        ));
        assert!(!refused(
            WebServer::Apache,
            ValueKind::CaPath,
            "/etc/$X/ca.pem"
        ));
        assert!(refused(
            WebServer::Caddy,
            ValueKind::CaPath,
            "/etc/{host}/ca.pem"
        ));
        assert!(refused(
            WebServer::Traefik,
            ValueKind::CaPath,
            "/etc/{{.}}/ca.pem"
        ));
        assert!(!refused(
            WebServer::Haproxy,
            ValueKind::CaPath,
            "/etc/${X}'s/ca.pem"
        ));
        assert!(refused(WebServer::Caddy, ValueKind::CaPath, "/etc/`a\\\"b"));
        assert!(!refused(WebServer::Caddy, ValueKind::CaPath, "/etc/`a\"b"));
    }

    #[test]
    fn each_server_gets_its_own_quoting_and_bare_paths_stay_bare() {
        let path = r#"/etc/my "aop" certs/it's $ca\x.pem"#;
        assert_eq!(
            quote(WebServer::Nginx, path),
            r#""/etc/my \"aop\" certs/it's $ca\\x.pem""#
        );
        assert_eq!(
            quote(WebServer::Apache, path),
            quote(WebServer::Nginx, path)
        );
        assert_eq!(
            quote(WebServer::Haproxy, path),
            r#"'/etc/my "aop" certs/it'\''s $ca\x.pem'"#
        );
        assert_eq!(quote(WebServer::Caddy, path), format!("`{path}`"));
        assert_eq!(quote(WebServer::Caddy, "/a `b\" c"), r#""/a `b\" c""#);
        assert_eq!(
            quote(WebServer::Traefik, path),
            r#"'/etc/my "aop" certs/it''s $ca\x.pem'"#
        );
        assert_eq!(quote(WebServer::Traefik, "ca.pem"), "'ca.pem'");
        for server in ALL {
            assert_eq!(
                quote(server, "/etc/nginx/aop/ca.crt"),
                "/etc/nginx/aop/ca.crt"
            );
        }
    }
}
