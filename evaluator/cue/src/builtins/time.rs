//! `time`: duration constants and Go's duration syntax (`Duration`, `ParseDuration`,
//! `FormatDuration`), RFC 3339 timestamps (`Time`, `Unix`), the layout constants, and
//! parsing with Go layouts (`Parse`, and `Format` as a validator: the value parses with
//! the layout), see [`super::time_layout`].
//!
//! Not yet implemented: `FormatString` and `Split`.

use crate::data::Data;
use crate::number::Num;

use super::Registry;
use super::args::{int, str};

const P: &str = "time";

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let err = || format!("time: invalid duration {}", super::json_quote(s));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        let unit_len = rest
            .bytes()
            .take_while(|c| !c.is_ascii_digit() && *c != b'.')
            .count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => {
                return Err(format!(
                    "time: missing unit in duration {}",
                    super::json_quote(s)
                ));
            }
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    super::json_quote(unit),
                    super::json_quote(s)
                ));
            }
        };
        let v: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err())?
        };
        let mut add = v.checked_mul(scale).ok_or_else(err)?;
        if !frac_part.is_empty() {
            // Fraction, truncated to nanoseconds as Go does.
            let mut f: u128 = 0;
            let mut div: u128 = 1;
            for c in frac_part.bytes().take(30) {
                f = f * 10 + (c - b'0') as u128;
                div *= 10;
            }
            add += f * scale / div;
        }
        total = total.checked_add(add).ok_or_else(err)?;
        if total > (1u128 << 63) {
            return Err(err());
        }
    }
    if total == 1u128 << 63 && !neg {
        return Err(err());
    }
    Ok(if neg {
        -(total as i128) as i64
    } else {
        total as i64
    })
}

