//! Completion, from syntax and the scope index only (never waits for evaluation, works in
//! files that do not parse cleanly):
//!
//! - after `x.`: members of what `x` is — `context.` by definition type (with docs),
//!   `parameter.` from the template's own `parameter` (with `+usage`), fields of `#Defs`,
//!   lets and aliases, members of imported packages (standard library and `vela/*`);
//! - at a label position (also on an empty line right after `{`): the fields the schema in
//!   scope has and the struct does not declare yet — other declarations of the same field,
//!   what the struct is unified with (`x: #Def & {...}`), the definition header's keys,
//!   `attributes` keys of the definition's type, a template's top-level fields, and the
//!   basic shape of Kubernetes objects under `output`/`outputs`;
//! - in expressions: names in scope, predeclared identifiers, `context`;
//! - import paths inside `import "..."`; definition types in the header's `type: "..."`;
//! - `// +patchKey=` and `// +patchStrategy=` markers and their values in comments;
//! - snippets for a new definition of each type at the top of a file.

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, InsertTextFormat,
    MarkupContent, MarkupKind, TextEdit,
};
use xdef_syntax::Parse;
use xdef_vela::DefinitionKind;
use xdef_vela::schema::{Ty, attributes_schema};

use super::document::Snapshot;
use super::packages;
use super::scope::{self, Index, Symbol};
use super::syntax;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '#' || c == '$'
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    /// The partial word before the cursor.
    word_start: usize,
    offset: usize,
    items: Vec<CompletionItem>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        label: &str,
        kind: CompletionItemKind,
        detail: Option<String>,
        doc: Option<String>,
        insert: Option<String>,
    ) {
        if self.items.iter().any(|i| i.label == label) {
            return;
        }
        let range = self.snap.range(self.word_start..self.offset);
        self.items.push(CompletionItem {
            label: label.to_owned(),
            kind: Some(kind),
            detail: detail.filter(|d| !d.is_empty()),
            documentation: doc.filter(|d| !d.is_empty()).map(|d| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: d,
                })
            }),
            sort_text: Some(format!("{:04}", self.items.len())),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: insert.unwrap_or_else(|| label.to_owned()),
            })),
            ..Default::default()
        });
    }

    fn snippet(&mut self, label: &str, detail: &str, body: &str) {
        self.push(
            label,
            CompletionItemKind::SNIPPET,
            Some(detail.to_owned()),
            None,
            Some(body.to_owned()),
        );
        if let Some(last) = self.items.last_mut() {
            last.insert_text_format = Some(InsertTextFormat::SNIPPET);
        }
    }
}

pub fn complete(snap: &Snapshot, offset: usize) -> Vec<CompletionItem> {
    let parse = &*snap.parse;
    let text = parse.text();
    let offset = xdef_syntax::line_index::floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let word_len: usize = before
        .chars()
        .rev()
        .take_while(|c| is_word_char(*c))
        .map(char::len_utf8)
        .sum();
    let word_start = offset - word_len;
    let mut ctx = Ctx {
        snap,
        word_start,
        offset,
        items: Vec::new(),
    };
    let kind = syntax::definition_kind(parse);

    if let Some(comment) = syntax::comment_at(parse, offset) {
        complete_marker(&mut ctx, &text[comment.start_byte()..offset]);
        return ctx.items;
    }
    if let Some(s) = string_at(parse, offset) {
        complete_in_string(&mut ctx, parse, s, kind);
        return ctx.items;
    }
    let index = snap.scope();
    let before_word = &text[line_start..word_start];
    if before_word.ends_with('.') {
        complete_member(&mut ctx, parse, index, word_start - 1, kind);
        return ctx.items;
    }
    let trimmed = before_word.trim();
    let label_position = trimmed.is_empty() || trimmed.ends_with('{') || trimmed.ends_with(',');
    if label_position {
        complete_labels(&mut ctx, parse, index, kind);
    } else {
        complete_expression(&mut ctx, parse, index);
    }
    ctx.items
}

