//! The workspace folders' definitions, for workspace symbols and for Application YAML:
//! every `*.cue` file under the folders is parsed once in the background (hidden
//! directories, `cue.mod`, `node_modules` and `target` skipped), and so is every YAML file
//! that holds `*Definition` objects (CRDs with `spec.schematic.cue.template`); open
//! documents override what is on disk. Only syntax is read: opening a workspace never
//! evaluates anything.
//!
//! For Applications it keeps, per definition, its name, kind, alias, description and
//! template parse ([`DefInfo`], for completion and hover, with the template's scope index
//! built on first use), and the text of every definition file ([`DefinitionSources`], for
//! the evaluation thread, which builds its registry from them). A generation counter moves
//! whenever a definition file changes; `definitions_changed` is notified then, so that open
//! Applications are checked again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use ropey::Rope;
use tower_lsp_server::ls_types::{
    Location, OneOf, Position, Range, SymbolKind, Uri, WorkspaceLocation, WorkspaceSymbol,
};
use xdef_cue::Data;
use xdef_syntax::Parse;
use xdef_vela::DefinitionKind;
use xdef_vela::yaml_source::{self, Seg};

use super::encoding::{self, Encoding};
use super::scope;
use super::syntax;

/// A symbol with its position in both encodings (files on disk have no rope kept).
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    kind: SymbolKind,
    container: Option<String>,
    range16: Range,
    range8: Range,
}

#[derive(Default)]
struct Inner {
    roots: Vec<PathBuf>,
    /// By URI string: symbols of files on disk.
    disk: HashMap<String, (Uri, Vec<Entry>)>,
    /// By URI string: symbols of open documents (they win over disk).
    open: HashMap<String, (Uri, Vec<Entry>)>,
    generation: u64,
    /// By URI string: definition files on disk (`.cue` or YAML with CRDs).
    defs_disk: HashMap<String, Arc<DefFile>>,
    /// By URI string: open documents' definitions (an entry with no definitions hides
    /// the file on disk).
    defs_open: HashMap<String, Arc<DefFile>>,
    /// Moves whenever a definition file changes.
    defs_generation: u64,
    sources: Option<Arc<DefinitionSources>>,
    /// The first full read of the folders is done.
    indexed: bool,
}

/// A definition of the workspace, read from syntax.
pub struct DefInfo {
    pub name: String,
    pub kind: DefinitionKind,
    pub alias: Option<String>,
    pub description: Option<String>,
    pub uri: Uri,
    /// The line of its name (0-based).
    pub line: u32,
    /// The template: the whole `.cue` file, or a CRD's `spec.schematic.cue.template`.
    pub template: Arc<Parse>,
    /// The field path of `parameter` in the template's scope index.
    pub parameter_path: &'static str,
    index: OnceLock<scope::Index>,
}

impl DefInfo {
    /// The template's scope index (built on first use).
    pub fn index(&self) -> &scope::Index {
        self.index
            .get_or_init(|| scope::Index::build(&self.template))
    }
}

/// A file with definitions.
struct DefFile {
    /// As the evaluation thread names it (a path, ending in `.cue`, `.yaml` or `.yml`).
    name: String,
    text: Arc<str>,
    defs: Vec<Arc<DefInfo>>,
}

/// The text of every definition file, for the evaluation thread.
pub struct DefinitionSources {
    pub generation: u64,
    /// (URI, name ending in the file's extension, text).
    pub files: Vec<(Uri, String, Arc<str>)>,
}

#[derive(Default, Clone)]
pub struct Workspace {
    inner: Arc<RwLock<Inner>>,
    /// Notified when a definition file changes or the folders have been read.
    pub definitions_changed: Arc<tokio::sync::Notify>,
}

/// Symbols a file declares: the definition (header name) and `#Definitions` at the top
/// level and at the top of the template.
fn file_entries(parse: &Parse) -> Vec<Entry> {
    let rope = Rope::from_str(parse.text());
    let mut out = Vec::new();
    let mut push =
        |name: String, kind: SymbolKind, container: Option<String>, r: std::ops::Range<usize>| {
            out.push(Entry {
                name,
                kind,
                container,
                range16: encoding::range(&rope, r.clone(), Encoding::Utf16),
                range8: encoding::range(&rope, r, Encoding::Utf8),
            })
        };
    let kind = syntax::definition_kind(parse);
    let header = syntax::header_field(parse);
    for (name, field) in syntax::top_fields(parse) {
        let label = field.child_by_field_name("label").unwrap_or(field);
        if Some(field) == header {
            let detail = kind.map(|k| format!("{} definition", k.type_name()));
            push(name, SymbolKind::CLASS, detail, label.byte_range());
        } else if name.starts_with('#') || name.starts_with("_#") {
            push(name, SymbolKind::STRUCT, None, label.byte_range());
        }
    }
    if let Some(t) = syntax::template_struct(parse) {
        let owner = header.and_then(|h| syntax::field_name(parse, h));
        for (name, field) in syntax::struct_fields(parse, t) {
            if name.starts_with('#') || name.starts_with("_#") {
                let label = field.child_by_field_name("label").unwrap_or(field);
                push(name, SymbolKind::STRUCT, owner.clone(), label.byte_range());
            }
        }
    }
    out
}

