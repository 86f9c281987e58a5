//! The X-Definition file model: imports, exactly one header field (the definition's name
//! with `type`, `alias`, `description`, `annotations`, `labels`, `attributes`) and
//! `template: {...}`, as KubeVela's `FromCUEString` reads it — with its error texts, plus
//! positions and "did you mean" suggestions.

use xdef_cue::{Budget, Data, Evaluation, NoPackages};
use xdef_syntax::TextRange;
use xdef_syntax::ast::{AstNode, Decl, Expr, FieldValue, LabelName};

use crate::schema;
use crate::{Diagnostic, Severity};

/// The five kinds of X-Definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefinitionKind {
    Component,
    Trait,
    Policy,
    WorkflowStep,
    Workload,
}

impl DefinitionKind {
    pub const ALL: [DefinitionKind; 5] = [
        DefinitionKind::Component,
        DefinitionKind::Trait,
        DefinitionKind::Policy,
        DefinitionKind::WorkflowStep,
        DefinitionKind::Workload,
    ];

    /// From the header's `type` value.
    pub fn from_type(t: &str) -> Option<DefinitionKind> {
        Some(match t {
            "component" => DefinitionKind::Component,
            "trait" => DefinitionKind::Trait,
            "policy" => DefinitionKind::Policy,
            "workflow-step" => DefinitionKind::WorkflowStep,
            "workload" => DefinitionKind::Workload,
            _ => return None,
        })
    }

    pub fn type_name(self) -> &'static str {
        match self {
            DefinitionKind::Component => "component",
            DefinitionKind::Trait => "trait",
            DefinitionKind::Policy => "policy",
            DefinitionKind::WorkflowStep => "workflow-step",
            DefinitionKind::Workload => "workload",
        }
    }

    /// The Kubernetes kind of the CRD object.
    pub fn crd_kind(self) -> &'static str {
        match self {
            DefinitionKind::Component => "ComponentDefinition",
            DefinitionKind::Trait => "TraitDefinition",
            DefinitionKind::Policy => "PolicyDefinition",
            DefinitionKind::WorkflowStep => "WorkflowStepDefinition",
            DefinitionKind::Workload => "WorkloadDefinition",
        }
    }

    /// Which `vela/*` package set its template sees.
    pub fn package_set(self) -> crate::packages::PackageSet {
        match self {
            DefinitionKind::WorkflowStep => crate::packages::PackageSet::Workflow,
            _ => crate::packages::PackageSet::Workload,
        }
    }
}

/// A definition file, split into its parts.
#[derive(Clone, Debug, Default)]
pub struct DefinitionFile {
    /// The definition's name (the header field's label).
    pub name: Option<String>,
    pub name_range: Option<TextRange>,
    pub kind: Option<DefinitionKind>,
    /// The whole header field `name: {...}`.
    pub header_range: Option<TextRange>,
    /// The whole `template: {...}` field.
    pub template_range: Option<TextRange>,
    /// Inside the template's braces.
    pub template_body: Option<TextRange>,
    /// Each import declaration.
    pub imports: Vec<TextRange>,
    /// The header evaluated to data (when it is concrete).
    pub header: Option<Data>,
    /// A bare template: the file is a template body on its own (no header, no
    /// `template:`), as KubeVela's CRD YAML and its repositories keep them.
    pub bare: bool,
    pub diagnostics: Vec<Diagnostic>,
}

impl DefinitionFile {
    /// A header field such as `description` or `attributes`, as data.
    pub fn header_field(&self, name: &str) -> Option<&Data> {
        self.header.as_ref()?.get(name)
    }

    pub fn description(&self) -> Option<&str> {
        self.header_field("description")?.as_str()
    }

    /// The imports as text, in order, to prepend to anything assembled from the template.
    pub fn imports_text<'t>(&self, text: &'t str) -> Vec<(&'t str, usize)> {
        self.imports
            .iter()
            .map(|r| (&text[r.clone()], r.start))
            .collect()
    }
}

