//! Colours, or none: under NO_COLOR every style is plain (bold and reverse still mark focus).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub title: Style,
    pub dim: Style,
    pub good: Style,
    pub bad: Style,
    pub warn: Style,
    pub current: Style,
    pub key: Style,
    pub selected: Style,
    pub code: Style,
}

impl Theme {
    pub fn from_env() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Self::plain()
        } else {
            Self::colored()
        }
    }

    pub fn colored() -> Self {
        Self {
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            dim: Style::new().fg(Color::DarkGray),
            good: Style::new().fg(Color::Green),
            bad: Style::new().fg(Color::Red),
            warn: Style::new().fg(Color::Yellow),
            current: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Black).bg(Color::Gray),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            code: Style::new().fg(Color::LightBlue),
        }
    }

    pub fn plain() -> Self {
        Self {
            title: Style::new().add_modifier(Modifier::BOLD),
            dim: Style::new(),
            good: Style::new(),
            bad: Style::new().add_modifier(Modifier::BOLD),
            warn: Style::new(),
            current: Style::new().add_modifier(Modifier::BOLD),
            key: Style::new().add_modifier(Modifier::REVERSED),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            code: Style::new(),
        }
    }
}
