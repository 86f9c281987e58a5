//! `strconv`: conversions to and from strings, as Go's strconv package defines them
//! (integers are arbitrary precision, as CUE's wrappers use `big.Int`), plus CUE's
//! `Unquote` (CUE string literals) and `ParseNumber` (CUE number literals).

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, Zero};

use crate::data::Data;
use crate::number::Num;

use super::args::{bigint, bool, int, num, str};
use super::gofloat::{self, ParseFloatError};
use super::unicode;
use super::{BuiltinResult, Registry};

const P: &str = "strconv";

pub fn register(r: &mut Registry) {
    r.add(P, "Unquote", 1, |a| {
        unquote(str(a, 0)?).map(|s| Data::str(&String::from_utf8_lossy(&s)))
    });
    r.add(P, "ParseBool", 1, |a| {
        let s = str(a, 0)?;
        match s {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Data::Bool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Data::Bool(false)),
            _ => Err(num_error("ParseBool", s, "invalid syntax")),
        }
    });
    r.add(P, "FormatBool", 1, |a| {
        Ok(Data::str(if bool(a, 0)? { "true" } else { "false" }))
    });
    r.add(P, "ParseFloat", 2, |a| {
        let (s, bits) = (str(a, 0)?, int(a, 1)?);
        match gofloat::parse_float(s, bits) {
            Ok(f) => float_data(f),
            Err(ParseFloatError::Syntax) => Err(num_error("ParseFloat", s, "invalid syntax")),
            Err(ParseFloatError::Range) => Err(num_error("ParseFloat", s, "value out of range")),
        }
    });
    r.add(P, "ParseNumber", 1, |a| {
        let s = str(a, 0)?;
        parse_number(s)
            .map(|n| Data::Num(super::decimal_result(n)))
            .map_err(|e| num_error("ParseNumber", s, &e))
    });
    r.add_const(P, "IntSize", || Data::Num(Num::int(64)));
    r.add(P, "ParseUint", 3, |a| {
        let (s, base, bits) = (str(a, 0)?, int(a, 1)?, int(a, 2)?);
        parse_uint(s, base, bits, "ParseUint").map(|i| Data::Num(Num::from_bigint(i)))
    });
    r.add(P, "ParseInt", 3, |a| {
        let (s, base, bits) = (str(a, 0)?, int(a, 1)?, int(a, 2)?);
        parse_int(s, base, bits, "ParseInt").map(|i| Data::Num(Num::from_bigint(i)))
    });
    r.add(P, "Atoi", 1, |a| {
        let s = str(a, 0)?;
        parse_int(s, 10, 0, "Atoi").map(|i| Data::Num(Num::from_bigint(i)))
    });
    r.add(P, "FormatFloat", 4, |a| {
        let f = num(a, 0)?.to_f64();
        let fmt = match a.get(1) {
            Some(Data::Str(s)) => {
                if s.len() != 1 {
                    return Err("expected single character string".into());
                }
                s.as_bytes()[0]
            }
            Some(Data::Num(_)) => {
                let n = int(a, 1)?;
                if !(0..=255).contains(&n) {
                    return Err(format!("format value {n} out of range [0, 255]"));
                }
                n as u8
            }
            Some(other) => return Err(format!("unexpected kind {}", other.kind_name())),
            None => return Err("missing argument 2".into()),
        };
        let (prec, bits) = (int(a, 2)?, int(a, 3)?);
        Ok(Data::str(&gofloat::format_float(f, fmt, prec, bits)))
    });
    r.add(P, "FormatUint", 2, |a| format_int(a, true));
    r.add(P, "FormatInt", 2, |a| format_int(a, false));
    r.add(P, "Quote", 1, |a| {
        Ok(Data::str(&quote(str(a, 0)?, '"', Mode::Print)))
    });
    r.add(P, "QuoteToASCII", 1, |a| {
        Ok(Data::str(&quote(str(a, 0)?, '"', Mode::Ascii)))
    });
    r.add(P, "QuoteToGraphic", 1, |a| {
        Ok(Data::str(&quote(str(a, 0)?, '"', Mode::Graphic)))
    });
    r.add(P, "QuoteRune", 1, |a| {
        Ok(Data::str(&quote_rune(int(a, 0)?, Mode::Print)))
    });
    r.add(P, "QuoteRuneToASCII", 1, |a| {
        Ok(Data::str(&quote_rune(int(a, 0)?, Mode::Ascii)))
    });
    r.add(P, "QuoteRuneToGraphic", 1, |a| {
        Ok(Data::str(&quote_rune(int(a, 0)?, Mode::Graphic)))
    });
    r.add_validator(P, "IsPrint", 1, |a| {
        Ok(Data::Bool(rune(int(a, 0)?).is_some_and(unicode::is_print)))
    });
    r.add_validator(P, "IsGraphic", 1, |a| {
        Ok(Data::Bool(
            rune(int(a, 0)?).is_some_and(unicode::is_graphic),
        ))
    });
}

