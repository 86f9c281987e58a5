//! The `context` a template sees, per definition type (what KubeVela's `NewContext` and
//! the render steps push; reference §2.2), as a closed CUE schema — so that
//! `context.appNmae` is an error at its position — and as default values for previews.

use std::rc::Rc;

use xdef_cue::Data;

use crate::definition::DefinitionKind;

/// The hidden definition the schema is bound to in assembled programs.
pub const SCHEMA_NAME: &str = "_#xdefContext";

/// One field of the context: name, CUE type, documentation.
pub struct ContextField {
    pub name: &'static str,
    pub cue_type: &'static str,
    pub doc: &'static str,
    /// Whether the field is only there in some situations (`?` in the schema).
    pub optional: bool,
}

const fn f(name: &'static str, cue_type: &'static str, doc: &'static str) -> ContextField {
    ContextField {
        name,
        cue_type,
        doc,
        optional: false,
    }
}

const fn opt(name: &'static str, cue_type: &'static str, doc: &'static str) -> ContextField {
    ContextField {
        name,
        cue_type,
        doc,
        optional: true,
    }
}

const COMMON: &[ContextField] = &[
    f(
        "name",
        "string",
        "The component name (the Application's name in workflow steps, the policy name in policies).",
    ),
    f("namespace", "string", "The namespace of the Application."),
    f("appName", "string", "The Application's name."),
    f(
        "appRevision",
        "string",
        "The Application revision name, e.g. `my-app-v2`.",
    ),
    f(
        "appRevisionNum",
        "int",
        "The number of the Application revision (2 for `my-app-v2`).",
    ),
    f("revision", "string", "The component revision name."),
    f(
        "components",
        "[...{...}]",
        "The Application's components (empty in workflow steps).",
    ),
    f(
        "appLabels",
        "{[string]: string}",
        "The Application's labels.",
    ),
    f(
        "appAnnotations",
        "{[string]: string}",
        "The Application's annotations.",
    ),
    f(
        "replicaKey",
        "string",
        "The replication key when the component is replicated by a `replication` policy.",
    ),
    f(
        "cluster",
        "string",
        "The cluster the resources go to (empty for the control plane).",
    ),
    f(
        "clusterVersion",
        "{major: string, minor: int, gitVersion: string, platform: string}",
        "The Kubernetes version of the target cluster.",
    ),
    f(
        "workflowName",
        "string",
        "From the Application annotation `app.oam.dev/workflowName`.",
    ),
    f(
        "publishVersion",
        "string",
        "From the Application annotation `app.oam.dev/publishVersion`.",
    ),
    opt(
        "config",
        "[...{name: string, value: string}]",
        "Configuration entries, when provided.",
    ),
    opt(
        "custom",
        "{...}",
        "Data injected by Application-scoped policies (`output.ctx`).",
    ),
];

const COMPONENT: &[ContextField] = &[f("parameter", "_", "The component's own parameters.")];

const TRAIT: &[ContextField] = &[
    f(
        "parameter",
        "_",
        "The parameters of the component the trait is attached to.",
    ),
    f(
        "output",
        "{...}",
        "The component's rendered workload, after the traits before this one.",
    ),
    f(
        "outputs",
        "{[string]: {...}}",
        "The auxiliary resources rendered so far, by name.",
    ),
    f(
        "componentType",
        "string",
        "The type of the component the trait is attached to.",
    ),
];

const POLICY: &[ContextField] = &[
    opt("parameter", "_", "The policy's parameters."),
    opt(
        "artifacts",
        "{...}",
        "Rendered components: `{<component>: {workload: ..., traits: {<type>: {<resource>: ...}}}}`.",
    ),
    opt(
        "appComponents",
        "[...{...}]",
        "Application-scoped policies: the Application's components.",
    ),
    opt(
        "appWorkflow",
        "{...}",
        "Application-scoped policies: the Application's workflow.",
    ),
    opt(
        "appPolicies",
        "[...{...}]",
        "Application-scoped policies: the Application's policies.",
    ),
    opt(
        "policyName",
        "string",
        "Application-scoped policies: this policy's name.",
    ),
    opt(
        "policyType",
        "string",
        "Application-scoped policies: this policy's type.",
    ),
    opt(
        "policyRevisionName",
        "string",
        "Application-scoped policies: the policy revision name.",
    ),
    opt(
        "policyRevision",
        "int",
        "Application-scoped policies: the policy revision number.",
    ),
    opt(
        "policyRevisionHash",
        "string",
        "Application-scoped policies: the policy revision hash.",
    ),
];

