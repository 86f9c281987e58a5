//! Decoding literals: string and bytes bodies (escapes, multi-line indentation, raw `#`
//! strings), and the lexical form of numbers. Errors carry the byte range of the offending
//! piece, so the diagnostics layer and the evaluator report the same thing at the same place.

use crate::TextRange;
use crate::ast::{Quote, StringLit, StringPart};

/// A problem in a literal, at a byte range of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralError {
    pub range: TextRange,
    pub message: String,
}

/// One decoded piece of a string literal's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Decoded bytes (valid UTF-8 unless the literal is a bytes literal with `\x`/octal).
    Bytes(Vec<u8>),
    /// The index of the interpolation in [`StringLit::parts`] order.
    Interpolation(usize),
}

/// The decoded body of a string or bytes literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedString {
    pub quote: Quote,
    pub segments: Vec<Segment>,
}

impl DecodedString {
    /// The whole value, when there is no interpolation.
    pub fn constant(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Bytes(b) => out.extend_from_slice(b),
                Segment::Interpolation(_) => return None,
            }
        }
        Some(out)
    }
}

/// Decodes a string literal. Errors are collected, and decoding goes on past them, so the
/// caller still gets a usable value.
pub fn decode_string(lit: StringLit<'_>) -> (DecodedString, Vec<LiteralError>) {
    let quote = lit.quote();
    let source = lit.syntax_text_source();
    let mut errors = Vec::new();
    let parts = lit.parts();
    let full = lit.range_and_body();
    if !lit.is_terminated() {
        errors.push(LiteralError {
            range: full.0.start..(full.0.start + quote.open_len()).min(full.0.end),
            message: if quote.is_bytes() {
                "bytes literal not terminated".to_owned()
            } else {
                "string literal not terminated".to_owned()
            },
        });
    }

    // Multi-line literals: the newline after the opening delimiter and the last line
    // (indentation and closing delimiter) are not content; the closing line's indentation
    // is removed from every content line.
    let body = full.1.clone();
    let (content, indent) = if quote.multiline && lit.is_terminated() {
        match multiline_layout(source, body.clone(), &mut errors) {
            Some((content, indent)) => (content, Some(indent)),
            None => (body.clone(), None),
        }
    } else {
        (body.clone(), None)
    };

    let mut segments: Vec<Segment> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut interpolations = 0;
    let mut at_line_start = true;
    for part in &parts {
        match *part {
            StringPart::Text(ref range) => {
                let start = range.start.max(content.start);
                let end = range.end.min(content.end);
                if start >= end {
                    continue;
                }
                let mut offset = start;
                for line in source[start..end].split_inclusive('\n') {
                    let mut line_text = line;
                    if let (Some(prefix), true) = (&indent, at_line_start) {
                        if let Some(rest) = line_text.strip_prefix(prefix.as_str()) {
                            line_text = rest;
                        } else if line_text
                            .trim_end_matches(['\r', '\n'])
                            .trim_matches([' ', '\t'])
                            .is_empty()
                        {
                            // Blank lines need no indentation.
                            line_text = line_text.trim_start_matches([' ', '\t']);
                        } else {
                            errors.push(LiteralError {
                                range: offset..offset + 1,
                                message: "invalid whitespace: line does not start with the indentation of the closing quotes".to_owned(),
                            });
                        }
                    }
                    current.extend_from_slice(line_text.as_bytes());
                    offset += line.len();
                    at_line_start = line.ends_with('\n');
                }
            }
            StringPart::Escape(node) => {
                let text = node.text();
                let escaped = &text[(1 + quote.hashes).min(text.len())..];
                if quote.multiline && (escaped == "\n" || escaped == "\r\n") {
                    // A backslash before a newline joins the lines.
                    at_line_start = true;
                    continue;
                }
                at_line_start = false;
                decode_escape(text, node.range(), quote, &mut current, &mut errors);
            }
            StringPart::Interpolation(_) => {
                at_line_start = false;
                if !current.is_empty() {
                    segments.push(Segment::Bytes(std::mem::take(&mut current)));
                }
                segments.push(Segment::Interpolation(interpolations));
                interpolations += 1;
            }
        }
    }
    if !current.is_empty() || segments.is_empty() {
        segments.push(Segment::Bytes(current));
    }
    if !quote.is_bytes() {
        for segment in &segments {
            if let Segment::Bytes(b) = segment {
                if std::str::from_utf8(b).is_err() {
                    errors.push(LiteralError {
                        range: full.0.clone(),
                        message: "string literal holds invalid UTF-8 (use a bytes literal '…')"
                            .to_owned(),
                    });
                    break;
                }
            }
        }
    }
    (DecodedString { quote, segments }, errors)
}

