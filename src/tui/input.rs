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

    pub fn display(&self) -> String {
        if self.masked {
            "•".repeat(self.value.chars().count())
        } else {
            self.value.clone()
        }
    }

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
