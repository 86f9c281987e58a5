//! The `vela/*` packages that definitions import, as CUE source shipped with xdef, so that
//! imports resolve offline. KubeVela has two package sets with colliding paths: one for
//! component, trait and policy templates (the workload compiler) and one for
//! workflow-step templates (the workflow compiler); [`PackageSet`] picks one.
//!
//! The schemas are written for xdef from KubeVela's API (field names such as `$params`,
//! `$returns`, `#do` and `#provider` are the interface, and are kept exactly, including
//! KubeVela's misspellings such as `#LoadComponets`); each file's header says which
//! package and set it belongs to. The sources live in `evaluator/vela/packages/`:
//!
//! - `workflow/`: the workflow set (`vela/op` in `workflow/op/`, `vela/builtin`,
//!   `vela/kube`, `vela/http`, `vela/email`, `vela/metrics`, `vela/time`, `vela/util`,
//!   `vela/config`, `vela/oam`, `vela/multicluster`, `vela/query`, `vela/ql`,
//!   `vela/terraform`); `workflow/legacy-kube.cue` holds the flat Kubernetes actions
//!   that `vela/op`, `vela/ql` and `vela/query` all carry.
//! - `workload/`: the workload set (`vela/kube`, `vela/http`, `vela/base64`, `vela/cue`,
//!   `vela/config`).
//! - `common/`: packages identical in both sets (`vela/helm`).
//!
//! Members that KubeVela no longer ships (`op.#Task`, `op.#Slack`, ...) are not defined;
//! [`removed`] explains them. Calls are never executed here: the runner (`xdef run`)
//! executes actions, dispatching on `#provider` and `#do`.
//!
//! Where KubeVela writes `#A & {f: v}` inside a definition (`#HTTPGet`, `op.#Steps &
//! {...}`, nested actions of `op.#ApplyApplication`, ...), the schemas embed instead:
//! `{#A, f: v}`. The two mean the same here, since every added field is one `#A`
//! allows; the embedded form avoids xdef's evaluator closing the literal on its own.
//! `tests/packages.rs` checks the schemas against KubeVela's own templates with the
//! reference CUE over the definitions corpus (ignored tests; see there).

use std::sync::OnceLock;

use xdef_cue::{PackageLoader, SourceFile};

/// Which compiler's packages a definition sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PackageSet {
    /// ComponentDefinition, TraitDefinition, PolicyDefinition, WorkloadDefinition (and
    /// config templates, whose compiler has only `vela/config`).
    Workload,
    /// WorkflowStepDefinition (and VelaQL views, compiled by the same compiler).
    Workflow,
}

impl PackageSet {
    /// The set a definition of KubeVela type `ty` (`"component"`, `"workflow-step"`, ...)
    /// is compiled with.
    pub fn for_definition_type(ty: &str) -> PackageSet {
        if ty == "workflow-step" {
            PackageSet::Workflow
        } else {
            PackageSet::Workload
        }
    }
}

/// One shipped CUE file of a package.
struct PackageFile {
    /// The import path (`vela/op`).
    path: &'static str,
    /// The set that has it; `None` for both.
    set: Option<PackageSet>,
    /// The file name shown in diagnostics (`<vela/op>/workspace.cue`).
    name: &'static str,
    source: &'static str,
}

use PackageSet::{Workflow, Workload};

macro_rules! pkg_file {
    ($path:literal, $set:expr, $file:literal) => {
        PackageFile {
            path: $path,
            set: $set,
            name: file_name($file),
            source: include_str!(concat!("../packages/", $file)),
        }
    };
}

/// The last component of a `/`-separated path, at compile time.
const fn file_name(path: &'static str) -> &'static str {
    let bytes = path.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        if bytes[i - 1] == b'/' {
            let (_, tail) = bytes.split_at(i);
            // Splitting UTF-8 text after an ASCII '/' keeps the tail valid.
            return match std::str::from_utf8(tail) {
                Ok(s) => s,
                Err(_) => path,
            };
        }
        i -= 1;
    }
    path
}

