//! `net`: IP address validators and helpers, as Go's `net` package parses addresses
//! (dotted IPv4 without leading zeros, IPv6 including IPv4-mapped forms), and URL escaping.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::data::Data;
use crate::number::Num;

use super::args::{int, str};
use super::{BuiltinResult, Registry};

const P: &str = "net";

/// Go's `net.ParseIP`, from a string or a list of 4 or 16 bytes.
fn ip(a: &[Data], i: usize) -> Result<Option<IpAddr>, String> {
    match a.get(i) {
        Some(Data::Str(s)) => Ok(s.parse::<IpAddr>().ok()),
        Some(Data::List(items)) => {
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|d| match d {
                    Data::Num(n) => n.to_i64().and_then(|v| u8::try_from(v).ok()),
                    _ => None,
                })
                .collect();
            Ok(match bytes.as_deref() {
                Some([a, b, c, d]) => Some(IpAddr::V4(Ipv4Addr::new(*a, *b, *c, *d))),
                Some(b) if b.len() == 16 => {
                    let arr: [u8; 16] = b.try_into().unwrap_or([0; 16]);
                    Some(IpAddr::V6(Ipv6Addr::from(arr)))
                }
                _ => None,
            })
        }
        Some(other) => Err(format!(
            "cannot use {} (type {}) as string or list in argument {}",
            super::args::describe(other),
            other.kind_name(),
            i + 1
        )),
        None => Err(format!("missing argument {}", i + 1)),
    }
}

/// The IPv4 form of an address, as Go's `To4` (IPv4-mapped IPv6 included).
fn to4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(v) => v.to_ipv4_mapped(),
    }
}

fn bytes_data(b: &[u8]) -> Data {
    Data::List(b.iter().map(|&x| Data::Num(Num::int(x as i64))).collect())
}

fn to16(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
        IpAddr::V6(v) => v.octets(),
    }
}

/// Go's `IP.String`.
fn ip_string(ip: IpAddr) -> String {
    match to4(ip) {
        Some(v4) => v4.to_string(),
        None => ip.to_string(),
    }
}

fn check(a: &[Data], f: fn(IpAddr) -> bool) -> BuiltinResult {
    Ok(Data::Bool(ip(a, 0)?.is_some_and(f)))
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u8 = bits.parse().ok()?;
    let max = if matches!(ip, IpAddr::V4(_)) { 32 } else { 128 };
    (n <= max).then_some((ip, n))
}

fn escape(s: &str, path: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        let path_ok = path && matches!(b, b'$' | b'&' | b'+' | b',' | b':' | b';' | b'=' | b'@');
        if unreserved || path_ok {
            out.push(b as char);
        } else if b == b' ' && !path {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unescape(s: &str, query: bool) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let v = hex
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        let end = (i + 3).min(s.len());
                        format!("invalid URL escape {:?}", &s[i..end])
                    })?;
                out.push(v);
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