/// The string literal around `offset` (not inside an interpolation).
fn string_at(parse: &Parse, offset: usize) -> Option<tree_sitter::Node<'_>> {
    let node = syntax::node_at(parse, offset);
    for a in syntax::ancestors(node) {
        match a.kind() {
            "interpolation" => return None,
            "string" => {
                return (a.start_byte() < offset
                    && (offset < a.end_byte()
                        || a.has_error()
                        || a.end_byte() - a.start_byte() == 1))
                    .then_some(a);
            }
            _ => {}
        }
    }
    None
}

const STRATEGIES: &[(&str, &str)] = &[
    (
        "retainKeys",
        "Replace the field's value instead of merging; keys the patch does not mention are kept.",
    ),
    ("replace", "Replace the whole list with the patch's list."),
    (
        "jsonPatch",
        "`patch` is an RFC 6902 JSON Patch: `operations: [{op: \"add\", path: \"/spec/x\", value: ...}]`.",
    ),
    (
        "jsonMergePatch",
        "`patch` is an RFC 7396 JSON Merge Patch (`null` removes a field).",
    ),
];

/// `// +patchKey=`, `// +patchStrategy=` and their values.
fn complete_marker(ctx: &mut Ctx<'_>, comment_before: &str) {
    let body = comment_before.trim_start_matches('/').trim_start();
    if let Some(value) = body.strip_prefix("+patchStrategy=") {
        let _ = value;
        for (s, doc) in STRATEGIES {
            ctx.push(
                s,
                CompletionItemKind::ENUM_MEMBER,
                Some("patch strategy".into()),
                Some((*doc).to_owned()),
                None,
            );
        }
    } else if body.strip_prefix("+patchKey=").is_some() {
        for (k, doc) in [
            (
                "name",
                "Match list elements by their `name` (containers, volumes, env, ports).",
            ),
            ("containerPort", "Match ports by `containerPort`."),
            ("mountPath", "Match volume mounts by `mountPath`."),
        ] {
            ctx.push(
                k,
                CompletionItemKind::VALUE,
                Some("patch key".into()),
                Some(doc.to_owned()),
                None,
            );
        }
    } else if body.starts_with('+') || body.is_empty() {
        // Replace from the `+` so that `+patchK` completes whole.
        let plus = comment_before
            .rfind('+')
            .map_or(ctx.offset, |i| ctx.offset - (comment_before.len() - i));
        ctx.word_start = plus.min(ctx.offset);
        for (label, doc) in [
            (
                "+patchKey=",
                "Merge the list below by this key (dotted paths and `a,b` alternatives allowed).",
            ),
            (
                "+patchStrategy=",
                "How to apply this part of the patch: retainKeys, replace, jsonPatch or jsonMergePatch.",
            ),
            (
                "+usage=",
                "The parameter's documentation, shown to users of the definition.",
            ),
            (
                "+short=",
                "A one-letter short flag for the parameter in `vela` commands.",
            ),
        ] {
            ctx.push(
                label,
                CompletionItemKind::KEYWORD,
                Some("marker comment".into()),
                Some(doc.to_owned()),
                None,
            );
        }
    }
}

fn complete_in_string(
    ctx: &mut Ctx<'_>,
    parse: &Parse,
    s: tree_sitter::Node<'_>,
    kind: Option<DefinitionKind>,
) {
    let body_start = (s.start_byte() + 1).min(ctx.offset);
    let in_import = syntax::ancestors(s).any(|a| a.kind() == "import_spec");
    if in_import {
        ctx.word_start = body_start;
        for (path, desc) in packages::import_paths(kind) {
            ctx.push(
                &path,
                CompletionItemKind::MODULE,
                Some(desc.to_owned()),
                None,
                None,
            );
        }
        return;
    }
    // The header's `type: "..."`.
    let field = syntax::ancestors(s).find(|a| a.kind() == "field");
    if let (Some(f), Some(header)) = (field, syntax::header_field(parse)) {
        let in_header = header.start_byte() <= f.start_byte() && f.end_byte() <= header.end_byte();
        if in_header && syntax::field_name(parse, f).as_deref() == Some("type") {
            ctx.word_start = body_start;
            for k in DefinitionKind::ALL {
                ctx.push(
                    k.type_name(),
                    CompletionItemKind::ENUM_MEMBER,
                    Some(k.crd_kind().to_owned()),
                    None,
                    None,
                );
            }
        }
    }
}

