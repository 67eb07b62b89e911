//! The bad-input battery: the binary given one bad value at a time. Every case must end with the
//! exit code README promises, a first line on stderr that names the bad value and says what to
//! do, no panic, no escape sequence, no Rust debug text, and no file written or left behind.
//!
//! In `args`, `{dir}` is a folder of good and bad files made once (see `bad_files`) and `{out}`
//! a path that must still not exist afterwards. Commands that talk to Cloudflare run against the
//! fake with the demo token.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use support::fake::{Fake, fake};

struct Case {
    args: &'static [&'static str],
    exit: i32,
    /// Words the first line of stderr must hold: the bad value and the fix.
    says: &'static [&'static str],
}

const fn case(args: &'static [&'static str], exit: i32, says: &'static [&'static str]) -> Case {
    Case { args, exit, says }
}

const USAGE: i32 = 2;
const BAD: i32 = 1;

const CERT: &[Case] = &[
    case(
        &["cert", "inspect", "{dir}/missing.pem"],
        BAD,
        &["missing.pem", "check the path"],
    ),
    case(
        &["cert", "inspect", "{dir}/garbage.pem"],
        BAD,
        &["garbage.pem", "binary"],
    ),
    case(&["cert", "inspect", "{dir}/empty.pem"], BAD, &["empty.pem"]),
    case(
        &["cert", "inspect", "{dir}"],
        BAD,
        &["is a directory", "give the path of a file"],
    ),
    case(
        &["cert", "inspect", "/dev/zero"],
        BAD,
        &["/dev/zero", "is a device", "give the path of a file"],
    ),
    case(
        &["cert", "inspect", "{dir}/big.pem"],
        BAD,
        &["big.pem", "larger than 1024 KiB", "check that the path"],
    ),
    case(
        &["cert", "generate", "--out", "{out}", "--ca-days", "0"],
        USAGE,
        &["'0'", "--ca-days", "from 1 to 36525"],
    ),
    case(
        &["cert", "generate", "--out", "{out}", "--leaf-days", "-5"],
        USAGE,
        &["'-5'", "--leaf-days", "from 1 to 36525"],
    ),
    case(
        &["cert", "generate", "--out", "{out}", "--key-type", "dsa"],
        USAGE,
        &["'dsa'", "--key-type", "ecdsa-p256"],
    ),
    case(
        &["cert", "generate", "--out", "{dir}/set"],
        BAD,
        &["set", "--force"],
    ),
    case(
        &[
            "cert",
            "check",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/garbage.pem",
        ],
        BAD,
        &["garbage.pem"],
    ),
    case(
        &["cert", "inspect", "{dir}/evil\u{1b}]0;PWNED\u{7}.pem"],
        BAD,
        &["evil\\x1b]0;PWNED\\x07.pem", "check the path"],
    ),
    case(
        &[
            "cert",
            "generate",
            "--out",
            "{out}",
            "--zone",
            "exa mple.com",
        ],
        BAD,
        &["'exa mple.com'", "contains a space", "such as example.com"],
    ),
    case(
        &[
            "cert",
            "generate",
            "--out",
            "{out}",
            "--zone",
            "*.example.com",
        ],
        BAD,
        &["'*.example.com'", "is a wildcard"],
    ),
    case(
        &[
            "cert",
            "generate",
            "--out",
            "{out}",
            "--key-type",
            "ecdsa-p256",
            "--ca-cn",
            "ca\u{1b}]0;GEN\u{7}",
        ],
        BAD,
        &[
            "the CA common name 'ca\\x1b]0;GEN\\x07' holds a control character",
            "--ca-cn",
        ],
    ),
    case(
        &[
            "cert",
            "generate",
            "--out",
            "{out}",
            "--key-type",
            "ecdsa-p256",
            "--leaf-cn",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        BAD,
        &["the leaf common name is 68 characters long", "--leaf-cn"],
    ),
    case(
        &[
            "cert",
            "generate",
            "--out",
            "{out}",
            "--key-type",
            "ecdsa-p256",
            "--ca-days",
            "10",
            "--leaf-days",
            "20",
        ],
        BAD,
        &[
            "20 days would outlive the CA's 10",
            "--leaf-days 10 or less",
        ],
    ),
];

const SNIPPET: &[Case] = &[
    case(
        &["snippet", "lighttpd", "--phase", "enforce"],
        USAGE,
        &["'lighttpd'", "nginx"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "enforce",
            "--ca",
            "/etc/nginx/aop/ca.crt;\nssl_verify_client off;",
        ],
        BAD,
        &[
            "CA path",
            "ssl_verify_client off;",
            "control character",
            "remove it",
        ],
    ),
    case(
        &[
            "snippet",
            "haproxy",
            "--phase",
            "enforce",
            "--ca",
            "/etc/haproxy/ca.pem verify none\r",
        ],
        BAD,
        &["verify none", "control character U+000D", "remove it"],
    ),
    case(
        &["snippet", "nginx", "--phase", "enforce", "--ca", ""],
        BAD,
        &["CA path", "is empty", "give the path"],
    ),
    case(
        &[
            "snippet",
            "apache",
            "--phase",
            "log",
            "--ca",
            "/etc/apache2/aop/ca.crt",
            "--log-dir",
            "|/bin/sh -c evil",
        ],
        BAD,
        &["|/bin/sh -c evil", "not absolute", "give it from /"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "log",
            "--ca",
            "/etc/nginx/aop/ca.crt",
            "--log-dir",
            "/var/log/$host",
        ],
        BAD,
        &["/var/log/$host", "variable", "choose one without it"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "log",
            "--ca",
            "/etc/nginx/aop/ca.crt",
            "--nginx-upstream",
            "http://127.0.0.1:8080;\n}\nserver {",
        ],
        BAD,
        &[
            "nginx upstream",
            "http://127.0.0.1:8080;",
            "control character",
        ],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "log",
            "--ca",
            "/etc/nginx/aop/ca.crt",
            "--nginx-root",
            "/srv/$uri",
        ],
        BAD,
        &["nginx document root", "/srv/$uri", "choose one without it"],
    ),
    case(
        &[
            "snippet",
            "caddy",
            "--phase",
            "enforce",
            "--ca",
            "/etc/{env.HOME}/ca.pem",
        ],
        BAD,
        &["{env.HOME}", "placeholder", "choose one without it"],
    ),
    case(
        &[
            "snippet",
            "apache",
            "--phase",
            "enforce",
            "--ca",
            "/etc/${APACHE_LOG_DIR}/ca.pem",
        ],
        BAD,
        &["${APACHE_LOG_DIR}", "variable", "choose one without it"],
    ),
    case(
        &[
            "snippet",
            "traefik",
            "--phase",
            "enforce",
            "--ca",
            "/etc/{{ env \"HOME\" }}/ca.pem",
        ],
        BAD,
        &["{{", "template", "choose one without it"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "enforce",
            "--ca",
            "/etc/nginx/aop/\u{202E}tr.ac",
        ],
        BAD,
        &["CA path", "invisible mark U+202E", "remove it"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "enforce",
            "--server-version",
            "nine",
            "--ca",
            "/x",
        ],
        USAGE,
        &["'nine'", "--server-version", "like 2.6"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "log",
            "--ca",
            "/x.crt",
            "--log-dir",
            " /var/log/aop",
        ],
        BAD,
        &["\" /var/log/aop\"", "absolute"],
    ),
    case(
        &[
            "snippet",
            "nginx",
            "--phase",
            "log",
            "--ca",
            "/x.crt",
            "--nginx-upstream",
            "http://127.0.0.1:8080; return 200",
        ],
        BAD,
        &["nginx upstream", "such as http://127.0.0.1:8080"],
    ),
    case(
        &[
            "snippet",
            "haproxy",
            "--phase",
            "enforce",
            "--ca",
            "relative.crt",
        ],
        BAD,
        &["\"relative.crt\"", "is not absolute", "give it from /"],
    ),
    case(
        &[
            "snippet",
            "caddy",
            "--phase",
            "enforce",
            "--server-version",
            "2.8x",
            "--ca",
            "/x.crt",
        ],
        USAGE,
        &["'2.8x'", "--server-version", "like 2.6 or 2.8.4"],
    ),
];

