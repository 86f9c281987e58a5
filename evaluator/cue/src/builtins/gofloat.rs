//! Go's `strconv.FormatFloat` and `strconv.ParseFloat`, for `strconv` and the math
//! functions that go through `float64`.
//!
//! Digit generation uses Rust's formatter (shortest round-trip digits, or correctly
//! rounded fixed digits), which produces the same digits as Go's; the layout (`%e`, `%f`,
//! `%g`, `%b`, `%x`) follows Go's `strconv/ftoa.go`.

/// Decimal digits of a finite, non-negative float: `0.d1d2d3… × 10^dp`, without trailing
/// zeros (no digits for zero).
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

/// Parses Rust's `{:e}` output (`1.2345e-7`).
fn digits_from_exp_form(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        return Digits { d, dp: 0 };
    }
    Digits { d, dp: exp + 1 }
}

/// Parses Rust's fixed output (`123.4500`).
fn digits_from_fixed_form(s: &str) -> Digits {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut d: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
    d.extend(int.bytes());
    d.extend(frac.bytes());
    let mut dp = int.len() as i64;
    let lead = d.iter().take_while(|&&c| c == b'0').count();
    d.drain(..lead);
    dp -= lead as i64;
    while d.last() == Some(&b'0') {
        d.pop();
    }
    if d.is_empty() {
        dp = 0;
    }
    Digits { d, dp }
}

fn shortest(f: f64, bits32: bool) -> Digits {
    if bits32 {
        digits_from_exp_form(&format!("{:e}", f as f32))
    } else {
        digits_from_exp_form(&format!("{:e}", f))
    }
}

/// `FormatFloat(f, fmt, prec, bitSize)`. Precision is capped to keep results bounded.
pub fn format_float(f: f64, fmt: u8, prec: i64, bit_size: i64) -> String {
    let bits32 = bit_size == 32;
    let f = if bits32 { f as f32 as f64 } else { f };
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let neg = f.is_sign_negative();
    let a = f.abs();
    let prec = prec.min(1 << 16);
    match fmt {
        b'b' => return fmt_b(f, bits32),
        b'x' | b'X' => return fmt_x(f, bits32, fmt, prec),
        b'e' | b'E' | b'f' | b'g' | b'G' => {}
        _ => return format!("%{}", fmt as char),
    }
    let shortest_mode = prec < 0;
    let (digs, prec) = if shortest_mode {
        let digs = shortest(a, bits32);
        let nd = digs.d.len() as i64;
        let prec = match fmt {
            b'e' | b'E' => (nd - 1).max(0),
            b'f' => (nd - digs.dp).max(0),
            _ => nd,
        };
        (digs, prec)
    } else if fmt == b'f' {
        (
            digits_from_fixed_form(&format!("{:.*}", prec as usize, a)),
            prec,
        )
    } else {
        let (digits, prec) = match fmt {
            b'e' | b'E' => (prec + 1, prec),
            _ => {
                let p = if prec == 0 { 1 } else { prec };
                (p, p)
            }
        };
        (
            digits_from_exp_form(&format!("{:.*e}", (digits - 1) as usize, a)),
            prec,
        )
    };
    let mut out = String::new();
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, neg, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, neg, &digs, prec),
        _ => {
            let nd = digs.d.len() as i64;
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            if shortest_mode {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                let p = if prec > nd { nd } else { prec };
                fmt_e(&mut out, neg, &digs, p - 1, fmt + b'e' - b'g');
            } else {
                let p = if prec > digs.dp { nd } else { prec };
                fmt_f(&mut out, neg, &digs, (p - digs.dp).max(0));
            }
        }
    }
    out
}

fn digit(d: &Digits, i: i64) -> char {
    if i >= 0 && (i as usize) < d.d.len() {
        d.d[i as usize] as char
    } else {
        '0'
    }
}

fn fmt_e(out: &mut String, neg: bool, d: &Digits, prec: i64, fmt: u8) {
    if neg {
        out.push('-');
    }
    out.push(if d.d.is_empty() { '0' } else { d.d[0] as char });
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(digit(d, i));
        }
    }
    out.push(fmt as char);
    let mut exp = if d.d.is_empty() { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, neg: bool, d: &Digits, prec: i64) {
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(digit(d, i));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(digit(d, d.dp + i - 1));
        }
    }
}

