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
}