const VERIFY: &[Case] = &[
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--timeout",
            "0",
        ],
        USAGE,
        &["'0'", "--timeout", "above 0"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--cert",
            "{dir}/garbage.pem",
            "--key",
            "{dir}/set/client.key",
        ],
        BAD,
        &["garbage.pem"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "evil\u{1b}[2J",
            "--host",
            "www.example.com",
        ],
        BAD,
        &["\"evil\\x1b[2J\" is not an origin address", "203.0.113.10"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--path",
            "/x\r\nX-Injected: 1",
        ],
        BAD,
        &[
            "request path",
            "X-Injected: 1",
            "control character",
            "remove it",
        ],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--path",
            "health",
        ],
        BAD,
        &["\"health\"", "does not start with /", "such as /"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--path",
            "/a b",
        ],
        BAD,
        &["/a b", "space", "%20"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www example.com",
        ],
        BAD,
        &["'www example.com'", "contains a space"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "*.example.com",
        ],
        BAD,
        &["'*.example.com'", "wildcard", "give one hostname"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:1",
            "--host",
            "www.example.com",
            "--via-edge",
            "--edge-host",
            "api..example.com",
        ],
        BAD,
        &["'api..example.com'", "empty label"],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:99999",
            "--host",
            "www.example.com",
        ],
        BAD,
        &[
            "\"127.0.0.1:99999\" is not an origin address",
            "its port 99999 is not one (1 to 65535",
        ],
    ),
    case(
        &[
            "verify",
            "--origin",
            "127.0.0.1:0",
            "--host",
            "www.example.com",
        ],
        BAD,
        &["\"127.0.0.1:0\" is not an origin address"],
    ),
    // Cloudflare's edge, typed for the origin behind it: probing it would judge Cloudflare.
    case(
        &[
            "verify",
            "--origin",
            "104.16.0.1",
            "--host",
            "www.example.com",
        ],
        BAD,
        &[
            "104.16.0.1 is one of Cloudflare's own addresses",
            "the server behind Cloudflare",
        ],
    ),
    // evidence: the log-phase check beside verify (a named pipe: tests/evidence_cli.rs).
    case(
        &[
            "evidence",
            "--server",
            "nginx",
            "--log",
            "{dir}/missing.log",
        ],
        BAD,
        &["missing.log", "no such file", "check the path"],
    ),
    case(
        &["evidence", "--server", "nginx", "--log", "{dir}"],
        BAD,
        &["is a directory", "give the path of the access log file"],
    ),
    case(
        &["evidence", "--server", "nginx", "--log", "/dev/zero"],
        BAD,
        &[
            "/dev/zero is a device",
            "give the path of the access log file",
        ],
    ),
    case(
        &[
            "evidence",
            "--server",
            "nginx",
            "--log",
            "{dir}/empty.pem",
            "--edge-range",
            "10.0.0.1/8",
        ],
        BAD,
        &["\"10.0.0.1/8\"", "did you mean 10.0.0.0/8?"],
    ),
    case(
        &[
            "evidence",
            "--server",
            "nginx",
            "--log",
            "{dir}/empty.pem",
            "--edge-range",
            "nope",
        ],
        BAD,
        &["\"nope\"", "not an IPv4 or IPv6 address", "173.245.48.0/20"],
    ),
    case(
        &[
            "evidence",
            "--server",
            "nginx",
            "--log",
            "{dir}/empty.pem",
            "--since",
            "10x",
        ],
        USAGE,
        &["'10x'", "--since", "90s, 15m, 2h or 7d"],
    ),
    // A negative window is a value said wrong, not an unknown option "-5".
    case(
        &[
            "evidence",
            "--server",
            "nginx",
            "--log",
            "{dir}/empty.pem",
            "--since",
            "-5m",
        ],
        USAGE,
        &["'-5m'", "--since", "90s, 15m, 2h or 7d"],
    ),
    case(
        &[
            "evidence",
            "--server",
            "traefik",
            "--log",
            "{dir}/empty.pem",
        ],
        BAD,
        &["Traefik's access log", "aop-wizard verify"],
    ),
];

