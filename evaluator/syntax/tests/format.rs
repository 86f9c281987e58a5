//! `cue fmt` layout, one case per construct. Every case also checks that formatting is
//! idempotent and that the output has the input's tokens (other than whitespace and
//! commas) and comments, in order.
//!
//! Expectations are the formatter's output; refresh them with `UPDATE_EXPECT=1 cargo test`
//! and review the diff. Tabs in expectations are real tabs.

use expect_test::{Expect, expect};
use xdef_syntax::format::{FormatErrorKind, format, format_range};
use xdef_syntax::{TextEdit, parse};

/// The leaves of our grammar's tree other than commas, with comments: what formatting must
/// not change.
fn significant_tokens(text: &str) -> Vec<String> {
    let p = parse(text);
    let mut out = Vec::new();
    let mut cursor = p.tree().walk();
    loop {
        let node = cursor.node();
        // Strings, attributes and numbers are compared whole.
        let whole = matches!(node.kind(), "string" | "attribute" | "integer" | "float");
        if whole || node.child_count() == 0 {
            let t = &text[node.byte_range()];
            if !t.is_empty() && t != "," {
                out.push(t.to_owned());
            }
        }
        if !whole && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// Formats `input`, compares with `expect`, and checks idempotence and that only layout
/// changed.
#[track_caller]
fn check(input: &str, expect: Expect) {
    let out = check_layout(input, expect);
    assert_eq!(
        significant_tokens(input),
        significant_tokens(&out),
        "formatting changed more than layout"
    );
}

/// Like [`check`], for cases where `cue fmt` also normalizes spelling (numbers, implied
/// braces, string indentation…), so tokens may differ.
#[track_caller]
fn check_layout(input: &str, expect: Expect) -> String {
    let p = parse(input);
    assert!(
        p.errors().is_empty(),
        "test input has syntax errors: {:?}",
        p.errors()
    );
    let out = match format(&p) {
        Ok(out) => out,
        Err(e) => panic!("format failed: {e}"),
    };
    expect.assert_eq(&out);
    let again = format(&parse(out.clone())).expect("formatting the output");
    assert_eq!(again, out, "formatting is not idempotent");
    out
}

// ------------------------------------------------------------------ preamble

#[test]
fn package_and_imports() {
    check(
        "package foo\nimport \"strings\"\nimport (\n\"list\"\n    s \"strings\"\n)\na: 1\n",
        expect![[r#"
            package foo

            import "strings"

            import (
            	"list"
            	s "strings"
            )

            a: 1
        "#]],
    );
}

#[test]
fn file_attributes_and_single_import_in_parens() {
    check(
        "@extern(embed)\n\npackage x\n\nimport (\"encoding/yaml\")\n\nv: yaml.Marshal({})\n",
        expect![[r#"
            @extern(embed)

            package x

            import ("encoding/yaml")

            v: yaml.Marshal({})
        "#]],
    );
}

// -------------------------------------------------------------------- fields

#[test]
fn fields_of_all_kinds() {
    check(
        "a: 1\nb?: string\nc!: int\n#D: {}\n_h: 2\n_#H: 3\n\"x-y\": 4\n(k): 5\n[string]: int\nif: 6\n",
        expect![[r#"
            a:  1
            b?: string
            c!: int
            #D: {}
            _h:       2
            _#H:      3
            "x-y":    4
            (k):      5
            [string]: int
            if:       6
        "#]],
    );
}

#[test]
fn nested_labels() {
    check(
        "a: b: c: 1\nd: e: {\n f: 1\n}\nlong: x: 2\n",
        expect![[r#"
            a: b: c: 1
            d: e: {
            	f: 1
            }
            long: x: 2
        "#]],
    );
}

#[test]
fn nested_label_with_attribute_gets_braces() {
    check_layout(
        "a: b: 1 @go(B)\n",
        expect![[r#"
            a: {
            	b: 1 @go(B)
            }
        "#]],
    );
}

#[test]
fn aliases() {
    check(
        "X=a: 1\nb: X\n[Name=string]: {name: Name}\nc: Y={d: 1}\nl: [Z=1, Z]\n",
        expect![[r#"
            X=a: 1
            b:   X
            [Name=string]: {name: Name}
            c: Y={d: 1}
            l: [Z=1, Z]
        "#]],
    );
}

#[test]
fn let_declarations() {
    check(
        "let x = 1\na: x\nb: {\n  let y=2\n  c: y\n}\n",
        expect![[r#"
            let x = 1
            a: x
            b: {
            	let y = 2
            	c: y
            }
        "#]],
    );
}

#[test]
fn old_style_alias_declaration_is_a_syntax_error_left_alone() {
    // `X = 3` as a declaration was accepted (and rewritten to `let`) by CUE v0.4; current
    // CUE's parser rejects an alias as a declaration ("expected label or ':'"), and so
    // does our syntax check. The formatter leaves files with syntax errors as they are.
    let parse = parse("a: {\n\tX = 3\n\tb: X\n}\n".to_owned());
    let err = format(&parse).expect_err("a file with syntax errors is not formatted");
    assert_eq!(err.kind, FormatErrorKind::SyntaxErrors);
}

#[test]
fn attributes() {
    check(
        "a: int @go(A) @json(\"a,omitempty\")\nb: {\n@protobuf(1, name=x)\nc: 1\n}\nlongname: string @x()\n",
        expect![[r#"
            a: int @go(A) @json("a,omitempty")
            b: {
            	@protobuf(1, name=x)
            	c: 1
            }
            longname: string @x()
        "#]],
    );
}

// ------------------------------------------------------------ comprehensions

#[test]
fn comprehensions() {
    check(
        "a: {\nfor k, v in x if v > 0 let y = v*2 {\n(k): y\n}\nif b {c: 1}\n}\nl: [ for x in y { x } ]\nm: [for x in y if x {\n\tx\n}]\n",
        expect![[r#"
            a: {
            	for k, v in x if v > 0 let y = v * 2 {
            		(k): y
            	}
            	if b {c: 1}
            }
            l: [for x in y {x}]
            m: [for x in y if x {
            	x
            }]
        "#]],
    );
}

#[test]
fn comprehension_in_list_next_to_other_fields() {
    check(
        "p: {\n\tpvc: *[\n\t\tfor v in x {\n\t\t\t{n: v}\n\t\t},\n\t] | []\n\n\tconfigMap: *[\n\t\tfor v in y {\n\t\t\t{n: v}\n\t\t},\n\t] | []\n}\n",
        expect![[r#"
            p: {
            	pvc: *[
            		for v in x {
            			{n: v}
            		},
            	] | []

            	configMap: *[
            		for v in y {
            			{n: v}
            		},
            	] | []
            }
        "#]],
    );
}

// ---------------------------------------------------------- lists and structs

#[test]
fn lists() {
    check(
        "a: [1,2,3]\nb: [\n1,\n2\n]\nc: [ ]\nd: [...string]\ne: [1, ...int]\nf: [\n\t\"x\", \"y\",\n\t\"z\"]\n",
        expect![[r#"
            a: [1, 2, 3]
            b: [
            	1,
            	2,
            ]
            c: []
            d: [...string]
            e: [1, ...int]
            f: [
            	"x", "y",
            	"z"]
        "#]],
    );
}

#[test]
fn lists_without_commas_between_lines() {
    check(
        "a: [\n\t1\n\t2,   3\n]\nc: [\n\t\"x\"\n\t...\n]\n",
        expect![[r#"
            a: [
            	1
            	2, 3
            ]
            c: [
            	"x"
            	...
            ]
        "#]],
    );
}

#[test]
fn structs() {
    check(
        "a: {b: 1, c: 2}\nd: {\ne: 1\n  f: {g: 2}\n}\nh: {}\ni: {\n}\nj: close({k: 1})\n",
        expect![[r#"
            a: {b: 1, c: 2}
            d: {
            	e: 1
            	f: {g: 2}
            }
            h: {}
            i: {
            }
            j: close({k: 1})
        "#]],
    );
}

#[test]
fn embeddings_and_ellipsis() {
    check(
        "#A: {\n\t#B\n\ta: int\n\t...\n}\nc: {\n\t#A\n}\n",
        expect![[r#"
            #A: {
            	#B
            	a: int
            	...
            }
            c: {
            	#A
            }
        "#]],
    );
}

// ----------------------------------------------------------------- strings

#[test]
fn interpolation() {
    check(
        "a: \"x\\(b)y\"\nc: \"\\(d.e)-\\(f[0])\"\ng: \"\\( h )\"\n",
        expect![[r#"
            a: "x\(b)y"
            c: "\(d.e)-\(f[0])"
            g: "\( h )"
        "#]],
    );
}

#[test]
fn multiline_strings_are_reindented() {
    check_layout(
        "a: {\n  b: \"\"\"\n    line 1\n      indented\n    \"\"\"\n}\nc: '''\n  bytes\n  '''\nd: #\"raw \\(x)\"#\n",
        expect![[r##"
            a: {
            	b: """
            		line 1
            		  indented
            		"""
            }
            c: '''
            	bytes
            	'''
            d: #"raw \(x)"#
        "##]],
    );
}

#[test]
fn strings_and_attribute_bodies_are_verbatim() {
    check(
        "a: \"tab\\there\"   @x( spaced ,  body )\nb: 'bytes\\x00'\n",
        expect![[r#"
            a: "tab\there" @x( spaced ,  body )
            b: 'bytes\x00'
        "#]],
    );
}

#[test]
fn numbers_in_canonical_spelling() {
    check_layout(
        "a: .5\nb: 1.\nc: 1E3\nd: 0x1F\ne: 1_000\nf: 1.5Gi\n",
        expect![[r#"
            a: 0.5
            b: 1.0
            c: 1e3
            d: 0x1F
            e: 1_000
            f: 1.5Gi
        "#]],
    );
}

// ---------------------------------------------------------------- comments

#[test]
fn comments_in_all_positions() {
    check(
        "// file doc\n\npackage x\n\n// doc for a\na: 1 // trailing a\nbb: 2   // trailing bb\n\n// doc for s\ns: {\n\t// inside first\n\tx: 1\n\t// before close\n}\nl: [\n\t1, // one\n\t// between\n\t2,\n]\n// at end\n",
        expect![[r#"
            // file doc

            package x

            // doc for a
            a:  1 // trailing a
            bb: 2 // trailing bb

            // doc for s
            s: {
            	// inside first
            	x: 1
            	// before close
            }
            l: [
            	1, // one
            	// between
            	2,
            ]
            // at end
        "#]],
    );
}

#[test]
fn comment_only_file() {
    check(
        "// just\n// comments\n\n\n// here\n",
        expect![[r#"
            // just
            // comments

            // here
        "#]],
    );
}

#[test]
fn comments_after_list_elements_stay_after_commas() {
    check(
        "l: [\n\tf(1), // call\n\t(a), // paren\n\t[1, 2], // list\n]\n",
        expect![[r#"
            l: [
            	f(1),   // call
            	(a),    // paren
            	[1, 2], // list
            ]
        "#]],
    );
}

#[test]
fn comment_with_tab_is_kept() {
    check(
        "a: 1\n// \tindented: text  // note\nb: 2\n",
        expect![[r#"
            a: 1
            // 	indented: text  // note
            b: 2
        "#]],
    );
}

// --------------------------------------------------------------- alignment

#[test]
fn alignment_of_consecutive_fields() {
    check(
        "a: 1\nlonger: 2\nx: {\n\tk: \"v\"\n\tkey: \"value\"\n}\nafter: 3\nz: 4\n",
        expect![[r#"
            a:      1
            longer: 2
            x: {
            	k:   "v"
            	key: "value"
            }
            after: 3
            z:     4
        "#]],
    );
}

#[test]
fn multi_line_values_are_not_aligned() {
    check(
        "short: 1\nendpoints: *[] | [...]\neps: x\nlonger_name: [\n\t1,\n]\nk: 2\n",
        expect![[r#"
            short: 1
            endpoints: *[] | [...]
            eps: x
            longer_name: [
            	1,
            ]
            k: 2
        "#]],
    );
}

#[test]
fn blank_lines() {
    check(
        "a: {\n\n\n\tb: 1\n\n\n\n\tc: 2\n\n}\n\n\n\nd: 3\n",
        expect![[r#"
            a: {

            	b: 1

            	c: 2
            }

            d: 3
        "#]],
    );
}

// ------------------------------------------------------------- expressions

#[test]
fn operators_spacing() {
    check(
        "a: b+c\nd: e*f+g\nh: (i+j)*k\nl: m&n|o\np: !q && r||s\nt: x[1:2]\nu: x[a+1 : b]\nv: -w\n",
        expect![[r#"
            a: b + c
            d: e*f + g
            h: (i + j) * k
            l: m & n | o
            p: !q && r || s
            t: x[1:2]
            u: x[a+1 : b]
            v: -w
        "#]],
    );
}

#[test]
fn long_binary_expressions_keep_line_breaks() {
    check(
        "a: \"one\" |\n\t\"two\" |\n\t\"three\"\nb: x &\n   y\nc: strings.Join([\n\t\"a\",\n], \",\")\n",
        expect![[r#"
            a: "one" |
            	"two" |
            	"three"
            b: x &
            	y
            c: strings.Join([
            	"a",
            ], ",")
        "#]],
    );
}

#[test]
fn disjunctions_with_defaults() {
    check(
        "a: *\"x\" | \"y\"\nb: int | *1\nc: *{x: 1} | {y: 2}\nd: (*1 | 2) & int\n",
        expect![[r#"
            a: *"x" | "y"
            b: int | *1
            c: *{x: 1} | {y: 2}
            d: (*1 | 2) & int
        "#]],
    );
}

#[test]
fn selectors_calls_and_bounds() {
    check(
        "a: list.Concat([[1],[2]])\nb: >=1 & <=10\nc: =~\"^a\"\nd: x.y.z\ne: len(f)\n",
        expect![[r#"
            a: list.Concat([[1], [2]])
            b: >=1 & <=10
            c: =~"^a"
            d: x.y.z
            e: len(f)
        "#]],
    );
}

#[test]
fn kubevela_definition() {
    check(
        r#"import "strings"

"my-trait": {
	type: "trait"
	annotations: {}
	description: "Adds a label"
	attributes: {
		appliesToWorkloads: ["deployments.apps"]
		podDisruptive: false
	}
}
template: {
	patch: metadata: labels: {
		for k, v in parameter.labels {
			"\(k)": v
		}
	}
	// +usage=The labels to add
	parameter: labels: [string]: string | null
	outputs: svc: {
		apiVersion: "v1"
		kind: "Service"
		spec: ports: [for p in parameter.ports {port: p, targetPort: p}]
	}
}
"#,
        expect![[r#"
            import "strings"

            "my-trait": {
            	type: "trait"
            	annotations: {}
            	description: "Adds a label"
            	attributes: {
            		appliesToWorkloads: ["deployments.apps"]
            		podDisruptive: false
            	}
            }
            template: {
            	patch: metadata: labels: {
            		for k, v in parameter.labels {
            			"\(k)": v
            		}
            	}
            	// +usage=The labels to add
            	parameter: labels: [string]: string | null
            	outputs: svc: {
            		apiVersion: "v1"
            		kind:       "Service"
            		spec: ports: [for p in parameter.ports {port: p, targetPort: p}]
            	}
            }
        "#]],
    );
}

// ----------------------------------------------------------- newer syntax

#[test]
fn newer_syntax() {
    check(
        "a: {\n\ttry {\n\t\tb: x?\n\t}\n\tif c {d: 1} else {d: 2}\n}\n#A: {b: int}\nc: #A...\n",
        expect![[r#"
            a: {
            	try {
            		b: x?
            	}
            	if c {d: 1} else {d: 2}
            }
            #A: {b: int}
            c: #A...
        "#]],
    );
}

// ------------------------------------------------------------------ errors

#[test]
fn syntax_errors_are_not_formatted() {
    let err = format(&parse("a: {\n")).unwrap_err();
    assert_eq!(err.kind, FormatErrorKind::SyntaxErrors);
    assert!(
        err.message
            .starts_with("cannot format a file with syntax errors"),
        "{err}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 10_000;
    let cases = [
        format!("a: {}1{}\n", "[".repeat(n), "]".repeat(n)),
        format!("a: {}1{}\n", "(".repeat(n), ")".repeat(n)),
        format!("a: {}1\n", "-".repeat(n)),
        format!("a: {}\n", vec!["1"; 2 * n].join(" | ")),
        format!("a: x{}\n", ".y".repeat(n)),
        // Deeply nested structs: fewer levels, as the syntax check is slow on them.
        format!("a: {}1{}\n", "{b: ".repeat(1_000), "}".repeat(1_000)),
    ];
    for text in cases {
        let err = format(&parse(text)).expect_err("too deep to format");
        assert_eq!(err.kind, FormatErrorKind::TooDeep, "{err}");
        assert!(err.message.contains("nesting too deep"), "{err}");
    }
}

#[test]
fn moderate_nesting_is_formatted() {
    let depth = 150;
    let text = format!("a: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let out = format(&parse(text.clone())).expect("formats");
    assert_eq!(out, text);
    let text = format!("a: {}\n", vec!["1"; 500].join(" | "));
    let out = format(&parse(text.clone())).expect("formats");
    assert_eq!(out, text);
}

#[test]
fn empty_file() {
    assert_eq!(format(&parse("")).unwrap(), "\n");
    assert_eq!(format(&parse("\n\n")).unwrap(), "\n");
}

// ---------------------------------------------------------- range formatting

fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut out = text.to_owned();
    for e in edits.iter().rev() {
        out.replace_range(e.range.clone(), &e.insert);
    }
    out
}

#[test]
fn format_range_touches_only_the_enclosing_declaration() {
    let text = "a:  1\nb: {\n  c:   2\n  d: 3\n}\ne:    4\n";
    let p = parse(text);
    let c = text.find("c:").unwrap();
    let edits = format_range(&p, c..c + 1).unwrap();
    let out = apply(text, &edits);
    expect![[r#"
        a:  1
        b: {
        	c: 2
          d: 3
        }
        e:    4
    "#]]
    .assert_eq(&out);

    let b = text.find("b:").unwrap();
    let edits = format_range(&p, b..b).unwrap();
    expect![[r#"
        a:  1
        b: {
        	c: 2
        	d: 3
        }
        e:    4
    "#]]
    .assert_eq(&apply(text, &edits));

    let edits = format_range(&p, 0..text.len()).unwrap();
    assert_eq!(apply(text, &edits), format(&p).unwrap());

    let formatted = format(&p).unwrap();
    assert!(
        format_range(&parse(formatted.clone()), 0..formatted.len())
            .unwrap()
            .is_empty()
    );
}