pub fn register(r: &mut Registry) {
    r.add(P, "SplitHostPort", 1, |a| {
        let s = str(a, 0)?;
        let missing = || format!("address {s}: missing port in address");
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest
                .split_once(']')
                .ok_or_else(|| format!("address {s}: missing ']' in address"))?;
            let p = p.strip_prefix(':').ok_or_else(missing)?;
            (h, p)
        } else {
            let (h, p) = s.rsplit_once(':').ok_or_else(missing)?;
            if h.contains(':') {
                return Err(format!("address {s}: too many colons in address"));
            }
            (h, p)
        };
        Ok(Data::List(vec![Data::str(host), Data::str(port)]))
    });
    r.add(P, "JoinHostPort", 2, |a| {
        let host = match a.first() {
            Some(Data::Str(_)) => str(a, 0)?.to_owned(),
            _ => ip(a, 0)?.map(ip_string).ok_or("invalid host")?,
        };
        let port = match a.get(1) {
            Some(Data::Num(_)) => int(a, 1)?.to_string(),
            _ => str(a, 1)?.to_owned(),
        };
        Ok(Data::str(&if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        }))
    });
    r.add_validator(P, "FQDN", 1, |a| {
        let s = str(a, 0)?;
        let s = s.strip_suffix('.').unwrap_or(s);
        let ok = !s.is_empty()
            && s.len() <= 253
            && s.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            });
        Ok(Data::Bool(ok))
    });
    r.add_const(P, "IPv4len", || Data::Num(Num::int(4)));
    r.add_const(P, "IPv6len", || Data::Num(Num::int(16)));
    r.add(P, "ParseIP", 1, |a| {
        let s = str(a, 0)?;
        let ip: IpAddr = s.parse().map_err(|_| format!("invalid IP address {s:?}"))?;
        // Go's ParseIP returns the 16-byte form.
        Ok(bytes_data(&to16(ip)))
    });
    r.add_validator(P, "IPv4", 1, |a| check(a, |ip| to4(ip).is_some()));
    r.add_validator(P, "IPv6", 1, |a| check(a, |ip| matches!(ip, IpAddr::V6(_))));
    r.add_validator(P, "IP", 1, |a| check(a, |_| true));
    r.add_validator(P, "IPCIDR", 1, |a| {
        let s = str(a, 0)?;
        if parse_cidr(s).is_some() {
            Ok(Data::Bool(true))
        } else {
            Err(format!("invalid CIDR address: {s}"))
        }
    });
    r.add_validator(P, "LoopbackIP", 1, |a| {
        check(a, |ip| {
            to4(ip).map_or(ip.is_loopback(), |v| v.is_loopback())
        })
    });
    r.add_validator(P, "MulticastIP", 1, |a| {
        check(a, |ip| {
            to4(ip).map_or(ip.is_multicast(), |v| v.is_multicast())
        })
    });
    r.add_validator(P, "InterfaceLocalMulticastIP", 1, |a| {
        check(a, |ip| {
            to4(ip).is_none() && to16(ip)[0] == 0xff && to16(ip)[1] & 0x0f == 0x01
        })
    });
    r.add_validator(P, "LinkLocalMulticastIP", 1, |a| {
        check(a, |ip| match to4(ip) {
            Some(v) => v.octets()[..3] == [224, 0, 0],
            None => to16(ip)[0] == 0xff && to16(ip)[1] & 0x0f == 0x02,
        })
    });
    r.add_validator(P, "LinkLocalUnicastIP", 1, |a| {
        check(a, |ip| match to4(ip) {
            Some(v) => v.octets()[..2] == [169, 254],
            None => to16(ip)[0] == 0xfe && to16(ip)[1] & 0xc0 == 0x80,
        })
    });
    r.add_validator(P, "GlobalUnicastIP", 1, |a| {
        check(a, |ip| match to4(ip) {
            Some(v) => {
                !(v.is_broadcast() || v.is_unspecified() || v.is_loopback() || v.is_multicast())
                    && v.octets()[..2] != [169, 254]
            }
            None => {
                let b = to16(ip);
                !(ip.is_unspecified()
                    || ip.is_loopback()
                    || b[0] == 0xff
                    || (b[0] == 0xfe && b[1] & 0xc0 == 0x80))
            }
        })
    });
    r.add_validator(P, "UnspecifiedIP", 1, |a| {
        check(a, |ip| {
            to4(ip).map_or(ip.is_unspecified(), |v| v.is_unspecified())
        })
    });
    r.add(P, "ToIP4", 1, |a| {
        let ip = ip(a, 0)?.ok_or("invalid IP")?;
        to4(ip)
            .map(|v| bytes_data(&v.octets()))
            .ok_or_else(|| "cannot convert to IPv4".into())
    });
    r.add(P, "ToIP16", 1, |a| {
        let ip = ip(a, 0)?.ok_or("invalid IP")?;
        Ok(bytes_data(&to16(ip)))
    });
    r.add(P, "IPString", 1, |a| {
        let ip = ip(a, 0)?.ok_or("invalid IP")?;
        Ok(Data::str(&ip_string(ip)))
    });
    r.add(P, "PathEscape", 1, |a| {
        Ok(Data::str(&escape(str(a, 0)?, true)))
    });
    r.add(P, "PathUnescape", 1, |a| {
        unescape(str(a, 0)?, false).map(|s| Data::str(&s))
    });
    r.add(P, "QueryEscape", 1, |a| {
        Ok(Data::str(&escape(str(a, 0)?, false)))
    });
    r.add(P, "QueryUnescape", 1, |a| {
        unescape(str(a, 0)?, true).map(|s| Data::str(&s))
    });
}
