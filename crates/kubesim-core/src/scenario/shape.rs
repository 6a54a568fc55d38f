//! The shape of an input file, checked before it is parsed: its size and how deeply its
//! YAML nests. Deep nesting would overflow the stack of the recursive parts of the YAML
//! stack (and the position index grows with depth squared), so it is an error at the first
//! container too deep, found with yaml-rust2's event parser, which does not recurse.

// A diagnostic is a few strings; boxing it would only add noise to a cold path.
#![allow(clippy::result_large_err)]

use super::diagnostic::Diagnostic;
use std::path::Path;
use yaml_rust2::parser::{Event, Parser};

/// The largest input file: far more than a 5,000-node cluster's manifests.
pub(crate) const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting of mappings and sequences (a Kubernetes object is about 15 deep).
pub(crate) const MAX_DEPTH: usize = 100;

/// An error if `text` is too large or nests too deeply.
pub(crate) fn check(path: &Path, text: &str) -> Result<(), Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        let msg =
            format!("the file is {} bytes, more than kubesim's limit of {MAX_FILE_BYTES} bytes (64 MiB)", text.len());
        return Err(Diagnostic::error(path, msg));
    }
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    let too_deep = |line: usize, col: usize| {
        let msg = format!("the YAML nests more than {MAX_DEPTH} levels deep, kubesim's limit");
        let help = "a scenario or manifest nests about 15 levels; is this file generated?";
        Err(Diagnostic::error(path, msg).at(line, col + 1, text).with_help(Some(help.into())))
    };
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            // yaml-rust2 stops flow collections ([[[...) at 255 levels.
            Err(e) if e.info().contains("recursion limit") => return too_deep(e.marker().line(), e.marker().col()),
            // Another syntax error is left for the YAML parser proper, which words it better.
            Err(_) => return Ok(()),
        };
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return too_deep(mark.line(), mark.col());
                }
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_limited_and_placed() {
        let deep = format!("objects: {}{}\n", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
        let d = check(Path::new("f.yaml"), &deep).unwrap_err();
        assert!(d.message.contains("nests more than 100 levels"), "{d}");
        assert_eq!(d.line, Some(1));
        assert!(d.column.is_some_and(|c| (MAX_DEPTH..=MAX_DEPTH + 10).contains(&c)), "{d}");
        let ok = format!("objects: {}{}\n", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert!(check(Path::new("f.yaml"), &ok).is_ok());
        // 100,000 levels: a recursive parser would overflow the stack here (speed is the
        // benchmarks' business, not a test's).
        let deeper = format!("objects: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(check(Path::new("f.yaml"), &deeper).unwrap_err().message.contains("nests more than"));
    }

    #[test]
    fn a_file_over_the_size_cap_is_refused_before_parsing() {
        let big = "#".repeat(MAX_FILE_BYTES + 1);
        let d = check(Path::new("big.yaml"), &big).unwrap_err();
        assert!(d.message.contains("more than kubesim's limit of 67108864 bytes (64 MiB)"), "{d}");
    }
}
