//! Benchmark (`cargo bench --bench evidence`): the release `aop-wizard evidence` over generated
//! nginx log-phase logs of 100,000 and 1,000,000 lines, side by side with an awk program that
//! computes the same counts (per hostname: from Cloudflare verified, from Cloudflare
//! unverified, from elsewhere). Every run's counts are checked against what the generator wrote
//! and against each other before any time is printed: a race between programs that disagree
//! proves nothing. Prints the median wall time of 5 interleaved runs and the peak RSS of each
//! (GNU time's `%M`, so /usr/bin/time must be there). `AWK=gawk` runs another awk than `awk`.
//!
//! The log is what the log-phase snippet's `aop_client_cert` format writes (`snippets::render`
//! for nginx): most requests from Cloudflare's published ranges (`evidence::ShippedRanges`,
//! IPv4 and IPv6, the first and last address of each range among them), verified except on the
//! hostnames set up to fail (one still on Cloudflare's global certificate, one with an expired
//! one, one in a zone without AOP); the rest from health checks, an office, internal addresses,
//! scanners, IPv6, and the addresses just outside Cloudflare's ranges; 20 hostnames; the first
//! lines in the format before `host=` was added; times over one hour.
//!
//! awk is given Cloudflare's ranges as a table of /24 (IPv4) and /32 (IPv6) prefixes, exact
//! because none of Cloudflare's ranges is narrower (checked below), and one hash look-up per
//! line: the fastest fair test awk has.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aop_wizard::evidence::{EdgeRanges, ShippedRanges};

const BINARY: &str = env!("CARGO_BIN_EXE_aop-wizard");
const GNU_TIME: &str = "/usr/bin/time";
const RUNS: usize = 5;
const SIZES: [usize; 2] = [100_000, 1_000_000];
/// Lines at the start of the log written before the format carried `host=`.
const OLD_FORMAT_LINES: usize = 12;
/// The hour the log spans: 30 Nov 2026 12:00–13:00 UTC.
const DAY: &str = "30/Nov/2026";
const FIRST_HOUR: usize = 12;

/// The same counts as awk prints them: per hostname ("-": not logged), Cloudflare verified,
/// Cloudflare unverified, elsewhere.
type Counts = BTreeMap<String, [u64; 3]>;