/// Every shipped package file. The first file of a path carries the package's doc
/// comment ([`package_doc`]).
const FILES: &[PackageFile] = &[
    // ---- workflow set ----
    // vela/op: the legacy concatenated package (flat fields, `#provider: "op"`).
    pkg_file!("vela/op", Some(Workflow), "workflow/op/workspace.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/legacy-kube.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/http.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/email.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/metrics.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/time.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/util.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/config.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/oam.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/multicluster.cue"),
    pkg_file!("vela/op", Some(Workflow), "workflow/op/terraform.cue"),
    pkg_file!("vela/builtin", Some(Workflow), "workflow/builtin.cue"),
    pkg_file!("vela/kube", Some(Workflow), "workflow/kube.cue"),
    pkg_file!("vela/http", Some(Workflow), "workflow/http.cue"),
    pkg_file!("vela/email", Some(Workflow), "workflow/email.cue"),
    pkg_file!("vela/metrics", Some(Workflow), "workflow/metrics.cue"),
    pkg_file!("vela/time", Some(Workflow), "workflow/time.cue"),
    pkg_file!("vela/util", Some(Workflow), "workflow/util.cue"),
    pkg_file!("vela/config", Some(Workflow), "workflow/config.cue"),
    pkg_file!("vela/oam", Some(Workflow), "workflow/oam.cue"),
    pkg_file!(
        "vela/multicluster",
        Some(Workflow),
        "workflow/multicluster.cue"
    ),
    pkg_file!("vela/query", Some(Workflow), "workflow/query.cue"),
    pkg_file!("vela/query", Some(Workflow), "workflow/legacy-kube.cue"),
    pkg_file!("vela/ql", Some(Workflow), "workflow/ql.cue"),
    pkg_file!("vela/ql", Some(Workflow), "workflow/legacy-kube.cue"),
    pkg_file!("vela/terraform", Some(Workflow), "workflow/terraform.cue"),
    // ---- workload set ----
    pkg_file!("vela/kube", Some(Workload), "workload/kube.cue"),
    pkg_file!("vela/http", Some(Workload), "workload/http.cue"),
    pkg_file!("vela/base64", Some(Workload), "workload/base64.cue"),
    pkg_file!("vela/cue", Some(Workload), "workload/cue.cue"),
    pkg_file!("vela/config", Some(Workload), "workload/config.cue"),
    // ---- both ----
    pkg_file!("vela/helm", None, "common/helm.cue"),
];

fn in_set(f: &PackageFile, set: PackageSet) -> bool {
    f.set.is_none_or(|s| s == set)
}

/// Resolves `vela/*` imports for one package set.
pub struct VelaPackages {
    pub set: PackageSet,
}

impl PackageLoader for VelaPackages {
    fn load(&self, path: &str) -> Option<Vec<SourceFile>> {
        let files: Vec<SourceFile> = FILES
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path == path && in_set(f, self.set))
            .map(|(i, f)| SourceFile {
                name: format!("<{}>/{}", f.path, f.name),
                parse: parsed(i),
            })
            .collect();
        (!files.is_empty()).then_some(files)
    }
}

/// The parse of `FILES[index]`: parsed once per thread (with its syntax check), then
/// cloned — every definition check imports the same few packages.
fn parsed(index: usize) -> xdef_syntax::Parse {
    thread_local! {
        static PARSES: std::cell::RefCell<Vec<Option<xdef_syntax::Parse>>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    PARSES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() < FILES.len() {
            cache.resize(FILES.len(), None);
        }
        cache[index]
            .get_or_insert_with(|| {
                let parse = xdef_syntax::parse(FILES[index].source.to_owned());
                let _ = parse.errors();
                parse
            })
            .clone()
    })
}

/// The import paths available to a package set (for completion and "did you mean"), in
/// a fixed order.
pub fn available(set: PackageSet) -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for f in FILES.iter().filter(|f| in_set(f, set)) {
        if !paths.contains(&f.path) {
            paths.push(f.path);
        }
    }
    paths
}

/// The `(file name, source)` of every file of `path` in `set` (for go-to-definition into
/// a package, and for tests).
pub fn sources(set: PackageSet, path: &str) -> Vec<(&'static str, &'static str)> {
    FILES
        .iter()
        .filter(|f| f.path == path && in_set(f, set))
        .map(|f| (f.name, f.source))
        .collect()
}

