//! Counts in words, for every face: "1 request", "2 requests", never "request(s)".

/// `1 request`, `2 requests`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
