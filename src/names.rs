//! Zones and hostnames as a user types them, checked and put in the one form Cloudflare and the
//! saved state use: lower case, no trailing dot, international names as punycode A-labels
//! (`bücher.example` → `xn--bcher-kva.example`). Every flag and field that takes a zone or a
//! hostname goes through here, so `EXAMPLE.COM.` and `example.com` are the same zone everywhere.

use std::fmt;

use crate::untrusted;

/// RFC 1035 limits: a label of at most 63 octets, a name of at most 253 (without the final dot).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// Whether `*.` may stand first: a proxied wildcard record (`*.example.com`) is a hostname
/// per-hostname AOP can be set for, but nothing can connect to or request a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wildcard {
    Allowed,
    Refused,
}

/// Which kind of name was refused: the word and the example the sentence uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Zone,
    Hostname,
}

impl Role {
    fn example(self) -> &'static str {
        match self {
            Role::Zone => "example.com",
            Role::Hostname => "www.example.com",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Zone => "zone",
            Role::Hostname => "hostname",
        })
    }
}

/// What is wrong with a name; each says how to put it right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty,
    Space,
    Control,
    Character(char),
    Wildcard,
    MisplacedStar,
    EmptyLabel,
    LongLabel(usize),
    Hyphen(String),
    TooLong(usize),
    International,
    TopLevel,
}

/// A zone or hostname refused, in one sentence naming it and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("{}", invalid(*role, given, problem))]
    Invalid {
        role: Role,
        given: String,
        problem: Problem,
    },
    #[error(
        "the hostname {hostname} is neither in the zone {zone} nor one of its custom hostnames (Cloudflare for SaaS): give a hostname ending in .{zone}, or the zone that holds it"
    )]
    OutsideZone { hostname: String, zone: String },
    #[error(
        "'{}' is not an e-mail address: give one such as ops@example.com",
        untrusted::exact(.0, 80)
    )]
    Email(String),
}

fn invalid(role: Role, given: &str, problem: &Problem) -> String {
    let example = role.example();
    let shown = untrusted::exact(given, 80);
    let what = match problem {
        Problem::Empty => return format!("the {role} is empty: give one, such as {example}"),
        Problem::Space => format!("contains a space: give one name alone, such as {example}"),
        Problem::Control => format!(
            "contains a control character (a tab, a line break or an escape): type the name again, such as {example}"
        ),
        Problem::Character(c @ (',' | ';')) => {
            format!("contains {c:?}: give one name at a time, such as {example}")
        }
        Problem::Character(c) => format!(
            "contains '{}', which no {role} may: use only letters, digits, hyphens and dots, such as {example}",
            untrusted::one_line(&c.to_string(), 1)
        ),
        Problem::Wildcard => {
            format!("is a wildcard: give one hostname that exists, such as {example}")
        }
        Problem::MisplacedStar => format!(
            "has a '*' that is not the whole first label: a wildcard is written *.{example}"
        ),
        Problem::EmptyLabel => {
            format!("has an empty label (two dots in a row, or a dot first): write it as {example}")
        }
        Problem::LongLabel(len) => format!(
            "has a label of {len} characters: each part between dots holds at most {MAX_LABEL}"
        ),
        Problem::Hyphen(label) => format!(
            "has the label {label:?}, which starts or ends with a hyphen: no DNS name may; check the spelling"
        ),
        Problem::TooLong(len) => {
            format!("is {len} characters long as punycode: a {role} holds at most {MAX_NAME}")
        }
        Problem::International => "is not a valid international name: check the spelling, or give its punycode form (xn--…)".to_string(),
        Problem::TopLevel => {
            format!("has one label only: give the domain added to Cloudflare, such as {example}")
        }
    };
    format!("the {role} '{shown}' {what}")
}

/// A zone name in its one form: `EXAMPLE.COM.` → `example.com`, `bücher.de` → `xn--bcher-kva.de`.
pub fn zone(given: &str) -> Result<String, NameError> {
    let name = normalise(given, Role::Zone, Wildcard::Refused)?;
    if !name.contains('.') {
        return Err(refused(Role::Zone, given, Problem::TopLevel));
    }
    Ok(name)
}

