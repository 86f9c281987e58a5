//! `struct`: validators on the number of fields of a struct (regular fields only, as
//! exported).

use crate::data::Data;

use super::Registry;
use super::args::{describe, int};

const P: &str = "struct";

fn fields(a: &[Data]) -> Result<usize, String> {
    match a.first() {
        Some(Data::Struct(f)) => Ok(f.len()),
        Some(other) => Err(format!(
            "cannot use {} (type {}) as struct in argument 1",
            describe(other),
            other.kind_name()
        )),
        None => Err("missing argument 1".into()),
    }
}

pub fn register(r: &mut Registry) {
    // As in current CUE, these fail with an error explaining why rather than returning
    // false.
    r.add_validator(P, "MinFields", 2, |a| {
        let (count, n) = (fields(a)?, int(a, 1)?);
        if count as i64 >= n {
            Ok(Data::Bool(true))
        } else {
            Err(format!("len(fields) < MinFields({n}) ({count} < {n})"))
        }
    });
    r.add_validator(P, "MaxFields", 2, |a| {
        let (count, n) = (fields(a)?, int(a, 1)?);
        if count as i64 <= n {
            Ok(Data::Bool(true))
        } else {
            Err(format!("len(fields) > MaxFields({n}) ({count} > {n})"))
        }
    });
}