/// Go's `Duration.String`.
pub fn format_duration(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: ns, µs or ms with a fraction.
        let (unit, scale) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&frac(u, scale));
        out.push_str(unit);
    } else {
        let secs = u / 1_000_000_000;
        let nanos = u % 1_000_000_000;
        let h = secs / 3600;
        let m = (secs % 3600) / 60;
        let s = secs % 60;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&frac(s * 1_000_000_000 + nanos, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

fn frac(v: u64, scale: u64) -> String {
    let whole = v / scale;
    let rest = v % scale;
    if rest == 0 {
        return whole.to_string();
    }
    let width = scale.to_string().len() - 1;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Days from 1970-01-01 to a civil date.
pub(super) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an RFC 3339 timestamp (Go's `time.RFC3339Nano` layout, as `time.Time`
/// validates); returns Unix seconds and nanoseconds.
fn parse_rfc3339(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > mdays[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || se > 59
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return None;
        }
        let digits = &s[start..i];
        nanos = format!("{digits:0<9}").parse().ok()?;
    }
    let offset = match &s[i..] {
        "Z" | "z" => 0,
        tz => {
            let tb = tz.as_bytes();
            if tb.len() != 6 || !matches!(tb[0], b'+' | b'-') || tb[3] != b':' {
                return None;
            }
            let oh: i64 = tz[1..3].parse().ok()?;
            let om: i64 = tz[4..6].parse().ok()?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if tb[0] == b'-' { -o } else { o }
        }
    };
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    Some((secs, nanos))
}

/// Go's `t.UTC().Format(time.RFC3339Nano)`.
fn format_rfc3339_nano(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    );
    if nanos > 0 {
        let f = format!("{nanos:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

fn int_data(i: i64) -> Data {
    Data::Num(Num::int(i))
}

pub fn register(r: &mut Registry) {
    r.add_const(P, "Nanosecond", || int_data(1));
    r.add_const(P, "Microsecond", || int_data(1_000));
    r.add_const(P, "Millisecond", || int_data(1_000_000));
    r.add_const(P, "Second", || int_data(1_000_000_000));
    r.add_const(P, "Minute", || int_data(60_000_000_000));
    r.add_const(P, "Hour", || int_data(3_600_000_000_000));
    r.add_validator(P, "Duration", 1, |a| {
        parse_duration(str(a, 0)?)?;
        Ok(Data::Bool(true))
    });
    r.add(P, "FormatDuration", 1, |a| {
        Ok(Data::str(&format_duration(int(a, 0)?)))
    });
    r.add(P, "ParseDuration", 1, |a| {
        parse_duration(str(a, 0)?).map(int_data)
    });
    r.add_const(P, "ANSIC", || Data::str("Mon Jan _2 15:04:05 2006"));
    r.add_const(P, "UnixDate", || Data::str("Mon Jan _2 15:04:05 MST 2006"));
    r.add_const(P, "RubyDate", || {
        Data::str("Mon Jan 02 15:04:05 -0700 2006")
    });
    r.add_const(P, "RFC822", || Data::str("02 Jan 06 15:04 MST"));
    r.add_const(P, "RFC822Z", || Data::str("02 Jan 06 15:04 -0700"));
    r.add_const(P, "RFC850", || Data::str("Monday, 02-Jan-06 15:04:05 MST"));
    r.add_const(P, "RFC1123", || Data::str("Mon, 02 Jan 2006 15:04:05 MST"));
    r.add_const(P, "RFC1123Z", || {
        Data::str("Mon, 02 Jan 2006 15:04:05 -0700")
    });
    r.add_const(P, "RFC3339", || Data::str("2006-01-02T15:04:05Z07:00"));
    r.add_const(P, "RFC3339Nano", || {
        Data::str("2006-01-02T15:04:05.999999999Z07:00")
    });
    r.add_const(P, "RFC3339Date", || Data::str("2006-01-02"));
    r.add_const(P, "Kitchen", || Data::str("3:04PM"));
    r.add_const(P, "Kitchen24", || Data::str("15:04"));
    r.add_const(P, "January", || int_data(1));
    r.add_const(P, "February", || int_data(2));
    r.add_const(P, "March", || int_data(3));
    r.add_const(P, "April", || int_data(4));
    r.add_const(P, "May", || int_data(5));
    r.add_const(P, "June", || int_data(6));
    r.add_const(P, "July", || int_data(7));
    r.add_const(P, "August", || int_data(8));
    r.add_const(P, "September", || int_data(9));
    r.add_const(P, "October", || int_data(10));
    r.add_const(P, "November", || int_data(11));
    r.add_const(P, "December", || int_data(12));
    r.add_const(P, "Sunday", || int_data(0));
    r.add_const(P, "Monday", || int_data(1));
    r.add_const(P, "Tuesday", || int_data(2));
    r.add_const(P, "Wednesday", || int_data(3));
    r.add_const(P, "Thursday", || int_data(4));
    r.add_const(P, "Friday", || int_data(5));
    r.add_const(P, "Saturday", || int_data(6));
    r.add_validator(P, "Time", 1, |a| {
        let s = str(a, 0)?;
        if parse_rfc3339(s).is_some() {
            Ok(Data::Bool(true))
        } else {
            Err(format!(
                "parsing time {} as \"2006-01-02T15:04:05.999999999Z07:00\": invalid",
                super::json_quote(s)
            ))
        }
    });
    r.add(P, "Parse", 2, |a| {
        let (layout, value) = (str(a, 0)?, str(a, 1)?);
        let (secs, nanos) = super::time_layout::parse(layout, value)?;
        Ok(Data::str(&format_rfc3339_nano(secs, nanos)))
    });
    r.add_validator(P, "Format", 2, |a| {
        let (value, layout) = (str(a, 0)?, str(a, 1)?);
        super::time_layout::parse(layout, value)?;
        Ok(Data::Bool(true))
    });
    r.add(P, "Unix", 2, |a| {
        let (sec, nsec) = (int(a, 0)?, int(a, 1)?);
        let total = sec as i128 * 1_000_000_000 + nsec as i128;
        let secs = total.div_euclid(1_000_000_000);
        let nanos = total.rem_euclid(1_000_000_000) as u32;
        let secs: i64 = secs
            .try_into()
            .map_err(|_| "time out of range".to_string())?;
        if !(-62135596800..=253402300799).contains(&secs) {
            return Err("time out of range".into());
        }
        Ok(Data::str(&format_rfc3339_nano(secs, nanos)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_like_go() {
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500_000_000);
        assert_eq!(parse_duration("-2ms").unwrap(), -2_000_000);
        assert!(parse_duration("1").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(format_duration(5_400_000_000_000), "1h30m0s");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(-1), "-1ns");
        assert_eq!(format_duration(61_000_000_000), "1m1s");
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some((0, 0)));
        assert!(parse_rfc3339("2021-02-29T00:00:00Z").is_none());
        assert_eq!(
            format_rfc3339_nano(1_600_000_000, 500_000_000),
            "2020-09-13T12:26:40.5Z"
        );
    }
}
