//! Dumps the top-level declarations of a compiled file (debugging aid).
//! `cargo run -p xdef-cue --example dump_ir -- FILE.cue`
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump_ir FILE.cue");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let program = xdef_cue::compile::compile(
        vec![xdef_cue::SourceFile {
            name: path,
            parse: xdef_syntax::parse(text),
        }],
        &xdef_cue::NoPackages,
    );
    for d in &program.diagnostics {
        println!("diagnostic: {}", d.text());
    }
    for root in &program.main_package().roots {
        if let xdef_cue::ir::ExprKind::Struct(lit) = &program.expr(*root).kind {
            for decl in &lit.decls {
                let what = match decl {
                    xdef_cue::ir::Decl::Field(f) => {
                        format!("field {}", program.interner.name(f.label))
                    }
                    xdef_cue::ir::Decl::Let { label, .. } => {
                        format!("let {}", program.interner.name(*label))
                    }
                    xdef_cue::ir::Decl::Dynamic { .. } => "dynamic field".to_owned(),
                    xdef_cue::ir::Decl::Pattern { .. } => "pattern".to_owned(),
                    xdef_cue::ir::Decl::Embed(_) => "embedding".to_owned(),
                    xdef_cue::ir::Decl::Comprehension(_) => "comprehension".to_owned(),
                    xdef_cue::ir::Decl::Ellipsis(..) => "ellipsis".to_owned(),
                };
                println!("{what}");
            }
        }
    }
}
