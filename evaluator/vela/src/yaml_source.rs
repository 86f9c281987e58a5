//! YAML documents with positions: the data of each document of a `---`-separated stream
//! (decoded by `xdef-cue`, as CUE decodes YAML), plus the line and column of every key and
//! value, so that a problem in an Application or a definition CRD can be reported as
//! `file:line:col`. Plain scalars that YAML 1.1 reads as booleans (`yes`, `on`, `off`, ...)
//! can be turned into booleans, as Kubernetes' `sigs.k8s.io/yaml` (go-yaml v2) reads them.

use std::rc::Rc;

use rustc_hash::FxHashMap;
use xdef_cue::Data;
use xdef_syntax::line_index::LineCol;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// One step of a path into a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Where a node is: its key (for a mapping entry) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodePos {
    pub key: Option<LineCol>,
    pub value: LineCol,
}

/// A document of a YAML stream with the positions of its nodes.
#[derive(Clone, Debug)]
pub struct LocatedDoc {
    pub data: Data,
    /// Where the document's content starts.
    pub start: LineCol,
    nodes: FxHashMap<String, NodePos>,
    /// Plain scalars go-yaml v2 reads as booleans (YAML 1.1 `yes`, `on`, `n`, ...).
    yaml11_bools: Vec<(String, bool)>,
}

/// A YAML syntax error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub at: LineCol,
}

fn path_key(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        push_seg(&mut out, *seg);
    }
    out
}

fn push_seg(out: &mut String, seg: Seg<'_>) {
    match seg {
        Seg::Key(k) => {
            out.push('\u{1}');
            out.push_str(k);
        }
        Seg::Index(i) => {
            out.push('\u{2}');
            out.push_str(&i.to_string());
        }
    }
}

impl LocatedDoc {
    /// A document without positions (everything is reported at its start).
    pub fn unlocated(data: Data) -> LocatedDoc {
        LocatedDoc {
            data,
            start: LineCol { line: 0, col: 0 },
            nodes: FxHashMap::default(),
            yaml11_bools: Vec::new(),
        }
    }

