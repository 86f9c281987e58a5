//! The custom requests `xdef/renderPreview` and `xdef/patchPreview` (documented in the
//! README). They run on the evaluation thread (rendering evaluates, and its values are
//! `!Send`) and return plain JSON.
//!
//! Preview inputs: the definition's parameters from `<inputsPath>/<name>.json|yaml|yml|cue`
//! when the `xdef.preview.inputsPath` setting names a directory holding such a file;
//! otherwise defaults plus placeholders: every required parameter without a default gets a
//! placeholder of its type (`"<name>"`, the first of an enumeration, `1`, `false`, `[]`,
//! `{}`), fields with defaults are left to their defaults. Nothing is ever applied to a
//! cluster or fetched.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};
use tower_lsp_server::ls_types::TextDocumentIdentifier;
use tree_sitter::Node;
use xdef_cue::{Data, Evaluation, NoPackages, encode};
use xdef_syntax::Parse;
use xdef_vela::render::{RenderError, RenderInput, apply_trait, render_component};
use xdef_vela::{DefinitionKind, read_definition};

use super::config::Settings;
use super::syntax;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderParams {
    pub text_document: TextDocumentIdentifier,
    #[allow(dead_code)]
    pub position: Option<tower_lsp_server::ls_types::Position>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchParams {
    /// The trait definition.
    pub text_document: TextDocumentIdentifier,
    /// The component definition the trait is applied to.
    pub component: TextDocumentIdentifier,
    #[allow(dead_code)]
    pub position: Option<tower_lsp_server::ls_types::Position>,
}

fn to_json(d: &Data) -> Value {
    serde_json::from_str(&encode::to_json(d, None)).unwrap_or(Value::Null)
}

fn yaml_of(objects: &[Data]) -> String {
    objects
        .iter()
        .map(encode::to_yaml)
        .collect::<Vec<_>>()
        .join("---\n")
}

/// A placeholder value for a parameter declared as `expr`, or None when it needs none.
fn placeholder(parse: &Parse, name: &str, v: Node<'_>, depth: usize) -> Option<Data> {
    if depth > 16 || syntax::default_of(v).is_some() {
        return None;
    }
    match v.kind() {
        "struct" => {
            let fields = placeholders(parse, &[v], depth + 1);
            (!fields.is_empty()).then(|| Data::Struct(fields))
        }
        "list" => Some(Data::List(vec![])),
        "string" => None, // a constant
        "binary_expression" => {
            let op = v.child_by_field_name("operator").map(|o| o.kind());
            let l = v.child_by_field_name("left")?;
            let r = v.child_by_field_name("right")?;
            match op {
                Some("|") => {
                    // An enumeration: its first concrete alternative.
                    let mut stack = vec![r, l];
                    while let Some(n) = stack.pop() {
                        match n.kind() {
                            "binary_expression" => {
                                stack.extend(n.child_by_field_name("right"));
                                stack.extend(n.child_by_field_name("left"));
                            }
                            "string" => {
                                return syntax::string_value(parse, n).map(|s| Data::str(&s));
                            }
                            "integer" | "float" | "true" | "false" => {
                                return placeholder_from_text(syntax::text(parse, n));
                            }
                            _ => {
                                if let Some(d) = placeholder(parse, name, n, depth + 1) {
                                    return Some(d);
                                }
                            }
                        }
                    }
                    None
                }
                Some("&") => placeholder(parse, name, l, depth + 1)
                    .or_else(|| placeholder(parse, name, r, depth + 1)),
                _ => None,
            }
        }
        "identifier" => match syntax::text(parse, v) {
            "string" => Some(Data::str(&format!("<{name}>"))),
            "int" | "number" | "uint" | "int32" | "int64" | "uint32" | "uint64" | "float" => {
                placeholder_from_text("1")
            }
            "bool" => Some(Data::Bool(false)),
            _ => None,
        },
        "unary_expression" => placeholder_from_text("1").filter(|_| {
            matches!(
                v.child_by_field_name("operator").map(|o| o.kind()),
                Some(">" | ">=")
            )
        }),
        _ => None,
    }
}

fn placeholder_from_text(t: &str) -> Option<Data> {
    let mut e = Evaluation::from_sources(
        vec![("p.cue".into(), format!("x: {t}"))],
        &NoPackages,
        Default::default(),
    );
    let v = e.lookup("x")?;
    e.export(v).ok()
}

fn placeholders(
    parse: &Parse,
    structs: &[Node<'_>],
    depth: usize,
) -> Vec<(std::rc::Rc<str>, Data)> {
    let mut out: Vec<(std::rc::Rc<str>, Data)> = Vec::new();
    for s in structs {
        for (name, field) in syntax::struct_fields(parse, *s) {
            let optional = field
                .child_by_field_name("label")
                .and_then(|l| l.child_by_field_name("constraint"))
                .is_some_and(|c| c.kind() == "optional");
            if optional || out.iter().any(|(n, _)| **n == *name) {
                continue;
            }
            let Some(v) = field.child_by_field_name("value") else {
                continue;
            };
            if let Some(d) = placeholder(parse, &name, v, depth) {
                out.push((name.as_str().into(), d));
            }
        }
    }
    out
}

/// The template's `parameter` declarations.
fn parameter_structs(parse: &Parse) -> Vec<Node<'_>> {
    let Some(t) = syntax::template_struct(parse) else {
        return vec![];
    };
    syntax::struct_fields(parse, t)
        .into_iter()
        .filter(|(n, _)| n == "parameter")
        .filter_map(|(_, f)| syntax::value_struct(f))
        .collect()
}

/// The inputs file of a definition in `dir`, if there is one: Ok(None) when there is none,
/// Err when it cannot be read.
fn read_inputs(dir: &Path, name: &str) -> Result<Option<(Data, PathBuf)>, String> {
    for ext in ["json", "yaml", "yml", "cue"] {
        let path = dir.join(format!("{name}.{ext}"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let data = if ext.starts_with('y') {
            encode::yaml_to_data(&text).map_err(|e| format!("{}: {e}", path.display()))?
        } else {
            let mut e = Evaluation::from_sources(
                vec![(path.display().to_string(), text)],
                &NoPackages,
                Default::default(),
            );
            e.export_root().map_err(|d| {
                format!(
                    "{}: {}",
                    path.display(),
                    d.first().map(|d| d.text()).unwrap_or_default()
                )
            })?
        };
        return Ok(Some((data, path)));
    }
    Ok(None)
}

/// Parameters for a preview, and where they came from.
fn inputs(parse: &Parse, name: &str, settings: &Settings, roots: &[PathBuf]) -> (Data, String) {
    if let Some(dir) = &settings.preview_inputs_path {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() {
            dir
        } else {
            roots.first().map_or(dir.clone(), |r| r.join(&dir))
        };
        match read_inputs(&dir, name) {
            Ok(Some((d, path))) => return (d, path.display().to_string()),
            Ok(None) => {}
            Err(e) => {
                return (
                    Data::Struct(placeholders(parse, &parameter_structs(parse), 0)),
                    format!("defaults and placeholders (could not read {e})"),
                );
            }
        }
    }
    (
        Data::Struct(placeholders(parse, &parameter_structs(parse), 0)),
        "defaults and placeholders".into(),
    )
}

fn error_json(parse: &Parse, e: &RenderError) -> Value {
    let errors: Vec<Value> = e
        .diagnostics
        .iter()
        .map(|d| {
            let (line, character) = parse.line_index().utf16_col(parse.text(), d.range.start);
            json!({"message": d.message, "line": line, "character": character, "path": d.path})
        })
        .collect();
    json!({"message": e.message, "errors": errors})
}

pub fn render_preview(text: &str, settings: &Settings, roots: &[PathBuf]) -> Result<Value, String> {
    let parse = xdef_syntax::parse(text.to_owned());
    if parse.tree().root_node().has_error() {
        return Err("the definition has syntax errors".into());
    }
    let def = read_definition(&parse);
    let name = def
        .name
        .clone()
        .ok_or("the file has no definition header")?;
    let kind = def.kind.ok_or("the definition has no valid type")?;
    if kind == DefinitionKind::Trait {
        return Err("a trait renders against a component: use xdef/patchPreview".into());
    }
    let (parameter, source) = inputs(&parse, &name, settings, roots);
    let input = RenderInput {
        parameter: parameter.clone(),
        name: name.clone(),
        budget: xdef_cue::Budget {
            max_steps: settings.budget_steps,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut result = json!({
        "definition": name,
        "type": kind.type_name(),
        "inputs": {"parameter": to_json(&parameter), "source": source},
    });
    match render_component(&parse, &def, &input) {
        Ok(w) => {
            let mut objects: Vec<Data> = w.output.into_iter().collect();
            objects.extend(w.outputs.into_iter().map(|(_, _, d)| d));
            result["objects"] = Value::Array(objects.iter().map(to_json).collect());
            result["yaml"] = Value::String(yaml_of(&objects));
            result["json"] = Value::String(encode::to_json(&Data::List(objects), Some("  ")));
            result["errors"] = json!([]);
        }
        Err(e) => {
            let ej = error_json(&parse, &e);
            result["objects"] = json!([]);
            result["yaml"] = Value::String(String::new());
            result["json"] = Value::String("[]".into());
            result["message"] = ej["message"].clone();
            result["errors"] = ej["errors"].clone();
        }
    }
    Ok(result)
}

pub fn patch_preview(
    trait_text: &str,
    component_text: &str,
    settings: &Settings,
    roots: &[PathBuf],
) -> Result<Value, String> {
    let cparse = xdef_syntax::parse(component_text.to_owned());
    let tparse = xdef_syntax::parse(trait_text.to_owned());
    if tparse.tree().root_node().has_error() {
        return Err("the trait has syntax errors".into());
    }
    if cparse.tree().root_node().has_error() {
        return Err("the component has syntax errors".into());
    }
    let cdef = read_definition(&cparse);
    let tdef = read_definition(&tparse);
    let cname = cdef
        .name
        .clone()
        .ok_or("the component file has no definition header")?;
    let tname = tdef
        .name
        .clone()
        .ok_or("the trait file has no definition header")?;
    if tdef.kind != Some(DefinitionKind::Trait) {
        return Err("xdef/patchPreview: the document is not a trait definition".into());
    }
    let budget = xdef_cue::Budget {
        max_steps: settings.budget_steps,
        ..Default::default()
    };
    let (cparams, csource) = inputs(&cparse, &cname, settings, roots);
    let (tparams, tsource) = inputs(&tparse, &tname, settings, roots);
    let cinput = RenderInput {
        parameter: cparams.clone(),
        name: cname.clone(),
        budget,
        ..Default::default()
    };
    let mut result = json!({
        "trait": tname,
        "component": cname,
        "inputs": {
            "component": {"parameter": to_json(&cparams), "source": csource},
            "trait": {"parameter": to_json(&tparams), "source": tsource},
        },
    });
    let mut workload = match render_component(&cparse, &cdef, &cinput) {
        Ok(w) => w,
        Err(e) => {
            let ej = error_json(&cparse, &e);
            result["message"] =
                Value::String(format!("the component does not render: {}", e.message));
            result["errors"] = ej["errors"].clone();
            return Ok(result);
        }
    };
    let objects = |w: &xdef_vela::render::Workload| -> Vec<Data> {
        let mut v: Vec<Data> = w.output.iter().cloned().collect();
        v.extend(w.outputs.iter().map(|(_, _, d)| d.clone()));
        v
    };
    let before = objects(&workload);
    let tinput = RenderInput {
        parameter: tparams,
        name: cname.clone(),
        budget,
        ..Default::default()
    };
    match apply_trait(&tparse, &tdef, &tinput, &tname, &cname, &mut workload) {
        Ok(report) => {
            let after = objects(&workload);
            result["before"] = json!({"yaml": yaml_of(&before), "objects": before.iter().map(to_json).collect::<Vec<_>>()});
            result["after"] = json!({"yaml": yaml_of(&after), "objects": after.iter().map(to_json).collect::<Vec<_>>()});
            result["patched"] = Value::Bool(report.patched);
            result["matches"] = Value::Array(
                report
                    .matches
                    .iter()
                    .map(|m| {
                        json!({
                            "path": m.path,
                            "key": m.key,
                            "pairs": m.pairs.iter().map(|(k, b, p)| json!({"key": k, "baseIndex": b, "patchIndex": p})).collect::<Vec<_>>(),
                            "dropped": m.dropped,
                        })
                    })
                    .collect(),
            );
            result["warnings"] = json!(report.warnings);
            result["addedOutputs"] = json!(
                report
                    .added_outputs
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
            );
            result["errors"] = json!([]);
        }
        Err(e) => {
            let ej = error_json(&tparse, &e);
            result["before"] = json!({"yaml": yaml_of(&before), "objects": before.iter().map(to_json).collect::<Vec<_>>()});
            result["message"] = ej["message"].clone();
            result["errors"] = ej["errors"].clone();
        }
    }
    Ok(result)
}