/// A hostname in its one form, checked for syntax only (where no zone is known, as for `verify`).
pub fn hostname(given: &str, wildcard: Wildcard) -> Result<String, NameError> {
    normalise(given, Role::Hostname, wildcard)
}

/// A hostname of `zone` (already normalised by [`zone`]): the zone itself or a name under it.
pub fn hostname_in_zone(given: &str, zone: &str, wildcard: Wildcard) -> Result<String, NameError> {
    let name = hostname(given, wildcard)?;
    let bare = name.strip_prefix("*.").unwrap_or(&name);
    let inside = bare == zone
        || bare
            .strip_suffix(zone)
            .is_some_and(|head| head.ends_with('.'));
    if !inside {
        return Err(NameError::OutsideZone {
            hostname: name,
            zone: zone.to_string(),
        });
    }
    Ok(name)
}

/// An e-mail address for Cloudflare's notifications, in one form: something before one `@`, a
/// DNS name after it (normalised as [`hostname`] does), no space or control character. The one
/// check for the wizard, `alerts create` and `setup --email`.
pub fn email(given: &str) -> Result<String, NameError> {
    let refused = || NameError::Email(given.to_string());
    let given_trimmed = given.trim();
    let (local, domain) = given_trimmed.split_once('@').ok_or_else(refused)?;
    if local.is_empty()
        || domain.contains('@')
        || local
            .chars()
            .any(|c| c.is_whitespace() || untrusted::needs_escape(c))
    {
        return Err(refused());
    }
    let domain = hostname(domain, Wildcard::Refused).map_err(|_| refused())?;
    if !domain.contains('.') {
        return Err(refused());
    }
    Ok(format!("{local}@{domain}"))
}

/// Each of `given` as [`hostname`] takes it; the first refusal ends the check.
pub fn hostnames(given: &[String], wildcard: Wildcard) -> Result<Vec<String>, NameError> {
    given.iter().map(|name| hostname(name, wildcard)).collect()
}

fn refused(role: Role, given: &str, problem: Problem) -> NameError {
    NameError::Invalid {
        role,
        given: given.to_string(),
        problem,
    }
}