const UPLOAD: &[Case] = &[
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/missing.crt",
            "--key",
            "{dir}/set/client.key",
        ],
        BAD,
        &["missing.crt", "check the path"],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/set/client.key",
            "--hostname",
            "a b.example.com",
        ],
        BAD,
        &["'a b.example.com'", "contains a space"],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/set/client.key",
            "--hostname",
            "www.other.org",
        ],
        BAD,
        &[
            "www.other.org",
            "is neither in the zone example.com",
            "ending in .example.com",
        ],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/set/client.key",
            "--hostname",
            "",
        ],
        BAD,
        &["hostname is empty", "such as www.example.com"],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/set/client.key",
            "--hostname",
            "app_1.example.com",
        ],
        BAD,
        &["'app_1.example.com'", "'_'", "letters, digits, hyphens"],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example..com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "{dir}/set/client.key",
        ],
        BAD,
        &["'example..com'", "empty label", "write it as example.com"],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/ca.crt",
            "--key",
            "{dir}/set/ca.key",
        ],
        BAD,
        &[
            "ca.crt",
            "is a CA certificate",
            "upload the client certificate",
        ],
    ),
    case(
        &[
            "upload",
            "--zone",
            "example.com",
            "--cert",
            "{dir}/set/client.crt",
            "--key",
            "/dev/zero",
        ],
        BAD,
        &["/dev/zero", "is a device", "give the path of a file"],
    ),
];

