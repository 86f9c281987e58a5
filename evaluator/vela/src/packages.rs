//! The `vela/*` packages that definitions import, as CUE source shipped with xdef, so that
//! imports resolve offline. KubeVela has two package sets with colliding paths: one for
//! component, trait and policy templates (the workload compiler) and one for
//! workflow-step templates (the workflow compiler); [`PackageSet`] picks one.
//!
//! The schemas are written for xdef from KubeVela's documented API (field names such as
//! `$params`, `$returns`, `#do` and `#provider` are the interface); each file says what it
//! covers. Calls are never executed here: the runner (`xdef run`) executes actions.

use xdef_cue::PackageLoader;

/// Which compiler's packages a definition sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageSet {
    /// ComponentDefinition, TraitDefinition, PolicyDefinition, WorkloadDefinition.
    Workload,
    /// WorkflowStepDefinition.
    Workflow,
}

/// `(import path, file name, CUE source)` for every shipped package file.
struct PackageFile {
    path: &'static str,
    set: Option<PackageSet>,
    name: &'static str,
    source: &'static str,
}

const FILES: &[PackageFile] = &[];

/// Resolves `vela/*` imports for one package set.
pub struct VelaPackages {
    pub set: PackageSet,
}

impl PackageLoader for VelaPackages {
    fn load(&self, path: &str) -> Option<Vec<(String, String)>> {
        let files: Vec<(String, String)> = FILES
            .iter()
            .filter(|f| f.path == path && f.set.is_none_or(|s| s == self.set))
            .map(|f| (format!("<{}>/{}", f.path, f.name), f.source.to_owned()))
            .collect();
        (!files.is_empty()).then_some(files)
    }
}

/// The import paths available to a package set (for completion and "did you mean").
pub fn available(set: PackageSet) -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = FILES
        .iter()
        .filter(|f| f.set.is_none_or(|s| s == set))
        .map(|f| f.path)
        .collect();
    paths.dedup();
    paths
}
