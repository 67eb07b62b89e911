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

/// Seconds to wait for a certificate to become active, and between polls (0 is allowed there:
/// the tests and a fake API poll without waiting, and the wait's own bound still holds).
pub const MAX_WAIT_SECONDS: i64 = 86_400;
pub const MAX_POLL_SECONDS: i64 = 3_600;

/// A hostname as `--hostname` takes it: it goes into Cloudflare request paths as it is.
pub fn hostname(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    if crate::ops::is_hostname(&name) {
        Ok(name)
    } else {
        Err("give a hostname such as app.example.com (letters, digits, hyphens and dots)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