/// The name and template of the definition in a `.cue` file, from its syntax.
fn cue_definitions(uri: &Uri, parse: &Arc<Parse>) -> Vec<Arc<DefInfo>> {
    let Some(kind) = syntax::definition_kind(parse) else {
        return Vec::new();
    };
    let Some(header) = syntax::header_field(parse) else {
        return Vec::new();
    };
    let Some(name) = syntax::field_name(parse, header) else {
        return Vec::new();
    };
    let mut alias = None;
    let mut description = None;
    if let Some(s) = syntax::value_struct(header) {
        for (key, field) in syntax::struct_fields(parse, s) {
            let value = field
                .child_by_field_name("value")
                .and_then(|v| syntax::string_value(parse, v));
            match key.as_str() {
                "alias" => alias = value,
                "description" => description = value,
                _ => {}
            }
        }
    }
    let line = parse
        .line_index()
        .line_col(parse.text(), header.start_byte())
        .line;
    vec![Arc::new(DefInfo {
        name,
        kind,
        alias: alias.filter(|a| !a.is_empty()),
        description: description.filter(|d| !d.is_empty()),
        uri: uri.clone(),
        line,
        template: parse.clone(),
        parameter_path: "template.parameter",
        index: OnceLock::new(),
    })]
}

/// Whether a YAML text may hold definition CRDs (a cheap test before parsing it).
fn may_hold_crds(text: &str) -> bool {
    text.contains("Definition") && text.contains("schematic")
}

/// The `*Definition` objects of a YAML stream with a CUE template.
fn yaml_definitions(uri: &Uri, text: &str) -> Vec<Arc<DefInfo>> {
    if !may_hold_crds(text) {
        return Vec::new();
    }
    let Ok(docs) = yaml_source::parse_stream(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in docs {
        let str_at = |path: &[Seg<'_>]| -> Option<String> {
            let mut d = &doc.data;
            for seg in path {
                d = match seg {
                    Seg::Key(k) => yaml_source::field(d, k)?,
                    Seg::Index(_) => return None,
                };
            }
            match d {
                Data::Str(s) => Some(s.to_string()),
                _ => None,
            }
        };
        let Some(kind) = str_at(&[Seg::Key("kind")])
            .and_then(|k| DefinitionKind::ALL.into_iter().find(|d| d.crd_kind() == k))
        else {
            continue;
        };
        let name_path = [Seg::Key("metadata"), Seg::Key("name")];
        let Some(name) = str_at(&name_path) else {
            continue;
        };
        let Some(template) = str_at(&[
            Seg::Key("spec"),
            Seg::Key("schematic"),
            Seg::Key("cue"),
            Seg::Key("template"),
        ]) else {
            continue;
        };
        let annotation = |key: &str| {
            str_at(&[Seg::Key("metadata"), Seg::Key("annotations"), Seg::Key(key)])
                .filter(|s| !s.is_empty())
        };
        out.push(Arc::new(DefInfo {
            name,
            kind,
            alias: annotation("definition.oam.dev/alias"),
            description: annotation("definition.oam.dev/description"),
            uri: uri.clone(),
            line: doc.value_pos(&name_path).line,
            template: Arc::new(xdef_syntax::parse(template)),
            parameter_path: "parameter",
            index: OnceLock::new(),
        }));
    }
    out
}

fn is_yaml_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The definitions of a file (`None`: it has none).
fn def_file(uri: &Uri, text: &str, parse: Option<&Arc<Parse>>) -> Option<Arc<DefFile>> {
    let name = uri
        .to_file_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| uri.as_str().to_owned());
    let defs = if is_yaml_name(&name) {
        yaml_definitions(uri, text)
    } else {
        match parse {
            Some(p) => cue_definitions(uri, p),
            None => cue_definitions(uri, &Arc::new(xdef_syntax::parse(text.to_owned()))),
        }
    };
    (!defs.is_empty()).then(|| {
        Arc::new(DefFile {
            name,
            text: Arc::from(text),
            defs,
        })
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if name.starts_with('.') || matches!(&*name, "cue.mod" | "node_modules" | "target") {
                continue;
            }
            collect(&e.path(), out, depth + 1);
        } else if name.ends_with(".cue") || is_yaml_name(&name) {
            out.push(e.path());
        }
        if out.len() > 20_000 {
            return;
        }
    }
}

