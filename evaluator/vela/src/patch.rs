//! Trait patches, as KubeVela applies them (workflow `pkg/cue/model/sets/operation.go`,
//! `StrategyUnify`), reimplemented on evaluated values. KubeVela rewrites the patch's
//! syntax while walking it (parents before children) and then unifies it with the base;
//! this module does both in one walk and gives the same results:
//!
//! - default: unification, with the base's lists opened (a longer patch list appends; a
//!   shorter one must be open, `[x, ...]`);
//! - `// +patchKey=k` on a list field (inherited by every list below it; dotted paths and
//!   comma-separated alternatives): the patch list is rewritten so that slot *i* holds the
//!   patch element whose key matches base element *i* (an empty struct when none does),
//!   then the unmatched keyed patch elements in patch order, then `...`; then the lists
//!   unify by position. KubeVela's quirks are kept, with warnings: patch elements without
//!   the key are dropped; base elements without the key get no slot, so later slots shift
//!   onto the wrong elements; with several keys the slots are laid out key by key; if no
//!   patch element has (one of) the key(s), or a key value is not a literal (kubevela#6510),
//!   the list is unified by position;
//! - `// +patchStrategy=retainKeys` on a field: the base's value is replaced by the
//!   patch's (so no conflict; sibling fields stay); on a keyed list, each matched base
//!   element is emptied first, so the patch element replaces it;
//! - `// +patchStrategy=replace` on a list: the base list becomes the patch list (on
//!   anything else the marker does nothing, kubevela#6379; a warning says so);
//! - `// +patchStrategy=jsonMergePatch` / `jsonPatch` on the `patch` field itself: RFC 7396
//!   / RFC 6902 on the JSON forms (elsewhere they do nothing; a warning says so).
//!
//! Markers are read from doc comments the way CUE attaches them: a comment before a field
//! chain `a: b: c` documents the innermost field `b`, not `a`.
//!
//! For previews, every keyed list records which patch element met which base element.

use std::rc::Rc;

use xdef_cue::eval::{Alternative, Evaluator};
use xdef_cue::ir::{FieldKind, Span};
use xdef_cue::label::LabelKind;
use xdef_cue::value::{Atom, Scalar};
use xdef_cue::{Data, VId, Value};

/// Markers read from a field's doc comment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Markers {
    pub patch_key: Option<String>,
    pub patch_strategy: Option<String>,
}

/// Reads `+patchKey=…` and `+patchStrategy=…` from doc comment text, as KubeVela does
/// (`//` stripped, trimmed, must start with `+`, split once on `=`, values with spaces
/// ignored; the last occurrence wins).
pub fn markers(doc: &str) -> Markers {
    let mut m = Markers::default();
    for line in doc.lines() {
        let line = line.trim();
        let line = line.strip_prefix("//").unwrap_or(line).trim();
        let Some(rest) = line.strip_prefix('+') else {
            continue;
        };
        let Some((key, value)) = rest.split_once('=') else {
            continue;
        };
        let value = value.trim();
        if value.split_whitespace().count() > 1 {
            continue;
        }
        match key.trim() {
            "patchKey" => m.patch_key = Some(value.to_owned()),
            "patchStrategy" => m.patch_strategy = Some(value.to_owned()),
            _ => {}
        }
    }
    m
}

/// A patch value with its markers, built from the evaluated `patch` field.
#[derive(Clone, Debug)]
pub enum PatchNode {
    Struct(Vec<PatchField>),
    List {
        items: Vec<PatchNode>,
        /// `[a, ...]`: the list admits more elements.
        open: bool,
    },
    /// A concrete value.
    Value(Data),
    /// A constraint that is not concrete (`int`, `*1 | int`): it must admit the base's
    /// value; with no base value its default is used.
    Constraint {
        atom: Option<Atom>,
        alternatives: Vec<(Atom, bool)>,
        description: String,
    },
}

#[derive(Clone, Debug)]
pub struct PatchField {
    pub name: Rc<str>,
    pub markers: Markers,
    pub node: PatchNode,
    /// The value is not a plain literal (a default or constraint): as a patchKey value it
    /// makes KubeVela abandon keyed merging of the list containing this element.
    pub non_literal: bool,
}

/// Which patch element met which base element in a keyed list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMatch {
    pub path: String,
    pub key: String,
    /// (key value, base index if unified with a base element, patch index), in the order
    /// of the rewritten patch list.
    pub pairs: Vec<(String, Option<usize>, usize)>,
    /// Patch elements dropped because they lack the key.
    pub dropped: Vec<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct PatchOutcome {
    pub result: Option<Data>,
    pub matches: Vec<ListMatch>,
    pub warnings: Vec<String>,
}

/// The doc comment that documents the field `v` (joined origins), following CUE's
/// convention that a comment before a field chain `a: b: c` documents the innermost
/// field: the docs of chain heads are left out here (they belong to a descendant).
pub fn field_doc(ev: &mut Evaluator, v: VId) -> String {
    let (own, _) = split_docs(ev, v, &[]);
    own.join("\n")
}

