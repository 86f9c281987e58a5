//! CUE numbers: decimal floating point with arbitrary-size coefficients, computed in a
//! context of 34 significant digits (as current CUE does), with the int/float kind rules of
//! the spec. A number is `coefficient × 10^exponent`; the exponent is kept as written
//! (`100.50` stays `100.50`), and numbers print in the General Decimal Arithmetic
//! "to-scientific-string" form that CUE uses (`1E+10`, `2.5E-7`, `0.3`).

use std::cmp::Ordering;
use std::fmt;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Significant digits kept by arithmetic.
pub const PRECISION: u32 = 34;

/// Whether a number is an `int` or a `float`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumKind {
    Int,
    Float,
}

/// A CUE number.
#[derive(Clone, Debug)]
pub struct Num {
    pub kind: NumKind,
    /// Signed coefficient.
    coeff: BigInt,
    exp: i64,
}

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.cmp_value(other) == Ordering::Equal
    }
}

impl Num {
    pub fn int(value: i64) -> Num {
        Num {
            kind: NumKind::Int,
            coeff: BigInt::from(value),
            exp: 0,
        }
    }

    pub fn from_bigint(value: BigInt) -> Num {
        Num {
            kind: NumKind::Int,
            coeff: value,
            exp: 0,
        }
    }

    pub fn from_parts(kind: NumKind, coeff: BigInt, exp: i64) -> Num {
        Num { kind, coeff, exp }
    }

    pub fn float_from_f64(value: f64) -> Option<Num> {
        if !value.is_finite() {
            return None;
        }
        // Shortest representation that round-trips, as Go's strconv does.
        Num::parse_decimal(&format!("{value:e}"), NumKind::Float).ok()
    }

    pub fn is_int(&self) -> bool {
        self.kind == NumKind::Int
    }

    pub fn with_kind(mut self, kind: NumKind) -> Num {
        self.kind = kind;
        self
    }

    pub fn is_zero(&self) -> bool {
        self.coeff.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.coeff.is_negative()
    }

    /// True when the value has no fractional part.
    pub fn is_integral(&self) -> bool {
        if self.exp >= 0 || self.coeff.is_zero() {
            return true;
        }
        let ten_pow = pow10(self.exp.unsigned_abs());
        (&self.coeff % BigInt::from(ten_pow)).is_zero()
    }

