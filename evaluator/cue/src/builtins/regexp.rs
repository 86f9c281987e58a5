//! `regexp`: RE2 regular expressions as Go's regexp package runs them. Rust's `regex`
//! implements the same syntax and linear-time matching; where the two differ, patterns are
//! translated to Go's meaning: the Perl classes `\d \s \w` and `\b` are ASCII-only in Go
//! (Unicode-aware in Rust by default).

use std::rc::Rc;

use crate::data::Data;

use super::args::{int, str};
use super::{BuiltinResult, Registry, check_size};

const P: &str = "regexp";

/// Rewrites Go-only meanings into equivalent Rust `regex` syntax.
pub fn go_compat(pattern: &str) -> String {
    if !pattern.contains('\\') {
        return pattern.to_owned();
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let in_class = class_depth > 0;
                let repl: Option<&str> = match (e, in_class) {
                    ('d', false) => Some("[0-9]"),
                    ('D', false) => Some("[^0-9]"),
                    ('s', false) => Some("[\\t\\n\\f\\r ]"),
                    ('S', false) => Some("[^\\t\\n\\f\\r ]"),
                    ('w', false) => Some("[0-9A-Za-z_]"),
                    ('W', false) => Some("[^0-9A-Za-z_]"),
                    ('b', false) => Some("(?-u:\\b)"),
                    ('B', false) => Some("(?-u:\\B)"),
                    ('d', true) => Some("0-9"),
                    ('s', true) => Some("\\t\\n\\f\\r "),
                    ('w', true) => Some("0-9A-Za-z_"),
                    ('D', true) => Some("[:^digit:]"),
                    ('W', true) => Some("[:^word:]"),
                    ('S', true) => Some("&&[^\\t\\n\\f\\r ]"),
                    _ => None,
                };
                match repl {
                    // `[^\S]`-style negated space inside a class has no simple form; keep
                    // the Unicode meaning for that rare case.
                    Some(r) if r.starts_with("&&") => {
                        out.push('\\');
                        out.push(e);
                    }
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                class_start = false;
            }
            '[' => {
                if class_depth > 0 && chars.peek() == Some(&':') {
                    // A POSIX class inside a bracket expression: copy through `:]`.
                    out.push('[');
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                    continue;
                }
                class_depth += 1;
                out.push('[');
                class_start = true;
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A `]` right after `[` or `[^` is a literal.
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
                continue;
            }
            ']' if class_depth > 0 && !class_start => {
                class_depth -= 1;
                out.push(']');
            }
            c => {
                out.push(c);
                class_start = false;
            }
        }
    }
    out
}

fn compile(pattern: &str) -> Result<Rc<regex::Regex>, String> {
    crate::regex_cache::compile(pattern).map_err(|e| {
        // The cache reports `invalid regular expression "…": reason`; Go says
        // `error parsing regexp: reason`.
        let reason = e.rsplit_once(": ").map_or(e.as_str(), |(_, r)| r);
        format!("error parsing regexp: {reason}: `{pattern}`")
    })
}

fn no_match() -> String {
    "no match".into()
}

fn limit(n: i64) -> usize {
    if n < 0 { usize::MAX } else { n as usize }
}

fn submatches(c: &regex::Captures<'_>) -> Vec<Data> {
    c.iter()
        .map(|m| Data::str(m.map_or("", |m| m.as_str())))
        .collect()
}

fn named(re: &regex::Regex, c: &regex::Captures<'_>) -> Data {
    let mut fields: Vec<(Rc<str>, Data)> = re
        .capture_names()
        .flatten()
        .map(|name| {
            (
                Rc::from(name),
                Data::str(c.name(name).map_or("", |m| m.as_str())),
            )
        })
        .collect();
    // Go maps become structs with sorted fields.
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields.dedup_by(|a, b| a.0 == b.0);
    Data::Struct(fields)
}

