//! Application YAML through the protocol: a workspace of definitions
//! (`tests/fixtures/appws/definitions`: `.cue` files and CRD YAML) and Applications checked,
//! completed and hovered against it; YAML that is not an Application gets nothing; broken
//! YAML never hurts the server.

mod lsp_common;

use lsp_common::*;
use serde_json::{Value, json};

fn ws_dir() -> String {
    format!("{}/tests/fixtures/appws", env!("CARGO_MANIFEST_DIR"))
}

fn ws_uri(name: &str) -> String {
    format!("file://{}/{name}", ws_dir())
}

fn ws_fixture(name: &str) -> String {
    fixture(&format!("appws/{name}"))
}

/// A server whose workspace is the fixture folder.
fn ws_server() -> Server {
    server_with(
        json!({"workspaceFolders": [{"uri": format!("file://{}", ws_dir()), "name": "appws"}]}),
    )
}

/// Opens YAML and waits for its evaluation tier (which starts once the workspace has been
/// read).
fn open_app(s: &mut Server, name: &str, text: &str) -> (String, Value) {
    let u = ws_uri(name);
    s.open_as(&u, "yaml", text);
    let d = s.wait_checked(&u, 1);
    (u, d)
}

/// Without the machine's path to the fixtures.
fn redact(s: &str) -> String {
    s.replace(&ws_dir(), "<ws>")
}

/// `text` with `|` marking the cursor: the text without it, and the cursor's position.
fn cursor(text: &str) -> (String, Value) {
    let at = text.find('|').expect("a cursor");
    let clean = format!("{}{}", &text[..at], &text[at + 1..]);
    let p = position(&clean, at);
    (clean, p)
}

const BROKEN: &str = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: shop
spec:
  components:
    - name: frontend
      type: webap
    - name: api
      type: webapp
      properties:
        image: example/api:2
        replicas: two
        pulPolicy: Always
      traits:
        - type: autoscale
          properties:
            min: 2
    - name: reports
      type: nightly-batch
      properties:
        image: example/reports:0.9
      traits:
        - type: autoscale
          properties: {max: 3}
    - name: tags
      type: team-labels
  workflow:
    steps:
      - name: tell
        type: announce
        properties:
          chanel: releases
";

#[test]
fn application_diagnostics() {
    let mut s = ws_server();
    // The fixture Application is clean.
    let (_, d) = open_app(&mut s, "app.yaml", &ws_fixture("app.yaml"));
    assert_eq!(render_diagnostics(&d), "(none)\n");
    let (u, d) = open_app(&mut s, "broken.yaml", BROKEN);
    let mut out = render_diagnostics(&d);
    // The other side of a parameter problem: where the definition declares it.
    let related: Vec<String> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["relatedInformation"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|r| {
            redact(&format!(
                "{}:{} {}",
                r["location"]["uri"].as_str().unwrap(),
                r["location"]["range"]["start"]["line"],
                r["message"].as_str().unwrap()
            ))
        })
        .collect();
    out += "\n## related\n";
    out += &related.join("\n");
    snapshot!("application_diagnostics", out);
    // CRLF line ends: the same problems at the same places.
    let (_, crlf) = open_app(&mut s, "broken-crlf.yaml", &BROKEN.replace('\n', "\r\n"));
    assert_eq!(render_diagnostics(&crlf), render_diagnostics(&d));

    // A YAML syntax error is published at once (tier 1), then by the check too.
    let v = s.change(
        &u,
        json!([{"text": BROKEN.replace("chanel: releases", "chanel: [releases")}]),
    );
    let d = s.wait_diagnostics(&u, |p| p["version"] == json!(v));
    assert_eq!(
        render_diagnostics(&d),
        "33:0-33:0 error invalid YAML: while parsing a flow sequence, expected ',' or ']'\n"
    );
    let d = s.wait_checked(&u, v);
    assert!(
        render_diagnostics(&d).contains("invalid YAML"),
        "{}",
        render_diagnostics(&d)
    );
    // Fixed: the check runs again on the fixed text.
    let fixed = BROKEN
        .replace(
            "type: webap\n",
            "type: webapp\n      properties: {image: x}\n",
        )
        .replace("replicas: two", "replicas: 2")
        .replace("pulPolicy", "pullPolicy")
        .replace("min: 2", "min: 2\n            max: 4")
        .replace("chanel", "channel")
        .replace(
            "      type: team-labels\n",
            "      type: nightly-batch\n      properties: {image: img}\n",
        );
    let v = s.change(&u, json!([{"text": fixed}]));
    let d = s.wait_checked(&u, v);
    assert_eq!(
        render_diagnostics(&d),
        "25:16-25:25 warning component \"reports\": trait \"autoscale\" applies to [\"deployments.apps\"], not to this component (nightly-batch, cronjobs.batch); KubeVela renders it anyway\n"
    );
    s.shutdown();
}

