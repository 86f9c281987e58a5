//! `xdef dry-run` through the built binary: the example Application, errors with positions
//! and exit codes, stdin, standalone policy files, JSON, and (when `kubectl` is installed)
//! that the output is a YAML stream Kubernetes tooling reads.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn xdef(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xdef"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run xdef");
    {
        let mut input = child.stdin.take().expect("stdin");
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("xdef output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xdef-dry-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn example_application() {
    let out = xdef(
        &[
            "dry-run",
            "-f",
            "examples/app.yaml",
            "-d",
            "examples/definitions",
        ],
        None,
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert!(
        stdout.starts_with(
            "---\n# Application(demo with topology local) -- Component(web)\n---\n\napiVersion: apps/v1\nkind: Deployment\n"
        ),
        "{stdout}"
    );
    // The override policy's image, the sidecar trait, KubeVela's labels.
    assert!(stdout.contains("        image: nginx:1.26\n"), "{stdout}");
    assert!(stdout.contains("      - image: busybox:1.36\n        name: log-agent\n"));
    assert!(stdout.contains("    app.oam.dev/namespace: demo\n"));
    assert!(stdout.contains("    workload.oam.dev/type: worker\n"));
    assert!(stdout.ends_with("\n---\n\n\n"), "{stdout:?}");
}

#[test]
fn errors_are_file_line_col_and_exit_1() {
    let app = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  components:\n    - name: web\n      type: workr\n";
    let out = xdef(
        &["dry-run", "-f", "-", "-d", "examples/definitions"],
        Some(app),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "<stdin>:8:13: component \"web\": type \"workr\" not found in examples/definitions (did you mean \"worker\"?)\n"
    );
    assert_eq!(text(&out.stdout), "");

    let out = xdef(
        &["dry-run", "-f", "-", "-d", "examples/definitions"],
        Some("apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: [x}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("<stdin>:3:20: invalid YAML: "),
        "{}",
        text(&out.stderr)
    );

    // A missing required property: the template's error, at the component.
    let out = xdef(
        &["dry-run", "-f", "-", "-d", "examples/definitions"],
        Some(&app.replace("workr", "worker")),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("<stdin>:7:7: component \"web\": validation failed for workload web:\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("image: incomplete value string"),
        "{stderr}"
    );

    // Unreadable input: exit 2.
    let out = xdef(
        &[
            "dry-run",
            "-f",
            "no/such/app.yaml",
            "-d",
            "examples/definitions",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("xdef: no/such/app.yaml: "));
}

#[test]
fn standalone_policy_files_and_json() {
    let dir = scratch("policies");
    let app = dir.join("app.yaml");
    std::fs::write(
        &app,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: demo\nspec:\n  components:\n    - name: web\n      type: worker\n      properties: {image: nginx}\n",
    )
    .unwrap();
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: core.oam.dev/v1alpha1\nkind: Policy\nmetadata:\n  name: bump\ntype: override\nproperties:\n  components:\n    - name: web\n      properties: {image: nginx:2}\n",
    )
    .unwrap();
    let files = format!("{},{}", app.display(), policy.display());
    // Not referenced: a warning on stderr, and the policy is not applied.
    let out = xdef(
        &["dry-run", "-f", &files, "-d", "examples/definitions"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr)
            .ends_with("policy.yaml:1:1: warning: policy bump not referenced by application\n"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("image: nginx\n"));
    // --merge applies it (through the deploy step KubeVela generates for overrides).
    let out = xdef(
        &[
            "dry-run",
            "-f",
            &files,
            "-d",
            "examples/definitions",
            "--merge",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"application\": \"demo only with override policies\""),
        "{stdout}"
    );
    assert!(stdout.contains("\"image\": \"nginx:2\""), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kubernetes_tooling_reads_the_output() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl not installed; skipped");
        return;
    }
    let out = xdef(
        &[
            "dry-run",
            "-f",
            "examples/app.yaml",
            "-d",
            "examples/definitions",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let dir = scratch("kustomize");
    std::fs::write(dir.join("out.yaml"), &out.stdout).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- out.yaml\n").unwrap();
    let k = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .expect("kubectl kustomize");
    assert!(k.status.success(), "{}", text(&k.stderr));
    let objects = text(&k.stdout);
    // The header comments are empty documents: one object comes out.
    assert_eq!(
        objects.matches("\nkind: ").count() + usize::from(objects.starts_with("kind: ")),
        1,
        "{objects}"
    );
    assert!(objects.contains("kind: Deployment"));
    let _ = std::fs::remove_dir_all(&dir);
}