/// The docs of every origin of `v`, chain heads included (what a reader sees above the
/// field).
pub fn written_doc(ev: &Evaluator, v: VId) -> String {
    ev.vertex(v)
        .origins
        .iter()
        .filter_map(|o| o.doc.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Docs a field-chain head hands down: (span of the head, doc).
type ChainDocs = Vec<(Span, Rc<str>)>;

/// Splits the docs of `v` into its own and those it passes down its field chains, given
/// the docs passed down to it by its parent.
fn split_docs(
    ev: &mut Evaluator,
    v: VId,
    from_parent: &[(Span, Rc<str>)],
) -> (Vec<Rc<str>>, ChainDocs) {
    let origins = ev.vertex(v).origins.clone();
    let mut docs: Vec<(Span, Rc<str>)> = Vec::new();
    for o in &origins {
        if let Some(d) = &o.doc {
            docs.push((o.span.clone(), d.clone()));
        }
    }
    // Docs handed down by a chain head this field continues.
    for (head, d) in from_parent {
        if let Some(o) = origins.iter().find(|o| continues(head, &o.span)) {
            docs.push((o.span.clone(), d.clone()));
        }
    }
    if docs.is_empty() {
        return (Vec::new(), Vec::new());
    }
    ev.finalize(v);
    let v = ev.deref(v);
    let children: Vec<Span> = ev
        .arcs(v)
        .flat_map(|(_, c)| ev.vertex(c).origins.iter().map(|o| o.span.clone()))
        .collect();
    let mut own = Vec::new();
    let mut down = Vec::new();
    for (span, d) in docs {
        if children.iter().any(|c| continues(&span, c)) {
            down.push((span, d));
        } else {
            own.push(d);
        }
    }
    (own, down)
}

/// `inner` is the field a chain head `outer` (`outer: inner: value`) is written with:
/// same file, starting inside it and ending where it ends.
fn continues(outer: &Span, inner: &Span) -> bool {
    outer.file == inner.file
        && inner.range.start > outer.range.start
        && inner.range.end == outer.range.end
}

/// Builds the patch tree of an evaluated vertex.
pub fn patch_tree(ev: &mut Evaluator, v: VId) -> Result<PatchNode, String> {
    let (_, down) = split_docs(ev, v, &[]);
    build(ev, v, 0, &down)
}

fn build(
    ev: &mut Evaluator,
    v: VId,
    depth: u32,
    chain_docs: &[(Span, Rc<str>)],
) -> Result<PatchNode, String> {
    if depth > 200 {
        return Err("patch nested too deeply".into());
    }
    ev.finalize(v);
    let v = ev.deref(v);
    match ev.value(v).clone() {
        Value::Bottom(e) => Err(format!("{}: {}", ev.path(v), e.message)),
        Value::Top => Ok(PatchNode::Constraint {
            atom: Some(Atom::top()),
            alternatives: vec![],
            description: "_".into(),
        }),
        Value::Atom(a) => Ok(match a.value.clone() {
            Some(s) => PatchNode::Value(scalar_data(&s)),
            None => PatchNode::Constraint {
                description: a.describe(),
                atom: Some(*a),
                alternatives: vec![],
            },
        }),
        Value::Disjunction(d) => {
            let mut alternatives = Vec::new();
            for (alt, default) in &d.alternatives {
                match alt {
                    Alternative::Atom(a) => alternatives.push((a.clone(), *default)),
                    Alternative::Vertex(x) => {
                        // A disjunction of structs: use its default, as export does.
                        if *default || d.alternatives.len() == 1 {
                            return build(ev, *x, depth + 1, chain_docs);
                        }
                    }
                }
            }
            let description = alternatives
                .iter()
                .map(|(a, d)| {
                    if *d {
                        format!("*{}", a.describe())
                    } else {
                        a.describe()
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ");
            Ok(PatchNode::Constraint {
                atom: None,
                alternatives,
                description,
            })
        }
        Value::List => {
            let info = ev.vertex(v).list.clone();
            let len = info.as_ref().map_or(0, |l| l.len);
            let open = info.as_ref().is_some_and(|l| l.open);
            let arcs: Vec<_> = ev.arcs(v).collect();
            let mut items = Vec::new();
            for (f, arc) in arcs {
                if f.as_index().is_some_and(|i| i < len) {
                    items.push(build(ev, arc, depth + 1, &[])?);
                }
            }
            Ok(PatchNode::List { items, open })
        }
        Value::Struct => {
            let arcs: Vec<_> = ev.arcs(v).collect();
            let mut fields = Vec::new();
            for (f, arc) in arcs {
                if f.kind() != LabelKind::Regular || ev.vertex(arc).field_kind != FieldKind::Regular
                {
                    continue;
                }
                let (own, down) = split_docs(ev, arc, chain_docs);
                let doc = own.iter().map(|d| &**d).collect::<Vec<_>>().join("\n");
                let non_literal = {
                    ev.finalize(arc);
                    let a = ev.deref(arc);
                    matches!(ev.value(a), Value::Disjunction(_))
                };
                let node = build(ev, arc, depth + 1, &down)?;
                fields.push(PatchField {
                    name: ev.label_str(f),
                    markers: markers(&doc),
                    node,
                    non_literal,
                });
            }
            Ok(PatchNode::Struct(fields))
        }
    }
}

fn scalar_data(s: &Scalar) -> Data {
    match s {
        Scalar::Null => Data::Null,
        Scalar::Bool(b) => Data::Bool(*b),
        Scalar::Num(n) => Data::Num(n.clone()),
        Scalar::Str(s) => Data::Str(s.clone()),
        Scalar::Bytes(b) => Data::Bytes(b.clone()),
    }
}

fn data_scalar(d: &Data) -> Option<Scalar> {
    Some(match d {
        Data::Null => Scalar::Null,
        Data::Bool(b) => Scalar::Bool(*b),
        Data::Num(n) => Scalar::Num(n.clone()),
        Data::Str(s) => Scalar::Str(s.clone()),
        Data::Bytes(b) => Scalar::Bytes(b.clone()),
        _ => return None,
    })
}

/// Applies a strategic patch to a base object.
pub fn apply(base: &Data, patch: &PatchNode) -> PatchOutcome {
    let mut outcome = PatchOutcome::default();
    let mut result = base.clone();
    let mut w = Walk {
        out: &mut outcome,
        record: true,
    };
    match w.unify(&mut result, patch, None, &mut Vec::new()) {
        Ok(()) => outcome.result = Some(result),
        Err(e) => outcome.warnings.insert(0, e),
    }
    outcome
}

/// A slot of a rewritten keyed patch list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// `{}`: leaves the base element at this position as it is.
    Empty,
    /// The patch element with this index.
    Patch(usize),
}

/// What KubeVela's `listMergeProcess` does to a keyed list.
struct Keyed {
    /// The rewritten patch list (followed by `...`), or None when KubeVela leaves the
    /// patch list as written (and the lists unify by position).
    slots: Option<Vec<Slot>>,
    /// Base elements emptied by `retainKeys` (also when the rewrite is then abandoned).
    cleared: Vec<usize>,
    /// The key value each patch element was indexed by.
    key_values: Vec<Option<String>>,
}

struct Walk<'o> {
    out: &'o mut PatchOutcome,
    /// Record matches (off while normalising a value against itself).
    record: bool,
}

impl Walk<'_> {
    fn warn(&mut self, w: String) {
        if !self.out.warnings.contains(&w) {
            self.out.warnings.push(w);
        }
    }

    /// Unifies `patch` into `base`; `key` is the patchKey inherited from ancestors.
    fn unify(
        &mut self,
        base: &mut Data,
        patch: &PatchNode,
        key: Option<&str>,
        path: &mut Vec<String>,
    ) -> Result<(), String> {
        match patch {
            PatchNode::Struct(fields) => {
                let Data::Struct(base_fields) = base else {
                    return Err(conflict(path, "{...}", &describe_data(base)));
                };
                for field in fields {
                    path.push(field.name.to_string());
                    let own_key = field.markers.patch_key.as_deref().or(key);
                    let strategy = field.markers.patch_strategy.as_deref();
                    let is_list = matches!(field.node, PatchNode::List { .. });
                    match strategy {
                        Some("replace") if !is_list => self.warn(format!(
                            "{}: `+patchStrategy=replace` only applies to lists; KubeVela ignores it here and unifies the value (kubevela#6379)",
                            path.join(".")
                        )),
                        Some(s @ ("jsonMergePatch" | "jsonPatch")) => self.warn(format!(
                            "{}: `+patchStrategy={s}` is only read on the `patch` field itself; KubeVela ignores it here and unifies the value",
                            path.join(".")
                        )),
                        Some("replace" | "retainKeys") | None => {}
                        Some(other) => self.warn(format!(
                            "{}: unknown `+patchStrategy={other}`; KubeVela ignores it",
                            path.join(".")
                        )),
                    }
                    match base_fields.iter_mut().find(|(k, _)| **k == *field.name) {
                        // Nothing in the base to merge with: the patch's value as written.
                        None => {
                            base_fields.push((field.name.clone(), concrete(&field.node, path)?))
                        }
                        Some((_, slot)) => match (&field.node, strategy) {
                            (PatchNode::List { items, .. }, Some("replace")) => {
                                if !matches!(slot, Data::List(_)) {
                                    return Err(conflict(path, "[...]", &describe_data(slot)));
                                }
                                let mut list = Vec::new();
                                for (i, item) in items.iter().enumerate() {
                                    path.push(i.to_string());
                                    list.push(self.normalized(item, own_key, path)?);
                                    path.pop();
                                }
                                *slot = Data::List(list);
                            }
                            (PatchNode::List { items, open }, _) => {
                                let Data::List(base_items) = slot else {
                                    return Err(conflict(path, "[...]", &describe_data(slot)));
                                };
                                let retain = strategy == Some("retainKeys");
                                self.field_list(base_items, items, *open, own_key, retain, path)?;
                            }
                            (node, Some("retainKeys")) => {
                                *slot = self.normalized(node, own_key, path)?;
                            }
                            (node, _) => self.unify(slot, node, own_key, path)?,
                        },
                    }
                    path.pop();
                }
                Ok(())
            }
            // A list that is not a field's value (a list in a list): unified by position.
            PatchNode::List { items, open } => {
                let Data::List(base_items) = base else {
                    return Err(conflict(path, "[...]", &describe_data(base)));
                };
                let slots: Vec<Slot> = (0..items.len()).map(Slot::Patch).collect();
                self.positional(base_items, items, &slots, *open, key, path)
            }
            PatchNode::Value(v) => match (&*base, v) {
                (Data::Struct(_), Data::Struct(_)) | (Data::List(_), Data::List(_)) => {
                    self.unify(base, &data_node(v), key, path)
                }
                (b, p) if b.equals(p) && b.kind_name() == p.kind_name() => Ok(()),
                (b, p) => Err(conflict(path, &describe_data(p), &describe_data(b))),
            },
            PatchNode::Constraint {
                atom,
                alternatives,
                description,
            } => {
                let Some(scalar) = data_scalar(base) else {
                    if matches!(atom, Some(a) if is_top(a)) {
                        return Ok(());
                    }
                    return Err(conflict(path, description, &describe_data(base)));
                };
                // The base's value must satisfy the constraint; CUE's words if not.
                let concrete = Atom::concrete(scalar);
                let check = |a: &Atom| concrete.clone().unify(a).map_err(|c| c.to_string());
                let at = path.join(".");
                match atom {
                    Some(a) => check(a).map_err(|e| format!("{at}: {e}")),
                    None => {
                        let errors: Vec<String> = alternatives
                            .iter()
                            .filter_map(|(a, _)| check(a).err())
                            .collect();
                        if errors.len() < alternatives.len() {
                            Ok(())
                        } else if errors.is_empty() {
                            Err(conflict(path, description, &describe_data(base)))
                        } else {
                            Err(format!(
                                "{at}: {} errors in empty disjunction: {}",
                                errors.len(),
                                errors.join("; ")
                            ))
                        }
                    }
                }
            }
        }
    }

    /// The value a field gets when KubeVela makes the base share the patch's syntax
    /// (`retainKeys` on a field, `replace` on a list): the patch unified with itself,
    /// which rewrites its keyed lists against themselves (dropping elements without the
    /// key).
    fn normalized(
        &mut self,
        node: &PatchNode,
        key: Option<&str>,
        path: &mut Vec<String>,
    ) -> Result<Data, String> {
        let record = std::mem::replace(&mut self.record, false);
        let result = self.normalize(node, key, path);
        self.record = record;
        result
    }

    fn normalize(
        &mut self,
        node: &PatchNode,
        key: Option<&str>,
        path: &mut Vec<String>,
    ) -> Result<Data, String> {
        match node {
            PatchNode::Struct(fields) => {
                let mut out = Vec::new();
                for f in fields {
                    path.push(f.name.to_string());
                    let own_key = f.markers.patch_key.as_deref().or(key);
                    let value = match (&f.node, f.markers.patch_strategy.as_deref()) {
                        (PatchNode::List { items, .. }, strategy) => {
                            let base: Vec<Data> = items
                                .iter()
                                .map(|i| concrete(i, path))
                                .collect::<Result<_, _>>()?;
                            let slots = match (own_key, strategy) {
                                (Some(k), s) if s != Some("replace") => {
                                    self.keyed(&base, items, k, false, path).slots
                                }
                                _ => None,
                            };
                            let slots = slots
                                .unwrap_or_else(|| (0..items.len()).map(Slot::Patch).collect());
                            let mut list = Vec::new();
                            for (i, s) in slots.iter().enumerate() {
                                path.push(i.to_string());
                                list.push(match s {
                                    Slot::Empty => Data::Struct(vec![]),
                                    Slot::Patch(p) => self.normalize(&items[*p], own_key, path)?,
                                });
                                path.pop();
                            }
                            Data::List(list)
                        }
                        (other, _) => self.normalize(other, own_key, path)?,
                    };
                    out.push((f.name.clone(), value));
                    path.pop();
                }
                Ok(Data::Struct(out))
            }
            PatchNode::List { items, .. } => {
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    list.push(self.normalize(item, key, path)?);
                    path.pop();
                }
                Ok(Data::List(list))
            }
            other => concrete(other, path),
        }
    }

    /// A list field present in the base: keyed rewriting (if there is a key), then
    /// unification by position.
    fn field_list(
        &mut self,
        base_items: &mut Vec<Data>,
        items: &[PatchNode],
        open: bool,
        key: Option<&str>,
        retain: bool,
        path: &mut Vec<String>,
    ) -> Result<(), String> {
        let Some(key) = key else {
            if retain {
                self.warn(format!(
                    "{}: `+patchStrategy=retainKeys` on a list without a patchKey does nothing in KubeVela; the list is unified element by element",
                    path.join(".")
                ));
            }
            let slots: Vec<Slot> = (0..items.len()).map(Slot::Patch).collect();
            return self.positional(base_items, items, &slots, open, None, path);
        };
        let keyed = self.keyed(base_items, items, key, retain, path);
        for &i in &keyed.cleared {
            base_items[i] = Data::Struct(vec![]);
        }
        let Some(slots) = keyed.slots.clone() else {
            let slots: Vec<Slot> = (0..items.len()).map(Slot::Patch).collect();
            return self.positional(base_items, items, &slots, open, Some(key), path);
        };
        if self.record {
            self.record_matches(base_items, items, &slots, &keyed, key, path);
        }
        self.positional(base_items, items, &slots, true, Some(key), path)
    }

    fn record_matches(
        &mut self,
        base_items: &[Data],
        items: &[PatchNode],
        slots: &[Slot],
        keyed: &Keyed,
        key: &str,
        path: &[String],
    ) {
        let keys: Vec<&str> = key.split(',').collect();
        let mut pairs = Vec::new();
        let mut placed = vec![false; items.len()];
        for (i, s) in slots.iter().enumerate() {
            let Slot::Patch(p) = *s else { continue };
            placed[p] = true;
            let value = keyed.key_values[p].clone().unwrap_or_default();
            if i < base_items.len() {
                pairs.push((value.clone(), Some(i), p));
                // Does the base element at this slot carry the key value the patch
                // element was indexed by? If not, the slots have shifted.
                let base_value = keys.iter().find_map(|k| {
                    lookup_data(&base_items[i], k).map(|v| format!("{k}={}", describe_data(v)))
                });
                if base_value.as_deref() != Some(value.as_str()) && !keyed.cleared.contains(&i) {
                    let base_desc = base_value.unwrap_or_else(|| format!("without `{key}`"));
                    self.warn(format!(
                        "{}: KubeVela unifies patch element {p} ({value}) with base element {i} ({base_desc}): in its rewritten list, base elements without the key get no slot and several keys are laid out key by key, so slots shift",
                        path.join(".")
                    ));
                }
            } else {
                pairs.push((value, None, p));
            }
        }
        let dropped: Vec<usize> = (0..items.len())
            .filter(|p| !placed[*p] && matches!(items[*p], PatchNode::Struct(_)))
            .collect();
        let (shadowed, keyless): (Vec<usize>, Vec<usize>) = dropped
            .iter()
            .partition(|p| keyed.key_values[**p].is_some());
        if !keyless.is_empty() {
            self.warn(format!(
                "{}: {} patch element(s) without the patchKey `{key}` were dropped (KubeVela drops list elements that lack the key)",
                path.join("."),
                keyless.len()
            ));
        }
        for p in shadowed {
            self.warn(format!(
                "{}: patch element {p} was dropped: a later patch element has the same key ({}), and KubeVela keeps only the last",
                path.join("."),
                keyed.key_values[p].as_deref().unwrap_or_default()
            ));
        }
        self.out.matches.push(ListMatch {
            path: path.join("."),
            key: key.to_owned(),
            pairs,
            dropped,
        });
    }

    /// Unifies a base list with a patch list laid out as `slots`, by position.
    fn positional(
        &mut self,
        base_items: &mut Vec<Data>,
        items: &[PatchNode],
        slots: &[Slot],
        open: bool,
        key: Option<&str>,
        path: &mut Vec<String>,
    ) -> Result<(), String> {
        if slots.len() < base_items.len() && !open {
            // CUE counts the opened base list's `...` as an element.
            return Err(format!(
                "{}: incompatible list lengths ({} and {}): without a matching +patchKey the patch list is unified element by element",
                path.join("."),
                slots.len(),
                base_items.len() + 1
            ));
        }
        for (i, s) in slots.iter().enumerate() {
            path.push(i.to_string());
            match *s {
                Slot::Empty => {
                    if i >= base_items.len() {
                        base_items.push(Data::Struct(vec![]));
                    }
                }
                Slot::Patch(p) => {
                    if i < base_items.len() {
                        self.unify(&mut base_items[i], &items[p], key, path)?;
                    } else {
                        base_items.push(concrete(&items[p], path)?);
                    }
                }
            }
            path.pop();
        }
        Ok(())
    }

    /// KubeVela's `listMergeProcess`: the rewritten layout of a keyed patch list.
    fn keyed(
        &mut self,
        base: &[Data],
        items: &[PatchNode],
        key: &str,
        retain: bool,
        path: &[String],
    ) -> Keyed {
        let mut result = Keyed {
            slots: None,
            cleared: Vec::new(),
            key_values: vec![None; items.len()],
        };
        // (key and value, patch index); a later element with the same value replaces an
        // earlier one, as in KubeVela's map.
        let mut index: Vec<(String, usize)> = Vec::new();
        let mut slots = Vec::new();
        for k in key.split(',') {
            let mut found = false;
            for (i, item) in items.iter().enumerate() {
                match lookup_patch(item, k) {
                    None => {}
                    Some(KeyLookup::Literal(v)) => {
                        found = true;
                        let kv = format!("{k}={v}");
                        result.key_values[i] = Some(kv.clone());
                        index.retain(|(x, _)| *x != kv);
                        index.push((kv, i));
                    }
                    Some(KeyLookup::NonLiteral(desc)) => {
                        self.warn(format!(
                            "{}: the patchKey `{k}` of patch element {i} is not a literal ({desc}), so KubeVela does not merge this list by key but element by element (kubevela#6510); use a concrete value or an interpolation such as \"\\(parameter.x)\"",
                            path.join(".")
                        ));
                        return result;
                    }
                }
            }
            if !found {
                if items.is_empty() {
                    continue;
                }
                if items.iter().any(|i| matches!(i, PatchNode::Struct(_))) {
                    self.warn(if key.contains(',') {
                        format!(
                            "{}: no patch element has `{k}` (one of the patchKeys `{key}`), so KubeVela merges this list element by element; with several keys, each must appear in the patch",
                            path.join(".")
                        )
                    } else {
                        format!(
                            "{}: no patch element has the patchKey `{k}`, so KubeVela merges this list element by element",
                            path.join(".")
                        )
                    });
                }
                return result;
            }
            for (bi, b) in base.iter().enumerate() {
                let Some(v) = lookup_data(b, k) else { continue };
                if matches!(v, Data::Struct(_) | Data::List(_)) {
                    self.warn(format!(
                        "{}: the patchKey `{k}` of base element {bi} is not a scalar, so KubeVela merges this list element by element",
                        path.join(".")
                    ));
                    return result;
                }
                let kv = format!("{k}={}", describe_data(v));
                match index.iter().position(|(x, _)| *x == kv) {
                    Some(pos) => {
                        let (_, p) = index.remove(pos);
                        if retain {
                            result.cleared.push(bi);
                        }
                        slots.push(Slot::Patch(p));
                    }
                    None => slots.push(Slot::Empty),
                }
            }
        }
        for p in 0..items.len() {
            if index.iter().any(|(_, i)| *i == p) {
                slots.push(Slot::Patch(p));
            }
        }
        result.slots = Some(slots);
        result
    }
}

enum KeyLookup {
    Literal(String),
    NonLiteral(String),
}

fn lookup_patch(node: &PatchNode, dotted: &str) -> Option<KeyLookup> {
    let mut current = node;
    let mut non_literal = false;
    for part in dotted.split('.') {
        let PatchNode::Struct(fields) = current else {
            return None;
        };
        let field = fields.iter().find(|f| &*f.name == part)?;
        non_literal = field.non_literal;
        current = &field.node;
    }
    match current {
        PatchNode::Value(d) if !non_literal && !matches!(d, Data::Struct(_) | Data::List(_)) => {
            Some(KeyLookup::Literal(describe_data(d)))
        }
        PatchNode::Value(d) => Some(KeyLookup::NonLiteral(describe_data(d))),
        PatchNode::Constraint { description, .. } => {
            Some(KeyLookup::NonLiteral(description.clone()))
        }
        _ => Some(KeyLookup::NonLiteral("a struct or list".into())),
    }
}

fn lookup_data<'d>(data: &'d Data, dotted: &str) -> Option<&'d Data> {
    let mut current = data;
    for part in dotted.split('.') {
        let Data::Struct(_) = current else {
            return None;
        };
        current = current.get(part)?;
    }
    Some(current)
}

