//! KubeVela addons written in CUE: an addon directory holds `metadata.yaml`,
//! `template.cue` (the Application it installs), `parameter.cue` (the addon's parameters)
//! and `resources/**/*.cue`, all one CUE package (`package main`). KubeVela compiles them
//! together with a context file (`context: {metadata: <metadata.yaml>}` and `parameter:
//! <the user's arguments>`; pkg/addon/render.go). This module finds which files form an
//! addon and checks them the way KubeVela compiles them, with no arguments: only permanent
//! errors are reported (a required parameter without a default is naturally incomplete).
//! It does no IO: callers give it the files' text.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use xdef_cue::{Budget, Data, EvalError, Evaluation, SourceFile};

use crate::packages::{PackageSet, VelaPackages};
use crate::{Diagnostic, Severity};

/// The root of the addon `path` belongs to: the nearest ancestor directory with
/// `metadata.yaml` and a `template.cue` or `template.yaml`, when `path` is that
/// `template.cue`, its `parameter.cue` or a file under its `resources/`. `exists` answers
/// whether a file exists (the caller's file system).
///
/// With `template.cue` the addon's CUE files are one package, compiled together. With
/// `template.yaml` (the older layout) each `resources/*.cue` file is a component of its
/// own, compiled with the parameter file only (KubeVela's `renderCompAccordingCUETemplate`).
pub fn addon_root(path: &Path, exists: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut dir = path.parent();
    let mut depth = 0;
    while let Some(d) = dir {
        if exists(&d.join("metadata.yaml"))
            && (exists(&d.join("template.cue")) || exists(&d.join("template.yaml")))
        {
            let relative = path.strip_prefix(d).ok()?;
            let first = relative.components().next()?.as_os_str().to_string_lossy();
            let belongs = relative == Path::new("template.cue")
                || relative == Path::new("parameter.cue")
                || (first == "resources" && relative.components().count() > 1);
            return belongs.then(|| d.to_path_buf());
        }
        dir = d.parent();
        depth += 1;
        if depth > 8 {
            return None;
        }
    }
    None
}

/// The two addon layouts KubeVela knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddonLayout {
    /// `template.cue`: the addon's CUE files are one package.
    CuePackage,
    /// `template.yaml` (the older layout): each `resources/*.cue` file is a component of
    /// its own, compiled with the parameter file.
    YamlTemplate,
}

/// A file of an addon package, with its name for messages.
#[derive(Clone)]
pub struct AddonFile {
    pub name: String,
    pub parse: xdef_syntax::Parse,
}

/// A problem in file `file` (an index into the files given to [`check_addon`]).
pub struct AddonDiagnostic {
    pub file: usize,
    pub diagnostic: Diagnostic,
}

/// The last component of a file name given as a path.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Checks all the CUE files of an addon (`template.cue`, `parameter.cue`,
/// `resources/**/*.cue`, recognised by their names) the way KubeVela compiles them in
/// `layout`: the whole package at once (`template.cue`; files of another package are
/// skipped with a warning, as KubeVela skips them), or each resource with the parameter
/// file (`template.yaml`). Diagnostics name the file by its index in `files`.
pub fn check_addon_files(
    files: &[AddonFile],
    layout: AddonLayout,
    metadata: Option<&Data>,
    budget: Budget,
) -> Vec<AddonDiagnostic> {
    let is_parameter = |i: usize| base_name(&files[i].name) == "parameter.cue";
    let is_template = |i: usize| base_name(&files[i].name) == "template.cue";
    let package_of = |i: usize| {
        files[i]
            .parse
            .root()
            .package()
            .and_then(|p| p.name())
            .map(|n| n.text().to_owned())
    };
    let mut out: Vec<AddonDiagnostic> = Vec::new();
    let groups: Vec<Vec<usize>> = match layout {
        AddonLayout::CuePackage => {
            // KubeVela compiles template.cue (package main when it has none) with the
            // parameter files and the resource files of the same package; it skips the
            // rest (newValueWithMainAndFiles).
            let main = (0..files.len())
                .find(|&i| is_template(i))
                .and_then(package_of)
                .unwrap_or_else(|| "main".to_owned());
            let mut group = Vec::new();
            for i in 0..files.len() {
                if is_template(i) || is_parameter(i) || package_of(i).as_deref() == Some(&main) {
                    group.push(i);
                } else {
                    out.push(AddonDiagnostic {
                        file: i,
                        diagnostic: Diagnostic::warning(
                            0..0,
                            format!(
                                "this file is not in the addon's package (`package {main}`): KubeVela ignores it when the addon has a template.cue"
                            ),
                        ),
                    });
                }
            }
            vec![group]
        }
        AddonLayout::YamlTemplate => {
            let parameter: Vec<usize> = (0..files.len()).filter(|&i| is_parameter(i)).collect();
            (0..files.len())
                .filter(|&i| !is_parameter(i))
                .map(|i| {
                    std::iter::once(i)
                        .chain(parameter.iter().copied())
                        .collect()
                })
                .collect()
        }
    };
    for group in groups {
        let group_files: Vec<AddonFile> = group.iter().map(|&i| files[i].clone()).collect();
        for d in check_addon(&group_files, metadata, budget) {
            let file = group[d.file];
            let seen = out.iter().any(|o| {
                o.file == file
                    && o.diagnostic.range == d.diagnostic.range
                    && o.diagnostic.message == d.diagnostic.message
            });
            if !seen {
                out.push(AddonDiagnostic {
                    file,
                    diagnostic: d.diagnostic,
                });
            }
        }
    }
    out
}

