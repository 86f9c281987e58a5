//! Incremental re-parsing: the input is a file and an edit (range and inserted text); the
//! tree after `Parse::apply_edit` must equal a fresh parse of the edited text.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../evaluator/syntax/tests/support/ast_walk.rs"]
mod ast_walk;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (a, b) = (data[0] as usize, data[1] as usize);
    let insert_len = data[2] as usize % 16;
    let rest = &data[3..];
    let (text, _) = xdef_syntax::decode_source(rest);
    if text.is_empty() {
        return;
    }
    let start = floor(&text, a * text.len() / 256);
    let end = floor(&text, (start + b % 32).min(text.len()));
    let insert: String = text.chars().rev().take(insert_len).collect();
    let mut parse = xdef_syntax::parse(text.clone());
    parse.apply_edit(&xdef_syntax::TextEdit { range: start..end, insert: insert.clone() });
    let mut expected = text;
    expected.replace_range(start..end, &insert);
    assert_eq!(parse.text(), expected);
    let fresh = xdef_syntax::parse(expected);
    assert_eq!(parse.tree().root_node().to_sexp(), fresh.tree().root_node().to_sexp());
    let _ = parse.errors();
    ast_walk::walk(&parse);
});

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