    /// The value as an integer, if it has no fractional part.
    pub fn to_bigint(&self) -> Option<BigInt> {
        if self.exp >= 0 {
            if self.exp > 10_000 {
                return None;
            }
            return Some(&self.coeff * BigInt::from(pow10(self.exp as u64)));
        }
        if !self.is_integral() {
            return None;
        }
        Some(&self.coeff / BigInt::from(pow10(self.exp.unsigned_abs())))
    }

    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint()?.to_i64()
    }

    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// Parses an integer written in `radix`, digits only.
    pub fn parse_int(digits: &str, radix: u32) -> Result<Num, String> {
        BigInt::parse_bytes(digits.as_bytes(), radix)
            .map(Num::from_bigint)
            .ok_or_else(|| format!("invalid number {digits}"))
    }

    /// Parses a decimal number `[-]digits[.digits][e[+-]digits]`.
    pub fn parse_decimal(text: &str, kind: NumKind) -> Result<Num, String> {
        let err = || format!("invalid number {text}");
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i64>().map_err(|_| err())?),
            None => (body, 0),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        let digits = format!("{int_part}{frac_part}");
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let mut coeff = BigInt::parse_bytes(
            if digits.is_empty() {
                b"0"
            } else {
                digits.as_bytes()
            },
            10,
        )
        .ok_or_else(err)?;
        if neg {
            coeff = -coeff;
        }
        Ok(Num {
            kind,
            coeff,
            exp: exponent - frac_part.len() as i64,
        })
    }

    pub fn neg(&self) -> Num {
        Num {
            kind: self.kind,
            coeff: -&self.coeff,
            exp: self.exp,
        }
    }

    pub fn abs(&self) -> Num {
        Num {
            kind: self.kind,
            coeff: self.coeff.abs(),
            exp: self.exp,
        }
    }

    fn result_kind(&self, other: &Num) -> NumKind {
        if self.kind == NumKind::Int && other.kind == NumKind::Int {
            NumKind::Int
        } else {
            NumKind::Float
        }
    }

    pub fn add(&self, other: &Num) -> Num {
        let (a, b, exp) = align(self, other);
        round(Num {
            kind: self.result_kind(other),
            coeff: a + b,
            exp,
        })
    }

    pub fn sub(&self, other: &Num) -> Num {
        let (a, b, exp) = align(self, other);
        round(Num {
            kind: self.result_kind(other),
            coeff: a - b,
            exp,
        })
    }

    pub fn mul(&self, other: &Num) -> Num {
        round(Num {
            kind: self.result_kind(other),
            coeff: &self.coeff * &other.coeff,
            exp: self.exp + other.exp,
        })
    }

    /// Division; always a float. `None` on division by zero.
    pub fn quo(&self, other: &Num) -> Option<Num> {
        if other.coeff.is_zero() {
            return None;
        }
        let ideal = self.exp - other.exp;
        if self.coeff.is_zero() {
            return Some(Num {
                kind: NumKind::Float,
                coeff: BigInt::zero(),
                exp: ideal,
            });
        }
        // Scale the dividend so the quotient has more than PRECISION digits.
        let a_digits = digit_count(&self.coeff);
        let b_digits = digit_count(&other.coeff);
        let shift = (PRECISION as i64 + 1 + b_digits as i64 - a_digits as i64).max(0) as u64;
        let scaled = &self.coeff * BigInt::from(pow10(shift));
        let (q, r) = scaled.div_rem(&other.coeff);
        let mut result = Num {
            kind: NumKind::Float,
            coeff: q,
            exp: ideal - shift as i64,
        };
        let exact = r.is_zero();
        if !exact {
            // Push the remainder into the last digit so rounding sees it.
            result.coeff = result.coeff * 10
                + if r.is_negative() == other.coeff.is_negative() {
                    1
                } else {
                    -1
                };
            result.exp -= 1;
        }
        let mut result = round(result);
        if exact {
            // Remove trailing zeros down to the ideal exponent.
            while result.exp < ideal && !result.coeff.is_zero() && (&result.coeff % 10u32).is_zero()
            {
                result.coeff /= 10;
                result.exp += 1;
            }
        }
        Some(result)
    }

    /// Integer operations of the spec (`div mod quo rem`), on integral values. `None` on
    /// division by zero or non-integral operands.
    pub fn int_op(&self, other: &Num, op: IntOp) -> Result<Num, &'static str> {
        let a = self.to_bigint().ok_or("requires an integer")?;
        let b = other.to_bigint().ok_or("requires an integer")?;
        if b.is_zero() {
            return Err("division by zero");
        }
        let value = match op {
            // Euclidean: the remainder is never negative.
            IntOp::Div => {
                let (q, r) = a.div_rem(&b);
                if r.is_negative() {
                    if b.is_positive() { q - 1 } else { q + 1 }
                } else {
                    q
                }
            }
            IntOp::Mod => {
                let r = &a % &b;
                if r.is_negative() { r + b.abs() } else { r }
            }
            IntOp::Quo => &a / &b,
            IntOp::Rem => &a % &b,
        };
        Ok(Num::from_bigint(value))
    }

    /// Numeric comparison, ignoring kind.
    pub fn cmp_value(&self, other: &Num) -> Ordering {
        let sa = self.coeff.sign();
        let sb = other.coeff.sign();
        if sa != sb || self.coeff.is_zero() {
            return sign_rank(sa).cmp(&sign_rank(sb));
        }
        let (a, b, _) = align_limited(self, other);
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Exponents too far apart to align: compare by magnitude of adjusted exponents.
            _ => {
                let adj_a = self.exp + digit_count(&self.coeff) as i64;
                let adj_b = other.exp + digit_count(&other.coeff) as i64;
                let ord = adj_a.cmp(&adj_b);
                if sa == Sign::Minus {
                    ord.reverse()
                } else {
                    ord
                }
            }
        }
    }

    /// The spec's text form: integers as digits, other numbers in to-scientific-string
    /// form. Floats keep their exponent (`1.0`, `100.50`).
    fn write(&self, out: &mut String) {
        let digits = self.coeff.abs().to_string();
        if self.coeff.is_negative() {
            out.push('-');
        }
        let exp = self.exp;
        let adjusted = exp + digits.len() as i64 - 1;
        if exp <= 0 && adjusted >= -6 {
            if exp == 0 {
                out.push_str(&digits);
                return;
            }
            let point = digits.len() as i64 + exp;
            if point <= 0 {
                out.push_str("0.");
                for _ in 0..(-point) {
                    out.push('0');
                }
                out.push_str(&digits);
            } else {
                let (int, frac) = digits.split_at(point as usize);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
            return;
        }
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('E');
        if adjusted >= 0 {
            out.push('+');
        }
        out.push_str(&adjusted.to_string());
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

/// `div`, `mod` (Euclidean) and `quo`, `rem` (truncated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOp {
    Div,
    Mod,
    Quo,
    Rem,
}

fn sign_rank(sign: Sign) -> i8 {
    match sign {
        Sign::Minus => -1,
        Sign::NoSign => 0,
        Sign::Plus => 1,
    }
}

fn pow10(n: u64) -> BigUint {
    num_traits::pow(BigUint::from(10u32), n as usize)
}

fn digit_count(value: &BigInt) -> u64 {
    if value.is_zero() {
        return 1;
    }
    // bits * log10(2) is a lower bound; correct it with one comparison.
    let bits = value.bits();
    let estimate = ((bits.saturating_sub(1)) as f64 * std::f64::consts::LOG10_2) as u64 + 1;
    if value.magnitude() >= &pow10(estimate) {
        estimate + 1
    } else {
        estimate
    }
}

fn align(a: &Num, b: &Num) -> (BigInt, BigInt, i64) {
    let exp = a.exp.min(b.exp);
    let scale = |n: &Num| -> BigInt {
        let shift = (n.exp - exp) as u64;
        if shift == 0 {
            n.coeff.clone()
        } else {
            &n.coeff * BigInt::from(pow10(shift.min(100_000)))
        }
    };
    (scale(a), scale(b), exp)
}

/// Like `align`, but refuses to build huge numbers for wildly different exponents.
fn align_limited(a: &Num, b: &Num) -> (Option<BigInt>, Option<BigInt>, i64) {
    if (a.exp - b.exp).abs() > 10_000 {
        return (None, None, 0);
    }
    let (x, y, e) = align(a, b);
    (Some(x), Some(y), e)
}

/// Rounds the coefficient to PRECISION digits, half up. Integers stay exact (the spec
/// requires exact integers; CUE's Go implementation rounds them at 34 digits).
fn round(mut n: Num) -> Num {
    if n.kind == NumKind::Int && n.exp >= 0 {
        return n;
    }
    let digits = digit_count(&n.coeff);
    if digits <= PRECISION as u64 {
        return n;
    }
    let drop = digits - PRECISION as u64;
    let divisor = BigInt::from(pow10(drop));
    let (q, r) = n.coeff.div_rem(&divisor);
    let half = &divisor / 2;
    let mut q = q;
    if r.abs() >= half {
        if n.coeff.is_negative() {
            q -= 1;
        } else {
            q += 1;
        }
    }
    n.coeff = q;
    n.exp += drop as i64;
    // Rounding up can add a digit (999… → 1000…).
    if digit_count(&n.coeff) > PRECISION as u64 {
        n.coeff /= 10;
        n.exp += 1;
    }
    n
}

impl Num {
    /// `mantissa × base^exponent` for SI literals (`1.5Gi`); must be integral.
    pub fn si(mantissa: &str, base: u32, exponent: u32) -> Result<Num, String> {
        let m = Num::parse_decimal(mantissa, NumKind::Float)?;
        let factor = Num::from_bigint(num_traits::pow(BigInt::from(base), exponent as usize));
        let product = Num {
            kind: NumKind::Int,
            coeff: &m.coeff * &factor.coeff,
            exp: m.exp,
        };
        match product.to_bigint() {
            Some(value) => Ok(Num::from_bigint(value)),
            None => Err(format!(
                "number {mantissa} with multiplier is not an integer"
            )),
        }
    }

    pub fn one() -> Num {
        Num {
            kind: NumKind::Int,
            coeff: BigInt::one(),
            exp: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Num {
        Num::parse_decimal(
            s,
            if s.contains(['.', 'e', 'E']) {
                NumKind::Float
            } else {
                NumKind::Int
            },
        )
        .unwrap()
    }

    #[test]
    fn formatting_follows_to_scientific_string() {
        assert_eq!(dec("1e10").to_string(), "1E+10");
        assert_eq!(dec("2.5e-7").to_string(), "2.5E-7");
        assert_eq!(dec("100.50").to_string(), "100.50");
        assert_eq!(dec("1.0").to_string(), "1.0");
        assert_eq!(dec("0.000001").to_string(), "0.000001");
        assert_eq!(dec("0.0000001").to_string(), "1E-7");
        assert_eq!(dec("-12").to_string(), "-12");
    }

    #[test]
    fn arithmetic_keeps_decimal_exactness() {
        assert_eq!(dec("0.1").add(&dec("0.2")).to_string(), "0.3");
        assert_eq!(dec("2").mul(&dec("1.5")).to_string(), "3.0");
        assert_eq!(dec("3.0").quo(&dec("2")).unwrap().to_string(), "1.5");
        assert_eq!(
            dec("1").quo(&dec("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            dec("2").quo(&dec("3")).unwrap().to_string(),
            "0.6666666666666666666666666666666667"
        );
        assert_eq!(dec("6").quo(&dec("2")).unwrap().to_string(), "3");
        assert!(dec("1").quo(&dec("0")).is_none());
        let big = dec("123456789012345678901234567890").mul(&dec("10"));
        assert_eq!(big.to_string(), "1234567890123456789012345678900");
        assert!(big.is_int());
        let huge = dec("18446744073709551616").mul(&dec("18446744073709551616"));
        assert_eq!(huge.to_string(), "340282366920938463463374607431768211456");
    }

    #[test]
    fn integer_division_rules() {
        let op = |a: i64, b: i64, o| {
            Num::int(a)
                .int_op(&Num::int(b), o)
                .unwrap()
                .to_i64()
                .unwrap()
        };
        assert_eq!(op(-7, 2, IntOp::Div), -4);
        assert_eq!(op(-7, 2, IntOp::Mod), 1);
        assert_eq!(op(-7, 2, IntOp::Quo), -3);
        assert_eq!(op(-7, 2, IntOp::Rem), -1);
        assert_eq!(op(7, -2, IntOp::Div), -3);
        assert_eq!(op(7, -2, IntOp::Mod), 1);
    }

    #[test]
    fn comparison_across_exponents() {
        assert_eq!(dec("1").cmp_value(&dec("1.0")), Ordering::Equal);
        assert_eq!(dec("1e3").cmp_value(&dec("999.9")), Ordering::Greater);
        assert_eq!(dec("-2").cmp_value(&dec("1")), Ordering::Less);
        assert_eq!(dec("1e100000").cmp_value(&dec("1")), Ordering::Greater);
    }

    #[test]
    fn si_multipliers() {
        assert_eq!(Num::si("1", 1024, 1).unwrap().to_string(), "1024");
        assert_eq!(Num::si("1.5", 1000, 3).unwrap().to_string(), "1500000000");
        assert!(Num::si("1.5", 1000, 0).is_err());
    }
}
