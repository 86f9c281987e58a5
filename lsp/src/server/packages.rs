//! What completion and hover know about importable packages: the standard library (as far
//! as `xdef_cue::builtins` implements it) and the `vela/*` packages shipped with
//! `xdef_vela::packages` for the definition's package set. The `vela/*` sources are parsed
//! once per set and reduced to plain member trees with their doc comments.

use std::collections::HashMap;
use std::sync::OnceLock;

use xdef_cue::PackageLoader;
use xdef_vela::DefinitionKind;
use xdef_vela::packages::{PackageSet, VelaPackages};

use super::syntax;

/// Standard-library import paths CUE has; offered when the evaluator implements them.
const STDLIB: &[&str] = &[
    "crypto/ed25519",
    "crypto/hmac",
    "crypto/md5",
    "crypto/sha1",
    "crypto/sha256",
    "crypto/sha512",
    "encoding/base64",
    "encoding/csv",
    "encoding/hex",
    "encoding/json",
    "encoding/yaml",
    "html",
    "list",
    "math",
    "math/bits",
    "net",
    "path",
    "regexp",
    "strconv",
    "strings",
    "struct",
    "text/tabwriter",
    "text/template",
    "time",
    "uuid",
];

/// A member of a package, with its members.
#[derive(Clone, Debug, Default)]
pub struct Member {
    pub name: String,
    /// A one-line summary: a signature or the declared value.
    pub detail: String,
    pub doc: String,
    pub children: Vec<Member>,
}

pub fn set_of(kind: Option<DefinitionKind>) -> PackageSet {
    kind.map_or(PackageSet::Workload, |k| k.package_set())
}

/// Every import path a file of this kind can use: (path, description).
pub fn import_paths(kind: Option<DefinitionKind>) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = STDLIB
        .iter()
        .filter(|p| xdef_cue::builtins::package(p).is_some())
        .map(|p| (p.to_string(), "standard library"))
        .collect();
    for p in xdef_vela::packages::available(set_of(kind)) {
        if !out.iter().any(|(q, _)| q == p) {
            out.push((p.to_owned(), "KubeVela package"));
        }
    }
    out
}

/// The import path for a package name used without an import (`strings` → `strings`,
/// `json` → `encoding/json`, `op` → `vela/op`).
pub fn path_for_name(name: &str, kind: Option<DefinitionKind>) -> Option<String> {
    import_paths(kind)
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.rsplit('/').next() == Some(name))
}

fn builtin_members(path: &str) -> Vec<Member> {
    let mut out: Vec<Member> = xdef_cue::builtins::members(path)
        .into_iter()
        .map(|b| {
            let detail = match b.func {
                xdef_cue::builtins::Func::Const(_) => {
                    format!("{}.{} (constant)", short(path), b.name)
                }
                _ => {
                    let params: Vec<String> = (0..b.params).map(|i| format!("x{i}")).collect();
                    let more = if b.variadic { ", ..." } else { "" };
                    format!("{}.{}({}{more})", short(path), b.name, params.join(", "))
                }
            };
            let doc = if b.validator {
                "Also usable as a validator, with the value as its first argument left out."
                    .to_owned()
            } else {
                String::new()
            };
            Member {
                name: b.name.to_owned(),
                detail,
                doc,
                children: Vec::new(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup_by(|a, b| a.name == b.name);
    out
}

fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Member trees of a struct's fields, a few levels deep.
fn struct_members(
    parse: &xdef_syntax::Parse,
    s: tree_sitter::Node<'_>,
    depth: usize,
) -> Vec<Member> {
    let mut out = Vec::new();
    for (name, field) in syntax::struct_fields(parse, s) {
        let doc = syntax::doc_comment(parse, field).unwrap_or_default();
        let value = field.child_by_field_name("value");
        let detail = value
            .map(|v| summary(syntax::text(parse, v)))
            .unwrap_or_default();
        let children = match value {
            Some(v) if depth < 3 => {
                let mut structs = Vec::new();
                let mut stack = vec![v];
                while let Some(n) = stack.pop() {
                    match n.kind() {
                        "struct" => structs.push(n),
                        "binary_expression" => {
                            stack.extend(n.child_by_field_name("left"));
                            stack.extend(n.child_by_field_name("right"));
                        }
                        _ => {}
                    }
                }
                structs
                    .into_iter()
                    .flat_map(|s| struct_members(parse, s, depth + 1))
                    .collect()
            }
            _ => Vec::new(),
        };
        out.push(Member {
            name,
            detail,
            doc,
            children,
        });
    }
    out
}

/// The first line of a value, shortened.
pub fn summary(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let multi = text.lines().nth(1).is_some();
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 || multi {
        s.push_str(" …");
    }
    s
}

fn vela_members(set: PackageSet) -> &'static HashMap<String, Vec<Member>> {
    static WORKLOAD: OnceLock<HashMap<String, Vec<Member>>> = OnceLock::new();
    static WORKFLOW: OnceLock<HashMap<String, Vec<Member>>> = OnceLock::new();
    let cell = match set {
        PackageSet::Workload => &WORKLOAD,
        PackageSet::Workflow => &WORKFLOW,
    };
    cell.get_or_init(|| {
        let loader = VelaPackages { set };
        let mut map = HashMap::new();
        for path in xdef_vela::packages::available(set) {
            let mut members = Vec::new();
            for file in loader.load(path).unwrap_or_default() {
                let parse = &file.parse;
                members.extend(struct_members(parse, parse.tree().root_node(), 0));
            }
            map.insert(path.to_owned(), members);
        }
        map
    })
}

/// Members of an imported package.
pub fn members(path: &str, kind: Option<DefinitionKind>) -> Vec<Member> {
    if xdef_cue::builtins::package(path).is_some() {
        return builtin_members(path);
    }
    vela_members(set_of(kind))
        .get(path)
        .cloned()
        .unwrap_or_default()
}

/// A member by its dotted path below the package (`#Apply`, `#Apply.$params`).
pub fn member(path: &str, member_path: &str, kind: Option<DefinitionKind>) -> Option<Member> {
    let mut list = members(path, kind);
    let mut found = None;
    for part in member_path.split('.') {
        let m = list.into_iter().find(|m| m.name == part)?;
        list = m.children.clone();
        found = Some(m);
    }
    found
}
