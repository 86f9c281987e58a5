//! `xdef check` on a CUE addon: template.cue, parameter.cue and resources/ are one
//! package (checked together, errors in the file they are written in), a resource file of
//! another package is ignored with a warning, definitions/ are checked on their own.

use std::path::PathBuf;
use std::process::Command;

fn addon_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xdef-check-addon-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("metadata.yaml", "name: demo\nversion: 1.0.0\n");
    write(
        "template.cue",
        "package main\n\noutput: {\n\tapiVersion: \"core.oam.dev/v1beta1\"\n\tkind:       \"Application\"\n\tmetadata: name: context.metadata.name\n\tspec: components: [controller]\n}\n",
    );
    write(
        "parameter.cue",
        "package main\n\nparameter: {\n\treplicas: *1 | int\n}\n",
    );
    write(
        "resources/controller.cue",
        "package main\n\ncontroller: {\n\tname: \"controller\"\n\ttype: \"webservice\"\n\tproperties: {\n\t\treplicas: parameter.replicas & string\n\t}\n}\n",
    );
    write("resources/stray.cue", "output: {type: \"k8s-objects\"}\n");
    write(
        "definitions/label.cue",
        "label: {\n\ttype: \"trait\"\n}\ntemplate: {\n\tpatch: metadata: labels: app: context.nmae\n\tparameter: {}\n}\n",
    );
    dir
}

#[test]
fn an_addon_is_checked_as_one_package() {
    let dir = addon_dir("package");
    let out = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .arg("check")
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    // The conflict is in the resource file, at the line it is written on; the template's
    // references to `controller`, `parameter` and `context.metadata` resolve.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("resources/controller.cue:7:") && l.contains("conflicting values")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("resources/stray.cue:1:1: warning:")
                && l.contains("not in the addon's package")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("definitions/label.cue:5:")
                && l.contains("context.nmae does not exist")),
        "{stderr}"
    );
    assert!(!stderr.contains("not found"), "{stderr}");
    assert!(lines.last().unwrap().starts_with("2 errors"), "{stderr}");
}