/// Mantissa and binary exponent as Go's `FormatFloat` splits them.
fn mant_exp(f: f64, bits32: bool) -> (u64, i64, u32) {
    if bits32 {
        let bits = (f as f32).to_bits() as u64;
        let mut exp = ((bits >> 23) & 0xff) as i64;
        let mut mant = bits & ((1 << 23) - 1);
        if exp == 0 {
            exp += 1;
        } else {
            mant |= 1 << 23;
        }
        (mant, exp - 127, 23)
    } else {
        let bits = f.to_bits();
        let mut exp = ((bits >> 52) & 0x7ff) as i64;
        let mut mant = bits & ((1 << 52) - 1);
        if exp == 0 {
            exp += 1;
        } else {
            mant |= 1 << 52;
        }
        (mant, exp - 1023, 52)
    }
}

fn fmt_b(f: f64, bits32: bool) -> String {
    let (mant, exp, mantbits) = mant_exp(f, bits32);
    let exp = exp - mantbits as i64;
    format!(
        "{}{}p{}{}",
        if f.is_sign_negative() { "-" } else { "" },
        mant,
        if exp >= 0 { "+" } else { "" },
        exp
    )
}

fn fmt_x(f: f64, bits32: bool, fmt: u8, prec: i64) -> String {
    let (mut mant, mut exp, mantbits) = mant_exp(f, bits32);
    if mant == 0 {
        exp = 0;
    }
    mant <<= 60 - mantbits;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    out.push('0');
    out.push(fmt as char);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = s[1].to_ascii_lowercase() == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

pub enum ParseFloatError {
    Syntax,
    /// Out of range (Go returns ±Inf with the error; CUE reports only the error).
    Range,
}

/// `ParseFloat(s, bitSize)`.
pub fn parse_float(s: &str, bit_size: i64) -> Result<f64, ParseFloatError> {
    let bits32 = bit_size == 32;
    let lower = s.to_ascii_lowercase();
    let (neg, body) = match lower.as_bytes().first() {
        Some(b'-') => (true, &lower[1..]),
        Some(b'+') => (false, &lower[1..]),
        _ => (false, &lower[..]),
    };
    if body == "inf" || body == "infinity" {
        return Ok(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        return Ok(f64::NAN);
    }
    if s.contains('_') && !underscore_ok(s) {
        return Err(ParseFloatError::Syntax);
    }
    let clean: String = lower.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, &clean[..]),
    };
    let value = if let Some(hex) = body.strip_prefix("0x") {
        parse_hex_float(hex, bits32)?
    } else {
        // Go's decimal syntax: digits, optional point and fraction, optional exponent.
        let b = body.as_bytes();
        let mut i = 0;
        let mut digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
                digits += 1;
            }
        }
        if digits == 0 {
            return Err(ParseFloatError::Syntax);
        }
        if i < b.len() && b[i] == b'e' {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return Err(ParseFloatError::Syntax);
            }
        }
        if i != b.len() {
            return Err(ParseFloatError::Syntax);
        }
        if bits32 {
            body.parse::<f32>().map_err(|_| ParseFloatError::Syntax)? as f64
        } else {
            body.parse::<f64>().map_err(|_| ParseFloatError::Syntax)?
        }
    };
    let value = if neg { -value } else { value };
    if value.is_infinite() {
        return Err(ParseFloatError::Range);
    }
    Ok(value)
}

fn parse_hex_float(s: &str, bits32: bool) -> Result<f64, ParseFloatError> {
    let (mant, exp) = s.split_once('p').ok_or(ParseFloatError::Syntax)?;
    let exp: i64 = {
        let e = exp.strip_prefix('+').unwrap_or(exp);
        if e.is_empty()
            || !e
                .trim_start_matches('-')
                .bytes()
                .all(|c| c.is_ascii_digit())
        {
            return Err(ParseFloatError::Syntax);
        }
        e.parse::<i64>().unwrap_or(if e.starts_with('-') {
            -100_000
        } else {
            100_000
        })
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(ParseFloatError::Syntax);
    }
    let digits = format!("{int}{frac}");
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(ParseFloatError::Syntax);
    }
    let m = num_bigint::BigUint::parse_bytes(digits.as_bytes(), 16).unwrap_or_default();
    let exp = exp.clamp(-100_000, 100_000) - 4 * frac.len() as i64;
    // Scale exactly with big rationals: m × 2^exp, rounded once to the target format.
    let value = scale_pow2(&m, exp, bits32);
    Ok(value)
}

