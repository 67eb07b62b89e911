//! Key bindings: each binding is a hint for the key bar (the key, what it does) and the action
//! the key runs. A screen lists its bindings once; the key handler dispatches through that list
//! and the bar draws it, so a key cannot work without being shown, nor be shown without working.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::TextInput;
use super::message::Effect;
use super::state::Wizard;

/// One key a hint stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// This key; a character only without Ctrl (Shift and Alt do not matter).
    Plain(KeyCode),
    /// Ctrl and this letter.
    Ctrl(char),
}

impl Key {
    fn matches(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Plain(code @ KeyCode::Char(_)) => key.code == code && !ctrl,
            Key::Plain(code) => key.code == code,
            Key::Ctrl(letter) => key.code == KeyCode::Char(letter) && ctrl,
        }
    }
}

/// The keys a hint stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    These(Vec<Key>),
    /// Typing into the text field that has the keys (characters, Backspace, Ctrl-U).
    Text,
    /// Any key not taken by an earlier binding.
    Any,
}

/// What the key bar shows for a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHint {
    /// How the bar names the keys: "Enter", "↑↓", "type".
    pub label: &'static str,
    pub action: &'static str,
    pub keys: Keys,
}

impl KeyHint {
    pub fn covers(&self, key: &KeyEvent) -> bool {
        match &self.keys {
            Keys::These(keys) => keys.iter().any(|k| k.matches(key)),
            Keys::Text => TextInput::takes(key),
            Keys::Any => true,
        }
    }
}

type Action = Box<dyn FnOnce(&mut Wizard, KeyEvent) -> Vec<Effect>>;

/// A hint and what its keys do.
pub struct Binding {
    pub hint: KeyHint,
    action: Action,
}

impl Binding {
    /// Plain keys (a character without Ctrl).
    pub fn new(
        label: &'static str,
        action: &'static str,
        codes: impl IntoIterator<Item = KeyCode>,
        run: impl FnOnce(&mut Wizard, KeyEvent) -> Vec<Effect> + 'static,
    ) -> Self {
        let keys = Keys::These(codes.into_iter().map(Key::Plain).collect());
        Self::with_keys(label, action, keys, run)
    }

    pub fn with_keys(
        label: &'static str,
        action: &'static str,
        keys: Keys,
        run: impl FnOnce(&mut Wizard, KeyEvent) -> Vec<Effect> + 'static,
    ) -> Self {
        Self {
            hint: KeyHint {
                label,
                action,
                keys,
            },
            action: Box::new(run),
        }
    }

    /// Enter ends the wizard: on a screen where the work is done.
    pub fn enter_quits() -> Self {
        Self::new("Enter", "quit", [KeyCode::Enter], |state, _| {
            state.quit = true;
            Vec::new()
        })
    }

    /// Typing into a text field: `field` picks it from the state.
    pub fn text(action: &'static str, field: fn(&mut Wizard) -> &mut TextInput) -> Self {
        Self::with_keys("type", action, Keys::Text, move |state, key| {
            field(state).handle(key);
            Vec::new()
        })
    }
}

/// Runs the first binding that covers the key; a key no binding covers does nothing.
pub fn dispatch(bindings: Vec<Binding>, state: &mut Wizard, key: KeyEvent) -> Vec<Effect> {
    match bindings.into_iter().find(|b| b.hint.covers(&key)) {
        Some(binding) => (binding.action)(state, key),
        None => Vec::new(),
    }
}

/// Pasted text goes into the text field that has the keys, as if typed, in one message; where no
/// field takes keys it goes nowhere. `keymap` gives the keys valid now (they may change as the
/// field fills, as a zone filter's list does).
pub fn paste(
    keymap: impl Fn(&Wizard) -> Vec<Binding>,
    state: &mut Wizard,
    text: &str,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in TextInput::pasteable(text).chars() {
        let Some(field) = keymap(state)
            .into_iter()
            .find(|b| b.hint.keys == Keys::Text)
        else {
            break;
        };
        effects.extend((field.action)(state, KeyEvent::from(KeyCode::Char(c))));
    }
    effects
}

/// Up and Down (and k, j) move a cursor through `len` rows; with one row there is nothing to move.
pub fn cursor(label: &'static str, action: &'static str, len: usize) -> Option<Binding> {
    let codes = [
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Char('k'),
        KeyCode::Char('j'),
    ];
    cursor_on(label, action, len, codes)
}

/// Only the arrows move the cursor: on screens where letters are typed.
pub fn arrows(label: &'static str, action: &'static str, len: usize) -> Option<Binding> {
    cursor_on(label, action, len, [KeyCode::Up, KeyCode::Down])
}

fn cursor_on<const N: usize>(
    label: &'static str,
    action: &'static str,
    len: usize,
    codes: [KeyCode; N],
) -> Option<Binding> {
    (len > 1).then(|| {
        Binding::new(label, action, codes, move |state, key| {
            match key.code {
                KeyCode::Up | KeyCode::Char('k') => state.cursor = state.cursor.saturating_sub(1),
                _ if state.cursor + 1 < len => state.cursor += 1,
                _ => {}
            }
            Vec::new()
        })
    })
}
