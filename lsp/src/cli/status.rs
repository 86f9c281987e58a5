//! `xdef status DEF.cue --object LIVE [--output NAME=FILE]... [--params FILE]`: evaluates a
//! definition's `attributes.status` scripts (details, health, message) against live objects,
//! the way KubeVela's health checker does.

use std::path::PathBuf;
use std::process::ExitCode;

use xdef_cue::Data;

#[derive(clap::Args)]
pub struct Args {
    pub definition: PathBuf,
    /// The live workload (`context.output`): JSON, YAML or CUE.
    #[arg(long)]
    pub object: PathBuf,
    /// A live auxiliary resource (`context.outputs.NAME`), as NAME=FILE; may be repeated.
    #[arg(long = "output")]
    pub outputs: Vec<String>,
    /// The component's parameters.
    #[arg(long)]
    pub params: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let source = match super::read_source(&args.definition) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let def = xdef_vela::read_definition(&source.parse);
    let load = |p: &PathBuf| super::render::read_data(p);
    let object = match load(&args.object) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let mut outputs = Vec::new();
    for spec in &args.outputs {
        let Some((name, file)) = spec.split_once('=') else {
            eprintln!("xdef: --output expects NAME=FILE, got {spec:?}");
            return ExitCode::from(2);
        };
        match load(&PathBuf::from(file)) {
            Ok(d) => outputs.push((std::rc::Rc::from(name), d)),
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let parameter = match &args.params {
        Some(p) => match load(p) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        },
        None => Data::Struct(vec![]),
    };
    let name = object
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Data::as_str)
        .unwrap_or("my-component")
        .to_owned();
    let scripts = xdef_vela::status::scripts(&def);
    let status =
        xdef_vela::status::evaluate(&scripts, &name, "my-app", &object, &outputs, &parameter);
    println!("healthy: {}", status.healthy);
    println!("message: {:?}", status.message);
    if !status.details.is_empty() {
        println!("details:");
        for (k, v) in &status.details {
            println!("  {k}: {v}");
        }
    }
    for e in &status.errors {
        eprintln!("{}: status: {e}", super::display_path(&args.definition));
    }
    if status.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
