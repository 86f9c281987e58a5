//! Field labels ("features"): interned names with their kind, plus list indices. A
//! [`Feature`] is a `u32`-sized handle; comparing and hashing labels never touches strings.

use std::rc::Rc;

use rustc_hash::FxHashMap;

/// What a label is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelKind {
    /// A regular field name (identifier or quoted string).
    Regular,
    /// `#Name`
    Definition,
    /// `_name`
    Hidden,
    /// `_#Name`
    HiddenDefinition,
    /// A list element index.
    Index,
    /// A `let` binding (not a field; never exported).
    Let,
}

const RUNTIME_BIT: u32 = 1 << 31;

/// An interned label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Feature {
    kind: LabelKind,
    id: u32,
}

impl Feature {
    pub fn index(i: u32) -> Feature {
        Feature {
            kind: LabelKind::Index,
            id: i,
        }
    }

    pub fn kind(self) -> LabelKind {
        self.kind
    }

    pub fn as_index(self) -> Option<u32> {
        (self.kind == LabelKind::Index).then_some(self.id)
    }

    /// Regular fields: exported, iterated by `for`, counted by `len`.
    pub fn is_regular(self) -> bool {
        self.kind == LabelKind::Regular
    }

    pub fn is_definition(self) -> bool {
        matches!(
            self.kind,
            LabelKind::Definition | LabelKind::HiddenDefinition
        )
    }

    pub fn is_hidden(self) -> bool {
        matches!(self.kind, LabelKind::Hidden | LabelKind::HiddenDefinition)
    }

    pub fn is_let(self) -> bool {
        self.kind == LabelKind::Let
    }

    /// Labels that take part in closedness checks (regular fields and list indices).
    pub fn is_data(self) -> bool {
        matches!(self.kind, LabelKind::Regular | LabelKind::Index)
    }

    /// A regular label created at run time, outside the program's interner.
    pub(crate) fn runtime(i: u32) -> Feature {
        Feature {
            kind: LabelKind::Regular,
            id: i | RUNTIME_BIT,
        }
    }

    pub(crate) fn runtime_index(self) -> Option<u32> {
        (self.kind == LabelKind::Regular && self.id & RUNTIME_BIT != 0)
            .then_some(self.id & !RUNTIME_BIT)
    }
}

/// The string table for labels.
#[derive(Default)]
pub struct Interner {
    names: Vec<Rc<str>>,
    ids: FxHashMap<Rc<str>, u32>,
    lets: u32,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        let name: Rc<str> = Rc::from(name);
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }

    /// The feature for a field name as written (`#A`, `_a`, `_#A`, `a`), or a quoted
    /// string's value (always regular).
    pub fn label(&mut self, name: &str, quoted: bool) -> Feature {
        let kind = if quoted {
            LabelKind::Regular
        } else if name.starts_with("_#") {
            LabelKind::HiddenDefinition
        } else if name.starts_with('#') {
            LabelKind::Definition
        } else if name.starts_with('_') {
            LabelKind::Hidden
        } else {
            LabelKind::Regular
        };
        Feature {
            kind,
            id: self.intern(name),
        }
    }

    pub fn regular(&mut self, name: &str) -> Feature {
        Feature {
            kind: LabelKind::Regular,
            id: self.intern(name),
        }
    }

    /// A fresh label for a `let` binding.
    pub fn new_let(&mut self, name: &str) -> Feature {
        let id = self.intern(&format!("{name}\u{0}let{}", self.lets));
        self.lets += 1;
        Feature {
            kind: LabelKind::Let,
            id,
        }
    }

    pub fn lookup(&self, name: &str, kind: LabelKind) -> Option<Feature> {
        self.ids.get(name).map(|id| Feature { kind, id: *id })
    }

    /// The name of a feature as CUE would print it in a path (`a`, `#A`, `"a-b"`, `3`).
    pub fn name(&self, f: Feature) -> Rc<str> {
        match f.kind {
            LabelKind::Index => Rc::from(f.id.to_string()),
            LabelKind::Let => {
                let full = &self.names[f.id as usize];
                Rc::from(full.split('\u{0}').next().unwrap_or(full))
            }
            _ => self.names[f.id as usize].clone(),
        }
    }

    /// The label's string value (for `for k, v in` keys and pattern matching).
    pub fn str(&self, f: Feature) -> Rc<str> {
        self.name(f)
    }

    /// A path selector for messages: identifiers as is, other strings quoted.
    pub fn selector(&self, f: Feature) -> String {
        let name = self.name(f);
        match f.kind {
            LabelKind::Index => name.to_string(),
            LabelKind::Regular if !is_identifier(&name) => format!("{name:?}"),
            _ => name.to_string(),
        }
    }
}

/// Whether `s` can be written as a CUE identifier (so needs no quotes as a label).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '$' || c == '_' || c == '#' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !matches!(
            s,
            "_" | "true" | "false" | "null" | "for" | "in" | "if" | "let" | "import" | "package"
        )
}
