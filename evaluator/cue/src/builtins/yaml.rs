//! `encoding/yaml`: `Marshal` writes YAML as CUE does (go-yaml v3 style, see
//! [`crate::encode::to_yaml`]); `Unmarshal` reads YAML as current CUE's decoder does:
//! go-yaml v3's scalar resolution (YAML 1.2 core schema plus 1.1 octals `0777`), keys as
//! the text of their scalar, `<<` merge keys, anchors and aliases (with CUE's bound on
//! alias expansion), duplicate keys unified, and an empty stream as `null`.
//! `Validate` and `ValidatePartial` unify every document of a stream with a schema;
//! `Validate` also requires the result to be concrete.
//!
//! Parsing uses `yaml-rust2`'s event parser, which keeps its own stack on the heap, and
//! the data is built iteratively, so deep nesting cannot overflow the stack; nesting is
//! bounded like JSON's.

use std::rc::Rc;

use rustc_hash::FxHashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use crate::data::Data;
use crate::number::{Num, NumKind};

use super::args::{bytes_or_str, list};
use super::json::{MAX_DEPTH, unify};
use super::{Registry, check_size};

const P: &str = "encoding/yaml";

/// CUE's `maxAliasNodes`: the most nodes that aliases may expand to.
const MAX_ALIAS_NODES: usize = 50_000;

pub fn register(r: &mut Registry) {
    r.add(P, "Marshal", 1, |a| {
        let v = a.first().ok_or("missing argument 1")?;
        let out = crate::encode::to_yaml(v);
        check_size(out.len())?;
        Ok(Data::str(&out))
    });
    r.add(P, "MarshalStream", 1, |a| {
        let mut out = String::new();
        for (i, v) in list(a, 0)?.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(&crate::encode::to_yaml(v));
            check_size(out.len())?;
        }
        Ok(Data::str(&out))
    });
    r.add(P, "Unmarshal", 1, |a| {
        let src = text(a)?;
        let mut docs = unmarshal_docs(&src)?;
        match docs.len() {
            0 => Ok(Data::Null),
            1 => Ok(docs.pop().unwrap_or(Data::Null)),
            _ => Err("expected a single YAML document".into()),
        }
    });
    r.add_host(P, "Validate", 2, 0b10, false, |h, a| validate(h, a, true));
    r.add_host(P, "ValidatePartial", 2, 0b10, false, |h, a| {
        validate(h, a, false)
    });
    r.add(P, "UnmarshalStream", 1, |a| {
        let src = text(a)?;
        let docs = unmarshal_docs(&src)?;
        if docs.is_empty() {
            return Ok(Data::List(vec![Data::Null]));
        }
        Ok(Data::List(docs))
    });
}

/// `Validate` and `ValidatePartial`.
fn validate(h: &mut dyn super::Host, a: &[super::Arg], concrete: bool) -> super::BuiltinResult {
    let src = text(super::arg_data(a, 0)?)?;
    let schema = super::arg_value(a, 1)?;
    for doc in unmarshal_docs(&src)? {
        h.check(schema, doc, concrete)?;
    }
    Ok(Data::Bool(true))
}

fn text(a: &[Data]) -> Result<String, String> {
    let b = bytes_or_str(a, 0)?;
    String::from_utf8(b).map_err(|_| "yaml: invalid UTF-8 in input".to_string())
}

/// A finished node: its data, and what it is as a mapping key.
#[derive(Clone)]
struct Node {
    data: Data,
    /// The label CUE derives from a scalar key, or why it cannot be one.
    key: Result<Rc<str>, String>,
    merge_key: bool,
}

enum Frame {
    Seq {
        items: Vec<Data>,
        anchor: usize,
    },
    Map {
        fields: Vec<(Rc<str>, Data)>,
        index: FxHashMap<Rc<str>, usize>,
        key: Option<Node>,
        merging: bool,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: FxHashMap<usize, Node>,
    alias_nodes: usize,
    docs: Vec<Data>,
}

/// A YAML stream that does not decode: the message, and where when it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column and byte offset, for the scanner's errors.
    pub column: Option<(usize, usize)>,
}

