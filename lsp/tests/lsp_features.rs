//! Every feature of `xdef lsp` through the protocol, on fixtures, with snapshots of the
//! answers (rendered compactly).

mod lsp_common;

use lsp_common::*;
use serde_json::{Value, json};

/// Completion at the `nth` `needle` + `delta`, in a document with `text`.
fn complete(s: &mut Server, u: &str, text: &str, needle: &str, nth: usize, delta: isize) -> String {
    let r = s.request(
        "textDocument/completion",
        at(u, pos(text, needle, nth, delta)),
    );
    render_completion(&r)
}

/// Opens `text` under `name` (waiting for tier 1 only) and returns its URI.
fn open_text(s: &mut Server, name: &str, text: &str) -> String {
    let u = uri(name);
    s.open(&u, text);
    s.wait_diagnostics(&u, |_| true);
    u
}

#[test]
fn completion_contexts() {
    let mut s = server();
    let (u, text, _) = open_checked(&mut s, "component.cue");
    let mut out = String::new();
    // `context.` with docs by definition type.
    let edited = text.replace("context.nmae", "context.");
    let u2 = open_text(&mut s, "component-edit.cue", &edited);
    out += "## context.\n";
    out += &complete(
        &mut s,
        &u2,
        &edited,
        "name: context.",
        0,
        "name: context.".len() as isize,
    );
    out += "\n## parameter.\n";
    out += &complete(
        &mut s,
        &u,
        &text,
        "parameter.replicas",
        0,
        "parameter.".len() as isize,
    );
    out += "\n## strings.\n";
    out += &complete(
        &mut s,
        &u,
        &text,
        "strings.ToUpper",
        0,
        "strings.".len() as isize,
    );
    out += "\n## template top level, empty line after `{`\n";
    let with_line = text.replacen("template: {\n", "template: {\n\t\n", 1);
    let u3 = open_text(&mut s, "component-line.cue", &with_line);
    out += &complete(
        &mut s,
        &u3,
        &with_line,
        "template: {\n\t\n",
        0,
        "template: {\n\t".len() as isize,
    );
    out += "\n## header keys\n";
    let header = text.replacen(
        "\ttype:        \"component\"\n",
        "\ttype:        \"component\"\n\t\n",
        1,
    );
    let u4 = open_text(&mut s, "component-header.cue", &header);
    out += &complete(
        &mut s,
        &u4,
        &header,
        "\"component\"\n\t\n",
        0,
        "\"component\"\n\t".len() as isize,
    );
    out += "\n## expression position\n";
    out += &complete(
        &mut s,
        &u,
        &text,
        "replicas: parameter",
        0,
        "replicas: ".len() as isize,
    );
    snapshot!("completion_contexts", out);
    s.shutdown();
}

