//! `xdef eval PATH... [-e EXPR]` prints the evaluated value as CUE, and
//! `xdef export PATH... [-e EXPR] [--out json|yaml|cue]` prints it as data, like `cue export`.
//! All files given (directories are searched for `*.cue`) form one package.

use std::path::PathBuf;
use std::process::ExitCode;

use xdef_cue::{Budget, Diagnostic, Evaluation, NoPackages, SourceFile, encode, print};

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Evaluate this expression in the package instead of the whole package.
    #[arg(short = 'e', long = "expression")]
    pub expression: Option<String>,
    /// Files or directories.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(short = 'e', long = "expression")]
    pub expression: Option<String>,
    /// Output format.
    #[arg(long = "out", default_value = "json", value_parser = ["json", "yaml", "cue"])]
    pub out: String,
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// The hidden field an `-e` expression is evaluated in.
const EXPRESSION_FIELD: &str = "_xdef_expression_";

/// Loads the package made of `paths` (and an `-e` expression), ready to evaluate.
pub fn load(paths: &[PathBuf], expression: Option<&str>) -> Result<Evaluation, ExitCode> {
    let files = super::collect_cue_files(paths).map_err(|e| {
        eprintln!("xdef: {e}");
        ExitCode::from(2)
    })?;
    let mut sources = Vec::new();
    for path in &files {
        let file = super::read_source(path).map_err(|e| {
            eprintln!("xdef: {e}");
            ExitCode::from(2)
        })?;
        for err in &file.decode_errors {
            eprintln!("{}", file.format_error(err));
        }
        sources.push(SourceFile {
            name: super::display_path(path),
            parse: file.parse,
        });
    }
    if let Some(expr) = expression {
        let text = format!("{EXPRESSION_FIELD}: ({expr})\n");
        sources.push(SourceFile {
            name: "<expression>".into(),
            parse: xdef_syntax::parse(text),
        });
    }
    Ok(Evaluation::from_files(
        sources,
        &NoPackages,
        Budget::default(),
    ))
}

/// Prints diagnostics as `file:line:col: path: message` (related positions indented).
pub fn print_diagnostics(evaluation: &Evaluation, diagnostics: &[Diagnostic]) {
    let program = evaluation.program();
    for d in diagnostics {
        let location = d.span.as_ref().map(|s| {
            let file = &program.files[s.file.0 as usize];
            let pos = file
                .parse
                .line_index()
                .line_col(file.parse.text(), s.range.start);
            format!("{}:{}: ", file.name, pos)
        });
        eprintln!(
            "{}{}",
            location.unwrap_or_default(),
            d.text().replace(EXPRESSION_FIELD, "<expression>")
        );
        for (span, _) in &d.related {
            let file = &program.files[span.file.0 as usize];
            let pos = file
                .parse
                .line_index()
                .line_col(file.parse.text(), span.range.start);
            eprintln!("    {}:{}", file.name, pos);
        }
    }
}

fn target(evaluation: &mut Evaluation, expression: Option<&str>) -> xdef_cue::VId {
    match expression {
        Some(_) => evaluation
            .lookup(EXPRESSION_FIELD)
            .unwrap_or_else(|| evaluation.root()),
        None => evaluation.root(),
    }
}

pub fn run_eval(args: EvalArgs) -> ExitCode {
    let mut evaluation = match load(&args.paths, args.expression.as_deref()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let compile = evaluation.compile_diagnostics();
    if !compile.is_empty() {
        print_diagnostics(&evaluation, &compile);
        return ExitCode::from(1);
    }
    let v = target(&mut evaluation, args.expression.as_deref());
    let text = print::print_vertex(&mut evaluation.evaluator, v, args.expression.is_none());
    println!("{}", text.trim_end());
    ExitCode::SUCCESS
}

pub fn run_export(args: ExportArgs) -> ExitCode {
    let mut evaluation = match load(&args.paths, args.expression.as_deref()) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let v = target(&mut evaluation, args.expression.as_deref());
    match evaluation.export(v) {
        Ok(data) => {
            let text = match args.out.as_str() {
                "yaml" => encode::to_yaml(&data),
                "cue" => encode::to_cue(&data),
                _ => encode::to_json(&data, Some("    ")),
            };
            println!("{}", text.trim_end_matches('\n'));
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            print_diagnostics(&evaluation, &diagnostics);
            ExitCode::from(1)
        }
    }
}
