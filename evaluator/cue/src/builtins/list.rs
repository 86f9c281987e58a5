//! `list`: functions on lists. Numbers are decimals computed in CUE's 34-digit context;
//! decimal results are converted as current CUE converts them (integral values become
//! `int`).
//!
//! `Sort`, `SortStable` and `IsSorted` take a comparator: the standard `list.Ascending`
//! and `list.Descending`, registered as marker structs and compared directly, or any
//! struct `{x: _, y: _, less: bool}`, which the evaluator unifies with `{x: a, y: b}`
//! for each comparison (as CUE does). Both sorts are stable, as CUE's (`sort.Stable`).
//! A custom comparator must be passed in a call: `list.IsSorted(cmp)` used as a
//! validator accepts only the standard comparators.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use crate::data::Data;
use crate::number::Num;

use super::args::{describe, int, list, num, strings};
use super::{Arg, BuiltinResult, Host, Registry, ValueRef, decimal_result};

const P: &str = "list";

/// Most elements a list function builds.
pub const MAX_LIST: usize = 1 << 22;

/// The field that marks the standard comparators.
const COMPARER: &str = "$xdef.comparer";

pub fn register(r: &mut Registry) {
    r.add(P, "Drop", 2, |a| {
        let (x, n) = (list(a, 0)?, int(a, 1)?);
        if n < 0 {
            return Err("negative index".into());
        }
        Ok(Data::List(x.get(n as usize..).unwrap_or(&[]).to_vec()))
    });
    r.add(P, "FlattenN", 2, |a| {
        let (x, depth) = (list(a, 0)?, int(a, 1)?);
        let mut out = Vec::new();
        flatten(x, depth, &mut out)?;
        Ok(Data::List(out))
    });
    r.add(P, "Repeat", 2, |a| {
        let (x, count) = (list(a, 0)?, int(a, 1)?);
        if count < 0 {
            return Err("negative count".into());
        }
        if count > super::strings::MAX_REPEAT_COUNT {
            return Err(format!(
                "count {count} exceeds limit of {}",
                super::strings::MAX_REPEAT_COUNT
            ));
        }
        check_len(x.len().saturating_mul(count as usize))?;
        let mut out = Vec::with_capacity(x.len() * count as usize);
        for _ in 0..count {
            out.extend_from_slice(x);
        }
        Ok(Data::List(out))
    });
    r.add(P, "Concat", 1, |a| {
        let lists = list(a, 0)?;
        let mut total = 0usize;
        for (i, l) in lists.iter().enumerate() {
            match l {
                Data::List(items) => total = total.saturating_add(items.len()),
                other => {
                    return Err(format!(
                        "cannot use value {} (type {}) as list in element {i}",
                        describe(other),
                        other.kind_name()
                    ));
                }
            }
        }
        check_len(total)?;
        let mut out = Vec::with_capacity(total);
        for l in lists {
            if let Data::List(items) = l {
                out.extend_from_slice(items);
            }
        }
        Ok(Data::List(out))
    });
    r.add(P, "Take", 2, |a| {
        let (x, n) = (list(a, 0)?, int(a, 1)?);
        if n < 0 {
            return Err("negative index".into());
        }
        Ok(Data::List(x[..(n as usize).min(x.len())].to_vec()))
    });
    r.add(P, "Slice", 3, |a| {
        let (x, i, j) = (list(a, 0)?, int(a, 1)?, int(a, 2)?);
        if i < 0 {
            return Err("negative index".into());
        }
        if i > j {
            return Err(format!("invalid index: {i} > {j}"));
        }
        if i as u64 > x.len() as u64 || j as u64 > x.len() as u64 {
            return Err("slice bounds out of range".into());
        }
        Ok(Data::List(x[i as usize..j as usize].to_vec()))
    });
    r.add(P, "Reverse", 1, |a| {
        let mut x = list(a, 0)?.to_vec();
        x.reverse();
        Ok(Data::List(x))
    });
    // As in current CUE, the count validators fail with an error explaining why rather
    // than returning false.
    r.add_validator(P, "MinItems", 2, |a| {
        let (count, n) = (list(a, 0)?.len(), int(a, 1)?);
        if count as i64 >= n {
            Ok(Data::Bool(true))
        } else {
            Err(format!("len(list) < MinItems({n}) ({count} < {n})"))
        }
    });
    r.add_validator(P, "MaxItems", 2, |a| {
        let (count, n) = (list(a, 0)?.len(), int(a, 1)?);
        if count as i64 <= n {
            Ok(Data::Bool(true))
        } else {
            Err(format!("len(list) > MaxItems({n}) ({count} > {n})"))
        }
    });
    r.add_validator(P, "UniqueItems", 1, |a| {
        let x = list(a, 0)?;
        match first_duplicate(x) {
            None => Ok(Data::Bool(true)),
            Some((i, j)) => Err(match &x[i] {
                Data::List(_) | Data::Struct(_) => {
                    format!("equal values at position {i} and {j}")
                }
                v => format!("equal value ({}) at position {i} and {j}", describe(v)),
            }),
        }
    });
    r.add_validator(P, "Contains", 2, |a| {
        let (x, v) = (list(a, 0)?, a.get(1).ok_or("missing argument 2")?);
        Ok(Data::Bool(x.iter().any(|e| equal(e, v))))
    });
    r.add(P, "Avg", 1, |a| {
        let xs = nums(a, 0)?;
        if xs.is_empty() {
            return Err("empty list".into());
        }
        let sum = xs.iter().fold(Num::int(0), |s, x| s.add(x));
        let avg = sum
            .quo(&Num::int(xs.len() as i64))
            .ok_or("division by zero")?;
        Ok(Data::Num(decimal_result(avg)))
    });
    r.add(P, "Max", 1, |a| {
        let xs = nums(a, 0)?;
        let mut it = xs.iter();
        let mut max = it.next().ok_or("empty list")?;
        for x in it {
            if max.cmp_value(x) == Ordering::Less {
                max = x;
            }
        }
        Ok(Data::Num(decimal_result(max.clone())))
    });
    r.add(P, "Min", 1, |a| {
        let xs = nums(a, 0)?;
        let mut it = xs.iter();
        let mut min = it.next().ok_or("empty list")?;
        for x in it {
            if min.cmp_value(x) == Ordering::Greater {
                min = x;
            }
        }
        Ok(Data::Num(decimal_result(min.clone())))
    });
    r.add(P, "Product", 1, |a| {
        let xs = nums(a, 0)?;
        let p = xs.iter().fold(Num::int(1), |p, x| p.mul(x));
        Ok(Data::Num(decimal_result(p)))
    });
    r.add(P, "Sum", 1, |a| {
        let xs = nums(a, 0)?;
        let s = xs.iter().fold(Num::int(0), |s, x| s.add(x));
        Ok(Data::Num(decimal_result(s)))
    });
    r.add(P, "Range", 3, range);
    r.add_const(P, "Ascending", || comparer("ascending"));
    r.add_const(P, "Descending", || comparer("descending"));
    r.add_host(P, "Sort", 2, 0b10, false, sort);
    r.add_host(P, "SortStable", 2, 0b10, false, sort);
    r.add(P, "SortStrings", 1, |a| {
        let mut s = strings(a, 0)?;
        s.sort();
        Ok(Data::List(s.into_iter().map(Data::Str).collect()))
    });
    r.add_host(P, "IsSorted", 2, 0b10, true, |h, a| {
        let x = host_list(a)?;
        let cmp = comparator(h, a)?;
        // As Go's sort.IsSorted: from the end, is any element less than its predecessor?
        for i in (1..x.len()).rev() {
            if cmp.less(h, &x[i], &x[i - 1])? {
                return Ok(Data::Bool(false));
            }
        }
        Ok(Data::Bool(true))
    });
    r.add_validator(P, "IsSortedStrings", 1, |a| {
        let s = strings(a, 0)?;
        Ok(Data::Bool(s.windows(2).all(|w| w[0] <= w[1])))
    });
}