/// The concrete data of a patch node (a field the base does not have).
fn concrete(node: &PatchNode, path: &[String]) -> Result<Data, String> {
    Ok(match node {
        PatchNode::Value(d) => d.clone(),
        PatchNode::List { items, .. } => Data::List(
            items
                .iter()
                .map(|i| concrete(i, path))
                .collect::<Result<_, _>>()?,
        ),
        PatchNode::Struct(fields) => {
            let mut out = Vec::new();
            for f in fields {
                let mut p = path.to_vec();
                p.push(f.name.to_string());
                out.push((f.name.clone(), concrete(&f.node, &p)?));
            }
            Data::Struct(out)
        }
        PatchNode::Constraint {
            alternatives,
            description,
            ..
        } => {
            let defaults: Vec<&Atom> = alternatives
                .iter()
                .filter(|(_, d)| *d)
                .map(|(a, _)| a)
                .collect();
            match defaults.as_slice() {
                [one] if one.value.is_some() => scalar_data(one.value.as_ref().expect("checked")),
                _ => {
                    return Err(format!(
                        "{}: incomplete value {description}",
                        path.join(".")
                    ));
                }
            }
        }
    })
}

fn data_node(d: &Data) -> PatchNode {
    match d {
        Data::Struct(fields) => PatchNode::Struct(
            fields
                .iter()
                .map(|(k, v)| PatchField {
                    name: k.clone(),
                    markers: Markers::default(),
                    node: data_node(v),
                    non_literal: false,
                })
                .collect(),
        ),
        Data::List(items) => PatchNode::List {
            items: items.iter().map(data_node).collect(),
            open: false,
        },
        other => PatchNode::Value(other.clone()),
    }
}

