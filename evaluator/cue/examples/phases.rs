//! Prints the time each phase takes for a file: parse, syntax errors, compile, evaluate
//! and export. `cargo run --release -p xdef-cue --example phases -- FILE.cue`
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: phases FILE.cue");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let t = Instant::now();
    let parse = xdef_syntax::parse(text);
    let t_parse = t.elapsed();
    let t = Instant::now();
    let errors = parse.errors();
    let t_errors = t.elapsed();
    let t = Instant::now();
    let program = xdef_cue::compile::compile(
        vec![xdef_cue::SourceFile {
            name: path.clone(),
            parse,
        }],
        &xdef_cue::NoPackages,
    );
    let t_compile = t.elapsed();
    let t = Instant::now();
    let mut e = xdef_cue::Evaluation {
        evaluator: xdef_cue::Evaluator::new(std::rc::Rc::new(program), Default::default()),
    };
    let root = e.root();
    e.evaluator.finalize_deep(root);
    let t_eval = t.elapsed();
    let t = Instant::now();
    let result = e.export(root);
    let t_export = t.elapsed();
    println!(
        "parse {t_parse:?}  syntax-errors {t_errors:?} ({})  compile {t_compile:?}  evaluate {t_eval:?}  export {t_export:?} ({})  steps {}",
        errors.len(),
        if result.is_ok() { "ok" } else { "errors" },
        e.evaluator.steps()
    );
}
