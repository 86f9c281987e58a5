//! Applications rendered offline, the way `vela dry-run` renders them
//! (`kubevela:references/cli/dryrun.go`, `pkg/appfile/dryrun/dryrun.go`).
//!
//! This module owns:
//! - the Application model read from YAML (`core.oam.dev/v1beta1` `Application`, plus the
//!   standalone `Policy` and `Workflow` objects `vela dry-run -f` accepts), with every
//!   problem reported at `file:line:col`;
//! - the [`Registry`] of definitions given with `-d`: X-Definition `.cue` files and the
//!   `*Definition` CRDs (`spec.schematic.cue.template`) found in YAML files;
//! - the dry run itself: deploy steps (given, or generated from topology/override policies
//!   as KubeVela generates them), override policies merged into the components as
//!   `pkg/policy/envbinding/patch.go` merges them, each component rendered through its
//!   ComponentDefinition and its traits in order, the labels, names, namespaces and
//!   annotations KubeVela's `Appfile.SetOAMContract` adds, and the objects of
//!   output-based policies (`GeneratePolicyManifests`, with `context.artifacts`);
//! - the output: `vela dry-run`'s layout ([`format_vela`]) or JSON ([`format_json`]).
//!
//! Like the rest of the crate it does no IO: files come in as [`Sources`].

use std::rc::Rc;

use xdef_cue::Data;
use xdef_syntax::ast::AstNode;
use xdef_syntax::line_index::LineCol;

use crate::definition::{DefinitionFile, DefinitionKind};
use crate::render::{RenderError, RenderInput, Workload, apply_trait, render_component};
use crate::schema::did_you_mean;
use crate::yaml_source::{LocatedDoc, Seg, parse_stream};

// ---------------------------------------------------------------------------------------
// Sources and problems
// ---------------------------------------------------------------------------------------

/// A file given to the dry run (an Application file or a definition file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(pub usize);

#[derive(Clone, Debug)]
pub struct Source {
    /// As shown to the user (a path, or `<stdin>`).
    pub name: String,
    pub text: String,
}

/// Every file of a dry run.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<Source>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(Source {
            name: name.into(),
            text: text.into(),
        });
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &Source {
        &self.files[id.0]
    }

    /// `file:line:col: message`, then each note on its own line.
    pub fn render(&self, problem: &Problem) -> String {
        let mut out = match problem.at {
            Some(p) => format!("{}: {}", self.position(p), problem.message),
            None => problem.message.clone(),
        };
        for (at, note) in &problem.notes {
            out.push('\n');
            match at {
                Some(p) => out.push_str(&format!("  at {}: {note}", self.position(*p))),
                None => out.push_str(&format!("  {note}")),
            }
        }
        out
    }

    fn position(&self, p: Position) -> String {
        format!("{}:{}", self.get(p.file).name, p.at)
    }
}

/// A place in one of the [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub file: FileId,
    pub at: LineCol,
}

/// An error or warning, where it is, and notes (for render errors: the positions in the
/// definition behind the message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Option<Position>,
    pub message: String,
    pub notes: Vec<(Option<Position>, String)>,
}

