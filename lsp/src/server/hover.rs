//! Hover: for a field (its label or a reference to it, `parameter.image` included) the
//! declared type and default (`*"Always" | "Never"`, default `"Always"`), the `+usage`
//! or doc comment, and the evaluated value from the last evaluation when there is one;
//! docs of `context.*` fields by definition type; docs of `vela/*` package members and
//! standard-library functions; lets, aliases and imports. Answers from syntax and the
//! scope index; the evaluated value is read, never waited for.

use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind};
use xdef_vela::DefinitionKind;

use super::document::Snapshot;
use super::packages;
use super::scope::Symbol;
use super::syntax;

pub fn hover(snap: &Snapshot, offset: usize) -> Option<Hover> {
    let parse = &*snap.parse;
    let index = snap.scope();
    let (sym, range) = index.symbol_at(offset)?;
    let kind = syntax::definition_kind(parse);
    let text = parse.text();
    let mut out = String::new();
    match &sym {
        Symbol::Field(path) => {
            let decls = index.fields.get(path);
            let name = path.rsplit('.').next().unwrap_or(path);
            let mut declared: Vec<String> = Vec::new();
            let mut default: Option<String> = None;
            let mut doc: Option<String> = None;
            for d in decls.into_iter().flatten() {
                if let Some(v) = &d.value_range {
                    let value = &text[v.clone()];
                    let shown = if value.contains('\n') {
                        packages::summary(value)
                    } else {
                        value.to_owned()
                    };
                    if !declared.contains(&shown) && declared.len() < 4 {
                        declared.push(shown);
                    }
                    if default.is_none() {
                        let root = parse.tree().root_node();
                        if let Some(vn) = root.descendant_for_byte_range(v.start, v.end) {
                            let vn = syntax::ancestors(vn)
                                .find(|n| n.byte_range() == *v)
                                .unwrap_or(vn);
                            default =
                                syntax::default_of(vn).map(|n| syntax::text(parse, n).to_owned());
                        }
                    }
                }
                if doc.is_none() {
                    let root = parse.tree().root_node();
                    if let Some(f) = root
                        .descendant_for_byte_range(d.field_range.start, d.field_range.end)
                        .and_then(|n| {
                            syntax::ancestors(n)
                                .find(|a| a.kind() == "field" && a.byte_range() == d.field_range)
                        })
                    {
                        if let Some(c) = syntax::doc_comment(parse, f) {
                            doc = Some(match syntax::usage(&c) {
                                Some(u) => u.to_owned(),
                                None => syntax::prose(&c),
                            });
                        }
                    }
                }
            }
            out.push_str("```cue\n");
            if declared.is_empty() {
                out.push_str(&format!("{name}: _\n"));
            }
            for d in &declared {
                out.push_str(&format!("{name}: {d}\n"));
            }
            out.push_str("```\n");
            if let Some(d) = &default {
                out.push_str(&format!("\nDefault: `{d}`\n"));
            }
            if let Some(d) = doc.filter(|d| !d.is_empty()) {
                out.push_str(&format!("\n{d}\n"));
            }
            // The evaluated value, from the last evaluation (if any declaration has one).
            if let Some(sem) = &snap.semantic {
                let value = decls.into_iter().flatten().find_map(|d| {
                    sem.values
                        .iter()
                        .find(|(r, _)| r.start == d.field_range.start)
                        .map(|(_, v)| v.clone())
                });
                if let Some(v) = value {
                    if !declared.iter().any(|d| *d == v) {
                        out.push_str(&format!("\nEvaluated: `{v}`\n"));
                    }
                }
            }
            if let Some(note) = schema_note(parse, path, kind) {
                out.push_str(&format!("\n{note}\n"));
            }
            out.push_str(&format!("\n`{}`", display_path(path)));
        }
        Symbol::Context(None) => {
            let k = kind.unwrap_or(DefinitionKind::Component);
            out.push_str(&format!(
                "```cue\ncontext\n```\nRuntime information KubeVela gives the template of a {} definition:\n\n",
                k.type_name()
            ));
            for f in xdef_vela::context::fields(k) {
                out.push_str(&format!("- `{}`: `{}`\n", f.name, f.cue_type));
            }
        }
        Symbol::Context(Some(member)) => {
            let k = kind.unwrap_or(DefinitionKind::Component);
            let first = member.split('.').next().unwrap_or(member);
            match xdef_vela::context::field(k, first) {
                Some(f) => out.push_str(&format!(
                    "```cue\ncontext.{}{}: {}\n```\n{}\n\n(context of a {} definition)",
                    f.name,
                    if f.optional { "?" } else { "" },
                    f.cue_type,
                    f.doc,
                    k.type_name()
                )),
                None => out.push_str(&format!(
                    "`context.{member}` is not in the context of a {} definition.",
                    k.type_name()
                )),
            }
        }
        Symbol::PackageMember(path, member) => {
            let m = packages::member(path, member, kind)?;
            out.push_str(&format!(
                "```cue\n{}\n```\n",
                if m.detail.contains(&m.name) {
                    m.detail.clone()
                } else {
                    format!("{}: {}", m.name, m.detail)
                }
            ));
            let doc = syntax::prose(&m.doc);
            if !doc.is_empty() {
                out.push_str(&format!("\n{doc}\n"));
            }
            out.push_str(&format!("\nfrom `\"{path}\"`"));
        }
        Symbol::Import(_) => {
            let b = index.bindings.get(&sym)?;
            let path = b.import_path.clone().unwrap_or_default();
            let n = packages::members(&path, kind).len();
            out.push_str(&format!("```cue\nimport \"{path}\"\n```\n{n} members"));
        }
        Symbol::Let(_) | Symbol::Alias(_) | Symbol::LoopVar(_) => {
            let b = index.bindings.get(&sym)?;
            let what = match sym {
                Symbol::Let(_) => "let",
                Symbol::Alias(_) => "alias",
                _ => "comprehension variable",
            };
            let decl = &text[b.decl_range.clone()];
            out.push_str(&format!(
                "```cue\n{}\n```\n({what})",
                packages::summary(decl)
            ));
        }
        Symbol::Builtin(name) => {
            out.push_str(&format!("```cue\n{name}\n```\n{}", builtin_doc(name)));
        }
        Symbol::Unresolved(name) => {
            out.push_str(&format!("`{name}`: not declared in this file"));
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: out.trim_end().to_owned(),
        }),
        range: Some(snap.range(range)),
    })
}

