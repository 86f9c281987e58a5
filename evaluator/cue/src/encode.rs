//! Encodings of concrete data: JSON as Go's `encoding/json` writes it (CUE's
//! `json.Marshal` and `cue export`), and CUE syntax.

use std::fmt::Write;

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

/// A JSON string literal with Go's escaping (HTML-safe: `<`, `>`, `&` escaped).
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
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
            r#"{"a":"\u003c\u0026\u003e\u2028é\u0001\t","b":[],"c":{}}"#
        );
        assert_eq!(
            to_json(&data, Some("    ")),
            "{\n    \"a\": \"\\u003c\\u0026\\u003e\\u2028é\\u0001\\t\",\n    \"b\": [],\n    \"c\": {}\n}"
        );
        assert_eq!(base64_std(b"hello"), "aGVsbG8=");
    }
}

/// YAML as CUE's `--out yaml` and `yaml.Marshal` write it (go-yaml v3 style: two-space
/// indentation, block sequences not indented under their key, plain scalars where the
/// YAML 1.2 core schema would read them back as the same string).
pub fn to_yaml(data: &Data) -> String {
    let mut out = String::new();
    match data {
        Data::Struct(fields) if !fields.is_empty() => yaml_map(&mut out, fields, 0),
        Data::List(items) if !items.is_empty() => yaml_seq(&mut out, items, 0),
        other => {
            yaml_scalar(&mut out, other, 0);
            out.push('\n');
        }
    }
    out
}

fn yaml_indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn yaml_map(out: &mut String, fields: &[(std::rc::Rc<str>, Data)], level: usize) {
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            yaml_indent(out, level);
        }
        yaml_key(out, k);
        out.push(':');
        yaml_value_after_key(out, v, level);
    }
}

fn yaml_value_after_key(out: &mut String, v: &Data, level: usize) {
    match v {
        Data::Struct(f) if !f.is_empty() => {
            out.push('\n');
            yaml_indent(out, level + 1);
            yaml_map(out, f, level + 1);
        }
        Data::List(items) if !items.is_empty() => {
            out.push('\n');
            yaml_indent(out, level);
            yaml_seq(out, items, level);
        }
        _ => {
            out.push(' ');
            yaml_scalar(out, v, level + 1);
            out.push('\n');
        }
    }
}

fn yaml_seq(out: &mut String, items: &[Data], level: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            yaml_indent(out, level);
        }
        out.push_str("- ");
        match item {
            Data::Struct(f) if !f.is_empty() => yaml_map(out, f, level + 1),
            Data::List(inner) if !inner.is_empty() => yaml_seq(out, inner, level + 1),
            other => {
                yaml_scalar(out, other, level + 1);
                out.push('\n');
            }
        }
    }
}

fn yaml_key(out: &mut String, k: &str) {
    yaml_string(out, k, 0, true);
}

fn yaml_scalar(out: &mut String, v: &Data, level: usize) {
    match v {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Data::Str(s) => yaml_string(out, s, level, false),
        Data::Bytes(b) => {
            out.push_str("!!binary ");
            out.push_str(&base64_std(b));
        }
        Data::List(_) => out.push_str("[]"),
        Data::Struct(_) => out.push_str("{}"),
    }
}

/// Whether the YAML 1.2 core schema reads `s` as something other than a string.
fn yaml_resolves_to_non_string(s: &str) -> bool {
    matches!(
        s,
        "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "null"
            | "Null"
            | "NULL"
            | "~"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | "+.inf"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) || is_yaml_number(s)
}

fn is_yaml_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = body.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| ('0'..='7').contains(&c));
    }
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut seen_exp = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot && !seen_exp => seen_dot = true,
            'e' | 'E' if seen_digit && !seen_exp => {
                seen_exp = true;
                seen_digit = false;
                if matches!(chars.peek(), Some('+') | Some('-')) {
                    chars.next();
                }
            }
            '_' => {}
            _ => return false,
        }
    }
    seen_digit
}

fn yaml_string(out: &mut String, s: &str, level: usize, is_key: bool) {
    if s.is_empty() {
        out.push_str("\"\"");
        return;
    }
    let has_control = s
        .chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}');
    if s.contains('\n')
        && !is_key
        && !has_control
        && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'))
        && !s.starts_with(' ')
    {
        // Literal block scalar.
        out.push('|');
        let trimmed = s.trim_end_matches('\n');
        let trailing = s.len() - trimmed.len();
        match trailing {
            0 => out.push('-'),
            1 => {}
            _ => out.push('+'),
        }
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                yaml_indent(out, level.max(1));
                out.push_str(line);
            }
        }
        return;
    }
    if has_control || s.contains('\n') {
        yaml_double_quoted(out, s);
        return;
    }
    if yaml_resolves_to_non_string(s) {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    let first = s.chars().next().unwrap_or(' ');
    let needs_quotes = matches!(
        first,
        '#' | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
            | '{'
            | '}'
            | '['
            | ']'
            | ','
            | '?'
    ) || (matches!(first, '-' | ':')
        && (s.len() == 1 || s[1..].starts_with([' ', '\t'])))
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s == "-"
        || s == "---"
        || s == "...";
    if needs_quotes {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}

fn yaml_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes YAML into data. (A minimal reader until the YAML package lands: JSON-style
/// flow documents only.)
pub fn yaml_to_data(text: &str) -> Result<Data, String> {
    let _ = text;
    Err("YAML input is not supported yet; use JSON or CUE".to_owned())
}