/// Whether a parsed file looks like an X-Definition — a top-level `template` field, or a
/// header `name: {type: "component" | "trait" | ...}` (a definition whose template is
/// missing) — as opposed to plain CUE.
pub fn looks_like_definition(parse: &xdef_syntax::Parse) -> bool {
    parse.root().decls().any(|decl| {
        let Decl::Field(f) = decl else { return false };
        if let Some(LabelName::Ident(i)) = f.label().and_then(|l| l.name()) {
            if i.name() == "template" {
                return true;
            }
        }
        let Some(FieldValue::Expr(Expr::Struct(header))) = f.value() else {
            return false;
        };
        header.decls().any(|d| {
            let Decl::Field(hf) = d else { return false };
            let is_type = matches!(hf.label().and_then(|l| l.name()), Some(LabelName::Ident(i)) if i.name() == "type");
            let Some(FieldValue::Expr(Expr::String(s))) = hf.value() else {
                return false;
            };
            let (decoded, _) = xdef_syntax::literal::decode_string(s);
            is_type
                && decoded
                    .constant()
                    .and_then(|b| String::from_utf8(b).ok())
                    .is_some_and(|t| DefinitionKind::from_type(&t).is_some())
        })
    })
}

/// Whether the file is a bare template — no header and no `template:`, but the top-level
/// fields of a template (`output`, `outputs`, `patch`, `patchOutputs`, `parameter`) and
/// references to `parameter` or `context` — and which kind of definition it is for:
/// a workflow step when it imports a package only workflow steps have, a trait when it
/// patches, else a component.
pub fn bare_template_kind(parse: &xdef_syntax::Parse) -> Option<DefinitionKind> {
    let root = parse.root();
    let mut fields: Vec<String> = Vec::new();
    for decl in root.decls() {
        if let Decl::Field(f) = decl {
            if let Some(LabelName::Ident(i)) = f.label().and_then(|l| l.name()) {
                fields.push(i.name().to_owned());
            }
        }
    }
    let has = |name: &str| fields.iter().any(|f| f == name);
    if has("template") || looks_like_definition(parse) || root.package().is_some() {
        return None;
    }
    if !["output", "outputs", "patch", "patchOutputs", "parameter"]
        .iter()
        .any(|f| has(f))
    {
        return None;
    }
    let import_paths: Vec<String> = root
        .import_decls()
        .flat_map(|d| d.specs().collect::<Vec<_>>())
        .filter_map(|spec| {
            let (decoded, _) = xdef_syntax::literal::decode_string(spec.path()?);
            String::from_utf8(decoded.constant()?).ok()
        })
        .collect();
    let imports_vela = import_paths.iter().any(|p| p.starts_with("vela/"));
    if !imports_vela && !mentions_template_inputs(root.syntax()) {
        return None;
    }
    use crate::packages::{PackageSet, available};
    let workload = available(PackageSet::Workload);
    let workflow = available(PackageSet::Workflow);
    if import_paths
        .iter()
        .any(|p| workflow.contains(&p.as_str()) && !workload.contains(&p.as_str()))
    {
        return Some(DefinitionKind::WorkflowStep);
    }
    if has("patch") || has("patchOutputs") {
        return Some(DefinitionKind::Trait);
    }
    Some(DefinitionKind::Component)
}

/// Whether the tree selects from `parameter` or `context` (`parameter.image`).
fn mentions_template_inputs(node: xdef_syntax::ast::SyntaxNode<'_>) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(sel) = n.cast::<xdef_syntax::ast::SelectorExpr>() {
            if let Some(Expr::Ident(base)) = sel.operand() {
                if matches!(base.name(), "parameter" | "context") {
                    return true;
                }
            }
        }
        stack.extend(n.children());
    }
    false
}

