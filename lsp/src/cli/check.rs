//! `xdef check PATH... [--format text|json|sarif]`: every problem of each file with its
//! position. X-Definitions (files with a `template` field) get the full definition check;
//! other CUE files are parsed, compiled and evaluated. Exits 1 when an error was found.

use std::path::PathBuf;
use std::process::ExitCode;

use xdef_cue::eval::ErrorKind;
use xdef_cue::{Budget, Evaluation, NoPackages, SourceFile, Value};
use xdef_vela::check::{CheckOptions, check_definition};
use xdef_vela::{Diagnostic, Severity};

#[derive(clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "sarif"])]
    pub format: String,
    /// Files or directories (searched recursively for `*.cue`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// A diagnostic with its file and human position.
struct Located {
    file: String,
    line: u32,
    column: u32,
    diagnostic: Diagnostic,
}

pub fn run(args: Args) -> ExitCode {
    let files = match super::collect_cue_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let mut all: Vec<Located> = Vec::new();
    for path in &files {
        let source = match super::read_source(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        };
        let mut diagnostics: Vec<Diagnostic> = source
            .decode_errors
            .iter()
            .map(|e| Diagnostic::error(e.range.clone(), e.message.clone()))
            .collect();
        diagnostics.extend(check_file(&source.parse));
        let name = super::display_path(path);
        for d in diagnostics {
            let pos = source
                .parse
                .line_index()
                .line_col(source.parse.text(), d.range.start);
            all.push(Located {
                file: name.clone(),
                line: pos.line + 1,
                column: pos.col + 1,
                diagnostic: d,
            });
        }
    }
    let errors = all
        .iter()
        .filter(|l| l.diagnostic.severity == Severity::Error)
        .count();
    match args.format.as_str() {
        "json" => println!("{}", to_json(&all)),
        "sarif" => println!("{}", to_sarif(&all)),
        _ => {
            for l in &all {
                let severity = if l.diagnostic.severity == Severity::Warning {
                    "warning: "
                } else {
                    ""
                };
                eprintln!(
                    "{}:{}:{}: {severity}{}",
                    l.file, l.line, l.column, l.diagnostic.message
                );
            }
            if errors > 0 {
                eprintln!(
                    "{errors} error{} in {} file{}",
                    if errors == 1 { "" } else { "s" },
                    files.len(),
                    if files.len() == 1 { "" } else { "s" }
                );
            }
        }
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Diagnostics of one file: a definition check, or a plain CUE check.
pub fn check_file(parse: &xdef_syntax::Parse) -> Vec<Diagnostic> {
    if xdef_vela::definition::looks_like_definition(parse)
        || xdef_vela::definition::bare_template_kind(parse).is_some()
    {
        return check_definition(parse, &CheckOptions::default()).diagnostics;
    }
    let mut out: Vec<Diagnostic> = parse
        .errors()
        .into_iter()
        .map(|e| Diagnostic::error(e.range, e.message))
        .collect();
    if !out.is_empty() {
        return out;
    }
    let text = parse.text().to_owned();
    let mut evaluation = Evaluation::from_files(
        vec![SourceFile {
            name: "file.cue".into(),
            parse: xdef_syntax::parse(text),
        }],
        &NoPackages,
        Budget {
            max_steps: 2_000_000,
            ..Budget::default()
        },
    );
    for d in evaluation.compile_diagnostics() {
        let at = d.span.as_ref().map_or(0, |s| s.range.start);
        out.push(Diagnostic {
            severity: Severity::Error,
            range: at..at,
            message: d.text(),
            path: d.path.clone(),
        });
    }
    let root = evaluation.root();
    evaluation.evaluator.finalize_deep(root);
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > 200_000 {
            break;
        }
        let v = evaluation.evaluator.deref(v);
        if let Value::Bottom(e) = evaluation.evaluator.value(v).clone() {
            if matches!(
                e.kind,
                ErrorKind::Eval | ErrorKind::StructuralCycle | ErrorKind::Budget
            ) {
                let e = if e.vertex.is_none() {
                    std::rc::Rc::new(xdef_cue::EvalError {
                        vertex: Some(v),
                        ..(*e).clone()
                    })
                } else {
                    e
                };
                let d = evaluation.diagnostic(&e);
                let at = d.span.as_ref().map_or(0, |s| s.range.start);
                out.push(Diagnostic {
                    severity: Severity::Error,
                    range: at..at,
                    message: d.text(),
                    path: d.path,
                });
            }
            continue;
        }
        stack.extend(evaluation.evaluator.arcs(v).map(|(_, a)| a));
    }
    out.sort_by_key(|d| d.range.start);
    out
}

fn json_escape(s: &str) -> String {
    let mut out = String::new();
    xdef_cue::encode::json_string(&mut out, s);
    out
}

fn to_json(all: &[Located]) -> String {
    let items: Vec<String> = all
        .iter()
        .map(|l| {
            format!(
                "{{\"file\":{},\"line\":{},\"column\":{},\"severity\":\"{}\",\"message\":{},\"path\":{}}}",
                json_escape(&l.file),
                l.line,
                l.column,
                if l.diagnostic.severity == Severity::Error { "error" } else { "warning" },
                json_escape(&l.diagnostic.message),
                json_escape(&l.diagnostic.path)
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn to_sarif(all: &[Located]) -> String {
    let results: Vec<String> = all
        .iter()
        .map(|l| {
            format!(
                "{{\"ruleId\":\"xdef\",\"level\":\"{}\",\"message\":{{\"text\":{}}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":{}}},\"region\":{{\"startLine\":{},\"startColumn\":{}}}}}}}]}}",
                if l.diagnostic.severity == Severity::Error { "error" } else { "warning" },
                json_escape(&l.diagnostic.message),
                json_escape(&l.file),
                l.line,
                l.column
            )
        })
        .collect();
    format!(
        "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"xdef\",\"informationUri\":\"https://example.invalid/xdef\",\"rules\":[{{\"id\":\"xdef\"}}]}}}},\"results\":[{}]}}]}}",
        results.join(",")
    )
}
