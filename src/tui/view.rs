//! The frame around every screen: title, stepper, status line, the keys valid now (`app::hints`,
//! the list the key handler dispatches through), and the modal box. Pure: it reads the state and
//! draws, nothing else.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app;
use super::keys::KeyHint;
use super::screens;
use super::state::{Modal, Wizard};
use super::steps::{Step, Task};
use super::theme::Theme;
use crate::untrusted;

pub const MIN_WIDTH: u16 = 72;
pub const MIN_HEIGHT: u16 = 20;
/// The most a status message shows, in characters (its rows are few).
const STATUS_CHARS: usize = 400;
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Below this size the wizard draws only how to make room: the keys (but Ctrl-C) wait, so that
/// nothing is confirmed unseen.
pub fn too_small((width, height): (u16, u16)) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

pub fn draw(frame: &mut Frame, state: &Wizard, theme: &Theme) {
    let area = frame.area();
    if too_small((area.width, area.height)) {
        let text = vec![
            Line::from("The terminal is too small."),
            Line::from(format!(
                "aop-wizard needs {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
                area.width, area.height
            )),
            Line::from("Make the window larger, or press Ctrl-C to quit."),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    if let Some(Modal::Viewer(viewer)) = &state.modal {
        let [content, keys] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        screens::viewer::draw(frame, content, state, viewer, theme);
        draw_keys(frame, keys, state, theme);
        return;
    }
    let areas = Areas::of(area, state);
    draw_header(frame, areas.header, state, theme);
    draw_stepper(frame, areas.stepper, state, theme);
    draw_body(frame, &areas, state, theme);
    draw_status(frame, areas.status, state, theme);
    draw_keys(frame, areas.keys, state, theme);
    if let Some(modal) = &state.modal {
        draw_modal(frame, state, modal, theme);
    }
}

/// Where each part of the frame goes. The status line, the "Same as" line and the key bar grow
/// to the rows their text needs, so nothing in them is cut.
pub struct Areas {
    pub header: Rect,
    pub stepper: Rect,
    pub title: Rect,
    pub why: Rect,
    /// What the step's screen draws in.
    pub content: Rect,
    pub same_as: Rect,
    pub status: Rect,
    pub keys: Rect,
}

/// The stepper's width; the body takes the rest.
const STEPPER_WIDTH: u16 = 20;
/// Long messages wrap up to this many rows.
const MAX_STATUS_ROWS: u16 = 4;
/// Longer commands end in a mark pointing to the viewer, which shows them whole.
const MAX_SAME_AS_ROWS: u16 = 8;

impl Areas {
    pub fn of(area: Rect, state: &Wizard) -> Self {
        let status_rows = wrapped_rows(&status_line(state, &Theme::plain()), area.width)
            .clamp(1, MAX_STATUS_ROWS);
        let key_rows = key_rows(&app::hints(state), area.width, &Theme::plain()).len() as u16;
        let [header, middle, status, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(status_rows),
            Constraint::Length(key_rows.max(1)),
        ])
        .areas(area);
        let [stepper, body] =
            Layout::horizontal([Constraint::Length(STEPPER_WIDTH), Constraint::Min(40)])
                .areas(middle);
        let inner = body.inner(Margin::new(1, 0));
        let why_rows = wrapped_rows(&Line::from(state.step.why()), inner.width).clamp(1, 3);
        let same_as_rows = wrapped_rows(&same_as_line(state, &Theme::plain()), inner.width)
            .clamp(1, MAX_SAME_AS_ROWS);
        let [title, why, content, same_as] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(why_rows),
            Constraint::Min(3),
            Constraint::Length(same_as_rows),
        ])
        .areas(inner);
        Self {
            header,
            stepper,
            title,
            why,
            content,
            same_as,
            status,
            keys,
        }
    }
}

