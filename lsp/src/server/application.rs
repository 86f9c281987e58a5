//! Application YAML: KubeVela `Application` objects (`core.oam.dev/v1beta1`) and the
//! standalone `Policy` and `Workflow` objects (`core.oam.dev/v1alpha1`) in YAML documents,
//! checked and completed against the definitions of the workspace. This module owns:
//!
//! - which YAML documents get answers ([`looks_like_app`]): only those holding such an
//!   object. Any other YAML file gets an empty diagnostics list and no completion, hover or
//!   other answer, so that the server can be attached to YAML files next to other YAML
//!   tooling;
//! - tier 1, right after each change: YAML syntax errors ([`syntax_errors`]);
//! - tier 2, on the evaluation thread ([`check`]): `xdef_vela::application::check_app_file`
//!   (the checks and messages of `xdef dry-run`) against a registry built from the
//!   workspace's definition files and kept until one of them changes: unknown types with
//!   "did you mean" (only when the workspace has definitions at all; types KubeVela itself
//!   installs are known), traits that do not apply to their component and properties a
//!   definition does not declare (warnings, as the dry run gives them), conflicts and
//!   missing required parameters (errors, with CUE's message and the definition's
//!   declaration as related information), each at its key or value;
//! - completion, hover and go to definition ([`complete`], [`hover`], [`definition`]) from
//!   syntax only, never waiting for evaluation: the cursor's place is read from the lines'
//!   indentation (so it works while the YAML does not parse; flow style `{...}` is not
//!   followed), types come from the workspace index, property names, docs, defaults and
//!   enumerations from the definition's `parameter` (its template's scope index).

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, TextEdit,
};
use tree_sitter::Node;
use xdef_syntax::Parse;
use xdef_syntax::line_index::LineCol;
use xdef_vela::DefinitionKind;
use xdef_vela::application::{
    BUILTIN_DEFINITIONS, FileCheckOptions, FileId, Problem, Registry, Sources, check_app_file,
    is_builtin,
};

use super::check::CheckOutput;
use super::document::{Diag, Elsewhere, Severity, Snapshot};
use super::packages;
use super::scope::Symbol;
use super::syntax;
use super::workspace::{DefInfo, DefinitionSources, Workspace};

const APPLICATION_API: &str = "core.oam.dev/v1beta1";
const POLICY_WORKFLOW_API: &str = "core.oam.dev/v1alpha1";

/// Whether a YAML text holds an Application, Policy or Workflow of KubeVela (read from its
/// top-level `apiVersion:` and `kind:` lines, so that it also answers for text that does
/// not parse).
pub fn looks_like_app(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    for line in split_lines(text) {
        let line = line.text;
        if let Some(v) = line.strip_prefix("apiVersion:") {
            api |= scalar(v).starts_with("core.oam.dev/");
        } else if let Some(v) = line.strip_prefix("kind:") {
            kind |= matches!(scalar(v), "Application" | "Policy" | "Workflow");
        }
        if api && kind {
            return true;
        }
    }
    false
}

/// A scalar value as written after `key:`, without comment and quotes.
fn scalar(v: &str) -> &str {
    let v = v.trim();
    let v = if v.starts_with(['"', '\'']) {
        v
    } else {
        v.split(" #").next().unwrap_or("").trim_end()
    };
    v.trim_matches(['"', '\''])
}

// ---------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------

/// Tier 1: the YAML syntax error of an Application document (nothing for other YAML).
pub fn syntax_errors(text: &str) -> Vec<Diag> {
    if !looks_like_app(text) {
        return Vec::new();
    }
    match xdef_vela::yaml_source::parse_stream(text) {
        Ok(_) => Vec::new(),
        Err(e) => {
            let starts = line_starts(text);
            let start = offset_of(text, &starts, e.at);
            vec![Diag {
                range: start..token_end(text, start),
                severity: Severity::Error,
                message: format!("invalid YAML: {}", e.message),
                path: String::new(),
                related: Vec::new(),
                elsewhere: Vec::new(),
            }]
        }
    }
}

/// The registry of the workspace's definitions, built on the evaluation thread and kept
/// there until a definition file changes.
struct RegistryCache {
    generation: u64,
    /// File 0 is the Application being checked (its text is given separately); the
    /// definition files follow.
    sources: Sources,
    registry: Registry,
    uris: Vec<Option<tower_lsp_server::ls_types::Uri>>,
}

thread_local! {
    static REGISTRY: RefCell<Option<RegistryCache>> = const { RefCell::new(None) };
}

const APP_FILE: FileId = FileId(0);

fn build_registry(defs: &DefinitionSources) -> RegistryCache {
    let mut sources = Sources::new();
    let mut uris = vec![None];
    sources.add("<application>", "");
    let mut ids = Vec::new();
    for (uri, name, text) in &defs.files {
        ids.push(sources.add(name.clone(), text.to_string()));
        uris.push(Some(uri.clone()));
    }
    // Problems of the definition files are theirs (`xdef check` and their own
    // diagnostics report them); a broken definition is left out.
    let (mut registry, _) = Registry::load(&sources, &ids);
    registry.describe = "the workspace".to_owned();
    RegistryCache {
        generation: defs.generation,
        sources,
        registry,
        uris,
    }
}

