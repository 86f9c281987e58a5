//! `xdef render DEF.cue [--params FILE] [--context FILE] [--trait T.cue [--trait-params FILE]]...
//! [--format yaml|json] [--crd]`: renders a component definition with parameters, applies
//! traits in order (as KubeVela does), and prints the resulting objects; `--crd` prints the
//! definition as the CRD object `vela def render` would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xdef_cue::{Data, Evaluation, NoPackages, encode};
use xdef_vela::render::{RenderInput, Workload, apply_trait, render_component};

#[derive(clap::Args)]
pub struct Args {
    /// The definition to render (a component, or any definition with --crd).
    pub definition: PathBuf,
    /// Parameters (JSON, YAML or CUE).
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// Context fields to set (JSON, YAML or CUE), e.g. name, appName, namespace.
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// A trait definition to apply, in order; may be repeated.
    #[arg(long = "trait")]
    pub traits: Vec<PathBuf>,
    /// Parameters of the trait given just before; one per --trait, in order.
    #[arg(long = "trait-params")]
    pub trait_params: Vec<PathBuf>,
    /// Output format.
    #[arg(long, default_value = "yaml", value_parser = ["yaml", "json"])]
    pub format: String,
    /// Print the definition as its CRD object instead of rendering it.
    #[arg(long)]
    pub crd: bool,
    /// Print the CUE program KubeVela would compile (template + parameter + context) instead
    /// of rendering; with --base, for a trait whose context.output is the given object.
    #[arg(long)]
    pub print_program: bool,
    /// With --print-program: the workload (JSON/YAML/CUE) a trait sees as context.output.
    #[arg(long)]
    pub base: Option<PathBuf>,
}

/// Reads a data file: JSON and CUE are evaluated as CUE; YAML through the YAML decoder.
pub fn read_data(path: &Path) -> Result<Data, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let is_yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if is_yaml {
        return xdef_cue::encode::yaml_to_data(&text).map_err(|e| yaml_error(path, &e));
    }
    let mut e = Evaluation::from_sources(
        vec![(super::display_path(path), text)],
        &NoPackages,
        Default::default(),
    );
    e.export_root().map_err(|diags| {
        let Some(first) = diags.first() else {
            return format!("{}: not valid data", path.display());
        };
        // `file:line:col: message` when the problem has a position in the file.
        let program = e.program();
        let location = first.span.as_ref().and_then(|s| {
            let file = program.files.get(s.file.0 as usize)?;
            let pos = file
                .parse
                .line_index()
                .line_col(file.parse.text(), s.range.start);
            Some(format!("{}:{}", path.display(), pos))
        });
        format!(
            "{}: {}",
            location.unwrap_or_else(|| path.display().to_string()),
            first.text()
        )
    })
}

/// A YAML decoding error as `file:line:col: message` when the decoder knows where.
fn yaml_error(path: &Path, e: &xdef_cue::encode::YamlError) -> String {
    match (e.line, e.column) {
        (Some(line), Some((col, _))) => format!("{}:{line}:{col}: {}", path.display(), e.message),
        (Some(line), None) => format!("{}:{line}: {}", path.display(), e.message),
        (None, _) => format!("{}: {}", path.display(), e.message),
    }
}

fn print_objects(objects: &[Data], format: &str) {
    match format {
        "json" => {
            let list = Data::List(objects.to_vec());
            println!("{}", encode::to_json(&list, Some("    ")));
        }
        _ => {
            for (i, o) in objects.iter().enumerate() {
                if i > 0 {
                    println!("---");
                }
                print!("{}", encode::to_yaml(o));
            }
        }
    }
}

