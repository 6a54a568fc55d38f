//! Where each YAML node is: an index from (document, path) to line and column, built with
//! yaml-rust2's marked event parser over the same text that serde_yaml parses.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
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

/// A node's marks: 1-based (line, column) of its key (when a mapping names it) and of its
/// value. u32 keeps the index small: a file is at most 64 MiB.
#[derive(Clone, Copy, Debug)]
struct Pos {
    key: Option<(u32, u32)>,
    value: (u32, u32),
}

/// One step from a node to a child: a key (interned) or an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Step {
    Key(u32),
    Index(u32),
}

/// (document, path) -> 1-based (line, column), as a tree: each node is a number, its
/// children are found by (parent, step), and keys are interned. A node costs a few dozen
/// bytes whatever its depth (a path per node made the index the largest part of loading
/// 100,000 objects).
#[derive(Debug, Default)]
pub struct PosIndex {
    /// Every node's marks, by node number.
    nodes: Vec<Pos>,
    /// Each document's root node.
    roots: Vec<u32>,
    children: HashMap<(u32, Step), u32, BuildHasherDefault<WordHasher>>,
    keys: HashMap<String, u32, BuildHasherDefault<WordHasher>>,
}

impl PosIndex {
    /// Indexes every node of every document of `text`; stops quietly at a syntax error.
    pub fn build(text: &str) -> Self {
        let mut b = Builder::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut b, true);
        b.index
    }

    /// The place of `path` in document `doc`, or of its nearest indexed ancestor.
    pub fn locate(&self, doc: usize, path: &YPath, anchor: Anchor) -> Option<(usize, usize)> {
        let mut node = *self.roots.get(doc).filter(|&&r| r != NO_NODE)?;
        for seg in &path.0 {
            let step = match seg {
                Seg::Key(k) => self.keys.get(k.as_str()).map(|&k| Step::Key(k)),
                Seg::Index(i) => u32::try_from(*i).ok().map(Step::Index),
            };
            match step.and_then(|s| self.children.get(&(node, s))) {
                Some(&child) => node = child,
                None => break,
            }
        }
        let pos = self.nodes.get(node as usize)?;
        let (line, column) = match anchor {
            Anchor::Key => pos.key.unwrap_or(pos.value),
            Anchor::Value => pos.value,
        };
        Some((line as usize, column as usize))
    }

    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&k) = self.keys.get(key) {
            return k;
        }
        let k = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.insert(key.to_string(), k);
        k
    }

    /// Adds the node reached from `parent` by `step` (without: a node no step reaches),
    /// unless it is there already (the first place wins, as for a duplicate key); returns it.
    fn add(&mut self, parent: Option<(u32, Step)>, pos: Pos) -> u32 {
        let next = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        let node = match parent {
            Some(edge) => *self.children.entry(edge).or_insert(next),
            None => next,
        };
        if node == next {
            self.nodes.push(pos);
        }
        node
    }
}

/// A document whose root has not started.
const NO_NODE: u32 = u32::MAX;

/// A fast hasher for the index's small keys (numbers and short strings). What it hashes is
/// only looked up, never iterated, so its values cannot reach an output.
#[derive(Default)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // rustc's FxHasher step: rotate, mix in, multiply by a large odd constant.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

enum Frame {
    /// The pending key (and its mark) awaiting its value.
    Map(Option<(String, (u32, u32))>),
    Seq(u32),
}

#[derive(Default)]
struct Builder {
    /// Open containers: the frame, its node, and whether it is a (complex) key.
    stack: Vec<(Frame, u32, bool)>,
    index: PosIndex,
}

fn mark_pos(m: &Marker) -> (u32, u32) {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (clamp(m.line()), clamp(m.col().saturating_add(1)))
}

impl Builder {
    /// Handles the start of a node; returns its number when it is a value (not a key).
    fn node_start(&mut self, mark: (u32, u32), scalar: Option<&str>) -> Option<u32> {
        let (edge, key) = match self.stack.last_mut() {
            None => (None, None),
            Some((Frame::Seq(i), parent, _)) => (Some((*parent, Step::Index(*i))), None),
            Some((Frame::Map(pending @ None), _, _)) => {
                let k = scalar.unwrap_or("<complex key>").to_string();
                *pending = Some((k, mark));
                return None;
            }
            Some((Frame::Map(Some((k, km))), parent, _)) => {
                // The key is not read again: the value's end clears it (`node_done`).
                let (parent, km, k) = (*parent, *km, std::mem::take(k));
                (Some((parent, Step::Key(self.index.intern(&k)))), Some(km))
            }
        };
        let pos = Pos { key, value: mark };
        match edge {
            Some(edge) => Some(self.index.add(Some(edge), pos)),
            // A document's root.
            None => {
                let root = self.index.add(None, pos);
                if let Some(slot) = self.index.roots.last_mut().filter(|r| **r == NO_NODE) {
                    *slot = root;
                }
                Some(root)
            }
        }
    }

    /// A node (scalar or finished container) is complete in its parent.
    fn node_done(&mut self) {
        match self.stack.last_mut().map(|(f, _, _)| f) {
            Some(Frame::Seq(i)) => *i = i.saturating_add(1),
            Some(Frame::Map(pending)) => *pending = None,
            None => {}
        }
    }

    fn container_start(&mut self, mark: (u32, u32), frame: Frame) {
        let is_key = matches!(self.stack.last(), Some((Frame::Map(None), _, _)));
        let node = match self.node_start(mark, None) {
            Some(node) => node,
            // A complex key (`? [a, b]`): what is inside it gets a node no path reaches;
            // its value is found under the key `<complex key>`.
            None => self.index.add(None, Pos { key: None, value: mark }),
        };
        self.stack.push((frame, node, is_key));
    }

    fn container_end(&mut self) {
        let Some((_, _, is_key)) = self.stack.pop() else {
            return;
        };
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
                self.stack.clear();
                // Its root is set by its first node (a document cut by a syntax error keeps
                // the nodes before the error).
                self.index.roots.push(NO_NODE);
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
