//! `xdef-syntax`: the one parse of CUE that everything in xdef stands on.
//!
//! - [`parse`] turns text into a [`Parse`]: a tree-sitter tree from our own grammar
//!   (`grammars/tree-sitter-cue`), incrementally re-parsable with [`Parse::apply_edit`].
//! - [`ast`] is the typed view over that tree, with exact byte spans.
//! - [`Parse::errors`] gives every syntax error with a compiler-like message.
//! - [`literal`] decodes strings and number literals.
//! - [`LineIndex`] converts byte offsets to line:column (characters or UTF-16) and back.
//! - [`format`] prints a file in the canonical `cue fmt` layout.
//!
//! Invariant: no function here panics on any input, and no tree walk recurses (files may
//! nest brackets thousands deep).

pub mod ast;
pub mod diagnostics;
pub mod format;
pub mod line_index;
pub mod literal;
mod parse;

pub use diagnostics::SyntaxError;
pub use line_index::{LineCol, LineIndex};
pub use parse::{Parse, TextEdit, decode_source, parse};

/// A range of byte offsets into a file's text.
pub type TextRange = std::ops::Range<usize>;
