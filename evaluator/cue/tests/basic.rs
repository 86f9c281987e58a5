//! Data-driven checks of the evaluator: CUE in, `cue export`-style JSON (or errors) out.

use expect_test::{Expect, expect};
use xdef_cue::{Evaluation, NoPackages, encode};

fn export(src: &str) -> String {
    let mut e = Evaluation::from_sources(
        vec![("in.cue".into(), src.into())],
        &NoPackages,
        Default::default(),
    );
    match e.export_root() {
        Ok(data) => encode::to_json(&data, None),
        Err(diags) => diags
            .iter()
            .map(|d| format!("error: {}\n", d.text()))
            .collect(),
    }
}

fn check(src: &str, expect: Expect) {
    expect.assert_eq(&export(src));
}

#[test]
fn scalars_and_arithmetic() {
    check(
        "a: 1, b: a + 1, c: \"x\\(b)\", d: div(7, 2), e: 1 / 4, f: 0.1 + 0.2",
        expect![[r#"{"a":1,"b":2,"c":"x2","d":3,"e":0.25,"f":0.3}"#]],
    );
}

#[test]
fn structs_unify() {
    check(
        "a: {x: 1}\na: {y: 2}\nb: a & {z: 3}",
        expect![[r#"{"a":{"x":1,"y":2},"b":{"x":1,"y":2,"z":3}}"#]],
    );
}

#[test]
fn conflicts_are_errors() {
    check(
        "a: 1 & 2",
        expect![[r#"
        error: a: conflicting values 1 and 2
    "#]],
    );
    check(
        "a: int & \"s\"",
        expect![[r#"
        error: a: conflicting values int and "s" (mismatched types int and string)
    "#]],
    );
}

#[test]
fn defaults() {
    check(
        "a: *1 | 2\nb: *\"x\" | string\nc: b + \"y\"\nd: (*1 | 2) & 2",
        expect![[r#"{"a":1,"b":"x","c":"xy","d":2}"#]],
    );
    check(
        "a: *1 | *2",
        expect![[r#"
        error: a: incomplete value 1 | 2
    "#]],
    );
}

#[test]
fn definitions_close() {
    check(
        "#D: {a: int}\nx: #D & {a: 1}",
        expect![[r#"{"x":{"a":1}}"#]],
    );
    check(
        "#D: {a: int}\nx: #D & {a: 1, b: 1}",
        expect![[r#"
        error: x.b: field not allowed
    "#]],
    );
    check(
        "#D: {a: int, ...}\nx: #D & {a: 0, b: 1}",
        expect![[r#"{"x":{"a":0,"b":1}}"#]],
    );
}

#[test]
fn self_reference_rebinds() {
    check(
        "#D: {x: int, y: x + 1}\na: #D & {x: 2}",
        expect![[r#"{"a":{"x":2,"y":3}}"#]],
    );
}

#[test]
fn comprehensions() {
    check(
        "l: [1, 2, 3]\ns: {for i, v in l if v > 1 {\"k\\(i)\": v * 10}}\nt: [for v in l {v + 1}]",
        expect![[r#"{"l":[1,2,3],"s":{"k1":20,"k2":30},"t":[2,3,4]}"#]],
    );
}

#[test]
fn existence_tests() {
    check(
        "p: {a: 1, b?: int}\nr: {a: p.a != _|_, b: p.b != _|_, c: p.c == _|_}",
        expect![[r#"{"p":{"a":1},"r":{"a":true,"b":false,"c":true}}"#]],
    );
}

#[test]
fn kubevela_idiom() {
    check(
        r#"
parameter: {
	image: string
	port: *80 | int
	cmd?: [...string]
}
parameter: {image: "nginx"}
output: {
	spec: containers: [{
		image: parameter.image
		ports: [{containerPort: parameter.port}]
		if parameter.cmd != _|_ {
			command: parameter.cmd
		}
	}]
}
"#,
        expect![[
            r#"{"parameter":{"image":"nginx","port":80},"output":{"spec":{"containers":[{"image":"nginx","ports":[{"containerPort":80}]}]}}}"#
        ]],
    );
}

#[test]
fn struct_disjunctions() {
    // Both disjuncts survive: {x: 1} and {x: 1, y: 2}.
    check(
        "a: {x: 1} | {y: 2}\na: {x: 1}",
        expect![[r#"
        error: a: incomplete value {...} | {...}
    "#]],
    );
    check(
        "a: {x: 1} | {y: 2}\na: {x: 2}",
        expect![[r#"{"a":{"y":2,"x":2}}"#]],
    );
    check(
        "#A: {kind: \"a\", a: int}\n#B: {kind: \"b\", b: int}\nx: #A | #B\nx: {kind: \"b\", b: 2}",
        expect![[r#"{"x":{"kind":"b","b":2}}"#]],
    );
}

#[test]
fn cycles() {
    check("a: b + 1\nb: a - 1\na: 10", expect![[r#"{"a":10,"b":9}"#]]);
    check("a: b\nb: a\na: 1", expect![[r#"{"a":1,"b":1}"#]]);
}

#[test]
fn lists() {
    check(
        "a: [...int] & [1, 2]\nb: [1, ...] & [1, 2, 3]\nc: len(b)",
        expect![[r#"{"a":[1,2],"b":[1,2,3],"c":3}"#]],
    );
    check(
        "a: [1] & [1, 2]",
        expect![[r#"
        error: a: incompatible list lengths (1 and 2)
    "#]],
    );
}

#[test]
fn patterns() {
    check(
        "a: [string]: {name: string}\na: {x: {name: \"x\"}}\nb: [N=string]: {n: N}\nb: {q: {}}",
        expect![[r#"{"a":{"x":{"name":"x"}},"b":{"q":{"n":"q"}}}"#]],
    );
}

#[test]
fn doubling_strings_stops_at_the_size_limit() {
    // 32 doublings of 16 bytes would be 64 GiB; the limit is 64 MiB per value.
    let mut src = String::from("s0: \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..=32 {
        src.push_str(&format!("s{i}: s{} + s{}\n", i - 1, i - 1));
    }
    src.push_str("t0: \"yyyyyyyyyyyyyyyy\"\n");
    for i in 1..=32 {
        src.push_str(&format!("t{i}: \"\\(t{})\\(t{})\"\n", i - 1, i - 1));
    }
    let out = export(&src);
    assert!(
        out.contains("s23: evaluation budget exceeded: a 134217728 byte result"),
        "{out}"
    );
    assert!(
        out.contains("t23: evaluation budget exceeded: an interpolation of more than 64 MiB"),
        "{out}"
    );
}
