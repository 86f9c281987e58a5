//! `math`: constants, exact decimal functions (`Floor`, `Round`, `Abs`, `Pow` with an
//! integer exponent, `MultipleOf`, …) computed on CUE's decimals, and the float64
//! functions (`Sqrt`, `Sin`, …) computed on `f64` and converted as CUE converts Go floats.
//!
//! The functions current CUE computes with 34-digit decimal arithmetic (`Exp`, `Exp2`,
//! `Log`, `Log10`, `Log2`, `Cbrt`, `Pow` with a fractional exponent) are computed on
//! `f64` here: exact where the answer is (`Exp2` and `Pow` of integers, `Log10` of a
//! power of ten, perfect cubes), otherwise correct to float64 precision rather than to
//! 34 digits. Their integral results are `int`s, as CUE converts decimals.
//!
//! Not implemented: `Erf`, `Erfc`, `Erfinv`, `Erfcinv`, `Gamma` and the Bessel functions
//! (`J0`, `J1`, `Jn`, `Y0`, `Y1`, `Yn`).

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use crate::data::Data;
use crate::number::{Num, NumKind};

use super::args::{bigint, int, num};
use super::strconv::float_data;
use super::{BuiltinResult, Registry, decimal_result};

const P: &str = "math";

fn dec(s: &str) -> Data {
    Data::Num(
        Num::parse_decimal(
            s,
            if s.contains('.') {
                NumKind::Float
            } else {
                NumKind::Int
            },
        )
        .unwrap_or_else(|_| Num::int(0)),
    )
}

/// The value as an integer, rounded by `mode`.
#[derive(Clone, Copy)]
enum Round {
    Floor,
    Ceil,
    Trunc,
    HalfUp,
    HalfEven,
}

