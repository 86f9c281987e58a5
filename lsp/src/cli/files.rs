//! Finding and reading `.cue` files: directories are walked recursively (sorted, skipping
//! hidden directories and `cue.mod`), files are decoded with invalid UTF-8 reported.

use std::path::{Path, PathBuf};

use xdef_syntax::{Parse, SyntaxError};

/// Expands files and directories into the `.cue` files they hold, in a stable order.
pub fn collect_cue_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk_dir(path, &mut out).map_err(|e| format!("{}: {e}", path.display()))?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if name.starts_with('.')
                || name == "cue.mod"
                || name == "node_modules"
                || name == "target"
            {
                continue;
            }
            walk_dir(&path, out)?;
        } else if name.ends_with(".cue") {
            out.push(path);
        }
    }
    Ok(())
}

/// A file read from disk and parsed.
pub struct SourceFile {
    pub path: PathBuf,
    pub parse: Parse,
    /// Problems found while decoding the bytes (invalid UTF-8).
    pub decode_errors: Vec<SyntaxError>,
}

impl SourceFile {
    /// Decoding and syntax errors, in source order.
    pub fn syntax_errors(&self) -> Vec<SyntaxError> {
        let mut errors = self.decode_errors.clone();
        errors.extend(self.parse.errors());
        errors.sort_by_key(|e| e.range.start);
        errors
    }

    /// `file:line:col: message`
    pub fn format_error(&self, error: &SyntaxError) -> String {
        let pos = self
            .parse
            .line_index()
            .line_col(self.parse.text(), error.range.start);
        format!(
            "{}:{}: {}",
            super::display_path(&self.path),
            pos,
            error.message
        )
    }
}

pub fn read_source(path: &Path) -> Result<SourceFile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (text, decode_errors) = xdef_syntax::decode_source(&bytes);
    Ok(SourceFile {
        path: path.to_owned(),
        parse: xdef_syntax::parse(text),
        decode_errors,
    })
}