#[test]
fn completion_attributes_imports_markers_snippets() {
    let mut s = server();
    let mut out = String::new();
    // attributes keys of a trait, on an empty line after `{`.
    let text = fixture("sidecar.cue").replacen(
        "\t\tpodDisruptive: true\n",
        "\t\tpodDisruptive: true\n\t\t\n",
        1,
    );
    let u = open_text(&mut s, "sidecar-attrs.cue", &text);
    out += "## trait attributes\n";
    out += &complete(
        &mut s,
        &u,
        &text,
        "true\n\t\t\n",
        0,
        "true\n\t\t".len() as isize,
    );
    // Nested: attributes.status of a component.
    let comp = "c: {\n\ttype: \"component\"\n\tattributes: status: {\n\t\t\n\t}\n}\ntemplate: {}\n";
    let u = open_text(&mut s, "status.cue", comp);
    out += "\n## component attributes.status\n";
    out += &complete(&mut s, &u, comp, "{\n\t\t\n", 0, 4);
    // Header `type: "`.
    let ty = "c: {\n\ttype: \"\"\n}\ntemplate: {}\n";
    let u = open_text(&mut s, "type.cue", ty);
    out += "\n## type value\n";
    out += &complete(&mut s, &u, ty, "\"\"", 0, 1);
    // Import paths.
    let imp = "import \"str\"\n\na: 1\n";
    let u = open_text(&mut s, "import.cue", imp);
    out += "\n## import path\n";
    out += &complete(&mut s, &u, imp, "str\"", 0, 3);
    // Patch markers.
    let marker = "t: {type: \"trait\"}\ntemplate: {\n\tpatch: {\n\t\t// +patch\n\t\tspec: x: 1\n\t\t// +patchStrategy=\n\t\ty: [1]\n\t}\n}\n";
    let u = open_text(&mut s, "markers.cue", marker);
    out += "\n## marker\n";
    out += &complete(
        &mut s,
        &u,
        marker,
        "// +patch\n",
        0,
        "// +patch".len() as isize,
    );
    out += "\n## patchStrategy values\n";
    out += &complete(
        &mut s,
        &u,
        marker,
        "+patchStrategy=",
        0,
        "+patchStrategy=".len() as isize,
    );
    // Snippets in an empty file.
    let u = open_text(&mut s, "empty.cue", "\n");
    out += "\n## empty file\n";
    out += &render_completion(&s.request(
        "textDocument/completion",
        at(&u, json!({"line": 0, "character": 0})),
    ));
    snapshot!("completion_more", out);
    s.shutdown();
}

#[test]
fn completion_schema_in_scope_and_defs() {
    let mut s = server();
    let text = "#Probe: {\n\t// +usage=Path to probe\n\tpath: string\n\tport: *80 | int\n}\nlive: #Probe & {\n\tpath: \"/\"\n\t\n}\nready: #Probe\nready: {\n\t\n}\nuse: live.\n";
    let u = open_text(&mut s, "schema.cue", text);
    let mut out = String::new();
    out += "## #Probe & {...}\n";
    out += &complete(&mut s, &u, text, "\"/\"\n\t\n", 0, 5);
    out += "\n## ready: #Probe; ready: {...}\n";
    out += &complete(
        &mut s,
        &u,
        text,
        "ready: {\n\t\n",
        0,
        "ready: {\n\t".len() as isize,
    );
    out += "\n## live.\n";
    out += &complete(
        &mut s,
        &u,
        text,
        "use: live.",
        0,
        "use: live.".len() as isize,
    );
    snapshot!("completion_schema", out);
    s.shutdown();
}

fn hover_text(
    s: &mut Server,
    u: &str,
    text: &str,
    needle: &str,
    nth: usize,
    delta: isize,
) -> String {
    let r = s.request("textDocument/hover", at(u, pos(text, needle, nth, delta)));
    if r.is_null() {
        return "(no hover)\n".into();
    }
    format!("{}\n", r["contents"]["value"].as_str().unwrap_or(""))
}

#[test]
fn hover_parameters_context_and_packages() {
    let mut s = server();
    let (u, text, _) = open_checked(&mut s, "component.cue");
    let mut out = String::new();
    out += "## parameter.pullPolicy (reference)\n";
    out += &hover_text(
        &mut s,
        &u,
        &text,
        "parameter.pullPolicy",
        0,
        "parameter.".len() as isize + 1,
    );
    out += "\n## replicas (label)\n";
    out += &hover_text(&mut s, &u, &text, "replicas: *1", 0, 1);
    out += "\n## context.name\n";
    out += &hover_text(
        &mut s,
        &u,
        &text,
        "app: context.name",
        0,
        "app: context.".len() as isize + 1,
    );
    out += "\n## context\n";
    out += &hover_text(
        &mut s,
        &u,
        &text,
        "app: context.name",
        0,
        "app: ".len() as isize + 1,
    );
    out += "\n## strings.ToUpper\n";
    out += &hover_text(&mut s, &u, &text, "ToUpper", 0, 1);
    out += "\n## spec.replicas (evaluated)\n";
    out += &hover_text(&mut s, &u, &text, "replicas: parameter.replicas", 0, 1);
    snapshot!("hover", out);
    s.shutdown();
}