/// Go's `NumError` text.
fn num_error(func: &str, s: &str, err: &str) -> String {
    format!(
        "strconv.{func}: parsing {}: {err}",
        quote(s, '"', Mode::Print)
    )
}

/// A float64 result, as CUE converts Go floats (the shortest decimal that round-trips).
pub fn float_data(f: f64) -> BuiltinResult {
    Num::float_from_f64(f)
        .map(Data::Num)
        .ok_or_else(|| format!("invalid float {f}"))
}

fn rune(i: i64) -> Option<char> {
    u32::try_from(i).ok().and_then(char::from_u32)
}

/// `big.Int.SetString(s, base)`: optional sign; base 0 takes the base from a prefix
/// (`0x`, `0o`, `0b`, or `0` for octal) and allows `_` between digits.
pub fn big_int_from_str(s: &str, base: i64) -> Option<BigInt> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits, prefixed) = if base == 0 {
        let lower = body.get(..2).map(|p| p.to_ascii_lowercase());
        match lower.as_deref() {
            Some("0x") => (16, &body[2..], true),
            Some("0o") => (8, &body[2..], true),
            Some("0b") => (2, &body[2..], true),
            _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..], true),
            _ => (10, body, false),
        }
    } else if (2..=62).contains(&base) {
        (base as u32, body, false)
    } else {
        return None;
    };
    let digits: String = if base == 0 {
        // Underscores only between digits, or right after a prefix.
        let b = digits.as_bytes();
        let mut prev_digit = prefixed;
        for (i, &c) in b.iter().enumerate() {
            if c == b'_' {
                if !prev_digit || i + 1 == b.len() || b[i + 1] == b'_' {
                    return None;
                }
                prev_digit = false;
            } else {
                prev_digit = true;
            }
        }
        digits.chars().filter(|&c| c != '_').collect()
    } else {
        digits.to_owned()
    };
    if digits.is_empty() {
        // "0x" alone is invalid; "0" alone (octal prefix form) is handled above.
        return None;
    }
    let value = if radix <= 36 {
        if !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        BigInt::parse_bytes(digits.as_bytes(), radix)?
    } else {
        let mut v = BigInt::zero();
        for c in digits.bytes() {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => c - b'a' + 10,
                b'A'..=b'Z' => c - b'A' + 36,
                _ => return None,
            } as u32;
            if d >= radix {
                return None;
            }
            v = v * radix + d;
        }
        v
    };
    Some(if neg { -value } else { value })
}

fn parse_int(s: &str, base: i64, bits: i64, func: &str) -> Result<BigInt, String> {
    if bits < 0 {
        return Err(num_error(func, s, "value out of range"));
    }
    let i = big_int_from_str(s, base).ok_or_else(|| num_error(func, s, "invalid syntax"))?;
    if bits == 0 {
        return Ok(i);
    }
    let len = i.bits() as i64;
    if len <= bits - 1 {
        return Ok(i);
    }
    if i.is_negative() && len == bits && (&i + BigInt::from(1)).bits() as i64 <= bits - 1 {
        return Ok(i);
    }
    Err(num_error(func, s, "value out of range"))
}

