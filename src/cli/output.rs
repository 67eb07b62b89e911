//! How the CLI talks: exit codes, JSON, colour (off under NO_COLOR or when piped), and a closed
//! pipe treated as a normal end rather than a crash.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::eyre::Result;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The command worked and found something the user must fix (exit code 3).
    NeedsAction,
    /// The wizard was ended by this signal, caught to restore the terminal (exit code 128 + it,
    /// what a shell reports for a program the signal killed).
    EndedBy(i32),
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::NeedsAction => ExitCode::from(3),
            Outcome::EndedBy(signal) => {
                ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX))
            }
        }
    }
}

/// 2 when something the command needs was not given (as clap's own usage errors), 4 for
/// Cloudflare API, network and credential failures, 1 for everything else.
pub fn exit_code_for(report: &color_eyre::Report) -> ExitCode {
    let usage = report.chain().any(|cause| {
        cause
            .downcast_ref::<crate::ops::OperationError>()
            .is_some_and(crate::ops::OperationError::is_usage)
            || cause
                .downcast_ref::<crate::rotation::RotationError>()
                .is_some_and(crate::rotation::RotationError::is_usage)
            || cause
                .downcast_ref::<crate::undo::UndoError>()
                .is_some_and(crate::undo::UndoError::is_usage)
    });
    if usage {
        return ExitCode::from(2);
    }
    let cloudflare = report.chain().any(|cause| {
        cause
            .downcast_ref::<crate::cloudflare::CloudflareError>()
            .is_some()
            || cause
                .downcast_ref::<crate::token_store::TokenStoreError>()
                .is_some()
            || cause
                .downcast_ref::<crate::ops::OperationError>()
                .is_some_and(crate::ops::OperationError::is_cloudflare)
            || cause
                .downcast_ref::<crate::rotation::RotationError>()
                .is_some_and(crate::rotation::RotationError::is_cloudflare)
            || cause
                .downcast_ref::<crate::undo::UndoError>()
                .is_some_and(crate::undo::UndoError::is_cloudflare)
    });
    ExitCode::from(if cloudflare { 4 } else { 1 })
}

/// Where a procedure's progress is printed. A note that comes again (a wait polling) is not
/// printed again: on a terminal its line is rewritten with a count, "… (×37)"; in a pipe or a
/// file, where lines cannot be rewritten and a log should not fill with copies, only a change
/// is printed.
pub struct Progress<'w> {
    out: &'w mut dyn Write,
    /// The terminal's width in columns; `None` when `out` is not a terminal.
    columns: Option<usize>,
    repeats: crate::ops::Repeats,
    /// Rows the last note took on the terminal (a long one wraps), to go back over them.
    last_rows: usize,
}

impl<'w> Progress<'w> {
    /// For `out`, which is a terminal when `terminal` says so.
    pub fn new(out: &'w mut dyn Write, terminal: bool) -> Self {
        let columns = terminal.then(|| {
            ratatui::crossterm::terminal::size().map_or(80, |(columns, _)| usize::from(columns))
        });
        Self::with_columns(out, columns)
    }

    fn with_columns(out: &'w mut dyn Write, columns: Option<usize>) -> Self {
        Self {
            out,
            columns,
            repeats: crate::ops::Repeats::default(),
            last_rows: 0,
        }
    }

    /// Writes a note and remembers how many rows it took.
    fn write_note(&mut self, text: &str) -> std::io::Result<()> {
        let columns = self.columns.unwrap_or(usize::MAX).max(1);
        self.last_rows = text.chars().count().div_ceil(columns).max(1);
        writeln!(self.out, "{text}")
    }

    /// A line printed as it is (a stage reached, a result).
    pub fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.repeats.reset();
        writeln!(self.out, "{text}")
    }

    /// A note on the way, shown once however often it comes.
    pub fn note(&mut self, text: &str) -> std::io::Result<()> {
        match self.repeats.count(text) {
            1 => self.write_note(text),
            times if self.columns.is_some() => {
                // Up over the rows the note took, back to their start, cleared, written again.
                write!(self.out, "\x1b[{}A\r\x1b[J", self.last_rows)?;
                self.write_note(&format!("{text} (×{times})"))
            }
            _ => Ok(()),
        }
    }
}

