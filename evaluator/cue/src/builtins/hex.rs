//! `encoding/hex`, as Go's `encoding/hex`.

use crate::data::Data;
use crate::number::Num;

use super::args::{bytes_or_str, int};
use super::{Registry, check_size};

const P: &str = "encoding/hex";

pub fn register(r: &mut Registry) {
    r.add(P, "EncodedLen", 1, |a| {
        Ok(Data::Num(Num::int(int(a, 0)?.saturating_mul(2))))
    });
    r.add(P, "DecodedLen", 1, |a| {
        Ok(Data::Num(Num::int(int(a, 0)? / 2)))
    });
    r.add(P, "Decode", 1, |a| {
        decode(&bytes_or_str(a, 0)?).map(|b| Data::Bytes(b.into()))
    });
    r.add(P, "Dump", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        check_size(src.len().saturating_mul(5))?;
        Ok(Data::str(&dump(&src)))
    });
    r.add(P, "Encode", 1, |a| {
        let src = bytes_or_str(a, 0)?;
        check_size(src.len().saturating_mul(2))?;
        Ok(Data::str(&encode(&src)))
    });
}

fn encode(src: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(src.len() * 2);
    for &b in src {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

/// Go's `InvalidByteError` text (`%#U`).
fn invalid(b: u8) -> String {
    let c = b as char;
    if b.is_ascii_graphic() || b == b' ' || (b >= 0xa0) {
        format!("encoding/hex: invalid byte: U+{:04X} '{c}'", b as u32)
    } else {
        format!("encoding/hex: invalid byte: U+{:04X}", b as u32)
    }
}

fn decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(src.len() / 2);
    let mut j = 1;
    while j < src.len() {
        let (p, q) = (src[j - 1], src[j]);
        let a = val(p).ok_or_else(|| invalid(p))?;
        let b = val(q).ok_or_else(|| invalid(q))?;
        out.push(a << 4 | b);
        j += 2;
    }
    if src.len() % 2 == 1 {
        let last = src[j - 1];
        if val(last).is_none() {
            return Err(invalid(last));
        }
        return Err("encoding/hex: odd length hex string".into());
    }
    Ok(out)
}

/// Go's `hex.Dump`: the `hexdump -C` layout.
fn dump(src: &[u8]) -> String {
    let mut out = String::new();
    for (line, chunk) in src.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}  ", (line * 16) as u32));
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        for &b in chunk {
            out.push(if (32..=126).contains(&b) {
                b as char
            } else {
                '.'
            });
        }
        out.push_str("|\n");
    }
    out
}
