//! Trait patches, as KubeVela applies them (workflow `pkg/cue/model/sets/operation.go`,
//! `StrategyUnify`), reimplemented on evaluated values:
//!
//! - default: unification, with the base's lists opened (a longer patch list appends);
//! - `// +patchKey=k` on a list field (inherited by lists below it; dotted paths and
//!   comma-separated alternatives): patch elements are matched to base elements by key;
//!   unmatched patch elements are appended; patch elements without the key are dropped;
//!   if no patch element has the key, or a key value is not a plain literal (issue
//!   kubevela#6510), the list falls back to positional unification;
//! - `// +patchStrategy=retainKeys` on a field: its value replaces the base's (no
//!   conflict), keys the patch does not mention are kept; on a keyed list, a matched base
//!   element is replaced by the patch element;
//! - `// +patchStrategy=replace` on a list: the base list becomes the patch list;
//! - `// +patchStrategy=jsonMergePatch` / `jsonPatch` on the `patch` field itself: RFC 7396
//!   / RFC 6902 on the JSON forms.
//!
//! Where KubeVela silently does something surprising, the outcome carries a warning that
//! says so. For previews, every keyed list records which patch element matched which base
//! element.

use std::rc::Rc;

use xdef_cue::eval::{Alternative, Evaluator};
use xdef_cue::ir::FieldKind;
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
        let line = line.trim_start_matches("//").trim();
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
    List(Vec<PatchNode>),
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
    /// The key value is not a plain literal (a default or constraint), which makes KubeVela
    /// abandon keyed merging of the list containing this element.
    pub non_literal: bool,
}

/// Which patch element met which base element in a keyed list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMatch {
    pub path: String,
    pub key: String,
    /// (key value, base index if matched, patch index)
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

/// Builds the patch tree of an evaluated vertex.
pub fn patch_tree(ev: &mut Evaluator, v: VId) -> Result<PatchNode, String> {
    build(ev, v, 0)
}

