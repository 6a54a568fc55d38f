//! Diagnostics: one problem found in a scenario, with where it is and how to fix it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in an input file, printed like a compiler message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters).
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// The text of `line`, shown under the message with a caret.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, message)
    }

    pub fn warning(file: &Path, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, message)
    }

    fn new(severity: Severity, file: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            file: file.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    /// Places the diagnostic at `line:column` and quotes that line of `text` (a scan of the
    /// text: for one diagnostic; a file's many go through `at_line` with its line index).
    pub fn at(self, line: usize, column: usize, text: &str) -> Self {
        let quoted = line.checked_sub(1).and_then(|i| text.lines().nth(i));
        self.at_line(line, column, quoted)
    }

    /// Places the diagnostic at `line:column`, quoting `source_line` (that line, if known).
    pub fn at_line(mut self, line: usize, column: usize, source_line: Option<&str>) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self.source_line = source_line.map(|l| l.trim_end_matches('\r').to_string());
        self
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", escape_controls(&self.file.display().to_string(), false))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", escape_controls(&shorten(&self.message, MAX_MESSAGE_CHARS), true))?;
        if let (Some(line), Some(src)) = (self.line, &self.source_line) {
            let width = line.to_string().len();
            let (src, col) = excerpt(src, self.column.unwrap_or(1).max(1));
            let before: String = src.chars().take(col - 1).collect();
            let pad: String =
                escape_controls(&before, false).chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            write!(f, "\n{line:>width$} | {}\n{:>width$} | {pad}^", escape_controls(&src, false), "")?;
        }
        if let Some(help) = &self.help {
            let width = self.line.map_or(1, |l| l.to_string().len());
            write!(f, "\n{:>width$} = help: {}", "", escape_controls(help, true))?;
        }
        Ok(())
    }
}

/// `text` with the characters that would act on a terminal instead of showing (ESC, NUL
/// and the other control characters, bidirectional overrides and isolates) written as
/// `\u{1b}`, so that a value quoted from an input cannot recolour, erase or reorder what is
/// printed. Tabs stay; newlines stay where `keep_newlines` (kubesim's own multi-line help).
pub fn escape_controls(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        (c.is_control() && c != '\t' && !(keep_newlines && c == '\n'))
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    if !text.chars().any(acts) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// The longest message shown whole: a message quoting a huge value is cut in the middle.
const MAX_MESSAGE_CHARS: usize = 2000;

/// The most characters of a source line quoted on each side of the column.
const EXCERPT_CHARS: usize = 60;

/// `text` whole, or its start and end around `… (N characters) …` when longer than `max`.
fn shorten(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let count = text.chars().count();
    if count <= max {
        return text.into();
    }
    let head: String = text.chars().take(max / 2).collect();
    let tail: String = text.chars().skip(count - max / 4).collect();
    format!("{head}… ({} characters) …{tail}", count - max / 2 - max / 4).into()
}

/// The part of a long source line around 1-based `col`, and the column within it.
fn excerpt(src: &str, col: usize) -> (String, usize) {
    let count = src.chars().count();
    if count <= 2 * EXCERPT_CHARS + 20 {
        return (src.to_string(), col);
    }
    let start = col.saturating_sub(1 + EXCERPT_CHARS);
    let end = (col + EXCERPT_CHARS).min(count);
    let mut shown: String = if start > 0 { "…".into() } else { String::new() };
    shown.extend(src.chars().skip(start).take(end - start));
    if end < count {
        shown.push('…');
    }
    (shown, col - start + usize::from(start > 0))
}

/// Collects every problem found while loading, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub diags: Vec<Diagnostic>,
    /// The objects accepted but not simulated, by kind as the warning names it: each
    /// object's identity (`namespace/name`), so that a file applied twice counts once.
    pub not_simulated: BTreeMap<String, BTreeSet<String>>,
    /// Objects written with errors (reported at the object): lines and fields that name one
    /// report nothing more, so one bad object gives one error, not a "not found" per use.
    pub broken: BTreeSet<crate::model::spec::ObjectRef>,
    /// Argo Rollouts' AnalysisTemplates and ClusterAnalysisTemplates read, in file order.
    pub analysis_templates: Vec<crate::model::spec::AnalysisTemplate>,
    /// Templates written with errors (namespace, None for cluster templates; name): a
    /// Rollout that names one reports nothing more.
    pub broken_analysis_templates: Vec<(Option<String>, String)>,
}

impl Report {
    /// Notes an object accepted but not simulated (named in [`Report::warn_not_simulated`]).
    pub fn not_simulated(&mut self, kind: String, identity: String) {
        self.not_simulated.entry(kind).or_default().insert(identity);
    }

    /// The one warning of a load naming the kinds accepted but not simulated, sorted, each
    /// with its count of objects; nothing when there are none.
    pub fn warn_not_simulated(&mut self, file: &Path) {
        if self.not_simulated.is_empty() {
            return;
        }
        let kinds: Vec<String> = self.not_simulated.iter().map(|(k, ids)| format!("{k} ({})", ids.len())).collect();
        let msg = format!("not simulated (accepted, no effect): {}", kinds.join(", "));
        self.push(Diagnostic::warning(file, msg));
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    /// Errors first (in the order found), then warnings.
    pub fn into_sorted(self) -> Vec<Diagnostic> {
        let (mut errors, warnings): (Vec<_>, Vec<_>) = self.diags.into_iter().partition(Diagnostic::is_error);
        errors.extend(warnings);
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_place_source_caret_and_help() {
        let d = Diagnostic::error(Path::new("s.yaml"), "unknown field `replcas`")
            .at(2, 3, "spec:\n  replcas: 3\n")
            .with_help(Some("did you mean `replicas`?".into()));
        assert_eq!(
            d.to_string(),
            "error: s.yaml:2:3: unknown field `replcas`\n2 |   replcas: 3\n  |   ^\n  = help: did you mean `replicas`?"
        );
    }

    #[test]
    fn control_characters_of_the_input_are_escaped_and_the_caret_still_points() {
        // ESC (a colour), NUL, a bidi override: echoed as escapes, not acted on.
        let d = Diagnostic::error(Path::new("s.yaml"), "Invalid value: \"a\u{1b}[31mb\0c\u{202e}d\"").at(
            1,
            11,
            "name: \"a\u{1b}x\": 1\n",
        );
        let text = d.to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\0') && !text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains("a\\u{1b}[31mb\\u{0}c\\u{202e}d"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let (src, caret) = (lines[1], lines[2]);
        assert_eq!(caret.find('^').map(|i| &src[i..]), Some("\": 1"), "{text}");
    }

    #[test]
    fn prints_without_place() {
        let d = Diagnostic::error(Path::new("x.yaml"), "not a text file");
        assert_eq!(d.to_string(), "error: x.yaml: not a text file");
    }
}