fn render_locations(v: &Value) -> String {
    let mut out = String::new();
    for l in v.as_array().into_iter().flatten() {
        let r = &l["range"];
        out += &format!(
            "{}:{}-{}:{}\n",
            r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"]
        );
    }
    if out.is_empty() {
        out += "(none)\n";
    }
    out
}

#[test]
fn definition_references_and_rename() {
    let mut s = server();
    let (u, text, _) = open_checked(&mut s, "webservice.cue");
    let mut out = String::new();
    out += "## definition of parameter.exposeType\n";
    out += &render_locations(&s.request(
        "textDocument/definition",
        at(&u, pos(&text, "parameter.exposeType", 0, 12)),
    ));
    out += "\n## references of #HealthProbe (with declaration)\n";
    let mut p = at(&u, pos(&text, "#HealthProbe: {", 0, 2));
    p["context"] = json!({"includeDeclaration": true});
    out += &render_locations(&s.request("textDocument/references", p));
    out += "\n## definition of a let-like list (mountsArray)\n";
    out += &render_locations(&s.request(
        "textDocument/definition",
        at(&u, pos(&text, "volumeMounts: mountsArray", 0, 16)),
    ));
    out += "\n## definition of a comprehension variable\n";
    out += &render_locations(&s.request(
        "textDocument/definition",
        at(&u, pos(&text, "mountPath: v.mountPath", 0, 11)),
    ));
    out += "\n## definition of an import\n";
    out += &render_locations(&s.request(
        "textDocument/definition",
        at(&u, pos(&text, "strings.ToLower", 0, 2)),
    ));
    snapshot!("navigation", out);

    // Rename a parameter: its declaration and every `parameter.exposeType`.
    let prep = s.request(
        "textDocument/prepareRename",
        at(&u, pos(&text, "parameter.exposeType", 0, 12)),
    );
    assert_eq!(prep["placeholder"], "exposeType");
    let mut p = at(&u, pos(&text, "parameter.exposeType", 0, 12));
    p["newName"] = json!("serviceType");
    let edit = s.request("textDocument/rename", p);
    let edits = &edit["changes"][&u];
    assert_eq!(edits.as_array().unwrap().len(), 3);
    let renamed = apply_edits(&text, edits);
    // Only the mention in a comment is left.
    assert_eq!(renamed.matches("exposeType").count(), 1);
    assert_eq!(renamed.matches("serviceType").count(), 3);
    // A different kind of identifier is refused; context fields cannot be renamed.
    let mut p = at(&u, pos(&text, "#HealthProbe: {", 0, 2));
    p["newName"] = json!("Probe");
    let id = s.send_request("textDocument/rename", p);
    assert!(
        s.response(id)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("different kind")
    );
    let prep = s.request(
        "textDocument/prepareRename",
        at(&u, pos(&text, "context.name", 0, 9)),
    );
    assert!(prep.is_null());
    s.shutdown();
}

fn render_symbols(v: &Value, depth: usize, out: &mut String) {
    for sym in v.as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}{} [{}]{}\n",
            "  ".repeat(depth),
            sym["name"].as_str().unwrap_or(""),
            sym["kind"],
            sym["detail"]
                .as_str()
                .map(|d| format!(" {d}"))
                .unwrap_or_default()
        ));
        render_symbols(&sym["children"], depth + 1, out);
    }
}

