//! Protocol-level tests of `xdef lsp`: the real binary over stdio. Ordering, cancellation,
//! position encodings, CRLF, the diagnostics tiers, configuration, panic isolation and the
//! evaluation budget.

mod lsp_common;

use lsp_common::*;
use serde_json::{Value, json};

#[test]
fn initialize_announces_capabilities_and_utf16() {
    let mut s = Server::spawn(env!("CARGO_BIN_EXE_xdef"));
    let r = s.initialize(json!({}));
    let caps = &r["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    let mut names: Vec<&str> = caps
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort();
    snapshot!("capabilities", names.join("\n"));
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    s.shutdown();
}

#[test]
fn utf8_is_chosen_when_offered() {
    let mut s = Server::spawn(env!("CARGO_BIN_EXE_xdef"));
    let r = s.initialize(
        json!({"capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
    );
    assert_eq!(r["capabilities"]["positionEncoding"], "utf-8");
    // A syntax error after non-ASCII text is reported in bytes.
    let text = "a: \"héllo\" b\n";
    s.open("file:///u8.cue", text);
    let d = s.wait_diagnostics("file:///u8.cue", |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let start = &d["diagnostics"][0]["range"]["start"];
    assert_eq!(
        start,
        &position_in(text, text.find(" b").unwrap() + 1, true)
    );
    s.shutdown();
}

#[test]
fn clean_file_gets_explicit_empty_diagnostics_from_both_tiers() {
    let mut s = server();
    let u = uri("clean.cue");
    s.open(&u, "a: 1\nb: a + 1\n");
    let first = s.wait_diagnostics(&u, |_| true);
    assert_eq!(
        first["diagnostics"],
        json!([]),
        "tier 1 publishes an empty list at once"
    );
    assert_eq!(first["version"], 1);
    let checked = s.wait_checked(&u, 1);
    assert_eq!(checked["diagnostics"], json!([]));
    s.shutdown();
}

#[test]
fn syntax_errors_come_first_then_evaluation_errors() {
    let mut s = server();
    let (u, text, d) = open_checked(&mut s, "component.cue");
    snapshot!("component_diagnostics", render_diagnostics(&d));
    // Break the syntax: tier 1 reports it at once.
    let at = offset_of(&text, "kind:       \"Deployment\"\n\t\tmetadata", 0, 4);
    let v = s.change(&u, json!([{"range": {"start": position(&text, at), "end": position(&text, at + 1)}, "text": " "}]));
    let d = s.wait_diagnostics(&u, |p| p["version"] == json!(v));
    snapshot!("component_syntax_error", render_diagnostics(&d));
    s.shutdown();
}

#[test]
fn conflicts_carry_related_information() {
    let mut s = server();
    let (_, _, d) = open_checked(&mut s, "conflict.cue");
    snapshot!("conflict_diagnostics", render_diagnostics(&d));
    assert!(d["diagnostics"][0]["relatedInformation"].is_array());
    // In a definition's template too (positions mapped back from the assembled program).
    let (_, _, d) = open_checked(&mut s, "conflict-def.cue");
    snapshot!("conflict_definition_diagnostics", render_diagnostics(&d));
    assert!(d["diagnostics"][0]["relatedInformation"].is_array());
    s.shutdown();
}

#[test]
fn did_change_burst_then_requests_see_the_last_version() {
    let mut s = server();
    let u = uri("burst.cue");
    let mut text = String::from(
        "template: {\n\tparameter: {\n\t\tx0: int\n\t}\n\tout: parameter.\n}\nburst: type: \"component\"\n",
    );
    s.open(&u, &text);
    // 60 edits in a row, each adding a parameter `xN`, without waiting.
    for i in 1..=60 {
        let at = offset_of(&text, "\t}\n\tout", 0, 0);
        let insert = format!("\t\tx{i}: string\n");
        let p = position(&text, at);
        text.insert_str(at, &insert);
        s.change(
            &u,
            json!([{"range": {"start": p, "end": p}, "text": insert}]),
        );
    }
    let at = offset_of(&text, "parameter.\n", 0, "parameter.".len() as isize);
    let r = s.request("textDocument/completion", at_pos(&u, position(&text, at)));
    let labels: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 61, "{labels:?}");
    assert!(labels.contains(&"x60"));
    let h = s.request("textDocument/hover", at_pos(&u, pos(&text, "x60", 0, 1)));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("x60: string")
    );
    // The last publish is for the last version.
    let last = s.wait_checked(&u, 61);
    assert_eq!(last["version"], 61);
    s.shutdown();
}

fn at_pos(uri: &str, p: Value) -> Value {
    at(uri, p)
}

#[test]
fn cancel_request_answers_request_cancelled() {
    let mut s = server();
    let id = s.send_request("xdef/debugSleep", json!({"ms": 30000}));
    s.notify("$/cancelRequest", json!({"id": id}));
    let r = s.response(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    // The server goes on.
    let u = uri("after-cancel.cue");
    s.open(&u, "a: 1\n");
    s.wait_checked(&u, 1);
    s.shutdown();
}

#[test]
fn a_panic_answers_that_request_with_an_error_and_the_server_lives_on() {
    let mut s = server();
    let id = s.send_request("xdef/debugPanic", json!({}));
    let r = s.response(id);
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("deliberate panic")
    );
    // A panic in a notification handler is dropped too.
    s.notify("xdef/debugPanicNotification", json!({}));
    let (u, text, _) = open_checked(&mut s, "component.cue");
    let h = s.request("textDocument/hover", at(&u, pos(&text, "image:", 1, 1)));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Which image")
    );
    s.shutdown();
}

#[test]
fn budget_exhaustion_is_reported_and_completion_and_hover_still_answer() {
    let mut s = server_with(
        json!({"initializationOptions": {"xdef": {"evaluation": {"budgetSteps": 300}}}}),
    );
    let (u, text, d) = open_checked(&mut s, "recursion.cue");
    let rendered = render_diagnostics(&d);
    assert!(rendered.contains("budget"), "{rendered}");
    snapshot!("recursion_budget", rendered);
    let c = s.request(
        "textDocument/completion",
        at(&u, pos(&text, "x: big", 0, 3)),
    );
    assert!(!c["items"].as_array().unwrap().is_empty());
    let h = s.request("textDocument/hover", at(&u, pos(&text, "head", 0, 1)));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("head: int")
    );
    s.shutdown();
}

