//! Hostile input: huge files, deep nesting, invalid encodings, binary junk. Each case runs
//! the whole pipeline a file goes through (decode, parse, errors, a typed-AST walk of every
//! node) and must give a clear error or succeed: never panic, never overflow the stack.
//! Timings are not asserted here (they are measured in `benches/parse.rs` and printed by
//! `cargo test --release --test hostile -- --nocapture`).
//!
//! The inputs in `tests/fuzz-regressions/` are what the fuzzer (`fuzz/`) found; each one
//! is run the same way.
//!
//! Debug builds (plain `cargo test`) run the biggest inputs at a quarter of their size to
//! keep the suite quick; `--release` (or `XDEF_HOSTILE_FULL=1`) runs them at full size:
//! `cargo test -p xdef-syntax --release --test hostile -- --nocapture`.

mod support;

use std::time::Instant;

use support::ast_walk;
use xdef_syntax::SyntaxError;

/// Runs the pipeline on `bytes`; returns the errors (decode errors first).
fn run(name: &str, bytes: &[u8]) -> Vec<SyntaxError> {
    let started = Instant::now();
    let (text, mut errors) = xdef_syntax::decode_source(bytes);
    let parse = xdef_syntax::parse(text);
    let parsed = started.elapsed();
    errors.extend(parse.errors());
    let checked = started.elapsed();
    let stats = ast_walk::walk(&parse);
    let walked = started.elapsed();
    for e in &errors {
        assert!(!e.message.is_empty(), "{name}: empty message");
        assert_ne!(e.message, "syntax error", "{name}: bare syntax error");
        assert!(
            e.range.start <= e.range.end && e.range.end <= parse.text().len(),
            "{name}: range {:?} outside the text",
            e.range
        );
        assert!(
            parse.text().is_char_boundary(e.range.start)
                && parse.text().is_char_boundary(e.range.end),
            "{name}: range {:?} not on character boundaries ({})",
            e.range,
            e.message
        );
    }
    if parse.tree().root_node().has_error() {
        assert!(!errors.is_empty(), "{name}: error tree without a message");
    }
    eprintln!(
        "{name}: {} bytes, {} nodes, {} errors; parse {:.1?}, errors {:.1?}, walk {:.1?}",
        bytes.len(),
        stats.nodes,
        errors.len(),
        parsed,
        checked - parsed,
        walked - checked
    );
    errors
}

/// `n` in release builds, `n / 4` in debug builds (unless `XDEF_HOSTILE_FULL` is set).
fn size(n: usize) -> usize {
    if cfg!(debug_assertions) && std::env::var_os("XDEF_HOSTILE_FULL").is_none() {
        n / 4
    } else {
        n
    }
}

fn messages(errors: &[SyntaxError]) -> Vec<&str> {
    errors.iter().map(|e| e.message.as_str()).collect()
}

/// A realistic definition, repeated to make big files.
const DEFINITION: &str = r#"webservice: {
	type: "component"
	attributes: workload: definition: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
	}
}
template: {
	output: {
		apiVersion: "apps/v1"
		kind:       "Deployment"
		spec: {
			replicas: *1 | int & >=0
			selector: matchLabels: "app.oam.dev/component": context.name
			template: spec: containers: [{
				name:  context.name
				image: parameter.image
				if parameter["cmd"] != _|_ {
					command: parameter.cmd
				}
				env: [for k, v in parameter.env {name: k, value: "\(v)"}]
			}]
		}
	}
	parameter: {
		// +usage=Which image would you like to use for your service
		image: string
		cmd?: [...string]
		env: [string]: string
		port: *80 | int @go(Port)
	}
}
"#;

#[test]
fn ten_megabyte_file() {
    let mut text = String::with_capacity(size(10 << 20));
    let mut i = 0;
    while text.len() < size(10 << 20) {
        text.push_str(&format!("d{i}: {{\n"));
        text.push_str(DEFINITION);
        text.push_str("}\n");
        i += 1;
    }
    let errors = run("10 MB file", text.as_bytes());
    assert_eq!(messages(&errors), Vec::<&str>::new());
}