/// A bare template file as a definition of `kind`: everything after the imports is the
/// template body.
pub fn read_bare_template(parse: &xdef_syntax::Parse, kind: DefinitionKind) -> DefinitionFile {
    let text = parse.text();
    let mut def = DefinitionFile {
        kind: Some(kind),
        bare: true,
        ..DefinitionFile::default()
    };
    for import in parse.root().import_decls() {
        def.imports.push(import.range());
    }
    let start = def.imports.last().map_or(0, |r| r.end);
    def.template_range = Some(start..text.len());
    def.template_body = Some(start..text.len());
    def
}

/// Splits a parsed file into header and template and checks the header. A bare template
/// (see [`bare_template_kind`]) is read as the template of a definition of its kind.
pub fn read_definition(parse: &xdef_syntax::Parse) -> DefinitionFile {
    if let Some(kind) = bare_template_kind(parse) {
        return read_bare_template(parse, kind);
    }
    let text = parse.text();
    let mut def = DefinitionFile::default();
    let root = parse.root();
    for import in root.import_decls() {
        def.imports.push(import.range());
    }
    let mut headers: Vec<(String, TextRange, TextRange)> = Vec::new();
    for decl in root.decls() {
        match decl {
            Decl::Field(field) => {
                let Some(label) = field.label() else { continue };
                let name = match label.name() {
                    Some(LabelName::Ident(i)) => i.name().to_owned(),
                    Some(LabelName::String(s)) => {
                        let (d, _) = xdef_syntax::literal::decode_string(s);
                        match d.constant() {
                            Some(b) => String::from_utf8_lossy(&b).into_owned(),
                            None => {
                                def.diagnostics.push(Diagnostic::error(label.range(), "found unexpected decl when parsing cue: the definition name must be a plain string"));
                                continue;
                            }
                        }
                    }
                    _ => {
                        def.diagnostics.push(Diagnostic::error(label.range(), "found unexpected decl when parsing cue: expected the definition's name or `template`"));
                        continue;
                    }
                };
                if name == "template" {
                    if def.template_range.is_some() {
                        def.diagnostics.push(Diagnostic::error(label.range(), "duplicated template field"));
                        continue;
                    }
                    def.template_range = Some(field.range());
                    match field.value() {
                        Some(FieldValue::Expr(xdef_syntax::ast::Expr::Struct(s))) => {
                            let r = s.range();
                            let start = (r.start + 1).min(r.end);
                            let end = if text[..r.end].ends_with('}') { r.end - 1 } else { r.end };
                            def.template_body = Some(start..end.max(start));
                        }
                        _ => def.diagnostics.push(Diagnostic::error(
                            field.range(),
                            "unexpected decl found in template: `template` must be a struct literal `template: {...}`",
                        )),
                    }
                } else {
                    headers.push((name, label.range(), field.range()));
                }
            }
            Decl::Attribute(_) => {}
            other => def.diagnostics.push(Diagnostic::error(
                other.syntax().range(),
                "found unexpected decl when parsing cue: only imports, the definition header and `template` may appear at the top level",
            )),
        }
    }
    if let Some(package) = root.package() {
        def.diagnostics.push(Diagnostic::warning(
            package.range(),
            "a definition file should not have a package clause (KubeVela ignores it)",
        ));
    }
    match headers.len() {
        0 => {
            let at = def.template_range.clone().unwrap_or(0..0);
            def.diagnostics.push(Diagnostic::error(at.start..at.start, "no metadata found, invalid: a definition needs a header field `<name>: {type: ..., ...}`"));
        }
        1 => {}
        _ => {
            let (first, _, _) = &headers[0];
            for (name, range, _) in &headers[1..] {
                def.diagnostics.push(Diagnostic::error(
                    range.clone(),
                    format!("duplicated definition name found, {first} and {name}"),
                ));
            }
        }
    }
    if def.template_range.is_none() {
        def.diagnostics.push(Diagnostic::error(
            0..0,
            "no template found, invalid: a definition needs `template: {...}`",
        ));
    }
    if let Some((name, name_range, field_range)) = headers.into_iter().next() {
        def.name = Some(name.clone());
        def.name_range = Some(name_range);
        def.header_range = Some(field_range.clone());
        evaluate_header(parse, &mut def, &name, field_range);
    }
    def
}