/// Asks "Start? [y/N]" on a terminal; elsewhere refuses, as only --yes starts a change there.
pub fn confirmed(what: &str) -> Result<bool> {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        color_eyre::eyre::bail!("{what}: pass --yes to run it without a terminal");
    }
    let _ = write!(stderr(), "Start? [y/N] ");
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// A writer whose reader may go away (`| head -1`, `| true`). Rust ignores SIGPIPE, so a write
/// to a closed pipe fails with EPIPE: the command would stop half-way with "error: Broken pipe"
/// and, when stderr is that pipe too, panic printing it (SIGABRT). Instead, once the reader has
/// gone, what is written is dropped: the command ends as it would with nobody reading, with its
/// own exit code, and a change under way is finished rather than cut.
pub struct PipeSafe<W> {
    inner: W,
    reader_gone: bool,
}

impl<W: Write> PipeSafe<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            reader_gone: false,
        }
    }

    fn unless_gone(
        &mut self,
        write: impl FnOnce(&mut W) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.reader_gone {
            return Ok(());
        }
        match write(&mut self.inner) {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                self.reader_gone = true;
                Ok(())
            }
            other => other,
        }
    }
}

impl<W: Write> Write for PipeSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut written = buf.len();
        self.unless_gone(|inner| {
            written = inner.write(buf)?;
            Ok(())
        })?;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.unless_gone(Write::flush)
    }
}

/// Stderr for progress and errors, safe when it is a pipe whose reader has gone (`2>&1 | true`).
pub fn stderr() -> PipeSafe<std::io::Stderr> {
    PipeSafe::new(std::io::stderr())
}

/// The one JSON writer of every `--json`: pretty, and safe to let reach a terminal. Strings keep
/// their exact value, but what `untrusted::needs_escape` marks is written as `\uXXXX` (serde_json
/// escapes only what JSON requires, below U+0020), so a certificate subject or an API message
/// cannot drive the terminal of someone reading the output. Written in one piece: a reader
/// never sees half a document, and a report is not a thousand small writes.
pub fn print_json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    let mut document = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut document, SafeJson(PrettyFormatter::new()));
    value.serialize(&mut serializer)?;
    document.push(b'\n');
    out.write_all(&document)?;
    Ok(())
}

