//! Which client addresses are Cloudflare's: the ranges Cloudflare publishes (shipped in
//! `assets/cloudflare-ips.json`, refreshed from the API's `GET /ips` when it answers), or the
//! ranges the user gives instead (a lab, a load balancer or another CDN in front).

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::EvidenceError;
use crate::cloudflare::CloudflareError;
use crate::untrusted::exact;

const SHIPPED: &str = include_str!("../../assets/cloudflare-ips.json");

/// The list shipped with the program, and where it came from.
#[derive(Debug, Deserialize)]
pub struct ShippedRanges {
    pub source: String,
    pub retrieved: String,
    pub ipv4_cidrs: Vec<String>,
    pub ipv6_cidrs: Vec<String>,
}

impl ShippedRanges {
    pub fn load() -> Self {
        // Compiled in and parsed by a test: a failure here is a broken build, not bad input.
        serde_json::from_str(SHIPPED).expect("assets/cloudflare-ips.json is valid")
    }

    /// (IPv4, IPv6) as the API lists them.
    pub fn lists() -> (Vec<String>, Vec<String>) {
        let shipped = Self::load();
        (shipped.ipv4_cidrs, shipped.ipv6_cidrs)
    }
}

/// One network: an address and how many leading bits are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `192.0.2.0/24`, `2001:db8::/32`, or one address. Bits set past the prefix are refused:
    /// `192.0.2.7/24` is more likely a typo than a wish for the whole /24.
    pub fn parse(text: &str) -> Result<Self, EvidenceError> {
        let bad = |why: String| EvidenceError::Range {
            given: exact(text, 60),
            why,
        };
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| {
            bad(
                "it is not an IPv4 or IPv6 address with an optional /prefix (e.g. 173.245.48.0/20)"
                    .into(),
            )
        })?;
        let most = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= most)
                .ok_or_else(|| bad(format!("the prefix must be a number from 0 to {most}")))?,
        };
        // `::ffff:192.0.2.0/120` is the IPv4 network as a dual-stack socket writes it: the same.
        let (network, prefix) = match network {
            IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddr::V4(v4), prefix - 96),
                None => (network, prefix),
            },
            _ => (network, prefix),
        };
        let cidr = Cidr { network, prefix };
        let masked = cidr.masked();
        if masked != network {
            return Err(bad(format!(
                "it has bits set past the /{prefix}: did you mean {masked}/{prefix}?"
            )));
        }
        Ok(cidr)
    }

    fn masked(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & mask32(self.prefix)).into()),
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & mask128(self.prefix)).into()),
        }
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        self.holds(unmapped(address))
    }

    /// `contains` for an address already unmapped.
    fn holds(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                u32::from(a) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                u128::from(a) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// A dual-stack socket logs an IPv4 client as `::ffff:192.0.2.1`: the same client.
fn unmapped(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Where the ranges in use came from, as the report says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RangesSource {
    /// `--edge-range`.
    Given,
    /// Cloudflare's API answered `GET /ips` just now.
    Api { url: String },
    /// The list shipped with the program; `why` says why the API's was not used.
    Shipped { retrieved: String, why: String },
}

#[derive(Debug, Clone)]
pub struct EdgeRanges {
    pub ranges: Vec<Cidr>,
    pub source: RangesSource,
}

impl EdgeRanges {
    /// The user's own ranges, in place of Cloudflare's.
    pub fn given(texts: &[String]) -> Result<Self, EvidenceError> {
        Ok(Self {
            ranges: texts
                .iter()
                .map(|t| Cidr::parse(t.trim()))
                .collect::<Result<_, _>>()?,
            source: RangesSource::Given,
        })
    }

    pub fn shipped(why: String) -> Self {
        let shipped = ShippedRanges::load();
        Self {
            ranges: parse_lists(&shipped.ipv4_cidrs, &shipped.ipv6_cidrs)
                .expect("the shipped ranges parse"),
            source: RangesSource::Shipped {
                retrieved: shipped.retrieved,
                why,
            },
        }
    }

    /// Cloudflare's current list from the API at `base_url`, or the shipped one (saying why)
    /// when the API does not answer within `timeout` or answers something unusable.
    pub async fn cloudflare(base_url: &str, timeout: Duration) -> Self {
        let why = match crate::cloudflare::published_ranges(base_url, timeout).await {
            Ok(published) => match parse_lists(&published.ipv4_cidrs, &published.ipv6_cidrs) {
                Ok(ranges) if !ranges.is_empty() => {
                    return Self {
                        ranges,
                        source: RangesSource::Api {
                            url: format!("{}/ips", base_url.trim_end_matches('/')),
                        },
                    };
                }
                Ok(_) => "the API listed no ranges".to_string(),
                Err(error) => format!("the API's list is unusable: {error}"),
            },
            // In a few words: the API's own advice (zone names, certificate ids) is not about
            // this request, and a network error's whole chain fills the screen.
            Err(CloudflareError::Api { status, .. }) => {
                format!("the API at {base_url} answered HTTP {status}")
            }
            Err(CloudflareError::Decode { .. }) => {
                format!("the API at {base_url} did not answer with a list of ranges")
            }
            // `error_detail`'s word for reqwest's timeout: connected, but no answer in time.
            Err(CloudflareError::Network { detail, .. }) if detail == "timed out" => format!(
                "the API at {base_url} did not answer within {} s",
                timeout.as_secs()
            ),
            Err(_) => format!("the API at {base_url} could not be reached"),
        };
        tracing::info!(%why, "using the shipped Cloudflare ranges");
        Self::shipped(why)
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        // Unmapped once, not once per range: this runs for every line of a log.
        let address = unmapped(address);
        self.ranges.iter().any(|r| r.holds(address))
    }
}

/// Whether `address` is in the ranges shipped for Cloudflare's edge: never an origin's.
pub fn cloudflare_address(address: IpAddr) -> bool {
    static SHIPPED: std::sync::OnceLock<EdgeRanges> = std::sync::OnceLock::new();
    SHIPPED
        .get_or_init(|| EdgeRanges::shipped(String::new()))
        .contains(address)
}

fn parse_lists(ipv4: &[String], ipv6: &[String]) -> Result<Vec<Cidr>, EvidenceError> {
    ipv4.iter().chain(ipv6).map(|t| Cidr::parse(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn shipped_list_holds_both_families() {
        let ranges = EdgeRanges::shipped(String::new());
        assert!(ranges.contains(ip("173.245.48.1")));
        assert!(ranges.contains(ip("104.23.255.255")));
        assert!(ranges.contains(ip("2606:4700::6810:1")));
        assert!(!ranges.contains(ip("8.8.8.8")));
        assert!(!ranges.contains(ip("2001:db8::1")));
        let shipped = ShippedRanges::load();
        assert!(shipped.source.contains("/client/v4/ips"));
        assert!(
            time::Date::parse(
                &shipped.retrieved,
                time::macros::format_description!("[year]-[month]-[day]")
            )
            .is_ok()
        );
    }

    #[test]
    fn a_range_holds_exactly_its_addresses() {
        let r = Cidr::parse("162.158.0.0/15").unwrap();
        assert!(r.contains(ip("162.158.0.0")));
        assert!(r.contains(ip("162.159.255.255")));
        assert!(!r.contains(ip("162.160.0.0")));
        assert!(!r.contains(ip("162.157.255.255")));
        // A dual-stack socket's spelling of the same client.
        assert!(r.contains(ip("::ffff:162.158.1.1")));
        let mapped = Cidr::parse("::ffff:127.0.0.2/128").unwrap();
        assert!(mapped.contains(ip("127.0.0.2")) && mapped.contains(ip("::ffff:127.0.0.2")));
        assert!(!mapped.contains(ip("127.0.0.3")));
        let one = Cidr::parse("127.0.0.2").unwrap();
        assert!(one.contains(ip("127.0.0.2")) && !one.contains(ip("127.0.0.3")));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("203.0.113.9"))
        );
        assert!(
            !Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("2001:db8::1"))
        );
        assert!(
            Cidr::parse("2400:cb00::/32")
                .unwrap()
                .contains(ip("2400:cb00:ffff::1"))
        );
    }

    #[test]
    fn bad_ranges_are_refused_with_the_fix() {
        let why = |t: &str| Cidr::parse(t).unwrap_err().to_string();
        assert!(why("192.0.2.7/24").contains("did you mean 192.0.2.0/24?"));
        assert!(why("192.0.2.0/33").contains("0 to 32"));
        assert!(why("2001:db8::/129").contains("0 to 128"));
        assert!(why("cloudflare").contains("not an IPv4 or IPv6 address"));
        assert!(why("10.0.0.0/x").contains("prefix"));
    }

    /// An API that takes the connection and never answers is said as that, not as one that
    /// could not be reached (which sends someone looking for a network fault).
    #[tokio::test]
    async fn an_api_that_never_answers_is_said_as_such() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/client/v4", silent.local_addr().unwrap());
        let ranges = EdgeRanges::cloudflare(&base_url, Duration::from_secs(1)).await;
        let RangesSource::Shipped { why, .. } = &ranges.source else {
            panic!("{:?}", ranges.source)
        };
        assert_eq!(
            why,
            &format!("the API at {base_url} did not answer within 1 s")
        );
        drop(silent);
        let closed = EdgeRanges::cloudflare(&base_url, Duration::from_secs(1)).await;
        let RangesSource::Shipped { why, .. } = &closed.source else {
            panic!("{:?}", closed.source)
        };
        assert!(why.ends_with("could not be reached"), "{why}");
    }
}