/// The members of package `path` in `set`: the labels declared at the top level of its
/// files (definitions such as `#Apply`, and regular fields such as `op.context`), in
/// file order, without hidden labels (which other packages cannot see).
pub fn members(set: PackageSet, path: &str) -> Vec<String> {
    use xdef_syntax::ast::{Decl, LabelName};
    let mut out: Vec<String> = Vec::new();
    let loader = VelaPackages { set };
    for file in loader.load(path).unwrap_or_default() {
        let parse = &file.parse;
        for decl in parse.root().decls() {
            let Decl::Field(field) = decl else { continue };
            let Some(LabelName::Ident(ident)) = field.label().and_then(|l| l.name()) else {
                continue;
            };
            let name = ident.name();
            if !name.starts_with('_') && !out.iter().any(|m| m == name) {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// A member KubeVela no longer provides (or never provided under that name), with the
/// message the checker shows instead of a bare "undefined".
struct Removed {
    path: &'static str,
    /// `#Task`, `kube` (a nested package of the old `vela/op`), or `""` for the import
    /// path itself.
    member: &'static str,
    message: &'static str,
}

/// What KubeVela removed from its `vela/*` packages. The old `vela/op` (and `vela/ql`)
/// stdlib was replaced by CueX internal packages in KubeVela v1.10 (kubevela/workflow
/// v0.6.2, "refactor the cue engine with cuex"); a few members went earlier.
const REMOVED: &[Removed] = &[
    Removed {
        path: "vela/op",
        member: "#Task",
        message: "op.#Task (the pod-based script runner) was removed from KubeVela's workflow engine in v1.10, when the vela/* packages moved to CueX; run the script in a Job applied with kube.#Apply (import \"vela/kube\") and wait for it with builtin.#ConditionalWait, as the built-in `vela-cli` step does",
    },
    Removed {
        path: "vela/op",
        member: "#Slack",
        message: "op.#Slack was removed in KubeVela v1.10 (vela/* packages moved to CueX); post the message with http.#HTTPDo (import \"vela/http\", method \"POST\", body json.Marshal(message)), or use the built-in `notification` step",
    },
    Removed {
        path: "vela/op",
        member: "#DingTalk",
        message: "op.#DingTalk was removed in KubeVela v1.10 (vela/* packages moved to CueX); post the message with http.#HTTPDo (import \"vela/http\", method \"POST\", body json.Marshal(message)), or use the built-in `notification` step",
    },
    Removed {
        path: "vela/op",
        member: "#Lark",
        message: "op.#Lark was removed in KubeVela v1.10 (vela/* packages moved to CueX); post the message with http.#HTTPDo (import \"vela/http\", method \"POST\", body json.Marshal(message)), or use the built-in `notification` step",
    },
    Removed {
        path: "vela/op",
        member: "#ApplyEnvBindComponent",
        message: "op.#ApplyEnvBindComponent existed only in KubeVela v1.1; deploy with multicluster.#Deploy (import \"vela/multicluster\") and topology/override policies",
    },
    Removed {
        path: "vela/op",
        member: "#ApplyComponents",
        message: "op.#ApplyComponents existed only in KubeVela v1.3; apply each component with op.#ApplyComponent, or deploy with multicluster.#Deploy",
    },
    Removed {
        path: "vela/op",
        member: "#HandleDeployPolicies",
        message: "op.#HandleDeployPolicies existed only in KubeVela v1.3; use op.#Deploy or multicluster.#Deploy",
    },
    Removed {
        path: "vela/op",
        member: "#LoadPoliciesInOrder",
        message: "op.#LoadPoliciesInOrder existed only in KubeVela v1.3; use op.#LoadPolicies (or oam.#LoadPolicies)",
    },
    Removed {
        path: "vela/op",
        member: "#Export",
        message: "op.ws.#Export was removed in KubeVela v1.10 (vela/* packages moved to CueX); export values with the step's `outputs` instead",
    },
    // The old vela/op also embedded each provider package as a field (`op.kube.#Apply`).
    Removed {
        path: "vela/op",
        member: "kube",
        message: "the nested package op.kube was removed in KubeVela v1.10; use the same actions at the top level (op.#Apply, op.#Read, ...) or import \"vela/kube\"",
    },
    Removed {
        path: "vela/op",
        member: "http",
        message: "the nested package op.http was removed in KubeVela v1.10; use op.#HTTPDo or import \"vela/http\"",
    },
    Removed {
        path: "vela/op",
        member: "ws",
        message: "the nested package op.ws was removed in KubeVela v1.10; use op.#DoVar or import \"vela/builtin\" (builtin.#DoVar)",
    },
    Removed {
        path: "vela/op",
        member: "util",
        message: "the nested package op.util was removed in KubeVela v1.10; use op.#ConvertString, op.#Log, op.#PatchK8sObject or import \"vela/util\"",
    },
    Removed {
        path: "vela/op",
        member: "time",
        message: "the nested package op.time was removed in KubeVela v1.10; use op.#DateToTimestamp/op.#TimestampToDate or import \"vela/time\"",
    },
    Removed {
        path: "vela/op",
        member: "email",
        message: "the nested package op.email was removed in KubeVela v1.10; use op.#SendEmail or import \"vela/email\"",
    },
    Removed {
        path: "vela/op",
        member: "config",
        message: "the nested package op.config was removed in KubeVela v1.10; use op.#CreateConfig/#ReadConfig/#ListConfig/#DeleteConfig or import \"vela/config\"",
    },
    Removed {
        path: "vela/op",
        member: "metrics",
        message: "the nested package op.metrics was removed in KubeVela v1.10; use op.#PromCheck or import \"vela/metrics\"",
    },
    Removed {
        path: "vela/op",
        member: "task",
        message: "the nested package op.task (op.#Task) was removed in KubeVela v1.10; run scripts in a Job applied with kube.#Apply",
    },
    Removed {
        path: "vela/op",
        member: "oam",
        message: "the nested package op.oam was removed in KubeVela v1.10; use op.#ApplyComponent/#RenderComponent/#Load... or import \"vela/oam\"",
    },
    Removed {
        path: "vela/op",
        member: "multicluster",
        message: "the nested package op.multicluster was removed in KubeVela v1.10; use op.#Deploy/#ListClusters/#GetPlacementsFromTopologyPolicies or import \"vela/multicluster\"",
    },
    Removed {
        path: "vela/op",
        member: "terraform",
        message: "the nested package op.terraform was removed in KubeVela v1.10; use op.#DeployCloudResource/#ShareCloudResource or import \"vela/terraform\"",
    },
    Removed {
        path: "vela/op",
        member: "query",
        message: "the nested package op.query was removed in KubeVela v1.10; import \"vela/query\" (or the legacy \"vela/ql\")",
    },
    Removed {
        path: "vela/op",
        member: "dingDing",
        message: "the nested package op.dingDing was removed in KubeVela v1.5; post with http.#HTTPDo (import \"vela/http\")",
    },
    Removed {
        path: "vela/op",
        member: "slack",
        message: "the nested package op.slack was removed in KubeVela v1.5; post with http.#HTTPDo (import \"vela/http\")",
    },
    Removed {
        path: "vela/op",
        member: "lark",
        message: "the nested package op.lark was removed in KubeVela v1.5; post with http.#HTTPDo (import \"vela/http\")",
    },
    Removed {
        path: "vela/ql",
        member: "kube",
        message: "the nested package ql.kube was removed in KubeVela v1.10; use ql.#Read, ql.#List, ... at the top level",
    },
    Removed {
        path: "vela/ql",
        member: "query",
        message: "the nested package ql.query was removed in KubeVela v1.10; use ql.#ListResourcesInApp, ql.#CollectPods, ... at the top level",
    },
    Removed {
        path: "vela/op/v1",
        member: "",
        message: "the versioned import path \"vela/op/v1\" was removed in KubeVela v1.10; import \"vela/op\"",
    },
    // Never shipped under this name: KubeVela's source garbles it.
    Removed {
        path: "vela/multicluster",
        member: "#GetPlacementsFromTopologyPolicies",
        message: "vela/multicluster spells this action #GetPlacementsFromTmulticlusterologyPolicies (a typo in KubeVela's source); or use op.#GetPlacementsFromTopologyPolicies (import \"vela/op\")",
    },
];

/// Why `member` of the package imported as `path` does not exist, if KubeVela removed it
/// (or ships it under another name). `member` is written as in source (`#Task`, `kube`);
/// an empty `member` asks about the import path itself (`vela/op/v1`).
pub fn removed(path: &str, member: &str) -> Option<&'static str> {
    REMOVED
        .iter()
        .find(|r| r.path == path && r.member == member)
        .map(|r| r.message)
}

/// The leading comment block of a source, without the `//` markers.
fn leading_comment(source: &str) -> String {
    let mut lines = Vec::new();
    for line in source.lines() {
        let t = line.trim_start();
        if t.is_empty() && lines.is_empty() {
            continue;
        }
        match t.strip_prefix("//") {
            Some(rest) => lines.push(rest.strip_prefix(' ').unwrap_or(rest)),
            None => break,
        }
    }
    lines.join("\n")
}

/// `(path, set of the file, doc)` for the first file of every path and set.
fn docs() -> &'static [(&'static str, Option<PackageSet>, String)] {
    static DOCS: OnceLock<Vec<(&'static str, Option<PackageSet>, String)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut docs: Vec<(&'static str, Option<PackageSet>, String)> = Vec::new();
        for f in FILES {
            if !docs.iter().any(|(p, s, _)| *p == f.path && *s == f.set) {
                docs.push((f.path, f.set, leading_comment(f.source)));
            }
        }
        docs
    })
}

