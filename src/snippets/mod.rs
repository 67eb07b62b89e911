//! Origin configuration snippets: pure functions from (server, phase, CA files, version) to the
//! text an engineer pastes into their web server, one file per server.
//!
//! Every snippet comes in two phases. `Log` asks for Cloudflare's client certificate and records
//! the verification result while still serving requests; `Enforce` refuses every request without
//! a valid certificate. What "optional" means differs on every server (see each file).

mod apache;
mod caddy;
mod haproxy;
mod nginx;
mod traefik;
mod value;

pub use caddy::TLS_ERRORS_LOG as CADDY_TLS_ERRORS_LOG;
pub use caddy::TRUST_POOL_SINCE as CADDY_TRUST_POOL_SINCE;
use value::ValueKind;
pub use value::{Unsafe, shell_word};

use serde::Serialize;
use time::Date;

/// The access log's file name in the log directory.
const ACCESS_LOG: &str = "aop-access.log";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebServer {
    Nginx,
    Apache,
    Haproxy,
    Traefik,
    Caddy,
}

impl WebServer {
    pub const ALL: [WebServer; 5] = [
        WebServer::Nginx,
        WebServer::Apache,
        WebServer::Haproxy,
        WebServer::Traefik,
        WebServer::Caddy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WebServer::Nginx => "nginx",
            WebServer::Apache => "apache",
            WebServer::Haproxy => "haproxy",
            WebServer::Traefik => "traefik",
            WebServer::Caddy => "caddy",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            WebServer::Nginx => "NGINX",
            WebServer::Apache => "Apache httpd",
            WebServer::Haproxy => "HAProxy",
            WebServer::Traefik => "Traefik",
            WebServer::Caddy => "Caddy",
        }
    }

    /// Where the wizard suggests putting the trusted CA on the origin.
    pub fn default_ca_path(self) -> String {
        format!("/etc/{}/aop/ca.crt", self.config_dir_name())
    }

    fn config_dir_name(self) -> &'static str {
        match self {
            WebServer::Apache => "apache2",
            other => other.name(),
        }
    }

    /// Where the server's access log goes when the user does not say.
    fn default_log_dir(self) -> &'static str {
        match self {
            WebServer::Nginx => "/var/log/nginx",
            WebServer::Apache => "/var/log/apache2",
            WebServer::Haproxy => "/var/log/haproxy",
            WebServer::Traefik => "/var/log/traefik",
            WebServer::Caddy => "/var/log/caddy",
        }
    }
}

impl std::str::FromStr for SnippetPhase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "log" => Ok(SnippetPhase::Log),
            "enforce" => Ok(SnippetPhase::Enforce),
            other => Err(format!(
                "unknown phase \"{}\"; choose log or enforce",
                crate::untrusted::shown(other)
            )),
        }
    }
}

impl std::str::FromStr for WebServer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "httpd" | "apache2" => "apache",
            other => other,
        };
        WebServer::ALL
            .into_iter()
            .find(|server| server.name() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown server \"{}\"; choose nginx, apache, haproxy, traefik or caddy",
                    crate::untrusted::shown(s)
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnippetPhase {
    /// Ask for the certificate and log the verification result; serve everything.
    Log,
    /// Refuse every request without a valid certificate.
    Enforce,
}

impl SnippetPhase {
    pub fn name(self) -> &'static str {
        match self {
            SnippetPhase::Log => "log",
            SnippetPhase::Enforce => "enforce",
        }
    }

    fn title(self) -> &'static str {
        match self {
            SnippetPhase::Log => "phase 1 of 2: accept and log",
            SnippetPhase::Enforce => "phase 2 of 2: enforce",
        }
    }
}

/// A CA file as it will be found on the origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaFile {
    pub path: String,
    /// How many certificates the file holds, when known; Caddy before 2.8 reads only the first.
    pub certificates: Option<usize>,
}

impl CaFile {
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            certificates: None,
        }
    }
}

/// `major.minor` of the web server on the origin, where the syntax depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct ServerVersion {
    pub major: u32,
    pub minor: u32,
}

