//! Go's reference-time layouts (`"2006-01-02T15:04:05Z07:00"`): splitting a layout into
//! literal text and elements, and parsing a value with one, as Go's `time.Parse` does
//! with UTC as the local zone (zone abbreviations other than `UTC` get offset 0).

/// A layout element.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    /// A numeric zone: `Z` allowed for UTC, with minutes, with seconds, with colons.
    Offset {
        z: bool,
        minutes: bool,
        seconds: bool,
        colon: bool,
    },
    /// Fractional seconds: `.000` (exactly n digits) or `.999` (optional, any digits).
    Frac {
        n: usize,
        optional: bool,
    },
}

/// The literal text before the next element, the element and its width in the layout.
fn next_chunk(layout: &str) -> (&str, Option<(Std, usize)>) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    for i in 0..b.len() {
        let found = match b[i] {
            b'J' if at(i, "January") => Some((Std::LongMonth, 7)),
            b'J' if at(i, "Jan") => Some((Std::Month, 3)),
            b'M' if at(i, "Monday") => Some((Std::LongWeekDay, 6)),
            b'M' if at(i, "Mon") => Some((Std::WeekDay, 3)),
            b'M' if at(i, "MST") => Some((Std::Tz, 3)),
            b'0' if at(i, "002") => Some((Std::ZeroYearDay, 3)),
            b'0' if i + 1 < b.len() && (b'1'..=b'6').contains(&b[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][(b[i + 1] - b'1') as usize],
                2,
            )),
            b'1' if at(i, "15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if at(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if at(i, "__2") => Some((Std::UnderYearDay, 3)),
            b'_' if at(i, "_2") && !at(i, "_2006") => Some((Std::UnderDay, 2)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if at(i, "PM") => Some((Std::PM, 2)),
            b'p' if at(i, "pm") => Some((Std::Pm, 2)),
            c @ (b'-' | b'Z') => {
                let z = c == b'Z';
                let forms: [(&str, bool, bool, bool); 5] = [
                    ("07:00:00", true, true, true),
                    ("070000", true, true, false),
                    ("07:00", true, false, true),
                    ("0700", true, false, false),
                    ("07", false, false, false),
                ];
                forms.iter().find(|f| at(i + 1, f.0)).map(|f| {
                    (
                        Std::Offset {
                            z,
                            minutes: f.1,
                            seconds: f.2,
                            colon: f.3,
                        },
                        1 + f.0.len(),
                    )
                })
            }
            b'.' | b',' if i + 1 < b.len() && matches!(b[i + 1], b'0' | b'9') => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == ch {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    None
                } else {
                    Some((
                        Std::Frac {
                            n: j - i - 1,
                            optional: ch == b'9',
                        },
                        j - i,
                    ))
                }
            }
            _ => None,
        };
        if let Some(f) = found {
            return (&layout[..i], Some(f));
        }
    }
    (layout, None)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The index of the name (or its 3-letter form) the value starts with, ASCII
/// case-insensitively, and the rest.
fn lookup<'a>(names: &[&str], short: bool, v: &'a str) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(i, n)| {
        let n = if short { &n[..3] } else { n };
        let head = v.get(..n.len())?;
        head.eq_ignore_ascii_case(n).then(|| (i, &v[n.len()..]))
    })
}

/// Up to `max` digits (at least `min`).
fn digits(v: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let n = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if n < min {
        return None;
    }
    Some((v[..n].parse().ok()?, &v[n..]))
}

/// Matches literal layout text: a run of spaces matches one or more spaces.
fn skip<'a>(mut prefix: &str, mut v: &'a str) -> Option<&'a str> {
    while let Some(c) = prefix.chars().next() {
        if c == ' ' {
            if !v.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            v = v.trim_start_matches(' ');
            continue;
        }
        v = v.strip_prefix(c)?;
        prefix = &prefix[c.len_utf8()..];
    }
    Some(v)
}

