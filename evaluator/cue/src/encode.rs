//! Encodings of concrete data: JSON as Go's `encoding/json` writes it (CUE's
//! `json.Marshal` and `cue export`), and CUE syntax.

use std::fmt::Write;

pub use crate::builtins::YamlError;
use crate::data::Data;

/// JSON text. `indent` is the indentation per level (`cue export` uses four spaces);
/// `None` writes compact JSON as `json.Marshal` does.
pub fn to_json(data: &Data, indent: Option<&str>) -> String {
    let mut out = String::new();
    write_json(&mut out, data, indent, 0);
    out
}

fn newline(out: &mut String, indent: Option<&str>, level: usize) {
    if let Some(unit) = indent {
        out.push('\n');
        for _ in 0..level {
            out.push_str(unit);
        }
    }
}

fn write_json(out: &mut String, data: &Data, indent: Option<&str>, level: usize) {
    match data {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Data::Str(s) => json_string(out, s),
        Data::Bytes(b) => {
            out.push('"');
            out.push_str(&base64_std(b));
            out.push('"');
        }
        Data::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_json(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Data::Struct(fields) => {
            if fields.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                json_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, v, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// A JSON string literal as `cue export` writes it since CUE v0.5: Go's escaping without
/// HTML escaping (`<`, `>`, `&` stay), `\u2028`/`\u2029` escaped, `\b` and `\f` short.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding.
pub fn base64_std(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// CUE syntax for data, with tabs.
pub fn to_cue(data: &Data) -> String {
    let mut out = String::new();
    write_cue(&mut out, data, 0, true);
    out
}

fn write_cue(out: &mut String, data: &Data, level: usize, top: bool) {
    let tabs = |out: &mut String, n: usize| {
        for _ in 0..n {
            out.push('\t');
        }
    };
    match data {
        Data::Struct(fields) => {
            if !top {
                if fields.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{\n");
            }
            let inner = if top { level } else { level + 1 };
            for (k, v) in fields {
                tabs(out, inner);
                if crate::label::is_identifier(k) && !k.starts_with('#') && !k.starts_with('_') {
                    out.push_str(k);
                } else {
                    out.push_str(&crate::value::quote_string(k));
                }
                out.push_str(": ");
                write_cue(out, v, inner, false);
                out.push('\n');
            }
            if !top {
                tabs(out, level);
                out.push('}');
            }
        }
        Data::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_cue(out, item, level, false);
            }
            out.push(']');
        }
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Data::Str(s) => out.push_str(&crate::value::quote_string(s)),
        Data::Bytes(b) => out.push_str(&crate::value::quote_bytes(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_matches_go() {
        let data = Data::Struct(vec![
            ("a".into(), Data::str("<&>\u{2028}é\u{1}\t")),
            ("b".into(), Data::List(vec![])),
            ("c".into(), Data::Struct(vec![])),
        ]);
        assert_eq!(
            to_json(&data, None),
            r#"{"a":"<&>\u2028é\u0001\t","b":[],"c":{}}"#
        );
        assert_eq!(
            to_json(&data, Some("    ")),
            "{\n    \"a\": \"<&>\\u2028é\\u0001\\t\",\n    \"b\": [],\n    \"c\": {}\n}"
        );
        assert_eq!(base64_std(b"hello"), "aGVsbG8=");
    }
}

/// YAML as CUE's `--out yaml` and `yaml.Marshal` write it (go-yaml v3 style: two-space
/// indentation, block sequences not indented under their key, strings quoted where YAML
/// 1.1 or 1.2 would read them as something else, long scalars folded at column 80); see
/// the emitter in `builtins/yaml.rs`.
pub fn to_yaml(data: &Data) -> String {
    crate::builtins::yaml_emit(data)
}

/// YAML as `sigs.k8s.io/yaml.Marshal` writes a Kubernetes object, which is what `kubectl`
/// and `vela dry-run` print: keys in go-yaml v2's order, go-yaml v2's quoting, numbers as
/// Go's JSON round trip leaves them. See `emit_kubernetes` in `builtins/yaml.rs`.
pub fn to_yaml_kubernetes(data: &Data) -> String {
    crate::builtins::yaml_emit_kubernetes(data)
}

/// Decodes a single YAML document into data, as CUE's `yaml.Unmarshal` does (an empty
/// text is `null`; more than one document is an error).
pub fn yaml_to_data(text: &str) -> Result<Data, YamlError> {
    let mut docs = yaml_stream_to_data(text)?;
    match docs.len() {
        0 => Ok(Data::Null),
        1 => Ok(docs.pop().unwrap_or(Data::Null)),
        n => Err(YamlError {
            message: format!("expected a single YAML document, found {n} (separated by `---`)"),
            line: None,
            column: None,
        }),
    }
}

/// Decodes every document of a YAML stream (`---`-separated), as CUE decodes YAML.
pub fn yaml_stream_to_data(text: &str) -> Result<Vec<Data>, YamlError> {
    crate::builtins::yaml_documents(text)
}
