//! Input files: reading them, splitting them into YAML documents, and placing diagnostics.
// A diagnostic is a few strings; boxing it would only add noise to a cold path.
#![allow(clippy::result_large_err)]

use super::diagnostic::Diagnostic;
use super::files::Files;
use super::positions::{Anchor, PosIndex, YPath};
use serde::Deserialize;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One input file and the position index of its documents.
pub(crate) struct Source {
    pub path: PathBuf,
    pub text: String,
    pub index: PosIndex,
    /// Where each line starts, so that quoting a line in a diagnostic costs nothing however
    /// many diagnostics a file has (a rescan per diagnostic made 40,000 errors take 50 s).
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(path: &Path, text: String) -> Rc<Self> {
        let index = PosIndex::build(&text);
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Rc::new(Source { path: path.to_path_buf(), text, index, line_starts })
    }

    /// Line `n` (from 1) without its line break, as `str::lines` gives it.
    pub fn line(&self, n: usize) -> Option<&str> {
        let start = *self.line_starts.get(n.checked_sub(1)?)?;
        if start >= self.text.len() {
            return None;
        }
        let end = self.line_starts.get(n).map_or(self.text.len(), |&next| next - 1);
        let line = &self.text[start..end];
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Reads a file as text. `shown` is the name used in messages.
pub(crate) fn read(files: &dyn Files, path: &Path, shown: &Path) -> Result<Rc<Source>, Diagnostic> {
    let bytes = read_capped(files, path).map_err(|e| {
        let msg = match e.kind() {
            // A URL on the command line (`kubesim run https://...`): say what to do.
            std::io::ErrorKind::NotFound if super::include::is_remote(&shown.to_string_lossy()) => {
                super::include::remote_advice(&shown.to_string_lossy())
            }
            std::io::ErrorKind::NotFound => "file not found".to_string(),
            _ => format!("cannot read the file: {e}"),
        };
        Diagnostic::error(shown, msg)
    })?;
    if bytes.len() > super::shape::MAX_FILE_BYTES {
        let msg = format!("the file is more than kubesim's limit of {} bytes (64 MiB)", super::shape::MAX_FILE_BYTES);
        return Err(Diagnostic::error(shown, msg));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(shown, format!("not a text file (invalid UTF-8 at byte {})", e.utf8_error().valid_up_to()))
    })?;
    from_text(shown, text)
}

/// The file's bytes, reading at most one byte past the size cap (so `/dev/zero`, a named
/// pipe or a huge file cannot exhaust memory).
fn read_capped(files: &dyn Files, path: &Path) -> std::io::Result<Vec<u8>> {
    let cap = u64::try_from(super::shape::MAX_FILE_BYTES).unwrap_or(u64::MAX).saturating_add(1);
    files.read(path, cap)
}

/// Checks that in-memory text is text, not binary.
pub(crate) fn from_text(path: &Path, text: String) -> Result<Rc<Source>, Diagnostic> {
    // A UTF-8 byte-order mark (what some Windows editors write first) is not content, as
    // kubectl ignores it too.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if let Some(i) = text.bytes().position(|b| b == 0) {
        return Err(Diagnostic::error(path, format!("not a text file (NUL byte at byte {i})")));
    }
    super::shape::check(path, &text)?;
    Ok(Source::new(path, text))
}

/// The YAML documents of a file, or its syntax error.
pub(crate) fn documents(src: &Source) -> Result<Vec<Value>, Diagnostic> {
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(&src.text) {
        let mut v = Value::deserialize(de).map_err(|e| syntax_error(src, &e))?;
        v.apply_merge().map_err(|e| syntax_error(src, &e))?;
        docs.push(v);
    }
    Ok(docs)
}

