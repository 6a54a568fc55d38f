//! Colours on stderr, as rustc and cargo print them: `error` in red, `warning` in yellow,
//! `note` and `help` in cyan, the source excerpt's gutter in blue. Only on a terminal, and
//! never when `NO_COLOR` is set to anything but "" (<https://no-color.org>);
//! `CLICOLOR_FORCE` (not "0") forces them through a pipe, as it does for clap's own messages
//! (anstream's rule, which this one follows so the two never disagree).
//!
//! Colour is added around kubesim's own labels only: every text quoted from an input has had
//! its control characters escaped (`scenario::escape_controls`), so no input can colour or
//! un-colour anything.

use anstyle::{AnsiColor, Style};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::sync::OnceLock;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();

/// Whether stderr gets colours: computed once per process.
pub fn stderr_colours() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        colours_wanted(
            std::io::stderr().is_terminal(),
            var("NO_COLOR").is_some(),
            var("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
            std::env::var_os("TERM").is_some_and(|t| t == "dumb"),
        )
    })
}

/// The rule: `NO_COLOR` wins, then `CLICOLOR_FORCE`, then a terminal that is not `dumb`.
pub fn colours_wanted(terminal: bool, no_color: bool, force: bool, dumb: bool) -> bool {
    !no_color && (force || (terminal && !dumb))
}

/// `text` (one message, possibly several lines) with its labels coloured when `colours`:
/// the leading `error:` / `warning:` / `note:` / `help:`, a diagnostic's excerpt gutter
/// (`12 |`) and caret, and its `= help:` line.
pub fn paint(text: &str, colours: bool) -> Cow<'_, str> {
    if !colours {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut label = ERROR;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if i == 0 {
            if let Some((style, rest)) = leading_label(line) {
                label = style;
                let word = &line[..line.len() - rest.len() - 1];
                push_styled(&mut out, style, word);
                out.push(':');
                out.push_str(rest);
                continue;
            }
        }
        paint_excerpt_line(&mut out, line, label);
    }
    out.into()
}

/// The label a message starts with and the text after its colon.
fn leading_label(line: &str) -> Option<(Style, &str)> {
    [("error", ERROR), ("warning", WARNING), ("note", NOTE), ("help", NOTE)]
        .into_iter()
        .find_map(|(word, style)| line.strip_prefix(word).and_then(|r| r.strip_prefix(':')).map(|rest| (style, rest)))
}

/// A diagnostic's later line: `  12 | source`, `     |     ^`, or `     = help: ...`.
fn paint_excerpt_line(out: &mut String, line: &str, label: Style) {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let (lead, rest) = line.split_at(indent);
    let number = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    // `12 | source`, or (the caret line, its padding in `lead`) `   | ^`.
    let bar = if number == 0 { "|" } else { " |" };
    if let Some(src) = rest[number..].strip_prefix(bar).filter(|s| s.is_empty() || s.starts_with(' ')) {
        out.push_str(lead);
        push_styled(out, GUTTER, &rest[..number + bar.len()]);
        // The caret line is spaces (or tabs) then `^`.
        match src.trim_end().strip_suffix('^') {
            Some(pad) if number == 0 && pad.chars().all(|c| c == ' ' || c == '\t') => {
                out.push_str(pad);
                push_styled(out, label, "^");
            }
            _ => out.push_str(src),
        }
        return;
    }
    if let (0, Some(help)) = (number, rest.strip_prefix("= help:")) {
        out.push_str(lead);
        push_styled(out, GUTTER, "=");
        out.push(' ');
        push_styled(out, NOTE, "help");
        out.push(':');
        out.push_str(help);
        return;
    }
    out.push_str(line);
}

fn push_styled(out: &mut String, style: Style, text: &str) {
    use std::fmt::Write as _;
    let _ = write!(out, "{style}{text}{style:#}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_then_force_then_a_terminal() {
        assert!(colours_wanted(true, false, false, false), "a terminal");
        assert!(!colours_wanted(true, true, false, false), "NO_COLOR on a terminal");
        assert!(!colours_wanted(true, true, true, false), "NO_COLOR beats CLICOLOR_FORCE");
        assert!(!colours_wanted(false, false, false, false), "a pipe");
        assert!(colours_wanted(false, false, true, false), "CLICOLOR_FORCE through a pipe");
        assert!(!colours_wanted(true, false, false, true), "TERM=dumb");
    }

    #[test]
    fn without_colours_the_text_is_untouched() {
        let text = "error: x.yaml:3:5: unknown field\n3 | foo: 1\n  | ^\n  = help: did you mean `bar`?";
        assert_eq!(paint(text, false), text);
    }

    #[test]
    fn labels_gutter_caret_and_help_are_coloured_and_nothing_else_changes() {
        let text = "error: x.yaml:12:5: unknown field `replcas`\n12 |     replcas: 3\n   |     ^\n   = help: did you mean `replicas`?";
        let painted = paint(text, true);
        let (red, blue, cyan, reset) = ("\x1b[1m\x1b[31m", "\x1b[1m\x1b[34m", "\x1b[1m\x1b[36m", "\x1b[0m");
        assert_eq!(
            painted,
            format!(
                "{red}error{reset}: x.yaml:12:5: unknown field `replcas`\n{blue}12 |{reset}     replcas: 3\n   {blue}|{reset}     {red}^{reset}\n   {blue}={reset} {cyan}help{reset}: did you mean `replicas`?"
            )
        );
        let warning = paint("warning: x.yaml: unused", true);
        assert!(warning.starts_with("\x1b[1m\x1b[33mwarning\x1b[0m: "), "{warning:?}");
        assert_eq!(paint("interrupted by SIGINT: ...", true), "interrupted by SIGINT: ...");
        assert_eq!(paint("errors: not a label", true), "errors: not a label");
    }
}