const STATUS: &[Case] = &[
    case(
        &["auth", "status", "--zone", "nope.com"],
        4,
        &["nope.com", "is visible to this token", "check the spelling"],
    ),
    case(
        &["enable", "--zone", "example.com", "--scope", "hostname"],
        USAGE,
        &["--scope hostname", "--hostname NAME", "--cert-id ID"],
    ),
    case(
        &["undo", "--zone", "example.com"],
        USAGE,
        &["give --origin ADDR", "--origin-relaxed"],
    ),
    case(
        &["status", "--zone", "exa mple.com"],
        BAD,
        &["'exa mple.com'", "contains a space", "such as example.com"],
    ),
    case(
        &["status", "--zone", "com"],
        BAD,
        &["'com'", "one label only", "such as example.com"],
    ),
    case(
        &["status", "--zone", "https://example.com/"],
        BAD,
        &["'https://example.com/'", "':'", "such as example.com"],
    ),
    case(
        &["status", "--zone", "example.com\u{1b}[2J"],
        BAD,
        &["control character", "type the name again"],
    ),
    case(
        &["status", "--zone", ""],
        BAD,
        &["the zone is empty", "such as example.com"],
    ),
    case(
        &[
            "status",
            "--zone",
            "example.com",
            "--hostname",
            "a b.example.com",
        ],
        BAD,
        &["'a b.example.com'", "contains a space"],
    ),
    case(
        &["status", "--zone", " "],
        BAD,
        &["the zone ' ' contains a space"],
    ),
    case(
        &[
            "doctor",
            "--zone",
            "example.com",
            "--origin",
            "origin.example",
        ],
        BAD,
        &[
            "\"origin.example\" is not an origin address",
            "give an IP address",
        ],
    ),
    case(
        &[
            "doctor",
            "--zone",
            "example.com",
            "--hostname",
            "app.example.org",
        ],
        BAD,
        &[
            "app.example.org",
            "neither in the zone example.com",
            "give a hostname ending in .example.com",
        ],
    ),
    case(
        &[
            "doctor",
            "--zone",
            "example.com",
            "--hostname",
            "*.example.com",
        ],
        BAD,
        &["'*.example.com' is a wildcard", "give one hostname"],
    ),
    case(
        &["doctor", "--zone", "example.com", "--timeout", "0"],
        USAGE,
        &["'0'", "--timeout", "above 0 and at most 300"],
    ),
];

