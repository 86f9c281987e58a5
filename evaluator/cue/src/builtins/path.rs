//! `path`: slash-separated paths as Go's `path/filepath` handles them for a given OS. The
//! trailing `os` argument is optional (`"unix"` by default; `"windows"` for
//! `VolumeName`); `"unix"` and `"plan9"` use `/`, `"windows"` uses `\` (and accepts `/`)
//! with drive-letter and UNC volume names. The constants `path.Unix`, `path.Windows` and
//! `path.Plan9` are those strings.

use crate::data::Data;

use super::args::{str, strings};
use super::{BuiltinResult, Registry};

const P: &str = "path";

#[derive(Clone, Copy, PartialEq)]
enum Os {
    Unix,
    Windows,
}

fn os_arg(a: &[Data], i: usize, default: Option<Os>) -> Result<Os, String> {
    match a.get(i) {
        None => default.ok_or_else(|| format!("missing argument {} (os)", i + 1)),
        Some(Data::Str(s)) => match &**s {
            "unix" | "plan9" | "aix" | "android" | "darwin" | "dragonfly" | "freebsd" | "hurd"
            | "illumos" | "ios" | "js" | "linux" | "nacl" | "netbsd" | "openbsd" | "solaris"
            | "zos" => Ok(Os::Unix),
            "windows" => Ok(Os::Windows),
            other => Err(format!("unsupported OS {other:?}")),
        },
        Some(other) => Err(format!(
            "cannot use {} (type {}) as string in argument {}",
            super::args::describe(other),
            other.kind_name(),
            i + 1
        )),
    }
}

impl Os {
    fn sep(self) -> char {
        match self {
            Os::Unix => '/',
            Os::Windows => '\\',
        }
    }

    fn is_sep(self, c: char) -> bool {
        match self {
            Os::Unix => c == '/',
            Os::Windows => c == '/' || c == '\\',
        }
    }

