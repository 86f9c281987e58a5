//! The schema of a definition header's `attributes`, per definition type, as KubeVela's
//! typed spec structs define it (reference: `apis/core.oam.dev/v1beta1/*`), checked strictly
//! the way KubeVela decodes it (unknown keys are rejected) — plus type checks and
//! "did you mean" suggestions KubeVela does not give.

use xdef_cue::Data;

use crate::Severity;
use crate::definition::DefinitionKind;

/// The shape a value must have.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    Str,
    Bool,
    Int,
    /// Anything (`extension`).
    Any,
    /// A list of strings.
    Strings,
    /// A map of strings.
    StringMap,
    /// A semantic version `x.y.z`.
    Version,
    /// One of the given strings.
    Enum(&'static [&'static str]),
    /// `healthPolicy`, `customStatus`, `details`: a string, or a CUE struct.
    StatusScript(&'static str),
    Object(&'static [(&'static str, Ty)]),
    ListOf(&'static Ty),
}

const DEFINITION_REF: Ty = Ty::Object(&[("name", Ty::Str), ("version", Ty::Str)]);
const STATUS: Ty = Ty::Object(&[
    ("customStatus", Ty::StatusScript("message")),
    ("healthPolicy", Ty::StatusScript("isHealth")),
    ("details", Ty::StatusScript("")),
]);
const CHILD_RESOURCE_KIND: Ty = Ty::Object(&[
    ("apiVersion", Ty::Str),
    ("kind", Ty::Str),
    ("selector", Ty::StringMap),
]);
const CHILD_RESOURCE_KINDS: Ty = Ty::ListOf(&CHILD_RESOURCE_KIND);
const SCHEMATIC: Ty = Ty::Object(&[
    ("cue", Ty::Object(&[("template", Ty::Str)])),
    ("terraform", Ty::Any),
]);

/// `attributes` keys of each definition type.
pub fn attributes_schema(kind: DefinitionKind) -> &'static [(&'static str, Ty)] {
    match kind {
        DefinitionKind::Component => &[
            (
                "workload",
                Ty::Object(&[
                    ("type", Ty::Str),
                    (
                        "definition",
                        Ty::Object(&[("apiVersion", Ty::Str), ("kind", Ty::Str)]),
                    ),
                ]),
            ),
            ("childResourceKinds", CHILD_RESOURCE_KINDS),
            ("revisionLabel", Ty::Str),
            ("podSpecPath", Ty::Str),
            ("status", STATUS),
            ("schematic", SCHEMATIC),
            ("extension", Ty::Any),
            ("version", Ty::Version),
        ],
        DefinitionKind::Trait => &[
            ("definitionRef", DEFINITION_REF),
            ("revisionEnabled", Ty::Bool),
            ("workloadRefPath", Ty::Str),
            ("podDisruptive", Ty::Bool),
            ("appliesToWorkloads", Ty::Strings),
            ("conflictsWith", Ty::Strings),
            ("schematic", SCHEMATIC),
            ("status", STATUS),
            ("extension", Ty::Any),
            ("manageWorkload", Ty::Bool),
            ("controlPlaneOnly", Ty::Bool),
            (
                "stage",
                Ty::Enum(&["PreDispatch", "DefaultDispatch", "PostDispatch"]),
            ),
            ("version", Ty::Version),
        ],
        DefinitionKind::Policy => &[
            ("definitionRef", DEFINITION_REF),
            ("schematic", SCHEMATIC),
            ("manageHealthCheck", Ty::Bool),
            ("version", Ty::Version),
            ("scope", Ty::Enum(&["", "Application"])),
            ("global", Ty::Bool),
            ("priority", Ty::Int),
        ],
        DefinitionKind::WorkflowStep => &[
            ("definitionRef", DEFINITION_REF),
            ("schematic", SCHEMATIC),
            ("version", Ty::Version),
        ],
        DefinitionKind::ConfigTemplate => &[],
        DefinitionKind::Workload => &[
            ("definitionRef", DEFINITION_REF),
            ("childResourceKinds", CHILD_RESOURCE_KINDS),
            ("revisionLabel", Ty::Str),
            ("podSpecPath", Ty::Str),
            ("status", STATUS),
            ("schematic", SCHEMATIC),
            ("extension", Ty::Any),
        ],
    }
}

/// A problem found in `attributes`, at a path below it.
#[derive(Clone, Debug)]
pub struct AttributeProblem {
    pub path: Vec<String>,
    pub message: String,
    pub severity: Severity,
}

/// Checks `attributes` against the schema of `kind`.
pub fn check_attributes(kind: DefinitionKind, attributes: &Data) -> Vec<AttributeProblem> {
    let mut problems = Vec::new();
    check(
        &Ty::Object(attributes_schema(kind)),
        attributes,
        &mut Vec::new(),
        &mut problems,
    );
    if kind == DefinitionKind::Workload && attributes.get("definitionRef").is_none() {
        problems.push(AttributeProblem {
            path: vec![],
            message: "a workload definition needs attributes.definitionRef".into(),
            severity: Severity::Error,
        });
    }
    problems
}