/// Evaluates the header on its own (with the file's imports) and checks its keys.
fn evaluate_header(
    parse: &xdef_syntax::Parse,
    def: &mut DefinitionFile,
    name: &str,
    field_range: TextRange,
) {
    let text = parse.text();
    // The header is evaluated on its own: it does not use the imports (which belong to the
    // template and need the package set its type selects).
    let mut assembly = crate::assembly::Assembly::new();
    assembly.push_mapped(&text[field_range.clone()], field_range.start);
    assembly.push_virtual("\n");
    let mut evaluation = Evaluation::from_sources(
        vec![("header.cue".into(), assembly.text.clone())],
        &NoPackages,
        Budget::default(),
    );
    let Some(v) = evaluation.lookup(name) else {
        return;
    };
    match evaluation.export(v) {
        Ok(data) => {
            check_header(&data, def, parse);
            def.header = Some(data);
        }
        Err(diagnostics) => {
            for d in diagnostics {
                let range = d
                    .span
                    .as_ref()
                    .and_then(|s| assembly.original(s.range.start))
                    .unwrap_or(field_range.start);
                let path = d
                    .path
                    .strip_prefix(&format!("{name}."))
                    .unwrap_or(&d.path)
                    .to_owned();
                let message = if path.is_empty() {
                    format!("definition header: {}", d.message)
                } else {
                    format!("definition header: {path}: {}", d.message)
                };
                def.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    range: range..range,
                    message,
                    path,
                });
            }
        }
    }
}