fn nested(open: &str, close: &str, depth: usize) -> String {
    let mut s = String::from("a: ");
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push('1');
    for _ in 0..depth {
        s.push_str(close);
    }
    s.push('\n');
    s
}

#[test]
fn ten_thousand_nested_brackets_of_each_kind() {
    for (open, close) in [("[", "]"), ("(", ")")] {
        let errors = run(
            &format!("10,000 × {open}"),
            nested(open, close, 10_000).as_bytes(),
        );
        assert_eq!(messages(&errors), Vec::<&str>::new(), "{open}");
    }
    // `{1}` is a struct embedding 1; `{a: {a: …}}` nests fields too.
    let errors = run("10,000 × {", nested("{", "}", 10_000).as_bytes());
    assert_eq!(messages(&errors), Vec::<&str>::new());
    let errors = run("10,000 × {a:", nested("{a: ", "}", 10_000).as_bytes());
    assert_eq!(messages(&errors), Vec::<&str>::new());
}

#[test]
fn ten_thousand_unclosed_brackets_of_each_kind() {
    for open in ["[", "{", "("] {
        let text = format!("a: {}\n", open.repeat(10_000));
        let errors = run(&format!("10,000 × unclosed {open}"), text.as_bytes());
        assert!(!errors.is_empty());
        assert!(errors.len() <= xdef_syntax::diagnostics::MAX_ERRORS);
        assert!(
            errors[0].message.starts_with("expected '"),
            "{open}: {}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("to close"),
            "{}",
            errors[0].message
        );
    }
}

#[test]
fn ten_thousand_closing_brackets() {
    let text = format!("a: 1\n{}\n", "}".repeat(10_000));
    let errors = run("10,000 × }", text.as_bytes());
    assert_eq!(errors.len(), xdef_syntax::diagnostics::MAX_ERRORS);
    assert_eq!(errors[0].message, "unexpected '}': no '{' is open here");
}

#[test]
fn invalid_utf8() {
    let mut bytes = b"a: \"caf".to_vec();
    bytes.extend([0xC3, 0x28, 0xFF, 0xFE]);
    bytes.extend(b"\"\nb: 1\n\xE2\x82\n");
    let errors = run("invalid UTF-8", &bytes);
    let msgs = messages(&errors);
    assert_eq!(msgs[0], "illegal UTF-8 encoding");
    assert!(
        msgs.iter().all(|m| *m == "illegal UTF-8 encoding"),
        "{msgs:?}"
    );
}

#[test]
fn nul_byte() {
    let errors = run("NUL byte", b"a: 1\nb: \0\nc: \"x\0y\"\n");
    assert_eq!(
        messages(&errors),
        ["illegal character NUL", "illegal character NUL"]
    );
}

#[test]
fn unterminated_string_at_end_of_file() {
    for (text, message) in [
        ("a: \"abc", "string literal not terminated"),
        ("a: 'abc", "bytes literal not terminated"),
        (
            "a: \"\"\"\n\tabc",
            "multi-line string literal not terminated (expected '\"\"\"' on a line of its own)",
        ),
        (
            "a: #\"abc\"",
            "raw string literal not terminated (expected '\"#')",
        ),
        (
            "a: \"x\\(",
            "expected ')' to close the interpolation '\\(' at 1:6",
        ),
    ] {
        let errors = run(text, text.as_bytes());
        assert!(messages(&errors).contains(&message), "{text}: {errors:?}");
    }
}