/// Members after `chain.`: resolve the chain (identifiers and selectors) from the scope at
/// the cursor.
fn complete_member(
    ctx: &mut Ctx<'_>,
    parse: &Parse,
    index: &Index,
    dot: usize,
    kind: Option<DefinitionKind>,
) {
    let text = parse.text();
    // The chain before the dot: `a.b.c` (identifiers only).
    let mut parts: Vec<&str> = Vec::new();
    let mut end = dot;
    loop {
        let seg_len: usize = text[..end]
            .chars()
            .rev()
            .take_while(|c| is_word_char(*c))
            .map(char::len_utf8)
            .sum();
        if seg_len == 0 {
            break;
        }
        parts.push(&text[end - seg_len..end]);
        end -= seg_len;
        if end > 0 && text.as_bytes()[end - 1] == b'.' {
            end -= 1;
        } else {
            break;
        }
    }
    parts.reverse();
    let Some(first) = parts.first() else { return };
    let visible = scope::visible_at(parse, index, end);
    let mut sym = visible
        .iter()
        .find(|(n, _)| n == first)
        .map(|(_, s)| s.clone())
        .unwrap_or_else(|| {
            if *first == "context" && index.is_definition {
                Symbol::Context(None)
            } else {
                Symbol::Unresolved(first.to_string())
            }
        });
    for p in &parts[1..] {
        sym = index.member(&sym, p);
    }
    match &sym {
        Symbol::Context(None) => {
            let k = kind.unwrap_or(DefinitionKind::Component);
            for f in xdef_vela::context::fields(k) {
                ctx.push(
                    f.name,
                    CompletionItemKind::FIELD,
                    Some(f.cue_type.to_owned()),
                    Some(format!(
                        "{}\n\n(context of a {} definition)",
                        f.doc,
                        k.type_name()
                    )),
                    None,
                );
            }
        }
        Symbol::Import(_) => {
            let path = index
                .bindings
                .get(&sym)
                .and_then(|b| b.import_path.clone())
                .unwrap_or_default();
            for m in packages::members(&path, kind) {
                push_member(ctx, &m);
            }
        }
        Symbol::PackageMember(path, member) => {
            if let Some(m) = packages::member(path, member, kind) {
                for c in &m.children {
                    push_member(ctx, c);
                }
            }
        }
        Symbol::Unresolved(name) => {
            // A package used without an import: offer its members (the quick fix adds
            // the import).
            if let Some(path) = packages::path_for_name(name, kind) {
                for m in packages::members(&path, kind) {
                    push_member(ctx, &m);
                }
            }
        }
        Symbol::Field(_) | Symbol::Let(_) | Symbol::Alias(_) | Symbol::LoopVar(_) => {
            for (name, path) in index.members_of(&sym) {
                let (detail, doc) = field_info(parse, index, &path);
                let kind = if name.starts_with('#') {
                    CompletionItemKind::STRUCT
                } else {
                    CompletionItemKind::FIELD
                };
                let insert = (!syntax::is_identifier(&name)).then(|| format!("\"{name}\""));
                ctx.push(&name, kind, detail, doc, insert);
            }
        }
        _ => {}
    }
}

fn push_member(ctx: &mut Ctx<'_>, m: &packages::Member) {
    let kind = if m.detail.contains('(') && !m.name.starts_with('#') {
        CompletionItemKind::FUNCTION
    } else if m.name.starts_with('#') {
        CompletionItemKind::STRUCT
    } else {
        CompletionItemKind::FIELD
    };
    ctx.push(
        &m.name,
        kind,
        Some(m.detail.clone()),
        Some(syntax::prose(&m.doc)),
        None,
    );
}