/// Tier 2: checks an Application document against the workspace's definitions.
pub fn check(text: &str, workspace: &Workspace, max_steps: u64) -> CheckOutput {
    let defs = workspace.definition_sources();
    REGISTRY.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache
            .as_ref()
            .is_none_or(|c| c.generation != defs.generation)
        {
            *cache = Some(build_registry(&defs));
        }
        let cache = cache.as_ref().expect("built");
        let options = FileCheckOptions {
            budget: xdef_cue::Budget {
                max_steps,
                ..xdef_cue::Budget::default()
            },
            unknown_types: !cache.registry.definitions().is_empty(),
        };
        let result = check_app_file(APP_FILE, text, &cache.registry, &options);
        let starts = line_starts(text);
        let mut out = CheckOutput {
            yaml_invalid: result.invalid_yaml,
            ..Default::default()
        };
        let all = result
            .errors
            .iter()
            .map(|p| (Severity::Error, p))
            .chain(result.warnings.iter().map(|p| (Severity::Warning, p)));
        for (severity, p) in all {
            out.diagnostics
                .push(to_diag(text, &starts, severity, p, cache));
        }
        out.diagnostics.sort_by(|a, b| {
            (a.range.start, a.severity, &a.message).cmp(&(b.range.start, b.severity, &b.message))
        });
        out.diagnostics
            .dedup_by(|a, b| a.range == b.range && a.message == b.message);
        out
    })
}

fn to_diag(
    text: &str,
    starts: &[usize],
    severity: Severity,
    p: &Problem,
    cache: &RegistryCache,
) -> Diag {
    let range = match p.at {
        Some(at) if at.file == APP_FILE => {
            let start = offset_of(text, starts, at.at);
            start..token_end(text, start)
        }
        _ => 0..0,
    };
    let mut related = Vec::new();
    let mut elsewhere = Vec::new();
    for (at, note) in &p.notes {
        let Some(at) = at else { continue };
        if at.file == APP_FILE {
            let start = offset_of(text, starts, at.at);
            related.push((start..token_end(text, start), note.clone()));
        } else if let Some(Some(uri)) = cache.uris.get(at.file.0) {
            let def_text = &cache.sources.get(at.file).text;
            let line = split_lines(def_text)
                .nth(at.at.line as usize)
                .map_or("", |l| l.text);
            let before: String = line.chars().take(at.at.col as usize).collect();
            elsewhere.push(Elsewhere {
                uri: uri.clone(),
                line: at.at.line,
                utf16_col: before.encode_utf16().count() as u32,
                utf8_col: before.len() as u32,
                note: note.clone(),
            });
        }
    }
    Diag {
        range,
        severity,
        message: p.message.clone(),
        path: String::new(),
        related,
        elsewhere,
    }
}

/// Byte offsets of line starts (lines end at `\n`, `\r\n` or a lone `\r`, as for YAML and
/// the protocol).
fn line_starts(text: &str) -> Vec<usize> {
    let mut out = vec![0];
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => out.push(i + 1),
            b'\r' if b.get(i + 1) != Some(&b'\n') => out.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The byte offset of a line and column (in characters), clamped to the line.
fn offset_of(text: &str, starts: &[usize], at: LineCol) -> usize {
    let Some(&start) = starts.get(at.line as usize) else {
        return text.len();
    };
    let line_end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| start + i);
    text[start..line_end]
        .char_indices()
        .nth(at.col as usize)
        .map_or(line_end, |(i, _)| start + i)
}

/// The end of the YAML token (a key or a scalar) starting at `start`, on its line.
fn token_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let line_end = rest.find(['\n', '\r']).map_or(text.len(), |i| start + i);
    let line = &text[start..line_end];
    if let Some(q) = line.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let mut escaped = false;
        for (i, c) in line.char_indices().skip(1) {
            if q == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == q && !escaped {
                return start + i + 1;
            }
            escaped = false;
        }
        return line_end;
    }
    let bytes = line.as_bytes();
    let mut end = line.len();
    for (i, &c) in bytes.iter().enumerate() {
        let next_blank = bytes.get(i + 1).is_none_or(|n| *n == b' ' || *n == b'\t');
        let prev_blank = i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t');
        if (c == b':' && next_blank) || (c == b'#' && prev_blank) || matches!(c, b',' | b']' | b'}')
        {
            end = i;
            break;
        }
    }
    start + line[..end].trim_end().len()
}

// ---------------------------------------------------------------------------------------
// The cursor's place, from indentation
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Line<'t> {
    start: usize,
    text: &'t str,
}

fn split_lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let starts = line_starts(text);
    let n = starts.len();
    (0..n).map(move |i| {
        let start = starts[i];
        let end = if i + 1 < n { starts[i + 1] } else { text.len() };
        let raw = &text[start..end];
        Line {
            start,
            text: raw.trim_end_matches(['\n', '\r']),
        }
    })
}