#[test]
fn ten_thousand_nested_interpolations() {
    let depth = 10_000;
    let mut text = String::from("a: ");
    for _ in 0..depth {
        text.push_str("\"\\(");
    }
    text.push('x');
    for _ in 0..depth {
        text.push_str(")\"");
    }
    text.push('\n');
    let errors = run("10,000 nested interpolations", text.as_bytes());
    // The external scanner keeps at most 100 open strings; deeper nesting is an error,
    // reported, not a crash.
    assert!(!errors.is_empty());
    let shallow = {
        let mut t = String::from("a: ");
        for _ in 0..50 {
            t.push_str("\"\\(");
        }
        t.push('x');
        for _ in 0..50 {
            t.push_str(")\"");
        }
        t.push('\n');
        t
    };
    assert_eq!(
        messages(&run("50 nested interpolations", shallow.as_bytes())),
        Vec::<&str>::new()
    );
}

#[test]
fn five_megabyte_line() {
    let mut text = String::from("a: [");
    while text.len() < size(5 << 20) {
        text.push_str("1, \"x\", {b: 2}, ");
    }
    text.push_str("]\n");
    assert_eq!(
        messages(&run("5 MB line", text.as_bytes())),
        Vec::<&str>::new()
    );

    let string = format!("a: \"{}\"\n", "x".repeat(size(5 << 20)));
    assert_eq!(
        messages(&run("5 MB string", string.as_bytes())),
        Vec::<&str>::new()
    );

    let unterminated = format!("a: \"{}\n", "x".repeat(size(5 << 20)));
    assert_eq!(
        messages(&run("5 MB unterminated string", unterminated.as_bytes())),
        ["string literal not terminated"]
    );
}

/// A small deterministic generator (xorshift), so the test needs no dependency.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_file() {
    for seed in 1..=(size(12) / 4).max(1) as u64 {
        let bytes = random_bytes(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 64 << 10);
        let errors = run(&format!("64 KB random bytes #{seed}"), &bytes);
        assert!(!errors.is_empty());
        assert!(errors.len() <= xdef_syntax::diagnostics::MAX_ERRORS + 100);
    }
    // Random bytes drawn from CUE's own alphabet reach deeper into the parser.
    let alphabet = b"ab_#$ :,{}[]()\"'\\\n\t.|&*!=<>~?@0123456789+-/";
    for seed in 1..=(size(12) / 4).max(1) as u64 {
        let bytes: Vec<u8> = random_bytes(seed.wrapping_mul(0xD1B5_4A32_D192_ED03), 64 << 10)
            .into_iter()
            .map(|b| alphabet[b as usize % alphabet.len()])
            .collect();
        run(&format!("64 KB random CUE tokens #{seed}"), &bytes);
    }
}

#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fuzz-regressions") {
        let path = entry.expect("directory entry").path();
        let bytes = std::fs::read(&path).expect("regression input");
        run(&path.file_name().unwrap().to_string_lossy(), &bytes);
        count += 1;
    }
    assert!(count > 0);
}

#[test]
fn root_error_node_is_a_source_file() {
    // Error recovery that cannot build a source_file makes the root an ERROR node.
    let text =
        "#App: {\n\tname?: string\n}\nout: #App & {\n\tsub: {\n\t\tl{sub3: {foo: \"bar\"}}}})\n";
    let errors = run("root ERROR", text.as_bytes());
    assert!(!errors.is_empty());
    let p = xdef_syntax::parse(text);
    assert!(p.root().decls().count() > 0);
}

#[test]
fn incremental_edits_on_hostile_input() {
    let mut p = xdef_syntax::parse(nested("[", "]", 5_000));
    let at = p.text().find('1').unwrap();
    p.apply_edit(&xdef_syntax::TextEdit {
        range: at..at + 1,
        insert: "\"\\(".into(),
    });
    let errors = p.errors();
    assert!(!errors.is_empty());
    ast_walk::walk(&p);
    let fresh = xdef_syntax::parse(p.text().to_owned());
    assert_eq!(
        p.tree().root_node().to_sexp(),
        fresh.tree().root_node().to_sexp()
    );
}