/// Detail (declared value) and documentation (`+usage` or doc comment) of a field path.
pub fn field_info(parse: &Parse, index: &Index, path: &str) -> (Option<String>, Option<String>) {
    let Some(decls) = index.fields.get(path) else {
        return (None, None);
    };
    let mut detail = None;
    let mut doc = None;
    for d in decls {
        let root = parse.tree().root_node();
        let Some(field) = root.descendant_for_byte_range(d.field_range.start, d.field_range.end)
        else {
            continue;
        };
        let field = syntax::ancestors(field)
            .find(|n| n.kind() == "field" && n.byte_range() == d.field_range)
            .unwrap_or(field);
        if detail.is_none() {
            detail = d
                .value_range
                .as_ref()
                .map(|r| packages::summary(&parse.text()[r.clone()]));
        }
        if doc.is_none() {
            if let Some(c) = syntax::doc_comment(parse, field) {
                doc = Some(match syntax::usage(&c) {
                    Some(u) => u.to_owned(),
                    None => syntax::prose(&c),
                });
            }
        }
    }
    (detail, doc.filter(|d| !d.is_empty()))
}

/// The innermost struct (or the file) that contains `offset`.
fn enclosing_struct(parse: &Parse, offset: usize) -> tree_sitter::Node<'_> {
    let node = syntax::node_at(parse, offset);
    syntax::ancestors(node)
        .find(|n| {
            n.kind() == "source_file"
                || (n.kind() == "struct"
                    && n.start_byte() < offset
                    && (offset < n.end_byte() || n.has_error()))
        })
        .unwrap_or_else(|| parse.tree().root_node())
}

pub const HEADER_KEYS: &[(&str, &str)] = &[
    (
        "type",
        "The definition type: component, trait, policy, workflow-step or workload.",
    ),
    ("alias", "A short alternative name."),
    (
        "description",
        "What the definition does (shown in `vela show` and the UI).",
    ),
    ("annotations", "Annotations added to the definition object."),
    ("labels", "Labels added to the definition object."),
    (
        "attributes",
        "The definition's spec attributes for its type.",
    ),
];

fn template_keys(kind: DefinitionKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        DefinitionKind::Component | DefinitionKind::Workload | DefinitionKind::ConfigTemplate => &[
            ("output", "The main workload object."),
            ("outputs", "Auxiliary objects, by name."),
            ("parameter", "The parameters users set in the Application."),
        ],
        DefinitionKind::Trait => &[
            ("patch", "A patch merged into the component's workload."),
            ("patchOutputs", "Patches for auxiliary objects, by name."),
            ("outputs", "Auxiliary objects the trait adds, by name."),
            ("parameter", "The parameters users set in the Application."),
            (
                "errs",
                "User errors: a list of strings that fails the render.",
            ),
        ],
        DefinitionKind::Policy => &[
            ("output", "An object the policy creates."),
            ("outputs", "Objects the policy creates, by name."),
            ("parameter", "The parameters users set in the Application."),
        ],
        DefinitionKind::WorkflowStep => &[(
            "parameter",
            "The parameters users set in the workflow step.",
        )],
    }
}

const K8S_OBJECT: &[(&str, &str)] = &[
    (
        "apiVersion",
        "The object's API group and version, e.g. `apps/v1`.",
    ),
    ("kind", "The object's kind, e.g. `Deployment`."),
    ("metadata", "Name, namespace, labels and annotations."),
    ("spec", "The desired state."),
];
const K8S_METADATA: &[(&str, &str)] = &[
    ("name", "The object's name."),
    ("namespace", "The object's namespace."),
    ("labels", "Labels, a map of strings."),
    ("annotations", "Annotations, a map of strings."),
];

pub fn ty_keys(ty: &Ty) -> Option<&'static [(&'static str, Ty)]> {
    match ty {
        Ty::Object(fields) => Some(fields),
        Ty::ListOf(inner) => ty_keys(inner),
        Ty::StatusScript("message") => Some(&[("message", Ty::Str)]),
        Ty::StatusScript("isHealth") => Some(&[("isHealth", Ty::Bool)]),
        _ => None,
    }
}

