//! Where each YAML node is: an index from (document, path) to line and column, built with
//! yaml-rust2's marked event parser over the same text that serde_yaml parses.

use std::collections::HashMap;
use std::fmt;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// One step of a path into a YAML tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path into a YAML tree, printed like `spec.template.spec.containers[0].name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct YPath(pub Vec<Seg>);

impl YPath {
    pub fn root() -> Self {
        YPath(Vec::new())
    }

    /// Parses `a.b[2].c`; a key cannot hold `.` or `[` this way.
    pub fn parse(s: &str) -> Option<Self> {
        let mut segs = Vec::new();
        for part in s.split('.') {
            let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
            if key.is_empty() && segs.is_empty() {
                return None;
            }
            if !key.is_empty() {
                segs.push(Seg::Key(key.to_string()));
            }
            while !rest.is_empty() {
                let (n, tail) = rest.split_once(']')?;
                segs.push(Seg::Index(n.parse().ok()?));
                rest = tail.strip_prefix('[').unwrap_or(tail);
                if !tail.is_empty() && !tail.starts_with('[') {
                    return None;
                }
            }
        }
        (!segs.is_empty()).then_some(YPath(segs))
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// `self` followed by `rest`.
    pub fn join(&self, rest: &YPath) -> Self {
        let mut p = self.clone();
        p.0.extend(rest.0.iter().cloned());
        p
    }

    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
    }

    pub fn parent(&self) -> Self {
        let mut p = self.clone();
        p.0.pop();
        p
    }
}

impl fmt::Display for YPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Which mark of a node to point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The mapping key naming the node (falls back to the value).
    Key,
    /// The value itself.
    Value,
}

#[derive(Clone, Copy, Debug)]
struct Pos {
    key: Option<(usize, usize)>,
    value: (usize, usize),
}

/// (document, path) -> 1-based (line, column).
#[derive(Debug, Default)]
pub struct PosIndex {
    map: HashMap<(usize, YPath), Pos>,
}

impl PosIndex {
    /// Indexes every node of every document of `text`; stops quietly at a syntax error.
    pub fn build(text: &str) -> Self {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut b, true);
        PosIndex { map: b.map }
    }

    /// The place of `path` in document `doc`, or of its nearest indexed ancestor.
    pub fn locate(&self, doc: usize, path: &YPath, anchor: Anchor) -> Option<(usize, usize)> {
        let mut p = path.clone();
        loop {
            if let Some(pos) = self.map.get(&(doc, p.clone())) {
                return Some(match anchor {
                    Anchor::Key => pos.key.unwrap_or(pos.value),
                    Anchor::Value => pos.value,
                });
            }
            p.0.pop()?;
        }
    }
}

enum Frame {
    /// The pending key (and its mark) awaiting its value.
    Map(Option<(String, (usize, usize))>),
    Seq(usize),
}

#[derive(Default)]
struct Builder {
    doc: Option<usize>,
    /// Open containers, each with whether it added a segment to `path` and whether it is a key.
    stack: Vec<(Frame, bool, bool)>,
    path: YPath,
    map: HashMap<(usize, YPath), Pos>,
}

fn mark_pos(m: &Marker) -> (usize, usize) {
    (m.line(), m.col() + 1)
}

impl Builder {
    /// Handles the start of a node; returns the path segment when it is a value.
    fn node_start(&mut self, mark: (usize, usize), scalar: Option<&str>) -> Option<Seg> {
        let doc = self.doc.unwrap_or(0);
        let (seg, key) = match self.stack.last_mut().map(|(f, _, _)| f) {
            None => (None, None),
            Some(Frame::Seq(i)) => (Some(Seg::Index(*i)), None),
            Some(Frame::Map(pending @ None)) => {
                let k = scalar.unwrap_or("<complex key>").to_string();
                *pending = Some((k, mark));
                return None;
            }
            Some(Frame::Map(Some((k, km)))) => (Some(Seg::Key(k.clone())), Some(*km)),
        };
        let path = match &seg {
            Some(s) => {
                let mut p = self.path.clone();
                p.0.push(s.clone());
                p
            }
            None => self.path.clone(),
        };
        self.map.entry((doc, path)).or_insert(Pos { key, value: mark });
        seg
    }