fn parse_uint(s: &str, base: i64, bits: i64, func: &str) -> Result<BigInt, String> {
    if bits < 0 {
        return Err(num_error(func, s, "value out of range"));
    }
    let i = big_int_from_str(s, base).ok_or_else(|| num_error(func, s, "invalid syntax"))?;
    if i.is_negative() {
        return Err(num_error(func, s, "value out of range"));
    }
    if bits == 0 || i.bits() as i64 <= bits {
        return Ok(i);
    }
    Err(num_error(func, s, "value out of range"))
}

fn format_int(a: &[Data], unsigned: bool) -> BuiltinResult {
    let i = bigint(a, 0)?;
    if unsigned && i.is_negative() {
        return Err(format!("cannot use {i} (type int) as uint in argument 1"));
    }
    let base = int(a, 1)?;
    if !(2..=62).contains(&base) {
        return Err(format!("invalid base {base}"));
    }
    Ok(Data::str(&big_text(&i, base as u32)))
}

/// `big.Int.Text(base)`: digits 0-9, a-z, then A-Z for bases above 36.
fn big_text(i: &BigInt, base: u32) -> String {
    if base <= 36 {
        return i.to_str_radix(base);
    }
    const DIGITS: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let (sign, digits) = i.to_radix_be(base);
    let mut out = String::with_capacity(digits.len() + 1);
    if sign == Sign::Minus {
        out.push('-');
    }
    for d in digits {
        out.push(DIGITS[d as usize] as char);
    }
    out
}

/// CUE number literal syntax (`1_000`, `0x1F`, `1.5Ki`, `1e3`), with an optional sign.
fn parse_number(s: &str) -> Result<Num, String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let valid_start = body
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == b'.');
    if !valid_start || body.starts_with("._") {
        return Err("invalid syntax".into());
    }
    // Only characters a number literal can have.
    if !body
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'+' || c == b'-')
    {
        return Err("invalid syntax".into());
    }
    let n = crate::compile::parse_number(body).map_err(|_| "invalid syntax".to_string())?;
    Ok(if neg { n.neg() } else { n })
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Print,
    Ascii,
    Graphic,
}

/// Go's `strconv.Quote` family.
fn quote(s: &str, q: char, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        escape_rune(&mut out, c, q, mode);
    }
    out.push(q);
    out
}

fn quote_rune(r: i64, mode: Mode) -> String {
    let c = rune(r).unwrap_or('\u{FFFD}');
    let mut out = String::from('\'');
    escape_rune(&mut out, c, '\'', mode);
    out.push('\'');
    out
}

/// Escapes one character as `strconv.Quote` does inside double quotes.
pub fn escape_char(out: &mut String, c: char) {
    escape_rune(out, c, '"', Mode::Print);
}

