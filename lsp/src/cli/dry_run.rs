//! `xdef dry-run -f APP.yaml -d DEFS_DIR [--format yaml|json] [-n NS] [--merge]`: renders
//! an Application offline, as `vela dry-run` does, with the definitions found under `-d`
//! (X-Definition `.cue` files and `*Definition` CRDs in YAML). The YAML output has
//! `vela dry-run`'s layout and is a valid multi-document stream, so the command can be an
//! Argo CD config management plugin's `generate` command. Warnings go to stderr, never
//! into the manifests.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xdef_vela::application::{
    self, DryRunOptions, FileId, Problem, Registry, Sources, dry_run, read_app_files,
};

#[derive(clap::Args)]
pub struct Args {
    /// Application files: the Application, plus standalone Policy and Workflow objects
    /// (repeatable, or comma-separated; `-` reads standard input).
    #[arg(
        short = 'f',
        long = "file",
        value_delimiter = ',',
        default_value = "app.yaml"
    )]
    pub files: Vec<String>,
    /// Definitions: a `.cue`/`.yaml` file or a directory searched recursively (repeatable).
    #[arg(short = 'd', long = "definition")]
    pub definitions: Vec<PathBuf>,
    /// Output format: `yaml` (vela dry-run's layout) or `json`.
    #[arg(long, default_value = "yaml", value_parser = ["yaml", "json"])]
    pub format: String,
    /// The namespace to render into (overrides the Application's).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Use standalone policy and workflow files even when the Application does not
    /// reference them.
    #[arg(long)]
    pub merge: bool,
    /// Accepted for compatibility with `vela dry-run`; xdef always runs offline.
    #[arg(long, hide = true)]
    pub offline: bool,
}

/// Every `.cue`, `.yaml` and `.yml` file under the paths, in a stable order (hidden
/// directories and `cue.mod` skipped).
fn definition_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if !name.starts_with('.') && name != "cue.mod" && name != "node_modules" {
                    walk(&path, out)?;
                }
            } else if name.ends_with(".cue") || name.ends_with(".yaml") || name.ends_with(".yml") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut out).map_err(|e| format!("{}: {e}", path.display()))?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{}: not valid UTF-8", path.display()))
}

fn report(sources: &Sources, problems: &[Problem], warning: bool) {
    let mut err = std::io::stderr().lock();
    for p in problems {
        let text = sources.render(p);
        let text = if warning {
            match text.split_once(": ") {
                Some((at, rest)) if p.at.is_some() => format!("{at}: warning: {rest}"),
                _ => format!("warning: {text}"),
            }
        } else if p.at.is_none() {
            format!("xdef: {text}")
        } else {
            text
        };
        let _ = writeln!(err, "{text}");
    }
}

pub fn run(args: Args) -> ExitCode {
    let mut sources = Sources::new();
    let mut app_ids: Vec<FileId> = Vec::new();
    let mut stdin_used = false;
    for f in args.files.iter().filter(|f| !f.is_empty()) {
        let (name, text) = if f == "-" {
            if stdin_used {
                eprintln!("xdef: `-f -` (standard input) can be given once");
                return ExitCode::from(2);
            }
            stdin_used = true;
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("xdef: <stdin>: {e}");
                return ExitCode::from(2);
            }
            ("<stdin>".to_owned(), text)
        } else {
            let path = Path::new(f);
            match read_text(path) {
                Ok(t) => (super::display_path(path), t),
                Err(e) => {
                    eprintln!("xdef: {e}");
                    return ExitCode::from(2);
                }
            }
        };
        app_ids.push(sources.add(name, text));
    }
    let def_files = match definition_files(&args.definitions) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let mut def_ids = Vec::new();
    for path in &def_files {
        match read_text(path) {
            Ok(t) => def_ids.push(sources.add(super::display_path(path), t)),
            Err(e) => {
                eprintln!("xdef: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let (mut registry, problems): (Registry, Vec<Problem>) = Registry::load(&sources, &def_ids);
    registry.describe = if args.definitions.is_empty() {
        "the definitions (none given with -d)".to_owned()
    } else {
        args.definitions
            .iter()
            .map(|p| super::display_path(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !problems.is_empty() {
        report(&sources, &problems, false);
        return ExitCode::from(1);
    }
    let files = match read_app_files(&sources, &app_ids) {
        Ok(f) => f,
        Err(problems) => {
            report(&sources, &problems, false);
            return ExitCode::from(1);
        }
    };
    let options = DryRunOptions {
        namespace: args.namespace.clone(),
        merge: args.merge,
    };
    let result = match dry_run(&files, &registry, &options) {
        Ok(r) => r,
        Err(problems) => {
            report(&sources, &problems, false);
            return ExitCode::from(1);
        }
    };
    report(&sources, &result.warnings, true);
    let text = match args.format.as_str() {
        "json" => application::format_json(&result),
        _ => application::format_vela(&result),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
}