fn build(ev: &mut Evaluator, v: VId, depth: u32) -> Result<PatchNode, String> {
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
                            return build(ev, *x, depth + 1);
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
            let len = ev.vertex(v).list.as_ref().map_or(0, |l| l.len);
            let arcs: Vec<_> = ev.arcs(v).collect();
            let mut items = Vec::new();
            for (f, arc) in arcs {
                if f.as_index().is_some_and(|i| i < len) {
                    items.push(build(ev, arc, depth + 1)?);
                }
            }
            Ok(PatchNode::List(items))
        }
        Value::Struct => {
            let arcs: Vec<_> = ev.arcs(v).collect();
            let mut fields = Vec::new();
            for (f, arc) in arcs {
                if f.kind() != LabelKind::Regular || ev.vertex(arc).field_kind != FieldKind::Regular
                {
                    continue;
                }
                let doc: String = ev
                    .vertex(arc)
                    .origins
                    .iter()
                    .filter_map(|o| o.doc.as_deref())
                    .collect::<Vec<_>>()
                    .join("\n");
                let non_literal = {
                    ev.finalize(arc);
                    let a = ev.deref(arc);
                    matches!(ev.value(a), Value::Disjunction(_))
                };
                let node = build(ev, arc, depth + 1)?;
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
    match merge(
        &mut result,
        patch,
        &Markers::default(),
        &mut Vec::new(),
        &mut outcome,
    ) {
        Ok(()) => outcome.result = Some(result),
        Err(e) => outcome.warnings.insert(0, e),
    }
    outcome
}

/// Merges `patch` into `base`. `inherited` carries the patchKey of ancestors.
fn merge(
    base: &mut Data,
    patch: &PatchNode,
    inherited: &Markers,
    path: &mut Vec<String>,
    out: &mut PatchOutcome,
) -> Result<(), String> {
    match patch {
        PatchNode::Struct(fields) => {
            let Data::Struct(base_fields) = base else {
                return Err(conflict(path, &describe_data(base), "{...}"));
            };
            for field in fields {
                let mut own = inherited.clone();
                if let Some(k) = &field.markers.patch_key {
                    own.patch_key = Some(k.clone());
                }
                path.push(field.name.to_string());
                let strategy = field.markers.patch_strategy.as_deref();
                let existing = base_fields.iter_mut().find(|(k, _)| **k == *field.name);
                match existing {
                    None => {
                        base_fields.push((field.name.clone(), concrete(&field.node, path)?));
                    }
                    Some((_, slot)) => match (&field.node, strategy) {
                        (PatchNode::List(items), Some("replace")) => {
                            *slot = Data::List(
                                items
                                    .iter()
                                    .map(|i| concrete(i, path))
                                    .collect::<Result<_, _>>()?,
                            );
                        }
                        (PatchNode::List(items), _) => {
                            merge_list(
                                slot,
                                items,
                                &own,
                                strategy == Some("retainKeys"),
                                path,
                                out,
                            )?;
                        }
                        (node, Some("retainKeys")) => {
                            // The patch's value is assigned; keys it does not mention stay.
                            *slot = retain(slot, node, path)?;
                        }
                        (node, _) => merge(slot, node, &inherited_for_children(&own), path, out)?,
                    },
                }
                path.pop();
            }
            Ok(())
        }
        PatchNode::List(items) => merge_list(base, items, inherited, false, path, out),
        PatchNode::Value(v) => match (&*base, v) {
            (Data::Struct(_), Data::Struct(_)) | (Data::List(_), Data::List(_)) => {
                merge(base, &data_node(v), inherited, path, out)
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
                return Err(conflict(path, description, &describe_data(base)));
            };
            let concrete = Atom::concrete(scalar);
            let admits = |a: &Atom| concrete.clone().unify(a).is_ok();
            let ok = match atom {
                Some(a) => admits(a),
                None => alternatives.iter().any(|(a, _)| admits(a)),
            };
            if ok {
                Ok(())
            } else {
                Err(conflict(path, description, &describe_data(base)))
            }
        }
    }
}

/// patchKey is inherited by everything below; patchStrategy is not.
fn inherited_for_children(m: &Markers) -> Markers {
    Markers {
        patch_key: m.patch_key.clone(),
        patch_strategy: None,
    }
}

fn retain(base: &Data, patch: &PatchNode, path: &mut Vec<String>) -> Result<Data, String> {
    match (base, patch) {
        (Data::Struct(base_fields), PatchNode::Struct(fields)) => {
            let mut result = base_fields.clone();
            for field in fields {
                path.push(field.name.to_string());
                let value = match result.iter().find(|(k, _)| **k == *field.name) {
                    Some((_, existing)) => retain(existing, &field.node, path)?,
                    None => concrete(&field.node, path)?,
                };
                match result.iter_mut().find(|(k, _)| **k == *field.name) {
                    Some((_, slot)) => *slot = value,
                    None => result.push((field.name.clone(), value)),
                }
                path.pop();
            }
            Ok(Data::Struct(result))
        }
        (_, PatchNode::Constraint { .. }) => {
            // A constraint that admits the base keeps it.
            let mut b = base.clone();
            let mut dummy = PatchOutcome::default();
            merge(&mut b, patch, &Markers::default(), path, &mut dummy)?;
            Ok(b)
        }
        (_, node) => concrete(node, path),
    }
}

fn merge_list(
    base: &mut Data,
    items: &[PatchNode],
    markers: &Markers,
    retain_keys: bool,
    path: &mut Vec<String>,
    out: &mut PatchOutcome,
) -> Result<(), String> {
    let Data::List(base_items) = base else {
        return Err(conflict(path, "[...]", &describe_data(base)));
    };
    let children = inherited_for_children(markers);
    if let Some(key) = &markers.patch_key {
        if let Some(plan) = keyed_plan(base_items, items, key, path, out) {
            let mut dropped = Vec::new();
            let mut matched_patch = vec![false; items.len()];
            let mut pairs = Vec::new();
            for (bi, pi) in &plan.matches {
                matched_patch[*pi] = true;
                path.push(bi.to_string());
                if retain_keys {
                    base_items[*bi] = concrete(&items[*pi], path)?;
                } else {
                    merge(&mut base_items[*bi], &items[*pi], &children, path, out)?;
                }
                path.pop();
                pairs.push((
                    plan.key_values[*pi].clone().unwrap_or_default(),
                    Some(*bi),
                    *pi,
                ));
            }
            for (pi, item) in items.iter().enumerate() {
                if matched_patch[pi] {
                    continue;
                }
                if plan.key_values[pi].is_none() {
                    dropped.push(pi);
                    continue;
                }
                path.push(base_items.len().to_string());
                base_items.push(concrete(item, path)?);
                path.pop();
                pairs.push((plan.key_values[pi].clone().unwrap_or_default(), None, pi));
            }
            if !dropped.is_empty() {
                out.warnings.push(format!(
                    "{}: {} patch element(s) without the patchKey `{key}` were dropped (KubeVela drops list elements that lack the key)",
                    path.join("."),
                    dropped.len()
                ));
            }
            out.matches.push(ListMatch {
                path: path.join("."),
                key: key.clone(),
                pairs,
                dropped,
            });
            return Ok(());
        }
    }
    // Positional: the base list is open, so a longer patch appends; a shorter closed
    // patch list conflicts, as CUE unification would.
    if items.len() < base_items.len() {
        return Err(format!(
            "{}: incompatible list lengths ({} and {}): without a +patchKey the patch list is unified element by element",
            path.join("."),
            items.len(),
            base_items.len()
        ));
    }
    for (i, item) in items.iter().enumerate() {
        path.push(i.to_string());
        if i < base_items.len() {
            merge(&mut base_items[i], item, &children, path, out)?;
        } else {
            base_items.push(concrete(item, path)?);
        }
        path.pop();
    }
    Ok(())
}

struct KeyedPlan {
    /// (base index, patch index)
    matches: Vec<(usize, usize)>,
    /// The key value of each patch element, if it has the key.
    key_values: Vec<Option<String>>,
}

/// Matches patch elements to base elements by key, or None when KubeVela would fall back
/// to positional unification.
fn keyed_plan(
    base: &[Data],
    patch: &[PatchNode],
    key: &str,
    path: &[String],
    out: &mut PatchOutcome,
) -> Option<KeyedPlan> {
    let keys: Vec<&str> = key.split(',').map(str::trim).collect();
    let mut key_values: Vec<Option<String>> = vec![None; patch.len()];
    let mut any = false;
    for (i, item) in patch.iter().enumerate() {
        for k in &keys {
            match lookup_patch(item, k) {
                Some(KeyLookup::Literal(v)) => {
                    key_values[i] = Some(format!("{k}={v}"));
                    any = true;
                    break;
                }
                Some(KeyLookup::NonLiteral(desc)) => {
                    out.warnings.push(format!(
                        "{}: the patchKey `{k}` of patch element {i} is not a plain value ({desc}), so KubeVela does not merge this list by key but element by element (kubevela#6510); use a concrete value or an interpolation such as \"\\(parameter.x)\"",
                        path.join(".")
                    ));
                    return None;
                }
                None => {}
            }
        }
    }
    if !any {
        if !patch.is_empty() {
            out.warnings.push(format!("{}: no patch element has the patchKey `{key}`; the list is unified element by element", path.join(".")));
        }
        return None;
    }
    let mut matches = Vec::new();
    let mut used = vec![false; patch.len()];
    for (bi, b) in base.iter().enumerate() {
        let base_key = keys
            .iter()
            .find_map(|k| lookup_data(b, k).map(|v| format!("{k}={}", describe_data(v))));
        let Some(bk) = base_key else { continue };
        if let Some(pi) = (0..patch.len())
            .find(|pi| !used[*pi] && key_values[*pi].as_deref() == Some(bk.as_str()))
        {
            used[pi] = true;
            matches.push((bi, pi));
        }
    }
    Some(KeyedPlan {
        matches,
        key_values,
    })
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
        PatchNode::Value(d) if !non_literal => Some(KeyLookup::Literal(describe_data(d))),
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
        current = current.get(part)?;
    }
    Some(current)
}

/// The concrete data of a patch node (a field the base does not have).
fn concrete(node: &PatchNode, path: &[String]) -> Result<Data, String> {
    Ok(match node {
        PatchNode::Value(d) => d.clone(),
        PatchNode::List(items) => Data::List(
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
        Data::List(items) => PatchNode::List(items.iter().map(data_node).collect()),
        other => PatchNode::Value(other.clone()),
    }
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
                pointer_remove(&mut doc, &pointer)?;
                pointer_add(&mut doc, &pointer, value)?;
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