/// A key on a line: its name and columns (bytes).
#[derive(Clone, Debug)]
struct Key {
    name: String,
    range: Range<usize>,
    colon: usize,
    /// The value written after the colon (trimmed, without a comment).
    value: Option<Range<usize>>,
}

/// What a line holds: sequence dashes, where its content starts, a key.
#[derive(Clone, Debug, Default)]
struct Tokens {
    dashes: Vec<usize>,
    content: Option<usize>,
    key: Option<Key>,
    separator: bool,
}

impl Tokens {
    /// The column of the line's first token.
    fn first(&self) -> Option<usize> {
        self.dashes.first().copied().or(self.content)
    }
}

fn tokens(line: &str) -> Tokens {
    let mut t = Tokens::default();
    if line == "---" || line.starts_with("--- ") || line == "..." {
        t.separator = true;
        return t;
    }
    let b = line.as_bytes();
    let mut i = b.iter().take_while(|c| **c == b' ').count();
    while i < b.len() && b[i] == b'-' && (i + 1 == b.len() || b[i + 1] == b' ') {
        t.dashes.push(i);
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
    }
    if i >= b.len() || b[i] == b'#' {
        return t;
    }
    t.content = Some(i);
    // The key: a quoted scalar, or a plain one up to `: `.
    let (name, key_end) = if b[i] == b'"' || b[i] == b'\'' {
        let q = b[i];
        let Some(close) = line[i + 1..].find(q as char).map(|j| i + 1 + j) else {
            return t;
        };
        (line[i + 1..close].to_owned(), close + 1)
    } else if b[i] == b'{' || b[i] == b'[' {
        return t;
    } else {
        let mut j = i;
        let mut found = None;
        while j < b.len() {
            if b[j] == b':' && (j + 1 == b.len() || b[j + 1] == b' ' || b[j + 1] == b'\t') {
                found = Some(j);
                break;
            }
            if b[j] == b'#' && j > i && b[j - 1] == b' ' {
                break;
            }
            j += 1;
        }
        let Some(colon) = found else { return t };
        (
            line[i..colon].trim_end().to_owned(),
            i + line[i..colon].trim_end().len(),
        )
    };
    let rest_start = key_end + line[key_end..].len() - line[key_end..].trim_start().len();
    if !line[rest_start..].starts_with(':') {
        return t;
    }
    let colon = rest_start;
    let mut v = colon + 1;
    while v < b.len() && (b[v] == b' ' || b[v] == b'\t') {
        v += 1;
    }
    let mut value_end = b.len();
    for k in v..b.len() {
        if b[k] == b'#' && k > v && b[k - 1] == b' ' {
            value_end = k;
            break;
        }
    }
    let value_end = v + line[v..value_end].trim_end().len();
    t.key = Some(Key {
        name,
        range: i..key_end,
        colon,
        value: (value_end > v).then_some(v..value_end),
    });
    t
}

/// A step of the path to the cursor: a key, or a sequence item (by its dash's line and
/// column).
#[derive(Clone, Debug, PartialEq, Eq)]
enum PSeg {
    Key(String),
    Item(usize, usize),
}

/// Where the cursor is.
#[derive(Debug)]
enum Place {
    /// On a key (or where one is being written): the path of its mapping, and the key's
    /// byte range (with `colon` when the line already has one).
    Key {
        parent: Vec<PSeg>,
        range: Range<usize>,
        name: String,
        colon: bool,
    },
    /// On the value of the last key of `path`; `range` is the value's bytes.
    Value {
        path: Vec<PSeg>,
        range: Range<usize>,
    },
}

struct Text<'t> {
    lines: Vec<Line<'t>>,
    tokens: Vec<Tokens>,
}