fn complete_labels(ctx: &mut Ctx<'_>, parse: &Parse, index: &Index, kind: Option<DefinitionKind>) {
    let s = enclosing_struct(parse, ctx.offset);
    let path = index
        .struct_paths
        .get(&s.start_byte())
        .cloned()
        .unwrap_or_default();
    let declared: Vec<String> = syntax::struct_fields(parse, s)
        .into_iter()
        .filter(|(_, f)| !(f.start_byte() <= ctx.offset && ctx.offset <= f.end_byte()))
        .map(|(n, _)| n)
        .collect();
    let add = |ctx: &mut Ctx<'_>,
               name: &str,
               kind: CompletionItemKind,
               detail: Option<String>,
               doc: Option<String>| {
        if declared.iter().any(|d| d == name) {
            return;
        }
        let label = if syntax::is_identifier(name) {
            name.to_owned()
        } else {
            format!("\"{name}\"")
        };
        ctx.push(name, kind, detail, doc, Some(format!("{label}: ")));
    };
    let header_name = syntax::header_field(parse).and_then(|h| syntax::field_name(parse, h));
    let components: Vec<&str> = if path.is_empty() {
        vec![]
    } else {
        path.split('.').collect()
    };
    // The definition header and its attributes.
    if let (Some(h), Some(first)) = (&header_name, components.first()) {
        if first == h {
            if components.len() == 1 {
                for (k, doc) in HEADER_KEYS {
                    add(
                        ctx,
                        k,
                        CompletionItemKind::PROPERTY,
                        None,
                        Some((*doc).to_owned()),
                    );
                }
            } else if components[1] == "attributes" {
                let k = kind.unwrap_or(DefinitionKind::Component);
                let mut keys: Option<&[(&str, Ty)]> = Some(attributes_schema(k));
                for c in &components[2..] {
                    if c.starts_with('[') {
                        continue;
                    }
                    keys = keys
                        .and_then(|ks| ks.iter().find(|(n, _)| n == c))
                        .and_then(|(_, t)| ty_keys(t));
                }
                for (name, ty) in keys.unwrap_or(&[]) {
                    add(
                        ctx,
                        name,
                        CompletionItemKind::PROPERTY,
                        Some(ty_name(ty)),
                        Some(format!("`attributes` of a {} definition", k.type_name())),
                    );
                }
            }
        }
    }
    if index.is_definition {
        if path == "template" {
            if let Some(k) = kind {
                for (name, doc) in template_keys(k) {
                    add(
                        ctx,
                        name,
                        CompletionItemKind::FIELD,
                        None,
                        Some((*doc).to_owned()),
                    );
                }
            }
        }
        let object_paths = path == "template.output"
            || (path.starts_with("template.outputs.") && path.matches('.').count() == 2);
        if object_paths {
            for (name, doc) in K8S_OBJECT {
                add(
                    ctx,
                    name,
                    CompletionItemKind::FIELD,
                    None,
                    Some((*doc).to_owned()),
                );
            }
        }
        if path.ends_with(".metadata") && path.starts_with("template.output") {
            for (name, doc) in K8S_METADATA {
                add(
                    ctx,
                    name,
                    CompletionItemKind::FIELD,
                    None,
                    Some((*doc).to_owned()),
                );
            }
        }
    }
    // The schema in scope: other declarations of this field and what it is unified with.
    if !path.is_empty() {
        for (name, fpath) in index.members_of(&Symbol::Field(path.clone())) {
            let (detail, doc) = field_info(parse, index, &fpath);
            let k = if name.starts_with('#') {
                CompletionItemKind::STRUCT
            } else {
                CompletionItemKind::FIELD
            };
            add(ctx, &name, k, detail, doc);
        }
    }
    // A new definition at the top of a file without one.
    if path.is_empty() && syntax::header_field(parse).is_none() {
        for k in [
            DefinitionKind::Component,
            DefinitionKind::Trait,
            DefinitionKind::Policy,
            DefinitionKind::WorkflowStep,
        ] {
            ctx.snippet(
                &format!("{} definition", k.type_name()),
                &format!("a new {}", k.crd_kind()),
                &definition_snippet(k),
            );
        }
    }
}