fn check_len(n: usize) -> Result<(), String> {
    if n > MAX_LIST {
        Err(format!("list too long ({n} > {MAX_LIST} elements)"))
    } else {
        Ok(())
    }
}

fn flatten(x: &[Data], depth: i64, out: &mut Vec<Data>) -> Result<(), String> {
    for e in x {
        match e {
            Data::List(inner) if depth != 0 => {
                stacker::maybe_grow(32 * 1024, 1024 * 1024, || flatten(inner, depth - 1, out))?
            }
            other => {
                out.push(other.clone());
                check_len(out.len())?;
            }
        }
    }
    Ok(())
}

fn nums(a: &[Data], i: usize) -> Result<Vec<Num>, String> {
    list(a, i)?
        .iter()
        .enumerate()
        .map(|(j, d)| match d {
            Data::Num(n) => Ok(n.clone()),
            other => Err(format!(
                "cannot use {} (type {}) as number in list element {j} of argument {}",
                describe(other),
                other.kind_name(),
                i + 1
            )),
        })
        .collect()
}

fn range(a: &[Data]) -> BuiltinResult {
    let (start, limit, step) = (num(a, 0)?, num(a, 1)?, num(a, 2)?);
    if step.is_zero() {
        return Err("step must be non zero".into());
    }
    let neg = step.is_negative();
    if !neg && start.cmp_value(limit) == Ordering::Greater {
        return Err("end must be greater than start when step is positive".into());
    }
    if neg && start.cmp_value(limit) == Ordering::Less {
        return Err("end must be less than start when step is negative".into());
    }
    // Refuse ranges that would be too long before building them.
    if let Some(count) = limit.sub(start).quo(step) {
        if count.cmp_value(&Num::int(MAX_LIST as i64)) == Ordering::Greater {
            return Err(format!("list too long (more than {MAX_LIST} elements)"));
        }
    }
    let mut out = Vec::new();
    let mut n = start.clone();
    loop {
        let c = n.cmp_value(limit);
        if (!neg && c != Ordering::Less) || (neg && c != Ordering::Greater) {
            break;
        }
        out.push(Data::Num(decimal_result(n.clone())));
        check_len(out.len())?;
        let next = n.add(step);
        if next.cmp_value(&n) == Ordering::Equal {
            // The step is lost to rounding: the range would never end.
            return Err("step too small".into());
        }
        n = next;
    }
    Ok(Data::List(out))
}