    /// The position of the node at `path`.
    pub fn node(&self, path: &[Seg<'_>]) -> Option<NodePos> {
        self.nodes.get(&path_key(path)).copied()
    }

    /// Where to report a problem with the node at `path`: its key if it has one, else its
    /// value; for a path that does not exist, the nearest node above it.
    pub fn pos(&self, path: &[Seg<'_>]) -> LineCol {
        for end in (0..=path.len()).rev() {
            if let Some(n) = self.node(&path[..end]) {
                return n.key.unwrap_or(n.value);
            }
        }
        self.start
    }

    /// Where to report a problem with the value at `path` (falls back like [`Self::pos`]).
    pub fn value_pos(&self, path: &[Seg<'_>]) -> LineCol {
        match self.node(path) {
            Some(n) => n.value,
            None => self.pos(path),
        }
    }

    /// Turns plain YAML 1.1 booleans (`yes`, `no`, `on`, `off`, `y`, `n` in any of their
    /// spellings) under `path` into booleans, as Kubernetes reads them.
    pub fn apply_yaml11_bools(&mut self, under: &[Seg<'_>]) {
        let prefix = path_key(under);
        let bools = std::mem::take(&mut self.yaml11_bools);
        for (key, value) in &bools {
            if key.starts_with(&prefix) {
                set_at(&mut self.data, key, Data::Bool(*value));
            }
        }
        self.yaml11_bools = bools;
    }
}

/// Replaces the value at an encoded path, if it exists.
fn set_at(data: &mut Data, key: &str, value: Data) {
    let mut cur = data;
    let mut rest = key;
    while !rest.is_empty() {
        let kind = rest.as_bytes()[0];
        let body = &rest[1..];
        let end = body.find(['\u{1}', '\u{2}']).unwrap_or(body.len());
        let seg = &body[..end];
        rest = &body[end..];
        cur = match (kind, cur) {
            (1, Data::Struct(fields)) => match fields.iter_mut().find(|(k, _)| &**k == seg) {
                Some((_, v)) => v,
                None => return,
            },
            (2, Data::List(items)) => {
                match seg.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(v) => v,
                    None => return,
                }
            }
            _ => return,
        };
    }
    *cur = value;
}

fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn line_col(mark: &yaml_rust2::scanner::Marker) -> LineCol {
    LineCol {
        line: mark.line().saturating_sub(1) as u32,
        col: mark.col() as u32,
    }
}

enum Frame {
    Map {
        path: String,
        key: Option<(String, LineCol)>,
        /// A complex (non-scalar) key is being read; its events are ignored.
        complex_key: bool,
    },
    Seq {
        path: String,
        next: usize,
    },
    /// A complex key's own collection.
    Ignored,
}

/// What the walk found in one document: where it starts, the node positions, the YAML 1.1
/// booleans.
type DocPositions = (LineCol, FxHashMap<String, NodePos>, Vec<(String, bool)>);

struct Walker {
    stack: Vec<Frame>,
    doc: Option<DocPositions>,
    docs: Vec<DocPositions>,
}

/// What a node that starts now is: its path and key position, or `None` when it is a key
/// (or inside one).
enum Slot {
    Value(String, Option<LineCol>),
    Key,
    Ignored,
}

impl Walker {
    fn slot(&mut self) -> Slot {
        match self.stack.last_mut() {
            None => Slot::Value(String::new(), None),
            Some(Frame::Ignored) => Slot::Ignored,
            Some(Frame::Seq { path, next }) => {
                let mut p = path.clone();
                push_seg(&mut p, Seg::Index(*next));
                *next += 1;
                Slot::Value(p, None)
            }
            Some(Frame::Map {
                path,
                key,
                complex_key,
            }) => {
                if *complex_key {
                    return Slot::Ignored;
                }
                match key.take() {
                    None => Slot::Key,
                    Some((k, at)) => {
                        let mut p = path.clone();
                        push_seg(&mut p, Seg::Key(&k));
                        Slot::Value(p, Some(at))
                    }
                }
            }
        }
    }

    fn record(&mut self, path: &str, key: Option<LineCol>, value: LineCol) {
        if let Some((_, nodes, _)) = &mut self.doc {
            nodes
                .entry(path.to_owned())
                .or_insert(NodePos { key, value });
        }
    }
}

/// Parses a YAML stream into its documents, with positions. Empty documents (only
/// comments, or nothing between two `---`) are kept as `null`.
pub fn parse_stream(text: &str) -> Result<Vec<LocatedDoc>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut w = Walker {
        stack: Vec::new(),
        doc: None,
        docs: Vec::new(),
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_owned(),
            at: line_col(e.marker()),
        })?;
        let at = line_col(&mark);
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart => {
                w.stack.clear();
                w.doc = Some((at, FxHashMap::default(), Vec::new()));
            }
            Event::DocumentEnd => {
                if let Some(d) = w.doc.take() {
                    w.docs.push(d);
                }
            }
            Event::Scalar(value, style, _, tag) => match w.slot() {
                Slot::Key => {
                    let mut map_path = None;
                    if let Some(Frame::Map { key, path, .. }) = w.stack.last_mut() {
                        *key = Some((value, at));
                        map_path = Some(path.clone());
                    }
                    // A block mapping's start is reported after its first key; the
                    // mapping starts where its first key does.
                    if let (Some(p), Some((_, nodes, _))) = (map_path, &mut w.doc)
                        && let Some(n) = nodes.get_mut(&p)
                        && (at.line, at.col) < (n.value.line, n.value.col)
                    {
                        n.value = at;
                    }
                }
                Slot::Ignored => {}
                Slot::Value(path, key) => {
                    w.record(&path, key, at);
                    if style == TScalarStyle::Plain
                        && tag.is_none()
                        && let (Some(b), Some((_, _, bools))) = (yaml11_bool(&value), &mut w.doc)
                    {
                        bools.push((path, b));
                    }
                }
            },
            Event::Alias(_) => match w.slot() {
                Slot::Key => {
                    if let Some(Frame::Map { key, .. }) = w.stack.last_mut() {
                        *key = Some(("*alias".to_owned(), at));
                    }
                }
                Slot::Ignored => {}
                Slot::Value(path, key) => w.record(&path, key, at),
            },
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(event, Event::MappingStart(..));
                match w.slot() {
                    Slot::Key => {
                        if let Some(Frame::Map { complex_key, .. }) = w.stack.last_mut() {
                            *complex_key = true;
                        }
                        w.stack.push(Frame::Ignored);
                    }
                    Slot::Ignored => w.stack.push(Frame::Ignored),
                    Slot::Value(path, key) => {
                        w.record(&path, key, at);
                        w.stack.push(if is_map {
                            Frame::Map {
                                path,
                                key: None,
                                complex_key: false,
                            }
                        } else {
                            Frame::Seq { path, next: 0 }
                        });
                    }
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Ignored) = w.stack.pop() {
                    // The end of a complex key: the entry's value comes next.
                    if let Some(Frame::Map {
                        complex_key, key, ..
                    }) = w.stack.last_mut()
                        && *complex_key
                    {
                        *complex_key = false;
                        *key = Some(("?complex".to_owned(), at));
                    }
                }
            }
        }
    }
    let data = xdef_cue::encode::yaml_stream_to_data(text).map_err(|e| YamlError {
        at: LineCol {
            line: e.line.unwrap_or(1).saturating_sub(1) as u32,
            col: e.column.map_or(0, |(col, _)| col.saturating_sub(1)) as u32,
        },
        message: e.message,
    })?;
    if data.len() != w.docs.len() {
        return Ok(data.into_iter().map(LocatedDoc::unlocated).collect());
    }
    Ok(data
        .into_iter()
        .zip(w.docs)
        .map(|(data, (start, nodes, yaml11_bools))| LocatedDoc {
            data,
            start,
            nodes,
            yaml11_bools,
        })
        .collect())
}