#[test]
fn a_changed_definition_checks_open_applications_again() {
    let mut s = ws_server();
    let app = "apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: a}
spec:
  components:
    - name: web
      type: webapp
      properties: {image: x}
      traits:
        - type: autoscale
          properties: {min: 2}
";
    let (u, d) = open_app(&mut s, "scale.yaml", app);
    assert!(
        render_diagnostics(&d).contains("missing required parameter \"max\""),
        "{}",
        render_diagnostics(&d)
    );
    // The trait's `max` gets a default in the editor (not saved): the Application is
    // checked again, with no change of its own.
    let def = ws_fixture("definitions/autoscale.cue").replace("max: int", "max: *10 | int");
    s.open(&ws_uri("definitions/autoscale.cue"), &def);
    let d = s.wait_checked(&u, 1);
    assert_eq!(render_diagnostics(&d), "(none)\n");
    // A type the workspace does not have any more once the editor renames it.
    let renamed = ws_fixture("definitions/autoscale.cue").replace("autoscale: {", "autoscaler: {");
    s.change(
        &ws_uri("definitions/autoscale.cue"),
        json!([{"text": renamed}]),
    );
    let d = s.wait_checked(&u, 1);
    assert_eq!(
        render_diagnostics(&d),
        "9:16-9:25 error component \"web\": trait type \"autoscale\" not found in the workspace (did you mean \"autoscaler\"?)\n"
    );
    s.shutdown();
}

fn complete_at(s: &mut Server, name: &str, text_with_cursor: &str) -> String {
    let (text, p) = cursor(text_with_cursor);
    let u = ws_uri(name);
    s.open_as(&u, "yaml", &text);
    s.wait_diagnostics(&u, |_| true);
    let r = s.request("textDocument/completion", at(&u, p));
    // The types KubeVela provides come last: the first few are enough here.
    let mut out = String::new();
    let mut builtins = 0;
    for line in render_completion(&r).lines() {
        if line.ends_with("built into KubeVela") {
            builtins += 1;
            if builtins > 2 {
                continue;
            }
        }
        out += line;
        out += "\n";
    }
    if builtins > 2 {
        out += &format!("… {} more built into KubeVela\n", builtins - 2);
    }
    out
}

const HEAD: &str =
    "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: shop\nspec:\n";

#[test]
fn application_completion() {
    let mut s = ws_server();
    // Completion never waits for the workspace to be read; a check does.
    open_app(&mut s, "app.yaml", &ws_fixture("app.yaml"));
    let mut out = String::new();
    out += "## component type\n";
    out += &complete_at(
        &mut s,
        "c1.yaml",
        &format!("{HEAD}  components:\n    - name: web\n      type: we|\n"),
    );
    out += "\n## trait type (sequence at its key's column)\n";
    out += &complete_at(
        &mut s,
        "c2.yaml",
        &format!(
            "{HEAD}  components:\n  - name: web\n    type: webapp\n    traits:\n    - type: |\n"
        ),
    );
    out += "\n## component properties (not those written)\n";
    out += &complete_at(
        &mut s,
        "c3.yaml",
        &format!(
            "{HEAD}  components:\n    - name: web\n      type: webapp\n      properties:\n        image: x\n        |\n        port: 8080\n"
        ),
    );
    out += "\n## nested: a probe's fields\n";
    out += &complete_at(
        &mut s,
        "c4.yaml",
        &format!(
            "{HEAD}  components:\n    - type: webapp\n      name: web\n      properties:\n        probe:\n          pa|\n"
        ),
    );
    out += "\n## list items: env entries\n";
    out += &complete_at(
        &mut s,
        "c5.yaml",
        &format!(
            "{HEAD}  components:\n    - type: webapp\n      name: web\n      properties:\n        env:\n          - |\n"
        ),
    );
    out += "\n## enumeration\n";
    out += &complete_at(
        &mut s,
        "c6.yaml",
        &format!(
            "{HEAD}  components:\n    - name: web\n      type: webapp\n      properties:\n        pullPolicy: |\n"
        ),
    );
    out += "\n## CRD trait properties, and its enumeration\n";
    out += &complete_at(
        &mut s,
        "c7.yaml",
        &format!(
            "{HEAD}  components:\n    - name: web\n      type: webapp\n      traits:\n        - type: team-labels\n          properties:\n            tier: gold\n            |\n"
        ),
    );
    out += &complete_at(
        &mut s,
        "c8.yaml",
        &format!(
            "{HEAD}  components:\n    - name: web\n      type: webapp\n      traits:\n        - type: team-labels\n          properties:\n            tier: \"s|\"\n"
        ),
    );
    out += "\n## workflow step type and properties\n";
    out += &complete_at(
        &mut s,
        "c9.yaml",
        &format!("{HEAD}  workflow:\n    steps:\n      - name: a\n        type: an|\n"),
    );
    out += &complete_at(
        &mut s,
        "c10.yaml",
        &format!(
            "{HEAD}  workflow:\n    steps:\n      - name: a\n        type: announce\n        properties:\n          me|\n"
        ),
    );
    snapshot!("application_completion", out);
    // The edit inserts `key: ` on a new key, and replaces the whole value.
    let (text, p) = cursor(&format!(
        "{HEAD}  components:\n    - name: web\n      type: webapp\n      properties:\n        rep|\n"
    ));
    let u = ws_uri("edit.yaml");
    s.open_as(&u, "yaml", &text);
    let r = s.request("textDocument/completion", at(&u, p));
    let replicas = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "replicas")
        .expect("replicas offered")
        .clone();
    assert_eq!(
        apply_edits(&text, &json!([replicas["textEdit"]])),
        text.replace("        rep\n", "        replicas: \n")
    );
    // Right after a colon, a value comes with its space.
    let (text, p) = cursor(&format!(
        "{HEAD}  components:\n    - name: web\n      type:|\n"
    ));
    let u = ws_uri("edit2.yaml");
    s.open_as(&u, "yaml", &text);
    let r = s.request("textDocument/completion", at(&u, p));
    assert_eq!(r["items"][0]["textEdit"]["newText"], " nightly-batch");
    assert!(
        replicas["documentation"]["value"]
            .as_str()
            .unwrap()
            .contains("How many pods to run\n\nDefault: `1`"),
        "{replicas}"
    );
    s.shutdown();
}