/// Checks the layout of a multi-line body. Returns the content range (after the opening
/// newline, up to and excluding the newline before the closing line) and the closing
/// line's indentation.
fn multiline_layout(
    source: &str,
    body: TextRange,
    errors: &mut Vec<LiteralError>,
) -> Option<(TextRange, String)> {
    let text = &source[body.clone()];
    let first = if text.starts_with('\n') {
        1
    } else if text.starts_with("\r\n") {
        2
    } else {
        errors.push(LiteralError {
            range: body.start.saturating_sub(3)..body.start,
            message: "expected newline after multiline quote".to_owned(),
        });
        return None;
    };
    let last_newline = text.rfind('\n')?;
    let last_line = &text[last_newline + 1..];
    if !last_line.chars().all(|c| c == ' ' || c == '\t') {
        errors.push(LiteralError {
            range: body.end..body.end,
            message: "closing quote of a multiline string must be on its own line".to_owned(),
        });
        return None;
    }
    let mut content_end = body.start + last_newline;
    if last_newline >= first
        && source.as_bytes().get(content_end.wrapping_sub(1)) == Some(&b'\r')
        && content_end > body.start + first
    {
        content_end -= 1;
    }
    let content_start = (body.start + first).min(content_end.max(body.start + first));
    Some((
        content_start..content_end.max(content_start),
        last_line.to_owned(),
    ))
}

fn decode_escape(
    text: &str,
    range: TextRange,
    quote: Quote,
    out: &mut Vec<u8>,
    errors: &mut Vec<LiteralError>,
) {
    // text is `\`, the delimiter's `#`s, then the escape proper.
    let rest = &text[1 + quote.hashes.min(text.len().saturating_sub(1))..];
    let mut chars = rest.chars();
    let Some(c) = chars.next() else {
        errors.push(LiteralError {
            range,
            message: "escape sequence not terminated".to_owned(),
        });
        return;
    };
    let simple = match c {
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0c),
        'n' => Some(b'\n'),
        'r' => Some(b'\r'),
        't' => Some(b'\t'),
        'v' => Some(0x0b),
        '/' => Some(b'/'),
        '\\' => Some(b'\\'),
        '\'' if quote.is_bytes() => Some(b'\''),
        '"' if !quote.is_bytes() => Some(b'"'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return;
    }
    let digits: &str = chars.as_str();
    match c {
        'u' | 'U' => {
            let want = if c == 'u' { 4 } else { 8 };
            match (digits.len() == want)
                .then(|| u32::from_str_radix(digits, 16).ok())
                .flatten()
            {
                Some(code) => match char::from_u32(code) {
                    Some(ch) => {
                        let mut buf = [0; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    None => errors.push(LiteralError {
                        range,
                        message: format!("escape sequence is invalid Unicode code point {code:#x}"),
                    }),
                },
                None => errors.push(LiteralError {
                    range,
                    message: format!("\\{c} escape needs exactly {want} hexadecimal digits"),
                }),
            }
        }
        'x' => match (digits.len() == 2)
            .then(|| u8::from_str_radix(digits, 16).ok())
            .flatten()
        {
            Some(b) if quote.is_bytes() => out.push(b),
            Some(_) => errors.push(LiteralError {
                range,
                message: "\\x escapes are only allowed in bytes literals".to_owned(),
            }),
            None => errors.push(LiteralError {
                range,
                message: "\\x escape needs exactly 2 hexadecimal digits".to_owned(),
            }),
        },
        '0'..='7' => {
            let all = &rest[..];
            match (all.len() == 3)
                .then(|| u16::from_str_radix(all, 8).ok())
                .flatten()
            {
                Some(v) if v <= 255 && quote.is_bytes() => out.push(v as u8),
                Some(v) if v <= 255 => errors.push(LiteralError {
                    range,
                    message: "octal escapes are only allowed in bytes literals".to_owned(),
                }),
                _ => errors.push(LiteralError {
                    range,
                    message: "octal escape needs exactly 3 octal digits up to \\377".to_owned(),
                }),
            }
        }
        _ => errors.push(LiteralError {
            range,
            message: format!("unknown escape sequence '\\{c}'"),
        }),
    }
}

impl<'t> StringLit<'t> {
    fn syntax_text_source(&self) -> &'t str {
        use crate::ast::AstNode;
        self.syntax().source()
    }

    /// The literal's full range and its body range.
    fn range_and_body(&self) -> (TextRange, TextRange) {
        use crate::ast::AstNode;
        (self.syntax().range(), self.body_range())
    }
}

/// The lexical form of a number literal, before its value is computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberLit {
    /// An integer in the given radix, digits without `_` or prefix.
    Int { radix: u32, digits: String },
    /// A decimal number with an SI multiplier: `1.5Gi` → mantissa "1.5", multiplier 1024^3.
    Si {
        mantissa: String,
        base: u32,
        exponent: u32,
    },
    /// A decimal floating-point literal, `_` removed.
    Float(String),
}