fn comparer(kind: &str) -> Data {
    Data::Struct(vec![(COMPARER.into(), Data::str(kind))])
}

/// A comparator argument.
enum Comparator {
    Ascending,
    Descending,
    /// A struct `{x: _, y: _, less: bool}`.
    Custom(ValueRef),
}

impl Comparator {
    /// `x < y` as the comparator defines it.
    fn less(&self, h: &mut dyn Host, x: &Data, y: &Data) -> Result<bool, String> {
        match self {
            Comparator::Ascending => less(x, y, false),
            Comparator::Descending => less(x, y, true),
            Comparator::Custom(cmp) => {
                let pair = Data::Struct(vec![("x".into(), x.clone()), ("y".into(), y.clone())]);
                match h.unify_field(*cmp, pair, "less")? {
                    Data::Bool(b) => Ok(b),
                    other => Err(format!(
                        "less: cannot use {} (type {}) as bool",
                        describe(&other),
                        other.kind_name()
                    )),
                }
            }
        }
    }
}

/// The standard comparator a marker struct names.
fn standard(d: &Data) -> Option<Comparator> {
    match d.get(COMPARER).and_then(Data::as_str) {
        Some("ascending") => Some(Comparator::Ascending),
        Some("descending") => Some(Comparator::Descending),
        _ => None,
    }
}

/// The comparator in argument 2.
fn comparator(h: &mut dyn Host, a: &[Arg]) -> Result<Comparator, String> {
    match a.get(1) {
        Some(Arg::Value(v)) => {
            if h.has_field(*v, COMPARER)
                && let Some(c) = h.data(*v).as_ref().and_then(standard)
            {
                return Ok(c);
            }
            if h.has_field(*v, "less") {
                Ok(Comparator::Custom(*v))
            } else {
                Err("field not found: less".into())
            }
        }
        Some(Arg::Data(d)) => match standard(d) {
            Some(c) => Ok(c),
            None => match d {
                Data::Struct(_) => Err(
                    "a comparator other than list.Ascending and list.Descending must be passed \
                     in a call, not to a validator"
                        .into(),
                ),
                other => Err(format!(
                    "cannot use {} (type {}) as struct in argument 2",
                    describe(other),
                    other.kind_name()
                )),
            },
        },
        None => Err("missing argument 2".into()),
    }
}

/// The list in argument 1 of a host function.
fn host_list(a: &[Arg]) -> Result<&[Data], String> {
    match a.first() {
        Some(Arg::Data(d)) => list(std::slice::from_ref(d), 0),
        _ => Err("missing argument 1".into()),
    }
}

/// `x < y` (or `x > y` for descending) on numbers or strings.
fn less(x: &Data, y: &Data, desc: bool) -> Result<bool, String> {
    let ord = match (x, y) {
        (Data::Num(a), Data::Num(b)) => a.cmp_value(b),
        (Data::Str(a), Data::Str(b)) => a.cmp(b),
        _ => {
            let bad = if matches!(x, Data::Num(_) | Data::Str(_)) {
                y
            } else {
                x
            };
            return Err(format!(
                "{} (type {}) does not match number | string",
                describe(bad),
                bad.kind_name()
            ));
        }
    };
    Ok(if desc {
        ord == Ordering::Greater
    } else {
        ord == Ordering::Less
    })
}