/// Checks an addon's CUE package: syntax, then the files compiled together with the
/// context KubeVela gives them (`metadata` is `metadata.yaml` as data), without
/// arguments. Errors are permanent ones only, each in the file it comes from.
pub fn check_addon(
    files: &[AddonFile],
    metadata: Option<&Data>,
    budget: Budget,
) -> Vec<AddonDiagnostic> {
    let mut out: Vec<AddonDiagnostic> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        for e in f.parse.errors() {
            out.push(AddonDiagnostic {
                file: i,
                diagnostic: Diagnostic::error(e.range, e.message),
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    // The context file KubeVela writes (formatContext), without user arguments.
    let metadata_json =
        metadata.map_or_else(|| "{}".to_owned(), |m| xdef_cue::encode::to_json(m, None));
    let context =
        format!("package main\n\ncontext: {{metadata: {metadata_json}}}\nparameter: {{}}\n");
    let mut sources: Vec<SourceFile> = files
        .iter()
        .map(|f| SourceFile {
            name: f.name.clone(),
            parse: xdef_syntax::parse(f.parse.text().to_owned()),
        })
        .collect();
    sources.push(SourceFile {
        name: "xdef-addon-context.cue".into(),
        parse: xdef_syntax::parse(context),
    });
    let mut evaluation = Evaluation::from_files(
        sources,
        &VelaPackages {
            set: PackageSet::Workload,
        },
        budget,
    );
    let place = |span: Option<&xdef_cue::ir::Span>| -> (usize, usize) {
        match span {
            Some(s) if (s.file.0 as usize) < files.len() => (s.file.0 as usize, s.range.start),
            _ => (0, 0),
        }
    };
    for d in evaluation.compile_diagnostics() {
        let (file, at) = place(d.span.as_ref());
        out.push(AddonDiagnostic {
            file,
            diagnostic: Diagnostic {
                severity: Severity::Error,
                range: at..at,
                message: d.text(),
                path: d.path.clone(),
            },
        });
    }
    let root = evaluation.root();
    let mut errors: Vec<Rc<EvalError>> = Vec::new();
    crate::check::collect_errors(&mut evaluation, root, &mut errors);
    for e in errors {
        let d = evaluation.diagnostic(&e);
        let (file, at) = place(d.span.as_ref());
        out.push(AddonDiagnostic {
            file,
            diagnostic: Diagnostic {
                severity: Severity::Error,
                range: at..at,
                message: d.text(),
                path: d.path,
            },
        });
    }
    if evaluation.budget_exhausted() {
        out.push(AddonDiagnostic {
            file: 0,
            diagnostic: Diagnostic::error(
                0..0,
                "evaluation budget exceeded while checking the addon",
            ),
        });
    }
    out.sort_by_key(|d| (d.file, d.diagnostic.range.start));
    crate::check::dedup_by_cause(&mut out, |d| {
        (
            d.file * (1 << 40) + d.diagnostic.range.start,
            d.diagnostic.severity == Severity::Error,
            &d.diagnostic.message,
            &d.diagnostic.path,
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> AddonFile {
        AddonFile {
            name: name.into(),
            parse: xdef_syntax::parse(text.to_owned()),
        }
    }

    fn check(files: &[AddonFile]) -> Vec<String> {
        let metadata = Data::Struct(vec![("name".into(), Data::str("demo"))]);
        check_addon(files, Some(&metadata), Budget::default())
            .into_iter()
            .map(|d| {
                let pos = files[d.file]
                    .parse
                    .line_index()
                    .line_col(files[d.file].parse.text(), d.diagnostic.range.start);
                format!(
                    "{}:{}:{}: {}",
                    files[d.file].name,
                    pos.line + 1,
                    pos.col + 1,
                    d.diagnostic.message
                )
            })
            .collect()
    }

    #[test]
    fn files_see_each_other_the_parameters_and_the_context() {
        let files = [
            file(
                "template.cue",
                "package main\noutput: {\n\tapiVersion: \"core.oam.dev/v1beta1\"\n\tkind: \"Application\"\n\tmetadata: name: context.metadata.name\n\tspec: components: [controller]\n}\n",
            ),
            file(
                "parameter.cue",
                "package main\nparameter: {\n\treplicas: *1 | int\n}\n",
            ),
            file(
                "resources/controller.cue",
                "package main\ncontroller: {\n\tname: \"controller\"\n\ttype: \"webservice\"\n\tproperties: replicas: parameter.replicas\n}\n",
            ),
        ];
        assert_eq!(check(&files), Vec::<String>::new());
    }

    #[test]
    fn an_error_is_reported_in_the_file_it_is_written_in() {
        let files = [
            file(
                "template.cue",
                "package main\noutput: {spec: components: [controller]}\n",
            ),
            file(
                "parameter.cue",
                "package main\nparameter: {replicas: *1 | int}\n",
            ),
            file(
                "resources/controller.cue",
                "package main\ncontroller: {\n\tname: \"controller\"\n\tproperties: replicas: parameter.replicas & string\n}\n",
            ),
        ];
        let found = check(&files);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("resources/controller.cue:4:"),
            "{found:?}"
        );
        assert!(found[0].contains("conflicting values"), "{found:?}");
    }

    fn render(files: &[AddonFile], found: Vec<AddonDiagnostic>) -> Vec<String> {
        found
            .into_iter()
            .map(|d| {
                let f = &files[d.file];
                let pos = f
                    .parse
                    .line_index()
                    .line_col(f.parse.text(), d.diagnostic.range.start);
                format!("{}:{}: {}", f.name, pos.line + 1, d.diagnostic.message)
            })
            .collect()
    }

    #[test]
    fn a_cue_package_addon_skips_files_of_another_package_with_a_warning() {
        let files = [
            file(
                "template.cue",
                "package main\noutput: {spec: components: []}\n",
            ),
            file("parameter.cue", "parameter: {replicas: *1 | int}\n"),
            file(
                "resources/a.cue",
                "package main\na: parameter.replicas & \"x\"\n",
            ),
            file("resources/b.cue", "b: 1 & 2\n"),
        ];
        let found = check_addon_files(&files, AddonLayout::CuePackage, None, Budget::default());
        let found = render(&files, found);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found.iter().any(
                |d| d.starts_with("resources/b.cue:1: this file is not in the addon's package")
            ),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|d| d.starts_with("resources/a.cue:2:") && d.contains("conflicting values")),
            "{found:?}"
        );
    }

    #[test]
    fn a_yaml_template_addon_checks_each_resource_with_the_parameters() {
        let files = [
            file("parameter.cue", "parameter: {replicas: *1 | int}\n"),
            file(
                "resources/a.cue",
                "output: {replicas: parameter.replicas}\n",
            ),
            // Resources do not see each other: `output` is defined once per component.
            file(
                "resources/b.cue",
                "output: {replicas: parameter.replicas & \"x\"}\n",
            ),
        ];
        let found = check_addon_files(&files, AddonLayout::YamlTemplate, None, Budget::default());
        let found = render(&files, found);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("resources/b.cue:1:"), "{found:?}");
        assert!(found[0].contains("conflicting values"), "{found:?}");
    }

    #[test]
    fn addon_files_are_found_from_their_root() {
        let root = Path::new("/repo/addons/demo");
        let exists = |p: &Path| p == root.join("metadata.yaml") || p == root.join("template.cue");
        for inside in [
            "template.cue",
            "parameter.cue",
            "resources/a.cue",
            "resources/x/b.cue",
        ] {
            assert_eq!(
                addon_root(&root.join(inside), &exists).as_deref(),
                Some(root),
                "{inside}"
            );
        }
        for outside in [
            "definitions/trait.cue",
            "config-templates/c.cue",
            "notes.cue",
        ] {
            assert_eq!(addon_root(&root.join(outside), &exists), None, "{outside}");
        }
    }
}