fn days_in(month: i64, year: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `value` with a Go layout: Unix seconds (UTC) and nanoseconds.
pub fn parse(layout: &str, value: &str) -> Result<(i64, u32), String> {
    let q = super::json_quote;
    let bad = |elem: &str, rest: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            q(value),
            q(layout),
            q(rest),
            q(elem)
        )
    };
    let range = |what: &str| format!("parsing time {}: {what} out of range", q(value));
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0u32);
    let (mut pm, mut am) = (false, false);
    let mut offset: i64 = 0;
    let mut lay = layout;
    let mut v = value;
    loop {
        let (prefix, std) = next_chunk(lay);
        let elem_start = prefix.len();
        v = skip(prefix, v).ok_or_else(|| bad(prefix, v))?;
        let Some((std, width)) = std else {
            if !v.is_empty() {
                return Err(format!("parsing time {}: extra text: {}", q(value), q(v)));
            }
            break;
        };
        let elem = &lay[elem_start..elem_start + width];
        lay = &lay[elem_start + width..];
        let before = v;
        let fail = || bad(elem, before);
        match std {
            Std::LongYear => {
                let (y, r) = digits(v, 4, 4).ok_or_else(fail)?;
                year = y;
                v = r;
            }
            Std::Year => {
                let (y, r) = digits(v, 2, 2).ok_or_else(fail)?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
                v = r;
            }
            Std::LongMonth | Std::Month => {
                let (i, r) = lookup(&MONTHS, std == Std::Month, v).ok_or_else(fail)?;
                month = i as i64 + 1;
                v = r;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let min_digits = if std == Std::ZeroMonth { 2 } else { 1 };
                let (m, r) = digits(v, min_digits, 2).ok_or_else(fail)?;
                if !(1..=12).contains(&m) {
                    return Err(range("month"));
                }
                month = m;
                v = r;
            }
            Std::LongWeekDay | Std::WeekDay => {
                let (_, r) = lookup(&DAYS, std == Std::WeekDay, v).ok_or_else(fail)?;
                v = r;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && v.starts_with(' ') {
                    v = &v[1..];
                }
                let min_digits = if std == Std::ZeroDay { 2 } else { 1 };
                let (d, r) = digits(v, min_digits, 2).ok_or_else(fail)?;
                day = d;
                v = r;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                if std == Std::UnderYearDay {
                    v = v.trim_start_matches(' ');
                }
                let (d, r) = digits(v, 3, 3).ok_or_else(fail)?;
                yday = d;
                v = r;
            }
            Std::Hour => {
                let (h, r) = digits(v, 1, 2).ok_or_else(fail)?;
                if h > 23 {
                    return Err(range("hour"));
                }
                hour = h;
                v = r;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let min_digits = if std == Std::ZeroHour12 { 2 } else { 1 };
                let (h, r) = digits(v, min_digits, 2).ok_or_else(fail)?;
                if h > 12 {
                    return Err(range("hour"));
                }
                hour = h;
                v = r;
            }
            Std::Minute | Std::ZeroMinute => {
                let min_digits = if std == Std::ZeroMinute { 2 } else { 1 };
                let (m, r) = digits(v, min_digits, 2).ok_or_else(fail)?;
                if m > 59 {
                    return Err(range("minute"));
                }
                min = m;
                v = r;
            }
            Std::Second | Std::ZeroSecond => {
                let min_digits = if std == Std::ZeroSecond { 2 } else { 1 };
                let (s, r) = digits(v, min_digits, 2).ok_or_else(fail)?;
                if s > 59 {
                    return Err(range("second"));
                }
                sec = s;
                v = r;
                // Fractional seconds the layout does not spell out are still accepted.
                let next_is_frac = matches!(next_chunk(lay), ("", Some((Std::Frac { .. }, _))));
                let b = v.as_bytes();
                if !next_is_frac
                    && b.len() >= 2
                    && matches!(b[0], b'.' | b',')
                    && b[1].is_ascii_digit()
                {
                    let n = 1 + v[1..].bytes().take_while(u8::is_ascii_digit).count();
                    nanos = frac_nanos(&v[1..n]);
                    v = &v[n..];
                }
            }
            Std::Frac { n, optional } => {
                let b = v.as_bytes();
                let has = b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit();
                if optional {
                    if has {
                        let k = 1 + v[1..].bytes().take_while(u8::is_ascii_digit).count();
                        nanos = frac_nanos(&v[1..k]);
                        v = &v[k..];
                    }
                } else {
                    if !has || v.len() < n + 1 || !v[1..n + 1].bytes().all(|c| c.is_ascii_digit()) {
                        return Err(fail());
                    }
                    nanos = frac_nanos(&v[1..n + 1]);
                    v = &v[n + 1..];
                }
            }
            Std::PM | Std::Pm => {
                let head = v.get(..2).ok_or_else(fail)?;
                match head.to_ascii_uppercase().as_str() {
                    "PM" => pm = true,
                    "AM" => am = true,
                    _ => return Err(fail()),
                }
                if (std == Std::PM) != (head == head.to_ascii_uppercase()) {
                    return Err(fail());
                }
                v = &v[2..];
            }
            Std::Offset {
                z,
                minutes,
                seconds,
                colon,
            } => {
                if z && v.starts_with('Z') {
                    v = &v[1..];
                    offset = 0;
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(fail()),
                };
                let mut r = &v[1..];
                let field = |r: &mut &str, sep: bool| -> Option<i64> {
                    if sep {
                        *r = r.strip_prefix(':')?;
                    }
                    let (x, rest) = digits(r, 2, 2)?;
                    *r = rest;
                    Some(x)
                };
                let h = field(&mut r, false).ok_or_else(fail)?;
                let m = if minutes {
                    field(&mut r, colon).ok_or_else(fail)?
                } else {
                    0
                };
                let s = if seconds {
                    field(&mut r, colon).ok_or_else(fail)?
                } else {
                    0
                };
                if h > 24 || m > 59 || s > 59 {
                    return Err(range("time zone offset"));
                }
                offset = sign * (h * 3600 + m * 60 + s);
                v = r;
            }
            Std::Tz => {
                if let Some(r) = v.strip_prefix("UTC") {
                    v = r;
                } else {
                    let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                    if !(3..=5).contains(&n) {
                        return Err(fail());
                    }
                    v = &v[n..];
                }
                offset = 0;
            }
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let days_in_year = if days_in(2, year) == 29 { 366 } else { 365 };
        if yday < 1 || yday > days_in_year {
            return Err(range("day-of-year"));
        }
        let (mut m, mut d) = (1, yday);
        while d > days_in(m, year) {
            d -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != d) {
            return Err(range("day-of-year"));
        }
        month = m;
        day = d;
    }
    if month < 0 {
        month = 1;
    }
    if day < 0 {
        day = 1;
    }
    if day < 1 || day > days_in(month, year) {
        return Err(range("day"));
    }
    let secs =
        super::time::days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec
            - offset;
    Ok((secs, nanos))
}

/// Nanoseconds from fraction digits (beyond nine digits truncated).
fn frac_nanos(d: &str) -> u32 {
    let mut s: String = d.chars().take(9).collect();
    while s.len() < 9 {
        s.push('0');
    }
    s.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(parse("2006-01-02", "1970-01-02"), Ok((86400, 0)));
        assert_eq!(
            parse("2006-01-02T15:04:05Z07:00", "1970-01-01T01:00:00+01:00"),
            Ok((0, 0))
        );
        assert_eq!(
            parse(
                "Mon, 02 Jan 2006 15:04:05 MST",
                "Thu, 01 Jan 1970 00:00:01 UTC"
            ),
            Ok((1, 0))
        );
        assert_eq!(
            parse("3:04PM", "1:00AM").map(|x| x.0.rem_euclid(86400)),
            Ok(3600)
        );
        assert_eq!(
            parse("2006-01-02 15:04:05", "1970-01-01 00:00:00.25"),
            Ok((0, 250_000_000))
        );
        assert!(parse("2006-01-02", "2021-02-30").is_err());
        assert!(parse("2006-01-02", "2021-6-15").is_err());
        assert!(parse("2006-01-02", "2021-06-15x").is_err());
    }
}