#[test]
fn configuration_is_pulled_and_changes_recheck() {
    let mut s = Server::spawn(env!("CARGO_BIN_EXE_xdef"));
    *s.config.lock().unwrap() =
        json!({"evaluation": {"budgetSteps": 300}, "diagnostics": {"delayMs": 0}});
    s.initialize(json!({}));
    let u = uri("recursion.cue");
    s.open(&u, &fixture("recursion.cue"));
    // Whatever the order of open and configuration, a check with the small budget comes.
    s.wait_diagnostics(&u, |p| p["diagnostics"].to_string().contains("budget"));
    assert!(!s.config_requests.lock().unwrap().is_empty());
    // A larger budget through didChangeConfiguration: the file is checked again, clean.
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"xdef": {"evaluation": {"budgetSteps": 5000000}}}}),
    );
    *s.config.lock().unwrap() = json!({"evaluation": {"budgetSteps": 5000000}});
    s.wait_diagnostics(&u, |p| p["diagnostics"] == json!([]));
    s.shutdown();
}

#[test]
fn utf16_columns_with_non_ascii_text() {
    let mut s = server();
    let u = uri("utf16.cue");
    let text = "// ünïcødé 𝄞 comment\nlabel: \"ça𝄞\" & 1\nok: \"ça𝄞\"\nref: ok\nbad𝄞: 1\n";
    s.open(&u, text);
    let d = s.wait_checked(&u, 1);
    snapshot!("utf16_diagnostics", render_diagnostics(&d));
    // Hover on `ok` in `ref: ok`: the range is in UTF-16 units.
    let h = s.request("textDocument/hover", at(&u, pos(text, "ref: ok", 0, 5)));
    assert_eq!(h["range"]["start"], pos(text, "ref: ok", 0, 5));
    // Go to definition lands on `ok` after a line with a surrogate pair.
    let d = s.request(
        "textDocument/definition",
        at(&u, pos(text, "ref: ok", 0, 6)),
    );
    assert_eq!(d[0]["range"]["start"], json!({"line": 2, "character": 0}));
    // Edit after the astral character: replace `1` (UTF-16 column 16, byte column 19) and
    // remove the illegal character of the last line (two UTF-16 units).
    let one = text.find("1\n").unwrap();
    assert_eq!(position(text, one), json!({"line": 1, "character": 16}));
    assert_eq!(one - text.find("label").unwrap(), 19);
    let clef = text.rfind('𝄞').unwrap();
    assert_eq!(position(text, clef), json!({"line": 4, "character": 3}));
    s.change(&u, json!([
        {"range": {"start": {"line": 4, "character": 3}, "end": {"line": 4, "character": 5}}, "text": ""},
        {"range": {"start": position(text, one), "end": position(text, one + 1)}, "text": "\"ça𝄞\""},
    ]));
    let d = s.wait_checked(&u, 2);
    assert_eq!(
        d["diagnostics"],
        json!([]),
        "the edits landed on the right bytes"
    );
    s.shutdown();
}

