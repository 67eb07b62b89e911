//! Text that came from outside (an API answer, a file, an origin's response) made fit for a
//! terminal: one line, nothing that could move the cursor, set the title or reorder what the
//! screen shows, and not endless. Every place that shows such text goes through here.

/// `text` as one printable line of at most `most` characters (then ending in `…`): control
/// characters become spaces, bidirectional and zero-width marks are dropped, runs of whitespace
/// fold into one space.
pub fn one_line(text: &str, most: usize) -> String {
    let spaced: String = text
        .chars()
        .filter(|c| !reorders(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(most) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line,
    }
}

/// Marks that change the order or the look of the text around them without showing themselves.
pub(crate) fn reorders(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_never_pass_and_long_text_is_cut_with_a_mark() {
        assert_eq!(
            one_line("evil\u{1b}]0;PWNED\u{7}\u{1b}[2J name\r\n", 100),
            "evil ]0;PWNED [2J name"
        );
        assert_eq!(one_line("abc\u{202E}fed", 100), "abcfed");
        assert_eq!(one_line(&"x".repeat(10), 4), "xxxx…");
        assert_eq!(one_line(" \t\n ", 10), "");
    }
}