impl<'t> Text<'t> {
    fn new(text: &'t str) -> Text<'t> {
        let lines: Vec<Line<'t>> = split_lines(text).collect();
        let tokens = lines.iter().map(|l| tokens(l.text)).collect();
        Text { lines, tokens }
    }

    /// The line and byte column of an offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let i = self
            .lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1);
        let l = &self.lines[i];
        (i, (offset - l.start).min(l.text.len()))
    }

    fn place(&self, offset: usize) -> Option<Place> {
        let (li, col) = self.line_col(offset);
        let line = self.lines[li];
        let t = &self.tokens[li];
        if t.separator {
            return None;
        }
        let abs = |c: usize| line.start + c;
        if let Some(k) = &t.key {
            if col >= k.range.start && col <= k.range.end {
                return Some(Place::Key {
                    parent: self.ancestors(li, k.range.start),
                    range: abs(k.range.start)..abs(k.range.end),
                    name: k.name.clone(),
                    colon: true,
                });
            }
            if col > k.colon {
                let mut path = self.ancestors(li, k.range.start);
                path.push(PSeg::Key(k.name.clone()));
                let range = match &k.value {
                    Some(v) if col >= v.start => abs(v.start)..abs(v.end.max(col)),
                    _ => offset..offset,
                };
                return Some(Place::Value { path, range });
            }
            return None;
        }
        match t.content {
            Some(c) if col >= c => {
                let word = &line.text[c..];
                let end = c + word.find([' ', '\t']).unwrap_or(word.len());
                if col > end {
                    return None;
                }
                Some(Place::Key {
                    parent: self.ancestors(li, c),
                    range: abs(c)..abs(end),
                    name: line.text[c..end].to_owned(),
                    colon: false,
                })
            }
            Some(_) => None,
            None => {
                // A blank line (or dashes only): a key at the cursor's column.
                if line.text[..col].trim_start_matches([' ', '-']).is_empty() {
                    Some(Place::Key {
                        parent: self.ancestors(li, col),
                        range: offset..offset,
                        name: String::new(),
                        colon: false,
                    })
                } else {
                    None
                }
            }
        }
    }

    /// The path (outermost first) of the mapping that holds a node at column `col` of
    /// line `li`.
    fn ancestors(&self, li: usize, col: usize) -> Vec<PSeg> {
        let mut path = Vec::new();
        let mut target = col;
        let mut item_target = false;
        for &d in self.tokens[li].dashes.iter().rev() {
            if d < target {
                path.push(PSeg::Item(li, d));
                target = d;
                item_target = true;
            }
        }
        for l in (0..li).rev() {
            if target == 0 && !item_target {
                break;
            }
            let t = &self.tokens[l];
            if t.separator {
                break;
            }
            if t.first().is_none() {
                continue;
            }
            if let Some(k) = &t.key {
                let kc = k.range.start;
                // A sequence may sit at its key's column (`key:\n- item`).
                if kc < target || (item_target && kc == target && k.value.is_none()) {
                    path.push(PSeg::Key(k.name.clone()));
                    target = kc;
                    item_target = false;
                }
            }
            for &d in t.dashes.iter().rev() {
                if d < target {
                    path.push(PSeg::Item(l, d));
                    target = d;
                    item_target = true;
                }
            }
        }
        path.reverse();
        path
    }

    /// The lines of the document (`---`-separated) around line `li`.
    fn document(&self, li: usize) -> Range<usize> {
        let start = (0..=li)
            .rev()
            .find(|&l| self.tokens[l].separator)
            .map_or(0, |l| l + 1);
        let end = (li + 1..self.lines.len())
            .find(|&l| self.tokens[l].separator)
            .unwrap_or(self.lines.len());
        start..end
    }

    /// A top-level scalar of the document around line `li`.
    fn top_value(&self, li: usize, key: &str) -> Option<String> {
        self.document(li).find_map(|l| {
            let t = &self.tokens[l];
            let k = t.key.as_ref()?;
            (t.dashes.is_empty() && k.range.start == 0 && k.name == key)
                .then(|| self.value_text(l, k))
                .flatten()
        })
    }

    fn value_text(&self, l: usize, k: &Key) -> Option<String> {
        let v = k.value.clone()?;
        Some(scalar(&self.lines[l].text[v]).to_owned())
    }

    /// A scalar key of the mapping that is the sequence item whose dash is at `(li, col)`.
    fn item_value(&self, li: usize, col: usize, key: &str) -> Option<String> {
        let t = &self.tokens[li];
        let pos = t.dashes.iter().position(|d| *d == col)?;
        if pos + 1 < t.dashes.len() {
            return None; // an item that is itself a sequence
        }
        let content = match t.content {
            Some(c) => c,
            None => (li + 1..self.lines.len())
                .find_map(|l| self.tokens[l].first())
                .filter(|c| *c > col)?,
        };
        for l in li..self.lines.len() {
            let t = &self.tokens[l];
            if t.separator {
                break;
            }
            if l > li {
                match t.first() {
                    None => continue,
                    Some(f) if f <= col => break,
                    _ => {}
                }
                if !t.dashes.is_empty() {
                    continue;
                }
            }
            if let Some(k) = &t.key
                && k.range.start == content
                && k.name == key
            {
                return self.value_text(l, k);
            }
        }
        None
    }

    /// The keys already written in the mapping that holds the key at column `col` of line
    /// `li`.
    fn sibling_keys(&self, li: usize, col: usize) -> Vec<String> {
        let mut out = Vec::new();
        let key_at = |l: usize| {
            self.tokens[l]
                .key
                .as_ref()
                .filter(|k| k.range.start == col)
                .map(|k| k.name.clone())
        };
        for l in (0..li).rev() {
            let t = &self.tokens[l];
            if t.separator {
                break;
            }
            let Some(first) = t.first() else { continue };
            out.extend(key_at(l));
            if first < col {
                break;
            }
        }
        for l in li + 1..self.lines.len() {
            let t = &self.tokens[l];
            if t.separator {
                break;
            }
            let Some(first) = t.first() else { continue };
            if first < col {
                break;
            }
            out.extend(key_at(l));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// What the cursor is on
// ---------------------------------------------------------------------------------------

/// The kind of object a document holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DocKind {
    Application,
    Policy,
    Workflow,
}

fn doc_kind(text: &Text<'_>, li: usize) -> Option<DocKind> {
    let kind = text.top_value(li, "kind")?;
    let api = text.top_value(li, "apiVersion");
    let api_ok = |want: &str| api.as_deref().is_none_or(|a| a == want);
    match kind.as_str() {
        "Application" if api_ok(APPLICATION_API) => Some(DocKind::Application),
        "Policy" if api_ok(POLICY_WORKFLOW_API) => Some(DocKind::Policy),
        "Workflow" if api_ok(POLICY_WORKFLOW_API) => Some(DocKind::Workflow),
        _ => None,
    }
}

/// An object with a `type`: a sequence item, or the document (a standalone Policy).
#[derive(Clone, Copy, Debug)]
struct Owner {
    kind: DefinitionKind,
    item: Option<(usize, usize)>,
}

/// The object a path is in, and the rest of the path inside it.
fn owner<'p>(kind: DocKind, path: &'p [PSeg]) -> Option<(Owner, &'p [PSeg])> {
    let key = |s: &PSeg, k: &str| matches!(s, PSeg::Key(n) if n == k);
    let item = |s: &PSeg| match s {
        PSeg::Item(l, c) => Some((*l, *c)),
        PSeg::Key(_) => None,
    };
    let steps = |path: &'p [PSeg]| -> Option<(Owner, &'p [PSeg])> {
        let i = item(path.first()?)?;
        let rest = &path[1..];
        if rest.len() >= 2 && key(&rest[0], "subSteps") {
            let j = item(&rest[1])?;
            return Some((
                Owner {
                    kind: DefinitionKind::WorkflowStep,
                    item: Some(j),
                },
                &rest[2..],
            ));
        }
        Some((
            Owner {
                kind: DefinitionKind::WorkflowStep,
                item: Some(i),
            },
            rest,
        ))
    };
    match kind {
        DocKind::Policy => Some((
            Owner {
                kind: DefinitionKind::Policy,
                item: None,
            },
            path,
        )),
        DocKind::Workflow => {
            if !key(path.first()?, "steps") {
                return None;
            }
            steps(&path[1..])
        }
        DocKind::Application => {
            if path.len() < 3 || !key(&path[0], "spec") {
                return None;
            }
            if key(&path[1], "components") {
                let c = item(&path[2])?;
                let rest = &path[3..];
                if rest.len() >= 2 && key(&rest[0], "traits") {
                    let t = item(&rest[1])?;
                    return Some((
                        Owner {
                            kind: DefinitionKind::Trait,
                            item: Some(t),
                        },
                        &rest[2..],
                    ));
                }
                return Some((
                    Owner {
                        kind: DefinitionKind::Component,
                        item: Some(c),
                    },
                    rest,
                ));
            }
            if key(&path[1], "policies") {
                let p = item(&path[2])?;
                return Some((
                    Owner {
                        kind: DefinitionKind::Policy,
                        item: Some(p),
                    },
                    &path[3..],
                ));
            }
            if key(&path[1], "workflow") && key(&path[2], "steps") {
                return steps(&path[3..]);
            }
            None
        }
    }
}

