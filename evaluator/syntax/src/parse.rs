//! Parsing text into a tree-sitter tree, and re-parsing after an edit with tree-sitter's
//! incremental algorithm. A [`Parse`] owns its text and tree; views into it borrow it.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use tree_sitter::{InputEdit, ParseOptions, ParseState, Parser, Point, Tree};

use crate::TextRange;
use crate::ast::{AstNode, SourceFile, SyntaxNode};
use crate::diagnostics::{self, SyntaxError};
use crate::line_index::LineIndex;

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_cue::LANGUAGE.into())
        .expect("the CUE grammar is compatible with the tree-sitter runtime");
    parser
}

/// A parsed CUE file: its text, its tree and a line index. Cloning is cheap for the tree
/// (reference counted) and copies the text.
#[derive(Clone)]
pub struct Parse {
    text: String,
    tree: Tree,
    line_index: LineIndex,
    /// Set when error recovery ran over its time budget (garbage input): the tree then
    /// covers the text only up to this offset; past it the text was parsed as blank.
    truncated_at: Option<usize>,
    /// [`Parse::errors`], computed once.
    errors: std::sync::OnceLock<Vec<SyntaxError>>,
}

/// A change to a text: replace `range` (byte offsets in the old text) by `insert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub range: TextRange,
    pub insert: String,
}

/// Parses `text`. Never fails: syntax errors are nodes in the tree, reported by
/// [`Parse::errors`].
pub fn parse(text: impl Into<String>) -> Parse {
    let text = text.into();
    let (tree, truncated_at) = run_parser(&text, None);
    let line_index = LineIndex::new(&text);
    Parse {
        text,
        tree,
        line_index,
        truncated_at,
        errors: std::sync::OnceLock::new(),
    }
}

/// Error recovery in tree-sitter can cost milliseconds per token on garbage (random bytes,
/// a binary file opened as CUE): tens of seconds for 64 KB. A parse that has met an error
/// gets this much time, plus [`BUDGET_PER_MB`] per megabyte; a parse without errors is never
/// stopped. Real files, even broken ones, stay far below it.
const ERROR_BUDGET: Duration = Duration::from_secs(2);
const BUDGET_PER_MB: Duration = Duration::from_secs(4);

