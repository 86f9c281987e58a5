//! `strings`: functions on UTF-8 strings, as Go's strings package defines them (indices
//! are byte offsets), plus CUE's own `ByteAt`, `ByteSlice`, `Runes`, `MinRunes`,
//! `MaxRunes`, `ToTitle` (first letter of each word), `ToCamel` and `SliceRunes`.

use crate::data::Data;
use crate::number::Num;

use super::args::{bytes_or_str, int, str, strings};
use super::unicode;
use super::{BuiltinResult, Registry, check_size};

/// CUE's bound on repeat counts (`adt.MaxRepeatCount`).
pub const MAX_REPEAT_COUNT: i64 = 1_000_000;

const P: &str = "strings";

pub fn register(r: &mut Registry) {
    r.add(P, "ByteAt", 2, |a| {
        let b = bytes_or_str(a, 0)?;
        let i = int(a, 1)?;
        if i < 0 || i as usize >= b.len() {
            return Err("index out of range".into());
        }
        Ok(int_data(b[i as usize] as i64))
    });
    r.add(P, "ByteSlice", 3, |a| {
        let b = bytes_or_str(a, 0)?;
        let (start, end) = (int(a, 1)?, int(a, 2)?);
        if start < 0 || start > end || end as u64 > b.len() as u64 {
            return Err("index out of range".into());
        }
        Ok(Data::Bytes(b[start as usize..end as usize].into()))
    });
    r.add(P, "Runes", 1, |a| {
        Ok(Data::List(
            str(a, 0)?.chars().map(|c| int_data(c as i64)).collect(),
        ))
    });
    r.add(P, "Repeat", 2, |a| {
        let (s, count) = (str(a, 0)?, int(a, 1)?);
        if count < 0 {
            return Err("negative count".into());
        }
        if count > MAX_REPEAT_COUNT {
            return Err(format!("count {count} exceeds limit of {MAX_REPEAT_COUNT}"));
        }
        check_size(s.len().saturating_mul(count as usize))?;
        Ok(Data::str(&s.repeat(count as usize)))
    });
    r.add_validator(P, "MinRunes", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.chars().count() as i64 >= int(a, 1)?))
    });
    r.add_validator(P, "MaxRunes", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.chars().count() as i64 <= int(a, 1)?))
    });
    r.add(P, "ToTitle", 1, |a| {
        Ok(Data::str(&map_word_starts(str(a, 0)?, unicode::to_title)))
    });
    r.add(P, "ToCamel", 1, |a| {
        Ok(Data::str(&map_word_starts(str(a, 0)?, unicode::to_lower)))
    });
    r.add(P, "SliceRunes", 3, |a| {
        let s = str(a, 0)?;
        let (start, end) = (int(a, 1)?, int(a, 2)?);
        let n = s.chars().count() as i64;
        if start < 0 || start > end || end > n {
            return Err("index out of range".into());
        }
        Ok(Data::str(
            &s.chars()
                .skip(start as usize)
                .take((end - start) as usize)
                .collect::<String>(),
        ))
    });
    r.add(P, "Compare", 2, |a| {
        Ok(int_data(match str(a, 0)?.cmp(str(a, 1)?) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }))
    });
    r.add(P, "Count", 2, |a| {
        let (s, sub) = (str(a, 0)?, str(a, 1)?);
        Ok(int_data(count(s, sub) as i64))
    });
    r.add_validator(P, "Contains", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.contains(str(a, 1)?)))
    });
    r.add_validator(P, "ContainsAny", 2, |a| {
        let (s, chars) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::Bool(s.chars().any(|c| chars.contains(c))))
    });
    r.add(P, "LastIndex", 2, |a| {
        Ok(index_data(str(a, 0)?.rfind(str(a, 1)?)))
    });
    r.add(P, "IndexAny", 2, |a| {
        let (s, chars) = (str(a, 0)?, str(a, 1)?);
        Ok(index_data(s.find(|c| chars.contains(c))))
    });
    r.add(P, "LastIndexAny", 2, |a| {
        let (s, chars) = (str(a, 0)?, str(a, 1)?);
        Ok(index_data(s.rfind(|c| chars.contains(c))))
    });
    r.add(P, "SplitN", 3, |a| {
        Ok(str_list(split(str(a, 0)?, str(a, 1)?, int(a, 2)?, false)))
    });
    r.add(P, "SplitAfterN", 3, |a| {
        Ok(str_list(split(str(a, 0)?, str(a, 1)?, int(a, 2)?, true)))
    });
    r.add(P, "Split", 2, |a| {
        Ok(str_list(split(str(a, 0)?, str(a, 1)?, -1, false)))
    });
    r.add(P, "SplitAfter", 2, |a| {
        Ok(str_list(split(str(a, 0)?, str(a, 1)?, -1, true)))
    });
    r.add(P, "Fields", 1, |a| {
        Ok(str_list(
            str(a, 0)?
                .split(unicode::is_space)
                .filter(|s| !s.is_empty())
                .collect(),
        ))
    });
    r.add(P, "Join", 2, join);
    r.add_validator(P, "HasPrefix", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.starts_with(str(a, 1)?)))
    });
    r.add_validator(P, "HasSuffix", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.ends_with(str(a, 1)?)))
    });
    r.add(P, "ToUpper", 1, |a| {
        Ok(Data::str(
            &str(a, 0)?
                .chars()
                .map(unicode::to_upper)
                .collect::<String>(),
        ))
    });
    r.add(P, "ToLower", 1, |a| {
        Ok(Data::str(
            &str(a, 0)?
                .chars()
                .map(unicode::to_lower)
                .collect::<String>(),
        ))
    });
    r.add(P, "Trim", 2, |a| {
        let (s, cut) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.trim_matches(|c| cut.contains(c))))
    });
    r.add(P, "TrimLeft", 2, |a| {
        let (s, cut) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.trim_start_matches(|c| cut.contains(c))))
    });
    r.add(P, "TrimRight", 2, |a| {
        let (s, cut) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.trim_end_matches(|c| cut.contains(c))))
    });
    r.add(P, "TrimSpace", 1, |a| {
        Ok(Data::str(str(a, 0)?.trim_matches(unicode::is_space)))
    });
    r.add(P, "TrimPrefix", 2, |a| {
        let (s, p) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.strip_prefix(p).unwrap_or(s)))
    });
    r.add(P, "TrimSuffix", 2, |a| {
        let (s, p) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.strip_suffix(p).unwrap_or(s)))
    });
    r.add(P, "Replace", 4, |a| {
        let (s, old, new, n) = (str(a, 0)?, str(a, 1)?, str(a, 2)?, int(a, 3)?);
        Ok(Data::str(&replace(s, old, new, n)?))
    });
    r.add(P, "Index", 2, |a| {
        Ok(index_data(str(a, 0)?.find(str(a, 1)?)))
    });
}

