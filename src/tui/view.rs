//! The frame around every screen: title, stepper, status line, the keys valid now (`app::hints`,
//! the list the key handler dispatches through), and the modal box. Pure: it reads the state and
//! draws, nothing else.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app;
use super::screens;
use super::state::{Modal, Wizard};
use super::steps::{Step, Task};
use super::theme::Theme;

pub const MIN_WIDTH: u16 = 72;
pub const MIN_HEIGHT: u16 = 20;
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(frame: &mut Frame, state: &Wizard, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
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
    let [header, middle, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state, theme);
    let [stepper, body] =
        Layout::horizontal([Constraint::Length(20), Constraint::Min(40)]).areas(middle);
    draw_stepper(frame, stepper, state, theme);
    draw_body(frame, body, state, theme);
    draw_status(frame, status, state, theme);
    draw_keys(frame, keys, state, theme);
    if let Some(modal) = &state.modal {
        draw_modal(frame, modal, theme);
    }
}

fn draw_modal(frame: &mut Frame, modal: &Modal, theme: &Theme) {
    match modal {
        Modal::Confirm(confirm) => {
            let lines: Vec<Line> = confirm
                .lines
                .iter()
                .map(|l| Line::from(l.as_str()))
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
            vec![Line::from(
                "Progress so far is saved; run aop-wizard again to resume.",
            )],
            Some(Line::from(vec![
                Span::styled(" y", theme.key),
                Span::raw(": quit    "),
                Span::styled("any other key", theme.key),
                Span::raw(": stay "),
            ])),
            theme,
        ),
        Modal::Help => boxed(frame, "Help", help_lines(theme), None, theme),
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let mut spans = vec![Span::styled(" aop-wizard ", theme.title)];
    if !state.zone_name().is_empty() {
        spans.push(Span::raw(format!(" {} ", state.zone_name())));
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
        spans.push(Span::styled(
            " DEMO: fake Cloudflare on loopback ",
            theme.warn,
        ));
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

fn draw_body(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let inner = area.inner(ratatui::layout::Margin::new(1, 0));
    let [title, why, content, cli] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(
        Line::from(Span::styled(
            state.step.title(),
            theme.title.add_modifier(Modifier::BOLD),
        )),
        title,
    );
    frame.render_widget(
        Paragraph::new(state.step.why())
            .style(theme.dim)
            .wrap(Wrap { trim: true }),
        why,
    );
    screens::draw(frame, content, state, theme);
    frame.render_widget(
        Line::from(vec![
            Span::styled("Same as: ", theme.dim),
            Span::raw(super::same_as::line(state)),
        ]),
        cli,
    );
}

fn draw_status(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let line = if let Some(busy) = &state.busy {
        let elapsed = state.tick.saturating_sub(busy.since_tick) as f64 / 10.0;
        Line::from(vec![
            Span::styled(
                format!(" {} ", SPINNER[(state.tick % 10) as usize]),
                theme.current,
            ),
            Span::raw(format!("{} … {elapsed:.1} s", busy.label)),
        ])
    } else if let Some(error) = &state.error {
        Line::from(Span::styled(format!(" ✗ {error}"), theme.bad))
    } else if let Some(notice) = &state.notice {
        Line::from(Span::styled(format!(" ✓ {notice}"), theme.good))
    } else {
        Line::from("")
    };
    frame.render_widget(line, area);
}

fn draw_keys(frame: &mut Frame, area: Rect, state: &Wizard, theme: &Theme) {
    let mut spans = Vec::new();
    for hint in app::hints(state) {
        spans.push(Span::styled(hint.label, theme.key));
        spans.push(Span::raw(format!(" {}  ", hint.action)));
    }
    frame.render_widget(Line::from(spans), area);
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
        row("c / w", "copy a snippet (OSC 52) / write it to files"),
        Line::from(""),
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