const AWK_PROGRAM: &str = r#"
NR == FNR { cloudflare[$1]; next }
{
    if (index($1, ":")) { match($1, /^[^:]*:[^:]*/); key = substr($1, 1, RLENGTH) }
    else { match($1, /\.[0-9]+$/); key = substr($1, 1, RSTART - 1) }
    host = ($NF ~ /^host="/) ? substr($NF, 7, length($NF) - 7) : "-"
    seen[host]
    if (!(key in cloudflare)) other[host]++
    else if (index($0, " client_verify=\"SUCCESS\" ") || index($0, " client_verify=SUCCESS ")) verified[host]++
    else unverified[host]++
}
END { for (host in seen) printf "%s %d %d %d\n", host, verified[host], unverified[host], other[host] }
"#;

/// What Cloudflare presents for a hostname, and so what nginx logs for its requests.
#[derive(Clone, Copy)]
enum Presents {
    /// The zone's certificate, signed by the CA the origin trusts.
    Ours,
    /// Still Cloudflare's global certificate: the origin cannot verify it.
    Global,
    /// A per-hostname certificate past its end.
    Expired,
    /// A second zone pointing at this origin, without AOP.
    Nothing,
}

/// Who, besides Cloudflare, connects.
#[derive(Clone, Copy, PartialEq)]
enum Elsewhere {
    Plain,
    /// With a client certificate the origin verifies (a monitor given one of ours).
    OurCertificate,
    Scanner,
}

/// 20 hostnames, the busiest first, with their share of requests.
const HOSTNAMES: [(&str, u32, Presents); 20] = [
    ("www.example.com", 300, Presents::Ours),
    ("example.com", 160, Presents::Ours),
    ("api.example.com", 120, Presents::Ours),
    ("static.example.com", 90, Presents::Ours),
    ("img.example.com", 60, Presents::Ours),
    ("shop.example.com", 50, Presents::Ours),
    ("m.example.com", 35, Presents::Ours),
    ("auth.example.com", 30, Presents::Ours),
    ("blog.example.com", 25, Presents::Ours),
    ("legacy.example.com", 20, Presents::Global),
    ("docs.example.com", 18, Presents::Ours),
    ("status.example.com", 15, Presents::Ours),
    ("cdn.example.com", 14, Presents::Ours),
    ("media.example.com", 12, Presents::Expired),
    ("www.example.net", 12, Presents::Nothing),
    ("example.net", 10, Presents::Nothing),
    ("partners.example.com", 8, Presents::Ours),
    ("beta.example.com", 6, Presents::Ours),
    ("admin.example.com", 4, Presents::Ours),
    ("mail.example.com", 3, Presents::Ours),
];

const OUR_SUBJECT: &str = "CN=Cloudflare origin pull,O=Example Ltd,C=GB";
const OUR_ISSUER: &str = "CN=Example Origin Pull CA,O=Example Ltd,C=GB";
/// nginx writes a backslash in a logged value as `\x5C`.
const CLOUDFLARE_GLOBAL: &str = r"CN=origin-pull.cloudflare.net,OU=Origin Pull,O=Cloudflare\x5C, Inc.,L=San Francisco,ST=California,C=US";

const PATHS: [&str; 10] = [
    "/",
    "/index.html",
    "/assets/app.3f9c2d1e.js",
    "/assets/site.77a0b1.css",
    "/images/hero-1600.webp",
    "/api/v1/orders?page=3&per_page=50",
    "/api/v1/session",
    "/search?q=origin+pull&lang=en",
    "/favicon.ico",
    "/products/4711/reviews",
];
/// What scanners ask for; nginx writes a quote in the request as `\x22`.
const SCANNER_PATHS: [&str; 4] = [
    "/wp-login.php",
    "/.env",
    r"/?id=1\x22%20or%201=1",
    "/cgi-bin/luci/;stok=/locale",
];

/// splitmix64: the same log on every run, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One of Cloudflare's ranges as a first address and a size (addresses - 1).
enum Range {
    V4(u32, u32),
    V6(u128, u128),
}

impl Range {
    fn parse(text: &str) -> Self {
        let (address, prefix) = text.split_once('/').unwrap();
        let prefix: u32 = prefix.parse().unwrap();
        match address.parse::<IpAddr>().unwrap() {
            IpAddr::V4(a) => Range::V4(u32::from(a), u32::MAX.checked_shr(prefix).unwrap_or(0)),
            IpAddr::V6(a) => Range::V6(u128::from(a), u128::MAX.checked_shr(prefix).unwrap_or(0)),
        }
    }

    /// A random address in the range; one in 50 is its first or last.
    fn address(&self, rng: &mut Rng) -> IpAddr {
        let edge = rng.below(50) == 0;
        match *self {
            Range::V4(first, span) => {
                let offset = if edge {
                    *rng.pick(&[0, span])
                } else {
                    rng.next() as u32 & span
                };
                IpAddr::V4(Ipv4Addr::from(first + offset))
            }
            Range::V6(first, span) => {
                let offset = if edge {
                    *rng.pick(&[0, span])
                } else {
                    (u128::from(rng.next()) << 64 | u128::from(rng.next())) & span
                };
                IpAddr::V6(Ipv6Addr::from(first + offset))
            }
        }
    }

    /// The addresses just before and just after the range.
    fn neighbours(&self) -> [IpAddr; 2] {
        match *self {
            Range::V4(first, span) => {
                [first - 1, first + span + 1].map(|a| Ipv4Addr::from(a).into())
            }
            Range::V6(first, span) => {
                [first - 1, first + span + 1].map(|a| Ipv6Addr::from(a).into())
            }
        }
    }

    /// awk's keys for the range: every /24 (IPv4) or /32 (IPv6) prefix in it, written as nginx
    /// writes addresses.
    fn awk_keys(&self) -> Vec<String> {
        match *self {
            Range::V4(first, span) => {
                assert!(
                    span >= 0xff,
                    "a range narrower than /24 needs a finer awk table"
                );
                (first >> 8..=(first + span) >> 8)
                    .map(|p| format!("{}.{}.{}", p >> 16, (p >> 8) & 0xff, p & 0xff))
                    .collect()
            }
            Range::V6(first, span) => {
                assert!(
                    span >= u128::MAX >> 32,
                    "a range narrower than /32 needs a finer awk table"
                );
                ((first >> 96) as u32..=((first + span) >> 96) as u32)
                    .map(|p| format!("{:x}:{:x}", p >> 16, p & 0xffff))
                    .collect()
            }
        }
    }
}

struct Generator {
    rng: Rng,
    v4: Vec<Range>,
    v6: Vec<Range>,
    /// Addresses just outside Cloudflare's ranges (and not inside another of them).
    neighbours: Vec<IpAddr>,
    ranges: EdgeRanges,
    weights: u32,
}

impl Generator {
    fn new(shipped: &ShippedRanges) -> Self {
        let ranges = EdgeRanges::shipped(String::new());
        let v4: Vec<Range> = shipped.ipv4_cidrs.iter().map(|t| Range::parse(t)).collect();
        let v6: Vec<Range> = shipped.ipv6_cidrs.iter().map(|t| Range::parse(t)).collect();
        let neighbours = v4
            .iter()
            .chain(&v6)
            .flat_map(Range::neighbours)
            .filter(|a| !ranges.contains(*a))
            .collect();
        Self {
            rng: Rng(0x0a0b_2026),
            v4,
            v6,
            neighbours,
            ranges,
            weights: HOSTNAMES.iter().map(|h| h.1).sum(),
        }
    }

    fn hostname(&mut self) -> (&'static str, Presents) {
        let mut roll = self.rng.below(u64::from(self.weights)) as u32;
        for (name, weight, presents) in HOSTNAMES {
            if roll < weight {
                return (name, presents);
            }
            roll -= weight;
        }
        unreachable!("the roll is below the sum of the weights")
    }

    fn cloudflare_address(&mut self) -> IpAddr {
        // About one request in four over IPv6.
        let family = if self.rng.below(4) == 0 {
            &self.v6
        } else {
            &self.v4
        };
        let range = &family[self.rng.below(family.len() as u64) as usize];
        range.address(&mut self.rng)
    }

    /// Someone else's address, and who that is.
    fn other_address(&mut self) -> (IpAddr, Elsewhere) {
        let rng = &mut self.rng;
        match rng.below(100) {
            // Health checks, one of them with a client certificate of ours.
            0..40 => ("203.0.113.10".parse().unwrap(), Elsewhere::Plain),
            40..50 => ("203.0.113.11".parse().unwrap(), Elsewhere::OurCertificate),
            // An office, internal addresses, a v6 network.
            50..65 => (
                Ipv4Addr::new(198, 51, 100, 1 + rng.below(254) as u8).into(),
                Elsewhere::Plain,
            ),
            65..75 => (
                Ipv4Addr::new(10, 0, rng.below(4) as u8, 1 + rng.below(254) as u8).into(),
                Elsewhere::Plain,
            ),
            75..78 => (
                Ipv6Addr::new(0x2001, 0xdb8, rng.below(16) as u16, 0, 0, 0, 0, 1).into(),
                Elsewhere::Plain,
            ),
            // Scanners from anywhere but Cloudflare, and right next to its ranges.
            78..98 => loop {
                let address = IpAddr::V4(Ipv4Addr::from(rng.next() as u32));
                if !self.ranges.contains(address) {
                    break (address, Elsewhere::Scanner);
                }
            },
            _ => (*rng.pick(&self.neighbours), Elsewhere::Scanner),
        }
    }

    /// Writes `lines` lines to `path` and returns the counts they hold.
    fn write(&mut self, path: &Path, lines: usize) -> Counts {
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
        let mut counts = Counts::new();
        let mut line = String::with_capacity(512);
        for i in 0..lines {
            let (hostname, presents) = self.hostname();
            let from_cloudflare = self.rng.below(100) < 88;
            let (address, verified, scanner) = if from_cloudflare {
                let address = self.cloudflare_address();
                (address, matches!(presents, Presents::Ours), false)
            } else {
                let (address, who) = self.other_address();
                (
                    address,
                    who == Elsewhere::OurCertificate,
                    who == Elsewhere::Scanner,
                )
            };
            let (verify, subject, issuer, serial) = match (from_cloudflare, presents) {
                (false, _) if verified => ("SUCCESS", OUR_SUBJECT, OUR_ISSUER, "5A1C0FFEE0D2"),
                (false, _) | (true, Presents::Nothing) => ("NONE", "", "", "-"),
                (true, Presents::Ours) => ("SUCCESS", OUR_SUBJECT, OUR_ISSUER, "3E8F21A07B44C9D1"),
                (true, Presents::Global) => (
                    "FAILED:unable to get local issuer certificate",
                    CLOUDFLARE_GLOBAL,
                    CLOUDFLARE_GLOBAL,
                    "1B3A6D0C9E",
                ),
                (true, Presents::Expired) => (
                    "FAILED:certificate has expired",
                    OUR_SUBJECT,
                    OUR_ISSUER,
                    "77D0",
                ),
            };
            let old_format = i < OLD_FORMAT_LINES;
            let key = if old_format { "-" } else { hostname };
            let count = counts.entry(key.to_string()).or_default();
            match (from_cloudflare, verify == "SUCCESS") {
                (true, true) => count[0] += 1,
                (true, false) => count[1] += 1,
                (false, _) => count[2] += 1,
            }

            let second = i * 3600 / lines;
            let (method, path) = if scanner && self.rng.below(2) == 0 {
                ("GET", *self.rng.pick(&SCANNER_PATHS))
            } else {
                (
                    *self.rng.pick(&["GET", "GET", "GET", "POST", "HEAD"]),
                    *self.rng.pick(&PATHS),
                )
            };
            let protocol = self.rng.pick(&["HTTP/1.1", "HTTP/2.0"]);
            let status = self.rng.pick(&[200, 200, 200, 200, 304, 301, 404, 499]);
            line.clear();
            write!(
                line,
                "{address} [{DAY}:{:02}:{:02}:{:02} +0000] \"{method} {path} {protocol}\" {status} ",
                FIRST_HOUR + second / 3600,
                second / 60 % 60,
                second % 60
            )
            .unwrap();
            if old_format {
                // The first format: client_verify bare, no host.
                write!(line, "client_verify={verify} client_s_dn=\"{subject}\" client_i_dn=\"{issuer}\" client_serial={serial}").unwrap();
            } else {
                write!(line, "client_verify=\"{verify}\" client_s_dn=\"{subject}\" client_i_dn=\"{issuer}\" client_serial={serial} host=\"{hostname}\"").unwrap();
            }
            line.push('\n');
            out.write_all(line.as_bytes()).unwrap();
        }
        out.flush().unwrap();
        counts
    }

    /// The prefix table awk reads before the log.
    fn write_awk_table(&self, path: &Path) {
        let keys: Vec<String> = self
            .v4
            .iter()
            .chain(&self.v6)
            .flat_map(Range::awk_keys)
            .collect();
        std::fs::write(path, keys.join("\n") + "\n").unwrap();
    }
}

struct Run {
    wall: Duration,
    peak_kib: u64,
    exit: Option<i32>,
    stdout: String,
}

/// Runs `program` under GNU time for its peak RSS; the wall time is measured here.
fn timed(program: &str, args: &[OsString], report: &Path) -> Run {
    let started = Instant::now();
    let output = Command::new(GNU_TIME)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report)
        .arg(program)
        .args(args)
        .output()
        .unwrap();
    let wall = started.elapsed();
    // GNU time writes "Command exited with non-zero status N" before the figure when N != 0.
    let written = std::fs::read_to_string(report).unwrap();
    let peak_kib = written
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "{program}: no peak RSS from GNU time: {written}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    Run {
        wall,
        peak_kib,
        exit: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
    }
}