fn int_data(i: i64) -> Data {
    Data::Num(Num::int(i))
}

fn index_data(i: Option<usize>) -> Data {
    int_data(i.map_or(-1, |i| i as i64))
}

fn str_list(parts: Vec<&str>) -> Data {
    Data::List(parts.into_iter().map(Data::str).collect())
}

fn join(a: &[Data]) -> BuiltinResult {
    let parts = strings(a, 0)?;
    let sep = str(a, 1)?;
    let len = parts.iter().map(|p| p.len()).sum::<usize>()
        + sep.len().saturating_mul(parts.len().saturating_sub(1));
    check_size(len)?;
    let mut out = String::with_capacity(len);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p);
    }
    Ok(Data::str(&out))
}

/// Go's `strings.Count`: non-overlapping matches; an empty `sub` matches at every rune
/// boundary.
fn count(s: &str, sub: &str) -> usize {
    if sub.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(sub).count()
    }
}

/// Maps the first rune of every word (a rune after a space, or the first rune).
fn map_word_starts(s: &str, f: fn(char) -> char) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if unicode::is_space(prev) { f(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// Go's `genSplit`: `n < 0` all parts, `n == 0` none, otherwise at most `n` parts with
/// the remainder in the last; an empty separator splits after each rune.
fn split<'a>(s: &'a str, sep: &str, n: i64, after: bool) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let mut parts = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if n > 0 && parts.len() as i64 == n - 1 {
                parts.push(rest);
                return parts;
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            parts.push(&rest[..len]);
            rest = &rest[len..];
        }
        return parts;
    }
    let mut parts = Vec::new();
    let mut rest = s;
    while n < 0 || (parts.len() as i64) < n - 1 {
        match rest.find(sep) {
            Some(i) => {
                let end = if after { i + sep.len() } else { i };
                parts.push(&rest[..end]);
                rest = &rest[i + sep.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// Go's `strings.Replace`.
fn replace(s: &str, old: &str, new: &str, n: i64) -> Result<String, String> {
    if old == new || n == 0 {
        return Ok(s.to_owned());
    }
    let m = count(s, old);
    if m == 0 {
        return Ok(s.to_owned());
    }
    let n = if n < 0 || m < n as usize {
        m
    } else {
        n as usize
    };
    check_size(s.len().saturating_add(n.saturating_mul(new.len())))?;
    let mut out = String::with_capacity(s.len() + n * new.len().saturating_sub(old.len()));
    let mut start = 0;
    for i in 0..n {
        let mut j = start;
        if old.is_empty() {
            if i > 0 {
                j += s[start..].chars().next().map_or(0, char::len_utf8);
            }
        } else {
            j += s[start..].find(old).unwrap_or(0);
        }
        out.push_str(&s[start..j]);
        out.push_str(new);
        start = j + old.len();
    }
    out.push_str(&s[start..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_go() {
        assert_eq!(split("a,b,c", ",", -1, false), ["a", "b", "c"]);
        assert_eq!(split("a,b,c", ",", 2, false), ["a", "b,c"]);
        assert_eq!(split("a,b,c", ",", 2, true), ["a,", "b,c"]);
        assert_eq!(split("", ",", -1, false), [""]);
        assert!(split("", "", -1, false).is_empty());
        assert_eq!(split("héllo", "", 3, false), ["h", "é", "llo"]);
    }

    #[test]
    fn replace_like_go() {
        assert_eq!(replace("abc", "", "-", -1).unwrap(), "-a-b-c-");
        assert_eq!(replace("abc", "", "-", 2).unwrap(), "-a-bc");
        assert_eq!(replace("aaaa", "a", "b", 2).unwrap(), "bbaa");
        assert_eq!(replace("héé", "é", "e", -1).unwrap(), "hee");
    }
}
