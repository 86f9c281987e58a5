//! The shipped `vela/*` package schemas: they parse, compile, and definitions that use
//! them evaluate.

use std::rc::Rc;

use xdef_cue::eval::{ErrorKind, EvalError};
use xdef_cue::export::{ExportOptions, export_data};
use xdef_cue::{Evaluation, SourceFile, encode};
use xdef_vela::packages::{PackageSet, VelaPackages, available, members, sources};

const SETS: [PackageSet; 2] = [PackageSet::Workload, PackageSet::Workflow];

#[test]
fn every_file_parses_and_compiles() {
    for set in SETS {
        for path in available(set) {
            let files = sources(set, path);
            assert!(!files.is_empty());
            for (name, text) in &files {
                let parse = xdef_syntax::parse(text.to_string());
                let errors: Vec<String> = parse.errors().iter().map(|e| e.message.clone()).collect();
                assert!(errors.is_empty(), "{set:?} {path} {name}: syntax errors {errors:?}");
            }
            let files: Vec<SourceFile> = files
                .iter()
                .map(|(name, text)| SourceFile {
                    name: format!("<{path}>/{name}"),
                    parse: xdef_syntax::parse(text.to_string()),
                })
                .collect();
            let program = xdef_cue::compile::compile(files, &VelaPackages { set });
            let diags: Vec<String> = program.diagnostics.iter().map(|d| d.text()).collect();
            assert!(diags.is_empty(), "{set:?} {path}: compile diagnostics {diags:?}");
        }
    }
}

/// Evaluates `text` (one file) with `set`'s packages.
fn evaluation(set: PackageSet, text: &str) -> Evaluation {
    Evaluation::from_sources(
        vec![("def.cue".to_owned(), text.to_owned())],
        &VelaPackages { set },
        Default::default(),
    )
}

/// Exports field `path` of the root: the JSON, or the errors as `kind: path: message`.
fn export_field(e: &mut Evaluation, path: &str) -> Result<String, Vec<(ErrorKind, String)>> {
    let v = e.lookup(path).unwrap_or_else(|| panic!("no field {path}"));
    match export_data(&mut e.evaluator, v, &ExportOptions::default()) {
        Ok(data) => Ok(encode::to_json(&data, None)),
        Err(errors) => Err(errors.iter().map(|err: &Rc<EvalError>| (err.kind, e.diagnostic(err).text())).collect()),
    }
}

fn only_incomplete(errors: &[(ErrorKind, String)]) -> bool {
    errors.iter().all(|(k, _)| *k == ErrorKind::Incomplete)
}

/// An import alias for a package path (`vela/op` -> `p_op`).
fn alias(path: &str) -> String {
    format!("p_{}", path.trim_start_matches("vela/").replace('/', "_"))
}

/// Every member of every package, taken on its own as a regular field, evaluates without
/// errors other than incomplete values (`NoExist` is bottom by design).
#[test]
fn every_member_evaluates() {
    let mut failures = Vec::new();
    for set in SETS {
        let mut text = String::from("import (\n");
        for path in available(set) {
            text += &format!("\t{} \"{path}\"\n", alias(path));
        }
        text += ")\n";
        let mut fields = Vec::new();
        for path in available(set) {
            for m in members(set, path) {
                let field = format!("{}_{}", alias(path), m.trim_start_matches('#'));
                text += &format!("{field}: {}.{m}\n", alias(path));
                fields.push((path, m, field));
            }
        }
        let mut e = evaluation(set, &text);
        let diags: Vec<String> = e.compile_diagnostics().iter().map(|d| d.text()).collect();
        assert!(diags.is_empty(), "{set:?}: {diags:?}");
        for (path, m, field) in fields {
            let result = export_field(&mut e, &field);
            if m == "NoExist" {
                assert!(result.is_err(), "op.NoExist must be bottom");
                continue;
            }
            if let Err(errors) = &result {
                if !only_incomplete(errors) {
                    failures.push(format!("{set:?} {path} {m}: {errors:#?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
