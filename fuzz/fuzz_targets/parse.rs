//! Any bytes: decode as a CUE file, parse, collect the syntax errors, and walk every node
//! through the typed AST. Nothing may panic, overflow the stack or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../evaluator/syntax/tests/support/ast_walk.rs"]
mod ast_walk;

fuzz_target!(|data: &[u8]| {
    let (text, mut errors) = xdef_syntax::decode_source(data);
    let parse = xdef_syntax::parse(text);
    errors.extend(parse.errors());
    for e in &errors {
        // Every error has a real message and a range inside the text, on char boundaries.
        assert!(!e.message.is_empty());
        assert!(e.message != "syntax error");
        assert!(e.range.start <= e.range.end && e.range.end <= parse.text().len());
        assert!(parse.text().is_char_boundary(e.range.start));
        assert!(parse.text().is_char_boundary(e.range.end));
        let _ = parse.line_index().line_col(parse.text(), e.range.start);
    }
    if parse.tree().root_node().has_error() {
        // A tree with ERROR or MISSING nodes always yields at least one message.
        assert!(!errors.is_empty(), "error tree without a message");
    }
    ast_walk::walk(&parse);
});
