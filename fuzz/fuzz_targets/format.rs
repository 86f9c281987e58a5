//! The formatter on any valid input: format(x) parses without errors and
//! format(format(x)) == format(x). Built only with `--features format` (the formatter is
//! written on another branch; `scripts/fuzz-run format` enables it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parse = xdef_syntax::parse(text);
    if !parse.errors().is_empty() {
        return;
    }
    let Ok(once) = xdef_syntax::format::format(&parse) else {
        return;
    };
    let reparsed = xdef_syntax::parse(once.as_str());
    let errors = reparsed.errors();
    assert!(
        errors.is_empty(),
        "formatting introduced syntax errors: {errors:?}\n{once}"
    );
    let twice = xdef_syntax::format::format(&reparsed).expect("formatting formatted output");
    assert_eq!(once, twice, "format is not idempotent");
});