/// The rows `line` takes wrapped at `width`.
fn wrapped_rows(line: &Line, width: u16) -> u16 {
    if line.width() == 0 {
        return 0;
    }
    Paragraph::new(line.clone())
        .wrap(Wrap { trim: false })
        .line_count(width) as u16
}

/// The area a step's screen draws in, on a terminal of the size the state last saw.
pub fn content_area(state: &Wizard) -> Rect {
    let (width, height) = state.terminal_size;
    Areas::of(Rect::new(0, 0, width, height), state).content
}

fn draw_modal(frame: &mut Frame, state: &Wizard, modal: &Modal, theme: &Theme) {
    match modal {
        Modal::Confirm(confirm) => {
            let lines: Vec<Line> = confirm
                .lines
                .iter()
                .map(|l| screens::escaped(Line::from(l.as_str())))
                .collect();
            let answer = Line::from(vec![
                Span::styled(" y", theme.key),
                Span::raw(if confirm.only_y {
                    ": yes    "
                } else {
                    " / Enter: yes    "
                }),
                Span::styled("n", theme.key),
                Span::raw(" / Esc: no "),
            ]);
            boxed(frame, &confirm.title, lines, Some(answer), theme);
        }
        Modal::Quit => boxed(
            frame,
            "Quit?",
            vec![Line::from(if state.demo_origin.is_some() {
                // The demo's fake Cloudflare ends with it: a restart begins on a new one.
                "Progress so far is saved; the demo's Cloudflare ends with it (aop-wizard --demo starts a new one)."
            } else {
                "Progress so far is saved; run aop-wizard again to resume."
            })],
            Some(Line::from(vec![
                Span::styled(" y", theme.key),
                Span::raw(": quit    "),
                Span::styled("any other key", theme.key),
                Span::raw(": stay "),
            ])),
            theme,
        ),
        Modal::Help => boxed(frame, "Help", help_lines(theme), None, theme),
        // Drawn over the whole terminal by `draw`.
        Modal::Viewer(_) => {}
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let mut spans = vec![Span::styled(" aop-wizard ", theme.title)];
    if !state.zone_name().is_empty() {
        spans.push(Span::raw(format!(
            " {} ",
            untrusted::shown(state.zone_name())
        )));
    }
    if state.task == Task::Snippets {
        spans.push(Span::styled(" snippets only ", theme.dim));
    } else if state.step != Step::Welcome {
        spans.push(Span::styled(
            format!(" {} AOP ", state.scope.label()),
            theme.dim,
        ));
    }
    if state.demo_origin.is_some() {
        // The badge must show whole: it says nothing here reaches the real Cloudflare.
        let used: usize = spans.iter().map(Span::width).sum();
        let badge = [
            " DEMO: fake Cloudflare on loopback ",
            " DEMO: fake Cloudflare ",
            " DEMO ",
        ]
        .into_iter()
        .find(|badge| used + Span::raw(*badge).width() <= usize::from(area.width))
        .unwrap_or(" DEMO ");
        spans.push(Span::styled(badge, theme.warn));
    }
    frame.render_widget(Line::from(spans), area);
}

fn draw_stepper(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let lines: Vec<Line> = Step::ALL
        .iter()
        .filter(|s| s.applies_to(state.task, state.scope))
        .map(|step| {
            let (mark, style) = if *step == state.step {
                ("▶", theme.current)
            } else if state.done.contains(step) {
                ("✓", theme.good)
            } else {
                ("·", theme.dim)
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::styled(step.title(), style),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::RIGHT).border_style(theme.dim)),
        area,
    );
}

fn draw_body(frame: &mut Frame, areas: &Areas, state: &Wizard, theme: &Theme) {
    frame.render_widget(
        Line::from(Span::styled(
            state.step.title(),
            theme.title.add_modifier(Modifier::BOLD),
        )),
        areas.title,
    );
    frame.render_widget(
        Paragraph::new(state.step.why())
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
        areas.why,
    );
    screens::draw(frame, areas.content, state, theme);
    let same_as = vec![same_as_line(state, theme)];
    screens::wrapped(frame, areas.same_as, state, same_as, theme);
}

pub fn same_as_line(state: &Wizard, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("Same as: ", theme.dim),
        // Paths and names typed or read: measured for the layout as they are drawn.
        Span::raw(untrusted::shown(super::same_as::line(state)).to_string()),
    ])
}