#[test]
fn document_and_workspace_symbols() {
    let dir = std::env::temp_dir().join(format!("xdef-lsp-ws-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("traits")).unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();
    std::fs::write(dir.join("webservice.cue"), fixture("webservice.cue")).unwrap();
    std::fs::write(dir.join("traits/sidecar.cue"), fixture("sidecar.cue")).unwrap();
    std::fs::write(
        dir.join(".hidden/ignored.cue"),
        "ignored: {type: \"trait\"}\ntemplate: {}\n",
    )
    .unwrap();
    let root = format!("file://{}", dir.display());
    let mut s = server_with(json!({"workspaceFolders": [{"uri": root, "name": "ws"}]}));
    let (u, _, _) = open_checked(&mut s, "component.cue");
    let mut out = String::new();
    render_symbols(
        &s.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": u}}),
        ),
        0,
        &mut out,
    );
    snapshot!("document_symbols", out);
    // The index is built in the background: ask until it has the files on disk.
    let mut names = String::new();
    for _ in 0..5000 {
        let r = s.request("workspace/symbol", json!({"query": ""}));
        names = r
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                let file = w["location"]["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned();
                format!(
                    "{} [{}] {} {}\n",
                    w["name"].as_str().unwrap(),
                    w["kind"],
                    w["containerName"].as_str().unwrap_or(""),
                    file
                )
            })
            .collect();
        if names.contains("sidecar") {
            break;
        }
        // Wait for any message (or none) a little: the request itself is the clock.
        let _ = s.request(
            "textDocument/hover",
            at(&u, json!({"line": 0, "character": 0})),
        );
    }
    snapshot!("workspace_symbols", names);
    let r = s.request("workspace/symbol", json!({"query": "hprobe"}));
    assert_eq!(r[0]["name"], "#HealthProbe");
    let _ = std::fs::remove_dir_all(&dir);
    s.shutdown();
}

#[test]
fn semantic_tokens_folding_and_selection() {
    let mut s = server();
    let text = "import \"strings\"\n\n// +patchKey=name\n#Def: {\n\t_hidden: 1\n\tlet x = strings.ToUpper(\"a\")\n\tn: len([1, 2.5]) + _hidden\n\tc: x @go(C)\n}\nout: [for k, v in #Def {k}]\n";
    let u = open_text(&mut s, "tokens.cue", text);
    let r = s.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": u}}),
    );
    let legend = [
        "namespace",
        "type",
        "property",
        "variable",
        "function",
        "keyword",
        "comment",
        "string",
        "number",
        "decorator",
    ];
    let mods = [
        "declaration",
        "definition",
        "readonly",
        "defaultLibrary",
        "hidden",
    ];
    let data: Vec<u64> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines: Vec<&str> = text.split('\n').collect();
    let (mut line, mut col) = (0u64, 0u64);
    let mut out = String::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            col = t[1];
        } else {
            col += t[1];
        }
        let l: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let word = String::from_utf16_lossy(&l[col as usize..(col + t[2]) as usize]);
        let m: Vec<&str> = (0..5)
            .filter(|i| t[4] & (1 << i) != 0)
            .map(|i| mods[i])
            .collect();
        out += &format!(
            "{line}:{col} {word:?} {} {}\n",
            legend[t[3] as usize],
            m.join(",")
        );
    }
    snapshot!("semantic_tokens", out);

    let (u, text, _) = open_checked(&mut s, "sidecar.cue");
    let f = s.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": u}}),
    );
    let folds: String = f
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}-{} {}\n",
                r["startLine"],
                r["endLine"],
                r["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    snapshot!("folding", folds);
    let sel = s.request(
        "textDocument/selectionRange",
        json!({"textDocument": {"uri": u}, "positions": [pos(&text, "parameter.image", 0, 11)]}),
    );
    let mut chain = String::new();
    let mut cur = &sel[0];
    while !cur.is_null() {
        let r = &cur["range"];
        let (a, b) = (offset_at(&text, &r["start"]), offset_at(&text, &r["end"]));
        chain += &format!("{:?}\n", &text[a..b].chars().take(40).collect::<String>());
        cur = &cur["parent"];
    }
    snapshot!("selection", chain);
    s.shutdown();
}

