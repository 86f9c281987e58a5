//! `xdef fmt [--check] PATH...`: canonical formatting.
//!
//! Without `--check`, files whose formatting differs are rewritten in place (through a
//! temporary file renamed over the original, so a failure never leaves a half-written
//! file); formatted files are left untouched and nothing is printed for them. With
//! `--check`, the paths of files that are not formatted are printed and nothing is written.
//!
//! Exit status: 0 when every file is (now) formatted; 1 when a file is not formatted
//! (`--check`) or has syntax errors (each printed as `file:line:col: message`, the file left
//! as it is); 2 when a path cannot be read or a file cannot be written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{SourceFile, collect_cue_files, display_path, read_source};

#[derive(clap::Args)]
pub struct Args {
    /// List files whose formatting differs and exit 1, without writing.
    #[arg(long)]
    pub check: bool,
    /// Format exactly like CUE v0.4, including the bugs later CUE releases fixed (for
    /// comparisons with the reference implementation).
    #[arg(long, hide = true)]
    pub cue_v04: bool,
    /// Files or directories (searched recursively for `*.cue`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Default)]
struct Outcome {
    /// Not formatted (with `--check`) or not formattable.
    problems: bool,
    /// A path could not be read or written.
    io_failure: bool,
}

pub fn run(args: Args) -> ExitCode {
    let mut outcome = Outcome::default();
    let mut files = Vec::new();
    for path in &args.paths {
        match collect_cue_files(std::slice::from_ref(path)) {
            Ok(found) => files.extend(found),
            Err(e) => {
                eprintln!("xdef fmt: {e}");
                outcome.io_failure = true;
            }
        }
    }
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    for path in files {
        let source = match read_source(&path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("xdef fmt: {e}");
                outcome.io_failure = true;
                continue;
            }
        };
        format_file(&source, &args, &mut outcome, &mut stdout);
    }
    let _ = stdout.flush();
    if outcome.io_failure {
        ExitCode::from(2)
    } else if outcome.problems {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_file(source: &SourceFile, args: &Args, outcome: &mut Outcome, out: &mut impl Write) {
    let errors = source.syntax_errors();
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("{}", source.format_error(error));
        }
        outcome.problems = true;
        return;
    }
    let result = if args.cue_v04 {
        xdef_syntax::format::format_cue_v04(&source.parse)
    } else {
        xdef_syntax::format::format(&source.parse)
    };
    let formatted = match result {
        Ok(formatted) => formatted,
        Err(e) => {
            let pos = source
                .parse
                .line_index()
                .line_col(source.parse.text(), e.range.start);
            eprintln!("{}:{}: {}", display_path(&source.path), pos, e.message);
            outcome.problems = true;
            return;
        }
    };
    if formatted == source.parse.text() {
        return;
    }
    if args.check {
        let _ = writeln!(out, "{}", display_path(&source.path));
        outcome.problems = true;
        return;
    }
    if let Err(e) = write_replacing(&source.path, formatted.as_bytes()) {
        eprintln!("xdef fmt: {}: {e}", display_path(&source.path));
        outcome.io_failure = true;
    }
}

/// Writes `contents` to a temporary file next to `path` and renames it over `path`, keeping
/// the original's permissions.
fn write_replacing(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file.cue".to_owned());
    let permissions = std::fs::metadata(path)?.permissions();
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.xdef-fmt-{}-{attempt}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => break (tmp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::set_permissions(&tmp, permissions)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