fn round(n: &Num, mode: Round) -> Result<BigInt, String> {
    if let Some(i) = n.to_bigint() {
        return Ok(i);
    }
    // n = coeff × 10^exp with exp < 0 here (non-integral).
    let text = super::list::canonical_num(n);
    let (mant, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i64 = exp.parse().map_err(|_| "number out of range".to_string())?;
    if exp < -100_000 {
        // Tiny: rounds to 0 or ±1.
        let neg = mant.starts_with('-');
        return Ok(match mode {
            Round::Floor if neg => BigInt::from(-1),
            Round::Ceil if !neg => BigInt::from(1),
            _ => BigInt::zero(),
        });
    }
    let coeff: BigInt = mant.parse().map_err(|_| "invalid number".to_string())?;
    let div = num_traits::pow(BigInt::from(10), (-exp) as usize);
    let (q, r) = coeff.div_rem(&div); // truncated
    let neg = coeff.is_negative();
    let twice: BigInt = r.abs() * BigInt::from(2);
    let half_cmp = twice.cmp(&div);
    let away = match mode {
        Round::Trunc => false,
        Round::Floor => neg,
        Round::Ceil => !neg,
        Round::HalfUp => half_cmp != Ordering::Less,
        Round::HalfEven => {
            half_cmp == Ordering::Greater || (half_cmp == Ordering::Equal && q.is_odd())
        }
    };
    Ok(if away {
        if neg { q - 1 } else { q + 1 }
    } else {
        q
    })
}

fn int_data(i: BigInt) -> Data {
    Data::Num(Num::from_bigint(i))
}

fn f64_arg(a: &[Data], i: usize) -> Result<f64, String> {
    let n = num(a, i)?;
    let f = n.to_f64();
    if f.is_infinite() {
        return Err(format!(
            "cannot use {n} (type {}) as float64 in argument {}: value was rounded {}",
            if n.is_int() { "int" } else { "float" },
            i + 1,
            if f > 0.0 { "up" } else { "down" }
        ));
    }
    Ok(f)
}

/// A float64 result; NaN and infinities are not CUE numbers.
fn f64_result(f: f64) -> BuiltinResult {
    if f.is_nan() {
        return Err("result is NaN".into());
    }
    if f.is_infinite() {
        return Err("result is infinite".into());
    }
    float_data(f)
}

/// A decimal function's result computed on f64 (see the module comment).
fn approx(f: f64) -> BuiltinResult {
    match f64_result(f)? {
        Data::Num(n) => Ok(Data::Num(decimal_result(n))),
        other => Ok(other),
    }
}

/// A positive argument for a logarithm.
fn log_arg(a: &[Data]) -> Result<f64, String> {
    let n = num(a, 0)?;
    if n.is_zero() {
        return Err("cannot take log of zero".into());
    }
    if n.is_negative() {
        return Err("cannot take log of negative number".into());
    }
    f64_arg(a, 0)
}

/// `k` when `n` is exactly `10^k`.
fn power_of_ten(n: &Num) -> Option<i64> {
    let c = super::list::canonical_num(n);
    let exp = c.strip_prefix("1e")?;
    exp.parse().ok()
}

pub fn register(r: &mut Registry) {
    r.add_const(P, "MaxExp", || dec("2147483647"));
    r.add_const(P, "MinExp", || dec("-2147483648"));
    r.add_const(P, "MaxPrec", || dec("4294967295"));
    r.add_const(P, "ToNearestEven", || dec("0"));
    r.add_const(P, "ToNearestAway", || dec("1"));
    r.add_const(P, "ToZero", || dec("2"));
    r.add_const(P, "AwayFromZero", || dec("3"));
    r.add_const(P, "ToNegativeInf", || dec("4"));
    r.add_const(P, "ToPositiveInf", || dec("5"));
    r.add_const(P, "Below", || dec("-1"));
    r.add_const(P, "Exact", || dec("0"));
    r.add_const(P, "Above", || dec("1"));
    r.add_const(P, "MaxBase", || dec("62"));
    r.add_const(P, "E", || {
        dec("2.71828182845904523536028747135266249775724709369995957496696763")
    });
    r.add_const(P, "Pi", || {
        dec("3.14159265358979323846264338327950288419716939937510582097494459")
    });
    r.add_const(P, "Phi", || {
        dec("1.61803398874989484820458683436563811772030917980576286213544861")
    });
    r.add_const(P, "Sqrt2", || {
        dec("1.41421356237309504880168872420969807856967187537694807317667974")
    });
    r.add_const(P, "SqrtE", || {
        dec("1.64872127070012814684865078781416357165377610071014801157507931")
    });
    r.add_const(P, "SqrtPi", || {
        dec("1.77245385090551602729816748334114518279754945612238712821380779")
    });
    r.add_const(P, "SqrtPhi", || {
        dec("1.27201964951406896425242246173749149171560804184009624861664038")
    });
    r.add_const(P, "Ln2", || {
        dec("0.693147180559945309417232121458176568075500134360255254120680009")
    });
    r.add_const(P, "Log2E", || {
        dec("1.442695040888963407359924681001892137426645954152985934135449408")
    });
    r.add_const(P, "Ln10", || {
        dec("2.3025850929940456840179914546843642076011014886287729760333278")
    });
    r.add_const(P, "Log10E", || {
        dec("0.43429448190325182765112891891660508229439700580366656611445378")
    });

    // Exact decimal functions.
    r.add(P, "Floor", 1, |a| {
        round(num(a, 0)?, Round::Floor).map(int_data)
    });
    r.add(P, "Ceil", 1, |a| {
        round(num(a, 0)?, Round::Ceil).map(int_data)
    });
    r.add(P, "Trunc", 1, |a| {
        round(num(a, 0)?, Round::Trunc).map(int_data)
    });
    r.add(P, "Round", 1, |a| {
        round(num(a, 0)?, Round::HalfUp).map(int_data)
    });
    r.add(P, "RoundToEven", 1, |a| {
        round(num(a, 0)?, Round::HalfEven).map(int_data)
    });
    r.add_validator(P, "MultipleOf", 2, |a| {
        let (x, y) = (num(a, 0)?, num(a, 1)?);
        let q = x.quo(y).ok_or("division by zero")?;
        Ok(Data::Bool(q.is_integral()))
    });
    r.add(P, "Abs", 1, |a| {
        Ok(Data::Num(decimal_result(num(a, 0)?.abs())))
    });
    r.add(P, "Copysign", 2, |a| {
        let (x, y) = (num(a, 0)?, num(a, 1)?);
        let mag = x.abs();
        let v = if y.is_negative() { mag.neg() } else { mag };
        Ok(Data::Num(decimal_result(v)))
    });
    r.add(P, "Dim", 2, |a| {
        let (x, y) = (num(a, 0)?, num(a, 1)?);
        let d = x.sub(y);
        let v = if d.is_negative() { Num::int(0) } else { d };
        Ok(Data::Num(decimal_result(v)))
    });
    r.add_validator(P, "Signbit", 1, |a| {
        Ok(Data::Bool(num(a, 0)?.is_negative()))
    });
    r.add(P, "Pow10", 1, |a| {
        let n = int(a, 0)?;
        if !(i32::MIN as i64..=i32::MAX as i64).contains(&n) {
            return Err(format!("argument out of range: {n}"));
        }
        let v = Num::parse_decimal(&format!("1e{n}"), NumKind::Float)?;
        Ok(Data::Num(decimal_result(v)))
    });
    r.add(P, "Pow", 2, |a| {
        let (x, y) = (num(a, 0)?, num(a, 1)?);
        pow(x, y).map(|n| Data::Num(decimal_result(n)))
    });
    r.add(P, "Exp", 1, |a| {
        if num(a, 0)?.is_zero() {
            return Ok(Data::Num(Num::int(1)));
        }
        approx(f64_arg(a, 0)?.exp())
    });
    r.add(P, "Exp2", 1, |a| {
        let x = num(a, 0)?;
        if x.is_integral() {
            return pow(&Num::int(2), x).map(|n| Data::Num(decimal_result(n)));
        }
        approx(f64_arg(a, 0)?.exp2())
    });
    r.add(P, "Log", 1, |a| {
        let x = log_arg(a)?;
        if x == 1.0 && num(a, 0)?.cmp_value(&Num::int(1)) == Ordering::Equal {
            return Ok(Data::Num(Num::int(0)));
        }
        approx(x.ln())
    });
    r.add(P, "Log10", 1, |a| {
        let x = log_arg(a)?;
        if let Some(k) = power_of_ten(num(a, 0)?) {
            return Ok(Data::Num(Num::int(k)));
        }
        approx(x.log10())
    });
    r.add(P, "Log2", 1, |a| approx(log_arg(a)?.log2()));
    r.add(P, "Cbrt", 1, |a| {
        let x = f64_arg(a, 0)?;
        let c = x.cbrt();
        // Perfect cubes come out exact.
        let r = c.round();
        if r * r * r == x {
            return approx(r);
        }
        approx(c)
    });
    r.add(P, "Jacobi", 2, |a| {
        let (x, y) = (bigint(a, 0)?, bigint(a, 1)?);
        if y.is_even() || y.is_negative() {
            return Err(format!(
                "big: invalid 2nd argument to Int.Jacobi: need odd integer but got {y}"
            ));
        }
        Ok(Data::Num(Num::int(jacobi(x, y))))
    });

    // float64 functions.
    macro_rules! f1 {
        ($name:literal, $f:expr) => {
            r.add(P, $name, 1, |a| {
                let f: fn(f64) -> f64 = $f;
                f64_result(f(f64_arg(a, 0)?))
            });
        };
    }
    macro_rules! f2 {
        ($name:literal, $f:expr) => {
            r.add(P, $name, 2, |a| {
                let f: fn(f64, f64) -> f64 = $f;
                f64_result(f(f64_arg(a, 0)?, f64_arg(a, 1)?))
            });
        };
    }
    f1!("Acosh", f64::acosh);
    f1!("Asin", f64::asin);
    f1!("Acos", f64::acos);
    f1!("Asinh", f64::asinh);
    f1!("Atan", f64::atan);
    f2!("Atan2", f64::atan2);
    f1!("Atanh", f64::atanh);
    f1!("Expm1", f64::exp_m1);
    f2!("Hypot", f64::hypot);
    f1!("Log1p", f64::ln_1p);
    f1!("Cos", f64::cos);
    f1!("Sin", f64::sin);
    f1!("Sinh", f64::sinh);
    f1!("Cosh", f64::cosh);
    f1!("Sqrt", f64::sqrt);
    f1!("Tan", f64::tan);
    f1!("Tanh", f64::tanh);
    f2!("Mod", |x, y| x % y);
    f2!("Remainder", |x, y| {
        // IEEE 754 remainder: x - n*y with n = x/y rounded to even.
        let n = (x / y).round_ties_even();
        x - n * y
    });
    f1!("Logb", |x| {
        if x == 0.0 {
            f64::NEG_INFINITY
        } else {
            (x.abs().log2().floor()).max(-1074.0)
        }
    });
    r.add(P, "Ilogb", 1, |a| {
        let x = f64_arg(a, 0)?;
        if x == 0.0 {
            return Ok(Data::Num(Num::int(i32::MIN as i64)));
        }
        let bits = x.abs().to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let e = if exp == 0 {
            // Subnormal.
            -1023 - (bits.leading_zeros() as i64 - 12)
        } else {
            exp - 1023
        };
        Ok(Data::Num(Num::int(e)))
    });
    r.add(P, "Ldexp", 2, |a| {
        let (frac, exp) = (f64_arg(a, 0)?, int(a, 1)?);
        let e = exp.clamp(-2200, 2200) as i32;
        let mut v = frac;
        let mut e = e;
        while e > 1000 {
            v *= 2f64.powi(1000);
            e -= 1000;
        }
        while e < -1000 {
            v *= 2f64.powi(-1000);
            e += 1000;
        }
        f64_result(v * 2f64.powi(e))
    });
}

/// `x ** y`: exact (rounded to 34 digits) for an integral `y`, on f64 otherwise.
fn pow(x: &Num, y: &Num) -> Result<Num, String> {
    let e = match y.to_bigint() {
        Some(e) if y.is_integral() => e,
        _ => {
            if x.is_negative() {
                return Err("a negative number raised to a fractional power is not real".into());
            }
            if x.is_zero() {
                return if y.is_negative() {
                    Err("division by zero".into())
                } else {
                    Ok(Num::int(0))
                };
            }
            let f = x.to_f64().powf(y.to_f64());
            return match approx(f)? {
                Data::Num(n) => Ok(n),
                _ => Err("invalid result".into()),
            };
        }
    };
    let e: i64 = num_traits::ToPrimitive::to_i64(&e).ok_or("exponent out of range")?;
    if e.unsigned_abs() > 1_000_000 {
        return Err("exponent out of range".into());
    }
    if x.is_zero() && e < 0 {
        return Err("division by zero".into());
    }
    let mut result = Num::int(1);
    let mut base = x.clone().with_kind(NumKind::Float);
    let mut k = e.unsigned_abs();
    while k > 0 {
        if k & 1 == 1 {
            result = result.mul(&base);
        }
        k >>= 1;
        if k > 0 {
            base = base.mul(&base);
        }
    }
    if e < 0 {
        result = Num::int(1).quo(&result).ok_or("division by zero")?;
    }
    Ok(result)
}

fn jacobi(mut a: BigInt, mut n: BigInt) -> i64 {
    a = a.mod_floor(&n);
    let mut t = 1;
    let three = BigInt::from(3);
    let five = BigInt::from(5);
    let eight = BigInt::from(8);
    let four = BigInt::from(4);
    while !a.is_zero() {
        while a.is_even() {
            a /= 2;
            let r = n.mod_floor(&eight);
            if r == three || r == five {
                t = -t;
            }
        }
        std::mem::swap(&mut a, &mut n);
        if a.mod_floor(&four) == three && n.mod_floor(&four) == three {
            t = -t;
        }
        a = a.mod_floor(&n);
    }
    if n == BigInt::from(1) { t } else { 0 }
}