fn awk_counts(run: &Run) -> Counts {
    assert_eq!(run.exit, Some(0), "awk failed");
    run.stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let number = |i: usize| fields[i].parse::<u64>().unwrap();
            (fields[0].to_string(), [number(1), number(2), number(3)])
        })
        .collect()
}

fn evidence_counts(run: &Run, lines: usize) -> Counts {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // The log holds unverified requests from Cloudflare: not ready, exit 3.
    assert_eq!(run.exit, Some(3), "evidence's exit code");
    assert_eq!(json["ready"], false);
    assert_eq!(json["lines"]["read"], lines as u64);
    assert_eq!(json["lines"]["requests"], lines as u64);
    assert_eq!(json["lines"]["unreadable"], 0);
    let counts: Counts = json["hostnames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|host| {
            let name = host["hostname"].as_str().unwrap_or("-").to_string();
            let number = |v: &serde_json::Value| v.as_u64().unwrap();
            (
                name,
                [
                    number(&host["cloudflare"]["verified"]),
                    number(&host["cloudflare"]["unverified"]),
                    number(&host["other"]["total"]),
                ],
            )
        })
        .collect();
    let total = |i: usize| counts.values().map(|c| c[i]).sum::<u64>();
    assert_eq!(json["cloudflare"]["verified"], total(0));
    assert_eq!(json["cloudflare"]["unverified"], total(1));
    assert_eq!(json["other"]["total"], total(2));
    counts
}