fn is_top(a: &Atom) -> bool {
    a.kinds == xdef_cue::value::Kinds::ALL
        && a.value.is_none()
        && a.bounds.is_empty()
        && a.validators.is_empty()
}

fn conflict(path: &[String], patch: &str, base: &str) -> String {
    let at = if path.is_empty() {
        String::new()
    } else {
        format!("{}: ", path.join("."))
    };
    format!("{at}conflicting values {patch} and {base}")
}

fn describe_data(d: &Data) -> String {
    match d {
        Data::Str(s) => xdef_cue::value::quote_string(s),
        Data::Num(n) => n.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Null => "null".into(),
        Data::Bytes(b) => xdef_cue::value::quote_bytes(b),
        Data::List(_) => "[...]".into(),
        Data::Struct(_) => "{...}".into(),
    }
}

/// RFC 7396 JSON merge patch: `null` deletes, objects merge recursively, anything else
/// replaces.
pub fn json_merge_patch(base: &Data, patch: &Data) -> Data {
    match patch {
        Data::Struct(fields) => {
            let mut result = match base {
                Data::Struct(b) => b.clone(),
                _ => Vec::new(),
            };
            for (k, v) in fields {
                if matches!(v, Data::Null) {
                    result.retain(|(bk, _)| bk != k);
                    continue;
                }
                match result.iter_mut().find(|(bk, _)| bk == k) {
                    Some((_, slot)) => *slot = json_merge_patch(slot, v),
                    None => result.push((k.clone(), json_merge_patch(&Data::Null, v))),
                }
            }
            Data::Struct(result)
        }
        other => other.clone(),
    }
}