fn hover_at(s: &mut Server, u: &str, text: &str, needle: &str, delta: isize) -> String {
    let r = s.request("textDocument/hover", at(u, pos(text, needle, 0, delta)));
    if r.is_null() {
        return "(none)\n".into();
    }
    format!(
        "{}\n[{}:{}-{}:{}]\n",
        redact(r["contents"]["value"].as_str().unwrap()),
        r["range"]["start"]["line"],
        r["range"]["start"]["character"],
        r["range"]["end"]["line"],
        r["range"]["end"]["character"]
    )
}

#[test]
fn application_hover_and_definition() {
    let mut s = ws_server();
    let text = ws_fixture("app.yaml");
    let (u, _) = open_app(&mut s, "app.yaml", &text);
    let mut out = String::new();
    out += "## type webapp\n";
    out += &hover_at(&mut s, &u, &text, "type: webapp", 8);
    out += "\n## CRD trait type\n";
    out += &hover_at(&mut s, &u, &text, "type: team-labels", 8);
    out += "\n## built-in policy type\n";
    out += &hover_at(&mut s, &u, &text, "type: topology", 8);
    out += "\n## property key\n";
    out += &hover_at(&mut s, &u, &text, "replicas: 2", 2);
    out += "\n## property of a CRD step\n";
    out += &hover_at(&mut s, &u, &text, "channel:", 2);
    out += "\n## not a type or a property\n";
    out += &hover_at(&mut s, &u, &text, "name: shop", 2);
    snapshot!("application_hover", out);
    let r = s.request(
        "textDocument/definition",
        at(&u, pos(&text, "type: autoscale", 0, 9)),
    );
    assert_eq!(
        redact(r[0]["uri"].as_str().unwrap()),
        "file://<ws>/definitions/autoscale.cue"
    );
    assert_eq!(r[0]["range"]["start"]["line"], 0);
    s.shutdown();
}

