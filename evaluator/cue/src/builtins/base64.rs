//! `encoding/base64`: standard base64 with padding, as Go's `base64.StdEncoding`. The
//! first argument selects the encoding; only `null` (standard) is supported, as in CUE.

use crate::data::Data;
use crate::number::Num;

use super::args::{bytes_or_str, int};
use super::{Registry, check_size};

const P: &str = "encoding/base64";

fn std_encoding(a: &[Data]) -> Result<(), String> {
    match a.first() {
        Some(Data::Null) => Ok(()),
        _ => Err("base64: unsupported encoding".into()),
    }
}

pub fn register(r: &mut Registry) {
    r.add(P, "EncodedLen", 2, |a| {
        std_encoding(a)?;
        let n = int(a, 1)?;
        Ok(Data::Num(Num::int((n + 2) / 3 * 4)))
    });
    r.add(P, "DecodedLen", 2, |a| {
        std_encoding(a)?;
        let n = int(a, 1)?;
        Ok(Data::Num(Num::int(n / 4 * 3)))
    });
    r.add(P, "Encode", 2, |a| {
        std_encoding(a)?;
        let src = bytes_or_str(a, 1)?;
        check_size(src.len() / 3 * 4 + 4)?;
        Ok(Data::str(&crate::encode::base64_std(&src)))
    });
    r.add(P, "Decode", 2, |a| {
        std_encoding(a)?;
        let src = bytes_or_str(a, 1)?;
        decode(&src).map(|b| Data::Bytes(b.into()))
    });
}

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

fn corrupt(at: usize) -> String {
    format!("illegal base64 data at input byte {at}")
}

/// Go's `StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored, non-zero
/// trailing bits accepted.
pub fn decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut buf = [0u32; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing: Option<usize> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding.
            match j {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(si);
            }
            dlen = j;
            break;
        }
        let v = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3];
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing {
            return Err(corrupt(at));
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
}