    /// Length of the leading volume name (`C:`, `\\host\share`).
    fn volume_len(self, p: &str) -> usize {
        if self == Os::Unix {
            return 0;
        }
        let b = p.as_bytes();
        if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
            return 2;
        }
        // UNC: \\host\share
        if b.len() >= 5
            && self.is_sep(b[0] as char)
            && self.is_sep(b[1] as char)
            && !self.is_sep(b[2] as char)
            && b[2] != b'.'
        {
            let mut n = 3;
            while n < b.len() && !self.is_sep(b[n] as char) {
                n += 1;
            }
            if n < b.len() {
                n += 1;
                let start = n;
                while n < b.len() && !self.is_sep(b[n] as char) {
                    n += 1;
                }
                if n > start {
                    return n;
                }
            }
        }
        0
    }

    fn is_abs(self, p: &str) -> bool {
        match self {
            Os::Unix => p.starts_with('/'),
            Os::Windows => {
                let v = self.volume_len(p);
                if v == 0 {
                    return false;
                }
                if v > 2 {
                    return true; // UNC
                }
                p[v..].starts_with(['/', '\\'])
            }
        }
    }

    /// Go's `Clean`.
    fn clean(self, path: &str) -> String {
        let vol_len = self.volume_len(path);
        let vol = &path[..vol_len];
        let p = &path[vol_len..];
        if p.is_empty() {
            if vol_len > 1 && self == Os::Windows && !vol.ends_with(':') {
                return self.from_slash(vol);
            }
            return format!("{vol}.");
        }
        let rooted = self.is_sep(p.chars().next().unwrap_or(' '));
        let mut parts: Vec<&str> = Vec::new();
        for elem in p.split(|c| self.is_sep(c)) {
            match elem {
                "" | "." => {}
                ".." => {
                    if parts.last().is_some_and(|l| *l != "..") {
                        parts.pop();
                    } else if !rooted {
                        parts.push("..");
                    }
                }
                e => parts.push(e),
            }
        }
        let sep = self.sep().to_string();
        let mut out = String::from(vol);
        if rooted {
            out.push(self.sep());
        }
        out.push_str(&parts.join(&sep));
        if out.len() == vol.len() {
            out.push('.');
        }
        if self == Os::Windows {
            out = out.replace('/', "\\");
        }
        out
    }

    fn from_slash(self, p: &str) -> String {
        match self {
            Os::Unix => p.to_owned(),
            Os::Windows => p.replace('/', "\\"),
        }
    }

    fn to_slash(self, p: &str) -> String {
        match self {
            Os::Unix => p.to_owned(),
            Os::Windows => p.replace('\\', "/"),
        }
    }

    fn split(self, p: &str) -> (String, String) {
        let vol = self.volume_len(p);
        let mut i = p.len();
        while i > vol && !self.is_sep(p[..i].chars().last().unwrap_or(' ')) {
            i -= p[..i].chars().last().map_or(1, char::len_utf8);
        }
        (p[..i].to_owned(), p[i..].to_owned())
    }

    fn join(self, elems: &[&str]) -> String {
        match elems.iter().position(|e| !e.is_empty()) {
            None => String::new(),
            Some(i) => self.clean(&elems[i..].join(&self.sep().to_string())),
        }
    }

    fn ext(self, p: &str) -> String {
        for (i, c) in p.char_indices().rev() {
            if self.is_sep(c) {
                break;
            }
            if c == '.' {
                return p[i..].to_owned();
            }
        }
        String::new()
    }

    fn base(self, p: &str) -> String {
        if p.is_empty() {
            return ".".into();
        }
        let mut p = p;
        while p.len() > 0 && self.is_sep(p.chars().last().unwrap_or(' ')) {
            p = &p[..p.len() - 1];
        }
        let p = &p[self.volume_len(p)..];
        let start = p
            .char_indices()
            .rev()
            .find(|&(_, c)| self.is_sep(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let p = &p[start..];
        if p.is_empty() {
            return self.sep().to_string();
        }
        p.to_owned()
    }

    fn dir(self, p: &str) -> String {
        let vol_len = self.volume_len(p);
        let vol = &p[..vol_len];
        let mut i = p.len();
        while i > vol_len && !self.is_sep(p[..i].chars().last().unwrap_or(' ')) {
            i -= p[..i].chars().last().map_or(1, char::len_utf8);
        }
        let dir = self.clean(&p[vol_len..i]);
        if dir == "." && vol_len > 2 {
            return vol.to_owned();
        }
        format!("{vol}{dir}")
    }

    /// Go's `filepath.Rel`.
    fn rel(self, base: &str, targ: &str) -> Result<String, String> {
        let base_vol = &base[..self.volume_len(base)];
        let targ_vol = &targ[..self.volume_len(targ)];
        let b = self.clean(base);
        let t = self.clean(targ);
        if t == b {
            return Ok(".".into());
        }
        let b = &b[base_vol.len()..];
        let t = &t[targ_vol.len()..];
        let b = if b == "." { "" } else { b };
        let t = if t == "." { "" } else { t };
        let sep = self.sep();
        let base_slashed = !b.is_empty() && b.starts_with(sep);
        let targ_slashed = !t.is_empty() && t.starts_with(sep);
        let err = || format!("Rel: can't make {targ} relative to {base}");
        if base_slashed != targ_slashed || base_vol != targ_vol {
            return Err(err());
        }
        let (bl, tl) = (b.len(), t.len());
        let (bb, tb) = (b.as_bytes(), t.as_bytes());
        let (mut b0, mut bi, mut t0, mut ti) = (0, 0, 0, 0);
        loop {
            while bi < bl && bb[bi] as char != sep {
                bi += 1;
            }
            while ti < tl && tb[ti] as char != sep {
                ti += 1;
            }
            if t[t0..ti] != b[b0..bi] {
                break;
            }
            if bi < bl {
                bi += 1;
            }
            if ti < tl {
                ti += 1;
            }
            b0 = bi;
            t0 = ti;
            if b0 >= bl && t0 >= tl {
                break;
            }
            if b0 >= bl || t0 >= tl {
                break;
            }
        }
        if &b[b0..bi] == ".." {
            return Err(err());
        }
        if b0 != bl {
            let seps = b[b0..].matches(sep).count();
            let mut out = String::from("..");
            for _ in 0..seps {
                out.push(sep);
                out.push_str("..");
            }
            if t0 != tl {
                out.push(sep);
                out.push_str(&t[t0..]);
            }
            return Ok(out);
        }
        Ok(t[t0..].to_owned())
    }
}

/// Go's `filepath.Match`.
fn glob_match(pattern: &str, name: &str, os: Os) -> Result<bool, String> {
    const BAD: &str = "syntax error in pattern";
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Check the whole pattern's syntax, as Go reports errors even after a mismatch.
    fn class_end(p: &[char], mut i: usize, os: Os) -> Result<usize, &'static str> {
        // p[i] is just after '['.
        if i < p.len() && p[i] == '^' {
            i += 1;
        }
        let mut first = true;
        loop {
            if i >= p.len() {
                return Err(BAD);
            }
            if p[i] == ']' && !first {
                return Ok(i + 1);
            }
            first = false;
            if p[i] == '\\' && os == Os::Unix {
                i += 1;
                if i >= p.len() {
                    return Err(BAD);
                }
            }
            i += 1;
            if i < p.len() && p[i] == '-' {
                i += 1;
                if i >= p.len() || p[i] == ']' {
                    return Err(BAD);
                }
                if p[i] == '\\' && os == Os::Unix {
                    i += 1;
                    if i >= p.len() {
                        return Err(BAD);
                    }
                }
                i += 1;
            }
        }
    }
    fn class_match(p: &[char], start: usize, end: usize, c: char, os: Os) -> bool {
        let mut i = start;
        let negated = p.get(i) == Some(&'^');
        if negated {
            i += 1;
        }
        let mut matched = false;
        // `end` is just past the class's closing `]` (found by `class_end`).
        while i < end - 1 {
            let mut lo = p[i];
            if lo == '\\' && os == Os::Unix {
                i += 1;
                lo = p[i];
            }
            i += 1;
            let mut hi = lo;
            if i < end - 1 && p[i] == '-' {
                i += 1;
                hi = p[i];
                if hi == '\\' && os == Os::Unix {
                    i += 1;
                    hi = p[i];
                }
                i += 1;
            }
            if lo <= c && c <= hi {
                matched = true;
            }
        }
        matched != negated
    }
    // Validate.
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '[' => i = class_end(&p, i + 1, os)?,
            '\\' if os == Os::Unix => {
                if i + 1 >= p.len() {
                    return Err(BAD.into());
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    // Match with backtracking over '*' (which does not cross separators).
    fn rec(p: &[char], n: &[char], os: Os, budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let (mut pi, mut ni) = (0, 0);
        while pi < p.len() {
            match p[pi] {
                '*' => {
                    while pi < p.len() && p[pi] == '*' {
                        pi += 1;
                    }
                    let rest = &p[pi..];
                    let mut k = ni;
                    loop {
                        if rec(rest, &n[k..], os, budget) {
                            return true;
                        }
                        if k >= n.len() || os.is_sep(n[k]) {
                            return false;
                        }
                        k += 1;
                    }
                }
                '?' => {
                    if ni >= n.len() || os.is_sep(n[ni]) {
                        return false;
                    }
                    pi += 1;
                    ni += 1;
                }
                '[' => {
                    let end = class_end(p, pi + 1, os).unwrap_or(p.len());
                    if ni >= n.len() || os.is_sep(n[ni]) {
                        return false;
                    }
                    if !class_match(p, pi + 1, end, n[ni], os) {
                        return false;
                    }
                    pi = end;
                    ni += 1;
                }
                '\\' if os == Os::Unix => {
                    if ni >= n.len() || n[ni] != p[pi + 1] {
                        return false;
                    }
                    pi += 2;
                    ni += 1;
                }
                c => {
                    if ni >= n.len() || n[ni] != c {
                        return false;
                    }
                    pi += 1;
                    ni += 1;
                }
            }
        }
        ni == n.len()
    }
    let mut budget = 1_000_000;
    Ok(rec(&p, &n, os, &mut budget))
}

fn s(v: String) -> BuiltinResult {
    Ok(Data::str(&v))
}

pub fn register(r: &mut Registry) {
    r.add_const(P, "Unix", || Data::str("unix"));
    r.add_const(P, "Windows", || Data::str("windows"));
    r.add_const(P, "Plan9", || Data::str("plan9"));
    r.add_variadic(P, "Split", 1, |a| {
        let (d, f) = os_arg(a, 1, Some(Os::Unix))?.split(str(a, 0)?);
        Ok(Data::List(vec![Data::str(&d), Data::str(&f)]))
    });
    r.add(P, "SplitList", 2, |a| {
        let (p, os) = (str(a, 0)?, os_arg(a, 1, None)?);
        if p.is_empty() {
            return Ok(Data::List(vec![]));
        }
        let sep = if os == Os::Windows { ';' } else { ':' };
        Ok(Data::List(p.split(sep).map(Data::str).collect()))
    });
    r.add_variadic(P, "Join", 1, |a| {
        let elems = strings(a, 0)?;
        let elems: Vec<&str> = elems.iter().map(|e| &**e).collect();
        s(os_arg(a, 1, Some(Os::Unix))?.join(&elems))
    });
    r.add_variadic(P, "Match", 2, |a| {
        let os = os_arg(a, 2, Some(Os::Unix))?;
        glob_match(str(a, 0)?, str(a, 1)?, os).map(Data::Bool)
    });
    r.add_variadic(P, "Clean", 1, |a| {
        s(os_arg(a, 1, Some(Os::Unix))?.clean(str(a, 0)?))
    });
    r.add(P, "ToSlash", 2, |a| {
        s(os_arg(a, 1, None)?.to_slash(str(a, 0)?))
    });
    r.add(P, "FromSlash", 2, |a| {
        s(os_arg(a, 1, None)?.from_slash(str(a, 0)?))
    });
    r.add_variadic(P, "Ext", 1, |a| {
        s(os_arg(a, 1, Some(Os::Unix))?.ext(str(a, 0)?))
    });
    r.add_variadic(P, "Resolve", 2, |a| {
        let os = os_arg(a, 2, Some(Os::Unix))?;
        let (dir, sub) = (str(a, 0)?, str(a, 1)?);
        if os.is_abs(sub) {
            return s(os.clean(sub));
        }
        s(os.join(&[dir, sub]))
    });
    r.add_variadic(P, "Rel", 2, |a| {
        let os = os_arg(a, 2, Some(Os::Unix))?;
        os.rel(str(a, 0)?, str(a, 1)?).map(|r| Data::str(&r))
    });
    r.add_variadic(P, "Base", 1, |a| {
        s(os_arg(a, 1, Some(Os::Unix))?.base(str(a, 0)?))
    });
    r.add_variadic(P, "Dir", 1, |a| {
        s(os_arg(a, 1, Some(Os::Unix))?.dir(str(a, 0)?))
    });
    r.add_variadic(P, "IsAbs", 1, |a| {
        Ok(Data::Bool(os_arg(a, 1, Some(Os::Unix))?.is_abs(str(a, 0)?)))
    });
    r.add_variadic(P, "VolumeName", 1, |a| {
        let p = str(a, 0)?;
        let os = os_arg(a, 1, Some(Os::Windows))?;
        s(p[..os.volume_len(p)].to_owned())
    });
}