impl Problem {
    fn new(at: Option<Position>, message: impl Into<String>) -> Problem {
        Problem {
            at,
            message: message.into(),
            notes: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading documents with positions
// ---------------------------------------------------------------------------------------

type Path = Vec<Seg<'static>>;

fn data_at<'d>(data: &'d Data, path: &[Seg<'_>]) -> Option<&'d Data> {
    let mut cur = data;
    for seg in path {
        cur = match (seg, cur) {
            (Seg::Key(k), Data::Struct(fields)) => fields
                .iter()
                .find(|(name, _)| &**name == *k)
                .map(|(_, v)| v)?,
            (Seg::Index(i), Data::List(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn join(path: &[Seg<'static>], more: &[Seg<'static>]) -> Path {
    path.iter().chain(more).copied().collect()
}

/// Reads fields of one document, collecting problems with their positions.
struct Reader<'a> {
    doc: &'a LocatedDoc,
    file: FileId,
    problems: &'a mut Vec<Problem>,
}

impl Reader<'_> {
    fn at(&self, path: &[Seg<'_>]) -> Position {
        Position {
            file: self.file,
            at: self.doc.pos(path),
        }
    }

    fn value_at(&self, path: &[Seg<'_>]) -> Position {
        Position {
            file: self.file,
            at: self.doc.value_pos(path),
        }
    }

    fn get(&self, path: &[Seg<'_>]) -> Option<&Data> {
        data_at(&self.doc.data, path).filter(|d| !matches!(d, Data::Null))
    }

    fn error(&mut self, at: Position, message: impl Into<String>) {
        self.problems.push(Problem::new(Some(at), message));
    }

    /// A string field; `what` names the object for messages (`component "web"`).
    fn string(&mut self, path: &[Seg<'static>], what: &str, required: bool) -> Option<String> {
        let name = match path.last() {
            Some(Seg::Key(k)) => *k,
            _ => "value",
        };
        match self.get(path) {
            None => {
                if required {
                    let at = self.at(&path[..path.len().saturating_sub(1)]);
                    self.error(at, format!("{what}: missing field `{name}`"));
                }
                None
            }
            Some(Data::Str(s)) => Some(s.to_string()),
            Some(other) => {
                let at = self.value_at(path);
                self.error(
                    at,
                    format!(
                        "{what}: `{name}` must be a string, not {}",
                        other.kind_name()
                    ),
                );
                None
            }
        }
    }

    /// The items of a list field (an absent or null field is empty).
    fn list(&mut self, path: &[Seg<'static>], what: &str) -> usize {
        match self.get(path) {
            None => 0,
            Some(Data::List(items)) => items.len(),
            Some(other) => {
                let at = self.value_at(path);
                let name = match path.last() {
                    Some(Seg::Key(k)) => *k,
                    _ => "value",
                };
                self.error(
                    at,
                    format!("{what}: `{name}` must be a list, not {}", other.kind_name()),
                );
                0
            }
        }
    }

    /// An object field (absent or null: `None`).
    fn object(&mut self, path: &[Seg<'static>], what: &str) -> Option<Data> {
        match self.get(path) {
            None => None,
            Some(d @ Data::Struct(_)) => Some(d.clone()),
            Some(other) => {
                let at = self.value_at(path);
                let name = match path.last() {
                    Some(Seg::Key(k)) => *k,
                    _ => "value",
                };
                self.error(
                    at,
                    format!(
                        "{what}: `{name}` must be an object, not {}",
                        other.kind_name()
                    ),
                );
                None
            }
        }
    }

    /// A map of strings (labels, annotations).
    fn string_map(&mut self, path: &[Seg<'static>], what: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(Data::Struct(fields)) = self.object(path, what) else {
            return out;
        };
        for (k, v) in &fields {
            match v {
                Data::Str(s) => out.push((k.to_string(), s.to_string())),
                other => {
                    let at = self.value_at(path);
                    self.error(
                        at,
                        format!("{what}: {k} must be a string, not {}", other.kind_name()),
                    );
                }
            }
        }
        out
    }

    /// The position of each key of an object.
    fn key_positions(&self, path: &[Seg<'static>]) -> Vec<(Rc<str>, Position)> {
        let Some(Data::Struct(fields)) = self.get(path) else {
            return Vec::new();
        };
        fields
            .iter()
            .map(|(k, _)| {
                let mut key_path: Vec<Seg<'_>> = path.to_vec();
                key_path.push(Seg::Key(k));
                (
                    k.clone(),
                    Position {
                        file: self.file,
                        at: self.doc.pos(&key_path),
                    },
                )
            })
            .collect()
    }

    /// Unknown keys of an object, as Kubernetes' schema validation rejects them.
    fn check_keys(&mut self, path: &[Seg<'static>], allowed: &[&str], what: &str) {
        let Some(Data::Struct(fields)) = self.get(path) else {
            return;
        };
        let unknown: Vec<Rc<str>> = fields
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !allowed.contains(&&**k))
            .collect();
        for k in unknown {
            let hint = did_you_mean(&k, allowed)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            let mut key_path: Vec<Seg<'_>> = path.to_vec();
            key_path.push(Seg::Key(&k));
            let at = Position {
                file: self.file,
                at: self.doc.pos(&key_path),
            };
            self.error(at, format!("{what}: unknown field \"{k}\"{hint}"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// The Application model
// ---------------------------------------------------------------------------------------

/// An Application (`core.oam.dev/v1beta1`).
#[derive(Clone, Debug)]
pub struct Application {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub components: Vec<Component>,
    pub policies: Vec<AppPolicy>,
    pub workflow: Option<Workflow>,
    pub at: Option<Position>,
}

/// `spec.components[]`.
#[derive(Clone, Debug)]
pub struct Component {
    pub name: String,
    pub type_name: String,
    pub properties: Option<Data>,
    pub traits: Vec<AppTrait>,
    /// The other fields (`dependsOn`, `inputs`, `outputs`, ...), kept for
    /// `context.components`.
    pub extra: Vec<(Rc<str>, Data)>,
    pub at: Option<Position>,
    pub type_at: Option<Position>,
    /// Where each property's key is.
    pub property_at: Vec<(Rc<str>, Position)>,
    /// Where it is in its YAML document (empty when it does not come from one).
    pub path: Vec<Seg<'static>>,
}

/// `spec.components[].traits[]`.
#[derive(Clone, Debug)]
pub struct AppTrait {
    pub type_name: String,
    pub properties: Option<Data>,
    pub at: Option<Position>,
    pub type_at: Option<Position>,
    pub property_at: Vec<(Rc<str>, Position)>,
    pub path: Vec<Seg<'static>>,
}

/// `spec.policies[]`, or a standalone `Policy` object.
#[derive(Clone, Debug)]
pub struct AppPolicy {
    pub name: String,
    pub type_name: String,
    pub properties: Option<Data>,
    pub at: Option<Position>,
    pub path: Vec<Seg<'static>>,
}

/// `spec.workflow`.
#[derive(Clone, Debug)]
pub struct Workflow {
    pub reference: Option<String>,
    pub steps: Option<Vec<Step>>,
    pub at: Option<Position>,
}

/// A workflow step (or a sub-step of a `step-group`).
#[derive(Clone, Debug)]
pub struct Step {
    pub name: String,
    pub type_name: String,
    pub properties: Option<Data>,
    pub sub_steps: Vec<Step>,
    pub at: Option<Position>,
    pub path: Vec<Seg<'static>>,
}

/// A standalone `Workflow` object (`core.oam.dev/v1alpha1`).
#[derive(Clone, Debug)]
pub struct StandaloneWorkflow {
    pub name: String,
    pub steps: Vec<Step>,
    pub at: Option<Position>,
}

/// What the `-f` files hold: one Application, and standalone policies and workflow.
#[derive(Clone, Debug)]
pub struct AppFiles {
    pub app: Application,
    pub policies: Vec<AppPolicy>,
    pub workflow: Option<StandaloneWorkflow>,
}

impl Component {
    /// As `context.components` shows it (the JSON of KubeVela's `ApplicationComponent`).
    pub fn to_data(&self) -> Data {
        let mut fields: Vec<(Rc<str>, Data)> = vec![
            ("name".into(), Data::str(&self.name)),
            ("type".into(), Data::str(&self.type_name)),
        ];
        if let Some(p) = &self.properties {
            fields.push(("properties".into(), p.clone()));
        }
        if !self.traits.is_empty() {
            let traits = self
                .traits
                .iter()
                .map(|t| {
                    let mut f: Vec<(Rc<str>, Data)> =
                        vec![("type".into(), Data::str(&t.type_name))];
                    if let Some(p) = &t.properties {
                        f.push(("properties".into(), p.clone()));
                    }
                    Data::Struct(f)
                })
                .collect();
            fields.push(("traits".into(), Data::List(traits)));
        }
        fields.extend(self.extra.iter().cloned());
        Data::Struct(fields)
    }
}

const APPLICATION_API: &str = "core.oam.dev/v1beta1";
const POLICY_WORKFLOW_API: &str = "core.oam.dev/v1alpha1";

/// An object of an Application file.
#[derive(Clone, Debug)]
enum AppObject {
    Application(Application),
    Policy(AppPolicy),
    Workflow(StandaloneWorkflow),
}

/// Reads the Applications, Policies and Workflows of one YAML stream, each with its
/// document. `strict` (the dry run's `-f` files): any other document is an error; else
/// other documents (other kinds, other `apiVersion`s such as Argo CD's `Application`) are
/// skipped.
fn read_objects(
    file: FileId,
    text: &str,
    strict: bool,
    problems: &mut Vec<Problem>,
) -> Option<Vec<(LocatedDoc, AppObject)>> {
    let mut out = Vec::new();
    let docs = match parse_stream(text) {
        Ok(d) => d,
        Err(e) => {
            problems.push(Problem::new(
                Some(Position { file, at: e.at }),
                format!("invalid YAML: {}", e.message),
            ));
            return None;
        }
    };
    for mut doc in docs {
        if matches!(doc.data, Data::Null) {
            continue;
        }
        if !strict {
            let kind = data_at(&doc.data, &[Seg::Key("kind")]).and_then(Data::as_str);
            let api = data_at(&doc.data, &[Seg::Key("apiVersion")]).and_then(Data::as_str);
            if !matches!(
                (api, kind),
                (Some(APPLICATION_API), Some("Application"))
                    | (Some(POLICY_WORKFLOW_API), Some("Policy" | "Workflow"))
            ) {
                continue;
            }
        }
        // Kubernetes reads YAML 1.1 (`yes`, `on`, `off` are booleans) into JSON.
        doc.apply_yaml11_bools(&[]);
        go_json_numbers(&mut doc.data);
        let mut r = Reader {
            doc: &doc,
            file,
            problems,
        };
        if !matches!(doc.data, Data::Struct(_)) {
            let at = r.at(&[]);
            r.error(
                at,
                format!(
                    "expected a Kubernetes object (an Application, Policy or Workflow), not {}",
                    doc.data.kind_name()
                ),
            );
            continue;
        }
        let api = r.string(&[Seg::Key("apiVersion")], "object", true);
        let kind = r.string(&[Seg::Key("kind")], "object", true);
        let (Some(api), Some(kind)) = (api, kind) else {
            continue;
        };
        let object = match (api.as_str(), kind.as_str()) {
            (APPLICATION_API, "Application") => {
                read_application(&mut r).map(AppObject::Application)
            }
            (POLICY_WORKFLOW_API, "Policy") => {
                read_standalone_policy(&mut r).map(AppObject::Policy)
            }
            (POLICY_WORKFLOW_API, "Workflow") => {
                read_standalone_workflow(&mut r).map(AppObject::Workflow)
            }
            (_, "Application" | "Policy" | "Workflow") => {
                let at = r.value_at(&[Seg::Key("apiVersion")]);
                let want = if kind == "Application" {
                    APPLICATION_API
                } else {
                    POLICY_WORKFLOW_API
                };
                r.error(at, format!("{kind} must have apiVersion {want}, not {api}"));
                None
            }
            _ => {
                let at = r.value_at(&[Seg::Key("kind")]);
                r.error(
                    at,
                    format!("{kind} ({api}) is not an application, policy or workflow"),
                );
                None
            }
        };
        if let Some(o) = object {
            out.push((doc, o));
        }
    }
    Some(out)
}

/// Reads the `-f` files: each may hold several `---`-separated documents, each an
/// Application, a Policy or a Workflow (`vela dry-run` reads one object per file).
pub fn read_app_files(sources: &Sources, files: &[FileId]) -> Result<AppFiles, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut app: Option<Application> = None;
    let mut policies = Vec::new();
    let mut workflow: Option<StandaloneWorkflow> = None;
    for &file in files {
        let objects = read_objects(file, &sources.get(file).text, true, &mut problems);
        for (doc, object) in objects.unwrap_or_default() {
            let at = Position {
                file,
                at: doc.pos(&[]),
            };
            match object {
                AppObject::Application(a) => {
                    if app.is_some() {
                        problems.push(Problem::new(Some(at), "more than one application provided"));
                    } else {
                        app = Some(a);
                    }
                }
                AppObject::Policy(p) => policies.push(p),
                AppObject::Workflow(w) => {
                    if workflow.is_some() {
                        problems.push(Problem::new(
                            Some(at),
                            "more than one external workflow provided",
                        ));
                    } else {
                        workflow = Some(w);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    match app {
        Some(app) => Ok(AppFiles {
            app,
            policies,
            workflow,
        }),
        None => Err(vec![Problem::new(
            files.first().map(|&file| Position {
                file,
                at: LineCol { line: 0, col: 0 },
            }),
            "no application provided (a document with apiVersion: core.oam.dev/v1beta1, kind: Application)",
        )]),
    }
}

/// Numbers as they come out of Kubernetes' YAML-to-JSON conversion: a float is a Go
/// `float64`, and one without a fraction is written (and so read by CUE) as an integer —
/// `replicas: 2.0` is `2` to the template, as it is in KubeVela.
fn go_json_numbers(data: &mut Data) {
    let mut stack = vec![data];
    while let Some(d) = stack.pop() {
        match d {
            Data::Num(n) if !n.is_int() => {
                let f = n.to_f64();
                if !f.is_finite() {
                    continue;
                }
                let go = if f.fract() == 0.0 && f.abs() < 1e21 {
                    format!("{f:.0}")
                        .parse::<num_bigint::BigInt>()
                        .ok()
                        .map(xdef_cue::number::Num::from_bigint)
                } else {
                    xdef_cue::number::Num::float_from_f64(f)
                };
                if let Some(go) = go {
                    *n = go;
                }
            }
            Data::List(items) => stack.extend(items.iter_mut()),
            Data::Struct(fields) => stack.extend(fields.iter_mut().map(|(_, v)| v)),
            _ => {}
        }
    }
}

const COMPONENT_KEYS: &[&str] = &[
    "name",
    "type",
    "externalRevision",
    "properties",
    "dependsOn",
    "inputs",
    "outputs",
    "traits",
    "scopes",
    "replicaKey",
];

fn read_application(r: &mut Reader<'_>) -> Option<Application> {
    r.check_keys(
        &[],
        &["apiVersion", "kind", "metadata", "spec", "status"],
        "Application",
    );
    let name = r.string(&[Seg::Key("metadata"), Seg::Key("name")], "metadata", true);
    let what = match &name {
        Some(n) => format!("Application {n:?}"),
        None => "Application".to_owned(),
    };
    let namespace = r
        .string(&[Seg::Key("metadata"), Seg::Key("namespace")], &what, false)
        .filter(|n| !n.is_empty());
    let labels = r.string_map(&[Seg::Key("metadata"), Seg::Key("labels")], &what);
    let annotations = r.string_map(&[Seg::Key("metadata"), Seg::Key("annotations")], &what);
    r.check_keys(
        &[Seg::Key("spec")],
        &["components", "policies", "workflow"],
        &format!("{what} spec"),
    );
    let mut components = Vec::new();
    let n = r.list(&[Seg::Key("spec"), Seg::Key("components")], &what);
    for i in 0..n {
        let path = vec![Seg::Key("spec"), Seg::Key("components"), Seg::Index(i)];
        if let Some(c) = read_component(r, &path, i) {
            components.push(c);
        }
    }
    let mut policies = Vec::new();
    let n = r.list(&[Seg::Key("spec"), Seg::Key("policies")], &what);
    for i in 0..n {
        let path = vec![Seg::Key("spec"), Seg::Key("policies"), Seg::Index(i)];
        let what = format!("policy #{}", i + 1);
        if !matches!(r.get(&path), Some(Data::Struct(_))) {
            let at = r.at(&path);
            r.error(at, format!("{what}: must be an object"));
            continue;
        }
        r.check_keys(&path, &["name", "type", "properties"], &what);
        let name = r
            .string(&join(&path, &[Seg::Key("name")]), &what, false)
            .unwrap_or_default();
        let what = if name.is_empty() {
            what
        } else {
            format!("policy {name:?}")
        };
        let Some(type_name) = r.string(&join(&path, &[Seg::Key("type")]), &what, true) else {
            continue;
        };
        let properties = r.object(&join(&path, &[Seg::Key("properties")]), &what);
        policies.push(AppPolicy {
            name,
            type_name,
            properties,
            at: Some(r.at(&path)),
            path,
        });
    }
    let workflow_path = [Seg::Key("spec"), Seg::Key("workflow")];
    let workflow = match r.get(&workflow_path) {
        None => None,
        Some(Data::Struct(_)) => {
            r.check_keys(&workflow_path, &["ref", "steps", "mode"], "workflow");
            let reference = r
                .string(&join(&workflow_path, &[Seg::Key("ref")]), "workflow", false)
                .filter(|s| !s.is_empty());
            let steps_path = join(&workflow_path, &[Seg::Key("steps")]);
            let steps = if r.get(&steps_path).is_some() {
                Some(read_steps(r, &steps_path, true))
            } else {
                None
            };
            Some(Workflow {
                reference,
                steps,
                at: Some(r.at(&workflow_path)),
            })
        }
        Some(other) => {
            let at = r.value_at(&workflow_path);
            r.error(
                at,
                format!("`workflow` must be an object, not {}", other.kind_name()),
            );
            None
        }
    };
    Some(Application {
        name: name?,
        namespace,
        labels,
        annotations,
        components,
        policies,
        workflow,
        at: Some(r.at(&[])),
    })
}

fn read_component(r: &mut Reader<'_>, path: &[Seg<'static>], i: usize) -> Option<Component> {
    let what = format!("component #{}", i + 1);
    if !matches!(r.get(path), Some(Data::Struct(_))) {
        let at = r.at(path);
        r.error(at, format!("{what}: must be an object"));
        return None;
    }
    let name = r.string(&join(path, &[Seg::Key("name")]), &what, true);
    let what = match &name {
        Some(n) => format!("component {n:?}"),
        None => what,
    };
    r.check_keys(path, COMPONENT_KEYS, &what);
    let type_path = join(path, &[Seg::Key("type")]);
    let type_name = r.string(&type_path, &what, true);
    let properties = r.object(&join(path, &[Seg::Key("properties")]), &what);
    let mut traits = Vec::new();
    let traits_path = join(path, &[Seg::Key("traits")]);
    let n = r.list(&traits_path, &what);
    for j in 0..n {
        let tpath = join(&traits_path, &[Seg::Index(j)]);
        let twhat = format!("{what} trait #{}", j + 1);
        if !matches!(r.get(&tpath), Some(Data::Struct(_))) {
            let at = r.at(&tpath);
            r.error(at, format!("{twhat}: must be an object"));
            continue;
        }
        r.check_keys(&tpath, &["type", "properties"], &twhat);
        let ttype_path = join(&tpath, &[Seg::Key("type")]);
        let Some(ttype) = r.string(&ttype_path, &twhat, true) else {
            continue;
        };
        let twhat = format!("{what} trait {ttype:?}");
        let properties = r.object(&join(&tpath, &[Seg::Key("properties")]), &twhat);
        let property_at = r.key_positions(&join(&tpath, &[Seg::Key("properties")]));
        traits.push(AppTrait {
            type_name: ttype,
            properties,
            at: Some(r.at(&tpath)),
            type_at: Some(r.value_at(&ttype_path)),
            property_at,
            path: tpath,
        });
    }
    let mut extra = Vec::new();
    if let Some(Data::Struct(fields)) = r.get(path) {
        for (k, v) in fields {
            if !matches!(&**k, "name" | "type" | "properties" | "traits")
                && COMPONENT_KEYS.contains(&&**k)
            {
                extra.push((k.clone(), v.clone()));
            }
        }
    }
    Some(Component {
        name: name?,
        type_name: type_name?,
        properties,
        traits,
        extra,
        at: Some(r.at(path)),
        type_at: Some(r.value_at(&type_path)),
        property_at: r.key_positions(&join(path, &[Seg::Key("properties")])),
        path: path.to_vec(),
    })
}

fn read_steps(r: &mut Reader<'_>, path: &[Seg<'static>], allow_sub_steps: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let n = r.list(path, "workflow");
    for i in 0..n {
        let spath = join(path, &[Seg::Index(i)]);
        let what = format!("workflow step #{}", i + 1);
        if !matches!(r.get(&spath), Some(Data::Struct(_))) {
            let at = r.at(&spath);
            r.error(at, format!("{what}: must be an object"));
            continue;
        }
        let name = r
            .string(&join(&spath, &[Seg::Key("name")]), &what, false)
            .unwrap_or_default();
        let what = if name.is_empty() {
            what
        } else {
            format!("workflow step {name:?}")
        };
        let mut allowed = vec![
            "name",
            "type",
            "properties",
            "dependsOn",
            "inputs",
            "outputs",
            "if",
            "timeout",
            "meta",
            "mode",
        ];
        if allow_sub_steps {
            allowed.push("subSteps");
        }
        r.check_keys(&spath, &allowed, &what);
        let Some(type_name) = r.string(&join(&spath, &[Seg::Key("type")]), &what, true) else {
            continue;
        };
        let properties = r.object(&join(&spath, &[Seg::Key("properties")]), &what);
        let sub_steps = if allow_sub_steps {
            read_steps(r, &join(&spath, &[Seg::Key("subSteps")]), false)
        } else {
            Vec::new()
        };
        steps.push(Step {
            name,
            type_name,
            properties,
            sub_steps,
            at: Some(r.at(&spath)),
            path: spath,
        });
    }
    steps
}

fn read_standalone_policy(r: &mut Reader<'_>) -> Option<AppPolicy> {
    r.check_keys(
        &[],
        &["apiVersion", "kind", "metadata", "type", "properties"],
        "Policy",
    );
    let name = r.string(&[Seg::Key("metadata"), Seg::Key("name")], "Policy", true)?;
    let what = format!("Policy {name:?}");
    let type_name = r.string(&[Seg::Key("type")], &what, true)?;
    let properties = r.object(&[Seg::Key("properties")], &what);
    Some(AppPolicy {
        name,
        type_name,
        properties,
        at: Some(r.at(&[])),
        path: Vec::new(),
    })
}

fn read_standalone_workflow(r: &mut Reader<'_>) -> Option<StandaloneWorkflow> {
    r.check_keys(
        &[],
        &["apiVersion", "kind", "metadata", "mode", "steps"],
        "Workflow",
    );
    let name = r.string(&[Seg::Key("metadata"), Seg::Key("name")], "Workflow", true)?;
    let steps = read_steps(r, &[Seg::Key("steps")], true);
    Some(StandaloneWorkflow {
        name,
        steps,
        at: Some(r.at(&[])),
    })
}

// ---------------------------------------------------------------------------------------
// The definition registry
// ---------------------------------------------------------------------------------------

/// Where a definition's template text sits in its file.
#[derive(Clone, Debug)]
enum Origin {
    /// An X-Definition `.cue` file: offsets are the file's.
    Cue,
    /// The `spec.schematic.cue.template` block of a CRD: the template's line `n` is the
    /// file's line `first_line + n`, shifted right by `indent` columns.
    Crd { first_line: u32, indent: u32 },
}

/// A definition found with `-d`.
pub struct Definition {
    pub name: String,
    pub kind: DefinitionKind,
    pub alias: Option<String>,
    /// The header's `attributes` (the CRD's `spec` without `schematic`).
    pub attributes: Data,
    pub file: FileId,
    /// Where the definition is declared (its name).
    pub at: Position,
    parse: xdef_syntax::Parse,
    def: DefinitionFile,
    origin: Origin,
    /// Set when the CRD's schematic is not CUE (`kube`, `helm`, `terraform`).
    unsupported: Option<String>,
}

impl std::fmt::Debug for Definition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Definition")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("alias", &self.alias)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Definition {
    /// The position of a byte offset of the definition's template text.
    fn position(&self, offset: usize) -> Position {
        let lc = self.parse.line_index().line_col(self.parse.text(), offset);
        let at = match self.origin {
            Origin::Cue => lc,
            Origin::Crd { first_line, indent } => LineCol {
                line: first_line + lc.line,
                col: indent + lc.col,
            },
        };
        Position {
            file: self.file,
            at,
        }
    }

    fn attribute(&self, name: &str) -> Option<&Data> {
        data_at(&self.attributes, &[Seg::Key(name)])
    }
}

/// The definitions a dry run may use, by kind and name.
#[derive(Debug, Default)]
pub struct Registry {
    defs: Vec<Definition>,
    /// How the definitions were given, for messages (`examples/definitions`).
    pub describe: String,
}

fn kind_from_crd(kind: &str) -> Option<DefinitionKind> {
    DefinitionKind::ALL
        .into_iter()
        .find(|k| k.crd_kind() == kind)
}

impl Registry {
    /// Reads every definition of the files: X-Definition `.cue` files (other CUE files,
    /// such as `*_test.cue`, are skipped) and YAML files with `*Definition` objects (other
    /// objects are skipped). Problems in a definition file are errors, as they are for
    /// `vela dry-run -d`.
    pub fn load(sources: &Sources, files: &[FileId]) -> (Registry, Vec<Problem>) {
        let mut registry = Registry {
            defs: Vec::new(),
            describe: "the definitions".to_owned(),
        };
        let mut problems = Vec::new();
        for &file in files {
            let source = sources.get(file);
            let is_yaml = source.name.ends_with(".yaml") || source.name.ends_with(".yml");
            if is_yaml {
                registry.load_yaml(file, &source.text, &mut problems);
            } else {
                registry.load_cue(file, &source.text, &mut problems);
            }
        }
        // Two definitions of one kind with one name: the second is an error.
        let mut seen: Vec<(DefinitionKind, &str, Position)> = Vec::new();
        for d in &registry.defs {
            if let Some((_, _, first)) = seen.iter().find(|(k, n, _)| *k == d.kind && *n == d.name)
            {
                problems.push(Problem {
                    at: Some(d.at),
                    message: format!("{} {:?} is defined twice", d.kind.type_name(), d.name),
                    notes: vec![(Some(*first), "first defined here".to_owned())],
                });
            } else {
                seen.push((d.kind, &d.name, d.at));
            }
        }
        (registry, problems)
    }

    fn load_cue(&mut self, file: FileId, text: &str, problems: &mut Vec<Problem>) {
        let parse = xdef_syntax::parse(text);
        if !crate::definition::looks_like_definition(&parse) {
            return;
        }
        let pos = |offset: usize| Position {
            file,
            at: parse.line_index().line_col(parse.text(), offset),
        };
        let syntax = parse.errors();
        if !syntax.is_empty() {
            for e in syntax {
                problems.push(Problem::new(Some(pos(e.range.start)), e.message));
            }
            return;
        }
        let def = crate::read_definition(&parse);
        let mut bad = false;
        for d in &def.diagnostics {
            if d.severity == crate::Severity::Error {
                problems.push(Problem::new(Some(pos(d.range.start)), d.message.clone()));
                bad = true;
            }
        }
        let (Some(name), Some(kind), false) = (def.name.clone(), def.kind, bad) else {
            return;
        };
        let alias = def
            .header_field("alias")
            .and_then(Data::as_str)
            .map(str::to_owned);
        let attributes = def
            .header_field("attributes")
            .cloned()
            .unwrap_or(Data::Struct(Vec::new()));
        let at = pos(def.name_range.clone().map_or(0, |r| r.start));
        self.defs.push(Definition {
            name,
            kind,
            alias,
            attributes,
            file,
            at,
            parse,
            def,
            origin: Origin::Cue,
            unsupported: None,
        });
    }

    fn load_yaml(&mut self, file: FileId, text: &str, problems: &mut Vec<Problem>) {
        let docs = match parse_stream(text) {
            Ok(d) => d,
            Err(e) => {
                problems.push(Problem::new(
                    Some(Position { file, at: e.at }),
                    format!("invalid YAML: {}", e.message),
                ));
                return;
            }
        };
        for doc in docs {
            let kind = data_at(&doc.data, &[Seg::Key("kind")])
                .and_then(Data::as_str)
                .and_then(kind_from_crd);
            let Some(kind) = kind else { continue };
            let mut local = Vec::new();
            let mut r = Reader {
                doc: &doc,
                file,
                problems: &mut local,
            };
            let what = kind.crd_kind();
            let Some(name) = r.string(&[Seg::Key("metadata"), Seg::Key("name")], what, true) else {
                problems.extend(local);
                continue;
            };
            let at = r.value_at(&[Seg::Key("metadata"), Seg::Key("name")]);
            let alias = data_at(
                &doc.data,
                &[
                    Seg::Key("metadata"),
                    Seg::Key("annotations"),
                    Seg::Key("definition.oam.dev/alias"),
                ],
            )
            .and_then(Data::as_str)
            .map(str::to_owned);
            let attributes = match data_at(&doc.data, &[Seg::Key("spec")]) {
                Some(Data::Struct(fields)) => Data::Struct(
                    fields
                        .iter()
                        .filter(|(k, _)| &**k != "schematic")
                        .cloned()
                        .collect(),
                ),
                _ => Data::Struct(Vec::new()),
            };
            let template_path = [
                Seg::Key("spec"),
                Seg::Key("schematic"),
                Seg::Key("cue"),
                Seg::Key("template"),
            ];
            let (template, unsupported) = match data_at(&doc.data, &template_path) {
                Some(Data::Str(t)) => (t.to_string(), None),
                Some(_) => {
                    r.error(
                        r.value_at(&template_path),
                        format!("{what} {name:?}: spec.schematic.cue.template must be a string"),
                    );
                    problems.extend(local);
                    continue;
                }
                None => {
                    let other = match data_at(&doc.data, &[Seg::Key("spec"), Seg::Key("schematic")])
                    {
                        Some(Data::Struct(f)) => f.first().map(|(k, _)| k.to_string()),
                        _ => None,
                    };
                    (
                        String::new(),
                        Some(other.unwrap_or_else(|| "no".to_owned())),
                    )
                }
            };
            problems.extend(local);
            // The template's text starts on the line after `template: |`.
            let (first_line, indent) =
                block_scalar_start(text, doc.pos(&template_path), doc.value_pos(&template_path));
            let parse = xdef_syntax::parse(template);
            let def = crd_definition_file(&parse, &name, kind);
            let definition = Definition {
                name,
                kind,
                alias,
                attributes,
                file,
                at,
                parse,
                def,
                origin: Origin::Crd { first_line, indent },
                unsupported,
            };
            if definition.unsupported.is_none() {
                for e in definition.parse.errors() {
                    let p = Problem::new(
                        Some(definition.position(e.range.start)),
                        format!(
                            "in the template of {what} {:?}: {}",
                            definition.name, e.message
                        ),
                    );
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
            }
            self.defs.push(definition);
        }
    }

    /// The definition of a kind with a name.
    pub fn get(&self, kind: DefinitionKind, name: &str) -> Option<&Definition> {
        self.defs.iter().find(|d| d.kind == kind && d.name == name)
    }

    pub fn definitions(&self) -> &[Definition] {
        &self.defs
    }

    /// "type "x" not found in ... (did you mean "y"?)", with hints for an alias or a
    /// definition of another kind.
    fn not_found(&self, kind: DefinitionKind, name: &str, what: &str) -> String {
        let names: Vec<&str> = self
            .defs
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.name.as_str())
            .collect();
        let mut message = format!("{what} {name:?} not found in {}", self.describe);
        if let Some(d) = self
            .defs
            .iter()
            .find(|d| d.kind == kind && d.alias.as_deref() == Some(name))
        {
            message.push_str(&format!(
                " ({name:?} is the alias of {:?}; KubeVela looks definitions up by name)",
                d.name
            ));
        } else if let Some(s) = did_you_mean(name, &names) {
            message.push_str(&format!(" (did you mean {s:?}?)"));
        } else if let Some(d) = self.defs.iter().find(|d| d.name == name) {
            message.push_str(&format!(
                " ({name:?} is a {} definition, not a {} definition)",
                d.kind.type_name(),
                kind.type_name()
            ));
        } else if let Some(other) = DefinitionKind::ALL
            .into_iter()
            .find(|k| *k != kind && is_builtin(*k, name))
        {
            message.push_str(&format!(
                " ({name:?} is a {} definition built into KubeVela, not a {} definition)",
                other.type_name(),
                kind.type_name()
            ));
        }
        message
    }
}

/// The line after a block scalar's indicator (`|`), and its content's indentation.
fn block_scalar_start(text: &str, key: LineCol, value: LineCol) -> (u32, u32) {
    let lines: Vec<&str> = text.lines().collect();
    let after_key: String = lines
        .get(key.line as usize)
        .map(|l| l.chars().skip(key.col as usize).collect())
        .unwrap_or_default();
    let header = after_key
        .split_once(':')
        .map_or("", |(_, rest)| rest)
        .trim_start();
    if !header.starts_with(['|', '>']) {
        // A quoted or plain scalar: positions are approximate.
        return (value.line, value.col + 1);
    }
    let first = key.line as usize + 1;
    let explicit = header[1..]
        .chars()
        .find(|c| c.is_ascii_digit())
        .and_then(|c| c.to_digit(10));
    let indent = match explicit {
        Some(n) => {
            let parent = lines
                .get(key.line as usize)
                .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count());
            parent + n as usize
        }
        None => lines
            .iter()
            .skip(first)
            .find(|l| !l.trim().is_empty())
            .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count()),
    };
    (first as u32, indent as u32)
}

/// A definition file model for a CRD's template text: imports, then the template body.
fn crd_definition_file(
    parse: &xdef_syntax::Parse,
    name: &str,
    kind: DefinitionKind,
) -> DefinitionFile {
    let text = parse.text();
    let root = parse.root();
    let imports: Vec<xdef_syntax::TextRange> = root.import_decls().map(|i| i.range()).collect();
    let body_start = imports
        .last()
        .map(|r| r.end)
        .or_else(|| root.package().map(|p| p.range().end))
        .unwrap_or(0);
    DefinitionFile {
        name: Some(name.to_owned()),
        kind: Some(kind),
        template_range: Some(0..text.len()),
        template_body: Some(body_start..text.len()),
        imports,
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------
// Override policies (`pkg/policy/envbinding/patch.go`)
// ---------------------------------------------------------------------------------------

/// One `properties.components[]` entry of an override policy.
#[derive(Clone, Debug)]
struct ComponentPatch {
    name: String,
    type_name: String,
    properties: Option<Data>,
    traits: Vec<TraitPatch>,
    at: Option<Position>,
}

#[derive(Clone, Debug)]
struct TraitPatch {
    type_name: String,
    properties: Option<Data>,
    disable: bool,
}

#[derive(Clone, Debug)]
struct OverrideSpec {
    components: Vec<ComponentPatch>,
    /// `selector`, when given (an empty list selects nothing).
    selector: Option<Vec<String>>,
}

/// `json: unknown field "x"`-style strict reading of a policy's properties, as
/// `utils.StrictUnmarshal` reads them.
fn parse_override(policy: &AppPolicy) -> Result<OverrideSpec, String> {
    let Some(props) = &policy.properties else {
        return Err(format!(
            "override policy {} must not have empty properties",
            policy.name
        ));
    };
    let fail = |m: String| format!("failed to parse override policy {}: {m}", policy.name);
    let strict = |d: &Data, allowed: &[&str], what: &str| -> Result<(), String> {
        if let Data::Struct(fields) = d {
            for (k, _) in fields {
                if !allowed.contains(&&**k) {
                    let hint = did_you_mean(k, allowed)
                        .map(|s| format!(" (did you mean {s:?}?)"))
                        .unwrap_or_default();
                    return Err(format!("unknown field {k:?} in {what}{hint}"));
                }
            }
            Ok(())
        } else {
            Err(format!("{what} must be an object, not {}", d.kind_name()))
        }
    };
    let string = |d: Option<&Data>, what: &str| -> Result<String, String> {
        match d {
            None | Some(Data::Null) => Ok(String::new()),
            Some(Data::Str(s)) => Ok(s.to_string()),
            Some(other) => Err(format!(
                "{what} must be a string, not {}",
                other.kind_name()
            )),
        }
    };
    let object = |d: Option<&Data>, what: &str| -> Result<Option<Data>, String> {
        match d {
            None | Some(Data::Null) => Ok(None),
            Some(d @ Data::Struct(_)) => Ok(Some(d.clone())),
            Some(other) => Err(format!(
                "{what} must be an object, not {}",
                other.kind_name()
            )),
        }
    };
    let list = |d: Option<&Data>, what: &str| -> Result<Vec<Data>, String> {
        match d {
            None | Some(Data::Null) => Ok(Vec::new()),
            Some(Data::List(items)) => Ok(items.clone()),
            Some(other) => Err(format!("{what} must be a list, not {}", other.kind_name())),
        }
    };
    strict(props, &["components", "selector"], "properties").map_err(fail)?;
    let mut components = Vec::new();
    for (i, c) in list(props.get("components"), "components")
        .map_err(fail)?
        .iter()
        .enumerate()
    {
        let what = format!("components[{i}]");
        strict(
            c,
            &["name", "type", "properties", "traits", "externalRevision"],
            &what,
        )
        .map_err(fail)?;
        let mut traits = Vec::new();
        for (j, t) in list(c.get("traits"), &format!("{what}.traits"))
            .map_err(fail)?
            .iter()
            .enumerate()
        {
            let twhat = format!("{what}.traits[{j}]");
            strict(t, &["type", "properties", "disable"], &twhat).map_err(fail)?;
            let disable = match t.get("disable") {
                None | Some(Data::Null) => false,
                Some(Data::Bool(b)) => *b,
                Some(other) => {
                    return Err(fail(format!(
                        "{twhat}.disable must be a bool, not {}",
                        other.kind_name()
                    )));
                }
            };
            traits.push(TraitPatch {
                type_name: string(t.get("type"), &format!("{twhat}.type")).map_err(fail)?,
                properties: object(t.get("properties"), &format!("{twhat}.properties"))
                    .map_err(fail)?,
                disable,
            });
        }
        components.push(ComponentPatch {
            name: string(c.get("name"), &format!("{what}.name")).map_err(fail)?,
            type_name: string(c.get("type"), &format!("{what}.type")).map_err(fail)?,
            properties: object(c.get("properties"), &format!("{what}.properties")).map_err(fail)?,
            traits,
            at: policy.at,
        });
    }
    let selector = match props.get("selector") {
        None | Some(Data::Null) => None,
        Some(d) => Some(
            list(Some(d), "selector")
                .map_err(fail)?
                .iter()
                .map(|s| match s {
                    Data::Str(s) => Ok(s.to_string()),
                    other => Err(fail(format!(
                        "selector entries must be strings, not {}",
                        other.kind_name()
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(OverrideSpec {
        components,
        selector,
    })
}

/// `mergo.Merge(&base, patch, mergo.WithOverride)` on JSON objects, as KubeVela merges
/// properties: objects merge key by key (recursively); any other value in the patch
/// (lists, scalars, `null`) replaces the base's — except that an object in the patch does
/// not replace a non-empty non-object value in the base (mergo leaves it).
pub fn merge_properties(base: &Data, patch: &Data) -> Data {
    let (Data::Struct(base_fields), Data::Struct(patch_fields)) = (base, patch) else {
        return base.clone();
    };
    let mut out = base_fields.clone();
    for (k, pv) in patch_fields {
        match out.iter_mut().find(|(bk, _)| bk == k) {
            None => out.push((k.clone(), pv.clone())),
            Some((_, bv)) => {
                *bv = match (&*bv, pv) {
                    (Data::Struct(_), Data::Struct(_)) => merge_properties(bv, pv),
                    (b, Data::Struct(_)) if !is_go_empty(b) => b.clone(),
                    _ => pv.clone(),
                };
            }
        }
    }
    Data::Struct(out)
}

/// Go's "empty value" for a JSON value (mergo's `isEmptyValue`).
fn is_go_empty(d: &Data) -> bool {
    match d {
        Data::Null => true,
        Data::Bool(b) => !b,
        Data::Num(n) => n.is_zero(),
        Data::Str(s) => s.is_empty(),
        Data::Bytes(b) => b.is_empty(),
        Data::List(items) => items.is_empty(),
        Data::Struct(fields) => fields.is_empty(),
    }
}

/// `MergeComponent`: properties merged; traits merged by type (`disable: true` removes
/// one), new traits appended.
fn merge_component(base: &Component, patch: &ComponentPatch) -> Component {
    let mut out = base.clone();
    out.properties = Some(merge_properties(
        base.properties
            .as_ref()
            .unwrap_or(&Data::Struct(Vec::new())),
        patch
            .properties
            .as_ref()
            .unwrap_or(&Data::Struct(Vec::new())),
    ));
    // Traits by type (a later trait of the same type wins), in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut by_type: Vec<(String, Option<AppTrait>)> = Vec::new();
    let set =
        |t: &str, v: Option<AppTrait>, by_type: &mut Vec<(String, Option<AppTrait>)>| match by_type
            .iter_mut()
            .find(|(k, _)| k == t)
        {
            Some((_, slot)) => *slot = v,
            None => by_type.push((t.to_owned(), v)),
        };
    for t in &base.traits {
        set(&t.type_name, Some(t.clone()), &mut by_type);
        order.push(t.type_name.clone());
    }
    for t in &patch.traits {
        let existing = by_type
            .iter()
            .find(|(k, v)| *k == t.type_name && v.is_some())
            .and_then(|(_, v)| v.clone());
        match existing {
            Some(mut bt) => {
                if t.disable {
                    set(&t.type_name, None, &mut by_type);
                    continue;
                }
                bt.properties = Some(merge_properties(
                    bt.properties.as_ref().unwrap_or(&Data::Struct(Vec::new())),
                    t.properties.as_ref().unwrap_or(&Data::Struct(Vec::new())),
                ));
                set(&t.type_name, Some(bt), &mut by_type);
            }
            None => {
                if t.disable {
                    continue;
                }
                set(
                    &t.type_name,
                    Some(AppTrait {
                        type_name: t.type_name.clone(),
                        properties: t.properties.clone(),
                        at: patch.at,
                        type_at: patch.at,
                        property_at: Vec::new(),
                        path: Vec::new(),
                    }),
                    &mut by_type,
                );
                order.push(t.type_name.clone());
            }
        }
    }
    out.traits = order
        .iter()
        .filter_map(|t| {
            by_type
                .iter()
                .find(|(k, _)| k == t)
                .and_then(|(_, v)| v.clone())
        })
        .collect();
    out
}

/// `ToApplicationComponent`: a component made from a patch entry.
fn component_from_patch(patch: &ComponentPatch) -> Component {
    Component {
        name: patch.name.clone(),
        type_name: patch.type_name.clone(),
        properties: patch.properties.clone(),
        traits: patch
            .traits
            .iter()
            .filter(|t| !t.disable)
            .map(|t| AppTrait {
                type_name: t.type_name.clone(),
                properties: t.properties.clone(),
                at: patch.at,
                type_at: patch.at,
                property_at: Vec::new(),
                path: Vec::new(),
            })
            .collect(),
        extra: Vec::new(),
        at: patch.at,
        type_at: patch.at,
        property_at: Vec::new(),
        path: Vec::new(),
    }
}

/// `PatchComponents`: applies an override policy's component patches and selector.
fn patch_components(base: &[Component], spec: &OverrideSpec) -> Result<Vec<Component>, String> {
    // (name, component) in order; a name may repeat, as it can in KubeVela.
    let mut order: Vec<String> = base.iter().map(|c| c.name.clone()).collect();
    let mut comps: Vec<(String, Component)> = Vec::new();
    for c in base {
        match comps.iter_mut().find(|(n, _)| *n == c.name) {
            Some((_, slot)) => *slot = c.clone(),
            None => comps.push((c.name.clone(), c.clone())),
        }
    }
    let contains_lower_letter = |s: &str| s.bytes().any(|b| b.is_ascii_lowercase());
    for patch in &spec.components {
        if patch.name.is_empty() {
            for (_, c) in comps.iter_mut() {
                if patch.type_name.is_empty() || patch.type_name == c.type_name {
                    *c = merge_component(c, patch);
                }
            }
            continue;
        }
        // `[a-z]([a-z-]{0,61}[a-z])?` matched anywhere in the name.
        let mut add = contains_lower_letter(&patch.name);
        // The name is a pattern (`*` for any text), matched anywhere in a component name.
        let pattern = patch.name.replace('*', ".*");
        if let Ok(re) = regex::RegexBuilder::new(&pattern)
            .size_limit(1 << 20)
            .build()
        {
            for (name, c) in comps.iter_mut() {
                if re.is_match(name) {
                    add = false;
                    if c.type_name != patch.type_name && !patch.type_name.is_empty() {
                        *c = component_from_patch(patch);
                    } else {
                        *c = merge_component(c, patch);
                    }
                }
            }
        }
        if add {
            comps.push((patch.name.clone(), component_from_patch(patch)));
            order.push(patch.name.clone());
        }
    }
    if let Some(selector) = &spec.selector {
        order.retain(|n| selector.contains(n));
    }
    Ok(order
        .iter()
        .filter_map(|n| comps.iter().find(|(k, _)| k == n).map(|(_, c)| c.clone()))
        .collect())
}

// ---------------------------------------------------------------------------------------
// The dry run
// ---------------------------------------------------------------------------------------

/// Options of a dry run (`vela dry-run` flags).
#[derive(Clone, Debug, Default)]
pub struct DryRunOptions {
    /// `-n`: overrides the Application's namespace.
    pub namespace: Option<String>,
    /// `--merge`: use standalone policy and workflow files even when the Application does
    /// not reference them.
    pub merge: bool,
}

/// The rendered objects of one component.
#[derive(Clone, Debug)]
pub struct ComponentManifest {
    pub name: String,
    pub workload: Data,
    /// Auxiliary objects in order, with their `trait.oam.dev/type` (`AuxiliaryWorkload`
    /// for the component's own `outputs`).
    pub resources: Vec<(String, Data)>,
}

/// One rendering of the Application: for each deploy step with topology policies, one per
/// topology; otherwise one.
#[derive(Clone, Debug)]
pub struct Section {
    /// What `vela dry-run` prints as the Application in its headers: `app`,
    /// `app with topology t`, `app only with override policies`.
    pub title: String,
    pub components: Vec<ComponentManifest>,
    pub policies: Vec<Data>,
}

#[derive(Clone, Debug)]
pub struct DryRun {
    pub sections: Vec<Section>,
    pub warnings: Vec<Problem>,
}

const BUILTIN_POLICY_TYPES: &[&str] = &[
    "garbage-collect",
    "apply-once",
    "shared-resource",
    "take-over",
    "read-only",
    "resource-update",
    "env-binding",
    "topology",
    "replication",
    "debug",
    "override",
];

const BUILTIN_STEP_TYPES: &[&str] = &[
    "suspend",
    "apply-component",
    "builtin-apply-component",
    "step-group",
    // `vela dry-run --offline` adds a `deploy` WorkflowStepDefinition of its own.
    "deploy",
];

/// `DeployWorkflowStepSpec`, read strictly.
struct DeploySpec {
    policies: Vec<String>,
}

fn parse_deploy_spec(step: &Step) -> Result<DeploySpec, Problem> {
    let fail =
        |m: String| Problem::new(step.at, format!("invalid WorkflowStep {}: {m}", step.name));
    let Some(props) = &step.properties else {
        // StrictUnmarshal of no properties fails in `vela dry-run` ("EOF").
        return Err(fail(
            "a deploy step needs properties (at least `properties: {}`) for vela dry-run".into(),
        ));
    };
    let Data::Struct(fields) = props else {
        return Err(fail("properties must be an object".into()));
    };
    let allowed = [
        "auto",
        "policies",
        "parallelism",
        "ignoreTerraformComponent",
    ];
    let mut policies = Vec::new();
    for (k, v) in fields {
        match (&**k, v) {
            ("policies", Data::List(items)) => {
                for item in items {
                    match item {
                        Data::Str(s) => policies.push(s.to_string()),
                        other => {
                            return Err(fail(format!(
                                "policies must be strings, not {}",
                                other.kind_name()
                            )));
                        }
                    }
                }
            }
            ("policies", Data::Null) => {}
            ("policies", other) => {
                return Err(fail(format!(
                    "policies must be a list, not {}",
                    other.kind_name()
                )));
            }
            ("auto" | "ignoreTerraformComponent", Data::Bool(_) | Data::Null) => {}
            ("parallelism", Data::Num(n)) if n.is_integral() => {}
            ("parallelism", Data::Null) => {}
            ("auto" | "ignoreTerraformComponent" | "parallelism", other) => {
                return Err(fail(format!(
                    "json: cannot unmarshal {} into field {k}",
                    other.kind_name()
                )));
            }
            _ => {
                let hint = did_you_mean(k, &allowed)
                    .map(|s| format!(" (did you mean {s:?}?)"))
                    .unwrap_or_default();
                return Err(fail(format!("json: unknown field {k:?}{hint}")));
            }
        }
    }
    Ok(DeploySpec { policies })
}

/// Everything a render of the Application needs besides its components.
struct Env<'a> {
    registry: &'a Registry,
    app: &'a Application,
    namespace: String,
    /// Output-based policies to render (their definitions exist).
    rendered_policies: Vec<AppPolicy>,
}

/// Renders an Application as `vela dry-run` does.
pub fn dry_run(
    files: &AppFiles,
    registry: &Registry,
    options: &DryRunOptions,
) -> Result<DryRun, Vec<Problem>> {
    let mut warnings = Vec::new();
    let mut app = files.app.clone();
    // Standalone files (`readApplicationFromFiles`).
    let mut external_workflow: Option<&StandaloneWorkflow> = None;
    if let Some(wf) = &files.workflow {
        let referenced =
            app.workflow.as_ref().and_then(|w| w.reference.as_deref()) == Some(wf.name.as_str());
        if options.merge {
            app.workflow = Some(Workflow {
                reference: None,
                steps: Some(wf.steps.clone()),
                at: wf.at,
            });
        } else if referenced {
            // `vela dry-run` (online) reads the referenced Workflow from the cluster.
            external_workflow = Some(wf);
        } else {
            warnings.push(Problem::new(
                wf.at,
                format!("workflow {} not referenced by application", wf.name),
            ));
        }
    }
    // `--merge`: standalone policies join the Application's (before any deploy step is
    // generated from them).
    if options.merge {
        for p in &files.policies {
            app.policies.push(p.clone());
        }
    }
    // Policy names, as `GenerateAppFileFromApp` fills them.
    for (i, p) in app.policies.iter_mut().enumerate() {
        if p.name.is_empty() {
            p.name = format!("{}-auto-gen-{i}", p.type_name);
        }
    }
    let namespace = options
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| app.namespace.clone())
        .unwrap_or_else(|| "default".to_owned());

    let mut problems = Vec::new();
    check_components(&app.components, registry, &mut problems);
    let steps = workflow_steps(&app, external_workflow, &mut problems);
    for step in steps
        .iter()
        .flat_map(|s| std::iter::once(s).chain(&s.sub_steps))
    {
        if !BUILTIN_STEP_TYPES.contains(&step.type_name.as_str())
            && registry
                .get(DefinitionKind::WorkflowStep, &step.type_name)
                .is_none()
        {
            warnings.push(Problem::new(
                step.at,
                format!(
                    "workflow step {:?}: {}; dry-run only runs deploy steps, so it is ignored",
                    step.name,
                    registry.not_found(DefinitionKind::WorkflowStep, &step.type_name, "type")
                ),
            ));
        }
    }
    // Policies referenced by deploy steps but not in the Application (external policies,
    // read from the cluster by KubeVela; here from the -f files).
    let mut deploy_specs = Vec::new();
    for step in &steps {
        if step.type_name != "deploy" {
            continue;
        }
        match parse_deploy_spec(step) {
            Ok(spec) => deploy_specs.push((step, spec)),
            Err(p) => problems.push(p),
        }
    }
    for (_, spec) in &deploy_specs {
        for name in &spec.policies {
            if app.policies.iter().any(|p| &p.name == name) {
                continue;
            }
            if let Some(p) = files.policies.iter().find(|p| &p.name == name) {
                app.policies.push(p.clone());
            }
        }
    }
    for p in &files.policies {
        if !options.merge && !app.policies.iter().any(|q| q.name == p.name) {
            warnings.push(Problem::new(
                p.at,
                format!("policy {} not referenced by application", p.name),
            ));
        }
    }
    for (step, spec) in &deploy_specs {
        for name in &spec.policies {
            if !app.policies.iter().any(|p| &p.name == name) {
                problems.push(Problem::new(
                    step.at,
                    format!(
                        "workflow step {:?}: external policy {name} not found (give it in the Application's policies or as a Policy file with -f)",
                        step.name
                    ),
                ));
            }
        }
    }
    let rendered_policies = check_policies(&app, registry, &mut problems, &mut warnings);
    if !problems.is_empty() {
        return Err(problems);
    }
    let env = Env {
        registry,
        app: &app,
        namespace,
        rendered_policies,
    };
    let mut sections = Vec::new();
    for (step, spec) in &deploy_specs {
        let mut topologies = Vec::new();
        let mut overrides = Vec::new();
        for name in &spec.policies {
            let Some(p) = app.policies.iter().find(|p| &p.name == name) else {
                return Err(vec![Problem::new(
                    step.at,
                    format!("policy {name} not found"),
                )]);
            };
            match p.type_name.as_str() {
                "topology" => topologies.push(p),
                "override" => overrides.push(p),
                _ => {}
            }
        }
        let mut components = app.components.clone();
        for p in &overrides {
            let spec = parse_override(p).map_err(|m| vec![Problem::new(p.at, m)])?;
            components = patch_components(&components, &spec).map_err(|m| {
                vec![Problem::new(
                    p.at,
                    format!("failed to apply override policy {}: {m}", p.name),
                )]
            })?;
        }
        let mut problems = Vec::new();
        check_components(&components, registry, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        if topologies.is_empty() {
            sections.push(render_section(
                &env,
                &components,
                format!("{} only with override policies", app.name),
                &mut warnings,
            )?);
        } else {
            for t in &topologies {
                sections.push(render_section(
                    &env,
                    &components,
                    format!("{} with topology {}", app.name, t.name),
                    &mut warnings,
                )?);
            }
        }
    }
    if deploy_specs.is_empty() {
        sections.push(render_section(
            &env,
            &app.components,
            app.name.clone(),
            &mut warnings,
        )?);
    }
    Ok(DryRun { sections, warnings })
}

/// Component and trait types exist and are of the right kind (`parseComponents`).
fn check_components(components: &[Component], registry: &Registry, problems: &mut Vec<Problem>) {
    for c in components {
        let what = format!("component {:?}", c.name);
        let mut check_type = |kind, type_name: &str, at, noun: &str, crd: &str| match registry
            .get(kind, type_name)
        {
            None => problems.push(Problem::new(
                at,
                format!("{what}: {}", registry.not_found(kind, type_name, noun)),
            )),
            Some(d) => {
                if let Some(s) = &d.unsupported {
                    problems.push(Problem::new(
                        at,
                        format!(
                            "{what}: the {crd} {:?} has {s} schematic; xdef renders CUE templates only",
                            d.name
                        ),
                    ));
                }
            }
        };
        check_type(
            DefinitionKind::Component,
            &c.type_name,
            c.type_at,
            "type",
            "ComponentDefinition",
        );
        for t in &c.traits {
            check_type(
                DefinitionKind::Trait,
                &t.type_name,
                t.type_at,
                "trait type",
                "TraitDefinition",
            );
        }
    }
}

/// The workflow's steps (`loadWorkflowToAppfile`): the given steps, the referenced
/// Workflow's, or the deploy steps KubeVela generates from topology/override policies.
fn workflow_steps(
    app: &Application,
    external: Option<&StandaloneWorkflow>,
    problems: &mut Vec<Problem>,
) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(wf) = &app.workflow {
        match (&wf.reference, &wf.steps) {
            (Some(_), Some(_)) => problems.push(Problem::new(
                wf.at,
                "cannot set steps and ref in workflow at the same time",
            )),
            (Some(r), None) => match external {
                Some(w) if &w.name == r => steps = w.steps.clone(),
                _ => problems.push(Problem::new(
                    wf.at,
                    format!(
                        "workflow {r} not found (KubeVela reads it from the cluster; give the Workflow file with -f)"
                    ),
                )),
            },
            (None, Some(s)) => steps = s.clone(),
            (None, None) => {}
        }
    }
    if !steps.is_empty() {
        return steps;
    }
    // DeployWorkflowStepGenerator.
    let topologies: Vec<&AppPolicy> = app
        .policies
        .iter()
        .filter(|p| p.type_name == "topology")
        .collect();
    let overrides: Vec<String> = app
        .policies
        .iter()
        .filter(|p| p.type_name == "override")
        .map(|p| p.name.clone())
        .collect();
    let deploy = |name: String, policies: Vec<String>, at: Option<Position>| Step {
        name,
        type_name: "deploy".into(),
        properties: Some(Data::Struct(vec![(
            "policies".into(),
            Data::List(policies.iter().map(|p| Data::str(p)).collect()),
        )])),
        sub_steps: Vec::new(),
        at,
        path: Vec::new(),
    };
    for t in &topologies {
        let mut policies = overrides.clone();
        policies.push(t.name.clone());
        steps.push(deploy(format!("deploy-{}", t.name), policies, t.at));
    }
    let has_ref_objects = app.components.iter().any(|c| c.type_name == "ref-objects");
    if topologies.is_empty() && (has_ref_objects || !overrides.is_empty()) {
        steps.push(deploy("deploy".into(), overrides, app.at));
    }
    steps
}

/// `parsePolicies`: built-in policy types are skipped (override policies' definitions
/// must exist); other types need a PolicyDefinition, and are rendered unless
/// Application-scoped.
fn check_policies(
    app: &Application,
    registry: &Registry,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<AppPolicy> {
    let mut rendered = Vec::new();
    for p in &app.policies {
        let def = registry.get(DefinitionKind::Policy, &p.type_name);
        let scope = def
            .and_then(|d| d.attribute("scope"))
            .and_then(Data::as_str)
            .unwrap_or("");
        if !scope.is_empty() {
            warnings.push(Problem::new(
                p.at,
                format!(
                    "policy {:?}: the PolicyDefinition {:?} has scope {scope:?}; vela dry-run does not apply Application-scoped policies",
                    p.name, p.type_name
                ),
            ));
            continue;
        }
        if p.properties.is_none() && p.type_name != "debug" {
            problems.push(Problem::new(
                p.at,
                format!(
                    "policy {} named {} must not have empty properties",
                    p.type_name, p.name
                ),
            ));
            continue;
        }
        if p.type_name == "override" {
            match parse_override(p) {
                Ok(spec) => check_override_types(p, &spec, registry, problems),
                Err(m) => problems.push(Problem::new(p.at, m)),
            }
            continue;
        }
        if BUILTIN_POLICY_TYPES.contains(&p.type_name.as_str()) {
            continue;
        }
        match def {
            None => problems.push(Problem::new(
                p.at,
                format!(
                    "policy {:?}: {}",
                    p.name,
                    registry.not_found(DefinitionKind::Policy, &p.type_name, "type")
                ),
            )),
            Some(d) if d.unsupported.is_some() => problems.push(Problem::new(
                p.at,
                format!(
                    "policy {:?}: the PolicyDefinition {:?} has no CUE template",
                    p.name, d.name
                ),
            )),
            Some(_) => rendered.push(p.clone()),
        }
    }
    rendered
}

/// The component and trait types an override policy names exist.
fn check_override_types(
    p: &AppPolicy,
    spec: &OverrideSpec,
    registry: &Registry,
    problems: &mut Vec<Problem>,
) {
    for c in &spec.components {
        if !c.type_name.is_empty()
            && registry
                .get(DefinitionKind::Component, &c.type_name)
                .is_none()
        {
            problems.push(Problem::new(
                p.at,
                format!(
                    "override policy {:?}: {}",
                    p.name,
                    registry.not_found(DefinitionKind::Component, &c.type_name, "component type")
                ),
            ));
        }
        for t in &c.traits {
            if !t.type_name.is_empty()
                && registry.get(DefinitionKind::Trait, &t.type_name).is_none()
            {
                problems.push(Problem::new(
                    p.at,
                    format!(
                        "override policy {:?}: {}",
                        p.name,
                        registry.not_found(DefinitionKind::Trait, &t.type_name, "trait type")
                    ),
                ));
            }
        }
    }
}

/// The context fields KubeVela sets for an Application render (dry run: no revision).
fn app_context(app: &Application, components: &[Component]) -> Data {
    let map = |entries: &[(String, String)]| {
        Data::Struct(
            entries
                .iter()
                .map(|(k, v)| (Rc::from(k.as_str()), Data::str(v)))
                .collect(),
        )
    };
    let annotation = |k: &str| {
        app.annotations
            .iter()
            .find(|(a, _)| a == k)
            .map_or("", |(_, v)| v.as_str())
    };
    Data::Struct(vec![
        ("appRevision".into(), Data::str("")),
        ("revision".into(), Data::str("")),
        (
            "appRevisionNum".into(),
            Data::Num(xdef_cue::number::Num::int(0)),
        ),
        (
            "components".into(),
            Data::List(components.iter().map(Component::to_data).collect()),
        ),
        ("appLabels".into(), map(&app.labels)),
        ("appAnnotations".into(), map(&app.annotations)),
        (
            "workflowName".into(),
            Data::str(annotation("app.oam.dev/workflowName")),
        ),
        (
            "publishVersion".into(),
            Data::str(annotation("app.oam.dev/publishVersion")),
        ),
        ("replicaKey".into(), Data::str("")),
        ("cluster".into(), Data::str("")),
    ])
}

fn render_problem(at: Option<Position>, what: &str, def: &Definition, e: &RenderError) -> Problem {
    let mut notes: Vec<(Option<Position>, String)> = Vec::new();
    for d in &e.diagnostics {
        let note = (Some(def.position(d.range.start)), d.message.clone());
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    Problem {
        at,
        message: format!("{what}: {}", e.message),
        notes,
    }
}

/// A render error with the warnings that may explain it as notes.
fn with_hints(mut problem: Problem, hints: Vec<Problem>) -> Problem {
    for h in hints {
        problem.notes.push((h.at, format!("hint: {}", h.message)));
    }
    problem
}

fn render_section(
    env: &Env<'_>,
    components: &[Component],
    title: String,
    warnings: &mut Vec<Problem>,
) -> Result<Section, Vec<Problem>> {
    let ctx = app_context(env.app, components);
    let mut manifests = Vec::new();
    for c in components {
        manifests.push(render_one(env, c, &ctx, warnings).map_err(|p| vec![p])?);
    }
    let mut policies = Vec::new();
    for p in &env.rendered_policies {
        policies.extend(render_policy(env, p, &ctx, &manifests).map_err(|p| vec![p])?);
    }
    Ok(Section {
        title,
        components: manifests,
        policies,
    })
}

fn registry_def<'r>(
    registry: &'r Registry,
    kind: DefinitionKind,
    name: &str,
    at: Option<Position>,
) -> Result<&'r Definition, Problem> {
    registry
        .get(kind, name)
        .ok_or_else(|| Problem::new(at, registry.not_found(kind, name, kind.type_name())))
}

/// Renders one component with its traits, then adds what `SetOAMContract` adds.
fn render_one(
    env: &Env<'_>,
    c: &Component,
    ctx: &Data,
    warnings: &mut Vec<Problem>,
) -> Result<ComponentManifest, Problem> {
    let what = format!("component {:?}", c.name);
    let def = registry_def(
        env.registry,
        DefinitionKind::Component,
        &c.type_name,
        c.type_at,
    )?;
    let input = RenderInput {
        parameter: c.properties.clone().unwrap_or(Data::Struct(Vec::new())),
        name: c.name.clone(),
        app_name: env.app.name.clone(),
        namespace: env.namespace.clone(),
        context: Some(ctx.clone()),
        ..RenderInput::default()
    };
    let mut undeclared = Vec::new();
    check_undeclared(
        &what,
        c.properties.as_ref(),
        &c.property_at,
        c.at,
        def,
        &mut undeclared,
    );
    let mut workload: Workload = match render_component(&def.parse, &def.def, &input) {
        Ok(w) => w,
        Err(e) => return Err(with_hints(render_problem(c.at, &what, def, &e), undeclared)),
    };
    warnings.extend(undeclared);
    if workload.output.is_none() {
        return Err(Problem::new(
            c.at,
            format!(
                "{what}: the ComponentDefinition {:?} has no `output` to render",
                def.name
            ),
        ));
    }
    for t in &c.traits {
        let tdef = registry_def(env.registry, DefinitionKind::Trait, &t.type_name, t.type_at)?;
        let output_kind = workload
            .output
            .as_ref()
            .and_then(|o| Some((string_at(o, &["apiVersion"])?, string_at(o, &["kind"])?)));
        check_applies_to(c, def, t, tdef, output_kind, warnings);
        let mut undeclared = Vec::new();
        check_undeclared(
            &format!("{what} trait {:?}", t.type_name),
            t.properties.as_ref(),
            &t.property_at,
            t.at,
            tdef,
            &mut undeclared,
        );
        let tinput = RenderInput {
            parameter: t.properties.clone().unwrap_or(Data::Struct(Vec::new())),
            ..input.clone()
        };
        let report = apply_trait(
            &tdef.parse,
            &tdef.def,
            &tinput,
            &t.type_name,
            &c.type_name,
            &mut workload,
        )
        .map_err(|e| {
            with_hints(
                render_problem(t.at, &format!("{what} trait {:?}", t.type_name), tdef, &e),
                std::mem::take(&mut undeclared),
            )
        })?;
        warnings.append(&mut undeclared);
        for w in report.warnings {
            warnings.push(Problem::new(
                t.at,
                format!("{what} trait {:?}: {w}", t.type_name),
            ));
        }
    }
    let mut out = workload.output.take().unwrap_or(Data::Struct(Vec::new()));
    if !matches!(out, Data::Struct(_)) {
        return Err(Problem::new(
            c.at,
            format!(
                "{what}: the rendered output is {}, not an object",
                out.kind_name()
            ),
        ));
    }
    for key in ["apiVersion", "kind"] {
        if !matches!(data_at(&out, &[Seg::Key(key)]), Some(Data::Str(s)) if !s.is_empty()) {
            return Err(Problem::new(
                c.at,
                format!("{what}: the rendered output has no `{key}`"),
            ));
        }
    }
    // makeWorkloadWithContext
    let context_labels = |extra: Vec<(&str, String)>| -> Vec<(String, String)> {
        let mut l = vec![
            ("app.oam.dev/name".to_owned(), env.app.name.clone()),
            ("app.oam.dev/component".to_owned(), c.name.clone()),
            ("app.oam.dev/appRevision".to_owned(), String::new()),
        ];
        l.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
        l
    };
    add_labels(
        &mut out,
        &context_labels(vec![("workload.oam.dev/type", c.type_name.clone())]),
    );
    let mut resources = Vec::new();
    for (name, owner, obj) in workload.outputs {
        let mut obj = obj;
        if !matches!(obj, Data::Struct(_)) {
            return Err(Problem::new(
                c.at,
                format!(
                    "{what}: outputs.{name} is {}, not an object",
                    obj.kind_name()
                ),
            ));
        }
        let type_label = owner.unwrap_or_else(|| "AuxiliaryWorkload".to_owned());
        add_labels(
            &mut obj,
            &context_labels(vec![
                ("trait.oam.dev/type", type_label.clone()),
                ("trait.oam.dev/resource", name.to_string()),
            ]),
        );
        resources.push((type_label, obj));
    }
    // SetOAMContract
    let common = common_labels(env, &c.name);
    if string_at(&out, &["metadata", "name"]).is_none_or(str::is_empty) {
        set_at(&mut out, &["metadata", "name"], Data::str(&c.name));
    }
    set_namespace(&mut out, &env.namespace);
    add_labels(
        &mut out,
        &[("app.oam.dev/resourceType".to_owned(), "WORKLOAD".to_owned())],
    );
    add_labels(&mut out, &common);
    filter_annotations(env, &mut out);
    let workload_ref = Data::Struct(vec![
        (
            "apiVersion".into(),
            Data::str(string_at(&out, &["apiVersion"]).unwrap_or_default()),
        ),
        (
            "kind".into(),
            Data::str(string_at(&out, &["kind"]).unwrap_or_default()),
        ),
        (
            "name".into(),
            Data::str(string_at(&out, &["metadata", "name"]).unwrap_or_default()),
        ),
    ]);
    for (type_label, obj) in resources.iter_mut() {
        if string_at(obj, &["metadata", "name"]).is_none_or(str::is_empty) {
            let name = trait_name(&c.name, obj, type_label);
            set_at(obj, &["metadata", "name"], Data::str(&name));
        }
        add_labels(
            obj,
            &[("app.oam.dev/resourceType".to_owned(), "TRAIT".to_owned())],
        );
        add_labels(obj, &common);
        filter_annotations(env, obj);
        set_namespace(obj, &env.namespace);
        if type_label != "AuxiliaryWorkload"
            && let Some(path) = env
                .registry
                .get(DefinitionKind::Trait, type_label)
                .and_then(|d| d.attribute("workloadRefPath"))
                .and_then(Data::as_str)
                .filter(|p| !p.is_empty())
        {
            let path: Vec<&str> = path.split('.').collect();
            set_at(obj, &path, workload_ref.clone());
        }
    }
    Ok(ComponentManifest {
        name: c.name.clone(),
        workload: out,
        resources,
    })
}

/// The top-level fields of a template's `parameter`, when the template declares them all
/// plainly (`parameter: {a: ..., b?: ...}`); `None` when it may accept others (patterns,
/// `...`, references, comprehensions).
fn declared_parameters(def: &Definition) -> Option<Vec<String>> {
    use xdef_syntax::ast::{Decl, Expr, FieldValue, LabelName};
    let label = |f: xdef_syntax::ast::Field<'_>| -> Option<String> {
        match f.label()?.name()? {
            LabelName::Ident(i) => Some(i.name().to_owned()),
            LabelName::String(s) => {
                let (d, _) = xdef_syntax::literal::decode_string(s);
                d.constant()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            }
            _ => None,
        }
    };
    let root = def.parse.root();
    let decls: Vec<Decl<'_>> = match def.origin {
        Origin::Crd { .. } => root.decls().collect(),
        Origin::Cue => {
            let template = root.decls().find_map(|d| match d {
                Decl::Field(f) if label(f).as_deref() == Some("template") => Some(f),
                _ => None,
            })?;
            match template.value() {
                Some(FieldValue::Expr(Expr::Struct(s))) => s.decls().collect(),
                _ => return None,
            }
        }
    };
    let mut fields: Option<Vec<String>> = None;
    for decl in decls {
        match decl {
            Decl::Field(f) if label(f).as_deref() == Some("parameter") => {
                let out = fields.get_or_insert_with(Vec::new);
                match f.value() {
                    Some(FieldValue::Expr(Expr::Struct(s))) => {
                        for d in s.decls() {
                            match d {
                                Decl::Field(pf) => out.push(label(pf)?),
                                Decl::Let(_) | Decl::Attribute(_) => {}
                                _ => return None,
                            }
                        }
                    }
                    Some(FieldValue::Field(inner)) => out.push(label(inner)?),
                    _ => return None,
                }
            }
            Decl::Embedding(_) | Decl::Comprehension(_) => return None,
            _ => {}
        }
    }
    fields
}

/// Properties the definition does not declare: KubeVela ignores them (unless its
/// `ValidateUndeclaredParameters` gate is on), so a misspelt optional property does
/// nothing; a warning, with "did you mean".
fn check_undeclared(
    what: &str,
    properties: Option<&Data>,
    property_at: &[(Rc<str>, Position)],
    fallback: Option<Position>,
    def: &Definition,
    warnings: &mut Vec<Problem>,
) {
    let (Some(Data::Struct(props)), Some(declared)) = (properties, declared_parameters(def)) else {
        return;
    };
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    for (k, _) in props {
        if names.contains(&&**k) {
            continue;
        }
        let hint = did_you_mean(k, &names)
            .map(|s| format!(" (did you mean {s:?}?)"))
            .unwrap_or_default();
        let at = property_at
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, p)| *p)
            .or(fallback);
        warnings.push(Problem::new(
            at,
            format!(
                "{what}: property {k:?} is not a parameter of {} {:?}{hint}; KubeVela ignores it",
                def.kind.type_name(),
                def.name
            ),
        ));
    }
}

/// `appliesToWorkloads`: KubeVela does not enforce it when rendering, so a mismatch is a
/// warning.
fn check_applies_to(
    c: &Component,
    cdef: &Definition,
    t: &AppTrait,
    tdef: &Definition,
    output_kind: Option<(&str, &str)>,
    warnings: &mut Vec<Problem>,
) {
    let Some(Data::List(applies)) = tdef.attribute("appliesToWorkloads") else {
        return;
    };
    let applies: Vec<&str> = applies.iter().filter_map(Data::as_str).collect();
    if applies.is_empty() || applies.contains(&"*") {
        return;
    }
    let mut names = vec![c.type_name.clone()];
    if let Some(w) = cdef
        .attribute("workload")
        .and_then(|w| w.get("type"))
        .and_then(Data::as_str)
    {
        names.push(w.to_owned());
    }
    let mut api_kind = |api: &str, kind: &str| {
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let plural = plural(&kind.to_lowercase());
        names.push(if group.is_empty() {
            plural
        } else {
            format!("{plural}.{group}")
        });
    };
    if let Some(d) = cdef.attribute("workload").and_then(|w| w.get("definition"))
        && let (Some(api), Some(kind)) = (
            d.get("apiVersion").and_then(Data::as_str),
            d.get("kind").and_then(Data::as_str),
        )
    {
        api_kind(api, kind);
    }
    if let Some((api, kind)) = output_kind {
        api_kind(api, kind);
    }
    if applies.iter().any(|a| names.iter().any(|n| n == a)) {
        return;
    }
    let mut seen = Vec::new();
    names.retain(|n| {
        let new = !seen.contains(n);
        seen.push(n.clone());
        new
    });
    warnings.push(Problem::new(
        t.type_at,
        format!(
            "component {:?}: trait {:?} applies to {:?}, not to this component ({}); KubeVela renders it anyway",
            c.name,
            t.type_name,
            applies,
            names.join(", ")
        ),
    ));
}

fn plural(kind: &str) -> String {
    if kind.ends_with('s') || kind.ends_with('x') || kind.ends_with("ch") || kind.ends_with("sh") {
        format!("{kind}es")
    } else if let Some(stem) = kind.strip_suffix('y') {
        if stem.ends_with(['a', 'e', 'i', 'o', 'u']) {
            format!("{kind}s")
        } else {
            format!("{stem}ies")
        }
    } else {
        format!("{kind}s")
    }
}

/// Renders an output-based policy (`generatePolicyUnstructuredFromCUEModule`).
fn render_policy(
    env: &Env<'_>,
    p: &AppPolicy,
    ctx: &Data,
    manifests: &[ComponentManifest],
) -> Result<Vec<Data>, Problem> {
    let def = registry_def(env.registry, DefinitionKind::Policy, &p.type_name, p.at)?;
    // context.artifacts: {<component>: {workload: obj, traits: {<type>: {<resource>: obj}}}}
    let mut artifacts: Vec<(Rc<str>, Data)> = Vec::new();
    for m in manifests {
        let mut traits: Vec<(Rc<str>, Data)> = Vec::new();
        for (type_label, obj) in &m.resources {
            let resource = string_at(obj, &["metadata", "labels", "trait.oam.dev/resource"])
                .unwrap_or_default()
                .to_owned();
            let mut t = Data::Struct(traits);
            set_at(
                &mut t,
                &[type_label.as_str(), resource.as_str()],
                obj.clone(),
            );
            let Data::Struct(f) = t else { unreachable!() };
            traits = f;
        }
        let mut entry = vec![("workload".into(), m.workload.clone())];
        if !traits.is_empty() {
            entry.push(("traits".into(), Data::Struct(traits)));
        }
        artifacts.retain(|(k, _)| **k != *m.name);
        artifacts.push((m.name.as_str().into(), Data::Struct(entry)));
    }
    let mut context = ctx.clone();
    if let Data::Struct(fields) = &mut context {
        fields.push(("artifacts".into(), Data::Struct(artifacts)));
    }
    let input = RenderInput {
        parameter: p.properties.clone().unwrap_or(Data::Struct(Vec::new())),
        name: p.name.clone(),
        app_name: env.app.name.clone(),
        namespace: env.namespace.clone(),
        context: Some(context),
        ..RenderInput::default()
    };
    let what = format!("policy {:?}", p.name);
    let workload = render_component(&def.parse, &def.def, &input)
        .map_err(|e| render_problem(p.at, &what, def, &e))?;
    let Some(output) = workload.output else {
        return Err(Problem::new(
            p.at,
            format!(
                "{what}: the PolicyDefinition {:?} has no `output`",
                def.name
            ),
        ));
    };
    let labels = vec![
        ("app.oam.dev/name".to_owned(), env.app.name.clone()),
        ("app.oam.dev/component".to_owned(), p.name.clone()),
        ("app.oam.dev/appRevision".to_owned(), String::new()),
    ];
    let mut out = Vec::new();
    for mut obj in std::iter::once(output).chain(workload.outputs.into_iter().map(|(_, _, d)| d)) {
        if !matches!(obj, Data::Struct(_)) {
            return Err(Problem::new(
                p.at,
                format!("{what}: rendered {}, not an object", obj.kind_name()),
            ));
        }
        add_labels(&mut obj, &labels);
        if string_at(&obj, &["metadata", "name"]).is_none_or(str::is_empty) {
            set_at(&mut obj, &["metadata", "name"], Data::str(&p.name));
        }
        if string_at(&obj, &["metadata", "namespace"]).is_none_or(str::is_empty) {
            set_at(
                &mut obj,
                &["metadata", "namespace"],
                Data::str(&env.namespace),
            );
        }
        out.push(obj);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Checking Application files as they are edited
// ---------------------------------------------------------------------------------------

/// The definitions a KubeVela installation provides (`vela-templates/definitions/internal`),
/// by kind: Applications use them without their files being at hand.
pub const BUILTIN_DEFINITIONS: &[(DefinitionKind, &[&str])] = &[
    (
        DefinitionKind::Component,
        &[
            "cron-task",
            "daemon",
            "helmchart",
            "k8s-objects",
            "ref-objects",
            "statefulset",
            "task",
            "webservice",
            "worker",
        ],
    ),
    (
        DefinitionKind::Trait,
        &[
            "affinity",
            "annotations",
            "command",
            "container-image",
            "container-ports",
            "cpuscaler",
            "env",
            "expose",
            "gateway",
            "hostalias",
            "hpa",
            "init-container",
            "json-merge-patch",
            "json-patch",
            "k8s-update-strategy",
            "labels",
            "lifecycle",
            "nocalhost",
            "podsecuritycontext",
            "pure-ingress",
            "resource",
            "scaler",
            "securitycontext",
            "service-account",
            "service-binding",
            "sidecar",
            "startup-probe",
            "storage",
            "topologyspreadconstraints",
        ],
    ),
    (
        DefinitionKind::Policy,
        &[
            "apply-once",
            "garbage-collect",
            "override",
            "read-only",
            "replication",
            "resource-update",
            "shared-resource",
            "take-over",
            "topology",
        ],
    ),
    (
        DefinitionKind::WorkflowStep,
        &[
            "apply-component",
            "apply-deployment",
            "apply-object",
            "apply-terraform-config",
            "apply-terraform-provider",
            "build-push-image",
            "check-metrics",
            "clean-jobs",
            "collect-service-endpoints",
            "create-config",
            "delete-config",
            "depends-on-app",
            "deploy",
            "deploy-cloud-resource",
            "export-data",
            "export-service",
            "export2config",
            "export2secret",
            "generate-jdbc-connection",
            "list-config",
            "notification",
            "print-message-in-status",
            "read-config",
            "read-object",
            "request",
            "restart-workflow",
            "share-cloud-resource",
            "step-group",
            "suspend",
            "vela-cli",
            "webhook",
        ],
    ),
];

/// Whether KubeVela provides a definition of this kind and name itself.
pub fn is_builtin(kind: DefinitionKind, name: &str) -> bool {
    BUILTIN_DEFINITIONS
        .iter()
        .any(|(k, names)| *k == kind && names.contains(&name))
        || (kind == DefinitionKind::Policy && BUILTIN_POLICY_TYPES.contains(&name))
        || (kind == DefinitionKind::WorkflowStep && BUILTIN_STEP_TYPES.contains(&name))
}

/// Options of [`check_app_file`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FileCheckOptions {
    /// For each evaluation of a definition's `parameter`.
    pub budget: xdef_cue::Budget,
    /// Report types that are neither in the registry nor built into KubeVela (an editor
    /// turns this off when it knows no definitions at all).
    pub unknown_types: bool,
}

/// What [`check_app_file`] found.
#[derive(Clone, Debug, Default)]
pub struct FileCheck {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// The file is not valid YAML (the first error says where); nothing else was checked.
    pub invalid_yaml: bool,
}

/// Checks one file of Applications (and standalone `Policy`/`Workflow` objects) against
/// the definitions of a registry without rendering it, as an editor shows it: what
/// [`read_app_files`] rejects, types the registry (or KubeVela itself) does not have, with
/// the same messages as [`dry_run`]; traits that do not apply to their component
/// (`appliesToWorkloads`) and properties a definition does not declare, as warnings (as
/// the dry run gives them); and each `properties` checked against its definition's
/// `parameter` (conflicts, required parameters without a value) at the position of its
/// key or value. Other documents of the stream (other kinds or API groups) are skipped.
pub fn check_app_file(
    file: FileId,
    text: &str,
    registry: &Registry,
    options: &FileCheckOptions,
) -> FileCheck {
    let mut problems = Vec::new();
    let objects = read_objects(file, text, false, &mut problems);
    let mut checker = FileChecker {
        file,
        registry,
        options,
        out: FileCheck {
            invalid_yaml: objects.is_none(),
            errors: problems,
            warnings: Vec::new(),
        },
    };
    for (doc, object) in objects.iter().flatten() {
        match object {
            AppObject::Application(app) => {
                for c in &app.components {
                    checker.component(doc, app, c);
                }
                for p in &app.policies {
                    checker.policy(doc, Some(app), p);
                }
                if let Some(steps) = app.workflow.as_ref().and_then(|w| w.steps.as_ref()) {
                    checker.steps(doc, Some(app), steps);
                }
            }
            AppObject::Policy(p) => checker.policy(doc, None, p),
            AppObject::Workflow(w) => checker.steps(doc, None, &w.steps),
        }
    }
    checker.out
}

struct FileChecker<'a> {
    file: FileId,
    registry: &'a Registry,
    options: &'a FileCheckOptions,
    out: FileCheck,
}

impl<'a> FileChecker<'a> {
    fn position(&self, at: LineCol) -> Option<Position> {
        Some(Position {
            file: self.file,
            at,
        })
    }

    /// The definition of a type; an error when it is unknown.
    fn definition(
        &mut self,
        kind: DefinitionKind,
        name: &str,
        at: Option<Position>,
        what: &str,
        word: &str,
    ) -> Option<&'a Definition> {
        if let Some(d) = self.registry.get(kind, name) {
            // A CRD with a `kube`/`helm` schematic has no parameter to check.
            return d.unsupported.is_none().then_some(d);
        }
        if self.options.unknown_types && !is_builtin(kind, name) {
            self.out.errors.push(Problem::new(
                at,
                format!("{what}: {}", self.registry.not_found(kind, name, word)),
            ));
        }
        None
    }

    /// Checks the `properties` of the object at `path` against its definition.
    #[allow(clippy::too_many_arguments)]
    fn properties(
        &mut self,
        doc: &LocatedDoc,
        path: &[Seg<'static>],
        what: &str,
        def: &Definition,
        properties: Option<&Data>,
        property_at: &[(Rc<str>, Position)],
        context_name: &str,
        app: Option<&Application>,
    ) -> crate::render::ParameterCheck {
        let props_path = join(path, &[Seg::Key("properties")]);
        // Properties that are not an object were reported while reading.
        if data_at(&doc.data, &props_path)
            .is_some_and(|d| !matches!(d, Data::Struct(_) | Data::Null))
        {
            return Default::default();
        }
        let at = self.position(doc.pos(path));
        check_undeclared(
            what,
            properties,
            property_at,
            at,
            def,
            &mut self.out.warnings,
        );
        let input = RenderInput {
            parameter: properties.cloned().unwrap_or(Data::Struct(Vec::new())),
            name: context_name.to_owned(),
            app_name: app.map_or_else(String::new, |a| a.name.clone()),
            namespace: app
                .and_then(|a| a.namespace.clone())
                .unwrap_or_else(|| "default".to_owned()),
            context: None,
            budget: self.options.budget,
        };
        let check = crate::render::check_parameter(&def.parse, &def.def, &input);
        for p in &check.problems {
            let mut full: Vec<Seg<'_>> = props_path.clone();
            for seg in &p.path {
                full.push(match seg {
                    crate::render::ParamSeg::Field(f) => Seg::Key(f),
                    crate::render::ParamSeg::Index(i) => Seg::Index(*i),
                });
            }
            let at = if !p.missing {
                doc.value_pos(&full)
            } else if doc.node(&props_path).is_none() {
                // No properties at all: at the type that requires them.
                doc.value_pos(&join(path, &[Seg::Key("type")]))
            } else {
                // At the given object the parameter is missing from.
                doc.pos(&full)
            };
            let message = if p.missing {
                let name: Vec<String> = p
                    .path
                    .iter()
                    .map(|s| match s {
                        crate::render::ParamSeg::Field(f) => f.clone(),
                        crate::render::ParamSeg::Index(i) => i.to_string(),
                    })
                    .collect();
                format!(
                    "{what}: missing required parameter {:?} ({})",
                    name.join("."),
                    p.message
                )
            } else {
                format!("{what}: {}", p.message)
            };
            let mut problem = Problem::new(self.position(at), message);
            if let Some(o) = p.declared_at {
                problem.notes.push((
                    Some(def.position(o)),
                    format!("declared by {} {:?}", def.kind.type_name(), def.name),
                ));
            }
            self.out.errors.push(problem);
        }
        check
    }

    fn component(&mut self, doc: &LocatedDoc, app: &Application, c: &Component) {
        let what = format!("component {:?}", c.name);
        let def = self.definition(
            DefinitionKind::Component,
            &c.type_name,
            c.type_at,
            &what,
            "type",
        );
        let mut output_kind = None;
        if let Some(def) = def {
            output_kind = self
                .properties(
                    doc,
                    &c.path,
                    &what,
                    def,
                    c.properties.as_ref(),
                    &c.property_at,
                    &c.name,
                    Some(app),
                )
                .output_kind;
        }
        for t in &c.traits {
            let Some(tdef) = self.definition(
                DefinitionKind::Trait,
                &t.type_name,
                t.type_at,
                &what,
                "trait type",
            ) else {
                continue;
            };
            // Without the workload's kind, nothing to compare `appliesToWorkloads` with.
            if let Some(cdef) = def
                && (output_kind.is_some() || cdef.attribute("workload").is_some())
            {
                let kind = output_kind.as_ref().map(|(a, k)| (a.as_str(), k.as_str()));
                check_applies_to(c, cdef, t, tdef, kind, &mut self.out.warnings);
            }
            let twhat = format!("{what} trait {:?}", t.type_name);
            self.properties(
                doc,
                &t.path,
                &twhat,
                tdef,
                t.properties.as_ref(),
                &t.property_at,
                &c.name,
                Some(app),
            );
        }
    }

    fn key_positions(
        &mut self,
        doc: &LocatedDoc,
        path: &[Seg<'static>],
    ) -> Vec<(Rc<str>, Position)> {
        let mut ignored = Vec::new();
        Reader {
            doc,
            file: self.file,
            problems: &mut ignored,
        }
        .key_positions(&join(path, &[Seg::Key("properties")]))
    }

    fn policy(&mut self, doc: &LocatedDoc, app: Option<&Application>, p: &AppPolicy) {
        let what = if p.name.is_empty() {
            format!("policy of type {:?}", p.type_name)
        } else {
            format!("policy {:?}", p.name)
        };
        let type_at = self.position(doc.value_pos(&join(&p.path, &[Seg::Key("type")])));
        if p.properties.is_none() && p.type_name != "debug" {
            self.out.errors.push(Problem::new(
                type_at,
                format!(
                    "policy {} named {} must not have empty properties",
                    p.type_name, p.name
                ),
            ));
            return;
        }
        if p.type_name == "override"
            && self
                .registry
                .get(DefinitionKind::Policy, "override")
                .is_none()
        {
            match parse_override(p) {
                Ok(spec) if self.options.unknown_types => {
                    check_override_types(p, &spec, self.registry, &mut self.out.errors)
                }
                Ok(_) => {}
                Err(m) => self.out.errors.push(Problem::new(p.at, m)),
            }
            return;
        }
        let Some(def) =
            self.definition(DefinitionKind::Policy, &p.type_name, type_at, &what, "type")
        else {
            return;
        };
        let property_at = self.key_positions(doc, &p.path);
        self.properties(
            doc,
            &p.path,
            &what,
            def,
            p.properties.as_ref(),
            &property_at,
            &p.name,
            app,
        );
    }

    fn steps(&mut self, doc: &LocatedDoc, app: Option<&Application>, steps: &[Step]) {
        for s in steps {
            let what = if s.name.is_empty() {
                "workflow step".to_owned()
            } else {
                format!("workflow step {:?}", s.name)
            };
            let type_at = self.position(doc.value_pos(&join(&s.path, &[Seg::Key("type")])));
            if let Some(def) = self.definition(
                DefinitionKind::WorkflowStep,
                &s.type_name,
                type_at,
                &what,
                "type",
            ) {
                let property_at = self.key_positions(doc, &s.path);
                self.properties(
                    doc,
                    &s.path,
                    &what,
                    def,
                    s.properties.as_ref(),
                    &property_at,
                    &s.name,
                    app,
                );
            }
            self.steps(doc, app, &s.sub_steps);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Labels, names, namespaces (`pkg/appfile/appfile.go`)
// ---------------------------------------------------------------------------------------

fn string_at<'d>(d: &'d Data, path: &[&str]) -> Option<&'d str> {
    let path: Vec<Seg<'_>> = path.iter().map(|k| Seg::Key(k)).collect();
    data_at(d, &path).and_then(Data::as_str)
}

/// Sets a nested field, creating objects on the way (a non-object on the way is left
/// alone, as `unstructured.SetNestedField` fails there).
fn set_at(d: &mut Data, path: &[&str], value: Data) {
    let Some((last, parents)) = path.split_last() else {
        *d = value;
        return;
    };
    let mut cur = d;
    for key in parents {
        if matches!(cur, Data::Null) {
            *cur = Data::Struct(Vec::new());
        }
        let Data::Struct(fields) = cur else { return };
        let i = match fields.iter().position(|(k, _)| &**k == *key) {
            Some(i) => i,
            None => {
                fields.push((Rc::from(*key), Data::Struct(Vec::new())));
                fields.len() - 1
            }
        };
        cur = &mut fields[i].1;
        if matches!(cur, Data::Null) {
            *cur = Data::Struct(Vec::new());
        }
    }
    if let Data::Struct(fields) = cur {
        match fields.iter_mut().find(|(k, _)| &**k == *last) {
            Some((_, slot)) => *slot = value,
            None => fields.push((Rc::from(*last), value)),
        }
    }
}

/// The string entries of `metadata.<field>`.
fn string_map_at(d: &Data, field: &str) -> Vec<(String, String)> {
    match data_at(d, &[Seg::Key("metadata"), Seg::Key(field)]) {
        Some(Data::Struct(fields)) => fields
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_owned())))
            .collect(),
        _ => Vec::new(),
    }
}

fn set_string_map(d: &mut Data, field: &str, entries: &[(String, String)]) {
    set_at(
        d,
        &["metadata", field],
        Data::Struct(
            entries
                .iter()
                .map(|(k, v)| (Rc::from(k.as_str()), Data::str(v)))
                .collect(),
        ),
    );
}

/// `util.AddLabels`: the new labels win.
fn add_labels(obj: &mut Data, labels: &[(String, String)]) {
    let mut merged = string_map_at(obj, "labels");
    for (k, v) in labels {
        match merged.iter_mut().find(|(m, _)| m == k) {
            Some((_, slot)) => *slot = v.clone(),
            None => merged.push((k.clone(), v.clone())),
        }
    }
    set_string_map(obj, "labels", &merged);
}

/// `generateAndFilterCommonLabels`: the Application's labels and the app/component
/// labels, minus the keys of the `filter.oam.dev/label-keys` annotation.
fn common_labels(env: &Env<'_>, component: &str) -> Vec<(String, String)> {
    let mut labels = env.app.labels.clone();
    for (k, v) in [
        ("app.oam.dev/name", env.app.name.as_str()),
        ("app.oam.dev/namespace", env.namespace.as_str()),
        ("app.oam.dev/appRevision", ""),
        ("app.oam.dev/component", component),
    ] {
        match labels.iter_mut().find(|(m, _)| m == k) {
            Some((_, slot)) => *slot = v.to_owned(),
            None => labels.push((k.to_owned(), v.to_owned())),
        }
    }
    if let Some((_, filter)) = env
        .app
        .annotations
        .iter()
        .find(|(k, _)| k == "filter.oam.dev/label-keys")
    {
        let keys: Vec<&str> = filter.split(',').map(str::trim).collect();
        labels.retain(|(k, _)| !keys.contains(&k.as_str()));
    }
    labels
}

/// `filterAndSetAnnotations`: the Application's annotations are added (an empty map
/// when there are none, which is why `vela dry-run` prints `annotations: {}`), minus
/// KubeVela's own and those named by `filter.oam.dev/annotation-keys`.
fn filter_annotations(env: &Env<'_>, obj: &mut Data) {
    let mut annotations = string_map_at(obj, "annotations");
    for (k, v) in &env.app.annotations {
        match annotations.iter_mut().find(|(m, _)| m == k) {
            Some((_, slot)) => *slot = v.clone(),
            None => annotations.push((k.clone(), v.clone())),
        }
    }
    let mut remove: Vec<String> = [
        "app.oam.dev/inplace-upgrade",
        "filter.oam.dev/label-keys",
        "filter.oam.dev/annotation-keys",
        "kubectl.kubernetes.io/last-applied-configuration",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some((_, filter)) = env
        .app
        .annotations
        .iter()
        .find(|(k, _)| k == "filter.oam.dev/annotation-keys")
    {
        remove.extend(filter.split(',').map(|s| s.to_owned()));
    }
    annotations.retain(|(k, _)| !remove.contains(k));
    set_string_map(obj, "annotations", &annotations);
}

/// `setNamespace`: the Application's namespace, unless set (or a v1 Namespace).
fn set_namespace(obj: &mut Data, namespace: &str) {
    if string_at(obj, &["apiVersion"]) == Some("v1")
        && string_at(obj, &["kind"]) == Some("Namespace")
    {
        return;
    }
    if string_at(obj, &["metadata", "namespace"]).is_none_or(str::is_empty) {
        set_at(obj, &["metadata", "namespace"], Data::str(namespace));
    }
}

/// `util.GenTraitName`: `<component>-<trait type>-<hash>`. KubeVela hashes a Go dump of
/// the object, which xdef cannot reproduce; this hash (FNV-1a of the object's JSON) is
/// stable but different.
fn trait_name(component: &str, obj: &Data, trait_type: &str) -> String {
    let middle = if trait_type.is_empty() || trait_type == "dummy" {
        "trait".to_owned()
    } else {
        trait_type.to_lowercase()
    };
    let json = xdef_cue::encode::to_json(obj, None);
    let mut h: u32 = 0x811c_9dc5;
    for b in json.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let encoded: String = h
        .to_string()
        .bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect();
    format!("{component}-{middle}-{encoded}")
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

/// The dry run in `vela dry-run`'s layout (`Option.PrintDryRun`), objects written as
/// `sigs.k8s.io/yaml` writes them; it is a valid multi-document YAML stream (the header
/// comments are documents of their own, which Kubernetes tools skip as empty).
pub fn format_vela(d: &DryRun) -> String {
    let mut out = String::new();
    for s in &d.sections {
        for c in &s.components {
            out.push_str(&format!(
                "---\n# Application({}) -- Component({})\n---\n\n",
                s.title, c.name
            ));
            out.push_str(&xdef_cue::encode::to_yaml_kubernetes(&c.workload));
            out.push_str("\n---\n");
            for (type_label, obj) in &c.resources {
                if type_label == "AuxiliaryWorkload" {
                    out.push_str("## From the auxiliary workload\n");
                } else if !type_label.is_empty() {
                    out.push_str(&format!("## From the trait {type_label}\n"));
                }
                out.push_str(&xdef_cue::encode::to_yaml_kubernetes(obj));
                out.push_str("\n---\n");
            }
            out.push('\n');
        }
        for p in &s.policies {
            let name = string_at(p, &["metadata", "name"]).unwrap_or_default();
            out.push_str(&format!(
                "---\n# Application({}) -- Policy({name})\n---\n\n",
                s.title
            ));
            out.push_str(&xdef_cue::encode::to_yaml_kubernetes(p));
            out.push_str("\n---\n");
        }
    }
    // `o.Info(buff.String())` ends with a newline of its own.
    out.push('\n');
    out
}

/// The dry run as JSON: one entry per rendering, with each component's workload and
/// auxiliary objects (`type` is the `trait.oam.dev/type` label) and the policies' objects.
pub fn format_json(d: &DryRun) -> String {
    let sections = d
        .sections
        .iter()
        .map(|s| {
            Data::Struct(vec![
                ("application".into(), Data::str(&s.title)),
                (
                    "components".into(),
                    Data::List(
                        s.components
                            .iter()
                            .map(|c| {
                                Data::Struct(vec![
                                    ("name".into(), Data::str(&c.name)),
                                    ("workload".into(), c.workload.clone()),
                                    (
                                        "resources".into(),
                                        Data::List(
                                            c.resources
                                                .iter()
                                                .map(|(t, o)| {
                                                    Data::Struct(vec![
                                                        ("type".into(), Data::str(t)),
                                                        ("object".into(), o.clone()),
                                                    ])
                                                })
                                                .collect(),
                                        ),
                                    ),
                                ])
                            })
                            .collect(),
                    ),
                ),
                ("policies".into(), Data::List(s.policies.clone())),
            ])
        })
        .collect();
    let mut out = xdef_cue::encode::to_json(&Data::List(sections), Some("  "));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    const WORKER: &str = r#"worker: {
	type: "component"
	alias: "deployment"
	attributes: workload: definition: {apiVersion: "apps/v1", kind: "Deployment"}
}
template: {
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		spec: {
			replicas: parameter.replicas
			template: spec: containers: [{
				name:  context.name
				image: parameter.image
				if parameter.env != _|_ {
					env: [for k, v in parameter.env {name: k, value: v}]
				}
			}]
		}
	}
	outputs: service: {
		apiVersion: "v1"
		kind:       "Service"
		metadata: name: "\(context.name)-svc"
		spec: ports: [{port: parameter.port}]
	}
	parameter: {
		image:    string
		replicas: *1 | int
		port:     *8080 | int
		env?: [string]: string
	}
}
"#;

    const SIDECAR: &str = r#"sidecar: {
	type: "trait"
	attributes: appliesToWorkloads: ["deployments.apps"]
}
template: {
	patch: spec: template: spec: {
		// +patchKey=name
		containers: [{name: parameter.name, image: parameter.image}]
	}
	parameter: {
		name:  string
		image: string
	}
}
"#;

    const CRONJOB_ONLY: &str = r#"nightly: {
	type: "trait"
	attributes: appliesToWorkloads: ["cronjobs.batch"]
}
template: {
	outputs: marker: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		data: owner: context.componentType
	}
	parameter: {}
}
"#;

    const CRDS: &str = r#"apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: labels
spec:
  schematic:
    cue:
      template: |
        // +patchStrategy=jsonMergePatch
        patch: {
          metadata: labels: parameter
        }
        parameter: [string]: string
---
apiVersion: core.oam.dev/v1beta1
kind: PolicyDefinition
metadata:
  name: inventory
spec:
  schematic:
    cue:
      template: |
        output: {
        	apiVersion: "v1"
        	kind:       "ConfigMap"
        	data: {
        		for name, a in context.artifacts {
        			(name): "\(a.workload.kind)/\(a.workload.metadata.name)"
        		}
        		owner: parameter.owner
        	}
        }
        parameter: owner: string
---
apiVersion: core.oam.dev/v1beta1
kind: PolicyDefinition
metadata:
  name: app-wide
spec:
  scope: Application
  schematic:
    cue:
      template: |
        output: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ignored
"#;

    fn defs() -> Vec<(&'static str, &'static str)> {
        vec![
            ("defs/worker.cue", WORKER),
            ("defs/sidecar.cue", SIDECAR),
            ("defs/nightly.cue", CRONJOB_ONLY),
            ("defs/crds.yaml", CRDS),
            // Not a definition: skipped.
            ("defs/worker_test.cue", "tests: {}\n"),
        ]
    }

    /// Runs a dry run and shows what the command would print: warnings, then the output
    /// (or the errors).
    fn run_with(files: &[(&str, &str)], defs: &[(&str, &str)], options: &DryRunOptions) -> String {
        let mut sources = Sources::new();
        let app_ids: Vec<FileId> = files.iter().map(|(n, t)| sources.add(*n, *t)).collect();
        let def_ids: Vec<FileId> = defs.iter().map(|(n, t)| sources.add(*n, *t)).collect();
        let (mut registry, problems) = Registry::load(&sources, &def_ids);
        registry.describe = "defs".into();
        let render_all = |ps: &[Problem], prefix: &str| -> String {
            ps.iter()
                .map(|p| format!("{prefix}{}\n", sources.render(p)))
                .collect()
        };
        if !problems.is_empty() {
            return render_all(&problems, "error: ");
        }
        let files = match read_app_files(&sources, &app_ids) {
            Ok(f) => f,
            Err(ps) => return render_all(&ps, "error: "),
        };
        match dry_run(&files, &registry, options) {
            Ok(d) => format!(
                "{}{}",
                render_all(&d.warnings, "warning: "),
                format_vela(&d)
            ),
            Err(ps) => render_all(&ps, "error: "),
        }
    }

    fn run(app: &str) -> String {
        run_with(&[("app.yaml", app)], &defs(), &DryRunOptions::default())
    }

    fn check(app: &str, expect: Expect) {
        expect.assert_eq(&run(app));
    }

    const APP: &str = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: web
      type: worker
      properties:
        image: nginx:1.25
      traits:
        - type: sidecar
          properties:
            name: log
            image: busybox
";

    #[test]
    fn component_with_trait_in_vela_layout() {
        check(
            APP,
            expect![[r#"
                ---
                # Application(shop) -- Component(web)
                ---

                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  annotations: {}
                  labels:
                    app.oam.dev/appRevision: ""
                    app.oam.dev/component: web
                    app.oam.dev/name: shop
                    app.oam.dev/namespace: default
                    app.oam.dev/resourceType: WORKLOAD
                    workload.oam.dev/type: worker
                  name: web
                  namespace: default
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                      - image: nginx:1.25
                        name: web
                      - image: busybox
                        name: log

                ---
                ## From the auxiliary workload
                apiVersion: v1
                kind: Service
                metadata:
                  annotations: {}
                  labels:
                    app.oam.dev/appRevision: ""
                    app.oam.dev/component: web
                    app.oam.dev/name: shop
                    app.oam.dev/namespace: default
                    app.oam.dev/resourceType: TRAIT
                    trait.oam.dev/resource: service
                    trait.oam.dev/type: AuxiliaryWorkload
                  name: web-svc
                  namespace: default
                spec:
                  ports:
                  - port: 8080

                ---


            "#]],
        );
    }

    #[test]
    fn output_is_a_valid_yaml_stream_of_the_objects() {
        let out = run(APP);
        let docs = xdef_cue::encode::yaml_stream_to_data(&out).unwrap();
        let objects: Vec<&Data> = docs.iter().filter(|d| !matches!(d, Data::Null)).collect();
        assert_eq!(objects.len(), 2);
        assert_eq!(
            objects[1].get("kind").and_then(Data::as_str),
            Some("Service")
        );
    }

    #[test]
    fn namespace_labels_annotations_and_context() {
        let app = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
  namespace: team-a
  labels: {tier: gold}
  annotations:
    owner: me
    filter.oam.dev/label-keys: tier
    app.oam.dev/publishVersion: v7
spec:
  components:
    - name: web
      type: worker
      properties:
        image: nginx
        replicas: 2.0
        env: {LEVEL: 'on'}
";
        let out = run(app);
        // `-n` wins over metadata.namespace.
        let out_n = run_with(
            &[("app.yaml", app)],
            &defs(),
            &DryRunOptions {
                namespace: Some("other".into()),
                merge: false,
            },
        );
        assert!(out.contains("  namespace: team-a\n"), "{out}");
        assert!(out.contains("    app.oam.dev/namespace: team-a\n"));
        assert!(out_n.contains("  namespace: other\n"), "{out_n}");
        // Application annotations are copied, KubeVela's filter keys are not; the label
        // filter removes the Application's `tier` label.
        assert!(
            out.contains("  annotations:\n    app.oam.dev/publishVersion: v7\n    owner: me\n"),
            "{out}"
        );
        assert!(!out.contains("tier: gold"));
        assert!(!out.contains("filter.oam.dev"));
        // 2.0 is the integer 2, as Kubernetes' JSON makes it.
        assert!(out.contains("  replicas: 2\n"), "{out}");
        // A quoted 'on' stays a string; an unquoted `yes` is YAML 1.1's true, which the
        // `string` parameter rejects.
        assert!(out.contains("value: \"on\""), "{out}");
        let out = run(&app.replace("{LEVEL: 'on'}", "{LEVEL: yes}"));
        assert!(
            out.starts_with(
                "error: app.yaml:13:7: component \"web\": validation failed for workload web:"
            ),
            "{out}"
        );
        assert!(out.contains("conflicting values true and string"), "{out}");
    }

    #[test]
    fn numbers_and_yaml11_booleans_as_kubernetes_reads_them() {
        let app = APP.replace(
            "        image: nginx:1.25\n",
            "        image: nginx:1.25\n        replicas: 3.0\n        env: {A: 'on', B: \"off\"}\n",
        );
        let out = run(&app);
        assert!(out.contains("  replicas: 3\n"), "{out}");
        assert!(
            out.contains("- name: A\n          value: \"on\"\n"),
            "{out}"
        );
    }

    #[test]
    fn errors_have_positions() {
        // Unknown component type, with a suggestion.
        check(
            &APP.replace("type: worker", "type: workr"),
            expect![[r#"
                error: app.yaml:8:13: component "web": type "workr" not found in defs (did you mean "worker"?)
            "#]],
        );
        // The alias is not a name.
        check(
            &APP.replace("type: worker", "type: deployment"),
            expect![[r#"
                error: app.yaml:8:13: component "web": type "deployment" not found in defs ("deployment" is the alias of "worker"; KubeVela looks definitions up by name)
            "#]],
        );
        // A trait used as a component.
        check(
            &APP.replace("type: worker", "type: labels"),
            expect![[r#"
                error: app.yaml:8:13: component "web": type "labels" not found in defs ("labels" is a trait definition, not a component definition)
            "#]],
        );
        // Unknown trait type and unknown field, all reported.
        check(
            &APP.replace("type: sidecar", "type: sidecra")
                .replace("      traits:", "      trait: []\n      traits:"),
            expect![[r#"
                error: app.yaml:11:7: component "web": unknown field "trait" (did you mean "traits"?)
            "#]],
        );
        check(
            &APP.replace("type: sidecar", "type: sidecra"),
            expect![[r#"
                error: app.yaml:12:17: component "web": trait type "sidecra" not found in defs (did you mean "sidecar"?)
            "#]],
        );
        // Bad YAML.
        check(
            &APP.replace("image: busybox", "image: [busybox"),
            expect![[r#"
                error: app.yaml:16:1: invalid YAML: while parsing a flow sequence, expected ',' or ']'
            "#]],
        );
        // Not an Application.
        check(
            "apiVersion: v1\nkind: ConfigMap\n",
            expect![[r#"
                error: app.yaml:2:7: ConfigMap (v1) is not an application, policy or workflow
            "#]],
        );
        check(
            "apiVersion: core.oam.dev/v1alpha2\nkind: Application\n",
            expect![[r#"
                error: app.yaml:1:13: Application must have apiVersion core.oam.dev/v1beta1, not core.oam.dev/v1alpha2
            "#]],
        );
        // Properties of the wrong shape.
        check(
            &APP.replace(
                "      properties:\n        image: nginx:1.25\n",
                "      properties: [nginx]\n",
            ),
            expect![[r#"
                error: app.yaml:9:19: component "web": `properties` must be an object, not list
            "#]],
        );
    }

    #[test]
    fn render_errors_point_at_the_component_and_the_definition() {
        let out = run(&APP.replace("        image: nginx:1.25\n", ""));
        assert!(
            out.starts_with(
                "error: app.yaml:7:7: component \"web\": validation failed for workload web:\n"
            ),
            "{out}"
        );
        assert!(out.contains("image: incomplete value string"), "{out}");
        assert!(out.contains("\n  at defs/worker.cue:"), "{out}");
        let out = run(&APP.replace("name: log", "name: 12"));
        assert!(
            out.starts_with(
                "error: app.yaml:12:11: component \"web\" trait \"sidecar\": validation failed for trait sidecar:\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("Parameter errors:\n  parameter.name: conflicting values string and 12"),
            "{out}"
        );
    }

    #[test]
    fn undeclared_properties() {
        // A misspelt optional property is ignored by KubeVela: a warning.
        let out = run(&APP.replace(
            "        image: nginx:1.25\n",
            "        image: nginx:1.25\n        replica: 2\n",
        ));
        assert!(out.starts_with("warning: app.yaml:11:9: component \"web\": property \"replica\" is not a parameter of component \"worker\" (did you mean \"replicas\"?); KubeVela ignores it\n---\n"), "{out}");
        // A misspelt required one fails the render; the warning becomes a hint.
        let out = run(&APP.replace("image: nginx:1.25", "imag: nginx:1.25"));
        assert!(
            out.starts_with(
                "error: app.yaml:7:7: component \"web\": validation failed for workload web:"
            ),
            "{out}"
        );
        assert!(out.ends_with("\n  at app.yaml:10:9: hint: component \"web\": property \"imag\" is not a parameter of component \"worker\" (did you mean \"image\"?); KubeVela ignores it\n"), "{out}");
        // Traits too; a pattern-constrained parameter accepts anything.
        let out = run(&APP.replace(
            "            name: log\n",
            "            name: log\n            imag: x\n",
        ));
        assert!(out.starts_with("warning: app.yaml:15:13: component \"web\" trait \"sidecar\": property \"imag\" is not a parameter of trait \"sidecar\" (did you mean \"image\"?)"), "{out}");
        let out = run(&APP.replace("        - type: sidecar\n", "        - type: labels\n          properties: {anything: goes}\n        - type: sidecar\n"));
        assert!(!out.contains("warning"), "{out}");
    }

    #[test]
    fn trait_not_applicable_is_a_warning() {
        let app = APP.replace(
            "        - type: sidecar\n          properties:\n            name: log\n            image: busybox\n",
            "        - type: nightly\n",
        );
        let out = run(&app);
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            "warning: app.yaml:12:17: component \"web\": trait \"nightly\" applies to [\"cronjobs.batch\"], not to this component (worker, deployments.apps); KubeVela renders it anyway"
        );
        assert!(out.contains("## From the trait nightly\n"), "{out}");
        assert!(out.contains("data:\n  owner: worker\n"), "{out}");
        // Its name is generated (component, trait type, hash), as KubeVela does.
        assert!(out.contains("  name: web-nightly-"), "{out}");
    }

    const OVERRIDE_APP: &str = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: web
      type: worker
      properties:
        image: nginx:1.25
        env: {A: a, B: b}
      traits:
        - type: sidecar
          properties: {name: log, image: busybox}
    - name: api
      type: worker
      properties:
        image: api:1
  policies:
    - name: prod
      type: override
      properties:
        components:
          - name: web
            properties:
              replicas: 3
              env: {B: bb, C: c}
            traits:
              - type: sidecar
                disable: true
              - type: labels
                properties: {stage: prod}
          - type: worker
            properties:
              image: registry.local/app:2
          - name: extra
            type: worker
            properties: {image: extra:1}
";

    #[test]
    fn override_policy_without_workflow_makes_a_deploy_step() {
        let out = run(OVERRIDE_APP);
        assert!(
            out.contains("# Application(shop only with override policies) -- Component(web)"),
            "{out}"
        );
        assert!(out.contains("# Application(shop only with override policies) -- Component(api)"));
        assert!(
            out.contains("# Application(shop only with override policies) -- Component(extra)")
        );
        // Properties merged key by key (env), replaced (replicas, image); the sidecar is
        // disabled, the labels trait added.
        assert!(out.contains("  replicas: 3\n"), "{out}");
        assert!(out.contains("- name: A\n          value: a\n        - name: B\n          value: bb\n        - name: C\n          value: c\n"), "{out}");
        assert!(!out.contains("name: log"));
        assert!(out.contains("    stage: prod\n"));
        // The type-only patch applies to the components there at that point (not `extra`).
        assert_eq!(
            out.matches("image: registry.local/app:2").count(),
            2,
            "{out}"
        );
        assert!(out.contains("image: extra:1"));
    }

    #[test]
    fn override_selector_and_topologies() {
        let app = format!(
            "{OVERRIDE_APP}        selector: [api]\n    - name: eu\n      type: topology\n      properties: {{clusters: [eu-1], namespace: prod}}\n    - name: us\n      type: topology\n      properties: {{clusters: [us-1]}}\n"
        );
        let out = run(&app);
        let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("# ")).collect();
        assert_eq!(
            headers,
            [
                "# Application(shop with topology eu) -- Component(api)",
                "# Application(shop with topology us) -- Component(api)",
            ]
        );
        // Topology namespaces do not change the dry run (as in vela dry-run).
        assert!(!out.contains("namespace: prod"));
    }

    #[test]
    fn workflow_steps_and_standalone_files() {
        let app = format!(
            "{APP}  workflow:\n    steps:\n      - name: first\n        type: deploy\n        properties: {{policies: [ext]}}\n      - name: tell\n        type: notification\n"
        );
        let policy = "apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata:
  name: ext
type: override
properties:
  components:
    - name: web
      properties: {image: nginx:2}
---
apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata:
  name: lonely
type: topology
properties: {clusters: [x]}
";
        let out = run_with(
            &[("app.yaml", &app), ("policy.yaml", policy)],
            &defs(),
            &DryRunOptions::default(),
        );
        let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("warning")).collect();
        assert_eq!(
            warnings,
            [
                "warning: app.yaml:21:9: workflow step \"tell\": type \"notification\" not found in defs; dry-run only runs deploy steps, so it is ignored",
                "warning: policy.yaml:11:1: policy lonely not referenced by application",
            ]
        );
        assert!(out.contains("# Application(shop only with override policies) -- Component(web)"));
        assert!(out.contains("image: nginx:2"), "{out}");
        // Without the policy file, the external policy is missing.
        let out = run(&app);
        assert!(
            out.contains(
                "error: app.yaml:18:9: workflow step \"first\": external policy ext not found"
            ),
            "{out}"
        );
        // A deploy step's properties are read strictly.
        let out = run(&app.replace("policies: [ext]", "policy: [ext]"));
        assert!(
            out.contains(
                "error: app.yaml:18:9: invalid WorkflowStep first: json: unknown field \"policy\""
            ),
            "{out}"
        );
    }

    #[test]
    fn workflow_ref_and_merge() {
        let app = format!("{APP}  workflow:\n    ref: rollout\n");
        let wf = "apiVersion: core.oam.dev/v1alpha1
kind: Workflow
metadata:
  name: rollout
steps:
  - name: go
    type: deploy
    properties: {policies: []}
";
        let out = run_with(
            &[("app.yaml", &app), ("wf.yaml", wf)],
            &defs(),
            &DryRunOptions::default(),
        );
        assert!(
            out.starts_with(
                "---\n# Application(shop only with override policies) -- Component(web)"
            ),
            "{out}"
        );
        let out = run(&app);
        assert!(
            out.starts_with("error: app.yaml:16:3: workflow rollout not found"),
            "{out}"
        );
        // An unreferenced workflow is ignored, unless merged.
        let out = run_with(
            &[("app.yaml", APP), ("wf.yaml", wf)],
            &defs(),
            &DryRunOptions::default(),
        );
        assert!(out.starts_with("warning: wf.yaml:1:1: workflow rollout not referenced by application\n---\n# Application(shop) -- "), "{out}");
        let out = run_with(
            &[("app.yaml", APP), ("wf.yaml", wf)],
            &defs(),
            &DryRunOptions {
                namespace: None,
                merge: true,
            },
        );
        assert!(
            out.starts_with("---\n# Application(shop only with override policies) -- "),
            "{out}"
        );
    }

    #[test]
    fn output_policies_are_rendered_with_artifacts() {
        let app = format!(
            "{APP}  policies:\n    - name: inv\n      type: inventory\n      properties: {{owner: me}}\n    - name: wide\n      type: app-wide\n      properties: {{}}\n    - name: gc\n      type: garbage-collect\n      properties: {{}}\n"
        );
        let out = run(&app);
        assert!(out.starts_with("warning: app.yaml:20:7: policy \"wide\": the PolicyDefinition \"app-wide\" has scope \"Application\"; vela dry-run does not apply Application-scoped policies\n"), "{out}");
        let policy = out
            .split("# Application(shop) -- Policy(inv)\n---\n\n")
            .nth(1)
            .unwrap_or_default();
        assert_eq!(
            policy,
            "apiVersion: v1
data:
  owner: me
  web: Deployment/web
kind: ConfigMap
metadata:
  labels:
    app.oam.dev/appRevision: \"\"
    app.oam.dev/component: inv
    app.oam.dev/name: shop
  name: inv
  namespace: default

---

"
        );
        let out = run(&app.replace("      properties: {owner: me}\n", ""));
        assert!(
            out.contains(
                "error: app.yaml:17:7: policy inventory named inv must not have empty properties"
            ),
            "{out}"
        );
        let out = run(&app.replace("type: inventory", "type: inventroy"));
        assert!(out.contains("error: app.yaml:17:7: policy \"inv\": type \"inventroy\" not found in defs (did you mean \"inventory\"?)"), "{out}");
    }

    #[test]
    fn definition_problems() {
        let mut d = defs();
        d.push(("more/worker.cue", WORKER));
        d.push((
            "more/broken.yaml",
            "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata:\n  name: broken\nspec:\n  schematic:\n    cue:\n      template: |\n        patch: {\n        \tx: 1 +\n        }\n",
        ));
        let out = run_with(&[("app.yaml", APP)], &d, &DryRunOptions::default());
        assert_eq!(
            out,
            "error: more/broken.yaml:10:15: in the template of TraitDefinition \"broken\": unexpected '+'\n\
             error: more/worker.cue:1:1: component \"worker\" is defined twice\n  at defs/worker.cue:1:1: first defined here\n"
        );
    }

    /// Checks an application file as an editor does; one line per problem.
    fn editor_check(app: &str) -> String {
        let mut sources = Sources::new();
        let app_id = sources.add("app.yaml", app);
        let def_ids: Vec<FileId> = defs().iter().map(|(n, t)| sources.add(*n, *t)).collect();
        let (mut registry, _) = Registry::load(&sources, &def_ids);
        registry.describe = "defs".into();
        let check = check_app_file(
            app_id,
            app,
            &registry,
            &FileCheckOptions {
                budget: xdef_cue::Budget::default(),
                unknown_types: true,
            },
        );
        let mut out = String::new();
        for (sev, ps) in [("error", &check.errors), ("warning", &check.warnings)] {
            for p in ps {
                out.push_str(&format!("{sev}: {}\n", sources.render(p)));
            }
        }
        out
    }

    #[test]
    fn editor_check_of_an_application_file() {
        // A clean file, with a document of another kind and an Argo CD Application.
        let clean = format!(
            "{APP}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nspec: {{source: {{}}}}\n"
        );
        assert_eq!(editor_check(&clean), "");
        let app = APP
            .replace("type: worker", "type: workr")
            .replace("name: log", "name: 12")
            .replace(
                "            image: busybox\n",
                "            imag: busybox\n",
            );
        expect![[r#"
            error: app.yaml:8:13: component "web": type "workr" not found in defs (did you mean "worker"?)
            error: app.yaml:14:19: component "web" trait "sidecar": parameter.name: conflicting values string and 12 (mismatched types string and int)
              at defs/sidecar.cue:11:10: declared by trait "sidecar"
            error: app.yaml:13:11: component "web" trait "sidecar": missing required parameter "image" (parameter.image: incomplete value string)
              at defs/sidecar.cue:12:3: declared by trait "sidecar"
            warning: app.yaml:15:13: component "web" trait "sidecar": property "imag" is not a parameter of trait "sidecar" (did you mean "image"?); KubeVela ignores it
        "#]]
        .assert_eq(&editor_check(&app));
        // Missing properties altogether: at the type; a trait that does not apply; a
        // built-in type unknown to the registry is fine; a built-in of another kind is
        // named as such.
        let app = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: web
      type: worker
      traits:
        - type: nightly
        - type: scaler
    - name: db
      type: scaler
  policies:
    - name: inv
      type: inventory
      properties: {owner: 3}
    - name: where
      type: topology
      properties: {clusters: [local]}
  workflow:
    steps:
      - name: go
        type: deplyo
";
        expect![[r#"
            error: app.yaml:8:13: component "web": missing required parameter "image" (parameter.image: incomplete value string)
              at defs/worker.cue:28:3: declared by component "worker"
            error: app.yaml:13:13: component "db": type "scaler" not found in defs ("scaler" is a trait definition built into KubeVela, not a component definition)
            error: app.yaml:17:27: policy "inv": parameter.owner: conflicting values string and 3 (mismatched types string and int)
              at defs/crds.yaml:33:27: declared by policy "inventory"
            error: app.yaml:24:15: workflow step "go": type "deplyo" not found in defs
            warning: app.yaml:10:17: component "web": trait "nightly" applies to ["cronjobs.batch"], not to this component (worker, deployments.apps); KubeVela renders it anyway
        "#]]
        .assert_eq(&editor_check(app));
        // Standalone objects, and YAML that does not parse.
        let policy = "apiVersion: core.oam.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\ntype: inventroy\nproperties: {}\n";
        expect![[r#"
            error: app.yaml:4:7: policy "p": type "inventroy" not found in defs (did you mean "inventory"?)
        "#]]
        .assert_eq(&editor_check(policy));
        expect![[r#"
            error: app.yaml:3:1: invalid YAML: while parsing a flow sequence, expected ',' or ']'
        "#]]
        .assert_eq(&editor_check("kind: Application\na: [1\n"));
    }

    #[test]
    fn merging_properties_like_mergo() {
        let parse = |s: &str| xdef_cue::encode::yaml_to_data(s).unwrap();
        let merged = merge_properties(
            &parse("{a: {x: 1, y: [1, 2]}, b: text, c: 0, d: {k: v}}"),
            &parse("{a: {y: [3], z: true}, b: {nested: 1}, c: {n: 1}, d: null, e: new}"),
        );
        assert_eq!(
            xdef_cue::encode::to_json(&merged, None),
            r#"{"a":{"x":1,"y":[3],"z":true},"b":"text","c":{"n":1},"d":null,"e":"new"}"#
        );
    }

    #[test]
    fn override_names_are_patterns() {
        let spec = OverrideSpec {
            components: vec![ComponentPatch {
                name: "we*".into(),
                type_name: String::new(),
                properties: Some(xdef_cue::encode::yaml_to_data("{replicas: 2}").unwrap()),
                traits: vec![],
                at: None,
            }],
            selector: None,
        };
        let comp = |name: &str| Component {
            name: name.into(),
            type_name: "worker".into(),
            properties: None,
            traits: vec![],
            extra: vec![],
            at: None,
            type_at: None,
            property_at: vec![],
            path: vec![],
        };
        let out = patch_components(&[comp("web"), comp("db"), comp("new-web")], &spec).unwrap();
        let patched: Vec<(String, bool)> = out
            .iter()
            .map(|c| (c.name.clone(), c.properties.is_some()))
            .collect();
        // Matched anywhere in the name, as KubeVela's unanchored regexp does.
        assert_eq!(
            patched,
            [
                ("web".to_owned(), true),
                ("db".to_owned(), false),
                ("new-web".to_owned(), true)
            ]
        );
    }
}
