//! Compiled regular expressions for `=~`, `!~` and `regexp.*`, cached per thread. Patterns
//! use RE2 syntax, which the `regex` crate implements (no backreferences or lookaround, so
//! matching is linear-time even for hostile patterns). Patterns are first given Go's meaning
//! of the Perl classes (`\d \s \w \b` are ASCII-only in Go), see
//! [`crate::builtins::regexp::go_compat`].

use std::cell::RefCell;
use std::rc::Rc;

use regex::Regex;
use rustc_hash::FxHashMap;

thread_local! {
    static CACHE: RefCell<FxHashMap<Rc<str>, Result<Rc<Regex>, String>>> = RefCell::new(FxHashMap::default());
}

/// The compiled form of `pattern`, or the reason it is invalid.
pub fn compile(pattern: &str) -> Result<Rc<Regex>, String> {
    CACHE.with(|cache| {
        if let Some(hit) = cache.borrow().get(pattern) {
            return hit.clone();
        }
        let compiled = regex::RegexBuilder::new(&crate::builtins::regexp::go_compat(pattern))
            .size_limit(1 << 24)
            .build()
            .map(Rc::new)
            .map_err(|e| {
                format!(
                    "invalid regular expression {pattern:?}: {}",
                    first_line(&e.to_string())
                )
            });
        let mut cache = cache.borrow_mut();
        if cache.len() > 4096 {
            cache.clear();
        }
        cache.insert(Rc::from(pattern), compiled.clone());
        compiled
    })
}

pub fn is_match(pattern: &str, text: &str) -> Result<bool, String> {
    Ok(compile(pattern)?.is_match(text))
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_owned()
}