impl std::str::FromStr for ServerVersion {
    type Err = String;
    /// `2.6`, `2.8.4`, `v2.11.7`, and what servers print after it (`1.22.1-1~deb12u1`,
    /// `v2.11.7 h1:…`); anything else glued to the numbers (`2.8x`) is refused, not guessed.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let refused = || {
            format!(
                "\"{}\" is not a version like 2.6 or 2.8.4; give the server's major.minor",
                crate::untrusted::exact(s, 40)
            )
        };
        let text = s.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let end = text
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len());
        let (numbers, rest) = text.split_at(end);
        if !(rest.is_empty() || rest.starts_with([' ', '-', '+', '~', '_'])) {
            return Err(refused());
        }
        let parts: Vec<&str> = numbers.split('.').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(refused());
        }
        let number =
            |part: Option<&&str>| part.map_or(Ok(0), |p| p.parse::<u32>().map_err(|_| refused()));
        Ok(Self {
            major: number(parts.first())?,
            minor: number(parts.get(1))?,
        })
    }
}

impl std::fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What nginx should do with a request whose certificate failed verification in the log phase:
/// serve it exactly as the rest of the site is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "value")]
pub enum NginxFallback {
    /// `proxy_pass URL;`
    Proxy(String),
    /// `root DIR;` (static files)
    Root(String),
}

#[derive(Debug, Clone)]
pub struct SnippetRequest {
    pub server: WebServer,
    pub phase: SnippetPhase,
    pub ca_files: Vec<CaFile>,
    /// The CA is Cloudflare's shared one (global AOP).
    pub global: bool,
    pub server_version: Option<ServerVersion>,
    pub log_dir: Option<String>,
    pub nginx_fallback: NginxFallback,
    pub generated_on: Date,
}

impl SnippetRequest {
    pub fn new(
        server: WebServer,
        phase: SnippetPhase,
        ca_files: Vec<CaFile>,
        generated_on: Date,
    ) -> Self {
        Self {
            server,
            phase,
            ca_files,
            global: false,
            server_version: None,
            log_dir: None,
            nginx_fallback: NginxFallback::Root("/var/www/html".into()),
            generated_on,
        }
    }

    fn log_dir(&self) -> &str {
        self.log_dir
            .as_deref()
            .unwrap_or(self.server.default_log_dir())
            .trim_end_matches('/')
    }

    /// A file in the log directory, quoted for the server.
    fn log_file(&self, name: &str) -> String {
        self.quote(&format!("{}/{name}", self.log_dir()))
    }

    /// The access log the log-phase snippet makes the server write, as a path (not quoted),
    /// where `aop-wizard evidence` reads it. HAProxy logs to its syslog target: Debian's and
    /// RHEL's rsyslog rules put that in /var/log/haproxy.log.
    pub fn access_log(&self) -> Option<String> {
        match self.server {
            WebServer::Nginx | WebServer::Apache | WebServer::Caddy => {
                Some(format!("{}/{ACCESS_LOG}", self.log_dir()))
            }
            WebServer::Haproxy => Some("/var/log/haproxy.log".into()),
            WebServer::Traefik => None,
        }
    }

    /// A checked value (see `check`) as this server's parser must read it.
    fn quote(&self, value: &str) -> String {
        value::quote(self.server, value)
    }

    /// Every value the snippet places in the configuration, through the one check; `render`
    /// runs it before anything is written, so the server files only quote.
    pub fn check(&self) -> Result<(), SnippetError> {
        for ca in &self.ca_files {
            value::check(self.server, ValueKind::CaPath, &ca.path)?;
        }
        if let Some(dir) = &self.log_dir {
            value::check(self.server, ValueKind::LogDir, dir)?;
        }
        if self.server == WebServer::Nginx {
            match &self.nginx_fallback {
                NginxFallback::Proxy(url) => {
                    value::check(self.server, ValueKind::NginxUpstream, url)?
                }
                NginxFallback::Root(dir) => value::check(self.server, ValueKind::NginxRoot, dir)?,
            }
        }
        Ok(())
    }

    /// The CA file a single-file server reads, quoted for it: a bundle when several CAs are
    /// trusted (rotation), with the shell commands that build it.
    fn single_ca_file(&self) -> (String, Vec<String>) {
        match self.ca_files.as_slice() {
            [one] => (self.quote(&one.path), Vec::new()),
            many => {
                let first = std::path::Path::new(&many[0].path);
                let dir = first
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let dir = if dir.is_empty() { ".".to_string() } else { dir };
                let bundle = format!("{dir}/aop-ca-bundle.pem");
                let sources: Vec<String> =
                    many.iter().map(|ca| value::shell_word(&ca.path)).collect();
                let (target, temporary) = (
                    value::shell_word(&bundle),
                    value::shell_word(&format!("{bundle}.")),
                );
                // Written beside the target and renamed: a reload (or a second run) never reads
                // a half-written bundle. `$$` stays outside the quotes to expand to the PID.
                (
                    self.quote(&bundle),
                    vec![format!(
                        "cat {} > {temporary}$$ && mv {temporary}$$ {target}",
                        sources.join(" ")
                    )],
                )
            }
        }
    }
}

