//! `uuid`, as CUE's `pkg/uuid` (built on `github.com/google/uuid`): parsing and
//! validation of the textual forms, name-based UUIDs (`SHA1`, `MD5`), conversion from
//! and to integers, `Variant` and `Version`, and the `ns` and `variants` structs.

use num_bigint::{BigInt, Sign};

use crate::data::Data;
use crate::number::Num;

use super::Registry;
use super::args::{bigint, bytes_or_str, str};

const P: &str = "uuid";

pub fn register(r: &mut Registry) {
    r.add_validator(P, "Valid", 1, |a| {
        parse(str(a, 0)?)?;
        Ok(Data::Bool(true))
    });
    r.add(P, "Parse", 1, |a| {
        Ok(Data::str(&format(&parse(str(a, 0)?)?)))
    });
    r.add(P, "URN", 1, |a| {
        Ok(Data::str(&format!(
            "urn:uuid:{}",
            format(&parse(str(a, 0)?)?)
        )))
    });
    r.add(P, "FromInt", 1, |a| {
        // Go's `big.Int.Bytes`: the magnitude, big-endian.
        let (_, mag) = bigint(a, 0)?.to_bytes_be();
        if mag.len() > 16 {
            return Err(format!("invalid UUID (got {} bytes)", mag.len()));
        }
        let mut u = [0u8; 16];
        u[16 - mag.len()..].copy_from_slice(&mag);
        Ok(Data::str(&format(&u)))
    });
    // CUE reads the bytes of the text itself, not of the UUID it spells.
    r.add(P, "ToInt", 1, |a| {
        let s = str(a, 0)?;
        Ok(Data::Num(Num::from_bigint(BigInt::from_bytes_be(
            Sign::Plus,
            s.as_bytes(),
        ))))
    });
    r.add(P, "Variant", 1, |a| {
        let u = parse(str(a, 0)?)?;
        Ok(Data::Num(Num::int(variant(&u))))
    });
    r.add(P, "Version", 1, |a| {
        let u = parse(str(a, 0)?)?;
        Ok(Data::Num(Num::int(i64::from(u[6] >> 4))))
    });
    r.add(P, "SHA1", 2, |a| {
        let space = parse(str(a, 0)?)?;
        let digest = super::crypto::sha1(&[&space, &bytes_or_str(a, 1)?]);
        Ok(Data::str(&format(&name_based(&digest, 5))))
    });
    r.add(P, "MD5", 2, |a| {
        let space = parse(str(a, 0)?)?;
        let digest = super::crypto::md5(&[&space, &bytes_or_str(a, 1)?]);
        Ok(Data::str(&format(&name_based(&digest, 3))))
    });
    r.add_const(P, "ns", || {
        strings_struct(&[
            ("DNS", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            ("URL", "6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
            ("OID", "6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
            ("X500", "6ba7b814-9dad-11d1-80b4-00c04fd430c8"),
            ("Nil", "00000000-0000-0000-0000-000000000000"),
        ])
    });
    r.add_const(P, "variants", || {
        Data::Struct(
            [
                ("Invalid", 0),
                ("RFC4122", 1),
                ("Reserved", 2),
                ("Microsoft", 3),
                ("Future", 4),
            ]
            .iter()
            .map(|&(k, v)| (k.into(), Data::Num(Num::int(v))))
            .collect(),
        )
    });
}

fn strings_struct(fields: &[(&str, &str)]) -> Data {
    Data::Struct(
        fields
            .iter()
            .map(|&(k, v)| (k.into(), Data::str(v)))
            .collect(),
    )
}

/// The UUID in one of the forms google/uuid accepts: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
/// the same with a `urn:uuid:` prefix (any case) or in braces, or 32 hex digits.
fn parse(s: &str) -> Result<[u8; 16], String> {
    let b = s.as_bytes();
    let hex: &[u8] = match b.len() {
        36 => b,
        45 => {
            if !b[..9].eq_ignore_ascii_case(b"urn:uuid:") {
                return Err(format!(
                    "invalid urn prefix: {:?}",
                    String::from_utf8_lossy(&b[..9])
                ));
            }
            &b[9..]
        }
        38 => {
            if b[0] != b'{' || b[37] != b'}' {
                return Err("invalid UUID format".into());
            }
            &b[1..37]
        }
        32 => {
            let mut u = [0u8; 16];
            for (i, pair) in b.chunks(2).enumerate() {
                u[i] = byte(pair).ok_or("invalid UUID format")?;
            }
            return Ok(u);
        }
        n => return Err(format!("invalid UUID length: {n}")),
    };
    if hex[8] != b'-' || hex[13] != b'-' || hex[18] != b'-' || hex[23] != b'-' {
        return Err("invalid UUID format".into());
    }
    let mut u = [0u8; 16];
    let starts = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    for (i, &at) in starts.iter().enumerate() {
        u[i] = byte(&hex[at..at + 2]).ok_or("invalid UUID format")?;
    }
    Ok(u)
}

fn byte(pair: &[u8]) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16);
    Some((d(pair[0])? * 16 + d(pair[1])?) as u8)
}

/// The canonical lower-case form.
fn format(u: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The layout of the UUID (RFC 4122, section 4.1.1), numbered as CUE's `variants`.
fn variant(u: &[u8; 16]) -> i64 {
    match u[8] {
        b if b & 0xc0 == 0x80 => 1,
        b if b & 0xe0 == 0xc0 => 3,
        b if b & 0xe0 == 0xe0 => 4,
        _ => 2,
    }
}

/// A name-based UUID from a digest: its first 16 bytes with the version and the RFC
/// 4122 variant set.
fn name_based(digest: &[u8], version: u8) -> [u8; 16] {
    let mut u = [0u8; 16];
    u.copy_from_slice(&digest[..16]);
    u[6] = (u[6] & 0x0f) | (version << 4);
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    const DNS: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

    #[test]
    fn parses_every_form() {
        let u = parse(DNS).unwrap();
        assert_eq!(format(&u), DNS);
        assert_eq!(parse("6BA7B8109DAD11D180B400C04FD430C8").unwrap(), u);
        assert_eq!(parse(&format!("{{{DNS}}}")).unwrap(), u);
        assert_eq!(parse(&format!("URN:UUID:{DNS}")).unwrap(), u);
        assert_eq!(parse("x").unwrap_err(), "invalid UUID length: 1");
        assert!(parse("6ba7b810x9dad-11d1-80b4-00c04fd430c8").is_err());
        assert!(parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg").is_err());
    }

    #[test]
    fn name_based_uuids() {
        let ns = parse(DNS).unwrap();
        let sha = name_based(&crate::builtins::crypto::sha1(&[&ns, b"example.org"]), 5);
        assert_eq!(format(&sha), "aad03681-8b63-5304-89e0-8ca8f49461b5");
        let url = parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8").unwrap();
        let md = name_based(&crate::builtins::crypto::md5(&[&url, b"x"]), 3);
        assert_eq!(format(&md), "60a7f89c-e446-309c-8b4f-460bfdfd0dee");
        assert_eq!(variant(&sha), 1);
    }

    #[test]
    fn variants() {
        let v = |s: &str| variant(&parse(s).unwrap());
        assert_eq!(v("00000000-0000-f000-e000-000000000000"), 4);
        assert_eq!(v("00000000-0000-f000-c000-000000000000"), 3);
        assert_eq!(v("00000000-0000-f000-0000-000000000000"), 2);
    }
}
