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
                let errors: Vec<String> = parse.errors().iter().map(|e| e.message.clone()).collect();
                assert!(errors.is_empty(), "{set:?} {path} {name}: syntax errors {errors:?}");
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
            assert!(diags.is_empty(), "{set:?} {path}: compile diagnostics {diags:?}");
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
        Err(errors) => Err(errors.iter().map(|err: &Rc<EvalError>| (err.kind, e.diagnostic(err).text())).collect()),
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
            if let Err(errors) = &result {
                if !only_incomplete(errors) {
                    failures.push(format!("{set:?} {path} {m}: {errors:#?}"));
                }
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
        if let xdef_syntax::ast::Decl::Field(f) = decl {
            if let Some(xdef_syntax::ast::LabelName::Ident(i)) = f.label().and_then(|l| l.name()) {
                names.push(i.name().to_owned());
            }
        }
    }
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for name in names.into_iter().filter(|n| n != "context" && n != "parameter") {
        match export_field(&mut e, &name) {
            Ok(json) => out.push((name, json)),
            Err(errors) if only_incomplete(&errors) => {
                if std::env::var_os("XDEF_SHOW_INCOMPLETE").is_some() {
                    eprintln!("incomplete {name}: {:?}", errors.iter().map(|e| &e.1).collect::<Vec<_>>());
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
    expect_test::expect![[r#"{"$params":{"query":"up","metricEndpoint":"http://prometheus-server.o11y-system.svc:9090","condition":"\u003e=1","failDuration":"2m","duration":"5m"}}"#]]
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
    expect_test::expect![[r#"{"$params":{"method":"GET","url":"https://example.com"},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "got"));
    expect_test::expect![[r#"{"$params":{"method":"POST","url":"https://example.com","request":{"body":"{}"}},"$returns":{}}"#]]
        .assert_eq(json_of(&uses, "posted"));
    expect_test::expect![[r#"{"$params":"hello"}"#]].assert_eq(json_of(&uses, "enc"));
    expect_test::expect![[r#"{"$params":{"registry":"index.docker.io","auth":{"username":"u","password":"p"}}}"#]]
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
    assert!(diags.iter().any(|d| d.contains("cannot find package \"vela/op\"")), "{diags:?}");
    let mut e = evaluation(PackageSet::Workload, "import \"vela/kube\"\nx: kube.#Read");
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(errors.iter().any(|(_, m)| m.contains("#Read")), "{errors:?}");

    // Removed members are not defined, and `removed` explains them.
    // (The evaluator currently classifies a missing package member as incomplete, and
    // drops it entirely in `op.#Task & {...}`; the checker should look members up with
    // `members`/`removed` rather than rely on evaluation.)
    let mut e = evaluation(PackageSet::Workflow, "import \"vela/op\"\nx: op.#Task");
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(errors.iter().any(|(_, m)| m.contains("#Task")), "{errors:?}");
    assert!(!members(PackageSet::Workflow, "vela/op").iter().any(|m| m == "#Task"));
    assert!(xdef_vela::packages::removed("vela/op", "#Task").is_some());

    // Definitions are closed: unknown parameters and wrong types are errors.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/kube\"\nx: kube.#Apply & {$params: {value: {}, bogus: 1}}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(errors.iter().any(|(k, m)| *k == ErrorKind::Eval && m.contains("bogus")), "{errors:?}");
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/builtin\"\nx: builtin.#Suspend & {$params: duration: 5}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(errors.iter().any(|(k, _)| *k == ErrorKind::Eval), "{errors:?}");
    // #ConditionalWait has no `...`: a stray field is an error.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/builtin\"\nx: builtin.#ConditionalWait & {$params: continue: true, extra: 1}",
    );
    let errors = export_field(&mut e, "x").unwrap_err();
    assert!(errors.iter().any(|(k, m)| *k == ErrorKind::Eval && m.contains("extra")), "{errors:?}");
    // The workflow vela/http's shorthands leave `$params.method` at its default.
    let mut e = evaluation(
        PackageSet::Workflow,
        "import \"vela/http\"\nx: http.#HTTPPost & {$params: url: \"u\"}",
    );
    expect_test::expect![[r#"{"$params":{"method":"GET","url":"u"},"method":"POST"}"#]]
        .assert_eq(&export_field(&mut e, "x").unwrap());
}