/// RFC 6902 JSON patch: `add`, `remove`, `replace`, `move`, `copy`, `test`.
pub fn json_patch(base: &Data, operations: &Data) -> Result<Data, String> {
    let Data::List(ops) = operations else {
        return Err("json patch operations must be a list".into());
    };
    let mut doc = base.clone();
    for (i, op) in ops.iter().enumerate() {
        let name = op
            .get("op")
            .and_then(Data::as_str)
            .ok_or_else(|| format!("operation {i}: missing op"))?;
        let path = op
            .get("path")
            .and_then(Data::as_str)
            .ok_or_else(|| format!("operation {i}: missing path"))?;
        let pointer = parse_pointer(path)?;
        match name {
            "add" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| format!("operation {i}: add needs a value"))?
                    .clone();
                pointer_add(&mut doc, &pointer, value)?;
            }
            "remove" => {
                pointer_remove(&mut doc, &pointer)?;
            }
            "replace" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| format!("operation {i}: replace needs a value"))?
                    .clone();
                pointer_replace(&mut doc, &pointer, value)?;
            }
            "move" | "copy" => {
                let from = op
                    .get("from")
                    .and_then(Data::as_str)
                    .ok_or_else(|| format!("operation {i}: {name} needs from"))?;
                let from = parse_pointer(from)?;
                let value = pointer_get(&doc, &from)
                    .ok_or_else(|| format!("operation {i}: nothing at from path"))?
                    .clone();
                if name == "move" {
                    pointer_remove(&mut doc, &from)?;
                }
                pointer_add(&mut doc, &pointer, value)?;
            }
            "test" => {
                let value = op
                    .get("value")
                    .ok_or_else(|| format!("operation {i}: test needs a value"))?;
                let current = pointer_get(&doc, &pointer)
                    .ok_or_else(|| format!("operation {i}: test path not found"))?;
                if !current.equals(value) {
                    return Err(format!("operation {i}: test failed at {path}"));
                }
            }
            other => return Err(format!("operation {i}: unknown op {other:?}")),
        }
    }
    Ok(doc)
}