/// Whether `query` matches `name`: its characters in order, ignoring case.
fn fuzzy(query: &str, name: &str) -> bool {
    let mut chars = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|q| chars.any(|c| c == q))
}

impl Workspace {
    pub fn set_roots(&self, roots: Vec<PathBuf>) {
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        w.roots = roots;
    }

    pub fn roots(&self) -> Vec<PathBuf> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .roots
            .clone()
    }

    pub fn change_roots(&self, added: Vec<PathBuf>, removed: Vec<PathBuf>) {
        {
            let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
            w.roots.retain(|r| !removed.contains(r));
            for a in added {
                if !w.roots.contains(&a) {
                    w.roots.push(a);
                }
            }
        }
        self.index_in_background();
    }

    /// Re-reads every file under the roots on a background thread.
    pub fn index_in_background(&self) {
        let inner = self.inner.clone();
        let changed = self.definitions_changed.clone();
        let (roots, generation) = {
            let mut w = inner.write().unwrap_or_else(|e| e.into_inner());
            w.generation += 1;
            (w.roots.clone(), w.generation)
        };
        let _ = std::thread::Builder::new()
            .name("xdef-index".into())
            .spawn(move || {
                let mut files = Vec::new();
                for r in &roots {
                    collect(r, &mut files, 0);
                }
                let mut disk = HashMap::new();
                let mut defs = HashMap::new();
                for path in files {
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    if bytes.len() > 4 << 20 {
                        continue;
                    }
                    let Some(uri) = Uri::from_file_path(&path) else {
                        continue;
                    };
                    let (text, _) = xdef_syntax::decode_source(&bytes);
                    if is_yaml_name(&path.to_string_lossy()) {
                        if let Some(f) = def_file(&uri, &text, None) {
                            defs.insert(uri.as_str().to_owned(), f);
                        }
                        continue;
                    }
                    let parse = Arc::new(xdef_syntax::parse(text));
                    disk.insert(uri.as_str().to_owned(), (uri.clone(), file_entries(&parse)));
                    if let Some(f) = def_file(&uri, parse.text(), Some(&parse)) {
                        defs.insert(uri.as_str().to_owned(), f);
                    }
                }
                let mut w = inner.write().unwrap_or_else(|e| e.into_inner());
                if w.generation == generation {
                    w.disk = disk;
                    w.defs_disk = defs;
                    w.defs_generation += 1;
                    w.indexed = true;
                    drop(w);
                    changed.notify_one();
                }
            });
    }

    /// The generation of the definitions (it moves whenever one changes).
    pub fn definitions_generation(&self) -> u64 {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .defs_generation
    }

    /// Whether the folders have been read once (Applications are checked after that).
    pub fn indexed(&self) -> bool {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).indexed
    }

    /// Records the definitions of an open document (`.cue` with its parse, or YAML); when
    /// they differ from what the workspace had for it, the generation moves.
    pub fn update_open_definitions(&self, uri: &Uri, text: &str, parse: Option<&Arc<Parse>>) {
        let file = def_file(uri, text, parse);
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let key = uri.as_str();
        let before = match w.defs_open.get(key) {
            Some(f) => (!f.defs.is_empty()).then(|| f.text.clone()),
            None => w.defs_disk.get(key).map(|f| f.text.clone()),
        };
        if file.is_none() && before.is_none() {
            return;
        }
        let same = matches!((&file, &before), (Some(new), Some(old)) if new.text == *old);
        // No definitions any more: an empty entry hides the file on disk.
        let entry = file.unwrap_or_else(|| {
            Arc::new(DefFile {
                name: String::new(),
                text: Arc::from(""),
                defs: Vec::new(),
            })
        });
        w.defs_open.insert(key.to_owned(), entry);
        if !same {
            w.defs_generation += 1;
            drop(w);
            self.definitions_changed.notify_one();
        }
    }

    /// Every definition of a kind (open documents first, then files on disk), in order of
    /// name.
    pub fn definitions(&self, kind: DefinitionKind) -> Vec<Arc<DefInfo>> {
        let w = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<Arc<DefInfo>> = Vec::new();
        let files = w.defs_open.values().chain(
            w.defs_disk
                .iter()
                .filter(|(k, _)| !w.defs_open.contains_key(*k))
                .map(|(_, f)| f),
        );
        for f in files {
            for d in &f.defs {
                if d.kind == kind && !out.iter().any(|o| o.name == d.name) {
                    out.push(d.clone());
                }
            }
        }
        out.sort_by(|a, b| (&a.name, a.uri.as_str()).cmp(&(&b.name, b.uri.as_str())));
        out.dedup_by(|a, b| a.name == b.name);
        out
    }

    /// The definition of a kind with a name.
    pub fn definition(&self, kind: DefinitionKind, name: &str) -> Option<Arc<DefInfo>> {
        self.definitions(kind).into_iter().find(|d| d.name == name)
    }

    /// The text of every definition file, for the evaluation thread (shared until a
    /// definition file changes).
    pub fn definition_sources(&self) -> Arc<DefinitionSources> {
        {
            let w = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = &w.sources
                && s.generation == w.defs_generation
            {
                return s.clone();
            }
        }
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut files: Vec<(Uri, String, Arc<str>)> = Vec::new();
        let mut keys: Vec<&String> = w.defs_open.keys().collect();
        keys.extend(w.defs_disk.keys().filter(|k| !w.defs_open.contains_key(*k)));
        keys.sort();
        for k in keys {
            let Some(f) = w.defs_open.get(k).or_else(|| w.defs_disk.get(k)) else {
                continue;
            };
            if let Some(d) = f.defs.first() {
                files.push((d.uri.clone(), f.name.clone(), f.text.clone()));
            }
        }
        let sources = Arc::new(DefinitionSources {
            generation: w.defs_generation,
            files,
        });
        w.sources = Some(sources.clone());
        sources
    }

    pub fn update_open(&self, uri: &Uri, parse: &Parse) {
        let entries = file_entries(parse);
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        w.open
            .insert(uri.as_str().to_owned(), (uri.clone(), entries));
    }

    pub fn closed(&self, uri: &Uri) {
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        w.open.remove(uri.as_str());
        let had_defs = w.defs_open.remove(uri.as_str()).is_some();
        if had_defs {
            w.defs_generation += 1;
        }
        drop(w);
        self.file_changed(uri);
        if had_defs {
            self.definitions_changed.notify_one();
        }
    }

    /// A file changed on disk: read it again.
    pub fn file_changed(&self, uri: &Uri) {
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return;
        };
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read(&path)
            .ok()
            .map(|bytes| xdef_syntax::decode_source(&bytes).0);
        let yaml = is_yaml_name(&name);
        let (entries, defs) = match &text {
            Some(t) if yaml => (None, def_file(uri, t, None)),
            Some(t) => {
                let parse = Arc::new(xdef_syntax::parse(t.clone()));
                (
                    Some(file_entries(&parse)),
                    def_file(uri, parse.text(), Some(&parse)),
                )
            }
            None => (None, None),
        };
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        match entries {
            Some(e) => {
                w.disk.insert(uri.as_str().to_owned(), (uri.clone(), e));
            }
            None => {
                w.disk.remove(uri.as_str());
            }
        }
        let key = uri.as_str().to_owned();
        let changed = match (&defs, w.defs_disk.get(&key)) {
            (Some(new), Some(old)) => new.text != old.text,
            (None, None) => false,
            _ => true,
        };
        match defs {
            Some(d) => {
                w.defs_disk.insert(key.clone(), d);
            }
            None => {
                w.defs_disk.remove(&key);
            }
        }
        if changed {
            w.defs_generation += 1;
            let shadowed = w.defs_open.contains_key(&key);
            drop(w);
            if !shadowed {
                self.definitions_changed.notify_one();
            }
        }
    }

    pub fn symbols(&self, query: &str, enc: Encoding) -> Vec<WorkspaceSymbol> {
        let w = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let sources = w
            .open
            .iter()
            .chain(w.disk.iter().filter(|(k, _)| !w.open.contains_key(*k)));
        for (_, (uri, entries)) in sources {
            for e in entries {
                if !fuzzy(query, &e.name) {
                    continue;
                }
                let range = if enc == Encoding::Utf8 {
                    e.range8
                } else {
                    e.range16
                };
                out.push(WorkspaceSymbol {
                    name: e.name.clone(),
                    kind: e.kind,
                    tags: None,
                    container_name: e.container.clone(),
                    location: OneOf::Left(Location {
                        uri: uri.clone(),
                        range,
                    }),
                    data: None,
                });
            }
        }
        out.sort_by(|a, b| {
            (&a.name, location_key(&a.location)).cmp(&(&b.name, location_key(&b.location)))
        });
        out.truncate(1000);
        out
    }
}

fn location_key(l: &OneOf<Location, WorkspaceLocation>) -> String {
    match l {
        OneOf::Left(l) => l.uri.as_str().to_owned(),
        OneOf::Right(l) => l.uri.as_str().to_owned(),
    }
}

#[allow(dead_code)]
fn _p(_: Position) {}