pub fn ty_name(ty: &Ty) -> String {
    match ty {
        Ty::Str => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int => "int".into(),
        Ty::Any => "_".into(),
        Ty::Strings => "[...string]".into(),
        Ty::StringMap => "{[string]: string}".into(),
        Ty::Version => "string (x.y.z)".into(),
        Ty::Enum(vs) => vs
            .iter()
            .map(|v| format!("{v:?}"))
            .collect::<Vec<_>>()
            .join(" | "),
        Ty::StatusScript(_) => "string | {...}".into(),
        Ty::Object(_) => "{...}".into(),
        Ty::ListOf(_) => "[...{...}]".into(),
    }
}

fn definition_snippet(kind: DefinitionKind) -> String {
    let body = match kind {
        DefinitionKind::Component => {
            "\toutput: {\n\t\tapiVersion: \"apps/v1\"\n\t\tkind:       \"Deployment\"\n\t\tspec: {\n\t\t\tselector: matchLabels: \"app.oam.dev/component\": context.name\n\t\t\ttemplate: {\n\t\t\t\tmetadata: labels: \"app.oam.dev/component\": context.name\n\t\t\t\tspec: containers: [{\n\t\t\t\t\tname:  context.name\n\t\t\t\t\timage: parameter.image\n\t\t\t\t}]\n\t\t\t}\n\t\t}\n\t}\n\tparameter: {\n\t\t// +usage=Which image would you like to use for your service\n\t\timage: string\n\t}"
        }
        DefinitionKind::Trait => "\tpatch: {\n\t\t$0\n\t}\n\tparameter: {}",
        DefinitionKind::Policy => "\tparameter: {\n\t\t$0\n\t}",
        DefinitionKind::WorkflowStep => "\tparameter: {\n\t\t$0\n\t}",
        DefinitionKind::Workload | DefinitionKind::ConfigTemplate => "\toutput: {}",
    };
    let attributes = match kind {
        DefinitionKind::Component => {
            "\tattributes: workload: definition: {\n\t\tapiVersion: \"apps/v1\"\n\t\tkind:       \"Deployment\"\n\t}\n"
        }
        DefinitionKind::Trait => "\tattributes: appliesToWorkloads: [\"deployments.apps\"]\n",
        _ => "",
    };
    format!(
        "${{1:my-{t}}}: {{\n\ttype:        \"{t}\"\n\tdescription: \"${{2}}\"\n{attributes}}}\ntemplate: {{\n{body}\n}}\n",
        t = kind.type_name()
    )
}

fn complete_expression(ctx: &mut Ctx<'_>, parse: &Parse, index: &Index) {
    for (name, sym) in scope::visible_at(parse, index, ctx.offset) {
        let kind = match &sym {
            Symbol::Import(_) => CompletionItemKind::MODULE,
            Symbol::Let(_) | Symbol::Alias(_) | Symbol::LoopVar(_) => CompletionItemKind::VARIABLE,
            _ if name.starts_with('#') => CompletionItemKind::STRUCT,
            _ => CompletionItemKind::FIELD,
        };
        let (detail, doc) = match &sym {
            Symbol::Field(p) => field_info(parse, index, p),
            _ => (None, None),
        };
        ctx.push(&name, kind, detail, doc, None);
    }
    if index.is_definition {
        ctx.push(
            "context",
            CompletionItemKind::VARIABLE,
            Some("KubeVela context".into()),
            Some("Runtime information KubeVela provides to the template.".into()),
            None,
        );
    }
    for name in scope::PREDECLARED {
        let kind = if matches!(
            *name,
            "len" | "close" | "and" | "or" | "div" | "mod" | "quo" | "rem"
        ) {
            CompletionItemKind::FUNCTION
        } else {
            CompletionItemKind::TYPE_PARAMETER
        };
        ctx.push(name, kind, Some("predeclared".into()), None, None);
    }
}