/// Where a section of a snippet goes in the server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    NginxHttp,
    NginxServer,
    ApacheVirtualHost,
    HaproxyBindOptions,
    HaproxyFrontend,
    CaddyGlobalOptions,
    CaddySite,
    CaddyTls,
    TraefikDynamic,
    TraefikStatic,
}

impl Placement {
    pub fn describe(self) -> &'static str {
        match self {
            Placement::NginxHttp => "in the http { } block (e.g. /etc/nginx/conf.d/aop.conf)",
            Placement::NginxServer => "in the server { } block that listens with ssl",
            Placement::ApacheVirtualHost => "in the <VirtualHost *:443> that has SSLEngine on",
            Placement::HaproxyBindOptions => {
                "append to the `bind ... ssl crt ...` line of the frontend"
            }
            Placement::HaproxyFrontend => "in the same frontend section",
            Placement::CaddyGlobalOptions => {
                "in the global options block { } at the top of the Caddyfile"
            }
            Placement::CaddySite => "in the site block",
            Placement::CaddyTls => "inside the site's tls directive block: tls CERT KEY { ... }",
            Placement::TraefikDynamic => {
                "in a dynamic configuration file (file provider); routers use it with tls.options: aop@file"
            }
            Placement::TraefikStatic => "in the static configuration (traefik.yml)",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SnippetSection {
    pub placement: Placement,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub server: WebServer,
    pub phase: SnippetPhase,
    /// Commands to run on the origin before the config test (e.g. building a CA bundle).
    pub prepare: Vec<String>,
    pub sections: Vec<SnippetSection>,
    pub config_test: String,
    pub reload: String,
    pub notes: Vec<String>,
    #[serde(skip)]
    header: String,
}

impl Snippet {
    pub fn section(&self, placement: Placement) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.placement == placement)
            .map(|s| s.text.as_str())
    }