fn sort(h: &mut dyn Host, a: &[Arg]) -> BuiltinResult {
    let x = host_list(a)?;
    let cmp = comparator(h, a)?;
    let desc = match cmp {
        Comparator::Ascending => false,
        Comparator::Descending => true,
        Comparator::Custom(_) => {
            let order = merge_sort(x.len(), &mut |i, j| cmp.less(h, &x[i], &x[j]))?;
            return Ok(Data::List(
                order.into_iter().map(|i| x[i].clone()).collect(),
            ));
        }
    };
    // Check the element types first so the comparison cannot fail midway.
    let all_nums = x.iter().all(|e| matches!(e, Data::Num(_)));
    let all_strs = x.iter().all(|e| matches!(e, Data::Str(_)));
    if !all_nums && !all_strs {
        for w in x.windows(2) {
            less(&w[0], &w[1], desc)?;
        }
        if let [single] = x {
            less(single, single, desc)?;
        }
    }
    let mut out = x.to_vec();
    // Stable, as CUE's sort.Stable.
    out.sort_by(|p, q| {
        let ord = match (p, q) {
            (Data::Num(a), Data::Num(b)) => a.cmp_value(b),
            (Data::Str(a), Data::Str(b)) => a.cmp(b),
            _ => Ordering::Equal,
        };
        if desc { ord.reverse() } else { ord }
    });
    Ok(Data::List(out))
}

/// The positions `0..n` in a stable order by a fallible `less`: a merge sort that takes
/// the right element only when it is less than the left one.
fn merge_sort(
    n: usize,
    less: &mut dyn FnMut(usize, usize) -> Result<bool, String>,
) -> Result<Vec<usize>, String> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut width = 1;
    let mut buf = Vec::with_capacity(n);
    while width < n {
        buf.clear();
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                if less(order[j], order[i])? {
                    buf.push(order[j]);
                    j += 1;
                } else {
                    buf.push(order[i]);
                    i += 1;
                }
            }
            buf.extend_from_slice(&order[i..mid]);
            buf.extend_from_slice(&order[j..end]);
            start = end;
        }
        std::mem::swap(&mut order, &mut buf);
        width *= 2;
    }
    Ok(order)
}

/// CUE equality of concrete values: numbers by value (`1 == 1.0`), structs regardless of
/// field order.
pub fn equal(a: &Data, b: &Data) -> bool {
    match (a, b) {
        (Data::Num(x), Data::Num(y)) => x.cmp_value(y) == Ordering::Equal,
        (Data::List(x), Data::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Data::Struct(x), Data::Struct(y)) => {
            if x.len() != y.len() {
                return false;
            }
            let index: FxHashMap<&str, &Data> = y.iter().map(|(k, v)| (&**k, v)).collect();
            x.iter()
                .all(|(k, v)| index.get(&**k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// A key equal for exactly the values `equal` considers equal.
fn canonical(d: &Data, out: &mut String) {
    match d {
        Data::Null => out.push('n'),
        Data::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Data::Num(n) => {
            out.push('#');
            out.push_str(&canonical_num(n));
        }
        Data::Str(s) => {
            out.push('s');
            out.push_str(&s.len().to_string());
            out.push(':');
            out.push_str(s);
        }
        Data::Bytes(b) => {
            out.push('b');
            out.push_str(&crate::encode::base64_std(b));
            out.push(';');
        }
        Data::List(items) => {
            out.push('[');
            for i in items {
                canonical(i, out);
                out.push(',');
            }
            out.push(']');
        }
        Data::Struct(fields) => {
            let mut sorted: Vec<_> = fields.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (k, v) in sorted {
                out.push_str(&k.len().to_string());
                out.push(':');
                out.push_str(k);
                canonical(v, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

/// A number's value as `[-]digits e exponent`, with no trailing zeros in the digits.
pub fn canonical_num(n: &Num) -> String {
    let text = n.to_string();
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.as_str()),
    };
    let (mant, exp) = match body.split_once(['E', 'e']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int}{frac}");
    let mut exp = exp - frac.len() as i64;
    let digits = digits.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    exp += (digits.len() - trimmed.len()) as i64;
    if trimmed.is_empty() {
        return "0".into();
    }
    format!("{}{trimmed}e{exp}", if neg { "-" } else { "" })
}

/// Positions of the first pair of equal elements.
fn first_duplicate(x: &[Data]) -> Option<(usize, usize)> {
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let mut key = String::new();
    for (i, e) in x.iter().enumerate() {
        key.clear();
        canonical(e, &mut key);
        if let Some(&j) = seen.get(&key) {
            return Some((j, i));
        }
        seen.insert(key.clone(), i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::NumKind;

    #[test]
    fn canonical_numbers() {
        let d = |s| Num::parse_decimal(s, NumKind::Float).unwrap();
        assert_eq!(canonical_num(&d("1.0")), canonical_num(&Num::int(1)));
        assert_eq!(canonical_num(&d("100")), canonical_num(&d("1e2")));
        assert_eq!(canonical_num(&d("0.00")), "0");
        assert_ne!(canonical_num(&d("0.1")), canonical_num(&d("1")));
    }
}
