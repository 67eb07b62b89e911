//! A one-line text field: typing appends, Backspace deletes, Ctrl-U clears. Enough for paths,
//! zone names and tokens, with no cursor movement to get wrong.

use std::path::PathBuf;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub value: String,
    /// Shown as bullets (the API token).
    pub masked: bool,
}

impl TextInput {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            masked: false,
        }
    }

    pub fn masked() -> Self {
        Self {
            value: String::new(),
            masked: true,
        }
    }

    /// Whether `handle` takes this key: a character without Ctrl, Backspace, Ctrl-U.
    pub fn takes(key: &KeyEvent) -> bool {
        match key.code {
            KeyCode::Char(c) => !key.modifiers.contains(KeyModifiers::CONTROL) || c == 'u',
            KeyCode::Backspace => true,
            _ => false,
        }
    }

    /// Returns true when the key changed the text.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.value.clear();
                true
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.value.push(c);
                true
            }
            KeyCode::Backspace => self.value.pop().is_some(),
            _ => false,
        }
    }

    /// What of a paste a one-line field takes: line breaks, tabs and other control characters
    /// become one space between words, and the ends are trimmed (a copied line's newline, the
    /// blanks around a token).
    pub fn pasteable(text: &str) -> String {
        text.split(char::is_control)
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn display(&self) -> String {
        if !self.masked {
            return self.value.clone();
        }
        // A bullet per character up to a token's length; past it, the count says how long it is.
        let count = self.value.chars().count();
        if count <= Self::BULLETS {
            "•".repeat(count)
        } else {
            format!("{}… ({count} characters)", "•".repeat(Self::BULLETS / 2))
        }
    }

    /// Bullets shown for a masked value at most (a Cloudflare API token has 40 characters).
    const BULLETS: usize = 40;

    pub fn trimmed(&self) -> &str {
        self.value.trim()
    }

    /// The text as a path on this machine: trimmed, a leading `~` or `~/` standing for the home
    /// directory, as a shell would read it (`~user` is left as typed).
    pub fn path(&self) -> PathBuf {
        let text = self.trimmed();
        let rest = match text.strip_prefix('~') {
            Some("") => Some(""),
            Some(rest) => rest.strip_prefix('/'),
            None => None,
        };
        match (rest, directories::BaseDirs::new()) {
            (Some(""), Some(dirs)) => dirs.home_dir().to_path_buf(),
            (Some(rest), Some(dirs)) => dirs.home_dir().join(rest),
            _ => PathBuf::from(text),
        }
    }
}

// A masked field (a token, a passphrase) shows in debug output what the screen shows: bullets.
impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput")
            .field("value", &self.display())
            .field("masked", &self.masked)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::TextInput;

    #[test]
    fn a_paste_loses_its_control_characters_and_blank_ends() {
        assert_eq!(TextInput::pasteable("\r\n  abc\tdef \n"), "abc def");
        assert_eq!(TextInput::pasteable("a\u{1b}[2Jb"), "a [2Jb");
        assert_eq!(TextInput::pasteable("\n\n"), "");
    }

    #[test]
    fn a_long_masked_value_shows_its_length_not_a_screen_of_bullets() {
        let mut token = TextInput::masked();
        token.value = "t".repeat(40);
        assert_eq!(token.display(), "•".repeat(40));
        token.value.push('t');
        assert_eq!(
            token.display(),
            format!("{}… (41 characters)", "•".repeat(20))
        );
    }
}