fn same(what: &str, expected: &Counts, found: &Counts) {
    if expected != found {
        let mut diff = String::new();
        for key in expected.keys().chain(found.keys()) {
            let (e, f) = (expected.get(key), found.get(key));
            if e != f {
                writeln!(diff, "  {key}: written {e:?}, {what} {f:?}").unwrap();
            }
        }
        panic!("{what} counted differently from what the log holds:\n{diff}");
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The awk on PATH (or `$AWK`), resolved, and the version it reports.
fn which_awk() -> (String, PathBuf, String) {
    let name = std::env::var("AWK").unwrap_or_else(|_| "awk".into());
    let path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .unwrap_or_else(|| panic!("no {name} on PATH"));
    // `-W version` is understood by mawk and gawk alike.
    let version = Command::new(&path)
        .args(["-W", "version"])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (name, path, version)
}

fn main() {
    // `cargo test --all-targets` runs benchmark binaries too (debug, without --bench): skip.
    if !std::env::args().any(|a| a == "--bench") {
        println!("a benchmark: run it with `cargo bench`");
        return;
    }
    assert!(
        Path::new(GNU_TIME).is_file(),
        "{GNU_TIME} (GNU time, Debian's package `time`) measures the peak RSS: install it"
    );
    let (awk, awk_path, awk_version) = which_awk();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let shipped = ShippedRanges::load();
    let mut generator = Generator::new(&shipped);
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("cloudflare-prefixes.txt");
    generator.write_awk_table(&table);
    let report = dir.path().join("time.txt");

    println!(
        "evidence (release) against awk over a generated nginx log-phase log; median wall time of {RUNS} interleaved runs\n\
         machine: {cores} cores; awk: {} ({awk_version})\n",
        awk_path.display()
    );
    println!(
        "{:>10} {:>8} {:>8} {:>11} {:>6} {:>12} {:>12}",
        "lines", "MiB", "awk s", "evidence s", "ratio", "awk RSS", "evidence RSS"
    );
    for lines in SIZES {
        let log = dir.path().join(format!("aop-access-{lines}.log"));
        let written = generator.write(&log, lines);
        let size = std::fs::metadata(&log).unwrap().len();
        // Read once so that every timed run finds the log in the page cache.
        std::fs::read(&log).unwrap();

        let awk_args: Vec<OsString> =
            vec![AWK_PROGRAM.into(), table.clone().into(), log.clone().into()];
        let mut evidence_args: Vec<OsString> = ["evidence", "--server", "nginx", "--json", "--log"]
            .map(OsString::from)
            .into();
        evidence_args.push(log.clone().into());
        for cidr in shipped.ipv4_cidrs.iter().chain(&shipped.ipv6_cidrs) {
            evidence_args.push("--edge-range".into());
            evidence_args.push(cidr.into());
        }

        let (mut awk_walls, mut evidence_walls) = (Vec::new(), Vec::new());
        let (mut awk_peak, mut evidence_peak) = (0, 0);
        for _ in 0..RUNS {
            let run = timed(&awk, &awk_args, &report);
            same("awk", &written, &awk_counts(&run));
            awk_walls.push(run.wall);
            awk_peak = awk_peak.max(run.peak_kib);

            let run = timed(BINARY, &evidence_args, &report);
            same("evidence", &written, &evidence_counts(&run, lines));
            evidence_walls.push(run.wall);
            evidence_peak = evidence_peak.max(run.peak_kib);
        }
        let (awk_wall, evidence_wall) = (median(awk_walls), median(evidence_walls));
        println!(
            "{:>10} {:>8.1} {:>8.3} {:>11.3} {:>5.2}× {:>8.1} MiB {:>8.1} MiB",
            lines,
            size as f64 / (1 << 20) as f64,
            awk_wall.as_secs_f64(),
            evidence_wall.as_secs_f64(),
            evidence_wall.as_secs_f64() / awk_wall.as_secs_f64(),
            awk_peak as f64 / 1024.0,
            evidence_peak as f64 / 1024.0,
        );
        std::fs::remove_file(&log).unwrap();
    }
    println!(
        "\nEvery run's counts (per hostname: Cloudflare verified, unverified, elsewhere) equal what the generator wrote."
    );
}