impl std::fmt::Display for YamlError {
    /// The texts of go-yaml (`yaml: line N: …`) and of the scanner (`… at byte B line N
    /// column C`), which CUE's messages carry.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some((column, byte))) => write!(
                f,
                "yaml: {} at byte {byte} line {line} column {column}",
                self.message
            ),
            (Some(line), None) => write!(f, "yaml: line {line}: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl From<YamlError> for String {
    fn from(e: YamlError) -> String {
        e.to_string()
    }
}

/// Parses every document of a YAML stream.
pub fn unmarshal_docs(src: &str) -> Result<Vec<Data>, YamlError> {
    let mut parser = Parser::new_from_str(src);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: FxHashMap::default(),
        alias_nodes: 0,
        docs: Vec::new(),
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_owned(),
            line: Some(e.marker().line()),
            column: Some((e.marker().col() + 1, e.marker().index())),
        })?;
        let line = mark.line();
        let err = |message: String| YamlError {
            message,
            line: Some(line),
            column: None,
        };
        match event {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => {}
            Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::Alias(id) => {
                let node = b
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err("unknown anchor".into()))?;
                b.alias_nodes += count_nodes(&node.data);
                if b.alias_nodes > MAX_ALIAS_NODES {
                    return Err(err(format!(
                        "aliases expand to more than {MAX_ALIAS_NODES} nodes"
                    )));
                }
                b.complete(node).map_err(err)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = scalar(&value, style, tag.as_ref()).map_err(err)?;
                if anchor != 0 {
                    b.anchors.insert(anchor, node.clone());
                }
                b.complete(node).map_err(err)?;
            }
            Event::SequenceStart(anchor, _) => {
                b.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                })
                .map_err(err)?;
            }
            Event::MappingStart(anchor, _) => {
                b.push(Frame::Map {
                    fields: Vec::new(),
                    index: FxHashMap::default(),
                    key: None,
                    merging: false,
                    anchor,
                })
                .map_err(err)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (data, anchor, kind) = match b.stack.pop() {
                    Some(Frame::Seq { items, anchor }) => (Data::List(items), anchor, "!!seq"),
                    Some(Frame::Map { fields, anchor, .. }) => {
                        (Data::Struct(fields), anchor, "!!map")
                    }
                    None => return Err(err("unbalanced collection".into())),
                };
                let node = Node {
                    data,
                    key: Err(format!("invalid map key: {kind}")),
                    merge_key: false,
                };
                if anchor != 0 {
                    b.anchors.insert(anchor, node.clone());
                }
                b.complete(node).map_err(err)?;
            }
        }
    }
    Ok(b.docs)
}

impl Builder {
    fn push(&mut self, f: Frame) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("exceeded max depth of {MAX_DEPTH}"));
        }
        self.stack.push(f);
        Ok(())
    }

    /// Attaches a finished node to the collection being built, or ends a document.
    fn complete(&mut self, node: Node) -> Result<(), String> {
        match self.stack.last_mut() {
            None => {
                self.docs.push(node.data);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node.data);
                Ok(())
            }
            Some(Frame::Map {
                fields,
                index,
                key,
                merging,
                ..
            }) => {
                let Some(k) = key.take() else {
                    *key = Some(node);
                    return Ok(());
                };
                if k.merge_key {
                    *merging = true;
                    return merge(fields, index, &node.data);
                }
                let label = k.key?;
                insert(fields, index, label, node.data, *merging)
            }
        }
    }
}

fn insert(
    fields: &mut Vec<(Rc<str>, Data)>,
    index: &mut FxHashMap<Rc<str>, usize>,
    label: Rc<str>,
    value: Data,
    replace: bool,
) -> Result<(), String> {
    match index.get(&label) {
        Some(&j) if replace => fields[j].1 = value,
        Some(&j) => fields[j].1 = unify(&fields[j].1, &value, &label)?,
        None => {
            index.insert(label.clone(), fields.len());
            fields.push((label, value));
        }
    }
    Ok(())
}