/// What the definition header's schema says about a header key or an `attributes` key.
fn schema_note(
    parse: &xdef_syntax::Parse,
    path: &str,
    kind: Option<DefinitionKind>,
) -> Option<String> {
    let header = syntax::header_field(parse).and_then(|h| syntax::field_name(parse, h))?;
    let parts: Vec<&str> = path.split('.').collect();
    if parts.first() != Some(&header.as_str()) || parts.len() < 2 {
        return None;
    }
    if parts.len() == 2 {
        return super::completion::HEADER_KEYS
            .iter()
            .find(|(k, _)| *k == parts[1])
            .map(|(_, doc)| format!("Definition header: {doc}"));
    }
    if parts[1] != "attributes" {
        return None;
    }
    let k = kind?;
    let mut keys: Option<&[(&str, xdef_vela::schema::Ty)]> =
        Some(xdef_vela::schema::attributes_schema(k));
    let mut found = None;
    for c in &parts[2..] {
        if c.starts_with('[') {
            continue;
        }
        let entry = keys.and_then(|ks| ks.iter().find(|(n, _)| n == c))?;
        found = Some(&entry.1);
        keys = super::completion::ty_keys(&entry.1);
    }
    found.map(|ty| {
        format!(
            "`attributes` of a {} definition: `{}`",
            k.type_name(),
            super::completion::ty_name(ty)
        )
    })
}

/// A field path for people: `template.parameter.image` → `parameter.image` inside
/// templates.
fn display_path(path: &str) -> &str {
    path.strip_prefix("template.").unwrap_or(path)
}

fn builtin_doc(name: &str) -> &'static str {
    match name {
        "len" => "The length of a string (bytes), bytes, list or struct.",
        "close" => "Closes a struct: no fields other than those declared are allowed.",
        "and" => "The conjunction of the elements of a list.",
        "or" => "The disjunction of the elements of a list.",
        "div" | "mod" => "Euclidean integer division and modulus.",
        "quo" | "rem" => "Truncated integer division and remainder.",
        "string" | "bytes" | "bool" | "number" | "int" | "float" => "A predeclared type.",
        _ => "A predeclared type (a bounded number).",
    }
}
