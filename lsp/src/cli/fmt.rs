//! `xdef fmt [--check] PATH...`: canonical formatting. (Being written.)

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// List files whose formatting differs and exit 1, without writing.
    #[arg(long)]
    pub check: bool,
    /// Files or directories (searched recursively for `*.cue`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("xdef fmt: not implemented yet");
    ExitCode::from(2)
}