fn parse_pointer(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("invalid JSON pointer {path:?}"));
    };
    Ok(rest
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn pointer_get<'d>(doc: &'d Data, pointer: &[String]) -> Option<&'d Data> {
    let mut current = doc;
    for part in pointer {
        current = match current {
            Data::Struct(_) => current.get(part)?,
            Data::List(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn pointer_parent<'d>(doc: &'d mut Data, pointer: &[String]) -> Result<&'d mut Data, String> {
    let mut current = doc;
    for part in pointer {
        current = match current {
            Data::Struct(fields) => {
                &mut fields
                    .iter_mut()
                    .find(|(k, _)| **k == **part)
                    .ok_or_else(|| format!("path /{} not found", pointer.join("/")))?
                    .1
            }
            Data::List(items) => {
                let i: usize = part
                    .parse()
                    .map_err(|_| format!("invalid list index {part:?}"))?;
                items
                    .get_mut(i)
                    .ok_or_else(|| format!("list index {i} out of range"))?
            }
            _ => return Err(format!("path /{} goes through a scalar", pointer.join("/"))),
        };
    }
    Ok(current)
}

fn pointer_add(doc: &mut Data, pointer: &[String], value: Data) -> Result<(), String> {
    let Some((last, parent)) = pointer.split_last() else {
        *doc = value;
        return Ok(());
    };
    match pointer_parent(doc, parent)? {
        Data::Struct(fields) => {
            match fields.iter_mut().find(|(k, _)| **k == **last) {
                Some((_, slot)) => *slot = value,
                None => fields.push((Rc::from(last.as_str()), value)),
            }
            Ok(())
        }
        Data::List(items) => {
            if last == "-" {
                items.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid list index {last:?}"))?;
            if i > items.len() {
                return Err(format!("list index {i} out of range"));
            }
            items.insert(i, value);
            Ok(())
        }
        _ => Err("cannot add into a scalar".into()),
    }
}

/// `replace`: the value at the path (which must exist) is replaced in place, so an
/// object keeps its key order.
fn pointer_replace(doc: &mut Data, pointer: &[String], value: Data) -> Result<(), String> {
    let Some((last, parent)) = pointer.split_last() else {
        *doc = value;
        return Ok(());
    };
    let missing = || format!("path /{} not found", pointer.join("/"));
    match pointer_parent(doc, parent)? {
        Data::Struct(fields) => {
            let (_, slot) = fields
                .iter_mut()
                .find(|(k, _)| **k == **last)
                .ok_or_else(missing)?;
            *slot = value;
            Ok(())
        }
        Data::List(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid list index {last:?}"))?;
            *items.get_mut(i).ok_or_else(missing)? = value;
            Ok(())
        }
        _ => Err("cannot replace inside a scalar".into()),
    }
}

fn pointer_remove(doc: &mut Data, pointer: &[String]) -> Result<(), String> {
    let Some((last, parent)) = pointer.split_last() else {
        return Err("cannot remove the whole document".into());
    };
    match pointer_parent(doc, parent)? {
        Data::Struct(fields) => {
            let before = fields.len();
            fields.retain(|(k, _)| **k != **last);
            if fields.len() == before {
                Err(format!("path /{} not found", pointer.join("/")))
            } else {
                Ok(())
            }
        }
        Data::List(items) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid list index {last:?}"))?;
            if i >= items.len() {
                return Err(format!("list index {i} out of range"));
            }
            items.remove(i);
            Ok(())
        }
        _ => Err("cannot remove from a scalar".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the `patch` of a CUE program to its `base` (both in the same source).
    fn run(src: &str) -> PatchOutcome {
        let mut e = xdef_cue::Evaluation::from_sources(
            vec![("p.cue".into(), src.to_owned())],
            &xdef_cue::NoPackages,
            Default::default(),
        );
        let b = e.lookup("base").expect("base");
        let base = xdef_cue::export::export_data(&mut e.evaluator, b, &Default::default())
            .expect("concrete base");
        let p = e.lookup("patch").expect("patch");
        let tree = patch_tree(&mut e.evaluator, p).expect("patch tree");
        apply(&base, &tree)
    }

    fn json(o: &PatchOutcome) -> String {
        match &o.result {
            Some(d) => xdef_cue::encode::to_json(d, None),
            None => format!("error: {}", o.warnings.join("; ")),
        }
    }

    #[test]
    fn base_elements_without_the_key_shift_the_slots() {
        let o = run(r#"
base: t: [{operator: "Exists"}]
patch: {
	// +patchKey=key
	t: [{key: "a"}, {key: "b"}]
}
"#);
        assert_eq!(
            json(&o),
            r#"{"t":[{"operator":"Exists","key":"a"},{"key":"b"}]}"#
        );
        assert!(
            o.warnings.iter().any(|w| w.contains("slots shift")),
            "{o:?}"
        );
    }

    #[test]
    fn open_patch_lists_may_be_shorter() {
        let o = run(r#"
base: l: [{n: 1}, {n: 2}]
patch: l: [{m: 1}, ...]
"#);
        assert_eq!(json(&o), r#"{"l":[{"n":1,"m":1},{"n":2}]}"#);
        let o = run(r#"
base: l: [{n: 1}, {n: 2}]
patch: l: [{m: 1}]
"#);
        assert!(json(&o).contains("incompatible list lengths"), "{o:?}");
    }

    #[test]
    fn every_one_of_several_keys_must_appear_in_the_patch() {
        let o = run(r#"
base: l: [{b: {name: "x"}}]
patch: {
	// +patchKey=a.name,b.name
	l: [{b: name: "y"}]
}
"#);
        assert!(json(&o).contains("conflicting values"), "{o:?}");
        assert!(o.warnings.iter().any(|w| w.contains("each must appear")));
    }

    #[test]
    fn retain_keys_replaces_a_braced_struct_but_a_chain_marks_its_leaf() {
        let o = run(r#"
base: s: {k: {a: 1, b: 2}, other: 3}
patch: s: {
	// +patchStrategy=retainKeys
	k: {a: 5}
}
"#);
        assert_eq!(json(&o), r#"{"s":{"k":{"a":5},"other":3}}"#);
        let o = run(r#"
base: s: {k: {a: 1, b: 2}, other: 3}
patch: s: {
	// +patchStrategy=retainKeys
	k: a: 5
}
"#);
        assert_eq!(json(&o), r#"{"s":{"k":{"a":5,"b":2},"other":3}}"#);
    }

    #[test]
    fn a_comment_before_a_chain_documents_only_its_leaf() {
        // The key documents `a.b`; the sibling list `a.c` is unified by position.
        let o = run(r#"
base: a: {b: [{name: "x"}], c: [{name: "x"}]}
patch: {
	// +patchKey=name
	a: b: [{name: "y"}]
	a: c: [{name: "x", v: 1}]
}
"#);
        assert_eq!(
            json(&o),
            r#"{"a":{"b":[{"name":"x"},{"name":"y"}],"c":[{"name":"x","v":1}]}}"#
        );
        assert_eq!(o.matches.len(), 1);
        assert_eq!(o.matches[0].path, "a.b");
    }

    #[test]
    fn markers_that_do_nothing_are_reported() {
        let o = run(r#"
base: {r: {limits: {cpu: "1"}}, s: {y: 2}}
patch: {
	// +patchStrategy=replace
	r: limits: memory: "1Gi"
	// +patchStrategy=jsonMergePatch
	s: x: 1
}
"#);
        assert_eq!(
            json(&o),
            r#"{"r":{"limits":{"cpu":"1","memory":"1Gi"}},"s":{"y":2,"x":1}}"#
        );
        assert!(
            o.warnings.iter().any(|w| w.contains("kubevela#6379")),
            "{o:?}"
        );
        assert!(
            o.warnings
                .iter()
                .any(|w| w.contains("only read on the `patch` field"))
        );
    }

    #[test]
    fn marker_parsing_follows_kubevela() {
        assert_eq!(
            markers(" +patchKey = name ").patch_key.as_deref(),
            Some("name")
        );
        assert_eq!(
            markers("+invalid=x y\n+patchStrategy=retainKeys")
                .patch_strategy
                .as_deref(),
            Some("retainKeys")
        );
        assert_eq!(markers("+patchKey=x y").patch_key, None);
        assert_eq!(
            markers("+patchKey=a\n+patchKey=b").patch_key.as_deref(),
            Some("b")
        );
    }

    #[test]
    fn json_patch_replace_keeps_the_key_in_place() {
        let base = Data::Struct(vec![
            ("a".into(), Data::str("x")),
            ("b".into(), Data::str("y")),
        ]);
        let ops = Data::List(vec![Data::Struct(vec![
            ("op".into(), Data::str("replace")),
            ("path".into(), Data::str("/a")),
            ("value".into(), Data::str("z")),
        ])]);
        let out = json_patch(&base, &ops).expect("applies");
        assert_eq!(
            xdef_cue::encode::to_json(&out, None),
            r#"{"a":"z","b":"y"}"#
        );
        let missing = Data::List(vec![Data::Struct(vec![
            ("op".into(), Data::str("replace")),
            ("path".into(), Data::str("/c")),
            ("value".into(), Data::str("z")),
        ])]);
        assert!(json_patch(&base, &missing).is_err());
    }

    #[test]
    fn merge_patch_deletes_with_null() {
        let base = Data::Struct(vec![
            ("a".into(), Data::str("x")),
            ("b".into(), Data::Struct(vec![("c".into(), Data::str("y"))])),
        ]);
        let patch = Data::Struct(vec![
            ("a".into(), Data::Null),
            ("b".into(), Data::Struct(vec![("d".into(), Data::str("z"))])),
        ]);
        let merged = json_merge_patch(&base, &patch);
        assert_eq!(
            xdef_cue::encode::to_json(&merged, None),
            r#"{"b":{"c":"y","d":"z"}}"#
        );
    }
}