const ROTATE: &[Case] = &[
    case(
        &[
            "rotate",
            "--zone",
            "example.com",
            "--origin",
            "127.0.0.1",
            "--out",
            "{out}",
            "--yes",
        ],
        USAGE,
        &["give --host NAME with --origin"],
    ),
    case(
        &[
            "rotate",
            "--zone",
            "example.com",
            "--hostname",
            "app.example.org",
        ],
        BAD,
        &["app.example.org", "is neither in the zone example.com"],
    ),
    case(
        &[
            "rotate",
            "--zone",
            "example.com.",
            "--host=-www.example.com",
        ],
        BAD,
        &["'-www.example.com'", "hyphen"],
    ),
    case(
        &["rotate", "--zone", "exa mple.com"],
        BAD,
        &["'exa mple.com'", "contains a space"],
    ),
    case(
        &[
            "rotate",
            "--zone",
            "example.com",
            "--hostname",
            "app.example.com/../x",
            "--new-ca",
        ],
        BAD,
        &[
            "'app.example.com/../x'",
            "contains '/'",
            "such as www.example.com",
        ],
    ),
    case(
        &["rotate", "--zone", "example.com", "--leaf-days", "0"],
        USAGE,
        &["'0'", "--leaf-days", "from 1 to 36525"],
    ),
];

const SETUP: &[Case] = &[
    case(
        &["setup", "--zone", "example.com", "--out", "{out}", "--yes"],
        USAGE,
        &["give --origin ADDR"],
    ),
    case(
        &[
            "setup",
            "--zone",
            "example.com",
            "--scope",
            "hostname",
            "--origin",
            "127.0.0.1",
            "--out",
            "{out}",
            "--yes",
        ],
        USAGE,
        &["--scope hostname needs --hostname NAME"],
    ),
    case(
        &[
            "setup",
            "--zone",
            "example.com",
            "--scope",
            "hostname",
            "--hostname",
            "app.*.example.com",
        ],
        BAD,
        &["'app.*.example.com'", "not the whole first label"],
    ),
    case(
        &[
            "setup",
            "--zone",
            "example.com",
            "--host",
            "www.exa$mple.org",
        ],
        BAD,
        &[
            "'www.exa$mple.org'",
            "contains '$'",
            "such as www.example.com",
        ],
    ),
    case(
        &["setup", "--zone", "", "--dry-run"],
        BAD,
        &["zone is empty", "such as example.com"],
    ),
    case(
        &[
            "setup",
            "--zone",
            "example.com",
            "--scope",
            "hostname",
            "--hostname",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com",
        ],
        BAD,
        &["label of 65 characters", "at most 63"],
    ),
    case(
        &[
            "setup",
            "--zone",
            "example.com",
            "--origin",
            "300.1.1.1",
            "--out",
            "{out}",
            "--yes",
        ],
        BAD,
        &["\"300.1.1.1\" is not an origin address"],
    ),
];