pub fn register(r: &mut Registry) {
    r.add(P, "Find", 2, |a| {
        let re = compile(str(a, 0)?)?;
        re.find(str(a, 1)?)
            .map(|m| Data::str(m.as_str()))
            .ok_or_else(no_match)
    });
    r.add(P, "FindAll", 3, |a| {
        let re = compile(str(a, 0)?)?;
        let all: Vec<Data> = re
            .find_iter(str(a, 1)?)
            .take(limit(int(a, 2)?))
            .map(|m| Data::str(m.as_str()))
            .collect();
        if all.is_empty() {
            return Err(no_match());
        }
        Ok(Data::List(all))
    });
    r.add(P, "FindAllNamedSubmatch", 3, |a| {
        let re = compile(str(a, 0)?)?;
        let all: Vec<Data> = re
            .captures_iter(str(a, 1)?)
            .take(limit(int(a, 2)?))
            .map(|c| named(&re, &c))
            .collect();
        if all.is_empty() {
            return Err(no_match());
        }
        Ok(Data::List(all))
    });
    r.add(P, "FindAllSubmatch", 3, |a| {
        let re = compile(str(a, 0)?)?;
        let all: Vec<Data> = re
            .captures_iter(str(a, 1)?)
            .take(limit(int(a, 2)?))
            .map(|c| Data::List(submatches(&c)))
            .collect();
        if all.is_empty() {
            return Err(no_match());
        }
        Ok(Data::List(all))
    });
    r.add(P, "FindNamedSubmatch", 2, |a| {
        let re = compile(str(a, 0)?)?;
        let c = re.captures(str(a, 1)?).ok_or_else(no_match)?;
        Ok(named(&re, &c))
    });
    r.add(P, "FindSubmatch", 2, |a| {
        let re = compile(str(a, 0)?)?;
        let c = re.captures(str(a, 1)?).ok_or_else(no_match)?;
        Ok(Data::List(submatches(&c)))
    });
    r.add(P, "ReplaceAll", 3, |a| {
        let re = compile(str(a, 0)?)?;
        let (src, repl) = (str(a, 1)?, str(a, 2)?);
        replace(&re, src, repl, false)
    });
    r.add(P, "ReplaceAllLiteral", 3, |a| {
        let re = compile(str(a, 0)?)?;
        let (src, repl) = (str(a, 1)?, str(a, 2)?);
        replace(&re, src, repl, true)
    });
    r.add_validator(P, "Valid", 1, |a| {
        compile(str(a, 0)?)?;
        Ok(Data::Bool(true))
    });
    r.add_validator(P, "Match", 2, |a| {
        let re = compile(str(a, 0)?)?;
        Ok(Data::Bool(re.is_match(str(a, 1)?)))
    });
    r.add(P, "QuoteMeta", 1, |a| {
        let s = str(a, 0)?;
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if "\\.+*?()|[]{}^$".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        Ok(Data::str(&out))
    });
}

/// `ReplaceAllString` (with Go's `$1`, `${name}`, `$$` expansion) or
/// `ReplaceAllLiteralString`, with a bound on the result size.
fn replace(re: &regex::Regex, src: &str, repl: &str, literal: bool) -> BuiltinResult {
    let mut out = String::new();
    let mut last = 0;
    for c in re.captures_iter(src) {
        let m = c.get(0).expect("group 0");
        out.push_str(&src[last..m.start()]);
        if literal {
            out.push_str(repl);
        } else {
            c.expand(repl, &mut out);
        }
        check_size(out.len())?;
        last = m.end();
    }
    out.push_str(&src[last..]);
    Ok(Data::str(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii() {
        assert_eq!(go_compat(r"\d+"), "[0-9]+");
        assert_eq!(go_compat(r"[\d\s]"), r"[0-9\t\n\f\r ]");
        assert_eq!(go_compat(r"[]\d]"), r"[\]0-9]");
        assert!(!compile(r"^\d$").unwrap().is_match("٣"));
        assert!(compile(r"^\w+$").unwrap().is_match("abc_1"));
        assert!(!compile(r"^\w+$").unwrap().is_match("é"));
        assert!(compile(r"[[:alpha:]\d]").unwrap().is_match("1"));
    }
}