/// The `type` of an owner, as written.
fn owner_type(text: &Text<'_>, li: usize, o: Owner) -> Option<String> {
    match o.item {
        Some((l, c)) => text.item_value(l, c, "type"),
        None => text.top_value(li, "type"),
    }
}

/// What is at the cursor, for the features.
enum Target {
    /// The `type` value of an object.
    Type {
        kind: DefinitionKind,
        range: Range<usize>,
        value: String,
    },
    /// A key under `properties` (the path below `properties`, without the key).
    PropertyKey {
        kind: DefinitionKind,
        type_name: String,
        sub: Vec<PSeg>,
        range: Range<usize>,
        name: String,
        colon: bool,
        line: usize,
        col: usize,
    },
    /// A value under `properties` (the path below `properties`, with its key).
    PropertyValue {
        kind: DefinitionKind,
        type_name: String,
        sub: Vec<PSeg>,
        range: Range<usize>,
    },
}

fn target(snap: &Snapshot, offset: usize) -> Option<Target> {
    let text = snap.text();
    if !looks_like_app(text) {
        return None;
    }
    let offset = xdef_syntax::line_index::floor_char_boundary(text, offset.min(text.len()));
    let t = Text::new(text);
    let (li, _) = t.line_col(offset);
    let kind = doc_kind(&t, li)?;
    match t.place(offset)? {
        Place::Value { path, range } => {
            let (o, rest) = owner(kind, &path)?;
            match rest {
                [PSeg::Key(k)] if k == "type" => Some(Target::Type {
                    kind: o.kind,
                    value: scalar(&text[range.clone()]).to_owned(),
                    range,
                }),
                [PSeg::Key(p), sub @ ..] if p == "properties" && !sub.is_empty() => {
                    Some(Target::PropertyValue {
                        kind: o.kind,
                        type_name: owner_type(&t, li, o)?,
                        sub: sub.to_vec(),
                        range,
                    })
                }
                _ => None,
            }
        }
        Place::Key {
            parent,
            range,
            name,
            colon,
        } => {
            let (o, rest) = owner(kind, &parent)?;
            let [PSeg::Key(p), sub @ ..] = rest else {
                return None;
            };
            if p != "properties" {
                return None;
            }
            let (line, col) = t.line_col(range.start);
            Some(Target::PropertyKey {
                kind: o.kind,
                type_name: owner_type(&t, li, o)?,
                sub: sub.to_vec(),
                range,
                name,
                colon,
                line,
                col,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// The parameter schema, from syntax
// ---------------------------------------------------------------------------------------

/// The scope symbol of `parameter` below a path of properties.
fn schema_symbol(def: &DefInfo, sub: &[PSeg]) -> Option<Symbol> {
    let index = def.index();
    if !index.fields.contains_key(def.parameter_path) {
        return None;
    }
    let mut sym = Symbol::Field(def.parameter_path.to_owned());
    for seg in sub {
        sym = match (seg, &sym) {
            (PSeg::Key(k), _) => index.member(&sym, k),
            (PSeg::Item(..), Symbol::Field(p)) => Symbol::Field(format!("{p}.[...]")),
            _ => return None,
        };
        if !matches!(sym, Symbol::Field(_)) {
            return None;
        }
    }
    Some(sym)
}

/// What a parameter field declares.
#[derive(Default)]
struct FieldDoc {
    declared: Vec<String>,
    default: Option<String>,
    doc: Option<String>,
    optional: bool,
    /// The strings of a disjunction of strings (`*"a" | "b"`), or `true`/`false`.
    values: Vec<String>,
}

fn field_node<'t>(parse: &'t Parse, range: &Range<usize>) -> Option<Node<'t>> {
    let root = parse.tree().root_node();
    let n = root.descendant_for_byte_range(range.start, range.end)?;
    syntax::ancestors(n).find(|a| a.kind() == "field" && a.byte_range() == *range)
}

fn value_node<'t>(parse: &'t Parse, range: &Range<usize>) -> Option<Node<'t>> {
    let root = parse.tree().root_node();
    let n = root.descendant_for_byte_range(range.start, range.end)?;
    Some(
        syntax::ancestors(n)
            .find(|a| a.byte_range() == *range)
            .unwrap_or(n),
    )
}

/// The alternatives of a disjunction that are string literals (or booleans).
fn alternatives(parse: &Parse, expr: Node<'_>, out: &mut Vec<String>) {
    let mut stack = vec![expr];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "binary_expression" => {
                let is_or = n
                    .child_by_field_name("operator")
                    .is_some_and(|o| o.kind() == "|");
                if is_or {
                    if let Some(r) = n.child_by_field_name("right") {
                        stack.push(r);
                    }
                    if let Some(l) = n.child_by_field_name("left") {
                        stack.push(l);
                    }
                }
            }
            "parenthesized_expression" => stack.extend(n.named_child(0)),
            "unary_expression" => {
                if n.child_by_field_name("operator")
                    .is_some_and(|o| o.kind() == "*")
                {
                    stack.extend(n.child_by_field_name("operand"));
                }
            }
            "string" => {
                if let Some(s) = syntax::string_value(parse, n)
                    && !out.contains(&s)
                {
                    out.push(s);
                }
            }
            "true" | "false" | "boolean" => {
                let s = syntax::text(parse, n).to_owned();
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            "identifier" if syntax::text(parse, n) == "bool" => {
                for b in ["true", "false"] {
                    if !out.iter().any(|s| s == b) {
                        out.push(b.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
}

fn field_doc(def: &DefInfo, path: &str) -> FieldDoc {
    let parse = &*def.template;
    let index = def.index();
    let mut out = FieldDoc::default();
    let mut paths = vec![path.to_owned()];
    // A field whose value is another field (`strategy: #Strategy`): its declarations too.
    for target in index.value_refs.get(path).into_iter().flatten() {
        if let Symbol::Field(p) = target {
            paths.push(p.clone());
        }
    }
    for (i, p) in paths.iter().enumerate() {
        for d in index.fields.get(p).into_iter().flatten() {
            let field = field_node(parse, &d.field_range);
            if i == 0 {
                if let Some(f) = field {
                    let optional = f
                        .child_by_field_name("label")
                        .and_then(|l| l.child_by_field_name("constraint"))
                        .is_some_and(|c| c.kind() == "optional");
                    out.optional |= optional;
                    if out.doc.is_none()
                        && let Some(c) = syntax::doc_comment(parse, f)
                    {
                        let d = match syntax::usage(&c) {
                            Some(u) => u.to_owned(),
                            None => syntax::prose(&c),
                        };
                        out.doc = (!d.is_empty()).then_some(d);
                    }
                }
                if let Some(v) = &d.value_range {
                    let shown = packages::summary(&parse.text()[v.clone()]);
                    if !out.declared.contains(&shown) && out.declared.len() < 4 {
                        out.declared.push(shown);
                    }
                }
            }
            if let Some(v) = d.value_range.as_ref().and_then(|v| value_node(parse, v)) {
                if out.default.is_none() {
                    out.default = syntax::default_of(v).map(|n| syntax::text(parse, n).to_owned());
                }
                alternatives(parse, v, &mut out.values);
            }
        }
    }
    out
}

fn markdown(value: String) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    })
}

/// Markdown for a parameter field.
fn field_markdown(name: &str, f: &FieldDoc, def: &DefInfo) -> String {
    let mut out = String::from("```cue\n");
    let label = if f.optional {
        format!("{name}?")
    } else {
        name.to_owned()
    };
    if f.declared.is_empty() {
        out.push_str(&format!("{label}: _\n"));
    }
    for d in &f.declared {
        out.push_str(&format!("{label}: {d}\n"));
    }
    out.push_str("```\n");
    if let Some(d) = &f.doc {
        out.push_str(&format!("\n{d}\n"));
    }
    match (&f.default, f.optional) {
        (Some(d), _) => out.push_str(&format!("\nDefault: `{d}`\n")),
        (None, true) => out.push_str("\nOptional.\n"),
        (None, false) => out.push_str("\nRequired.\n"),
    }
    out.push_str(&format!(
        "\nParameter of {} `{}`",
        def.kind.type_name(),
        def.name
    ));
    out
}

/// A sub path as a field path of the scope index.
fn field_path(sym: &Symbol) -> Option<&str> {
    match sym {
        Symbol::Field(p) => Some(p),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Completion, hover, definition
// ---------------------------------------------------------------------------------------

/// A YAML scalar for a string: plain when YAML reads it back as that string, else quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}

fn item(
    snap: &Snapshot,
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
    doc: Option<String>,
    range: Range<usize>,
    insert: String,
    order: usize,
) -> CompletionItem {
    CompletionItem {
        label: label.to_owned(),
        kind: Some(kind),
        detail: detail.filter(|d| !d.is_empty()),
        documentation: doc.filter(|d| !d.is_empty()).map(markdown),
        sort_text: Some(format!("{order:04}")),
        filter_text: Some(label.to_owned()),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range: snap.range(range),
            new_text: insert,
        })),
        ..Default::default()
    }
}

/// Markdown describing a definition.
fn definition_markdown(d: &DefInfo, roots: &[std::path::PathBuf]) -> String {
    let mut out = format!("**{}** — {} definition\n", d.name, d.kind.type_name());
    if let Some(desc) = &d.description {
        out.push_str(&format!("\n{desc}\n"));
    }
    if let Some(a) = &d.alias {
        out.push_str(&format!("\nAlias: `{a}`\n"));
    }
    let shown = d
        .uri
        .to_file_path()
        .map(|p| {
            let p = p.into_owned();
            roots
                .iter()
                .find_map(|r| p.strip_prefix(r).ok().map(|s| s.display().to_string()))
                .unwrap_or_else(|| p.display().to_string())
        })
        .unwrap_or_else(|| d.uri.as_str().to_owned());
    out.push_str(&format!(
        "\nDefined in [{shown}]({}#L{})",
        d.uri.as_str(),
        d.line + 1
    ));
    out
}

fn builtin_note(kind: DefinitionKind, name: &str) -> String {
    format!(
        "**{name}** — {} definition built into KubeVela\n\nIt is not in the workspace: its properties are not checked.",
        kind.type_name()
    )
}

/// Completion in an Application document (empty for any other YAML).
pub fn complete(snap: &Snapshot, offset: usize, workspace: &Workspace) -> Vec<CompletionItem> {
    let Some(target) = target(snap, offset) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Right after `key:`, a value needs a space before it.
    let text = snap.text();
    let space = |range: &Range<usize>| {
        if text[..range.start].ends_with(':') {
            " "
        } else {
            ""
        }
    };
    match target {
        Target::Type { kind, range, .. } => {
            let sp = space(&range);
            let defs = workspace.definitions(kind);
            let roots = workspace.roots();
            for d in &defs {
                out.push(item(
                    snap,
                    &d.name,
                    CompletionItemKind::CLASS,
                    Some(
                        d.description
                            .clone()
                            .unwrap_or_else(|| format!("{} definition", kind.type_name())),
                    ),
                    Some(definition_markdown(d, &roots)),
                    range.clone(),
                    format!("{sp}{}", yaml_scalar(&d.name)),
                    out.len(),
                ));
            }
            for (k, names) in BUILTIN_DEFINITIONS {
                if *k != kind {
                    continue;
                }
                for n in *names {
                    if defs.iter().any(|d| d.name == *n) {
                        continue;
                    }
                    out.push(item(
                        snap,
                        n,
                        CompletionItemKind::CLASS,
                        Some("built into KubeVela".to_owned()),
                        None,
                        range.clone(),
                        format!("{sp}{n}"),
                        out.len(),
                    ));
                }
            }
        }
        Target::PropertyKey {
            kind,
            type_name,
            sub,
            range,
            colon,
            line,
            col,
            ..
        } => {
            let Some(def) = workspace.definition(kind, &type_name) else {
                return out;
            };
            let Some(sym) = schema_symbol(&def, &sub) else {
                return out;
            };
            let text = Text::new(snap.text());
            let present = text.sibling_keys(line, col);
            for (name, path) in def.index().members_of(&sym) {
                if name.starts_with(['#', '_']) || present.contains(&name) {
                    continue;
                }
                let f = field_doc(&def, &path);
                let mut detail = f.declared.first().cloned().unwrap_or_default();
                if f.optional {
                    detail = format!("(optional) {detail}");
                }
                let key = yaml_scalar(&name);
                let insert = if colon { key } else { format!("{key}: ") };
                out.push(item(
                    snap,
                    &name,
                    CompletionItemKind::FIELD,
                    Some(detail),
                    Some(field_markdown(&name, &f, &def)),
                    range.clone(),
                    insert,
                    out.len(),
                ));
            }
        }
        Target::PropertyValue {
            kind,
            type_name,
            sub,
            range,
        } => {
            let Some(def) = workspace.definition(kind, &type_name) else {
                return out;
            };
            let Some(sym) = schema_symbol(&def, &sub) else {
                return out;
            };
            let Some(path) = field_path(&sym) else {
                return out;
            };
            let f = field_doc(&def, path);
            let sp = space(&range);
            for v in &f.values {
                let is_default = f.default.as_deref().is_some_and(|d| scalar(d) == v);
                out.push(item(
                    snap,
                    v,
                    CompletionItemKind::ENUM_MEMBER,
                    is_default.then(|| "default".to_owned()),
                    None,
                    range.clone(),
                    if v == "true" || v == "false" {
                        format!("{sp}{v}")
                    } else {
                        format!("{sp}{}", yaml_scalar(v))
                    },
                    out.len(),
                ));
            }
        }
    }
    out
}

/// Hover in an Application document: a `type` value (the definition) or a property key
/// (the parameter).
pub fn hover(snap: &Snapshot, offset: usize, workspace: &Workspace) -> Option<Hover> {
    let (value, range) = match target(snap, offset)? {
        Target::Type { kind, range, value } => {
            let text = match workspace.definition(kind, &value) {
                Some(d) => definition_markdown(&d, &workspace.roots()),
                None if is_builtin(kind, &value) => builtin_note(kind, &value),
                None => return None,
            };
            (text, range)
        }
        Target::PropertyKey {
            kind,
            type_name,
            mut sub,
            range,
            name,
            ..
        } => {
            let def = workspace.definition(kind, &type_name)?;
            sub.push(PSeg::Key(name.clone()));
            let sym = schema_symbol(&def, &sub)?;
            let f = field_doc(&def, field_path(&sym)?);
            (field_markdown(&name, &f, &def), range)
        }
        Target::PropertyValue { .. } => return None,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(snap.range(range)),
    })
}

/// Go to definition on a `type` value: the definition's declaration.
pub fn definition(snap: &Snapshot, offset: usize, workspace: &Workspace) -> Option<Location> {
    let Target::Type { kind, value, .. } = target(snap, offset)? else {
        return None;
    };
    let d: Arc<DefInfo> = workspace.definition(kind, &value)?;
    let pos = tower_lsp_server::ls_types::Position::new(d.line, 0);
    Some(Location {
        uri: d.uri.clone(),
        range: tower_lsp_server::ls_types::Range::new(pos, pos),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The place at `|` (removed from the text).
    fn place(text: &str) -> String {
        let offset = text.find('|').expect("a cursor");
        let clean = format!("{}{}", &text[..offset], &text[offset + 1..]);
        let t = Text::new(&clean);
        match t.place(offset) {
            None => "none".into(),
            Some(Place::Key { parent, name, .. }) => format!("key {name:?} in {parent:?}"),
            Some(Place::Value { path, range }) => {
                format!("value {:?} of {path:?}", &clean[range])
            }
        }
    }

    #[test]
    fn places_from_indentation() {
        let app = "spec:\n  components:\n    - name: web\n      type: wor|\n";
        assert_eq!(
            place(app),
            r#"value "wor" of [Key("spec"), Key("components"), Item(2, 4), Key("type")]"#
        );
        let app = "spec:\n  components:\n  - name: web\n    properties:\n      ima|\n";
        assert_eq!(
            place(app),
            r#"key "ima" in [Key("spec"), Key("components"), Item(2, 2), Key("properties")]"#
        );
        let app = "spec:\n  components:\n    - name: web\n      traits:\n        - |\n";
        assert_eq!(
            place(app),
            r#"key "" in [Key("spec"), Key("components"), Item(2, 4), Key("traits"), Item(4, 8)]"#
        );
        let t = Text::new("a:\n  - name: x\n    type: y # c\n  - type: \"z\"\n");
        assert_eq!(t.item_value(1, 2, "type").as_deref(), Some("y"));
        assert_eq!(t.item_value(3, 2, "type").as_deref(), Some("z"));
        assert_eq!(t.sibling_keys(2, 4), ["name"]);
    }

    #[test]
    fn app_documents_and_token_ends() {
        assert!(looks_like_app(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\n"
        ));
        assert!(!looks_like_app(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        ));
        assert!(!looks_like_app("kind: ConfigMap\napiVersion: v1\n"));
        let text = "a: \"x: y\" # c\nb: plain value # c\n";
        assert_eq!(&text[3..token_end(text, 3)], "\"x: y\"");
        let b = text.find("plain").unwrap();
        assert_eq!(&text[b..token_end(text, b)], "plain value");
        assert_eq!(yaml_scalar("Always"), "Always");
        assert_eq!(yaml_scalar("yes"), "\"yes\"");
        assert_eq!(yaml_scalar("8080"), "\"8080\"");
    }
}
