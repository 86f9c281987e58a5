//! `xdef test PATH...`: runs definition golden tests (`*_test.cue` files, see
//! `xdef_vela::testing`): each renders a definition with parameters, context and traits and
//! compares the manifests with the expected ones. Exits 1 when a test fails.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xdef_vela::testing::{DefinitionSource, decode, run as run_case};

#[derive(clap::Args)]
pub struct Args {
    /// Test files or directories (searched recursively for `*_test.cue`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

struct Relative<'a>(&'a Path);

impl DefinitionSource for Relative<'_> {
    fn load(&self, name: &str) -> Result<xdef_syntax::Parse, String> {
        let path = self.0.parent().unwrap_or(Path::new(".")).join(name);
        let source = super::read_source(&path)?;
        let errors = source.syntax_errors();
        if let Some(e) = errors.first() {
            return Err(source.format_error(e));
        }
        Ok(source.parse)
    }
}

pub fn run(args: Args) -> ExitCode {
    let files = match super::collect_cue_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("xdef: {e}");
            return ExitCode::from(2);
        }
    };
    let test_files: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("_test.cue"))
        })
        .collect();
    if test_files.is_empty() {
        eprintln!("xdef: no *_test.cue files found");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed) = (0, 0);
    for file in &test_files {
        let data = match super::render::read_data(file) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("xdef: {e}");
                failed += 1;
                continue;
            }
        };
        let cases = match decode(&data) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}: {e}", super::display_path(file));
                failed += 1;
                continue;
            }
        };
        for case in cases {
            let outcome = run_case(&case, &Relative(file));
            if outcome.passed {
                passed += 1;
                println!("ok   {} — {}", super::display_path(file), outcome.name);
            } else {
                failed += 1;
                println!(
                    "FAIL {} — {}\n{}",
                    super::display_path(file),
                    outcome.name,
                    indent(&outcome.details)
                );
            }
        }
    }
    println!("\n{passed} passed, {failed} failed");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect()
}