fn escape_rune(out: &mut String, c: char, q: char, mode: Mode) {
    use std::fmt::Write;
    if c == q || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let printable = match mode {
        Mode::Ascii => c.is_ascii() && unicode::is_print(c),
        Mode::Print => unicode::is_print(c),
        Mode::Graphic => unicode::is_graphic(c),
    };
    if printable {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// CUE's `literal.Unquote`: a CUE string or bytes literal (`"…"`, `'…'`, `#"…"#`,
/// multiline `"""` forms) to its value.
pub fn unquote(lit: &str) -> Result<Vec<u8>, String> {
    const SYNTAX: &str = "invalid syntax";
    let b = lit.as_bytes();
    let hashes = b.iter().take_while(|&&c| c == b'#').count();
    let rest = &b[hashes..];
    let Some(&qc) = rest.first() else {
        return Err(SYNTAX.into());
    };
    if qc != b'"' && qc != b'\'' {
        return Err(SYNTAX.into());
    }
    let multiline = rest.len() > 3 && rest[1] == qc && rest[2] == qc && rest[3] != b'#';
    let (open_len, nchar) = if multiline {
        match rest[3] {
            b'\n' => (hashes + 3, 3usize),
            b'\r' if rest.get(4) == Some(&b'\n') => (hashes + 4, 3),
            _ => {
                return Err(
                    "invalid string: opening quote of multiline string must be followed by newline"
                        .into(),
                );
            }
        }
    } else {
        (hashes + 1, 1)
    };
    // The closing delimiter must mirror the opening one.
    let close: Vec<u8> = std::iter::repeat_n(qc, nchar)
        .chain(std::iter::repeat_n(b'#', hashes))
        .collect();
    if b.len() < open_len + close.len() || !b.ends_with(&close) {
        return Err("invalid string: unmatched quote".into());
    }
    let mut start = if multiline { open_len + 1 } else { open_len };
    let mut ws: &[u8] = &[];
    if multiline {
        // Whitespace before the closing quote, after the last newline.
        let end = b.len() - close.len();
        let mut i = end;
        while i > 0 && (b[i - 1] == b' ' || b[i - 1] == b'\t') {
            i -= 1;
        }
        if i == 0 || b[i - 1] != b'\n' {
            return Err(
                "invalid string: closing quote of multiline string must follow a newline".into(),
            );
        }
        ws = &b[i..end];
        if b.len() > start && b[start] != b'\n' {
            if !b[start..].starts_with(ws) {
                return Err("invalid string: non-matching whitespace for multiline string".into());
            }
            start += ws.len();
        }
    }
    let mut s = &b[start.min(b.len())..];
    if !multiline && s.contains(&b'\n') {
        return Err(SYNTAX.into());
    }
    let is_close = |s: &[u8]| s.starts_with(&close);
    let mut out = Vec::with_capacity(s.len());
    let mut strip_nl = false;
    let mut escaped_nl = false;
    let skip_ws = |s: &[u8]| -> Result<usize, String> {
        if !multiline {
            return Err("invalid string: non-matching whitespace for multiline string".into());
        }
        if s.starts_with(ws) {
            Ok(ws.len())
        } else if s.starts_with(b"\n") || s.starts_with(b"\r\n") {
            Ok(0)
        } else {
            Err("invalid string: non-matching whitespace for multiline string".into())
        }
    };
    while !s.is_empty() {
        match s[0] {
            b'\r' => {
                s = &s[1..];
                escaped_nl = false;
                continue;
            }
            b'\n' => {
                s = &s[1..];
                let n = skip_ws(s)?;
                s = &s[n..];
                if multiline && is_close(s) && s.len() > close.len() {
                    return Err(SYNTAX.into());
                }
                strip_nl = true;
                escaped_nl = false;
                out.push(b'\n');
                continue;
            }
            _ => {}
        }
        if s[0] == qc {
            if is_close(s) {
                if s.len() != close.len() {
                    if nchar == 3 {
                        out.push(qc);
                        s = &s[1..];
                        strip_nl = false;
                        escaped_nl = false;
                        continue;
                    }
                    return Err(SYNTAX.into());
                }
                if escaped_nl {
                    return Err("last newline of multiline string cannot be escaped".into());
                }
                if strip_nl {
                    out.pop();
                }
                return Ok(out);
            }
            out.push(qc);
            s = &s[1..];
            strip_nl = false;
            escaped_nl = false;
            continue;
        }
        if s[0] != b'\\' || !s[1..].starts_with(&close[nchar..]) || s.len() <= 1 + hashes {
            // Not an escape (raw backslash in a #-string, or an ordinary byte).
            if s[0] == 0 {
                return Err(SYNTAX.into());
            }
            out.push(s[0]);
            s = &s[1..];
            strip_nl = false;
            escaped_nl = false;
            continue;
        }
        let c = s[1 + hashes];
        s = &s[2 + hashes..];
        let push_char = |out: &mut Vec<u8>, c: u32| -> Result<(), String> {
            let ch = char::from_u32(c).ok_or_else(|| SYNTAX.to_string())?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(())
        };
        match c {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'/' => out.push(b'/'),
            b'\\' => out.push(b'\\'),
            b'\'' | b'"' => {
                if c != qc {
                    return Err(SYNTAX.into());
                }
                out.push(c);
            }
            b'x' | b'u' | b'U' => {
                let n = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                if s.len() < n {
                    return Err(SYNTAX.into());
                }
                let mut v: u32 = 0;
                for &h in &s[..n] {
                    let d = (h as char).to_digit(16).ok_or_else(|| SYNTAX.to_string())?;
                    v = v << 4 | d;
                }
                s = &s[n..];
                if c == b'x' {
                    if qc == b'"' {
                        return Err(SYNTAX.into());
                    }
                    out.push(v as u8);
                } else if (0xD800..0xDC00).contains(&v) {
                    // A surrogate pair written as two escapes.
                    let low = s
                        .strip_prefix(b"\\u")
                        .and_then(|t| std::str::from_utf8(t.get(..4)?).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .filter(|l| (0xDC00..0xE000).contains(l))
                        .ok_or("unmatched surrogate pair")?;
                    s = &s[6..];
                    push_char(&mut out, 0x10000 + (v - 0xD800) * 0x400 + (low - 0xDC00))?;
                } else if (0xDC00..0xE000).contains(&v) {
                    return Err("unmatched surrogate pair".into());
                } else {
                    push_char(&mut out, v)?;
                }
            }
            b'0'..=b'7' => {
                if qc == b'"' || s.len() < 2 {
                    return Err(SYNTAX.into());
                }
                let mut v = (c - b'0') as u32;
                for &d in &s[..2] {
                    if !(b'0'..=b'7').contains(&d) {
                        return Err(SYNTAX.into());
                    }
                    v = v << 3 | (d - b'0') as u32;
                }
                if v > 255 {
                    return Err(SYNTAX.into());
                }
                s = &s[2..];
                out.push(v as u8);
            }
            b'\n' | b'\r' => {
                if c == b'\r' {
                    if s.first() != Some(&b'\n') {
                        return Err(SYNTAX.into());
                    }
                    s = &s[1..];
                }
                let n = skip_ws(s)?;
                s = &s[n..];
                escaped_nl = true;
                continue;
            }
            _ => return Err(SYNTAX.into()),
        }
        strip_nl = false;
        escaped_nl = false;
    }
    Err("invalid string: unmatched quote".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uq(s: &str) -> Result<String, String> {
        unquote(s).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn unquote_cue_literals() {
        assert_eq!(uq(r#""a\tb""#).unwrap(), "a\tb");
        assert_eq!(uq(r##"#"a\tb"#"##).unwrap(), "a\\tb");
        assert_eq!(uq(r##"#"a\#tb"#"##).unwrap(), "a\tb");
        assert_eq!(uq("\"\"\"\n  a\n   b\n  \"\"\"").unwrap(), "a\n b");
        assert_eq!(uq(r#""\u00e9\U0001F600""#).unwrap(), "é😀");
        assert_eq!(uq(r#"'\x41\101'"#).unwrap(), "AA");
        assert!(uq(r#""\x41""#).is_err());
        assert!(uq(r#""abc"#).is_err());
        assert!(uq("abc").is_err());
        assert!(uq(r#""a"b""#).is_err());
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(
            quote("a\"b\\\n\u{7}é\u{200b}\u{1F600}", '"', Mode::Print),
            r#""a\"b\\\n\aé\u200b😀""#
        );
        assert_eq!(quote("é😀", '"', Mode::Ascii), r#""\u00e9\U0001f600""#);
        assert_eq!(quote_rune(0x263a, Mode::Print), "'☺'");
        assert_eq!(quote_rune(-1, Mode::Print), "'�'");
    }

    #[test]
    fn big_int_syntax() {
        let p = |s, b| big_int_from_str(s, b).map(|i| i.to_string());
        assert_eq!(p("0x1F", 0).as_deref(), Some("31"));
        assert_eq!(p("017", 0).as_deref(), Some("15"));
        assert_eq!(p("1_000", 0).as_deref(), Some("1000"));
        assert_eq!(p("1_000", 10), None);
        assert_eq!(p("-ff", 16).as_deref(), Some("-255"));
        assert_eq!(p("Zz", 62).as_deref(), Some("3817"));
        assert_eq!(p("", 10), None);
        assert_eq!(p("0", 0).as_deref(), Some("0"));
        assert_eq!(p("08", 0), None);
    }
}
