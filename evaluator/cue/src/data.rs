//! Concrete data: what a fully evaluated, concrete CUE value is. Exported values,
//! builtin arguments and results, and injected inputs (KubeVela's `parameter` and
//! `context`) are `Data`. JSON and YAML encodings live in [`crate::encode`].

use std::rc::Rc;

use crate::number::Num;

#[derive(Clone, Debug)]
pub enum Data {
    Null,
    Bool(bool),
    Num(Num),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    List(Vec<Data>),
    /// Fields in order.
    Struct(Vec<(Rc<str>, Data)>),
}

impl PartialEq for Data {
    /// Structural equality; struct field order is ignored, numbers compare by value and
    /// kind.
    fn eq(&self, other: &Data) -> bool {
        match (self, other) {
            (Data::Null, Data::Null) => true,
            (Data::Bool(a), Data::Bool(b)) => a == b,
            (Data::Num(a), Data::Num(b)) => a == b,
            (Data::Str(a), Data::Str(b)) => a == b,
            (Data::Bytes(a), Data::Bytes(b)) => a == b,
            (Data::List(a), Data::List(b)) => a == b,
            (Data::Struct(a), Data::Struct(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
            }
            _ => false,
        }
    }
}

impl Data {
    /// `==` on data: like structural equality, but numbers compare by value regardless of
    /// kind (`1 == 1.0`).
    pub fn equals(&self, other: &Data) -> bool {
        match (self, other) {
            (Data::Num(a), Data::Num(b)) => a.cmp_value(b) == std::cmp::Ordering::Equal,
            (Data::List(a), Data::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals(y))
            }
            (Data::Struct(a), Data::Struct(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v.equals(v2)))
            }
            _ => self == other,
        }
    }

    pub fn str(s: &str) -> Data {
        Data::Str(Rc::from(s))
    }

    pub fn get(&self, key: &str) -> Option<&Data> {
        match self {
            Data::Struct(fields) => fields.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Data::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Data::Null => "null",
            Data::Bool(_) => "bool",
            Data::Num(n) if n.is_int() => "int",
            Data::Num(_) => "float",
            Data::Str(_) => "string",
            Data::Bytes(_) => "bytes",
            Data::List(_) => "list",
            Data::Struct(_) => "struct",
        }
    }
}

impl Data {
    /// CUE syntax on one line, as CUE prints values in messages: `[1,2,1]`, `{x:1}`.
    pub fn compact_cue(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        use crate::value::{quote_bytes, quote_string};
        match self {
            Data::Null => out.push_str("null"),
            Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Data::Num(n) => out.push_str(&n.to_string()),
            Data::Str(s) => out.push_str(&quote_string(s)),
            Data::Bytes(b) => out.push_str(&quote_bytes(b)),
            Data::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Data::Struct(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let plain = k
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                    if plain {
                        out.push_str(k);
                    } else {
                        out.push_str(&quote_string(k));
                    }
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}