/// Every request a YAML document could get, and what came back.
fn ask_everything(s: &mut Server, u: &str, p: Value) -> Vec<(String, Value)> {
    let td = json!({"uri": u});
    let reqs = [
        ("textDocument/completion", at(u, p.clone())),
        ("textDocument/hover", at(u, p.clone())),
        ("textDocument/definition", at(u, p.clone())),
        ("textDocument/documentSymbol", json!({"textDocument": td})),
        (
            "textDocument/semanticTokens/full",
            json!({"textDocument": td}),
        ),
        ("textDocument/foldingRange", json!({"textDocument": td})),
        (
            "textDocument/formatting",
            json!({"textDocument": td, "options": {"tabSize": 2, "insertSpaces": true}}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": td, "range": {"start": p, "end": p}, "context": {"diagnostics": []}}),
        ),
        (
            "textDocument/inlayHint",
            json!({"textDocument": td, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}),
        ),
    ];
    reqs.into_iter()
        .map(|(m, params)| (m.to_owned(), s.request(m, params)))
        .collect()
}

#[test]
fn yaml_that_is_not_an_application_gets_nothing() {
    let mut s = ws_server();
    let argo = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  source:\n    repoURL: https://example.com/repo.git\n    path: apps\n  destination: {namespace: shop}\n";
    for (name, text) in [
        ("not-an-app.yaml", ws_fixture("not-an-app.yaml")),
        ("argo.yaml", argo.to_owned()),
    ] {
        let u = ws_uri(name);
        s.open_as(&u, "yaml", &text);
        let d = s.wait_diagnostics(&u, |_| true);
        assert_eq!(render_diagnostics(&d), "(none)\n", "{name}");
        let p = if name == "argo.yaml" {
            pos(&text, "path", 0, 2)
        } else {
            pos(&text, "type: oops", 0, 7)
        };
        for (method, r) in ask_everything(&mut s, &u, p) {
            let empty = r.is_null() || r["items"].as_array().is_some_and(Vec::is_empty);
            assert!(empty, "{name}: {method} answered {r}");
        }
    }
    // An Application next to them is checked; they never were.
    let (_, d) = open_app(&mut s, "app.yaml", &ws_fixture("app.yaml"));
    assert_eq!(render_diagnostics(&d), "(none)\n");
    assert!(!s.seen(|m| {
        m["method"] == "xdef/checkDone"
            && m["params"]["uri"]
                .as_str()
                .is_some_and(|u| !u.ends_with("/app.yaml"))
    }));
    assert!(!s.seen(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| !d.is_empty())
    }));
    s.shutdown();
}

#[test]
fn malformed_yaml_never_hurts_the_server() {
    let mut s = ws_server();
    let app = ws_fixture("app.yaml");
    let u = ws_uri("mangled.yaml");
    s.open_as(&u, "yaml", &app);
    let mut texts: Vec<String> = Vec::new();
    // The Application cut short everywhere, and some hostile shapes.
    let mut cut = 0;
    while cut < app.len() {
        texts.push(app[..cut].to_owned());
        cut += 37;
    }
    texts.extend(
        [
            "kind: Application\napiVersion: core.oam.dev/v1beta1\nspec: [\n  - {",
            "kind: Application\napiVersion: core.oam.dev/v1beta1\nspec:\n\tcomponents:\n\t- type: webapp\n",
            "kind: Application\napiVersion: core.oam.dev/v1beta1\nspec:\n  components:\n    - - - type: x\n      - properties:\n  - :\n",
            "kind: Application\napiVersion: core.oam.dev/v1beta1\nspec: &a\n  components: *a\n  x: !!binary é𝄞\r\n  \"unterminated: x\n",
            "kind: Application\napiVersion: core.oam.dev/v1beta1\n? [complex, key]\n: value\n---\n--- \n...\n",
        ]
        .map(str::to_owned),
    );
    for text in &texts {
        let v = s.change(&u, json!([{"text": text}]));
        let d = s.wait_diagnostics(&u, |p| p["version"] == json!(v));
        assert!(d["diagnostics"].is_array());
        for offset in (0..=text.len()).step_by(23) {
            let offset = (0..=offset)
                .rev()
                .find(|o| text.is_char_boundary(*o))
                .unwrap();
            let p = position(text, offset);
            for method in ["textDocument/completion", "textDocument/hover"] {
                let id = s.send_request(method, at(&u, p.clone()));
                let r = s.response(id);
                assert!(
                    r.get("error").is_none(),
                    "{method} at {offset} of {text:?}: {r}"
                );
            }
        }
    }
    // The evaluation tier survives them too.
    let v = s.change(&u, json!([{"text": app}]));
    let d = s.wait_checked(&u, v);
    assert_eq!(render_diagnostics(&d), "(none)\n");
    s.shutdown();
}

#[test]
fn without_definitions_only_the_structure_is_checked() {
    // No workspace folder: no definitions to compare types with.
    let mut s = server();
    let u = "file:///nowhere/app.yaml";
    let text = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components:\n    - name: web\n      type: my-own-type\n      propertes: {image: x}\n";
    s.open_as(u, "yaml", text);
    let d = s.wait_checked(u, 1);
    assert_eq!(
        render_diagnostics(&d),
        "7:6-7:15 error component \"web\": unknown field \"propertes\" (did you mean \"properties\"?)\n"
    );
    s.shutdown();
}