/// The data of a struct field.
pub fn field<'d>(data: &'d Data, name: &str) -> Option<&'d Data> {
    match data {
        Data::Struct(fields) => fields.iter().find(|(k, _)| &**k == name).map(|(_, v)| v),
        _ => None,
    }
}

/// Field names of a struct, in order.
pub fn keys(data: &Data) -> Vec<Rc<str>> {
    match data {
        Data::Struct(fields) => fields.iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(doc: &LocatedDoc, path: &[Seg<'_>]) -> String {
        let p = doc.pos(path);
        format!("{}:{}", p.line + 1, p.col + 1)
    }

    #[test]
    fn positions_of_keys_and_values() {
        let text = "# c\napiVersion: v1\nspec:\n  components:\n    - name: web\n      type: worker\n    - {name: db, type: \"x\"}\n---\n# only a comment\n---\nb: é\nc: 1\n";
        let docs = parse_stream(text).unwrap();
        assert_eq!(docs.len(), 3);
        let d = &docs[0];
        assert_eq!(show(d, &[Seg::Key("apiVersion")]), "2:1");
        let comp0 = [Seg::Key("spec"), Seg::Key("components"), Seg::Index(0)];
        assert_eq!(show(d, &comp0), "5:7");
        let t = [
            Seg::Key("spec"),
            Seg::Key("components"),
            Seg::Index(0),
            Seg::Key("type"),
        ];
        assert_eq!(show(d, &t), "6:7");
        let v = d.value_pos(&t);
        assert_eq!((v.line + 1, v.col + 1), (6, 13));
        let t1 = [
            Seg::Key("spec"),
            Seg::Key("components"),
            Seg::Index(1),
            Seg::Key("type"),
        ];
        assert_eq!(show(d, &t1), "7:18");
        // A missing path falls back to the nearest node above it.
        let missing = [
            Seg::Key("spec"),
            Seg::Key("components"),
            Seg::Index(0),
            Seg::Key("traits"),
        ];
        assert_eq!(show(d, &missing), "5:7");
        assert_eq!(docs[1].data, Data::Null);
        // Columns count characters.
        assert_eq!(show(&docs[2], &[Seg::Key("c")]), "12:1");
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_stream("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(e.at.line + 1, 3);
        assert!(!e.message.is_empty());
        let e = parse_stream("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!(e.at.line + 1, 2, "{e:?}");
    }

    #[test]
    fn yaml11_booleans_on_request() {
        let mut docs = parse_stream("p:\n  a: yes\n  b: \"yes\"\n  c: off\nq: on\n").unwrap();
        let d = &mut docs[0];
        d.apply_yaml11_bools(&[Seg::Key("p")]);
        assert_eq!(
            xdef_cue::encode::to_json(&d.data, None),
            r#"{"p":{"a":true,"b":"yes","c":false},"q":"on"}"#
        );
    }
}