#[test]
fn formatting_and_range_formatting() {
    let mut s = server();
    let text =
        "a: {\n        b: 1   \n  c: {\n d: 2\n}\n\n\n\n}\ns: \"\"\"\n     keep  \n    \"\"\"\n";
    let u = open_text(&mut s, "fmt.cue", text);
    let edits = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    let formatted = apply_edits(text, &edits);
    snapshot!("formatted", formatted.clone());
    // Formatting the result changes nothing.
    s.change(&u, json!([{"text": formatted.clone()}]));
    let again = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    assert_eq!(again, json!([]));
    // Range formatting touches only the lines in the range.
    let u2 = open_text(&mut s, "fmt2.cue", text);
    let edits = s.request(
        "textDocument/rangeFormatting",
        json!({"textDocument": {"uri": u2}, "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    let partial = apply_edits(text, &edits);
    assert_eq!(partial, text.replacen("        b: 1   \n", "\tb: 1\n", 1));
    // A file with syntax errors is left alone.
    let u3 = open_text(&mut s, "fmt3.cue", "a: {\n  b: \n");
    let r = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u3}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    assert!(r.is_null());
    s.shutdown();
}

fn action_titles_and_results(
    s: &mut Server,
    u: &str,
    text: &str,
    range: Value,
    diagnostics: Value,
) -> String {
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": range, "context": {"diagnostics": diagnostics}}),
    );
    let mut out = String::new();
    for a in r.as_array().into_iter().flatten() {
        out += &format!(
            "### {} ({})\n",
            a["title"].as_str().unwrap(),
            a["kind"].as_str().unwrap_or("")
        );
        for e in a["edit"]["changes"][u].as_array().into_iter().flatten() {
            let (s, t) = (
                offset_at(text, &e["range"]["start"]),
                offset_at(text, &e["range"]["end"]),
            );
            out += &format!("- {}\n+ {}\n", &text[s..t], e["newText"].as_str().unwrap());
        }
    }
    if out.is_empty() {
        out += "(none)\n";
    }
    out
}

#[test]
fn code_actions() {
    let mut s = server();
    let mut out = String::new();
    let (u, text, d) = open_checked(&mut s, "component.cue");
    out += "## context typo\n";
    let typo = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("did you mean"))
        .unwrap()
        .clone();
    out += &action_titles_and_results(&mut s, &u, &text, typo["range"].clone(), json!([typo]));
    // Parameter typo.
    let ptext = text
        .replace("parameter.pullPolicy", "parameter.pullPolicyy")
        .replace("context.nmae", "context.name");
    let pu = uri("param-typo.cue");
    s.open(&pu, &ptext);
    let d = s.wait_checked(&pu, 1);
    out += "\n## parameter typo\n";
    let typo = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("did you mean"))
        .unwrap()
        .clone();
    out += &action_titles_and_results(&mut s, &pu, &ptext, typo["range"].clone(), json!([typo]));
    // Attribute key typo.
    let atext = fixture("sidecar.cue").replace("podDisruptive", "podDisruptve");
    let au = uri("attr-typo.cue");
    s.open(&au, &atext);
    let d = s.wait_checked(&au, 1);
    out += "\n## attribute typo\n";
    out += &render_diagnostics(&d);
    let typo = d["diagnostics"][0].clone();
    out += &action_titles_and_results(&mut s, &au, &atext, typo["range"].clone(), json!([typo]));
    // Missing import.
    let itext = text
        .replace("import \"strings\"\n\n", "")
        .replace("context.nmae", "context.name");
    let iu = uri("missing-import.cue");
    s.open(&iu, &itext);
    let d = s.wait_checked(&iu, 1);
    out += "\n## missing import\n";
    out += &render_diagnostics(&d);
    let diag = d["diagnostics"][0].clone();
    out += &action_titles_and_results(&mut s, &iu, &itext, diag["range"].clone(), json!([diag]));
    // healthPolicy string to struct.
    let (wu, wtext, _) = open_checked(&mut s, "webservice.cue");
    out += "\n## healthPolicy to struct\n";
    let p = pos(&wtext, "healthPolicy", 0, 2);
    out += &action_titles_and_results(
        &mut s,
        &wu,
        &wtext,
        json!({"start": p, "end": p}),
        json!([]),
    );
    snapshot!("code_actions", out);
    s.shutdown();
}