    /// The whole snippet as the user pastes it: a header saying what it is and what comes next,
    /// then each section under a comment saying where it goes.
    pub fn text(&self) -> String {
        let mut out = self.header.clone();
        for section in &self.sections {
            out.push_str(&format!("\n# --- {} ---\n", section.placement.describe()));
            out.push_str(&section.text);
            if !section.text.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnippetError {
    #[error(
        "no CA file given; pass --ca PATH (the CA that signed the certificate uploaded to Cloudflare) or --global"
    )]
    NoCa,
    #[error("{0}")]
    Unsupported(String),
    /// A value that would not reach the server as given (a line break adds a directive).
    #[error("the {what} \"{}\" {reason}", crate::untrusted::exact(.value, 200))]
    UnsafeValue {
        what: &'static str,
        value: String,
        reason: Unsafe,
    },
}

/// Renders the snippet for one server and phase.
pub fn render(request: &SnippetRequest) -> Result<Snippet, SnippetError> {
    if request.ca_files.is_empty() {
        return Err(SnippetError::NoCa);
    }
    request.check()?;
    let body = match request.server {
        WebServer::Nginx => nginx::render(request),
        WebServer::Apache => apache::render(request),
        WebServer::Haproxy => haproxy::render(request),
        WebServer::Traefik => traefik::render(request),
        WebServer::Caddy => caddy::render(request)?,
    };
    let header = header(request, &body);
    Ok(Snippet {
        server: request.server,
        phase: request.phase,
        prepare: body.prepare,
        sections: body.sections,
        config_test: body.config_test,
        reload: body.reload,
        notes: body.notes,
        header,
    })
}

/// What each server file returns; the header is shared.
struct RenderedBody {
    prepare: Vec<String>,
    sections: Vec<SnippetSection>,
    config_test: String,
    reload: String,
    notes: Vec<String>,
}

fn header(request: &SnippetRequest, body: &RenderedBody) -> String {
    let server = request.server.display_name();
    let mut lines = vec![
        format!(
            "Cloudflare Authenticated Origin Pulls for {server}: {}",
            request.phase.title()
        ),
        format!(
            "Generated by aop-wizard {} on {}.",
            env!("CARGO_PKG_VERSION"),
            request.generated_on
        ),
    ];
    let trusted: Vec<&str> = request.ca_files.iter().map(|ca| ca.path.as_str()).collect();
    let whose = if request.global {
        "Cloudflare's shared origin-pull CA (global AOP)"
    } else {
        "your CA"
    };
    lines.push(format!("Trusts {whose}: {}", trusted.join(", ")));
    lines.push(match request.phase {
        SnippetPhase::Log => "Asks every client for a certificate and logs the verification result, but still serves requests without one.".into(),
        SnippetPhase::Enforce => "Refuses every request that does not present a certificate signed by the trusted CA.".into(),
    });
    lines.extend(body.notes.iter().cloned());
    lines.push("Next:".into());
    let mut step = 1;
    let mut next = |text: String| {
        lines.push(format!("  {step}. {text}"));
        step += 1;
    };
    for command in &body.prepare {
        next(format!("on the origin: {command}"));
    }
    next(format!("test the configuration: {}", body.config_test));
    next(format!("apply it: {}", body.reload));
    match request.phase {
        SnippetPhase::Log => {
            next("enable Authenticated Origin Pulls on Cloudflare (aop-wizard enable ...)".into());
            next(match request.access_log().filter(|_| crate::evidence::readable(request.server).is_ok()) {
                Some(log) => format!(
                    "check that every request from Cloudflare arrives with a verified certificate: aop-wizard evidence --server {} --log {} --since 15m",
                    request.server.name(),
                    shell_word(&log)
                ),
                None => "check the origin logs a successful verification for Cloudflare's requests (aop-wizard verify ...)".into(),
            });
            next(format!(
                "switch to the enforce phase: aop-wizard snippet {} --phase enforce ...",
                request.server.name()
            ));
        }
        SnippetPhase::Enforce => {
            next("prove that a request without the certificate now fails: aop-wizard verify --origin ADDR --host NAME".into());
        }
    }
    lines.iter().map(|line| format!("# {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_with_or_without_patch() {
        assert_eq!(
            "2.6.2".parse::<ServerVersion>().unwrap(),
            ServerVersion { major: 2, minor: 6 }
        );
        assert_eq!(
            "v2.8".parse::<ServerVersion>().unwrap(),
            ServerVersion { major: 2, minor: 8 }
        );
        assert!("latest".parse::<ServerVersion>().is_err());
        for printed in ["1.22.1-1~deb12u1", "v2.11.7 h1:yj0Y4f", "2"] {
            assert!(printed.parse::<ServerVersion>().is_ok(), "{printed}");
        }
        assert_eq!(
            "v2.11.7 h1:yj0Y4f".parse::<ServerVersion>().unwrap(),
            ServerVersion {
                major: 2,
                minor: 11
            }
        );
        // Glued to the numbers, a typo is refused rather than read as an older version.
        for typo in ["2.8x", "2.8\"; evil", "2..8", "1.2.3.4", "", "2.6beta"] {
            let said = typo.parse::<ServerVersion>().unwrap_err();
            assert!(
                said.contains("is not a version like 2.6 or 2.8.4"),
                "{typo}: {said}"
            );
        }
    }

    #[test]
    fn servers_parse_with_aliases() {
        assert_eq!("httpd".parse::<WebServer>().unwrap(), WebServer::Apache);
        assert_eq!("NGINX".parse::<WebServer>().unwrap(), WebServer::Nginx);
        assert!(
            "iis"
                .parse::<WebServer>()
                .unwrap_err()
                .contains("choose nginx")
        );
    }

    #[test]
    fn several_cas_become_one_bundle_for_single_file_servers() {
        let request = SnippetRequest::new(
            WebServer::Nginx,
            SnippetPhase::Enforce,
            vec![
                CaFile::new("/etc/aop/old.pem"),
                CaFile::new("/etc/aop/new.pem"),
            ],
            time::macros::date!(2026 - 11 - 22),
        );
        let snippet = render(&request).unwrap();
        assert_eq!(
            snippet.prepare,
            vec![
                "cat /etc/aop/old.pem /etc/aop/new.pem > /etc/aop/aop-ca-bundle.pem.$$ && mv /etc/aop/aop-ca-bundle.pem.$$ /etc/aop/aop-ca-bundle.pem"
            ]
        );
        assert!(
            snippet
                .text()
                .contains("ssl_client_certificate /etc/aop/aop-ca-bundle.pem;")
        );
    }
}