pub fn run(args: Args) -> ExitCode {
    if args.trait_params.len() > args.traits.len() {
        eprintln!(
            "xdef: {} --trait-params given for {} --trait: each --trait-params belongs to one --trait, in order",
            args.trait_params.len(),
            args.traits.len()
        );
        return ExitCode::from(2);
    }
    let source = match super::read_source(&args.definition) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let errors = source.syntax_errors();
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{}", source.format_error(e));
        }
        return ExitCode::from(1);
    }
    let def = xdef_vela::read_definition(&source.parse);
    let def_errors: Vec<_> = def
        .diagnostics
        .iter()
        .filter(|d| d.severity == xdef_vela::Severity::Error)
        .collect();
    if !def_errors.is_empty() {
        for d in def_errors {
            let pos = source
                .parse
                .line_index()
                .line_col(source.parse.text(), d.range.start);
            eprintln!(
                "{}:{}: {}",
                super::display_path(&args.definition),
                pos,
                d.message
            );
        }
        return ExitCode::from(1);
    }
    if args.crd {
        return match xdef_vela::definition::to_crd(&def, source.parse.text()) {
            Ok(crd) => {
                print_objects(&[crd], &args.format);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xdef: {e}");
                ExitCode::from(1)
            }
        };
    }
    let mut input = RenderInput::default();
    if let Some(p) = &args.params {
        match read_data(p) {
            Ok(d) => input.parameter = d,
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(c) = &args.context {
        match read_data(c) {
            Ok(d) => {
                if let Some(name) = d.get("name").and_then(Data::as_str) {
                    input.name = name.to_owned();
                }
                if let Some(app) = d.get("appName").and_then(Data::as_str) {
                    input.app_name = app.to_owned();
                }
                if let Some(ns) = d.get("namespace").and_then(Data::as_str) {
                    input.namespace = ns.to_owned();
                }
                input.context = Some(d);
            }
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.print_program {
        let base = match &args.base {
            Some(b) => match read_data(b) {
                Ok(d) => Some(Workload {
                    output: Some(d),
                    ..Workload::default()
                }),
                Err(e) => {
                    eprintln!("xdef: {e}");
                    return ExitCode::from(2);
                }
            },
            None => None,
        };
        let component_type = base.as_ref().map(|_| "webservice");
        return match xdef_vela::render::kubevela_program(
            &source.parse,
            &def,
            &input,
            base.as_ref(),
            component_type,
        ) {
            Some(program) => {
                print!("{program}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("xdef: the definition has no template or type");
                ExitCode::from(1)
            }
        };
    }
    let component_type = def.name.clone().unwrap_or_default();
    let mut workload: Workload = match render_component(&source.parse, &def, &input) {
        Ok(w) => w,
        Err(e) => {
            report(&args.definition, &source.parse, &e);
            return ExitCode::from(1);
        }
    };
    for (i, trait_path) in args.traits.iter().enumerate() {
        let trait_source = match super::read_source(trait_path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        };
        let trait_def = xdef_vela::read_definition(&trait_source.parse);
        let mut trait_input = input.clone();
        trait_input.parameter = match args.trait_params.get(i) {
            Some(p) => match read_data(p) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("xdef: {e}");
                    return ExitCode::from(2);
                }
            },
            None => Data::Struct(vec![]),
        };
        let trait_type = trait_def.name.clone().unwrap_or_default();
        match apply_trait(
            &trait_source.parse,
            &trait_def,
            &trait_input,
            &trait_type,
            &component_type,
            &mut workload,
        ) {
            Ok(r) => {
                for w in r.warnings {
                    eprintln!("{}: warning: {w}", super::display_path(trait_path));
                }
            }
            Err(e) => {
                report(trait_path, &trait_source.parse, &e);
                return ExitCode::from(1);
            }
        }
    }
    let mut objects = Vec::new();
    objects.extend(workload.output);
    objects.extend(workload.outputs.into_iter().map(|(_, _, d)| d));
    print_objects(&objects, &args.format);
    ExitCode::SUCCESS
}

fn report(path: &Path, parse: &xdef_syntax::Parse, e: &xdef_vela::render::RenderError) {
    eprintln!("{}: {}", super::display_path(path), e.message);
    for d in &e.diagnostics {
        let pos = parse.line_index().line_col(parse.text(), d.range.start);
        eprintln!("  at {}:{}: {}", super::display_path(path), pos, d.message);
    }
}
