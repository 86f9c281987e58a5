//! `strings`: functions on UTF-8 strings, as Go's strings package defines them.

use crate::data::Data;

use super::args::{int, str, strings};
use super::{BuiltinResult, Registry};

pub fn register(r: &mut Registry) {
    r.add("strings", "ToUpper", 1, |a| {
        Ok(Data::str(&str(a, 0)?.to_uppercase()))
    });
    r.add("strings", "ToLower", 1, |a| {
        Ok(Data::str(&str(a, 0)?.to_lowercase()))
    });
    r.add("strings", "Contains", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.contains(str(a, 1)?)))
    });
    r.add("strings", "HasPrefix", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.starts_with(str(a, 1)?)))
    });
    r.add("strings", "HasSuffix", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.ends_with(str(a, 1)?)))
    });
    r.add("strings", "TrimPrefix", 2, |a| {
        let (s, p) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.strip_prefix(p).unwrap_or(s)))
    });
    r.add("strings", "TrimSuffix", 2, |a| {
        let (s, p) = (str(a, 0)?, str(a, 1)?);
        Ok(Data::str(s.strip_suffix(p).unwrap_or(s)))
    });
    r.add("strings", "TrimSpace", 1, |a| {
        Ok(Data::str(str(a, 0)?.trim()))
    });
    r.add("strings", "Join", 2, join);
    r.add("strings", "Split", 2, |a| {
        let (s, sep) = (str(a, 0)?, str(a, 1)?);
        let parts: Vec<Data> = if sep.is_empty() {
            s.chars().map(|c| Data::str(&c.to_string())).collect()
        } else {
            s.split(sep).map(Data::str).collect()
        };
        Ok(Data::List(parts))
    });
    r.add("strings", "Replace", 4, |a| {
        let (s, old, new, n) = (str(a, 0)?, str(a, 1)?, str(a, 2)?, int(a, 3)?);
        Ok(Data::str(&if n < 0 {
            s.replace(old, new)
        } else {
            s.replacen(old, new, n as usize)
        }))
    });
    r.add_validator("strings", "MinRunes", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.chars().count() as i64 >= int(a, 1)?))
    });
    r.add_validator("strings", "MaxRunes", 2, |a| {
        Ok(Data::Bool(str(a, 0)?.chars().count() as i64 <= int(a, 1)?))
    });
}

fn join(a: &[Data]) -> BuiltinResult {
    let parts = strings(a, 0)?;
    let sep = str(a, 1)?;
    Ok(Data::str(
        &parts.iter().map(|p| &**p).collect::<Vec<_>>().join(sep),
    ))
}
