//! The bounds of the numbers flags take, checked as clap parses them so that a bad value gets
//! one sentence: clap names the flag and the value as given, these messages the range. Every
//! such flag also sets `allow_negative_numbers`: without it clap reads `-1` as an unknown flag.

use crate::pki;

/// A whole number from `min` to `max`, as a clap value parser; `unit` follows the range.
pub fn within<T>(
    min: i64,
    max: i64,
    unit: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<i64> + Clone + Send + Sync + 'static,
{
    move |text| {
        let out_of_range = || format!("give a whole number from {min} to {max} {unit}");
        let value: i64 = text.trim().parse().map_err(|_| out_of_range())?;
        if !(min..=max).contains(&value) {
            return Err(out_of_range());
        }
        T::try_from(value).map_err(|_| out_of_range())
    }
}

/// Days a certificate is valid: the same bounds the certificate core enforces.
pub fn certificate_days(text: &str) -> Result<u32, String> {
    let days: i64 = text.trim().parse().map_err(|_| {
        format!(
            "give a whole number of days from {} to {} (100 years)",
            pki::MIN_VALIDITY_DAYS,
            pki::MAX_VALIDITY_DAYS
        )
    })?;
    pki::validity_days(days).map_err(|e| e.to_string())
}

/// Seconds, fractions allowed, more than 0 and at most `max`.
pub fn positive_seconds(
    max: f64,
) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |text| {
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|seconds| *seconds > 0.0 && *seconds <= max)
            .ok_or_else(|| format!("give a number of seconds above 0 and at most {max}"))
    }
}

/// A span back from now: a whole number and a unit (s, m, h, d), from 1 second to 366 days.
pub fn duration(text: &str) -> Result<std::time::Duration, String> {
    let wrong =
        || "give a whole number above 0 and a unit: 90s, 15m, 2h or 7d (at most 366d)".to_string();
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(wrong)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| wrong())?;
    let seconds = match unit {
        "s" => Some(number),
        "m" => number.checked_mul(60),
        "h" => number.checked_mul(3_600),
        "d" => number.checked_mul(86_400),
        _ => None,
    }
    .filter(|s| (1..=366 * 86_400).contains(s))
    .ok_or_else(wrong)?;
    Ok(std::time::Duration::from_secs(seconds))
}

/// Seconds to wait for a certificate to become active, and between polls (0 is allowed there:
/// the tests and a fake API poll without waiting, and the wait's own bound still holds).
pub const MAX_WAIT_SECONDS: i64 = 86_400;
pub const MAX_POLL_SECONDS: i64 = 3_600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("15m"), Ok(std::time::Duration::from_secs(900)));
        assert_eq!(duration(" 2h "), Ok(std::time::Duration::from_secs(7_200)));
        assert_eq!(duration("7d"), Ok(std::time::Duration::from_secs(604_800)));
        for bad in [
            "",
            "15",
            "m",
            "0s",
            "-5m",
            "1.5h",
            "15 m",
            "367d",
            "99999999999999999999d",
            "5w",
        ] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_outside_the_bounds_are_named_with_the_range() {
        let seconds = within::<u64>(1, 3600, "seconds");
        assert_eq!(seconds("10"), Ok(10));
        assert_eq!(
            seconds("0").unwrap_err(),
            "give a whole number from 1 to 3600 seconds"
        );
        assert!(seconds("-1").is_err());
        assert!(seconds("ten").is_err());
        let port = within::<u16>(0, 65_535, "(0 picks a free port)");
        assert_eq!(port("65535"), Ok(65_535));
        assert!(port("65536").is_err());
        assert_eq!(certificate_days("730"), Ok(730));
        assert_eq!(
            certificate_days("0").unwrap_err(),
            "a certificate cannot be valid for 0 days: give a whole number from 1 to 36525 (100 years)"
        );
        assert!(certificate_days("99999999999999999999").is_err());
        let timeout = positive_seconds(300.0);
        assert_eq!(timeout("0.5"), Ok(0.5));
        for bad in ["0", "-1", "301", "NaN", "inf"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
    }
}
