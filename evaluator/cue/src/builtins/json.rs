//! `encoding/json`, as current CUE defines it: `Marshal` writes Go's `encoding/json`
//! bytes without HTML escaping (CUE v0.5 made HTML escaping opt-in, through
//! `HTMLEscape`), numbers as CUE writes them and fields in order; `Unmarshal` reads JSON
//! as the CUE expression it is (duplicate keys unify); `Valid`, `Compact`, `Indent` and
//! `HTMLEscape` follow Go's scanner, including its error messages. `Validate` unifies
//! the decoded JSON with a schema and reports the first error (without requiring the
//! result to be concrete, as CUE's `Validate(cue.Final())`).

use std::fmt::Write;
use std::rc::Rc;

use crate::data::Data;
use crate::number::{Num, NumKind};

use super::args::{bytes_or_str, list, str};
use super::{BuiltinResult, Registry, check_size};

const P: &str = "encoding/json";

/// Deepest nesting `Unmarshal` accepts (deeper input would risk the stack of every
/// consumer of the resulting data).
pub const MAX_DEPTH: usize = 1000;

pub fn register(r: &mut Registry) {
    r.add_validator(P, "Valid", 1, |a| {
        Ok(Data::Bool(scan(&bytes_or_str(a, 0)?).is_ok()))
    });
    r.add(P, "Compact", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        compact(&src).map(|s| Data::str(&s))
    });
    r.add(P, "Indent", 3, |a| {
        let src = bytes_or_str(a, 0)?;
        indent(&src, str(a, 1)?, str(a, 2)?).map(|s| Data::str(&s))
    });
    r.add(P, "HTMLEscape", 1, |a| {
        Ok(Data::str(&html_escape(&bytes_or_str(a, 0)?)))
    });
    r.add(P, "Marshal", 1, |a| {
        let v = a.first().ok_or("missing argument 1")?;
        let mut out = String::new();
        marshal(&mut out, v, false);
        check_size(out.len())?;
        Ok(Data::str(&out))
    });
    r.add(P, "MarshalStream", 1, |a| {
        let mut out = String::new();
        for v in list(a, 0)? {
            marshal(&mut out, v, false);
            out.push('\n');
        }
        check_size(out.len())?;
        Ok(Data::str(&out))
    });
    r.add(P, "UnmarshalStream", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        unmarshal_stream(&src).map(Data::List)
    });
    r.add(P, "Unmarshal", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        if scan(&src).is_err() {
            return Err("json: invalid JSON".into());
        }
        let mut p = Parser { s: &src, i: 0 };
        p.ws();
        p.value(0)
    });
    r.add_host(P, "Validate", 2, 0b10, false, |h, a| {
        let src = bytes_or_str(super::arg_data(a, 0)?, 0)?;
        let schema = super::arg_value(a, 1)?;
        if scan(&src).is_err() {
            return Err("json: invalid JSON".into());
        }
        let mut p = Parser { s: &src, i: 0 };
        p.ws();
        let data = p.value(0)?;
        h.check(schema, data, false)?;
        Ok(Data::Bool(true))
    });
}

/// Go's `encoding/json` encoding of concrete data, compact.
pub fn marshal(out: &mut String, d: &Data, escape_html: bool) {
    match d {
        Data::Null => out.push_str("null"),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Data::Str(s) => quote(out, s, escape_html),
        Data::Bytes(b) => {
            out.push('"');
            out.push_str(&crate::encode::base64_std(b));
            out.push('"');
        }
        Data::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                stacker::maybe_grow(32 * 1024, 1024 * 1024, || marshal(out, x, escape_html));
            }
            out.push(']');
        }
        Data::Struct(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(out, k, escape_html);
                out.push(':');
                stacker::maybe_grow(32 * 1024, 1024 * 1024, || marshal(out, v, escape_html));
            }
            out.push('}');
        }
    }
}