fn status_line(state: &Wizard, theme: &Theme) -> Line<'static> {
    if let Some(busy) = &state.busy {
        let elapsed = state.tick.saturating_sub(busy.since_tick) as f64 / 10.0;
        Line::from(vec![
            Span::styled(
                format!(" {} ", SPINNER[(state.tick % 10) as usize]),
                theme.current,
            ),
            Span::raw(format!(
                "{} … {elapsed:.1} s",
                untrusted::shown(&busy.label)
            )),
        ])
    } else if let Some(error) = &state.error {
        // Errors carry what files, origins and Cloudflare said: never raw onto the terminal.
        Line::from(Span::styled(
            format!(" ✗ {}", untrusted::one_line(error, STATUS_CHARS)),
            theme.bad,
        ))
    } else if let Some(notice) = &state.notice {
        Line::from(Span::styled(
            format!(" ✓ {}", untrusted::one_line(notice, STATUS_CHARS)),
            theme.good,
        ))
    } else {
        Line::from("")
    }
}

fn draw_status(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(status_line(state, theme)).wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_keys(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let rows = key_rows(&app::hints(state), area.width, theme);
    frame.render_widget(Paragraph::new(rows), area);
}

/// The key bar: hints side by side, a hint never split; a second row when one is not enough.
fn key_rows(hints: &[KeyHint], width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut used = 0;
    for hint in hints {
        let label = Span::styled(hint.label, theme.key);
        let action = Span::raw(format!(" {}", hint.action));
        let needed = label.width() + action.width();
        let gap = if used == 0 { 0 } else { 2 };
        match rows.last_mut() {
            Some(row) if used + gap + needed <= usize::from(width) => {
                row.spans.push(Span::raw("  "));
                row.spans.extend([label, action]);
                used += gap + needed;
            }
            _ => {
                rows.push(Line::from(vec![label, action]));
                used = needed;
            }
        }
    }
    rows
}

fn help_lines(theme: &Theme) -> Vec<Line<'static>> {
    let row = |k: &'static str, what: &'static str| {
        Line::from(vec![
            Span::styled(format!("{k:>10} "), theme.key),
            Span::raw(what),
        ])
    };
    vec![
        row("Enter", "do this step / continue"),
        row("Esc", "back one step (shows what stays done)"),
        row("↑ ↓", "move in a list"),
        row("Ctrl-C", "quit (asks first); progress is saved"),
        row("v", "view the screen's text whole (Ctrl-O while typing)"),
        row("c / w", "ask the terminal to copy (OSC 52) / write files"),
        Line::from(""),
        Line::from("Copying cannot be confirmed; in tmux it needs `set -g set-clipboard on`."),
        Line::from("Every step names the aop-wizard command that does the same, for scripts."),
        Line::from("Logs: the data directory's aop-wizard.log (never the token)."),
        Line::from("").style(theme.dim),
        Line::from("Any key closes this help."),
    ]
}

/// A box over the screen, as tall as its wrapped text needs (at most the screen); `answer`, on
/// its bottom border, stays in view however long the text is.
fn boxed(frame: &mut Frame, title: &str, lines: Vec<Line>, answer: Option<Line>, theme: &Theme) {
    let area = frame.area();
    let width = area.width.saturating_sub(8).min(90);
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = text.line_count(width.saturating_sub(2));
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        text.block({
            let block = Block::bordered()
                .title(Span::styled(format!(" {title} "), theme.title))
                .border_style(theme.current);
            match answer {
                Some(answer) => block.title_bottom(answer),
                None => block,
            }
        })
        .style(Style::new().not_dim()),
        popup,
    );
}
