//! The CUE grammar for tree-sitter, as a Rust crate.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&tree_sitter_cue::LANGUAGE.into()).unwrap();
//! let tree = parser.parse("a: 1\n", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! Node kinds are listed in [`NODE_TYPES`]; the grammar itself is `grammar.js`.

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_cue() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for CUE.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_cue) };

/// The content of `src/node-types.json`.
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// Syntax highlighting query.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");
/// Local scopes, definitions and references.
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");
/// Foldable regions.
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");
/// Indentation rules.
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");
/// Language injections.
pub const INJECTIONS_QUERY: &str = include_str!("../../queries/injections.scm");

#[cfg(test)]
mod tests {
    #[test]
    fn language_loads() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&super::LANGUAGE.into())
            .expect("loading the CUE grammar");
    }

    #[test]
    fn queries_compile() {
        let language = super::LANGUAGE.into();
        for (name, source) in [
            ("highlights", super::HIGHLIGHTS_QUERY),
            ("locals", super::LOCALS_QUERY),
            ("folds", super::FOLDS_QUERY),
            ("indents", super::INDENTS_QUERY),
            ("injections", super::INJECTIONS_QUERY),
        ] {
            if let Err(err) = tree_sitter::Query::new(&language, source) {
                panic!("{name}.scm: {err}");
            }
        }
    }

    /// The captures of `query` on `source`, as `(capture name, node text)`.
    fn captures(query: &str, source: &str) -> Vec<(String, String)> {
        use tree_sitter::StreamingIterator;
        let language = super::LANGUAGE.into();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let query = tree_sitter::Query::new(&language, query).unwrap();
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut out = Vec::new();
        let mut matches = cursor.matches(&query, tree.root_node(), source.as_bytes());
        while let Some(m) = matches.next() {
            for c in m.captures() {
                out.push((
                    query.capture_names()[c.index as usize].to_string(),
                    c.node.utf8_text(source.as_bytes()).unwrap().to_string(),
                ));
            }
        }
        out
    }

    const SAMPLE: &str = "package x\n\nimport (\n\t\"strings\"\n)\n\n#A: {\n\tlet n = 1\n\tX=name: string\n\tlist: [for k, v in m {k}]\n\tval: n + X\n}\n";

    #[test]
    fn locals_find_definitions_and_references() {
        let caps = captures(super::LOCALS_QUERY, SAMPLE);
        let defs: Vec<&str> = caps
            .iter()
            .filter(|(c, _)| c == "local.definition")
            .map(|(_, t)| t.as_str())
            .collect();
        for name in ["#A", "n", "X", "name", "k", "v", "list", "val"] {
            assert!(defs.contains(&name), "{name} not defined: {defs:?}");
        }
        let refs: Vec<&str> = caps
            .iter()
            .filter(|(c, _)| c == "local.reference")
            .map(|(_, t)| t.as_str())
            .collect();
        assert_eq!(refs, ["string", "m", "k", "n", "X"]);
        assert!(caps.iter().filter(|(c, _)| c == "local.scope").count() >= 4);
    }

    #[test]
    fn folds_and_indents() {
        let folds = captures(super::FOLDS_QUERY, SAMPLE);
        assert!(folds.iter().any(|(_, t)| t.starts_with("import (")));
        assert!(folds.iter().any(|(_, t)| t.starts_with("{\n\tlet n")));
        let indents = captures(super::INDENTS_QUERY, SAMPLE);
        assert!(indents
            .iter()
            .any(|(c, t)| c == "indent.begin" && t.starts_with('{')));
        assert!(indents.iter().any(|(c, t)| c == "indent.end" && t == "}"));
    }

    #[test]
    fn highlights_mark_kubevela_markers_and_builtins() {
        let src = "// +patchKey=name\n// plain\na: len(x) & int\n";
        let caps = captures(super::HIGHLIGHTS_QUERY, src);
        let has = |c: &str, t: &str| caps.iter().any(|(cc, tt)| cc == c && tt == t);
        assert!(has("comment.special", "// +patchKey=name"));
        assert!(!has("comment.special", "// plain"));
        assert!(has("function.builtin", "len"));
        assert!(has("type.builtin", "int"));
        assert!(has("property", "a"));
    }
}