fn check(ty: &Ty, value: &Data, path: &mut Vec<String>, out: &mut Vec<AttributeProblem>) {
    let at = |path: &Vec<String>| {
        if path.is_empty() {
            "attributes".to_owned()
        } else {
            format!("attributes.{}", path.join("."))
        }
    };
    match ty {
        Ty::Any => {}
        Ty::Str => {
            if !matches!(value, Data::Str(_)) {
                push(
                    out,
                    path,
                    format!(
                        "invalid definition spec: {} must be a string, not {}",
                        at(path),
                        value.kind_name()
                    ),
                );
            }
        }
        Ty::Bool => {
            if !matches!(value, Data::Bool(_)) {
                push(
                    out,
                    path,
                    format!(
                        "invalid definition spec: {} must be a bool, not {}",
                        at(path),
                        value.kind_name()
                    ),
                );
            }
        }
        Ty::Int => {
            if !matches!(value, Data::Num(n) if n.is_int()) {
                push(
                    out,
                    path,
                    format!(
                        "invalid definition spec: {} must be an int, not {}",
                        at(path),
                        value.kind_name()
                    ),
                );
            }
        }
        Ty::Version => match value {
            Data::Str(s) if is_semver(s) => {}
            Data::Str(s) => push(
                out,
                path,
                format!("Not a valid version: {s:?} (expected x.y.z)"),
            ),
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a string, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::Enum(options) => match value {
            Data::Str(s) if options.contains(&&**s) => {}
            Data::Str(s) => {
                let hint = did_you_mean(s, options)
                    .map(|o| format!(" (did you mean {o:?}?)"))
                    .unwrap_or_default();
                push(
                    out,
                    path,
                    format!(
                        "invalid value {s:?} for {}: expected one of {}{hint}",
                        at(path),
                        quoted_list(options)
                    ),
                );
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a string, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::Strings => match value {
            Data::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !matches!(item, Data::Str(_)) {
                        path.push(i.to_string());
                        push(
                            out,
                            path,
                            format!("invalid definition spec: {} must be a string", at(path)),
                        );
                        path.pop();
                    }
                }
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a list of strings, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::StringMap => match value {
            Data::Struct(fields) => {
                for (k, v) in fields {
                    if !matches!(v, Data::Str(_)) {
                        path.push(k.to_string());
                        push(
                            out,
                            path,
                            format!("invalid definition spec: {} must be a string", at(path)),
                        );
                        path.pop();
                    }
                }
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a struct of strings, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::ListOf(elem) => match value {
            Data::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    check(elem, item, path, out);
                    path.pop();
                }
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a list, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::StatusScript(required) => match value {
            Data::Str(_) => {}
            Data::Struct(fields) => {
                if !required.is_empty() && !fields.iter().any(|(k, _)| &**k == *required) {
                    let what = path.last().cloned().unwrap_or_default();
                    push(
                        out,
                        path,
                        format!("{what} must contain an '{required}' field"),
                    );
                }
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a CUE string or struct, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
        Ty::Object(fields) => match value {
            Data::Struct(entries) => {
                for (k, v) in entries {
                    match fields.iter().find(|(name, _)| *name == &**k) {
                        Some((_, field_ty)) => {
                            path.push(k.to_string());
                            check(field_ty, v, path, out);
                            path.pop();
                        }
                        None => {
                            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                            let hint = did_you_mean(k, &names)
                                .map(|s| format!(" (did you mean \"{s}\"?)"))
                                .unwrap_or_default();
                            path.push(k.to_string());
                            push(
                                out,
                                path,
                                format!(
                                    "invalid definition spec: json: unknown field \"{k}\"{hint}"
                                ),
                            );
                            path.pop();
                        }
                    }
                }
            }
            other => push(
                out,
                path,
                format!(
                    "invalid definition spec: {} must be a struct, not {}",
                    at(path),
                    other.kind_name()
                ),
            ),
        },
    }
}

fn push(out: &mut Vec<AttributeProblem>, path: &[String], message: String) {
    out.push(AttributeProblem {
        path: path.to_vec(),
        message,
        severity: Severity::Error,
    });
}

fn is_semver(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn quoted_list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("{o:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest candidate to a misspelt name, if it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with transpositions counted as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        d[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("podDisruptve", &["podDisruptive", "stage"]),
            Some("podDisruptive")
        );
        assert_eq!(
            did_you_mean("apliesToWorkloads", &["appliesToWorkloads"]),
            Some("appliesToWorkloads")
        );
        assert_eq!(did_you_mean("xyz", &["appliesToWorkloads"]), None);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }

    #[test]
    fn unknown_and_mistyped_attributes() {
        let attributes = Data::Struct(vec![
            ("podDisruptve".into(), Data::Bool(true)),
            ("appliesToWorkloads".into(), Data::str("deployments.apps")),
            ("stage".into(), Data::str("PostDispatc")),
        ]);
        let problems: Vec<String> = check_attributes(DefinitionKind::Trait, &attributes)
            .into_iter()
            .map(|p| format!("{}: {}", p.path.join("."), p.message))
            .collect();
        assert_eq!(
            problems,
            [
                "podDisruptve: invalid definition spec: json: unknown field \"podDisruptve\" (did you mean \"podDisruptive\"?)",
                "appliesToWorkloads: invalid definition spec: attributes.appliesToWorkloads must be a list of strings, not string",
                "stage: invalid value \"PostDispatc\" for attributes.stage: expected one of \"PreDispatch\", \"DefaultDispatch\", \"PostDispatch\" (did you mean \"PostDispatch\"?)",
            ]
        );
    }
}
