//! The hash packages `crypto/sha256`, `crypto/sha512`, `crypto/sha1` and `crypto/md5`:
//! each `Sum*` function takes a string or bytes and returns the digest as bytes, and the
//! size constants are Go's.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};

use crate::data::Data;
use crate::number::Num;

use super::args::bytes_or_str;
use super::{BuiltinResult, Registry};

/// The digest of the first argument under hash `D`, as bytes.
fn sum<D: Digest>(a: &[Data]) -> BuiltinResult {
    let data = bytes_or_str(a, 0)?;
    Ok(Data::Bytes(D::digest(&data).to_vec().into()))
}

pub fn register(r: &mut Registry) {
    const SHA256: &str = "crypto/sha256";
    r.add_const(SHA256, "Size", || Data::Num(Num::int(32)));
    r.add_const(SHA256, "Size224", || Data::Num(Num::int(28)));
    r.add_const(SHA256, "BlockSize", || Data::Num(Num::int(64)));
    r.add(SHA256, "Sum256", 1, sum::<Sha256>);
    r.add(SHA256, "Sum224", 1, sum::<Sha224>);

    const SHA512: &str = "crypto/sha512";
    r.add_const(SHA512, "Size", || Data::Num(Num::int(64)));
    r.add_const(SHA512, "Size224", || Data::Num(Num::int(28)));
    r.add_const(SHA512, "Size256", || Data::Num(Num::int(32)));
    r.add_const(SHA512, "Size384", || Data::Num(Num::int(48)));
    r.add_const(SHA512, "BlockSize", || Data::Num(Num::int(128)));
    r.add(SHA512, "Sum512", 1, sum::<Sha512>);
    r.add(SHA512, "Sum384", 1, sum::<Sha384>);
    r.add(SHA512, "Sum512_224", 1, sum::<Sha512_224>);
    r.add(SHA512, "Sum512_256", 1, sum::<Sha512_256>);

    const SHA1: &str = "crypto/sha1";
    r.add_const(SHA1, "Size", || Data::Num(Num::int(20)));
    r.add_const(SHA1, "BlockSize", || Data::Num(Num::int(64)));
    r.add(SHA1, "Sum", 1, sum::<Sha1>);

    const MD5: &str = "crypto/md5";
    r.add_const(MD5, "Size", || Data::Num(Num::int(16)));
    r.add_const(MD5, "BlockSize", || Data::Num(Num::int(64)));
    r.add(MD5, "Sum", 1, sum::<Md5>);
}

/// SHA-1 of the concatenation of `parts` (for name-based UUIDs).
pub(super) fn sha1(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// MD5 of the concatenation of `parts` (for name-based UUIDs).
pub(super) fn md5(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: BuiltinResult) -> String {
        match d.unwrap() {
            Data::Bytes(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
            other => panic!("not bytes: {other:?}"),
        }
    }

    #[test]
    fn digests_of_strings_and_bytes() {
        let s = [Data::str("abc")];
        let b = [Data::Bytes(b"abc".to_vec().into())];
        assert_eq!(
            hex(sum::<Sha256>(&s)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(sum::<Sha256>(&b)), hex(sum::<Sha256>(&s)));
        assert_eq!(
            hex(sum::<Sha224>(&s)),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
        );
        assert_eq!(
            hex(sum::<Sha1>(&s)),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(sum::<Md5>(&s)), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(sum::<Sha512_256>(&s)),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
        assert!(sum::<Sha256>(&[Data::Num(Num::int(1))]).is_err());
    }
}
