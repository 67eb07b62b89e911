//! The full-screen viewer: the long text of a screen (a snippet, probe results, the summary)
//! over the whole terminal, scrolled down and sideways, or wrapped. Its state and keys; the
//! drawing and what each screen offers to view are `screens::viewer`'s.

use ratatui::crossterm::event::KeyCode;
use ratatui::widgets::{Paragraph, Wrap};

use super::keys::{Binding, Key, Keys};
use super::screens::viewer::{document, offered};
use super::state::{Modal, Wizard};
use super::theme::Theme;

/// Where the viewer is in its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The first row shown.
    pub top: usize,
    /// The first column shown (unwrapped only).
    pub left: usize,
    pub wrap: bool,
}

/// The viewer's top row and key bar: the rest of the terminal shows text.
pub const CHROME_ROWS: u16 = 2;
/// Columns one ← or → press moves.
const SIDE_STEP: usize = 10;

/// How much text there is, and how much of it fits.
#[derive(Debug, Clone, Copy)]
pub struct Extent {
    /// Rows of text (wrapped rows when wrapping).
    pub rows: usize,
    /// Rows shown at once.
    pub page: usize,
    /// The widest line.
    pub width: usize,
    /// Columns shown at once.
    pub columns: usize,
}

impl Extent {
    pub fn of(state: &Wizard, wrap: bool) -> Self {
        let (columns, height) = state.terminal_size;
        let lines = document(state, &Theme::plain())
            .map(|d| d.lines)
            .unwrap_or_default();
        let width = lines.iter().map(|l| l.width()).max().unwrap_or(0);
        let rows = if wrap {
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .line_count(columns)
        } else {
            lines.len()
        };
        Self {
            rows,
            page: usize::from(height.saturating_sub(CHROME_ROWS)).max(1),
            width,
            columns: usize::from(columns),
        }
    }

    /// The last top row that still fills the page: scrolling stops there, never in emptiness.
    pub fn last_top(&self) -> usize {
        self.rows.saturating_sub(self.page)
    }

    /// The last first column that still shows the end of the widest line.
    pub fn last_left(&self) -> usize {
        self.width.saturating_sub(self.columns)
    }
}

/// The key that opens the viewer on a screen that has something to view: `v`, or Ctrl-O where
/// letters go into a text field.
pub fn opener(state: &Wizard, typing: bool) -> Option<Binding> {
    if !offered(state.step) {
        return None;
    }
    let (label, key) = opening_key(typing);
    Some(Binding::with_keys(
        label,
        "view",
        Keys::These(vec![key]),
        |state, _| {
            state.modal = Some(Modal::Viewer(Viewer::default()));
            Vec::new()
        },
    ))
}

fn opening_key(typing: bool) -> (&'static str, Key) {
    if typing {
        ("Ctrl-O", Key::Ctrl('o'))
    } else {
        ("v", Key::Plain(KeyCode::Char('v')))
    }
}

/// How the key bar names the key that opens the viewer here, if this screen has one.
pub fn open_key(state: &Wizard) -> Option<&'static str> {
    offered(state.step).then(|| opening_key(super::app::typing(state)).0)
}

/// The viewer's keys: only the moves that go somewhere, then wrap and close.
pub fn bindings(state: &Wizard, viewer: &Viewer) -> Vec<Binding> {
    let extent = Extent::of(state, viewer.wrap);
    let mut bindings = Vec::new();
    if extent.last_top() > 0 {
        let rows = [
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Char('k'),
            KeyCode::Char('j'),
        ];
        bindings.push(Binding::new("↑↓", "scroll", rows, |state, key| {
            scroll(state, |viewer, extent| match key.code {
                KeyCode::Up | KeyCode::Char('k') => viewer.top = viewer.top.saturating_sub(1),
                _ => viewer.top = (viewer.top + 1).min(extent.last_top()),
            });
            Vec::new()
        }));
        let pages = [KeyCode::PageDown, KeyCode::PageUp, KeyCode::Char(' ')];
        bindings.push(Binding::new("PgDn", "page", pages, |state, key| {
            scroll(state, |viewer, extent| match key.code {
                KeyCode::PageUp => viewer.top = viewer.top.saturating_sub(extent.page),
                _ => viewer.top = (viewer.top + extent.page).min(extent.last_top()),
            });
            Vec::new()
        }));
        let ends = [KeyCode::Home, KeyCode::End, KeyCode::Char('g')];
        bindings.push(Binding::new("Home/End", "ends", ends, |state, key| {
            scroll(state, |viewer, extent| {
                viewer.top = match key.code {
                    KeyCode::End => extent.last_top(),
                    _ => 0,
                }
            });
            Vec::new()
        }));
    }
    if !viewer.wrap && extent.last_left() > 0 {
        let sideways = [
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Char('h'),
            KeyCode::Char('l'),
        ];
        bindings.push(Binding::new(
            "←→",
            "sideways",
            sideways,
            |state, key| {
                scroll(state, |viewer, extent| match key.code {
                    KeyCode::Left | KeyCode::Char('h') => {
                        viewer.left = viewer.left.saturating_sub(SIDE_STEP);
                    }
                    _ => viewer.left = (viewer.left + SIDE_STEP).min(extent.last_left()),
                });
                Vec::new()
            },
        ));
    }
    // Wrapping changes nothing when every line fits.
    if viewer.wrap || extent.last_left() > 0 {
        let action = if viewer.wrap { "unwrap" } else { "wrap" };
        bindings.push(Binding::new(
            "z",
            action,
            [KeyCode::Char('z')],
            |state, _| {
                if let Some(Modal::Viewer(viewer)) = &mut state.modal {
                    viewer.wrap = !viewer.wrap;
                    // The same text, rows counted anew: start again at the top.
                    viewer.top = 0;
                    viewer.left = 0;
                }
                Vec::new()
            },
        ));
    }
    bindings.push(Binding::new(
        "Esc",
        "close",
        [KeyCode::Esc, KeyCode::Char('q'), KeyCode::Char('v')],
        |state, _| {
            state.modal = None;
            Vec::new()
        },
    ));
    bindings.push(super::app::ctrl_c());
    bindings
}

/// Moves the open viewer within the text as it is now.
fn scroll(state: &mut Wizard, to: impl FnOnce(&mut Viewer, Extent)) {
    let Some(Modal::Viewer(viewer)) = &state.modal else {
        return;
    };
    let extent = Extent::of(state, viewer.wrap);
    if let Some(Modal::Viewer(viewer)) = &mut state.modal {
        // From where the text is shown: the terminal may have grown since the last move.
        viewer.top = viewer.top.min(extent.last_top());
        viewer.left = viewer.left.min(extent.last_left());
        to(viewer, extent);
    }
}