/// Splits a number literal's text into its lexical parts.
pub fn number_literal(text: &str) -> Result<NumberLit, String> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    if text.contains("__") || text.ends_with('_') {
        return Err(format!("illegal '_' in number {text}"));
    }
    let lower = clean.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return Ok(NumberLit::Int {
            radix: 16,
            digits: hex.to_owned(),
        });
    }
    if let Some(oct) = lower.strip_prefix("0o") {
        return Ok(NumberLit::Int {
            radix: 8,
            digits: oct.to_owned(),
        });
    }
    if let Some(bin) = lower.strip_prefix("0b") {
        return Ok(NumberLit::Int {
            radix: 2,
            digits: bin.to_owned(),
        });
    }
    let (mantissa, multiplier) = if let Some(m) = clean.strip_suffix('i') {
        (
            &m[..m.len() - 1],
            Some((1024u32, m.as_bytes()[m.len() - 1])),
        )
    } else {
        match clean.as_bytes().last() {
            Some(c @ (b'K' | b'M' | b'G' | b'T' | b'P')) => {
                (&clean[..clean.len() - 1], Some((1000u32, *c)))
            }
            _ => (clean.as_str(), None),
        }
    };
    if let Some((base, letter)) = multiplier {
        let exponent = match letter {
            b'K' => 1,
            b'M' => 2,
            b'G' => 3,
            b'T' => 4,
            b'P' => 5,
            _ => return Err(format!("invalid multiplier in {text}")),
        };
        return Ok(NumberLit::Si {
            mantissa: mantissa.to_owned(),
            base,
            exponent,
        });
    }
    if clean.contains(['.', 'e', 'E']) {
        return Ok(NumberLit::Float(clean));
    }
    Ok(NumberLit::Int {
        radix: 10,
        digits: clean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Decl, Expr};

    fn decode(src: &str) -> (Vec<Segment>, Vec<String>) {
        let p = crate::parse(src.to_owned());
        let Some(Decl::Field(f)) = p.root().decls().next() else {
            panic!("{src}")
        };
        let Some(Expr::String(s)) = f.innermost_value() else {
            panic!("{src}")
        };
        let (d, errs) = decode_string(s);
        (d.segments, errs.into_iter().map(|e| e.message).collect())
    }

    fn text(src: &str) -> String {
        let (segments, errors) = decode(src);
        assert!(errors.is_empty(), "{src}: {errors:?}");
        let mut out = String::new();
        for s in segments {
            match s {
                Segment::Bytes(b) => out.push_str(std::str::from_utf8(&b).unwrap()),
                Segment::Interpolation(i) => out.push_str(&format!("<{i}>")),
            }
        }
        out
    }

    #[test]
    fn escapes() {
        assert_eq!(text(r#"a: "x\ty\u00e9\"\\""#), "x\ty\u{e9}\"\\");
        assert_eq!(
            text(r##"a: #"no \t escape \#t here"#"##),
            "no \\t escape \t here"
        );
        assert_eq!(
            decode(r"a: '\x41\101'").0,
            vec![Segment::Bytes(b"AA".to_vec())]
        );
        assert_eq!(decode(r#"a: "\q""#).1, ["unknown escape sequence '\\q'"]);
        assert_eq!(
            decode(r#"a: "\x41""#).1,
            ["\\x escapes are only allowed in bytes literals"]
        );
    }

    #[test]
    fn multiline_strips_closing_indentation() {
        assert_eq!(
            text("a: \"\"\"\n\t\tline one\n\t\t  two\n\n\t\t\"\"\"\n"),
            "line one\n  two\n"
        );
        assert_eq!(text("a: \"\"\"\n\tx \\(y) z\n\t\"\"\"\n"), "x <0> z");
        assert_eq!(
            text("a: \"\"\"\n\tjoined \\\n\tline\n\t\"\"\"\n"),
            "joined line"
        );
        assert_eq!(
            decode("a: \"\"\"x\n\t\"\"\"\n").1,
            ["expected newline after multiline quote"]
        );
        assert_eq!(
            decode("a: \"\"\"\n\tx\n  y\n\t\"\"\"\n").1,
            ["invalid whitespace: line does not start with the indentation of the closing quotes"]
        );
    }

    #[test]
    fn interpolations_split_segments() {
        assert_eq!(text(r#"a: "a\(b)c\(d)""#), "a<0>c<1>");
        assert_eq!(text(r#"a: "\(b)""#), "<0>");
    }

    #[test]
    fn numbers() {
        assert_eq!(
            number_literal("1_000").unwrap(),
            NumberLit::Int {
                radix: 10,
                digits: "1000".into()
            }
        );
        assert_eq!(
            number_literal("0x1F").unwrap(),
            NumberLit::Int {
                radix: 16,
                digits: "1f".into()
            }
        );
        assert_eq!(
            number_literal("1.5Gi").unwrap(),
            NumberLit::Si {
                mantissa: "1.5".into(),
                base: 1024,
                exponent: 3
            }
        );
        assert_eq!(
            number_literal("2K").unwrap(),
            NumberLit::Si {
                mantissa: "2".into(),
                base: 1000,
                exponent: 1
            }
        );
        assert_eq!(
            number_literal("1e3").unwrap(),
            NumberLit::Float("1e3".into())
        );
    }
}