const WORKFLOW_STEP: &[ContextField] = &[
    f("stepName", "string", "The name of the step being run."),
    f(
        "stepSessionID",
        "string",
        "The step's ID, stable across reconciles.",
    ),
    f("spanID", "string", "The tracing span ID of the step."),
    opt(
        "stepGroupName",
        "string",
        "The name of the enclosing step group, inside one.",
    ),
];

const CONFIG_TEMPLATE: &[ContextField] = &[
    f("name", "string", "The config's name."),
    f(
        "namespace",
        "string",
        "The namespace the config is saved in.",
    ),
];

/// Every context field a definition of `kind` sees.
pub fn fields(kind: DefinitionKind) -> Vec<&'static ContextField> {
    let extra: &[ContextField] = match kind {
        DefinitionKind::Component | DefinitionKind::Workload => COMPONENT,
        DefinitionKind::Trait => TRAIT,
        DefinitionKind::Policy => POLICY,
        DefinitionKind::WorkflowStep => WORKFLOW_STEP,
        // KubeVela's config context (pkg/config/context): the config's name and namespace.
        DefinitionKind::ConfigTemplate => return CONFIG_TEMPLATE.iter().collect(),
    };
    COMMON.iter().chain(extra.iter()).collect()
}

pub fn field(kind: DefinitionKind, name: &str) -> Option<&'static ContextField> {
    fields(kind).into_iter().find(|f| f.name == name)
}

/// The schema as CUE: `_#xdefContext: {...}` (a definition, so closed).
pub fn schema_cue(kind: DefinitionKind) -> String {
    let mut out = format!("{SCHEMA_NAME}: {{\n");
    for field in fields(kind) {
        out.push('\t');
        out.push_str(field.name);
        if field.optional {
            out.push('?');
        }
        out.push_str(": ");
        out.push_str(field.cue_type);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

/// Values for a preview: the names given, and neutral values for the rest.
pub fn default_values(kind: DefinitionKind, name: &str, app: &str, namespace: &str) -> Data {
    let s = |v: &str| Data::Str(Rc::from(v));
    let mut fields: Vec<(Rc<str>, Data)> = vec![
        ("name".into(), s(name)),
        ("namespace".into(), s(namespace)),
        ("appName".into(), s(app)),
        ("appRevision".into(), s(&format!("{app}-v1"))),
        (
            "appRevisionNum".into(),
            Data::Num(xdef_cue::number::Num::int(1)),
        ),
        ("revision".into(), s(&format!("{name}-v1"))),
        ("components".into(), Data::List(vec![])),
        ("appLabels".into(), Data::Struct(vec![])),
        ("appAnnotations".into(), Data::Struct(vec![])),
        ("replicaKey".into(), s("")),
        ("cluster".into(), s("")),
        (
            "clusterVersion".into(),
            Data::Struct(vec![
                ("major".into(), s("1")),
                ("minor".into(), Data::Num(xdef_cue::number::Num::int(30))),
                ("gitVersion".into(), s("v1.30.0")),
                ("platform".into(), s("linux/amd64")),
            ]),
        ),
        ("workflowName".into(), s("")),
        ("publishVersion".into(), s("")),
    ];
    match kind {
        DefinitionKind::WorkflowStep => {
            fields.push(("stepName".into(), s(name)));
            fields.push(("stepSessionID".into(), s("xdef-preview")));
            fields.push(("spanID".into(), s("xdef-preview")));
        }
        DefinitionKind::Trait => {
            fields.push(("componentType".into(), s("webservice")));
        }
        DefinitionKind::ConfigTemplate => fields.truncate(2), // name, namespace
        _ => {}
    }
    Data::Struct(fields)
}
