//! `xdef check PATH... [--format text|json|sarif]`: every problem of each file with its
//! position. X-Definitions (files with a `template` field) get the full definition check;
//! the files of a CUE addon (template.cue, parameter.cue, resources/) are checked together
//! as the package KubeVela compiles; other CUE files are parsed, compiled and evaluated.
//! Exits 1 when an error was found.

use std::path::PathBuf;
use std::process::ExitCode;

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
    if files.is_empty() {
        // Not an error (a pre-commit run on a change without CUE files), but say so: a
        // silent success on a mistyped directory would mislead.
        eprintln!("xdef: no .cue files found in the given paths; nothing to check");
        return ExitCode::SUCCESS;
    }
    let mut all: Vec<Located> = Vec::new();
    // Files of a CUE addon (template.cue, parameter.cue, resources/) form one package:
    // each addon is checked once, as a whole.
    let is_file = |p: &std::path::Path| p.is_file();
    let mut addons: Vec<PathBuf> = Vec::new();
    let mut single: Vec<&PathBuf> = Vec::new();
    for path in &files {
        match xdef_vela::addon::addon_root(path, &is_file) {
            Some(root) => {
                if !addons.contains(&root) {
                    addons.push(root);
                }
            }
            None => single.push(path),
        }
    }
    for root in &addons {
        match check_addon_dir(root) {
            Ok(found) => all.extend(found),
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        }
    }
    for path in single {
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

/// Checks the CUE addon at `root` (see `xdef_vela::addon`): every `.cue` file of it,
/// as KubeVela compiles them, with `metadata.yaml` as `context.metadata`.
fn check_addon_dir(root: &std::path::Path) -> Result<Vec<Located>, String> {
    let addon = super::read_addon(root, None)?;
    Ok(super::check_addon(&addon, 5_000_000)
        .into_iter()
        .map(|(i, d)| {
            let parse = &addon.files[i].parse;
            let pos = parse.line_index().line_col(parse.text(), d.range.start);
            Located {
                file: super::display_path(&addon.files[i].path),
                line: pos.line + 1,
                column: pos.col + 1,
                diagnostic: d,
            }
        })
        .collect())
}

/// Diagnostics of one file: a definition check, or a plain CUE check (shared with the
/// language server's evaluation tier).
pub fn check_file(parse: &xdef_syntax::Parse) -> Vec<Diagnostic> {
    crate::server::check_file(parse, 2_000_000)
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