/// Correctly rounded `m × 2^e`.
fn scale_pow2(m: &num_bigint::BigUint, e: i64, bits32: bool) -> f64 {
    use num_traits::Zero;
    if m.is_zero() {
        return 0.0;
    }
    let (mant_bits, min_exp, max_exp) = if bits32 {
        (24i64, -149i64, 127i64)
    } else {
        (53i64, -1074i64, 1023i64)
    };
    let len = m.bits() as i64;
    // Value is in [2^(len-1+e), 2^(len+e)).
    let top = len - 1 + e;
    if top > max_exp {
        return f64::INFINITY;
    }
    // Lowest bit position we can keep.
    let lowest = (top - (mant_bits - 1)).max(min_exp);
    let shift = lowest - e; // bits of m to drop
    let (mut q, rem_half, rem_rest) = if shift > 0 {
        let s = shift as u64;
        let q = m >> s;
        let half_bit = if s >= 1 { m.bit(s - 1) } else { false };
        let below = if s >= 2 {
            let mask = (num_bigint::BigUint::from(1u8) << (s - 1)) - 1u8;
            !(m & mask).is_zero()
        } else {
            false
        };
        (q, half_bit, below)
    } else {
        (m << ((-shift) as u64), false, false)
    };
    if rem_half && (rem_rest || q.bit(0)) {
        q += 1u8;
    }
    use num_traits::ToPrimitive;
    let qf = q.to_f64().unwrap_or(f64::INFINITY);
    let v = qf * pow2(lowest);
    if bits32 { v as f32 as f64 } else { v }
}

fn pow2(e: i64) -> f64 {
    // Split to avoid overflow/underflow of the intermediate power.
    if e > 1023 {
        return 2f64.powi(1023) * 2f64.powi((e - 1023) as i32);
    }
    if e < -1022 {
        return 2f64.powi(-1022) * 2f64.powi((e + 1022) as i32);
    }
    2f64.powi(e as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(format_float(1.5, b'e', -1, 64), "1.5e+00");
        assert_eq!(format_float(0.0, b'e', -1, 64), "0e+00");
        assert_eq!(format_float(0.0, b'g', -1, 64), "0");
        assert_eq!(format_float(1e21, b'g', -1, 64), "1e+21");
        assert_eq!(format_float(123456.0, b'g', -1, 64), "123456");
        assert_eq!(format_float(1234567.0, b'g', -1, 64), "1.234567e+06");
        assert_eq!(format_float(0.0001, b'g', -1, 64), "0.0001");
        assert_eq!(format_float(0.00001, b'g', -1, 64), "1e-05");
        assert_eq!(format_float(2.61828, b'f', 2, 64), "2.62");
        assert_eq!(format_float(3.0, b'f', -1, 64), "3");
        assert_eq!(format_float(1.5, b'g', 5, 64), "1.5");
        assert_eq!(format_float(1.0, b'b', -1, 64), "4503599627370496p-52");
        assert_eq!(format_float(1.0, b'x', -1, 64), "0x1p+00");
        assert_eq!(format_float(1.5, b'x', 3, 64), "0x1.800p+00");
        assert_eq!(format_float(-2.5, b'E', 3, 64), "-2.500E+00");
        assert_eq!(format_float(0.1, b'g', -1, 32), "0.1");
    }

    #[test]
    fn parses_like_go() {
        let ok = |s: &str| parse_float(s, 64).ok().unwrap();
        assert_eq!(ok("1.5"), 1.5);
        assert_eq!(ok("1_000.5"), 1000.5);
        assert_eq!(ok("0x1p-2"), 0.25);
        assert_eq!(ok(".5e1"), 5.0);
        assert_eq!(ok("5."), 5.0);
        assert!(parse_float("1e", 64).is_err());
        assert!(parse_float("_1", 64).is_err());
        assert!(parse_float("0x1", 64).is_err());
        assert!(matches!(
            parse_float("1e400", 64),
            Err(ParseFloatError::Range)
        ));
        assert_eq!(parse_float("0.1", 32).ok().unwrap(), 0.1f32 as f64);
    }
}