/// Header keys and `attributes` against the schema of the definition's type.
fn check_header(header: &Data, def: &mut DefinitionFile, parse: &xdef_syntax::Parse) {
    let Data::Struct(fields) = header else {
        def.diagnostics.push(Diagnostic::error(
            def.header_range.clone().unwrap_or(0..0),
            "the definition header must be a struct",
        ));
        return;
    };
    let locate = |path: &[&str]| -> TextRange {
        crate::locate::field_range(parse, def.header_range.clone().unwrap_or(0..0), path)
    };
    const KEYS: [&str; 6] = [
        "type",
        "alias",
        "description",
        "annotations",
        "labels",
        "attributes",
    ];
    for (key, value) in fields {
        if !KEYS.contains(&&**key) {
            let hint = schema::did_you_mean(key, &KEYS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            def.diagnostics.push(Diagnostic::error(
                locate(&[key]),
                format!("unknown definition header key `{key}`{hint}"),
            ));
            continue;
        }
        let expect_string = matches!(&**key, "type" | "alias" | "description");
        if expect_string && !matches!(value, Data::Str(_)) {
            def.diagnostics.push(Diagnostic::error(
                locate(&[key]),
                format!("`{key}` must be a string"),
            ));
        }
        if matches!(&**key, "annotations" | "labels") {
            match value {
                Data::Struct(entries) => {
                    for (k, v) in entries {
                        if !matches!(v, Data::Str(_)) {
                            def.diagnostics.push(Diagnostic::error(
                                locate(&[key, k]),
                                format!("{key}.{k} must be a string"),
                            ));
                        }
                    }
                }
                _ => def.diagnostics.push(Diagnostic::error(
                    locate(&[key]),
                    format!("`{key}` must be a struct of strings"),
                )),
            }
        }
    }
    match header.get("type") {
        None => def.diagnostics.push(Diagnostic::error(
            def.name_range.clone().unwrap_or(0..0),
            "the definition header has no `type` (one of component, trait, policy, workflow-step, workload)",
        )),
        Some(Data::Str(t)) => match DefinitionKind::from_type(t) {
            Some(kind) => def.kind = Some(kind),
            None => {
                let names: Vec<&str> = DefinitionKind::ALL.iter().map(|k| k.type_name()).collect();
                let hint = schema::did_you_mean(t, &names).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
                def.diagnostics.push(Diagnostic::error(locate(&["type"]), format!("invalid type {t}{hint}")));
            }
        },
        Some(_) => {}
    }
    if let (Some(kind), Some(attributes)) = (def.kind, header.get("attributes")) {
        for problem in schema::check_attributes(kind, attributes) {
            let path: Vec<&str> = std::iter::once("attributes")
                .chain(problem.path.iter().map(|s| s.as_str()))
                .collect();
            def.diagnostics.push(Diagnostic {
                severity: problem.severity,
                range: locate(&path),
                message: problem.message,
                path: path.join("."),
            });
        }
    }
}

impl Diagnostic {
    pub fn header_path(&self) -> &str {
        &self.path
    }
}

/// Renders the definition as the CRD object `vela def render` prints.
pub fn to_crd(def: &DefinitionFile, text: &str) -> Result<Data, String> {
    let name = def.name.clone().ok_or("the definition has no name")?;
    let kind = def.kind.ok_or("the definition has no valid type")?;
    let header = def
        .header
        .as_ref()
        .ok_or("the definition header is not concrete")?;
    let mut annotations: Vec<(std::rc::Rc<str>, Data)> = Vec::new();
    let mut labels: Vec<(std::rc::Rc<str>, Data)> = Vec::new();
    let prefixed = |k: &str| {
        if k.contains("oam.dev") {
            k.to_owned()
        } else {
            format!("custom.definition.oam.dev/{k}")
        }
    };
    if let Some(Data::Struct(entries)) = header.get("annotations") {
        for (k, v) in entries {
            annotations.push((prefixed(k).into(), v.clone()));
        }
    }
    if let Some(Data::Str(alias)) = header.get("alias") {
        annotations.push(("definition.oam.dev/alias".into(), Data::Str(alias.clone())));
    }
    if let Some(Data::Str(desc)) = header.get("description") {
        annotations.push((
            "definition.oam.dev/description".into(),
            Data::Str(desc.clone()),
        ));
    }
    if let Some(Data::Struct(entries)) = header.get("labels") {
        for (k, v) in entries {
            labels.push((prefixed(k).into(), v.clone()));
        }
    }
    let mut spec: Vec<(std::rc::Rc<str>, Data)> = match header.get("attributes") {
        Some(Data::Struct(fields)) => fields.clone(),
        _ => Vec::new(),
    };
    // The stored template is the original imports and template text.
    let mut template = String::new();
    for (import, _) in def.imports_text(text) {
        template.push_str(import);
        template.push('\n');
    }
    if !template.is_empty() {
        template.push('\n');
    }
    if let Some(range) = &def.template_range {
        template.push_str(&text[range.clone()]);
        template.push('\n');
    }
    spec.push((
        "schematic".into(),
        Data::Struct(vec![(
            "cue".into(),
            Data::Struct(vec![("template".into(), Data::str(&template))]),
        )]),
    ));
    let mut metadata: Vec<(std::rc::Rc<str>, Data)> = Vec::new();
    if !annotations.is_empty() {
        metadata.push(("annotations".into(), Data::Struct(annotations)));
    }
    if !labels.is_empty() {
        metadata.push(("labels".into(), Data::Struct(labels)));
    }
    metadata.push(("name".into(), Data::str(&name)));
    Ok(Data::Struct(vec![
        ("apiVersion".into(), Data::str("core.oam.dev/v1beta1")),
        ("kind".into(), Data::str(kind.crd_kind())),
        ("metadata".into(), Data::Struct(metadata)),
        ("spec".into(), Data::Struct(spec)),
    ]))
}