#[test]
fn inlay_hints_for_defaults() {
    let mut s = server();
    let (u, text, _) = open_checked(&mut s, "component.cue");
    let r = s.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": u}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}}),
    );
    let lines: Vec<&str> = text.lines().collect();
    let out: String = r
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let l = h["position"]["line"].as_u64().unwrap() as usize;
            format!("{} ⟨{}⟩\n", lines[l].trim(), h["label"].as_str().unwrap())
        })
        .collect();
    snapshot!("inlay_hints", out);
    s.shutdown();
}

#[test]
fn render_and_patch_previews() {
    let mut s = server();
    let (cu, ctext, _) = open_checked(&mut s, "component.cue");
    let _ = ctext;
    // The component fixture has a context typo: the preview reports it with a position.
    let r = s.request("xdef/renderPreview", json!({"textDocument": {"uri": cu}}));
    json_snapshot!("render_preview_error", r);
    let fixed = fixture("component.cue").replace("context.nmae", "context.name");
    let fu = uri("component-fixed.cue");
    s.open(&fu, &fixed);
    let r = s.request(
        "xdef/renderPreview",
        json!({"textDocument": {"uri": fu}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["errors"], json!([]));
    snapshot!(
        "render_preview_yaml",
        r["yaml"].as_str().unwrap().to_owned()
    );
    assert_eq!(r["inputs"]["parameter"], json!({"image": "<image>"}));
    assert_eq!(r["objects"][0]["kind"], "Deployment");
    // The sidecar trait applied to the component: before, after, and which key matched.
    let (tu, _, _) = open_checked(&mut s, "sidecar.cue");
    let r = s.request(
        "xdef/patchPreview",
        json!({"textDocument": {"uri": tu}, "component": {"uri": fu}}),
    );
    snapshot!(
        "patch_preview_after",
        r["after"]["yaml"].as_str().unwrap().to_owned()
    );
    json_snapshot!(
        "patch_preview_matches",
        json!({"matches": r["matches"], "warnings": r["warnings"], "inputs": r["inputs"]})
    );
    // A trait cannot be rendered alone.
    let id = s.send_request("xdef/renderPreview", json!({"textDocument": {"uri": tu}}));
    assert!(
        s.response(id)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("patchPreview")
    );
    s.shutdown();
}

#[test]
fn preview_inputs_from_the_inputs_path() {
    let dir = std::env::temp_dir().join(format!("xdef-lsp-inputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    std::fs::write(
        dir.join("inputs/myweb.json"),
        "{\"image\": \"nginx:1.27\", \"replicas\": 3}\n",
    )
    .unwrap();
    let root = format!("file://{}", dir.display());
    let mut s = server_with(json!({
        "workspaceFolders": [{"uri": root, "name": "ws"}],
        "initializationOptions": {"xdef": {"preview": {"inputsPath": "inputs"}}},
    }));
    let fixed = fixture("component.cue").replace("context.nmae", "context.name");
    let u = uri("myweb.cue");
    s.open(&u, &fixed);
    let r = s.request("xdef/renderPreview", json!({"textDocument": {"uri": u}}));
    assert_eq!(r["objects"][0]["spec"]["replicas"], 3, "{r}");
    assert!(
        r["inputs"]["source"]
            .as_str()
            .unwrap()
            .ends_with("myweb.json")
    );
    let _ = std::fs::remove_dir_all(&dir);
    s.shutdown();
}

#[test]
fn hover_header_and_attribute_keys() {
    let mut s = server();
    let (u, text, _) = open_checked(&mut s, "sidecar.cue");
    let mut out = String::new();
    out += "## appliesToWorkloads\n";
    out += &hover_text(&mut s, &u, &text, "appliesToWorkloads", 0, 2);
    out += "\n## type\n";
    out += &hover_text(&mut s, &u, &text, "type: \"trait\"", 0, 1);
    snapshot!("hover_schema_keys", out);
    s.shutdown();
}
