//! `math/bits`, as CUE's `pkg/math/bits`: bitwise operations on integers of any size,
//! with Go's `big.Int` semantics (negative numbers are infinite two's complement;
//! `OnesCount` and `Len` look at the magnitude).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::data::Data;
use crate::number::Num;

use super::args::{bigint, int};
use super::{BuiltinResult, MAX_RESULT, Registry};

const P: &str = "math/bits";

fn ret(x: BigInt) -> BuiltinResult {
    Ok(Data::Num(Num::from_bigint(x)))
}

/// An `int` argument that must fit Go's `uint`.
fn uint(a: &[Data], i: usize) -> Result<u64, String> {
    let n = bigint(a, i)?;
    n.to_u64()
        .ok_or_else(|| format!("cannot use {n} (type int) as uint in argument {}", i + 1))
}

/// Fails when a result would need more than [`MAX_RESULT`] bytes.
fn check_bits(bits: u64) -> Result<(), String> {
    if bits / 8 > MAX_RESULT as u64 {
        Err(format!("result too large ({bits} bits)"))
    } else {
        Ok(())
    }
}

pub fn register(r: &mut Registry) {
    r.add(P, "Lsh", 2, |a| {
        let (x, n) = (bigint(a, 0)?, uint(a, 1)?);
        if x.is_zero() {
            return ret(x);
        }
        check_bits(x.bits().saturating_add(n))?;
        ret(x << n)
    });
    r.add(P, "Rsh", 2, |a| {
        let (x, n) = (bigint(a, 0)?, uint(a, 1)?);
        // Rounds toward negative infinity, as Go's arithmetic shift.
        if n >= x.bits() {
            return ret(BigInt::from(if x.is_negative() { -1 } else { 0 }));
        }
        ret(x >> n)
    });
    r.add(P, "At", 2, |a| {
        let (x, i) = (bigint(a, 0)?, uint(a, 1)?);
        if i > i32::MAX as u64 {
            return Err("bit index too large".into());
        }
        ret(BigInt::from(u8::from(x.bit(i))))
    });
    r.add(P, "Set", 3, |a| {
        let (mut x, i, bit) = (bigint(a, 0)?, int(a, 1)?, uint(a, 2)?);
        if i < 0 {
            return Err("negative bit index".into());
        }
        if bit > 1 {
            return Err("set bit is not 0 or 1".into());
        }
        check_bits(i as u64)?;
        x.set_bit(i as u64, bit == 1);
        ret(x)
    });
    r.add(P, "And", 2, |a| ret(bigint(a, 0)? & bigint(a, 1)?));
    r.add(P, "Or", 2, |a| ret(bigint(a, 0)? | bigint(a, 1)?));
    r.add(P, "Xor", 2, |a| ret(bigint(a, 0)? ^ bigint(a, 1)?));
    // Go's `AndNot`.
    r.add(P, "Clear", 2, |a| ret(bigint(a, 0)? & !bigint(a, 1)?));
    r.add(P, "OnesCount", 1, |a| {
        ret(BigInt::from(bigint(a, 0)?.magnitude().count_ones()))
    });
    r.add(P, "Len", 1, |a| ret(BigInt::from(bigint(a, 0)?.bits())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::{Func, get, lookup};

    fn call(name: &str, args: &[i64]) -> BuiltinResult {
        let id = lookup(P, name).expect(name);
        let Func::Data(f) = get(id).func else {
            panic!("{name} is not a function")
        };
        let args: Vec<Data> = args.iter().map(|&n| Data::Num(Num::int(n))).collect();
        f(&args)
    }

    fn val(name: &str, args: &[i64]) -> String {
        match call(name, args).unwrap() {
            Data::Num(n) => n.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn twos_complement_like_go() {
        assert_eq!(val("And", &[-12, 10]), "0");
        assert_eq!(val("Or", &[-12, 10]), "-2");
        assert_eq!(val("Xor", &[-12, 10]), "-2");
        assert_eq!(val("Clear", &[-12, 10]), "-12");
        assert_eq!(val("Clear", &[12, -10]), "8");
        assert_eq!(val("Rsh", &[-3, 1]), "-2");
        assert_eq!(val("Rsh", &[-1, 100]), "-1");
        assert_eq!(val("Rsh", &[5, 100]), "0");
        assert_eq!(val("Lsh", &[-3, 100]), "-3802951800684688204490109616128");
        assert_eq!(val("At", &[-2, 0]), "0");
        assert_eq!(val("At", &[-2, 1000]), "1");
        assert_eq!(val("Set", &[-1, 3, 0]), "-9");
        assert_eq!(val("Set", &[5, 100, 1]), "1267650600228229401496703205381");
    }

    #[test]
    fn magnitude_counts() {
        assert_eq!(val("OnesCount", &[-255]), "8");
        assert_eq!(val("Len", &[-1024]), "11");
        assert_eq!(val("Len", &[0]), "0");
    }

    #[test]
    fn bad_arguments() {
        assert!(call("Set", &[5, -1, 1]).is_err());
        assert!(call("Set", &[5, 1, 2]).is_err());
        assert!(call("Lsh", &[5, -1]).is_err());
        assert!(call("At", &[1, 4294967296]).is_err());
        assert!(call("Lsh", &[1, 1 << 40]).is_err());
    }
}