fn normalise(given: &str, role: Role, wildcard: Wildcard) -> Result<String, NameError> {
    let refuse = |problem| refused(role, given, problem);
    if given.is_empty() {
        return Err(refuse(Problem::Empty));
    }
    // Control characters first: a tab or line break is also whitespace, but reads as a space.
    if given.chars().any(char::is_control) {
        return Err(refuse(Problem::Control));
    }
    if given.chars().any(char::is_whitespace) {
        return Err(refuse(Problem::Space));
    }
    // The root's dot: `example.com.` is `example.com`.
    let name = given.strip_suffix('.').unwrap_or(given);
    let (star, rest) = match name.strip_prefix("*.") {
        Some(rest) if wildcard == Wildcard::Allowed => ("*.", rest),
        Some(_) => return Err(refuse(Problem::Wildcard)),
        None => ("", name),
    };
    if rest.contains('*') {
        return Err(refuse(Problem::MisplacedStar));
    }
    // ASCII is judged here, so a stray `_` or `/` is named rather than reported as bad IDNA.
    if let Some(bad) = rest
        .chars()
        .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(refuse(Problem::Character(bad)));
    }
    if rest.split('.').any(str::is_empty) {
        return Err(refuse(Problem::EmptyLabel));
    }
    // UTS #46: lower case, the compatibility mappings (full-width dots and letters), punycode.
    let ascii = idna::domain_to_ascii(rest).map_err(|_| refuse(Problem::International))?;
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(refuse(Problem::EmptyLabel));
        }
        if label.len() > MAX_LABEL {
            return Err(refuse(Problem::LongLabel(label.len())));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(refuse(Problem::Hyphen(label.to_string())));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(refuse(Problem::Character(bad)));
        }
    }
    let name = format!("{star}{ascii}");
    if name.len() > MAX_NAME {
        return Err(refuse(Problem::TooLong(name.len())));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_one_address_or_refused_with_the_fix() {
        assert_eq!(email(" ops@EXAMPLE.com ").unwrap(), "ops@example.com");
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@",
            "ops@localhost",
            "a b@example.com",
            "ops@example.com\nBcc: x@evil.test",
            "ops\u{1b}[2J@example.com",
            "a@b@example.com",
        ] {
            let said = email(bad).unwrap_err().to_string();
            assert!(
                said.ends_with("is not an e-mail address: give one such as ops@example.com"),
                "{bad:?}: {said}"
            );
            assert!(!said.chars().any(untrusted::needs_escape), "{said:?}");
        }
    }

    #[test]
    fn zones_take_one_form() {
        assert_eq!(zone("EXAMPLE.COM.").unwrap(), "example.com");
        assert_eq!(zone("example.com").unwrap(), "example.com");
        assert_eq!(zone("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(zone("xn--bcher-kva.de").unwrap(), "xn--bcher-kva.de");
        // A full-width dot, as Japanese keyboards type it.
        assert_eq!(zone("example\u{3002}com").unwrap(), "example.com");
    }

    #[test]
    fn bad_zones_are_refused_by_name_with_the_fix() {
        let said = |given: &str| zone(given).unwrap_err().to_string();
        assert_eq!(
            said("exa mple.com"),
            "the zone 'exa mple.com' contains a space: give one name alone, such as example.com"
        );
        assert_eq!(said(""), "the zone is empty: give one, such as example.com");
        assert!(said("com").contains("one label only"));
        assert!(said("*.example.com").contains("is a wildcard"));
        assert!(said("example..com").contains("empty label"));
        assert!(said(".").contains("empty label"));
        assert!(said("exa_mple.com").contains("contains '_'"));
        assert!(said("https://example.com").contains("contains ':'"));
        assert!(said("example.com,example.org").contains("contains ',': give one name at a time"));
        assert!(said("example.com\u{1b}[2J").contains("control character"));
        assert!(!said("example.com\u{1b}[2J").contains('\u{1b}'));
    }

    #[test]
    fn hostnames_follow_rfc_1123() {
        let wild = Wildcard::Allowed;
        assert_eq!(
            hostname("WWW.Example.COM.", wild).unwrap(),
            "www.example.com"
        );
        assert_eq!(hostname("*.example.com", wild).unwrap(), "*.example.com");
        assert_eq!(
            hostname("1xx.example.com", wild).unwrap(),
            "1xx.example.com"
        );
        let said = |given: &str| hostname(given, Wildcard::Refused).unwrap_err().to_string();
        assert!(said("*.example.com").contains("is a wildcard"));
        assert!(said("a.*.example.com").contains("not the whole first label"));
        assert!(said("w*.example.com").contains("not the whole first label"));
        assert!(said("-www.example.com").contains("\"-www\""));
        assert!(said("www-.example.com").contains("hyphen"));
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert!(said(&long_label).contains("label of 64 characters"));
        assert!(hostname(&format!("{}.example.com", "a".repeat(63)), wild).is_ok());
        let long_name = format!("{}example.com", "abcdefghi.".repeat(25));
        assert_eq!(long_name.len(), 261);
        assert!(said(&long_name).contains("261 characters"));
        assert!(said("xn--.example.com").contains("international"));
        assert!(said("a\tb.example.com").contains("control character"));
        assert!(said("a\u{a0}b.example.com").contains("contains a space"));
    }

    #[test]
    fn a_hostname_must_be_the_zone_or_under_it() {
        let wild = Wildcard::Allowed;
        assert_eq!(
            hostname_in_zone("APP.example.com", "example.com", wild).unwrap(),
            "app.example.com"
        );
        assert_eq!(
            hostname_in_zone("example.com.", "example.com", wild).unwrap(),
            "example.com"
        );
        assert_eq!(
            hostname_in_zone("*.example.com", "example.com", wild).unwrap(),
            "*.example.com"
        );
        assert_eq!(
            hostname_in_zone("www.other.org", "example.com", wild)
                .unwrap_err()
                .to_string(),
            "the hostname www.other.org is neither in the zone example.com nor one of its custom hostnames (Cloudflare for SaaS): give a hostname ending in .example.com, or the zone that holds it"
        );
        // A suffix is not enough: the zone must start at a label.
        assert!(hostname_in_zone("badexample.com", "example.com", wild).is_err());
        assert!(hostname_in_zone("com", "example.com", wild).is_err());
    }
}
