//! `html`: `Escape` and `Unescape`, as Go's `html.EscapeString` and
//! `html.UnescapeString` (the HTML5 character-reference rules, outside attributes).

use crate::data::Data;

use super::args::str;
use super::{Registry, check_size};

mod entities;

const P: &str = "html";

pub fn register(r: &mut Registry) {
    r.add(P, "Escape", 1, |a| {
        let s = str(a, 0)?;
        let out = escape(s);
        check_size(out.len())?;
        Ok(Data::str(&out))
    });
    r.add(P, "Unescape", 1, |a| Ok(Data::str(&unescape(str(a, 0)?))));
}

/// Escapes `<`, `>`, `&`, `'` and `"`, the five characters Go escapes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

/// What numeric references to C1 control codes mean: Windows-1252, as HTML5 says.
const C1: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// The longest legacy entity name that may appear without its `;`.
const LONGEST_WITHOUT_SEMICOLON: usize = 6;

fn entity(name: &str) -> Option<&'static str> {
    entities::ENTITIES
        .binary_search_by(|(k, _)| (*k).cmp(name))
        .ok()
        .map(|i| entities::ENTITIES[i].1)
}

/// Replaces character references (`&lt;`, `&#60;`, `&#x3c;`, legacy `&amp` without
/// `;`) by the characters they stand for; anything else is kept as it is.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        match s[i..].find('&') {
            None => {
                out.push_str(&s[i..]);
                break;
            }
            Some(k) => {
                out.push_str(&s[i..i + k]);
                i += k;
                i += reference(&s[i..], &mut out);
            }
        }
    }
    out
}

/// Decodes the reference at the start of `s` (which starts with `&`) into `out` and
/// returns how many bytes it used; an `&` that starts no reference is copied alone.
fn reference(s: &str, out: &mut String) -> usize {
    let b = s.as_bytes();
    if b.len() <= 1 {
        out.push('&');
        return 1;
    }
    if b[1] == b'#' {
        if b.len() <= 3 {
            out.push('&');
            return 1;
        }
        let mut i = 2;
        let hex = matches!(b[i], b'x' | b'X');
        if hex {
            i += 1;
        }
        // Go accumulates in an `int32` that wraps.
        let mut x: u32 = 0;
        while i < b.len() {
            let d = if hex {
                (b[i] as char).to_digit(16)
            } else {
                (b[i] as char).to_digit(10)
            };
            match d {
                Some(d) => {
                    x = x.wrapping_mul(if hex { 16 } else { 10 }).wrapping_add(d);
                    i += 1;
                }
                None => break,
            }
        }
        if b.get(i) == Some(&b';') {
            i += 1;
        }
        // Go's rule: at least two bytes after `&` besides `#` (so `&#1` is kept as it
        // is while `&#1;` and `&#x;`, a reference to nothing, are decoded).
        if i <= 3 {
            out.push('&');
            return 1;
        }
        let c = if (0x80..=0x9f).contains(&x) {
            C1[(x - 0x80) as usize]
        } else {
            match char::from_u32(x) {
                Some(c) if x != 0 => c,
                _ => '\u{FFFD}',
            }
        };
        out.push(c);
        return i;
    }
    // The longest run of ASCII letters and digits, with a following `;`.
    let mut i = 1;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if b.get(i) == Some(&b';') {
        i += 1;
    }
    let name = &s[1..i];
    if !name.is_empty() {
        if let Some(v) = entity(name) {
            out.push_str(v);
            return i;
        }
        // A legacy name without `;` followed by more letters (`&amplifier` is `&` +
        // `lifier`).
        let max = (name.len() - 1).min(LONGEST_WITHOUT_SEMICOLON);
        for j in (2..=max).rev() {
            if let Some(v) = entity(&name[..j]) {
                out.push_str(v);
                return j + 1;
            }
        }
    }
    out.push_str(&s[..i]);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_the_five() {
        assert_eq!(
            escape(r#"<a href="x">'Tom' & é</a>"#),
            "&lt;a href=&#34;x&#34;&gt;&#39;Tom&#39; &amp; é&lt;/a&gt;"
        );
    }

    #[test]
    fn unescape_named_numeric_and_legacy() {
        assert_eq!(unescape("&lt;p&gt;&amp;&quot;"), "<p>&\"");
        assert_eq!(unescape("&#60;&#x3C;&#X3c"), "<<<");
        assert_eq!(
            unescape("&#128;&#0;&#xD800;&#1114112;&#x;"),
            "\u{20AC}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        // One decimal digit needs its `;`; the accumulator wraps at 2^32.
        assert_eq!(unescape("&#1]&#4294967361;&#99999999999;"), "&#1]A\u{FFFD}");
        assert_eq!(unescape("&amplifier;"), "&lifier;");
        assert_eq!(unescape("&copy 2024"), "\u{a9} 2024");
        assert_eq!(unescape("&NotEqualTilde;"), "\u{2242}\u{338}");
        assert_eq!(unescape("&nosuch; & &# &#; &x"), "&nosuch; & &# &#; &x");
        assert_eq!(unescape("é&eacute;"), "éé");
    }
}
