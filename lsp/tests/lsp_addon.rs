//! The evaluation tier on a file of a KubeVela addon: it is checked with the addon's other
//! files (read from disk) and `context.metadata`, as `xdef check` checks the addon, and the
//! editor's unsaved text of the file is what gets checked.

mod lsp_common;

use std::path::PathBuf;

use lsp_common::*;
use serde_json::{Value, json};

const CONTROLLER: &str = "package main\n\ncontroller: {\n\tname: \"controller\"\n\ttype: \"webservice\"\n\tproperties: {\n\t\treplicas: parameter.replicas\n\t\timage:    \"\\(context.metadata.name):1\"\n\t}\n}\n";

fn addon_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xdef-lsp-addon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("metadata.yaml", "name: demo\nversion: 1.0.0\n");
    write(
        "template.cue",
        "package main\n\noutput: {\n\tapiVersion: \"core.oam.dev/v1beta1\"\n\tkind:       \"Application\"\n\tspec: components: [controller]\n}\n",
    );
    write(
        "parameter.cue",
        "package main\n\nparameter: {\n\treplicas: *1 | int\n}\n",
    );
    write("resources/controller.cue", CONTROLLER);
    dir
}

fn messages(d: &Value) -> Vec<String> {
    d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!(
                "{}: {}",
                x["range"]["start"]["line"],
                x["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_addon_resource_is_checked_with_its_package_and_the_editor_text() {
    let dir = addon_dir();
    let mut s = server();
    let u = format!("file://{}/resources/controller.cue", dir.display());

    // `parameter` (parameter.cue) and `context.metadata` (metadata.yaml) resolve: no
    // "reference not found", an explicit empty list.
    s.open(&u, CONTROLLER);
    let d = s.wait_checked(&u, 1);
    assert_eq!(messages(&d), Vec::<String>::new());

    // An unsaved edit that conflicts with parameter.cue is found at its line (6, from 0).
    let at = CONTROLLER.find("parameter.replicas").unwrap() + "parameter.replicas".len();
    let line = CONTROLLER[..at].matches('\n').count();
    let col = at - CONTROLLER[..at].rfind('\n').unwrap() - 1;
    let v = s.change(
        &u,
        json!([{"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": " & string"}]),
    );
    let d = s.wait_checked(&u, v);
    let found = messages(&d);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("6: "), "{found:?}");
    assert!(found[0].contains("conflicting values"), "{found:?}");
}
