//! The deliberate differences from CUE v0.4's `cue fmt`: for each bug that `xdef fmt` does
//! not copy, the v0.4 output (checked against the reference implementation) and ours.

use expect_test::{Expect, expect};

use super::*;

#[track_caller]
fn check_both(input: &str, v04: Expect, fixed: Expect) {
    let p = crate::parse(input);
    v04.assert_eq(&format_cue_v04(&p).unwrap());
    fixed.assert_eq(&format(&p).unwrap());
}

#[test]
fn first_clause_and_list_start() {
    check_both(
        "let x = [ for a in b { a } ]\ny: [ 1]\n",
        expect![[r#"
             let x = [ for a in b {a}]
            y: [ 1]
        "#]],
        expect![[r#"
            let x = [for a in b {a}]
            y: [1]
        "#]],
    );
}

#[test]
fn tab_in_comment() {
    check_both(
        "a: 1\n// x:\tnote\n",
        expect![[r#"
            a:    1
            // x: note
        "#]],
        expect![[r#"
            a: 1
            // x:	note
        "#]],
    );
}

#[test]
fn multi_line_values_after_soft_tabs() {
    check_both(
        "m: {\n\tpvc: *[\n\t\tfor v in x {v},\n\t] | []\n\tconfigMap: *[\n\t\tfor v in y {v},\n\t] | []\n}\n",
        expect![[r#"
            m: {
            	pvc: *[
            		for v in x {v},
            	] | []
            	configMap: *[
            			for v in y {v},
            	] | []
            }
        "#]],
        expect![[r#"
            m: {
            	pvc: *[
            		for v in x {v},
            	] | []
            	configMap: *[
            		for v in y {v},
            	] | []
            }
        "#]],
    );
}

#[test]
fn comment_after_list_element() {
    check_both(
        "l: [\n\tf(1), // call\n\t2,\n]\n",
        expect![[r#"
            l: [
            	f(1, // call),
            	2,
            ]
        "#]],
        expect![[r#"
            l: [
            	f(1), // call
            	2,
            ]
        "#]],
    );
}

#[test]
fn implied_struct_end() {
    check_both(
        "x: y: {\n\tz: b: E: string\n\tport: z.b.E\n} @a()\n",
        expect![[r#"
            x: {
            	y: {
            		z: b: E: string
            		port:    z.b.E
            	} @a()
            }
        "#]],
        expect![[r#"
            x: {
            	y: {
            		z: b: E: string
            		port: z.b.E
            	} @a()
            }
        "#]],
    );
}