/// A JSON string as Go writes it: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f` (Go 1.22+),
/// other control characters and U+2028/U+2029 as `\u00XX`; `<>&` only when escaping HTML.
pub fn quote(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '<' if escape_html => Some("\\u003c"),
            '>' if escape_html => Some("\\u003e"),
            '&' if escape_html => Some("\\u0026"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

// ---------------------------------------------------------------------------------------
// Go's scanner: validation, Compact, Indent.

/// What a byte is to the scanner.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Op {
    /// Part of a literal, string, or number.
    Continue,
    BeginLiteral,
    BeginObject,
    ObjectKey,
    ObjectValue,
    EndObject,
    BeginArray,
    ArrayValue,
    EndArray,
    SkipSpace,
    /// Top-level value ended before this byte (the byte is whitespace after it).
    End,
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum St {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Zero,
    One,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Lit(&'static [u8], u8),
}

struct Scanner {
    st: St,
    stack: Vec<Ctx>,
    ended: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c if c < 0x80 => {
            let mut s = String::new();
            super::strconv_quote_byte(&mut s, c);
            format!("'{s}'")
        }
        c => format!("'\\x{c:02x}'"),
    }
}

impl Scanner {
    fn new() -> Scanner {
        Scanner {
            st: St::BeginValue,
            stack: Vec::new(),
            ended: false,
        }
    }

    fn err(c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    /// Go's scanner limits nesting to 10000 levels.
    fn push(&mut self, c: u8, ctx: Ctx) -> Result<(), String> {
        self.stack.push(ctx);
        if self.stack.len() > 10000 {
            return Err(Self::err(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn begin_value(&mut self, c: u8) -> Result<Op, String> {
        if is_space(c) {
            return Ok(Op::SkipSpace);
        }
        match c {
            b'{' => {
                self.st = St::BeginStringOrEmpty;
                self.push(c, Ctx::ObjectKey)?;
                Ok(Op::BeginObject)
            }
            b'[' => {
                self.st = St::BeginValueOrEmpty;
                self.push(c, Ctx::ArrayValue)?;
                Ok(Op::BeginArray)
            }
            b'"' => {
                self.st = St::InString;
                Ok(Op::BeginLiteral)
            }
            b'-' => {
                self.st = St::Neg;
                Ok(Op::BeginLiteral)
            }
            b'0' => {
                self.st = St::Zero;
                Ok(Op::BeginLiteral)
            }
            b'1'..=b'9' => {
                self.st = St::One;
                Ok(Op::BeginLiteral)
            }
            b't' => {
                self.st = St::Lit(b"rue", 0);
                Ok(Op::BeginLiteral)
            }
            b'f' => {
                self.st = St::Lit(b"alse", 0);
                Ok(Op::BeginLiteral)
            }
            b'n' => {
                self.st = St::Lit(b"ull", 0);
                Ok(Op::BeginLiteral)
            }
            _ => Err(Self::err(c, "looking for beginning of value")),
        }
    }

    fn end_value(&mut self, c: u8) -> Result<Op, String> {
        let Some(&ctx) = self.stack.last() else {
            self.st = St::EndTop;
            self.ended = true;
            return self.end_top(c);
        };
        if is_space(c) {
            self.st = St::EndValue;
            return Ok(Op::SkipSpace);
        }
        match ctx {
            Ctx::ObjectKey => {
                if c == b':' {
                    *self.stack.last_mut().unwrap() = Ctx::ObjectValue;
                    self.st = St::BeginValue;
                    return Ok(Op::ObjectKey);
                }
                Err(Self::err(c, "after object key"))
            }
            Ctx::ObjectValue => match c {
                b',' => {
                    *self.stack.last_mut().unwrap() = Ctx::ObjectKey;
                    self.st = St::BeginString;
                    Ok(Op::ObjectValue)
                }
                b'}' => {
                    self.stack.pop();
                    self.st = St::EndValue;
                    Ok(Op::EndObject)
                }
                _ => Err(Self::err(c, "after object key:value pair")),
            },
            Ctx::ArrayValue => match c {
                b',' => {
                    self.st = St::BeginValue;
                    Ok(Op::ArrayValue)
                }
                b']' => {
                    self.stack.pop();
                    self.st = St::EndValue;
                    Ok(Op::EndArray)
                }
                _ => Err(Self::err(c, "after array element")),
            },
        }
    }

    fn end_top(&mut self, c: u8) -> Result<Op, String> {
        if !is_space(c) {
            return Err(Self::err(c, "after top-level value"));
        }
        Ok(Op::End)
    }

    fn step(&mut self, c: u8) -> Result<Op, String> {
        match self.st {
            St::BeginValue => self.begin_value(c),
            St::BeginValueOrEmpty => {
                if is_space(c) {
                    return Ok(Op::SkipSpace);
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            St::BeginStringOrEmpty => {
                if is_space(c) {
                    return Ok(Op::SkipSpace);
                }
                if c == b'}' {
                    *self.stack.last_mut().unwrap() = Ctx::ObjectValue;
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            St::BeginString => self.begin_string(c),
            St::EndValue => self.end_value(c),
            St::EndTop => self.end_top(c),
            St::InString => {
                match c {
                    b'"' => self.st = St::EndValue,
                    b'\\' => self.st = St::InStringEsc,
                    c if c < 0x20 => return Err(Self::err(c, "in string literal")),
                    _ => {}
                }
                Ok(Op::Continue)
            }
            St::InStringEsc => {
                match c {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                        self.st = St::InString
                    }
                    b'u' => self.st = St::InStringEscU(0),
                    _ => return Err(Self::err(c, "in string escape code")),
                }
                Ok(Op::Continue)
            }
            St::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(Self::err(c, "in \\u hexadecimal character escape"));
                }
                self.st = if n == 3 {
                    St::InString
                } else {
                    St::InStringEscU(n + 1)
                };
                Ok(Op::Continue)
            }
            St::Neg => match c {
                b'0' => {
                    self.st = St::Zero;
                    Ok(Op::Continue)
                }
                b'1'..=b'9' => {
                    self.st = St::One;
                    Ok(Op::Continue)
                }
                _ => Err(Self::err(c, "in numeric literal")),
            },
            St::One if c.is_ascii_digit() => Ok(Op::Continue),
            St::One | St::Zero => match c {
                b'.' => {
                    self.st = St::Dot;
                    Ok(Op::Continue)
                }
                b'e' | b'E' => {
                    self.st = St::E;
                    Ok(Op::Continue)
                }
                _ => self.end_value(c),
            },
            St::Dot => {
                if c.is_ascii_digit() {
                    self.st = St::Dot0;
                    Ok(Op::Continue)
                } else {
                    Err(Self::err(c, "after decimal point in numeric literal"))
                }
            }
            St::Dot0 => match c {
                b'0'..=b'9' => Ok(Op::Continue),
                b'e' | b'E' => {
                    self.st = St::E;
                    Ok(Op::Continue)
                }
                _ => self.end_value(c),
            },
            St::E => match c {
                b'+' | b'-' => {
                    self.st = St::ESign;
                    Ok(Op::Continue)
                }
                _ => self.e_sign(c),
            },
            St::ESign => self.e_sign(c),
            St::E0 => {
                if c.is_ascii_digit() {
                    Ok(Op::Continue)
                } else {
                    self.end_value(c)
                }
            }
            St::Lit(rest, i) => {
                if c != rest[i as usize] {
                    let word = match rest {
                        b"rue" => "true",
                        b"alse" => "false",
                        _ => "null",
                    };
                    return Err(Self::err(
                        c,
                        &format!(
                            "in literal {word} (expecting {})",
                            quote_char(rest[i as usize])
                        ),
                    ));
                }
                self.st = if i as usize + 1 == rest.len() {
                    St::EndValue
                } else {
                    St::Lit(rest, i + 1)
                };
                Ok(Op::Continue)
            }
        }
    }

    fn e_sign(&mut self, c: u8) -> Result<Op, String> {
        if c.is_ascii_digit() {
            self.st = St::E0;
            Ok(Op::Continue)
        } else {
            Err(Self::err(c, "in exponent of numeric literal"))
        }
    }

    fn begin_string(&mut self, c: u8) -> Result<Op, String> {
        if is_space(c) {
            return Ok(Op::SkipSpace);
        }
        if c == b'"' {
            self.st = St::InString;
            return Ok(Op::BeginLiteral);
        }
        Err(Self::err(c, "looking for beginning of object key string"))
    }

    /// The end of input: whether a complete value was read.
    fn eof(&mut self) -> Result<(), String> {
        if self.ended {
            return Ok(());
        }
        match self.st {
            St::EndTop => Ok(()),
            _ => {
                // A number at top level ends at end of input.
                let r = self.step(b' ');
                if r.is_ok() && self.ended {
                    return Ok(());
                }
                Err("unexpected end of JSON input".into())
            }
        }
    }
}

/// Validates JSON (Go's `json.Valid` / `checkValid`).
pub fn scan(src: &[u8]) -> Result<(), String> {
    let mut s = Scanner::new();
    for &c in src {
        s.step(c)?;
    }
    s.eof()
}

fn compact(src: &[u8]) -> Result<String, String> {
    let mut s = Scanner::new();
    let mut out = Vec::with_capacity(src.len());
    for &c in src {
        match s.step(c)? {
            Op::SkipSpace | Op::End => {}
            _ => out.push(c),
        }
    }
    s.eof()?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn indent(src: &[u8], prefix: &str, ind: &str) -> Result<String, String> {
    let mut s = Scanner::new();
    let mut out: Vec<u8> = Vec::with_capacity(src.len() * 2);
    let mut need_indent = false;
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize| -> Result<(), String> {
        out.push(b'\n');
        out.extend_from_slice(prefix.as_bytes());
        for _ in 0..depth {
            out.extend_from_slice(ind.as_bytes());
        }
        check_size(out.len())
    };
    for &c in src {
        let op = s.step(c)?;
        if op == Op::SkipSpace {
            continue;
        }
        if need_indent && op != Op::EndObject && op != Op::EndArray {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth)?;
        }
        if op == Op::Continue {
            out.push(c);
            continue;
        }
        match c {
            b'{' | b'[' if op != Op::End => {
                need_indent = true;
                out.push(c);
            }
            b',' => {
                out.push(c);
                newline(&mut out, depth)?;
            }
            b':' => {
                out.push(c);
                out.push(b' ');
            }
            b'}' | b']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth)?;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    s.eof()?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn html_escape(src: &[u8]) -> String {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        match c {
            b'<' | b'>' | b'&' => {
                out.extend_from_slice(format!("\\u00{c:02x}").as_bytes());
            }
            0xE2 if i + 2 < src.len() && src[i + 1] == 0x80 && src[i + 2] & !1 == 0xA8 => {
                out.extend_from_slice(format!("\\u202{:x}", src[i + 2] & 0xF).as_bytes());
                i += 3;
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------
// Parsing JSON into data, as CUE reads JSON: as a CUE expression.

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && is_space(self.s[self.i]) {
            self.i += 1;
        }
    }

    /// Parses one (already validated) value.
    fn value(&mut self, depth: usize) -> BuiltinResult {
        if depth > MAX_DEPTH {
            return Err(format!("json: exceeded max depth of {MAX_DEPTH}"));
        }
        let c = *self.s.get(self.i).ok_or("unexpected end of JSON input")?;
        let v = match c {
            b'{' => {
                self.i += 1;
                self.ws();
                let mut fields: Vec<(Rc<str>, Data)> = Vec::new();
                let mut index: rustc_hash::FxHashMap<Rc<str>, usize> = Default::default();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let key: Rc<str> = Rc::from(self.string()?.as_str());
                        self.ws();
                        self.i += 1; // ':'
                        self.ws();
                        let v =
                            stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.value(depth + 1))?;
                        match index.get(&key) {
                            Some(&j) => {
                                let merged = unify(&fields[j].1, &v, &key)?;
                                fields[j].1 = merged;
                            }
                            None => {
                                index.insert(key.clone(), fields.len());
                                fields.push((key, v));
                            }
                        }
                        self.ws();
                        let c = self.s[self.i];
                        self.i += 1;
                        if c == b'}' {
                            break;
                        }
                    }
                }
                Data::Struct(fields)
            }
            b'[' => {
                self.i += 1;
                self.ws();
                let mut items = Vec::new();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        items.push(stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                            self.value(depth + 1)
                        })?);
                        self.ws();
                        let c = self.s[self.i];
                        self.i += 1;
                        if c == b']' {
                            break;
                        }
                    }
                }
                Data::List(items)
            }
            b'"' => Data::str(&self.string()?),
            b't' => {
                self.i += 4;
                Data::Bool(true)
            }
            b'f' => {
                self.i += 5;
                Data::Bool(false)
            }
            b'n' => {
                self.i += 4;
                Data::Null
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
                Data::Num(number(text)?)
            }
        };
        Ok(v)
    }

    /// A string literal at the cursor, unescaped.
    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    match e {
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hex = |p: &Parser, at: usize| -> Option<u32> {
                                let h = std::str::from_utf8(p.s.get(at..at + 4)?).ok()?;
                                u32::from_str_radix(h, 16).ok()
                            };
                            let mut cp = hex(self, self.i).unwrap_or(0xFFFD);
                            self.i += 4;
                            if (0xD800..0xDC00).contains(&cp) {
                                // CUE requires surrogates to come in pairs.
                                let low = (self.s.get(self.i..self.i + 2) == Some(b"\\u"))
                                    .then(|| hex(self, self.i + 2))
                                    .flatten()
                                    .filter(|l| (0xDC00..0xE000).contains(l))
                                    .ok_or(
                                        "json: could not parse JSON: unmatched surrogate pair",
                                    )?;
                                self.i += 6;
                                cp = 0x10000 + (cp - 0xD800) * 0x400 + (low - 0xDC00);
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Err(
                                    "json: could not parse JSON: unmatched surrogate pair".into()
                                );
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// A JSON number as the CUE literal it is: `int` unless it has a fraction or exponent.
pub fn number(text: &str) -> Result<Num, String> {
    let kind = if text.contains(['.', 'e', 'E']) {
        NumKind::Float
    } else {
        NumKind::Int
    };
    Num::parse_decimal(text, kind)
}

/// Unifies two concrete values, for duplicate keys (`{"a": 1, "a": 1}` is fine,
/// `{"a": 1, "a": 2}` a conflict, objects merge).
pub fn unify(a: &Data, b: &Data, path: &str) -> BuiltinResult {
    match (a, b) {
        (Data::Struct(x), Data::Struct(y)) => {
            let mut out = x.clone();
            for (k, v) in y {
                match out.iter().position(|(k2, _)| k2 == k) {
                    Some(j) => out[j].1 = unify(&out[j].1, v, &format!("{path}.{k}"))?,
                    None => out.push((k.clone(), v.clone())),
                }
            }
            Ok(Data::Struct(out))
        }
        (Data::List(x), Data::List(y)) if x.len() == y.len() => Ok(Data::List(
            x.iter()
                .zip(y)
                .enumerate()
                .map(|(i, (p, q))| unify(p, q, &format!("{path}.{i}")))
                .collect::<Result<_, _>>()?,
        )),
        _ if a == b => Ok(a.clone()),
        _ => Err(format!(
            "{path}: conflicting values {} and {}",
            super::args::describe(a),
            super::args::describe(b)
        )),
    }
}

fn unmarshal_stream(src: &[u8]) -> Result<Vec<Data>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < src.len() && is_space(src[i]) {
            i += 1;
        }
        if i >= src.len() {
            return Ok(out);
        }
        // The extent of the next value, found with the scanner.
        let mut s = Scanner::new();
        let start = i;
        let end = loop {
            if i == src.len() {
                s.eof()?;
                break i;
            }
            match s.step(src[i]) {
                Ok(Op::End) => break i,
                Err(_) if s.ended => break i,
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            i += 1;
            if s.stack.is_empty() && s.st == St::EndValue {
                break i;
            }
        };
        let mut p = Parser {
            s: &src[start..end],
            i: 0,
        };
        out.push(p.value(0)?);
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_accepts_and_rejects_like_go() {
        for ok in [
            "1",
            " {} ",
            "[1, 2.5e3, -0, \"a\\u00e9\", true, null]",
            "{\"a\":{\"b\":[]}}",
        ] {
            assert!(scan(ok.as_bytes()).is_ok(), "{ok}");
        }
        let err = |s: &str| scan(s.as_bytes()).unwrap_err();
        assert_eq!(err("{"), "unexpected end of JSON input");
        assert_eq!(
            err("[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(err("01"), "invalid character '1' after top-level value");
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(err("tru"), "unexpected end of JSON input");
        assert_eq!(
            err("nul1"),
            "invalid character '1' in literal null (expecting 'l')"
        );
    }

    #[test]
    fn indent_and_compact_like_go() {
        assert_eq!(
            indent(b" {\"a\": [1, 2], \"b\": {}, \"c\": []} ", ">", "  ").unwrap(),
            "{\n>  \"a\": [\n>    1,\n>    2\n>  ],\n>  \"b\": {},\n>  \"c\": []\n>} "
        );
        assert_eq!(
            compact(b" { \"a\" : [ 1 , 2 ] } ").unwrap(),
            "{\"a\":[1,2]}"
        );
    }
}
