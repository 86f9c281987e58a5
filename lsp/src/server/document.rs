//! Open documents: the text in a rope, the parse (re-parsed incrementally with
//! `Parse::apply_edit`), the version, and the last evaluation result moved along with the
//! edits made since. Edits are applied synchronously by the notification handlers, before
//! any `.await`; readers take a [`Snapshot`] (cheap: the rope is shared, the parse is an
//! `Arc`) and never see a half-applied change.

use std::ops::Range;
use std::sync::Arc;

use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};
use xdef_syntax::{Parse, TextEdit};

use super::encoding::{self, Encoding};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    #[allow(dead_code)]
    Info,
}

/// A diagnostic in byte offsets of the document's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub range: Range<usize>,
    pub severity: Severity,
    pub message: String,
    /// The CUE path concerned, if any.
    pub path: String,
    /// Other positions involved, each with a note.
    pub related: Vec<(Range<usize>, String)>,
    /// Positions in other files involved (a definition behind an Application's problem).
    pub elsewhere: Vec<Elsewhere>,
}

/// A position in another file, in both encodings (its text is not kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elsewhere {
    pub uri: Uri,
    pub line: u32,
    pub utf16_col: u32,
    pub utf8_col: u32,
    pub note: String,
}

/// The language of a document: what the server does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Cue,
    /// YAML: only Applications (and their Policy/Workflow objects) get answers.
    Yaml,
}

impl Lang {
    /// From `didOpen`'s `languageId`, else from the URI's extension.
    pub fn of(uri: &Uri, language_id: &str) -> Lang {
        match language_id {
            "yaml" => Lang::Yaml,
            "cue" => Lang::Cue,
            _ => {
                let path = uri.path().as_str();
                if path.ends_with(".yaml") || path.ends_with(".yml") {
                    Lang::Yaml
                } else {
                    Lang::Cue
                }
            }
        }
    }
}

/// The evaluation tier's findings for one version, moved along with later edits.
#[derive(Clone, Debug, Default)]
pub struct SemanticResult {
    #[allow(dead_code)]
    pub version: i32,
    pub diagnostics: Vec<Diag>,
    /// Evaluated values of fields, by the byte range of the field declaration.
    pub values: Vec<(Range<usize>, String)>,
    /// The checked version had no syntax errors (so `diagnostics` are the evaluation's).
    pub syntax_clean: bool,
}

impl SemanticResult {
    /// Moves ranges through an edit of `old` bytes (replaced by `new_len` bytes); what the
    /// edit touched is dropped.
    fn shift(&mut self, old: &Range<usize>, new_len: usize) {
        let shift_range = |r: &Range<usize>| -> Option<Range<usize>> {
            if r.end < old.start || (r.end == old.start && r.start < r.end) {
                Some(r.clone())
            } else if r.start > old.end || (r.start == old.end && old.start < old.end) {
                let delta = new_len as isize - (old.end - old.start) as isize;
                Some((r.start as isize + delta) as usize..(r.end as isize + delta) as usize)
            } else {
                None
            }
        };
        self.diagnostics
            .retain_mut(|d| match shift_range(&d.range) {
                Some(r) => {
                    d.range = r;
                    d.related.retain_mut(|(rr, _)| match shift_range(rr) {
                        Some(n) => {
                            *rr = n;
                            true
                        }
                        None => false,
                    });
                    true
                }
                None => false,
            });
        self.values.retain_mut(|(r, _)| match shift_range(r) {
            Some(n) => {
                *r = n;
                true
            }
            None => false,
        });
    }
}

pub struct Document {
    pub version: i32,
    pub lang: Lang,
    pub rope: Rope,
    pub parse: Arc<Parse>,
    pub semantic: Option<Arc<SemanticResult>>,
    pub cache: Arc<Cache>,
    /// For Application YAML: the workspace's definitions generation (plus one) this
    /// version's check was last scheduled with (0: none), so that a change of definitions
    /// schedules it once.
    pub scheduled_generation: std::sync::atomic::AtomicU64,
}

/// Analyses computed at most once per version, on demand.
#[derive(Default)]
pub struct Cache {
    pub scope: std::sync::OnceLock<super::scope::Index>,
}

/// An immutable view of a document at one version.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    #[allow(dead_code)]
    pub version: i32,
    pub lang: Lang,
    pub rope: Rope,
    pub parse: Arc<Parse>,
    pub encoding: Encoding,
    pub semantic: Option<Arc<SemanticResult>>,
    pub cache: Arc<Cache>,
}

impl Snapshot {
    /// The name-resolution index of this version (built on first use).
    pub fn scope(&self) -> &super::scope::Index {
        self.cache
            .scope
            .get_or_init(|| super::scope::Index::build(&self.parse))
    }

    pub fn text(&self) -> &str {
        self.parse.text()
    }

    pub fn offset(&self, pos: tower_lsp_server::ls_types::Position) -> usize {
        encoding::offset(&self.rope, pos, self.encoding)
    }

    pub fn range(&self, r: Range<usize>) -> tower_lsp_server::ls_types::Range {
        encoding::range(&self.rope, r, self.encoding)
    }

    pub fn position(&self, offset: usize) -> tower_lsp_server::ls_types::Position {
        encoding::position(&self.rope, offset, self.encoding)
    }
}

impl Document {
    /// A document; its text is parsed as CUE whatever its language (the parse holds the
    /// text, and tree-sitter reads anything), but YAML documents are only ever read as
    /// YAML by the features.
    pub fn new(version: i32, text: String, lang: Lang) -> Document {
        Document {
            version,
            lang,
            rope: Rope::from_str(&text),
            parse: Arc::new(xdef_syntax::parse(text)),
            semantic: None,
            cache: Arc::default(),
            scheduled_generation: Default::default(),
        }
    }

    pub fn snapshot(&self, uri: &Uri, encoding: Encoding) -> Snapshot {
        Snapshot {
            uri: uri.clone(),
            version: self.version,
            lang: self.lang,
            rope: self.rope.clone(),
            parse: self.parse.clone(),
            encoding,
            semantic: self.semantic.clone(),
            cache: self.cache.clone(),
        }
    }

    /// Applies one content change: a full replacement or a ranged edit.
    pub fn apply_change(&mut self, change: TextDocumentContentChangeEvent, enc: Encoding) {
        self.cache = Arc::default();
        match change.range {
            None => {
                self.rope = Rope::from_str(&change.text);
                self.parse = Arc::new(xdef_syntax::parse(change.text));
                self.semantic = None;
            }
            Some(range) => {
                let r = encoding::offset_range(&self.rope, range, enc);
                let start_char = self.rope.byte_to_char(r.start);
                let end_char = self.rope.byte_to_char(r.end);
                self.rope.remove(start_char..end_char);
                self.rope.insert(start_char, &change.text);
                if let Some(sem) = &mut self.semantic {
                    Arc::make_mut(sem).shift(&r, change.text.len());
                }
                let edit = TextEdit {
                    range: r,
                    insert: change.text,
                };
                // Incremental re-parse. When a reader still holds the old version (a
                // request, the workspace's definition index), it keeps its copy: the
                // edit goes to a clone (the text is copied, the tree shared until edited).
                Arc::make_mut(&mut self.parse).apply_edit(&edit);
                debug_assert_eq!(self.parse.text().len(), self.rope.len_bytes());
            }
        }
    }
}