/// A `<<` merge: a map, or a sequence of maps of which earlier ones win.
fn merge(
    fields: &mut Vec<(Rc<str>, Data)>,
    index: &mut FxHashMap<Rc<str>, usize>,
    value: &Data,
) -> Result<(), String> {
    match value {
        Data::Struct(src) => {
            for (k, v) in src {
                insert(fields, index, k.clone(), v.clone(), true)?;
            }
            Ok(())
        }
        Data::List(items) => {
            for item in items.iter().rev() {
                match item {
                    Data::Struct(_) => merge(fields, index, item)?,
                    _ => {
                        return Err(
                            "map merge requires map or sequence of maps as the value".into()
                        );
                    }
                }
            }
            Ok(())
        }
        _ => Err("map merge requires map or sequence of maps as the value".into()),
    }
}

fn count_nodes(d: &Data) -> usize {
    let mut n = 0;
    let mut stack = vec![d];
    while let Some(d) = stack.pop() {
        n += 1;
        match d {
            Data::List(items) => stack.extend(items),
            Data::Struct(fields) => stack.extend(fields.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    n
}

fn short_tag(t: &Tag) -> String {
    if t.handle == "tag:yaml.org,2002:" {
        format!("!!{}", t.suffix)
    } else {
        format!("{}{}", t.handle, t.suffix)
    }
}

/// What go-yaml v3's `resolve` makes of a plain scalar.
#[derive(PartialEq)]
enum Resolved {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

fn resolve(v: &str) -> Resolved {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Resolved::Bool,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float,
        _ => {}
    }
    let first = v.as_bytes()[0];
    if first == b'.' {
        return if super::gofloat::parse_float(v, 64).is_ok() && !v.contains('_') {
            Resolved::Float
        } else {
            Resolved::Str
        };
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Resolved::Str;
    }
    let plain: String = v.chars().filter(|&c| c != '_').collect();
    if go_parse_int_base0(&plain) {
        return Resolved::Int;
    }
    if yaml_style_float(&plain) {
        return Resolved::Float;
    }
    let body = plain.strip_prefix('-').unwrap_or(&plain);
    for (prefix, radix) in [("0b", 2), ("0o", 8)] {
        if let Some(d) = body.strip_prefix(prefix) {
            if !d.is_empty() && d.chars().all(|c| c.is_digit(radix)) && d.len() <= 64 {
                return Resolved::Int;
            }
        }
    }
    Resolved::Str
}

/// `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn go_parse_int_base0(s: &str) -> bool {
    let Some(i) = super::strconv::big_int_from_str(s, 0) else {
        return false;
    };
    // Underscores were removed already; base 0 allows a sign only for ParseInt.
    let fits_i64 = i.bits() <= 63 || (i == -(num_bigint::BigInt::from(1) << 63u32));
    let fits_u64 = !s.starts_with(['-', '+']) && i.bits() <= 64;
    fits_i64 || fits_u64
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn str_node(s: &str) -> Node {
    Node {
        data: Data::str(s),
        key: Ok(Rc::from(s)),
        merge_key: false,
    }
}

/// A scalar as CUE's decoder converts it.
fn scalar(value: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Node, String> {
    let tag = tag.map(short_tag);
    let explicit = matches!(&tag, Some(t) if t != "!");
    let tag = match tag.as_deref() {
        Some(t) if t != "!" => t.to_owned(),
        _ => {
            if style != TScalarStyle::Plain {
                "!!str".to_owned()
            } else {
                match resolve(value) {
                    Resolved::Null => "!!null",
                    Resolved::Bool => "!!bool",
                    Resolved::Int => "!!int",
                    Resolved::Float => "!!float",
                    Resolved::Str => "!!str",
                }
                .to_owned()
            }
        }
    };
    let merge_key = value == "<<"
        && style == TScalarStyle::Plain
        && matches!(tag.as_str(), "!!str" | "!!merge");
    // An untagged float that looks like a YAML 1.1 octal (`0128`) was not a valid octal:
    // CUE takes it as a string.
    let tag = if !explicit && tag == "!!float" && any_octal_yaml11(value) {
        "!!str".to_owned()
    } else {
        tag
    };
    let mut node = match tag.as_str() {
        "!!str" | "!!timestamp" | "!!merge" => str_node(value),
        "!!binary" => {
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = super::base64::decode(compact.as_bytes())
                .map_err(|_| "!!binary value contains invalid base64 data".to_string())?;
            Node {
                data: Data::Bytes(bytes.into()),
                key: Err("invalid label".into()),
                merge_key: false,
            }
        }
        "!!bool" => {
            let b = matches!(value, "true" | "True" | "TRUE");
            Node {
                data: Data::Bool(b),
                key: Ok(Rc::from(if b { "true" } else { "false" })),
                merge_key: false,
            }
        }
        "!!null" => Node {
            data: Data::Null,
            key: Ok(Rc::from("null")),
            merge_key: false,
        },
        "!!int" => {
            let mut text = value.to_owned();
            let b = text.as_bytes();
            if b.len() > 1 && b[0] == b'0' && b[1].is_ascii_digit() {
                text = format!("0o{}", &text[1..]);
            }
            let n = cue_number(&text, true)
                .map_err(|e| format!("cannot decode {text:?} as !!int: {e}"))?;
            num_node(n, &text)
        }
        "!!float" => {
            if matches!(
                value,
                ".inf"
                    | ".Inf"
                    | ".INF"
                    | "+.inf"
                    | "+.Inf"
                    | "+.INF"
                    | "-.inf"
                    | "-.Inf"
                    | "-.INF"
                    | ".nan"
                    | ".NaN"
                    | ".NAN"
            ) {
                return Err(format!("cannot represent {value} as a CUE number"));
            }
            let n = cue_number(value, false)
                .map_err(|e| format!("cannot decode {value:?} as !!float: {e}"))?;
            num_node(n, value)
        }
        other => return Err(format!("cannot unmarshal tag {other:?}")),
    };
    node.merge_key = merge_key;
    Ok(node)
}

fn num_node(n: Num, text: &str) -> Node {
    let key = if text.starts_with('-') {
        Err(format!("invalid label {text}"))
    } else {
        Ok(Rc::from(text.strip_prefix('+').unwrap_or(text)))
    };
    Node {
        data: Data::Num(n),
        key,
        merge_key: false,
    }
}

fn any_octal_yaml11(v: &str) -> bool {
    let b = v.strip_prefix(['-', '+']).unwrap_or(v).as_bytes();
    b.len() >= 2 && b[0] == b'0' && b[1..].iter().all(|&c| c.is_ascii_digit() || c == b'_')
}

/// A number literal as CUE reads it: ints (decimal, `0x`, `0o`, `0b`, `_` separators);
/// floats keep their text; a float without fraction or exponent is an int.
fn cue_number(text: &str, int_only: bool) -> Result<Num, String> {
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let n = if body.contains(['.', 'e', 'E']) && !body.starts_with("0x") && !body.starts_with("0X")
    {
        if int_only {
            return Err("not a literal number".into());
        }
        let clean: String = body.chars().filter(|&c| c != '_').collect();
        Num::parse_decimal(&clean, NumKind::Float)?
    } else {
        crate::compile::parse_number(body)?
    };
    Ok(if neg { n.neg() } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> String {
        match unmarshal_docs(src) {
            Ok(d) => d
                .iter()
                .map(|d| crate::encode::to_json(d, None))
                .collect::<Vec<_>>()
                .join(";"),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn scalars_resolve_like_go_yaml_v3() {
        assert_eq!(
            one(
                "a: 1\nb: 1.5\nc: true\nd: yes\ne: ~\nf: 0x1F\ng: 017\nh: 089\ni: 1e3\nj: '1'\nk: 1_000\nl: .5\nm:\n"
            ),
            r#"{"a":1,"b":1.5,"c":true,"d":"yes","e":null,"f":31,"g":15,"h":"089","i":1E+3,"j":"1","k":1000,"l":0.5,"m":null}"#
        );
        assert_eq!(
            one("1: a\ntrue: b\nnull: c\n0x1F: d"),
            r#"{"1":"a","true":"b","null":"c","0x1F":"d"}"#
        );
        assert_eq!(one("!!str 12"), r#""12""#);
        assert_eq!(one("!!binary aGVsbG8="), r#""aGVsbG8=""#);
    }

    #[test]
    fn anchors_merges_and_documents() {
        assert_eq!(
            one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: *b"),
            r#"{"base":{"x":1,"y":2},"c":{"x":1,"y":3},"d":{"x":1,"y":2}}"#
        );
        assert_eq!(one("a: 1\n---\nb: 2\n"), r#"{"a":1};{"b":2}"#);
        assert_eq!(one(""), "");
        assert!(one("a: 1\na: 2").starts_with("error"));
        assert_eq!(one("a: {x: 1}\na: {y: 1}"), r#"{"a":{"x":1,"y":1}}"#);
    }

    #[test]
    fn billion_laughs_is_bounded() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            src.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(one(&src).contains("aliases expand"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = "[".repeat(100_000);
        assert!(one(&src).starts_with("error"));
    }
}

// ---------------------------------------------------------------------------------------
// Emitting YAML as CUE does: CUE turns the value into go-yaml v3 nodes (strings that YAML
// 1.1 would read as booleans, dates or hex numbers double-quoted; multi-line strings as
// literal blocks; bytes as `!!binary`), and go-yaml's emitter lays them out: two-space
// indentation, block sequences not indented under their key, plain scalars where allowed,
// else single, else double quotes, and long scalars folded at column 80.

/// Column past which go-yaml folds long scalars at spaces.
const BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    /// Write as `sigs.k8s.io/yaml` (go-yaml v2) does instead of as CUE does.
    go_v2: bool,
}

pub(crate) fn emit(data: &Data) -> String {
    emit_with(data, false)
}

/// YAML as `sigs.k8s.io/yaml.Marshal` writes a Kubernetes object (what `kubectl` and
/// KubeVela print): the object goes through Go's `encoding/json` into go-yaml v2, so map
/// keys come out in go-yaml v2's order, strings are quoted where YAML 1.1 would read them
/// as something else, and numbers are written as Go's `float64`/`int64` round trip writes
/// them (`2.0` as `2`, `1e20` as `1e+20`).
pub fn emit_kubernetes(data: &Data) -> String {
    let sorted = sort_keys_go_yaml_v2(data);
    emit_with(&sorted, true)
}

fn emit_with(data: &Data, go_v2: bool) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        go_v2,
    };
    match data {
        Data::Struct(fields) if !fields.is_empty() => e.map(fields, 0),
        Data::List(items) if !items.is_empty() => e.seq(items, 0),
        other => {
            e.scalar(other, 2, false);
            e.end_line();
        }
    }
    e.out
}

/// CUE's `shouldQuote`: YAML 1.1 words and date-, time- or hex-like strings.
fn cue_should_quote(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "t"
            | "T"
            | "f"
            | "F"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | ".Nan"
    ) || date_like(s)
        || s.strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// `^[\-+0-9:\. \t]+([-:]|[tT])[\-+0-9:\. \t]+[zZ]?$`
fn date_like(s: &str) -> bool {
    let body = s.strip_suffix(['z', 'Z']).unwrap_or(s);
    let set = |c: char| matches!(c, '-' | '+' | '0'..='9' | ':' | '.' | ' ' | '\t');
    // Some separator `-`, `:`, `t` or `T` with at least one set character on each side,
    // the rest all in the set.
    let chars: Vec<char> = body.chars().collect();
    let try_with = |body: &[char]| {
        (1..body.len().saturating_sub(1)).any(|i| {
            matches!(body[i], '-' | ':' | 't' | 'T')
                && body[..i].iter().all(|&c| set(c))
                && body[i + 1..].iter().all(|&c| set(c))
                && !body[i + 1..].is_empty()
        })
    };
    try_with(&chars)
}

/// Whether go-yaml v2 quotes `s` when it writes it (its `resolve` gives something other
/// than a string, or it looks like a YAML 1.1 base-60 float such as `1:20`).
fn go_yaml_v2_non_string(s: &str) -> bool {
    if resolves_to_non_string(s) || is_base60_float(s) {
        return true;
    }
    if matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    ) {
        return true;
    }
    // The `sigs.k8s.io/yaml` fork reads integers too large for 64 bits as big integers.
    s.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
        && super::strconv::big_int_from_str(&s.replace('_', ""), 0).is_some()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) || !s.contains(':') {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let group = &b[start..i];
        let ok = match group {
            [d] => d.is_ascii_digit(),
            [a, _] => (b'0'..=b'5').contains(a),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// A number as it comes out of KubeVela's path: CUE's JSON decoded by Kubernetes into an
/// `int64` (or a `float64` when it is not one), encoded by Go's `encoding/json`, read back
/// by go-yaml v2 and written by it.
fn go_json_yaml_number(n: &crate::number::Num) -> String {
    if n.is_int()
        && let Some(i) = n.to_i64()
    {
        return i.to_string();
    }
    let f = n.to_f64();
    if !f.is_finite() {
        return n.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        // encoding/json writes it without an exponent; go-yaml v2 reads it back as an
        // integer when it fits 64 bits.
        let text = super::gofloat::format_float(f, b'f', -1, 64);
        if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            return text;
        }
    }
    super::gofloat::format_float(f, b'g', -1, 64)
}

/// go-yaml v2's order of map keys (`keyList.Less` for strings): letters after other
/// characters, runs of digits compared as numbers.
fn go_yaml_v2_key_less(a: &str, b: &str) -> bool {
    use unicode_general_category::{GeneralCategory as G, get_general_category};
    let letter = |c: char| {
        matches!(
            get_general_category(c),
            G::UppercaseLetter
                | G::LowercaseLetter
                | G::TitlecaseLetter
                | G::ModifierLetter
                | G::OtherLetter
        )
    };
    let digit = |c: char| get_general_category(c) == G::DecimalNumber;
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let (al, bl) = (letter(ar[i]), letter(br[i]));
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            for j in (0..i).rev() {
                if !digit(ar[j]) {
                    break;
                }
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// The data with every struct's fields in go-yaml v2's key order.
fn sort_keys_go_yaml_v2(data: &Data) -> Data {
    match data {
        Data::Struct(fields) => {
            let mut fields: Vec<(Rc<str>, Data)> = fields
                .iter()
                .map(|(k, v)| {
                    let v = stacker::maybe_grow(32 * 1024, 1024 * 1024, || sort_keys_go_yaml_v2(v));
                    (k.clone(), v)
                })
                .collect();
            fields.sort_by(|(a, _), (b, _)| {
                if go_yaml_v2_key_less(a, b) {
                    std::cmp::Ordering::Less
                } else if go_yaml_v2_key_less(b, a) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            });
            Data::Struct(fields)
        }
        Data::List(items) => Data::List(
            items
                .iter()
                .map(|v| stacker::maybe_grow(32 * 1024, 1024 * 1024, || sort_keys_go_yaml_v2(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// go-yaml's scalar analysis: which styles can show `s`.
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}')
        || (('\u{E000}'..='\u{FFFD}').contains(&c) && c != '\u{FEFF}')
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_ind = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special, mut tabs) = (false, false, false);
    let (mut lead_space, mut lead_break, mut trail_space, mut trail_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_ws = true;
    let (mut prev_space, mut prev_break) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        let followed_ws = i + 1 >= chars.len() || matches!(chars[i + 1], ' ' | '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_ind = true,
                '?' | ':' if followed_ws => block_ind = true,
                '-' if followed_ws => block_ind = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_ws => block_ind = true,
                '#' if preceded_ws => block_ind = true,
                _ => {}
            }
        }
        if c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            lead_space |= i == 0;
            trail_space |= i + 1 == chars.len();
            break_space |= prev_break;
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            lead_break |= i == 0;
            trail_break |= i + 1 == chars.len();
            space_break |= prev_space;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = matches!(c, ' ' | '\t') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single: true,
        block: true,
    };
    if lead_space || lead_break || trail_space || trail_break {
        a.block_plain = false;
    }
    if trail_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single = false;
    }
    if space_break || tabs || special {
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block = false;
    }
    if line_breaks || block_ind {
        a.block_plain = false;
    }
    a
}

/// Whether go-yaml v3 resolves the plain text `s` to something other than a string.
fn resolves_to_non_string(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    if resolve(s) != Resolved::Str {
        return true;
    }
    timestamp_like(s)
}

/// go-yaml's `parseTimestamp`: `YYYY-M-D` optionally followed by a time.
fn timestamp_like(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let mut parts = rest.splitn(3, '-');
    let (Some(m), Some(d_and_time)) = (parts.next(), parts.next()) else {
        return false;
    };
    if parts.next().is_some()
        || m.is_empty()
        || m.len() > 2
        || !m.bytes().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    let day_len = d_and_time.bytes().take_while(u8::is_ascii_digit).count();
    if day_len == 0 || day_len > 2 {
        return false;
    }
    let (m, d): (u32, u32) = (
        m.parse().unwrap_or(0),
        d_and_time[..day_len].parse().unwrap_or(0),
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return false;
    }
    let time = &d_and_time[day_len..];
    time.is_empty() || time.starts_with(['T', 't', ' '])
}

impl Emitter {
    fn write(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn indent_to(&mut self, n: usize) {
        while self.column < n {
            self.put(' ');
        }
    }

    fn newline_indent(&mut self, n: usize) {
        self.put('\n');
        self.indent_to(n);
    }

    fn end_line(&mut self) {
        if self.column != 0 {
            self.put('\n');
        }
    }

    fn map(&mut self, fields: &[(Rc<str>, Data)], level: usize) {
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                self.indent_to(level * 2);
            }
            self.string(k, 0, true);
            self.put(':');
            match v {
                Data::Struct(f) if !f.is_empty() => {
                    self.newline_indent((level + 1) * 2);
                    stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.map(f, level + 1));
                }
                Data::List(items) if !items.is_empty() => {
                    self.newline_indent(level * 2);
                    stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.seq(items, level));
                }
                _ => {
                    self.put(' ');
                    self.scalar(v, (level + 1) * 2, false);
                    self.end_line();
                }
            }
        }
    }

    fn seq(&mut self, items: &[Data], level: usize) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.indent_to(level * 2);
            }
            self.write("- ");
            match item {
                Data::Struct(f) if !f.is_empty() => {
                    stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.map(f, level + 1))
                }
                Data::List(inner) if !inner.is_empty() => {
                    stacker::maybe_grow(32 * 1024, 1024 * 1024, || self.seq(inner, level + 1))
                }
                other => {
                    self.scalar(other, (level + 1) * 2, false);
                    self.end_line();
                }
            }
        }
    }

    fn scalar(&mut self, v: &Data, indent: usize, key: bool) {
        match v {
            Data::Null => self.write("null"),
            Data::Bool(b) => self.write(if *b { "true" } else { "false" }),
            Data::Num(n) if self.go_v2 => self.write(&go_json_yaml_number(n)),
            Data::Num(n) => self.write(&n.to_string()),
            Data::Str(s) => self.string(s, indent, key),
            Data::Bytes(b) => {
                self.write("!!binary ");
                self.write(&crate::encode::base64_std(b));
            }
            Data::List(_) => self.write("[]"),
            Data::Struct(_) => self.write("{}"),
        }
    }

    fn string(&mut self, s: &str, indent: usize, key: bool) {
        let requested = if s.contains('\n') {
            if key { Style::Double } else { Style::Literal }
        } else if (self.go_v2 && go_yaml_v2_non_string(s))
            || (!self.go_v2 && (cue_should_quote(s) || resolves_to_non_string(s)))
        {
            Style::Double
        } else {
            Style::Plain
        };
        let a = analyze(s);
        let mut style = requested;
        if style == Style::Literal && (!a.block || key) {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain || (key && a.multiline)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        let breaks = !key;
        match style {
            Style::Plain => self.plain(s, indent, breaks),
            Style::Single => self.single(s, indent, breaks),
            Style::Double => self.double(s, indent, breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks && !spaces && self.column > BEST_WIDTH && chars.get(i + 1) != Some(&' ') {
                    self.newline_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('\'');
        let (mut spaces, mut breaks) = (false, false);
        let last = s.len().saturating_sub(1);
        let mut byte = 0;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && byte > 0
                    && byte < last
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put('\n');
                }
                self.out.push(c);
                self.column = 0;
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                spaces = false;
                breaks = false;
            }
            byte += c.len_utf8();
        }
        if breaks {
            self.indent_to(indent);
        }
        self.put('\'');
    }

    fn double(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put('"');
        let mut spaces = false;
        let last = s.len().saturating_sub(1);
        let mut byte = 0;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let text = if v <= 0xFF {
                            format!("x{v:02X}")
                        } else if v <= 0xFFFF {
                            format!("u{v:04X}")
                        } else {
                            format!("U{v:08X}")
                        };
                        self.write(&text);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && byte != 0 && byte != last
                {
                    self.newline_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            byte += c.len_utf8();
        }
        self.put('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.put('|');
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.put('2');
        }
        let n = chars.len();
        if n == 0 || !is_break(chars[n - 1]) {
            self.put('-');
        } else if n == 1 || is_break(chars[n - 2]) {
            self.put('+');
        }
        // The header line always ends; each break in the value is one more.
        self.put('\n');
        let mut breaks = true;
        for &c in &chars {
            if is_break(c) {
                if c == '\n' {
                    self.put('\n');
                } else {
                    self.out.push(c);
                    self.column = 0;
                }
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                self.put(c);
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod kubernetes_tests {
    use super::*;
    use crate::number::Num;

    fn s(v: &str) -> Data {
        Data::str(v)
    }

    #[test]
    fn keys_in_go_yaml_v2_order() {
        let mut keys = vec![
            "port10", "port9", "b", "a_b", "aB", "a-b", "Z", "a", "x01", "x1", "x2",
        ];
        keys.sort_by(|a, b| {
            if go_yaml_v2_key_less(a, b) {
                std::cmp::Ordering::Less
            } else if go_yaml_v2_key_less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        // Non-letters before letters, digit runs by value, uppercase before lowercase.
        assert_eq!(
            keys,
            [
                "Z", "a", "a-b", "a_b", "aB", "b", "port9", "port10", "x1", "x01", "x2"
            ]
        );
    }

    #[test]
    fn quoting_and_numbers_like_sigs_k8s_yaml() {
        let data = Data::Struct(vec![
            ("z".into(), s("f")),
            ("a".into(), s("yes")),
            ("b".into(), s("1:20")),
            ("c".into(), s("10-20")),
            ("d".into(), s("1000")),
            ("e".into(), Data::Num(Num::float_from_f64(2.0).unwrap())),
            ("g".into(), Data::Num(Num::float_from_f64(1e20).unwrap())),
            ("h".into(), Data::Num(Num::float_from_f64(1.5).unwrap())),
            ("i".into(), Data::Num(Num::int(7))),
            ("j".into(), s("0x1F")),
            ("k".into(), s("2001-01-01")),
        ]);
        assert_eq!(
            emit_kubernetes(&data),
            "a: \"yes\"\nb: \"1:20\"\nc: 10-20\nd: \"1000\"\ne: 2\ng: 1e+20\nh: 1.5\ni: 7\nj: \"0x1F\"\nk: \"2001-01-01\"\nz: f\n"
        );
        // CUE's own style quotes `f` and date-like strings.
        assert!(emit(&data).contains("z: \"f\""));
        assert!(emit(&data).contains("c: \"10-20\""));
    }
}