/// Files every case may name: a good set in `set/`, and bad ones beside it.
fn bad_files(fake: &Fake, dir: &Path) {
    let data = dir.join("generate-data");
    let made = fake
        .aop(&data)
        .args(["cert", "generate", "--key-type", "ecdsa-p256", "--out"])
        .arg(dir.join("set"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let _ = std::fs::remove_dir_all(&data);
    let noise: Vec<u8> = (0..300u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(dir.join("garbage.pem"), noise).unwrap();
    std::fs::write(dir.join("empty.pem"), "").unwrap();
    std::fs::write(dir.join("big.pem"), "A".repeat(2 << 20)).unwrap();
}

/// Every file under `dir` with its length: what a case must leave as it found it.
fn listing(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                folders.push(entry.path());
            }
            files.insert(entry.path(), meta.len());
        }
    }
    files
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Text a user should never read: a Rust value printed with `{:?}`, such as `Der(UnexpectedTag {`
/// or `Other(OtherError(`: a capitalised name right before `(`, or a CamelCase one before ` {`.
fn looks_like_debug_text(line: &str) -> bool {
    let name_before = |end: usize| {
        let start = line[..end]
            .rfind(|c: char| !c.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        &line[start..end]
    };
    let capitalised = |name: &str| name.starts_with(|c: char| c.is_ascii_uppercase());
    let camel =
        |name: &str| capitalised(name) && name.chars().skip(1).any(|c| c.is_ascii_uppercase());
    line.match_indices('(').any(|(at, _)| {
        let name = name_before(at);
        capitalised(name) && name.chars().any(|c| c.is_ascii_lowercase())
    }) || line
        .match_indices(" {")
        .any(|(at, _)| camel(name_before(at)))
}

fn run_battery(section: &str, cases: &[Case], fake: &Fake, dir: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let scratch = tempfile::tempdir().unwrap();
        let out = scratch.path().join("out");
        let data = scratch.path().join("data");
        let args: Vec<String> = case
            .args
            .iter()
            .map(|arg| {
                arg.replace("{dir}", dir.to_str().unwrap())
                    .replace("{out}", out.to_str().unwrap())
            })
            .collect();
        let before = listing(dir);
        let output = fake.aop(&data).args(&args).output().unwrap();
        let text = stderr(&output);
        let first = text.lines().next().unwrap_or_default();
        let mut wrong = Vec::new();
        if output.status.code() != Some(case.exit) {
            wrong.push(format!(
                "exit {:?}, not {}",
                output.status.code(),
                case.exit
            ));
        }
        if !first.starts_with("error: ") {
            wrong.push("the first line is not an error sentence".into());
        }
        for word in case.says {
            if !first.contains(word) {
                wrong.push(format!("the first line does not say {word:?}"));
            }
        }
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            wrong.push("it panicked".into());
        }
        if text.contains('\u{1b}') || String::from_utf8_lossy(&output.stdout).contains('\u{1b}') {
            wrong.push("an escape sequence reached the terminal".into());
        }
        if looks_like_debug_text(first) {
            wrong.push("Rust debug text reached the user".into());
        }
        if listing(dir) != before {
            wrong.push("files in the folder changed".into());
        }
        if out.exists() {
            wrong.push("it wrote the output path".into());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{section} #{index} `{}`: {}\n    stderr: {}",
                args.join(" "),
                wrong.join("; "),
                text.trim_end().replace('\n', "\n            ")
            ));
        }
    }
    failures
}

#[test]
fn every_bad_input_gets_one_sentence_the_right_exit_code_and_leaves_nothing() {
    let fake = fake();
    let files = tempfile::tempdir().unwrap();
    bad_files(&fake, files.path());
    let sections = [
        ("cert", CERT),
        ("snippet", SNIPPET),
        ("verify", VERIFY),
        ("upload", UPLOAD),
        ("status", STATUS),
        ("rotate", ROTATE),
        ("setup", SETUP),
    ];
    let mut failures = Vec::new();
    for (section, cases) in sections {
        failures.extend(run_battery(section, cases, &fake, files.path()));
    }
    let total: usize = sections.iter().map(|(_, cases)| cases.len()).sum();
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_debug_text_check_catches_what_it_is_for() {
    assert!(looks_like_debug_text(
        "error: Der(UnexpectedTag { expected: None })"
    ));
    assert!(looks_like_debug_text(
        "error: bad: Other(OtherError(CaUsedAsEndEntity))"
    ));
    assert!(!looks_like_debug_text(
        "error: garbage.pem is not valid PEM or DER (the file is binary); use OpenSSL"
    ));
    assert!(!looks_like_debug_text(
        "error: give --origin ADDR (or --origin-relaxed)"
    ));
}
