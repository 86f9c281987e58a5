//! Runs the concrete `@test(eq, …)` and `@test(err, …)` assertions of CUE's own test suite
//! (`cue/testdata/**/*.txtar` in a local checkout of cue-lang/cue) against xdef's evaluator
//! and prints the pass rate per directory.
//!
//! `cargo run --release -p xdef-cue --example conformance -- PATH/TO/cue/cue/testdata [-v]`
//!
//! An `eq` assertion counts when its expected value is concrete (it exports as data): the
//! field must export to equal data. An `err` assertion passes when the field is an error
//! (or fails to export). `todo`, `skip`, `:todo` variants and assertions on paths we cannot
//! name (patterns, dynamic labels) are not counted. The test files are read from the
//! checkout and never copied into this repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use xdef_cue::{Budget, Data, Evaluation, NoPackages, SourceFile};
use xdef_syntax::ast::{self, Decl, FieldValue, LabelName};

struct Assertion {
    /// Field path from the root; empty for a file-level assertion.
    path: Vec<String>,
    directive: String,
    argument: String,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(
        args.next()
            .expect("usage: conformance PATH/TO/cue/testdata [-v]"),
    );
    let verbose = args.next().as_deref() == Some("-v");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut per_dir: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut archives_with_assertions = 0;
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap_or(file);
        let dir = rel
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let dir = if dir.is_empty() { ".".to_owned() } else { dir };
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let sections = txtar_sections(&text);
        // Only archives whose inputs are plain files of one directory (no modules).
        if sections
            .iter()
            .any(|(name, _)| name.starts_with("cue.mod/"))
        {
            continue;
        }
        let cue_files: Vec<(String, String)> = sections
            .into_iter()
            .filter(|(name, _)| name.ends_with(".cue") && !name.contains('/'))
            .collect();
        let mut assertions = Vec::new();
        for (_, source) in &cue_files {
            let parse = xdef_syntax::parse(source.clone());
            collect_assertions(&parse, &mut assertions);
        }
        let counted: Vec<&Assertion> = assertions.iter().filter(|a| counts(a)).collect();
        if counted.is_empty() {
            continue;
        }
        archives_with_assertions += 1;
        if std::env::var_os("XDEF_TRACE").is_some() {
            eprintln!("{}", rel.display());
        }
        let outcome = std::panic::catch_unwind(|| run_archive(&cue_files, &counted));
        let entry = per_dir.entry(dir).or_default();
        match outcome {
            Ok(results) => {
                for (assertion, result) in counted.iter().zip(results) {
                    match result {
                        Some(true) => {
                            entry.0 += 1;
                            entry.1 += 1;
                        }
                        Some(false) => {
                            entry.1 += 1;
                            if verbose {
                                println!(
                                    "FAIL {} {} {} {}",
                                    rel.display(),
                                    assertion.path.join("."),
                                    assertion.directive,
                                    assertion.argument.chars().take(80).collect::<String>()
                                );
                            }
                        }
                        None => {}
                    }
                }
            }
            Err(_) => {
                entry.1 += counted.len();
                if verbose {
                    println!("PANIC {}", rel.display());
                }
            }
        }
    }
    let (pass, total) = per_dir
        .values()
        .fold((0, 0), |(p, t), (a, b)| (p + a, t + b));
    println!(
        "CUE conformance ({} archives with concrete assertions): {pass} / {total} passed ({:.1}%)",
        archives_with_assertions,
        100.0 * pass as f64 / total.max(1) as f64
    );
    for (dir, (p, t)) in &per_dir {
        println!(
            "  {dir:<28} {p:>5} / {t:<5} {:>5.1}%",
            100.0 * *p as f64 / (*t).max(1) as f64
        );
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "txtar") {
            out.push(path);
        }
    }
}

