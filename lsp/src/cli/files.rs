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

/// A KubeVela addon read from disk: its CUE files (`template.cue` and `parameter.cue`
/// first, then `resources/**/*.cue` in order), its layout and `metadata.yaml` as data.
pub struct AddonSources {
    pub layout: xdef_vela::addon::AddonLayout,
    pub files: Vec<SourceFile>,
    pub metadata: Option<xdef_cue::Data>,
}

/// Reads the addon at `root` (see `xdef_vela::addon::addon_root`). `overlay` replaces
/// one file (an editor's unsaved version of it, already parsed).
pub fn read_addon(root: &Path, overlay: Option<(&Path, &Parse)>) -> Result<AddonSources, String> {
    use xdef_vela::addon::AddonLayout;
    let layout = if root.join("template.cue").is_file() {
        AddonLayout::CuePackage
    } else {
        AddonLayout::YamlTemplate
    };
    let mut paths: Vec<PathBuf> = ["template.cue", "parameter.cue"]
        .iter()
        .map(|f| root.join(f))
        .filter(|p| p.is_file())
        .collect();
    let resources = root.join("resources");
    if resources.is_dir() {
        paths.extend(collect_cue_files(&[resources])?);
    }
    let mut files = Vec::new();
    for path in paths {
        match overlay {
            Some((p, parse)) if p == path => files.push(SourceFile {
                parse: parse.clone(),
                path,
                decode_errors: Vec::new(),
            }),
            _ => files.push(read_source(&path)?),
        }
    }
    let metadata = std::fs::read_to_string(root.join("metadata.yaml"))
        .ok()
        .and_then(|text| xdef_cue::encode::yaml_to_data(&text).ok());
    Ok(AddonSources {
        layout,
        files,
        metadata,
    })
}

/// The diagnostics of an addon's files, each with the index of its file in `addon.files`
/// (invalid UTF-8, syntax, and the package compiled as KubeVela compiles it).
pub fn check_addon(addon: &AddonSources, max_steps: u64) -> Vec<(usize, xdef_vela::Diagnostic)> {
    let mut out: Vec<(usize, xdef_vela::Diagnostic)> = Vec::new();
    for (i, source) in addon.files.iter().enumerate() {
        for e in &source.decode_errors {
            out.push((
                i,
                xdef_vela::Diagnostic::error(e.range.clone(), e.message.clone()),
            ));
        }
    }
    let files: Vec<xdef_vela::addon::AddonFile> = addon
        .files
        .iter()
        .map(|s| xdef_vela::addon::AddonFile {
            name: super::display_path(&s.path),
            parse: s.parse.clone(),
        })
        .collect();
    let budget = xdef_cue::Budget {
        max_steps,
        ..xdef_cue::Budget::default()
    };
    let found =
        xdef_vela::addon::check_addon_files(&files, addon.layout, addon.metadata.as_ref(), budget);
    out.extend(found.into_iter().map(|d| (d.file, d.diagnostic)));
    out
}
