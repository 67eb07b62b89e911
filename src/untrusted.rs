//! Text that came from outside (an API answer, a file, a certificate, an origin's response, a
//! path a script passed) made fit for a terminal: nothing in it can move the cursor, set the
//! window title, clear the screen or reorder what the screen shows. Every place that shows such
//! text goes through here, and `needs_escape` alone decides what is unsafe.
//!
//! Unsafe characters are not dropped but shown escaped, so a person sees that they are there:
//! tab, line feed and carriage return as `\t`, `\n`, `\r`; the other C0 controls and DEL as
//! `\x` and two hex digits (ESC is `\x1b`, BEL `\x07`), as `printf` and a shell's `$'…'` write
//! them; C1 controls, bidirectional and zero-width marks as `\u{…}` (U+202E is `\u{202e}`), as
//! Rust writes them. A backslash already in the text stays as it is, so escaping twice changes
//! nothing; `--json` carries the exact value for a reader that must tell the two apart.

use std::fmt;

/// Whether `c` must not reach a terminal as it is: control characters (C0, DEL, C1) and the
/// invisible marks that reorder text or hide between letters.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'                        // soft hyphen
                | '\u{61C}'                 // Arabic letter mark
                | '\u{180E}'                // Mongolian vowel separator
                | '\u{200B}'..='\u{200F}'   // zero-width space, joiners, LRM, RLM
                | '\u{2028}'..='\u{202E}'   // line and paragraph separators, embeddings, overrides
                | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
                | '\u{2066}'..='\u{206F}'   // isolates and deprecated format marks
                | '\u{FEFF}'                // zero-width no-break space (BOM)
                | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
                | '\u{E0000}'..='\u{E007F}' // tags: invisible ASCII look-alikes
        )
}

/// `c` as the module's convention writes it: itself when safe, otherwise its visible escape.
fn push_shown(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        _ if !needs_escape(c) => out.push(c),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\0'..='\u{7F}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `value`'s text with every unsafe character shown escaped, nothing folded or cut: for names,
/// subjects, messages and paths. Padding (`{:<20}`) applies to the escaped text.
pub fn shown<T: fmt::Display>(value: T) -> Shown<T> {
    Shown(value)
}

/// See [`shown`].
pub struct Shown<T>(T);

impl<T: fmt::Display> fmt::Display for Shown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            push_shown(&mut escaped, c);
        }
        f.pad(&escaped)
    }
}

/// A value someone gave, as given, for a message that refuses it: nothing folded or trimmed
/// (a leading space or a line break may be the very mistake), unsafe characters escaped, cut
/// after `most` characters with `…`, never inside an escape.
pub fn exact(text: &str, most: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let before = out.len();
        push_shown(&mut out, c);
        count += out[before..].chars().count();
        if count > most {
            out.truncate(before);
            out.push('…');
            break;
        }
    }
    out
}

/// `text` as one line of at most `most` characters (then ending in `…`), for excerpts of long
/// answers: runs of whitespace, line breaks included, fold into one space; what is left unsafe
/// is shown escaped, and an escape is never cut in half.
pub fn one_line(text: &str, most: usize) -> String {
    let mut line = String::new();
    let mut count = 0;
    for (index, word) in text.split_whitespace().enumerate() {
        let mut piece = String::new();
        if index > 0 {
            if count == most {
                line.push('…');
                return line;
            }
            piece.push(' ');
            count += 1;
        }
        for c in word.chars() {
            let before = piece.len();
            push_shown(&mut piece, c);
            let width = piece[before..].chars().count();
            if count + width > most {
                piece.truncate(before);
                line.push_str(&piece);
                line.push('…');
                return line;
            }
            count += width;
        }
        line.push_str(&piece);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_value_keeps_its_spaces_and_line_breaks_visibly() {
        assert_eq!(exact(" /tmp/lead", 80), " /tmp/lead");
        assert_eq!(exact("/x\r\nX: 1", 80), "/x\\r\\nX: 1");
        assert_eq!(exact("example.com\n", 80), "example.com\\n");
        assert_eq!(exact("ab\u{1b}cd", 4), "ab…");
        assert_eq!(exact("abcdef", 3), "abc…");
    }

    #[test]
    fn controls_and_invisible_marks_are_shown_escaped() {
        assert_eq!(
            shown("evil\u{1b}]0;PWNED\u{7}\u{1b}[2J").to_string(),
            "evil\\x1b]0;PWNED\\x07\\x1b[2J"
        );
        assert_eq!(shown("a\rb\nc\td").to_string(), "a\\rb\\nc\\td");
        assert_eq!(shown("del\u{7f}").to_string(), "del\\x7f");
        assert_eq!(shown("nul\0").to_string(), "nul\\x00");
        assert_eq!(shown("csi\u{9b}2J").to_string(), "csi\\u{9b}2J");
        assert_eq!(shown("abc\u{202E}fed").to_string(), "abc\\u{202e}fed");
        assert_eq!(
            shown("x\u{2066}y\u{2069}").to_string(),
            "x\\u{2066}y\\u{2069}"
        );
        assert_eq!(
            shown("pay\u{200B}pal\u{FEFF}").to_string(),
            "pay\\u{200b}pal\\u{feff}"
        );
        assert_eq!(shown("tag\u{E0041}").to_string(), "tag\\u{e0041}");
    }

    #[test]
    fn ordinary_text_passes_and_escaping_twice_changes_nothing() {
        for text in [
            "Ünïcödé 例え ✓ → …",
            "C:\\path\\x1b",
            "CN=example.com, O=Ex",
        ] {
            assert_eq!(shown(text).to_string(), text);
        }
        let once = shown("\u{1b}[31m\u{202E}").to_string();
        assert_eq!(shown(&once).to_string(), once);
    }

    #[test]
    fn padding_measures_the_escaped_text() {
        assert_eq!(format!("[{:<6}]", shown("a\u{7}")), "[a\\x07 ]");
    }

    #[test]
    fn one_line_folds_whitespace_escapes_the_rest_and_cuts_between_escapes() {
        assert_eq!(
            one_line("evil\u{1b}]0;PWNED\u{7}\u{1b}[2J name\r\n", 100),
            "evil\\x1b]0;PWNED\\x07\\x1b[2J name"
        );
        assert_eq!(one_line("abc\u{202E}fed", 100), "abc\\u{202e}fed");
        assert_eq!(one_line(&"x".repeat(10), 4), "xxxx…");
        assert_eq!(one_line("ab\u{1b}c", 4), "ab…");
        assert_eq!(one_line("ab cd", 2), "ab…");
        assert_eq!(one_line("ab cd", 3), "ab …");
        assert_eq!(one_line("ab cd", 5), "ab cd");
        assert_eq!(one_line(" \t\n ", 10), "");
    }
}
