//! Command-line interface: argument parsing and one module per command. Every command
//! prints errors as `file:line:col: message` on stderr and exits 1 when it found problems,
//! 2 when it could not run (bad arguments, unreadable files).

use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod dry_run;
mod eval;
mod files;
mod fmt;
mod render;
mod status;
mod test;

#[derive(Parser)]
#[command(
    name = "xdef",
    version,
    about = "Language server and command line for KubeVela X-Definitions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Format CUE files in the canonical `cue fmt` layout.
    Fmt(fmt::Args),
    /// Validate definitions and CUE files; exit 1 on errors.
    Check(check::Args),
    /// Render a component definition (with traits) to Kubernetes objects.
    Render(render::Args),
    /// Render an Application offline, like `vela dry-run` (components, traits, policies).
    DryRun(dry_run::Args),
    /// Evaluate a definition's health and status scripts against live objects.
    Status(status::Args),
    /// Run definition golden tests (`*_test.cue`).
    Test(test::Args),
    /// Evaluate CUE and print the result as CUE.
    Eval(eval::EvalArgs),
    /// Evaluate CUE and print concrete data, like `cue export`.
    Export(eval::ExportArgs),
    /// Run the language server on stdin/stdout.
    Lsp,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Fmt(args) => fmt::run(args),
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run_eval(args),
        Command::Render(args) => render::run(args),
        Command::DryRun(args) => dry_run::run(args),
        Command::Status(args) => status::run(args),
        Command::Test(args) => test::run(args),
        Command::Export(args) => eval::run_export(args),
        Command::Lsp => crate::server::run(),
    }
}

/// Path as shown to the user: relative to the working directory when possible.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub use files::{SourceFile, check_addon, collect_cue_files, read_addon, read_source};