/// serde_json's pretty layout; string contents escaped as `print_json` says.
struct SafeJson(PrettyFormatter<'static>);

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if crate::untrusted::needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// The reports' width (`evidence`, `doctor`): sentences are wrapped to it, so a report reads the
/// same in an 80-column terminal, a pipe and a ticket.
const COLUMNS: usize = 80;

/// `text` (already safe to show) wrapped to `COLUMNS`, the first line after `first`, the rest
/// after `rest`; a word longer than a line (a path, an excerpt) is cut where the line ends.
pub fn wrapped(first: &str, rest: &str, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = COLUMNS.saturating_sub(line.chars().count() + usize::from(!empty));
            if word.len() <= room {
                if !empty {
                    line.push(' ');
                }
                line.extend(word);
                empty = false;
                break;
            }
            let fresh = COLUMNS.saturating_sub(rest.chars().count()).max(1);
            if empty || word.len() > fresh {
                // Cut the word at the end of this line (or of a fresh one).
                let room = if empty { room.max(1) } else { room };
                if room > 0 {
                    if !empty {
                        line.push(' ');
                    }
                    line.extend(word.drain(..room.min(word.len())));
                }
            }
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
            if word.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn write_wrapped(
    out: &mut dyn Write,
    first: &str,
    rest: &str,
    text: &str,
    paint: impl Fn(&str) -> String,
) -> std::io::Result<()> {
    for line in wrapped(first, rest, text) {
        writeln!(out, "{}", paint(&line))?;
    }
    Ok(())
}

pub fn plain(text: &str) -> String {
    text.to_string()
}

/// Colours for the human output; none when NO_COLOR is set or stdout is not a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

impl Palette {
    pub fn for_stdout() -> Self {
        Self::decide(
            std::env::var_os("NO_COLOR"),
            std::io::stdout().is_terminal(),
        )
    }

    /// NO_COLOR set to anything non-empty turns colour off (no-color.org).
    fn decide(no_color: Option<std::ffi::OsString>, terminal: bool) -> Self {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        Self {
            enabled: terminal && !no_color,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// What `--dry-run` prints: the exact requests that would change something, secrets redacted.
pub fn print_plan(
    out: &mut dyn Write,
    planned: &[crate::cloudflare::PlannedRequest],
    json: bool,
) -> Result<()> {
    if json {
        return print_json(
            out,
            &serde_json::json!({ "dry_run": true, "requests": planned }),
        );
    }
    if planned.is_empty() {
        writeln!(
            out,
            "Dry run: nothing was changed, and nothing would be sent: it is done already."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "Dry run: nothing was changed. These requests would be sent:"
    )?;
    for request in planned {
        writeln!(out)?;
        for line in request.lines() {
            writeln!(out, "{}", crate::untrusted::shown(line))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_wrap_at_80_columns_and_long_words_are_cut() {
        let sentence = "word ".repeat(40);
        let lines = wrapped("  - ", "    ", &sentence);
        assert!(lines.len() > 1);
        assert!(
            lines.iter().all(|l| l.chars().count() <= COLUMNS),
            "{lines:?}"
        );
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
        let words: usize = lines
            .iter()
            .map(|l| l.split_whitespace().filter(|w| *w == "word").count())
            .sum();
        assert_eq!(words, 40);
        let long = format!("see {} there", "x".repeat(200));
        let lines = wrapped("  ", "    ", &long);
        assert!(
            lines.iter().all(|l| l.chars().count() <= COLUMNS),
            "{lines:?}"
        );
        let xs: usize = lines.iter().map(|l| l.matches('x').count()).sum();
        assert_eq!(xs, 200);
        assert_eq!(
            lines.last().unwrap().trim_start().split(' ').next_back(),
            Some("there")
        );
        assert_eq!(wrapped("a: ", "  ", ""), ["a: "]);
    }

    #[test]
    fn no_color_and_pipes_turn_colour_off() {
        assert!(Palette::decide(None, true).bad("x").contains("\x1b["));
        assert_eq!(Palette::decide(Some("1".into()), true).bad("x"), "x");
        assert!(
            Palette::decide(Some("".into()), true)
                .good("x")
                .contains("\x1b["),
            "empty NO_COLOR is unset"
        );
        assert_eq!(Palette::decide(None, false).good("x"), "x");
    }

    /// JSON keeps every value exact but writes no control character, DEL, C1 control, bidi or
    /// zero-width mark as it is: a terminal showing it stays untouched.
    #[test]
    fn json_escapes_what_a_terminal_would_obey_and_keeps_the_value() {
        let hostile =
            "evil\u{1b}]0;PWNED\u{7}\u{1b}[2J\r\n\u{7f}\u{9b}\u{202E}\u{2066}\u{200B}\u{E0041} ✓";
        let value = serde_json::json!({ "subject": hostile, hostile: [hostile] });
        let mut out = Vec::new();
        print_json(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && crate::untrusted::needs_escape(c)),
            "{text:?}"
        );
        assert!(
            text.contains("\\u001b]0;PWNED\\u0007") && text.contains("\\u202e"),
            "{text}"
        );
        assert!(
            text.contains("\\udb40\\udc41 ✓"),
            "a tag character as a surrogate pair: {text}"
        );
        assert!(
            text.contains("\n  \"subject\": "),
            "pretty as before: {text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    /// A dry run with nothing to send says so, rather than a heading over nothing.
    #[test]
    fn a_dry_run_with_nothing_to_send_says_so() {
        let mut out = Vec::new();
        print_plan(&mut out, &[], false).unwrap();
        let said = String::from_utf8(out).unwrap();
        assert_eq!(
            said,
            "Dry run: nothing was changed, and nothing would be sent: it is done already.\n"
        );
    }

    /// A reader (a pipe, `jq`) gets the document in one write, never a piece of it.
    #[test]
    fn json_is_written_in_one_piece() {
        struct Writes(Vec<Vec<u8>>);
        impl Write for Writes {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.push(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let hostnames: Vec<_> = (0..100)
            .map(|n| serde_json::json!({ "hostname": format!("h{n}.example.com"), "ok": true }))
            .collect();
        let mut out = Writes(Vec::new());
        print_json(&mut out, &serde_json::json!({ "hostnames": hostnames })).unwrap();
        assert_eq!(out.0.len(), 1);
        let back: serde_json::Value = serde_json::from_slice(&out.0[0]).unwrap();
        assert_eq!(back["hostnames"][99]["hostname"], "h99.example.com");
    }

    #[test]
    fn a_repeated_note_is_shown_once_with_a_count_on_a_terminal_and_once_in_a_pipe() {
        let notes = ["waiting", "waiting", "waiting", "other", "other"];
        let mut terminal = Vec::new();
        let mut progress = Progress::with_columns(&mut terminal, Some(80));
        for note in notes {
            progress.note(note).unwrap();
        }
        progress.line("✓ done").unwrap();
        progress.note("other").unwrap();
        assert_eq!(
            String::from_utf8(terminal).unwrap(),
            "waiting\n\x1b[1A\r\x1b[Jwaiting (×2)\n\x1b[1A\r\x1b[Jwaiting (×3)\nother\n\x1b[1A\r\x1b[Jother (×2)\n✓ done\nother\n"
        );
        // A note wider than the terminal wraps: the rewrite goes back over every row of it.
        let mut narrow = Vec::new();
        let mut progress = Progress::with_columns(&mut narrow, Some(10));
        progress.note("twelve chars").unwrap();
        progress.note("twelve chars").unwrap();
        progress.note("twelve chars").unwrap();
        assert_eq!(
            String::from_utf8(narrow).unwrap(),
            "twelve chars\n\x1b[2A\r\x1b[Jtwelve chars (×2)\n\x1b[2A\r\x1b[Jtwelve chars (×3)\n"
        );
        let mut pipe = Vec::new();
        let mut progress = Progress::with_columns(&mut pipe, None);
        for note in notes {
            progress.note(note).unwrap();
        }
        assert_eq!(String::from_utf8(pipe).unwrap(), "waiting\nother\n");
    }

    /// A Cloudflare failure wrapped in a procedure's error still exits 4; something missing
    /// exits 2; bad input exits 1.
    #[test]
    fn cloudflare_failures_inside_procedure_errors_exit_4() {
        use crate::cloudflare::CloudflareError;
        use crate::ops::OperationError;
        use crate::rotation::RotationError;
        use crate::undo::UndoError;
        let code = |error: color_eyre::Report| exit_code_for(&error);
        let cloudflare = || CloudflareError::Refused("no".into());
        assert_eq!(
            code(RotationError::from(cloudflare()).into()),
            ExitCode::from(4)
        );
        assert_eq!(
            code(RotationError::from(OperationError::from(cloudflare())).into()),
            ExitCode::from(4)
        );
        assert_eq!(
            code(UndoError::from(cloudflare()).into()),
            ExitCode::from(4)
        );
        assert_eq!(
            code(RotationError::Refused("no".into()).into()),
            ExitCode::from(1)
        );
        assert_eq!(code(UndoError::NoHostname.into()), ExitCode::from(2));
        assert_eq!(
            code(RotationError::from(OperationError::Missing("give --x".into())).into()),
            ExitCode::from(2)
        );
        let probe = crate::probe::parse_origin("nowhere").unwrap_err();
        assert_eq!(code(OperationError::from(probe).into()), ExitCode::from(1));
    }
}