/// Parses `text`; returns the tree and, when error recovery ran over its budget, the offset
/// from which the text was parsed as blank instead.
fn run_parser(text: &str, old: Option<&Tree>) -> (Tree, Option<usize>) {
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        let budget = ERROR_BUDGET + BUDGET_PER_MB.mul_f64(text.len() as f64 / (1 << 20) as f64);
        let started = Instant::now();
        // The furthest offset reached within half the budget: where to cut if we must.
        let mut cut = 0;
        let mut progress = |state: &ParseState| {
            let elapsed = started.elapsed();
            if elapsed <= budget / 2 {
                cut = cut.max(state.current_byte_offset());
            }
            if state.has_error() && elapsed > budget {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let tree = parse_bytes(&mut parser, text.as_bytes(), old, Some(&mut progress));
        if let Some(tree) = tree {
            return (tree, None);
        }
        // Over budget: parse again with everything from the start of the line of `cut` on
        // blanked out (newlines kept, so positions stay where they were). That prefix took
        // at most half the budget the first time.
        parser.reset();
        let cut = text[..cut.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
        let blanked: Vec<u8> = text
            .bytes()
            .enumerate()
            .map(|(i, b)| if i < cut || b == b'\n' { b } else { b' ' })
            .collect();
        let started = Instant::now();
        let mut progress = |_: &ParseState| {
            if started.elapsed() > budget {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let tree = parse_bytes(&mut parser, &blanked, None, Some(&mut progress))
            .or_else(|| {
                parser.reset();
                parser.parse("", None)
            })
            .expect("tree-sitter parses the empty text");
        (tree, Some(cut))
    })
}

type ProgressCallback<'a> = dyn FnMut(&ParseState) -> ControlFlow<()> + 'a;

fn parse_bytes<'a>(
    parser: &mut Parser,
    bytes: &[u8],
    old: Option<&Tree>,
    progress: Option<&'a mut ProgressCallback<'a>>,
) -> Option<Tree> {
    let mut options = ParseOptions::new();
    options.progress_callback = progress;
    let tree = parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or(&[]),
        old,
        Some(options),
    );
    if tree.is_none() {
        parser.reset();
    }
    tree
}

impl Parse {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    pub fn root(&self) -> SourceFile<'_> {
        SourceFile::cast(self.root_node()).expect("the root of a CUE tree is a source_file")
    }

    pub fn root_node(&self) -> SyntaxNode<'_> {
        SyntaxNode::new(self.tree.root_node(), &self.text)
    }

    /// When error recovery ran over its budget (garbage input), the offset from which the
    /// text was not parsed: the tree covers only the text before it. [`Parse::errors`]
    /// says so at that place.
    pub fn truncated_at(&self) -> Option<usize> {
        self.truncated_at
    }

    /// Every syntax error of the file, in source order.
    pub fn errors(&self) -> Vec<SyntaxError> {
        self.errors
            .get_or_init(|| diagnostics::syntax_errors(self))
            .clone()
    }

    /// Applies `edit` to the text and re-parses incrementally, reusing the unchanged parts
    /// of the old tree.
    pub fn apply_edit(&mut self, edit: &TextEdit) {
        let start = crate::line_index::floor_char_boundary(&self.text, edit.range.start);
        let old_end = crate::line_index::floor_char_boundary(&self.text, edit.range.end.max(start));
        let start_position = point_at(&self.text, &self.line_index, start);
        let old_end_position = point_at(&self.text, &self.line_index, old_end);
        self.errors = std::sync::OnceLock::new();
        self.text.replace_range(start..old_end, &edit.insert);
        let new_end = start + edit.insert.len();
        self.line_index = LineIndex::new(&self.text);
        let new_end_position = point_at(&self.text, &self.line_index, new_end);
        self.tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: old_end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position,
        });
        // A truncated tree does not describe the text past the cut: parse from scratch.
        let old = if self.truncated_at.is_some() {
            None
        } else {
            Some(&self.tree)
        };
        (self.tree, self.truncated_at) = run_parser(&self.text, old);
    }
}

fn point_at(text: &str, index: &LineIndex, offset: usize) -> Point {
    let line = index.line_of(offset);
    let _ = text;
    Point {
        row: line,
        column: offset - index.line_start(line),
    }
}

/// Turns file bytes into text. Invalid UTF-8 becomes U+FFFD and is reported at its place,
/// so a file that is not UTF-8 still parses and gets a clear error.
pub fn decode_source(bytes: &[u8]) -> (String, Vec<SyntaxError>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Vec::new()),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len());
            let mut errors = Vec::new();
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    let start = text.len();
                    text.push('\u{FFFD}');
                    if errors.len() < 100 {
                        errors.push(SyntaxError {
                            range: start..text.len(),
                            message: "illegal UTF-8 encoding".to_owned(),
                        });
                    }
                }
            }
            (text, errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_edit_matches_full_parse() {
        let mut p = parse("a: 1\nb: {\n\tc: 2\n}\n");
        let c = p.text().find("2").unwrap();
        p.apply_edit(&TextEdit {
            range: c..c + 1,
            insert: "\"x\"".into(),
        });
        let fresh = parse(p.text().to_owned());
        assert_eq!(
            p.tree().root_node().to_sexp(),
            fresh.tree().root_node().to_sexp()
        );
        assert!(p.text().contains("c: \"x\""));
    }

    #[test]
    fn invalid_utf8_is_reported_and_replaced() {
        let (text, errors) = decode_source(b"a: \"\xff\"\n");
        assert_eq!(text, "a: \"\u{FFFD}\"\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "illegal UTF-8 encoding");
        assert_eq!(errors[0].range.start, 4);
    }
}
