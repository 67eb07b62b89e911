//! A one-line text field: typing appends, Backspace deletes, Ctrl-U clears. Enough for paths,
//! zone names and tokens, with no cursor movement to get wrong.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
        if self.masked {
            "•".repeat(self.value.chars().count())
        } else {
            self.value.clone()
        }
    }

    pub fn trimmed(&self) -> &str {
        self.value.trim()
    }
}