/// The sections of a txtar archive: `-- name --` lines start each one.
fn txtar_sections(text: &str) -> Vec<(String, String)> {
    let mut sections = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if let Some(name) = trimmed
            .strip_prefix("-- ")
            .and_then(|l| l.strip_suffix(" --"))
        {
            if let Some(section) = current.take() {
                sections.push(section);
            }
            current = Some((name.to_owned(), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    sections.extend(current);
    sections
}

/// Whether an assertion is one we count: `eq` with a concrete value, or `err`.
fn counts(a: &Assertion) -> bool {
    match a.directive.as_str() {
        "eq" => !a.argument.contains('$'),
        "err" => true,
        _ => false,
    }
}

fn collect_assertions(parse: &xdef_syntax::Parse, out: &mut Vec<Assertion>) {
    let root = parse.root();
    for decl in root.decls() {
        if let Decl::Attribute(attr) = decl {
            push_attribute(attr, Vec::new(), out);
        }
    }
    let decls: Vec<Decl<'_>> = root.decls().collect();
    walk_fields(&decls, Vec::new(), out);
}

fn walk_fields(decls: &[Decl<'_>], path: Vec<String>, out: &mut Vec<Assertion>) {
    for decl in decls {
        let Decl::Field(field) = decl else { continue };
        walk_field(*field, path.clone(), out);
    }
}

fn walk_field(field: ast::Field<'_>, mut path: Vec<String>, out: &mut Vec<Assertion>) {
    let Some(label) = field.label() else { return };
    let name = match label.name() {
        Some(LabelName::Ident(i)) => i.name().to_owned(),
        Some(LabelName::String(s)) => {
            let (decoded, _) = xdef_syntax::literal::decode_string(s);
            match decoded.constant() {
                Some(b) => String::from_utf8_lossy(&b).into_owned(),
                None => return,
            }
        }
        _ => return,
    };
    path.push(name);
    for attr in field.attributes() {
        push_attribute(attr, path.clone(), out);
    }
    match field.value() {
        Some(FieldValue::Field(inner)) => walk_field(inner, path, out),
        Some(FieldValue::Expr(ast::Expr::Struct(s))) => {
            let decls: Vec<Decl<'_>> = s.decls().collect();
            walk_fields(&decls, path, out);
        }
        _ => {}
    }
}

fn push_attribute(attr: ast::Attribute<'_>, path: Vec<String>, out: &mut Vec<Assertion>) {
    if attr.name() != "test" {
        return;
    }
    let body = attr.body().trim();
    let (directive, argument) = match body.split_once(',') {
        Some((d, rest)) => (d.trim().to_owned(), rest.trim().to_owned()),
        None => (body.to_owned(), String::new()),
    };
    out.push(Assertion {
        path,
        directive,
        argument,
    });
}

/// Evaluates the archive once and checks each assertion: Some(pass) or None (not counted).
fn run_archive(files: &[(String, String)], assertions: &[&Assertion]) -> Vec<Option<bool>> {
    let budget = Budget {
        max_steps: 2_000_000,
        max_depth: 200,
        max_vertices: 500_000,
    };
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(n, t)| SourceFile {
            name: n.clone(),
            parse: xdef_syntax::parse(t.clone()),
        })
        .collect();
    let mut evaluation = Evaluation::from_files(sources, &NoPackages, budget);
    let compile_errors = !evaluation.compile_diagnostics().is_empty();
    let mut results = Vec::new();
    for a in assertions {
        let vertex = evaluation.lookup(&a.path.join("."));
        let result = match a.directive.as_str() {
            "err" => Some(match vertex {
                None => compile_errors,
                Some(v) => {
                    evaluation.evaluator.finalize_deep(v);
                    matches!(evaluation.evaluator.value(v), xdef_cue::Value::Bottom(_))
                        || export(&mut evaluation, v).is_err()
                }
            }),
            "eq" => match expected_data(&a.argument) {
                None => None,
                Some(want) => Some(match vertex {
                    None => false,
                    Some(v) => match export(&mut evaluation, v) {
                        Ok(got) => strip_hidden(&want) == got,
                        Err(_) => false,
                    },
                }),
            },
            _ => None,
        };
        results.push(result);
    }
    results
}

/// Exports one field (compile errors elsewhere in the archive do not count against it).
fn export(evaluation: &mut Evaluation, v: xdef_cue::VId) -> Result<Data, ()> {
    xdef_cue::export::export_data(&mut evaluation.evaluator, v, &Default::default()).map_err(|_| ())
}

/// The expected value as data, when it is concrete.
fn expected_data(argument: &str) -> Option<Data> {
    if argument.trim().is_empty() {
        return None;
    }
    let text = format!("_x: ({argument})\n");
    let mut e = Evaluation::from_sources(
        vec![("expected.cue".into(), text)],
        &NoPackages,
        Budget {
            max_steps: 200_000,
            max_depth: 100,
            max_vertices: 100_000,
        },
    );
    if !e.compile_diagnostics().is_empty() {
        return None;
    }
    let v = e.lookup("_x")?;
    e.export(v).ok()
}

/// Expected values may list hidden fields and definitions; exports never contain them.
fn strip_hidden(d: &Data) -> Data {
    match d {
        Data::Struct(fields) => Data::Struct(
            fields
                .iter()
                .filter(|(k, _)| !k.starts_with('_') && !k.starts_with('#'))
                .map(|(k, v)| (k.clone(), strip_hidden(v)))
                .collect(),
        ),
        Data::List(items) => Data::List(items.iter().map(strip_hidden).collect()),
        other => other.clone(),
    }
}