/// The doc comment of package `path` in `set` (the header comment of its first file), for
/// hover on an import.
pub fn package_doc_in(set: PackageSet, path: &str) -> Option<&'static str> {
    docs()
        .iter()
        .find(|(p, s, _)| *p == path && s.is_none_or(|s| s == set))
        .map(|(_, _, d)| d.as_str())
}

/// The doc comment of package `path` (the header comment of its first file). For the
/// paths both sets have with different schemas (`vela/kube`, `vela/http`, `vela/config`)
/// this is the workflow set's; use [`package_doc_in`] when the set is known.
pub fn package_doc(path: &str) -> Option<&'static str> {
    package_doc_in(Workflow, path).or_else(|| package_doc_in(Workload, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_per_set() {
        expect_test::expect![[r#"
            [
                "vela/op",
                "vela/builtin",
                "vela/kube",
                "vela/http",
                "vela/email",
                "vela/metrics",
                "vela/time",
                "vela/util",
                "vela/config",
                "vela/oam",
                "vela/multicluster",
                "vela/query",
                "vela/ql",
                "vela/terraform",
                "vela/helm",
            ]
        "#]]
        .assert_debug_eq(&available(Workflow));
        expect_test::expect![[r#"
            [
                "vela/kube",
                "vela/http",
                "vela/base64",
                "vela/cue",
                "vela/config",
                "vela/helm",
            ]
        "#]]
        .assert_debug_eq(&available(Workload));
    }

    #[test]
    fn loader_picks_the_set() {
        let wf = VelaPackages { set: Workflow }.load("vela/kube").unwrap();
        let wl = VelaPackages { set: Workload }.load("vela/kube").unwrap();
        assert!(wf[0].parse.text().contains("#Read:"));
        assert!(!wf[0].parse.text().contains("#Get:"));
        assert!(wl[0].parse.text().contains("#Get:"));
        assert!(VelaPackages { set: Workload }.load("vela/op").is_none());
        assert!(VelaPackages { set: Workload }.load("vela/helm").is_some());
        assert!(VelaPackages { set: Workflow }.load("vela/helm").is_some());
        assert!(VelaPackages { set: Workflow }.load("vela/nope").is_none());
        // Multi-file packages keep their file names apart.
        let op = VelaPackages { set: Workflow }.load("vela/op").unwrap();
        assert_eq!(op[0].name, "<vela/op>/workspace.cue");
        assert!(op.iter().any(|f| f.name == "<vela/op>/legacy-kube.cue"));
    }

    #[test]
    fn every_file_says_its_set() {
        for f in FILES {
            let doc = leading_comment(f.source);
            assert!(!doc.is_empty(), "{}: no header comment", f.name);
            let set_named = doc.contains("Set: workflow")
                || doc.contains("Set: workload")
                || doc.contains("Sets: both")
                || doc.contains("workflow set");
            assert!(set_named, "{}: header does not name its set", f.name);
        }
    }

    #[test]
    fn removed_members() {
        assert!(removed("vela/op", "#Task").unwrap().contains("v1.10"));
        assert!(removed("vela/op", "#Slack").is_some());
        assert!(removed("vela/op", "#DingTalk").is_some());
        assert!(removed("vela/op", "#Lark").is_some());
        assert!(removed("vela/op/v1", "").is_some());
        assert!(removed("vela/op", "#Apply").is_none());
        assert!(removed("vela/kube", "#Task").is_none());
    }

    #[test]
    fn removed_members_are_not_defined() {
        // A removed member must not also be shipped, or the message would be wrong.
        for r in REMOVED.iter().filter(|r| !r.member.is_empty()) {
            for set in [Workflow, Workload] {
                for (name, src) in sources(set, r.path) {
                    let decl = format!("\n{}:", r.member);
                    assert!(
                        !src.contains(&decl),
                        "{} defines removed {}",
                        name,
                        r.member
                    );
                }
            }
        }
    }

    #[test]
    fn docs() {
        let op = package_doc("vela/op").unwrap();
        assert!(
            op.starts_with("vela/op: the legacy all-in-one package"),
            "{op}"
        );
        assert!(!op.contains("//"));
        assert!(
            package_doc_in(Workload, "vela/kube")
                .unwrap()
                .contains("Set: workload")
        );
        assert!(
            package_doc_in(Workflow, "vela/kube")
                .unwrap()
                .contains("Set: workflow")
        );
        assert!(package_doc("vela/kube").unwrap().contains("Set: workflow"));
        assert!(
            package_doc("vela/base64")
                .unwrap()
                .contains("Set: workload")
        );
        assert!(
            package_doc_in(Workload, "vela/helm")
                .unwrap()
                .contains("Sets: both")
        );
        assert!(package_doc_in(Workload, "vela/op").is_none());
        assert!(package_doc("vela/nope").is_none());
    }
}