fn syntax_error(src: &Source, e: &serde_yaml::Error) -> Diagnostic {
    let msg = format!("invalid YAML: {}", strip_marks(&e.to_string()));
    let mut d = Diagnostic::error(&src.path, msg);
    if e.to_string().contains("repetition limit exceeded") {
        d.help = Some(
            "the file's aliases (*name) expand to too many nodes (a \"billion laughs\"): write the values out".into(),
        );
    }
    if let Some(loc) = e.location() {
        d = d.at_line(loc.line(), loc.column(), src.line(loc.line()));
        let line = src.line(loc.line()).unwrap_or("");
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        if indent.contains('\t') || line.contains(":\t") {
            d.help = Some("YAML does not allow tabs for indentation: indent with spaces".into());
        }
    }
    d
}

/// Removes libyaml's ` at line N column M` (the diagnostic shows the place itself).
fn strip_marks(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + " at line ".len()..];
        let skip = tail.find(|c: char| !(c.is_ascii_digit() || c == ' ' || "column".contains(c))).unwrap_or(tail.len());
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

/// Where a YAML value came from: a document of a file, and the path of the value in it.
#[derive(Clone)]
pub(crate) struct Loc {
    pub src: Rc<Source>,
    pub doc: usize,
    pub prefix: YPath,
}

impl Loc {
    pub fn new(src: &Rc<Source>, doc: usize, prefix: YPath) -> Self {
        Loc { src: Rc::clone(src), doc, prefix }
    }

    /// A sub-location: the value at `path` below this one.
    pub fn sub(&self, path: &YPath) -> Self {
        Loc { src: Rc::clone(&self.src), doc: self.doc, prefix: self.prefix.join(path) }
    }

    pub fn file(&self) -> &Path {
        &self.src.path
    }

    /// A diagnostic at `path` (relative to this location).
    pub fn place(&self, d: Diagnostic, path: &YPath, anchor: Anchor) -> Diagnostic {
        let full = self.prefix.join(path);
        match self.src.index.locate(self.doc, &full, anchor) {
            Some((line, col)) => d.at_line(line, col, self.src.line(line)),
            None => d,
        }
    }

    pub fn error(&self, path: &YPath, anchor: Anchor, msg: impl Into<String>) -> Diagnostic {
        self.place(Diagnostic::error(self.file(), msg), path, anchor)
    }

    pub fn warning(&self, path: &YPath, anchor: Anchor, msg: impl Into<String>) -> Diagnostic {
        self.place(Diagnostic::warning(self.file(), msg), path, anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_place_and_tab_help() {
        let src = Source::new(Path::new("t.yaml"), "a:\n\tb: 1\n".into());
        let d = documents(&src).unwrap_err();
        assert_eq!(d.line, Some(2));
        assert!(d.help.unwrap_or_default().contains("tabs"));
        assert!(!d.message.contains("at line"), "{}", d.message);
    }

    #[test]
    fn binary_is_not_text() {
        let e = from_text(Path::new("b"), "ab\0c".into()).err().unwrap();
        assert_eq!(e.message, "not a text file (NUL byte at byte 2)");
    }

    #[test]
    fn strips_libyaml_marks() {
        assert_eq!(strip_marks("bad thing at line 3 column 1, while x at line 2 column 5"), "bad thing, while x");
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::*;

    /// The line index quotes exactly what `str::lines` gives, CRLF and a last line without a
    /// break included.
    #[test]
    fn a_byte_order_mark_is_not_content() {
        let src = from_text(Path::new("f.yaml"), "\u{feff}name: x\n".to_string()).expect("loads");
        assert_eq!(src.text, "name: x\n");
        assert_eq!(src.line(1), Some("name: x"));
    }

    #[test]
    fn lines_are_quoted_as_str_lines_gives_them() {
        for text in ["a: 1\nb: 2\n", "a: 1\r\nb: 2", "\n\nx\n", "", "only"] {
            let src = Source::new(Path::new("f.yaml"), text.to_string());
            let expected: Vec<&str> = text.lines().collect();
            for n in 1..=expected.len() + 2 {
                assert_eq!(src.line(n), expected.get(n - 1).copied(), "{text:?} line {n}");
            }
            assert_eq!(src.line(0), None);
        }
    }
}
