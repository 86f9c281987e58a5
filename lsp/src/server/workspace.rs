//! The workspace folders' definitions, for workspace symbols: every `*.cue` file under the
//! folders is parsed once in the background (hidden directories, `cue.mod`,
//! `node_modules` and `target` skipped), open documents override what is on disk. Only
//! syntax is read: opening a workspace never evaluates anything.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ropey::Rope;
use tower_lsp_server::ls_types::{
    Location, OneOf, Position, Range, SymbolKind, Uri, WorkspaceLocation, WorkspaceSymbol,
};
use xdef_syntax::Parse;

use super::encoding::{self, Encoding};
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
}

#[derive(Default, Clone)]
pub struct Workspace {
    inner: Arc<RwLock<Inner>>,
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
        } else if name.ends_with(".cue") {
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
                for path in files {
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    if bytes.len() > 4 << 20 {
                        continue;
                    }
                    let (text, _) = xdef_syntax::decode_source(&bytes);
                    let parse = xdef_syntax::parse(text);
                    let Some(uri) = Uri::from_file_path(&path) else {
                        continue;
                    };
                    disk.insert(uri.as_str().to_owned(), (uri, file_entries(&parse)));
                }
                let mut w = inner.write().unwrap_or_else(|e| e.into_inner());
                if w.generation == generation {
                    w.disk = disk;
                }
            });
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
        drop(w);
        self.file_changed(uri);
    }

    /// A file changed on disk: read it again.
    pub fn file_changed(&self, uri: &Uri) {
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return;
        };
        let entries = std::fs::read(&path).ok().map(|bytes| {
            let (text, _) = xdef_syntax::decode_source(&bytes);
            file_entries(&xdef_syntax::parse(text))
        });
        let mut w = self.inner.write().unwrap_or_else(|e| e.into_inner());
        match entries {
            Some(e) => {
                w.disk.insert(uri.as_str().to_owned(), (uri.clone(), e));
            }
            None => {
                w.disk.remove(uri.as_str());
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