    /// A node (scalar or finished container) is complete in its parent.
    fn node_done(&mut self) {
        match self.stack.last_mut().map(|(f, _, _)| f) {
            Some(Frame::Seq(i)) => *i += 1,
            Some(Frame::Map(pending)) => *pending = None,
            None => {}
        }
    }

    fn container_start(&mut self, mark: (usize, usize), frame: Frame) {
        let is_key = matches!(self.stack.last(), Some((Frame::Map(None), _, _)));
        let seg = match self.node_start(mark, None) {
            // A complex key: what is inside it is indexed under a placeholder.
            None if is_key => Some(Seg::Key("<complex key>".into())),
            other => other,
        };
        self.stack.push((frame, seg.is_some(), is_key));
        if let Some(s) = seg {
            self.path.0.push(s);
        }
    }

    fn container_end(&mut self) {
        let Some((_, pushed, is_key)) = self.stack.pop() else {
            return;
        };
        if pushed {
            self.path.0.pop();
        }
        if !is_key {
            self.node_done();
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let m = mark_pos(&mark);
        match ev {
            Event::DocumentStart => {
                self.doc = Some(self.doc.map_or(0, |d| d + 1));
                self.stack.clear();
                self.path = YPath::root();
            }
            Event::Scalar(s, ..) => {
                let is_value = self.node_start(m, Some(&s)).is_some();
                if is_value {
                    self.node_done();
                }
            }
            Event::Alias(_) => {
                let is_value = self.node_start(m, None).is_some();
                if is_value {
                    self.node_done();
                }
            }
            Event::MappingStart(..) => self.container_start(m, Frame::Map(None)),
            Event::SequenceStart(..) => self.container_start(m, Frame::Seq(0)),
            Event::MappingEnd | Event::SequenceEnd => self.container_end(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> YPath {
        YPath::parse(s).unwrap()
    }

    #[test]
    fn paths_parse_and_print() {
        let path = p("spec.template.spec.containers[0].name");
        assert_eq!(path.to_string(), "spec.template.spec.containers[0].name");
        assert_eq!(p("cluster.nodes[0].count").0.len(), 4);
        assert_eq!(p("a[1][2]").to_string(), "a[1][2]");
        assert!(YPath::parse("").is_none());
        assert!(YPath::parse("a[x]").is_none());
        assert!(YPath::parse("a[1]b").is_none());
    }

    #[test]
    fn indexes_keys_and_values_one_based() {
        let text = "a: 1\nspec:\n  replcas: 3\n  list:\n    - x\n    - {k: v}\n";
        let idx = PosIndex::build(text);
        assert_eq!(idx.locate(0, &p("spec.replcas"), Anchor::Key), Some((3, 3)));
        assert_eq!(idx.locate(0, &p("spec.replcas"), Anchor::Value), Some((3, 12)));
        assert_eq!(idx.locate(0, &p("spec.list[1].k"), Anchor::Key), Some((6, 8)));
        assert_eq!(idx.locate(0, &p("spec.list[0]"), Anchor::Value), Some((5, 7)));
        // missing paths fall back to the nearest ancestor
        assert_eq!(idx.locate(0, &p("spec.nope.deeper"), Anchor::Key), Some((2, 1)));
    }

    #[test]
    fn indexes_each_document() {
        let text = "a: 1\n---\nb: 2\n---\nc:\n  d: 3\n";
        let idx = PosIndex::build(text);
        assert_eq!(idx.locate(1, &p("b"), Anchor::Key), Some((3, 1)));
        assert_eq!(idx.locate(2, &p("c.d"), Anchor::Key), Some((6, 3)));
    }

    #[test]
    fn complex_keys_do_not_shift_later_keys() {
        let idx = PosIndex::build("? [a, b]\n: 1\nz: 2\n");
        assert_eq!(idx.locate(0, &p("z"), Anchor::Key), Some((3, 1)));
    }

    #[test]
    fn survives_bad_yaml() {
        let idx = PosIndex::build("a: [\n\tb: :");
        let _ = idx.locate(0, &p("a"), Anchor::Key);
    }
}
