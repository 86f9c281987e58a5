//! Status and health of a rendered resource, as KubeVela computes them
//! (`pkg/cue/definition/health`): with plain CUE (no `vela/*` packages) and a context
//! holding the live objects, first `details` (each concrete regular field, `$`-prefixed
//! fields kept local), then `healthPolicy` (`isHealth`, true when there is no policy), then
//! `customStatus` (`message`).

use std::rc::Rc;

use xdef_cue::{Budget, Data, Evaluation, NoPackages, encode};

use crate::definition::DefinitionFile;

/// The scripts of `attributes.status`, as CUE source (string form, or the CUE-struct form
/// turned back into source by the caller).
#[derive(Clone, Debug, Default)]
pub struct StatusScripts {
    pub details: Option<String>,
    pub health_policy: Option<String>,
    pub custom_status: Option<String>,
}

/// What the status scripts say about a live object.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub healthy: bool,
    pub message: String,
    pub details: Vec<(String, String)>,
    /// Evaluation problems (KubeVela logs them and reports unhealthy).
    pub errors: Vec<String>,
}

/// The status scripts of a definition: the string form (`healthPolicy: #"""…"""#`) or the
/// CUE-struct form, which is printed back to CUE.
pub fn scripts(def: &DefinitionFile) -> StatusScripts {
    let status = def.header_field("attributes").and_then(|a| a.get("status"));
    let get = |key: &str| -> Option<String> {
        match status?.get(key)? {
            Data::Str(s) => Some(s.to_string()),
            other @ Data::Struct(_) => Some(encode::to_cue(other)),
            _ => None,
        }
    };
    StatusScripts {
        details: get("details"),
        health_policy: get("healthPolicy"),
        custom_status: get("customStatus"),
    }
}

/// Evaluates the status scripts against a live object.
pub fn evaluate(
    scripts: &StatusScripts,
    name: &str,
    app_name: &str,
    output: &Data,
    outputs: &[(Rc<str>, Data)],
    parameter: &Data,
) -> Status {
    let mut errors = Vec::new();
    let mut details: Vec<(String, String)> = Vec::new();
    let mut details_data: Vec<(Rc<str>, Data)> = Vec::new();
    let context = |details: &[(Rc<str>, Data)], healthy: Option<bool>| {
        let mut status: Vec<(Rc<str>, Data)> =
            vec![("details".into(), Data::Struct(details.to_vec()))];
        if let Some(h) = healthy {
            status.push(("healthy".into(), Data::Bool(h)));
        }
        Data::Struct(vec![
            ("name".into(), Data::str(name)),
            ("appName".into(), Data::str(app_name)),
            ("appRevision".into(), Data::str(&format!("{app_name}-v1"))),
            ("output".into(), output.clone()),
            ("outputs".into(), Data::Struct(outputs.to_vec())),
            ("status".into(), Data::Struct(status)),
        ])
    };
    let run = |script: &str,
               ctx: &Data,
               errors: &mut Vec<String>|
     -> Option<(Evaluation, xdef_cue::VId)> {
        let text = format!(
            "{script}\ncontext: {}\nparameter: {}\n",
            encode::to_json(ctx, None),
            encode::to_json(parameter, None)
        );
        let mut e = Evaluation::from_sources(
            vec![("status.cue".into(), text)],
            &NoPackages,
            Budget {
                max_steps: 1_000_000,
                ..Budget::default()
            },
        );
        if let Some(d) = e.compile_diagnostics().first() {
            errors.push(d.text());
            return None;
        }
        let root = e.root();
        Some((e, root))
    };
    if let Some(script) = &scripts.details {
        if let Some((mut e, root)) = run(script, &context(&[], None), &mut errors) {
            e.evaluator.finalize(root);
            let fields: Vec<_> = e.evaluator.arcs(root).collect();
            for (f, arc) in fields {
                let label = e.evaluator.label_str(f);
                if !f.is_regular()
                    || label.len() >= 32
                    || label == "context".into()
                    || label == "parameter".into()
                {
                    continue;
                }
                match xdef_cue::export::export_data(
                    &mut e.evaluator,
                    arc,
                    &crate::render::lenient(),
                ) {
                    Ok(d) => {
                        let shown = match &d {
                            Data::Str(s) => s.to_string(),
                            other => encode::to_cue(other).trim_end().to_owned(),
                        };
                        if !label.starts_with('$') {
                            details.push((label.to_string(), shown));
                        }
                        details_data.push((label, d));
                    }
                    Err(_) => details.push((label.to_string(), "_|_".into())),
                }
            }
        }
    }
    let mut healthy = true;
    if let Some(script) = &scripts.health_policy {
        healthy = false;
        if let Some((mut e, _)) = run(script, &context(&details_data, None), &mut errors) {
            match e.lookup("isHealth").map(|v| {
                xdef_cue::export::export_data(&mut e.evaluator, v, &crate::render::lenient())
            }) {
                Some(Ok(Data::Bool(b))) => healthy = b,
                Some(Ok(other)) => errors.push(format!(
                    "isHealth must be a bool, not {}",
                    other.kind_name()
                )),
                Some(Err(errs)) => {
                    errors.push(errs.first().map(|e| e.message.clone()).unwrap_or_default())
                }
                None => errors.push("healthPolicy must contain an 'isHealth' field".into()),
            }
        }
    }
    let mut message = String::new();
    if let Some(script) = &scripts.custom_status {
        if let Some((mut e, _)) = run(script, &context(&details_data, Some(healthy)), &mut errors) {
            match e.lookup("message").map(|v| {
                xdef_cue::export::export_data(&mut e.evaluator, v, &crate::render::lenient())
            }) {
                Some(Ok(Data::Str(s))) => message = s.to_string(),
                Some(Ok(other)) => errors.push(format!(
                    "message must be a string, not {}",
                    other.kind_name()
                )),
                Some(Err(errs)) => {
                    errors.push(errs.first().map(|e| e.message.clone()).unwrap_or_default())
                }
                None => errors.push("customStatus must contain a 'message' field".into()),
            }
        }
    }
    Status {
        healthy,
        message,
        details,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_then_message() {
        let scripts = StatusScripts {
            details: Some("ready: context.output.status.readyReplicas\n$hidden: 1".into()),
            health_policy: Some("isHealth: context.output.status.readyReplicas == context.output.spec.replicas".into()),
            custom_status: Some("message: \"Ready:\\(context.output.status.readyReplicas)/\\(context.output.spec.replicas) healthy=\\(context.status.healthy)\"".into()),
        };
        let live = Data::Struct(vec![
            (
                "spec".into(),
                Data::Struct(vec![(
                    "replicas".into(),
                    Data::Num(xdef_cue::number::Num::int(2)),
                )]),
            ),
            (
                "status".into(),
                Data::Struct(vec![(
                    "readyReplicas".into(),
                    Data::Num(xdef_cue::number::Num::int(1)),
                )]),
            ),
        ]);
        let s = evaluate(&scripts, "web", "app", &live, &[], &Data::Struct(vec![]));
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert!(!s.healthy);
        assert_eq!(s.message, "Ready:1/2 healthy=false");
        assert_eq!(s.details, vec![("ready".to_owned(), "1".to_owned())]);
    }
}
