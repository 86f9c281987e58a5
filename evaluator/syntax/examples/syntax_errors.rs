//! Prints the syntax errors of the given files as `file:line:col: message`.
//! `cargo run -p xdef-syntax --example syntax_errors -- FILE...`
fn main() {
    let mut failed = 0;
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (text, mut errors) = xdef_syntax::decode_source(&bytes);
        let parse = xdef_syntax::parse(text);
        errors.extend(parse.errors());
        if !errors.is_empty() {
            failed += 1;
        }
        for e in errors {
            println!(
                "{path}:{}: {}",
                parse.line_index().line_col(parse.text(), e.range.start),
                e.message
            );
        }
    }
    eprintln!("{failed} file(s) with syntax errors");
}