#[test]
fn crlf_files() {
    let mut s = server();
    let u = uri("crlf.cue");
    let text = "a: {\r\n\tb: 1\r\n}\r\nc: a.b\r\nd: a.x &\r\n";
    s.open(&u, text);
    let d = s.wait_diagnostics(&u, |p| p["version"] == 1);
    snapshot!("crlf_diagnostics", render_diagnostics(&d));
    let r = s.request(
        "textDocument/definition",
        at(&u, json!({"line": 3, "character": 5})),
    );
    assert_eq!(
        r[0]["range"],
        json!({"start": {"line": 1, "character": 1}, "end": {"line": 1, "character": 2}})
    );
    // An edit at the end of a CRLF line.
    s.change(&u, json!([{"range": {"start": {"line": 4, "character": 8}, "end": {"line": 4, "character": 8}}, "text": " 1"}]));
    let d = s.wait_checked(&u, 2);
    let out = render_diagnostics(&d);
    assert!(!out.contains("expected"), "{out}");
    s.shutdown();
}

#[test]
fn close_clears_diagnostics() {
    let mut s = server();
    let (u, _, d) = open_checked(&mut s, "component.cue");
    assert!(!d["diagnostics"].as_array().unwrap().is_empty());
    s.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    let d = s.wait_diagnostics(&u, |p| p["diagnostics"] == json!([]));
    assert!(d.get("version").is_none() || d["version"].is_null());
    s.shutdown();
}

#[test]
fn full_document_sync_is_accepted() {
    let mut s = server();
    let u = uri("full.cue");
    s.open(&u, "a: 1\n");
    s.wait_checked(&u, 1);
    s.change(&u, json!([{"text": "a: 1\na: 2\n"}]));
    let d = s.wait_checked(&u, 2);
    assert!(render_diagnostics(&d).contains("conflicting values"));
    s.shutdown();
}

#[test]
fn fast_answers_do_not_wait_for_evaluation() {
    // 64,000 fields to evaluate: seconds of work for the evaluation thread.
    let mut s = server_with(
        json!({"initializationOptions": {"xdef": {"evaluation": {"budgetSteps": 100000000}}}}),
    );
    let u = uri("slow.cue");
    let text = fixture("slow.cue");
    s.open(&u, &text);
    s.wait_diagnostics(&u, |p| p["version"] == 1);
    let check_done = |m: &Value| m["method"] == "xdef/checkDone";
    let h = s.request("textDocument/hover", at(&u, pos(&text, "i * j", 0, 0)));
    assert!(!h.is_null());
    let c = s.request("textDocument/completion", at(&u, pos(&text, "i * j", 0, 0)));
    assert!(!c["items"].as_array().unwrap().is_empty());
    let f = s.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    assert!(f.is_array());
    let sym = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    assert!(sym.is_array());
    assert!(
        !s.seen(check_done),
        "the answers came before the evaluation finished"
    );
    // An edit during the evaluation gets its syntax diagnostics at once, too.
    let v = s.change(&u, json!([{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x: ][\n"}]));
    let d = s.wait_diagnostics(&u, |p| p["version"] == json!(v));
    assert!(!d["diagnostics"].as_array().unwrap().is_empty(), "{d}");
    assert!(!s.seen(check_done));
    s.shutdown();
}
