//! The canonical `cue fmt` layout.
//!
//! [`format()`] prints a file the way `cue fmt` does: tabs for indentation; the values of
//! consecutive single-line fields aligned in a column; at most one blank line kept (a blank
//! line before a closing `}` is dropped); the user's line breaks in lists, structs and
//! expressions kept; comments where they were (doc comments above declarations, trailing
//! comments aligned); strings, attribute bodies and comments verbatim, except that the
//! lines of a multi-line string are re-indented under their field (the indentation before
//! the closing quote is not part of the value); number literals in canonical spelling (`.5`
//! → `0.5`, `1.` → `1.0`, `1E3` → `1e3`). The result is a fixed point: formatting it again
//! changes nothing.
//!
//! [`format_range`] is for an editor's "format selection": the whole file is formatted
//! (alignment and comment placement need the context) and the edits returned are only the
//! changed lines that overlap the declarations enclosing the range. Edits are byte ranges of
//! the original text, sorted and disjoint; apply them from last to first.
//!
//! # Reference and differences
//!
//! The reference is the formatter of CUE v0.4 (`cue/format`), minus the bugs later CUE
//! releases fixed that would comment out code, break idempotence or indent by label
//! length (each one is documented on `printer::Style` and pinned by a test in
//! `format/tests.rs`). `cue fmt` decides layout from facts a syntax tree does not keep (the
//! relative position of every token, automatic commas, and which node each comment was
//! attached to by the reference parser, and where in it), so the formatter reads the text
//! again with a scanner and a parser that follow the reference ones. Both only run on files
//! our grammar accepted, and our grammar's tree tells them about the syntax newer than
//! v0.4 (`try` and fallback clauses, postfix operators).
//!
//! # Guarantees
//!
//! Files with syntax errors are not formatted ([`FormatErrorKind::SyntaxErrors`]). Every
//! result is checked before it is returned: it must parse and mean the same as the input
//! (same tree up to layout and the spellings above, same comments); otherwise the result is
//! dropped and an [`FormatErrorKind::Unsupported`] error returned, so a formatter bug
//! cannot change a file. Nesting deeper than [`MAX_NESTING`] gives
//! [`FormatErrorKind::TooDeep`]; the formatter runs on its own thread with a large stack,
//! so it never overflows the caller's.

mod node;
mod parser;
mod printer;
mod scanner;
mod tabwriter;
mod verify;

use std::fmt;

use crate::ast::AstNode;
use crate::{Parse, TextEdit, TextRange};

/// Why a file could not be formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatErrorKind {
    /// The file has syntax errors ([`Parse::errors`]); it is left as it is.
    SyntaxErrors,
    /// The file nests deeper than the formatter supports.
    TooDeep,
    /// The formatter's own reading of the file failed where the grammar accepted it.
    Unsupported,
}

/// An error from [`format()`] or [`format_range`], at a place in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub kind: FormatErrorKind,
    pub range: TextRange,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

/// The deepest tree formatted on the caller's stack when no thread can be started.
const INLINE_DEPTH: usize = 64;
const DEEP_STACK: usize = 256 << 20;

/// The deepest nesting of expressions and declarations the formatter accepts.
pub const MAX_NESTING: usize = parser::MAX_DEPTH;

/// Formats a whole file. Fails without formatting when the file has syntax errors.
pub fn format(parse: &Parse) -> Result<String, FormatError> {
    format_with(parse, printer::Style::FIXED)
}

/// Formats like CUE v0.4's `cue fmt` exactly, including the bugs [`format()`] does not
/// copy. For comparisons with the reference implementation only.
#[doc(hidden)]
pub fn format_cue_v04(parse: &Parse) -> Result<String, FormatError> {
    format_with(parse, printer::Style::V04)
}

fn format_with(parse: &Parse, style: printer::Style) -> Result<String, FormatError> {
    if let Some(first) = parse.errors().first() {
        return Err(FormatError {
            kind: FormatErrorKind::SyntaxErrors,
            range: first.range.clone(),
            message: format!("cannot format a file with syntax errors: {}", first.message),
        });
    }
    let (hints, depth) = collect_hints(parse);
    let text = parse.text();
    let run = || {
        let out = format_text(text, &hints, style)?;
        if style.is_fixed() {
            check_output(text, &hints, &out)?;
        }
        Ok(out)
    };
    // The formatter recurses (boundedly) on the file's nesting: give it a stack that is
    // large enough whatever the caller's is. Only if no thread can be started, shallow
    // files are formatted on the caller's stack.
    match run_deep(run) {
        Ok(result) => result,
        Err(DeepRunError::NoThread) if depth <= INLINE_DEPTH => run(),
        Err(DeepRunError::NoThread) => Err(FormatError {
            kind: FormatErrorKind::TooDeep,
            range: 0..0,
            message: "cannot format: nesting too deep".to_owned(),
        }),
        Err(DeepRunError::Panicked) => Err(FormatError {
            kind: FormatErrorKind::Unsupported,
            range: 0..0,
            message: "cannot format: internal formatter error (panic); the file is left as it is"
                .to_owned(),
        }),
    }
}

/// The safety net: the output must parse and say what the input says.
fn check_output(input: &str, input_hints: &parser::Hints, output: &str) -> Result<(), FormatError> {
    let reparsed = crate::parse(output);
    let root = reparsed.tree().root_node();
    let bad = if root.has_error() {
        Some(first_error_offset(&reparsed))
    } else {
        let (output_hints, _) = collect_hints(&reparsed);
        let same = verify::same_meaning(input, input_hints, output, &output_hints);
        (!same).then_some(0)
    };
    match bad {
        None => Ok(()),
        Some(offset) => {
            let detail = if root.has_error() {
                let line = reparsed.line_index().line_of(offset.min(output.len())) + 1;
                format!("the result would not parse (line {line})")
            } else {
                "the result would differ from the input beyond layout".to_owned()
            };
            Err(FormatError {
                kind: FormatErrorKind::Unsupported,
                range: 0..0,
                message: format!(
                    "cannot format: internal formatter error: {detail}; the file is left as it is"
                ),
            })
        }
    }
}

enum DeepRunError {
    NoThread,
    Panicked,
}

/// Runs `f` on a thread with a stack deep enough for [`parser::MAX_DEPTH`].
fn run_deep<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, DeepRunError> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("xdef-fmt".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, f)
            .map_err(|_| DeepRunError::NoThread)?;
        handle.join().map_err(|_| DeepRunError::Panicked)
    })
}

fn first_error_offset(parse: &Parse) -> usize {
    let mut cursor = parse.tree().walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return node.start_byte();
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        if cursor.goto_next_sibling() {
            continue;
        }
        return node.start_byte();
    }
}

fn format_text(
    text: &str,
    hints: &parser::Hints,
    style: printer::Style,
) -> Result<String, FormatError> {
    let mut p = parser::Parser::new(text, hints);
    let file = match p.parse_file() {
        Ok(file) => file,
        Err(parser::ParseFailure::TooDeep { offset }) => {
            return Err(FormatError {
                kind: FormatErrorKind::TooDeep,
                range: offset..offset,
                message: format!(
                    "cannot format: nesting too deep (more than {} levels)",
                    parser::MAX_DEPTH
                ),
            });
        }
        Err(parser::ParseFailure::Syntax { offset, message }) => {
            return Err(FormatError {
                kind: FormatErrorKind::Unsupported,
                range: offset..offset,
                message: format!("cannot format: {message}"),
            });
        }
    };
    let line_starts: Vec<u32> = std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        )
        .collect();
    let tree = std::mem::take(&mut p.tree);
    let out = printer::Printer::new(&tree, &line_starts, style).print_file(file);
    String::from_utf8(out).map_err(|_| FormatError {
        kind: FormatErrorKind::Unsupported,
        range: 0..0,
        message: "cannot format: the output is not valid UTF-8".to_owned(),
    })
}

/// Walks the grammar's tree (without recursion) for the tokens of newer syntax, and
/// measures its depth.
fn collect_hints(parse: &Parse) -> (parser::Hints, usize) {
    let mut hints = parser::Hints::default();
    let mut cursor = parse.tree().walk();
    let mut depth = 0usize;
    let mut max_depth = 0usize;
    loop {
        let node = cursor.node();
        match node.kind() {
            "try_clause" => {
                if let Some(kw) = node.child(0) {
                    hints.try_keywords.insert(kw.start_byte() as u32);
                }
            }
            "fallback_clause" => {
                if let Some(kw) = node.child_by_field_name("keyword") {
                    hints.fallback_keywords.insert(kw.start_byte() as u32);
                }
            }
            "postfix_expression" => {
                if let Some(op) = node.child_by_field_name("operator") {
                    hints.postfix_ops.insert(op.start_byte() as u32);
                }
            }
            _ => {}
        }
        if cursor.goto_first_child() {
            depth += 1;
            max_depth = max_depth.max(depth);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return (hints, max_depth);
            }
            depth -= 1;
        }
    }
}

/// A label written as a multi-line or raw string is printed as a plain quoted string, as
/// `cue fmt` does. Returns `None` (keep it as written) when it cannot be decoded.
fn requote_label(text: &str) -> Option<String> {
    let parse = crate::parse(format!("{text}: _\n"));
    let root = parse.root_node();
    if root.kind() != "source_file" || root.has_error() {
        return None;
    }
    let crate::ast::Decl::Field(field) = parse.root().decls().next()? else {
        return None;
    };
    let crate::ast::LabelName::String(lit) = field.label()?.name()? else {
        return None;
    };
    if lit.range() != (0..text.len()) || lit.is_interpolated() {
        return None;
    }
    let (decoded, errors) = crate::literal::decode_string(lit);
    if !errors.is_empty() {
        return None;
    }
    let bytes = decoded.constant()?;
    let s = String::from_utf8(bytes).ok()?;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c == ' ' || !(c.is_control() || c.is_whitespace()) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    Some(out)
}

/// Edits that format the declarations enclosing `range` (byte offsets): the smallest
/// declaration (field, `let`, embedding, comprehension… at any depth) containing the whole
/// range, or the run of sibling declarations the range touches. The edits replace whole
/// lines and are sorted by position; they are empty when that part is already formatted.
///
/// Fails like [`format()`] on files with syntax errors.
pub fn format_range(parse: &Parse, range: TextRange) -> Result<Vec<TextEdit>, FormatError> {
    let formatted = format(parse)?;
    let text = parse.text();
    let span = enclosing_decls(parse, range);
    let first_line = parse.line_index().line_of(span.start);
    let last_line = parse
        .line_index()
        .line_of(span.end.saturating_sub(1).max(span.start));
    let old: Vec<&str> = text.split_inclusive('\n').collect();
    let new: Vec<&str> = formatted.split_inclusive('\n').collect();
    let mut edits = Vec::new();
    // A hunk replacing as many lines as it removes is split into single lines, so that
    // re-aligned neighbours outside the range are left alone.
    let hunks = diff_lines(&old, &new).into_iter().flat_map(|h| {
        if h.old.len() == h.new.len() && h.old.len() > 1 {
            h.old
                .clone()
                .zip(h.new.clone())
                .map(|(o, n)| Hunk {
                    old: o..o + 1,
                    new: n..n + 1,
                })
                .collect()
        } else {
            vec![h]
        }
    });
    for hunk in hunks {
        // A hunk covers old lines [a, b) and replaces them with new lines [c, d).
        let touches = if hunk.old.is_empty() {
            hunk.old.start >= first_line && hunk.old.start <= last_line + 1
        } else {
            hunk.old.start <= last_line && hunk.old.end > first_line
        };
        if !touches {
            continue;
        }
        let start: usize = old[..hunk.old.start].iter().map(|l| l.len()).sum();
        let end: usize = start + old[hunk.old.clone()].iter().map(|l| l.len()).sum::<usize>();
        edits.push(TextEdit {
            range: start..end,
            insert: new[hunk.new.clone()].concat(),
        });
    }
    Ok(edits)
}

/// The byte span of the declarations enclosing `range`.
fn enclosing_decls(parse: &Parse, range: TextRange) -> TextRange {
    let text_len = parse.text().len();
    let start = range.start.min(text_len);
    let end = range.end.clamp(start, text_len);
    let root = parse.root_node();
    let Some(mut node) = root
        .raw()
        .descendant_for_byte_range(start, end.max(start))
        .map(|n| crate::ast::SyntaxNode::new(n, parse.text()))
    else {
        return 0..text_len;
    };
    // Climb to a declaration list (a struct or the file) holding the range.
    loop {
        let is_list = matches!(node.kind(), "struct" | "source_file");
        if is_list {
            let decls: Vec<_> = node
                .children()
                .filter(|c| c.range().end > start && c.range().start < end.max(start + 1))
                .collect();
            match (decls.first(), decls.last()) {
                (Some(a), Some(b)) => return a.range().start..b.range().end,
                _ => return node.range(),
            }
        }
        match node.parent() {
            Some(p) => node = p,
            None => return 0..text_len,
        }
    }
}

struct Hunk {
    old: std::ops::Range<usize>,
    new: std::ops::Range<usize>,
}

/// Line-level differences (Myers' algorithm), as hunks of replaced lines.
fn diff_lines(a: &[&str], b: &[&str]) -> Vec<Hunk> {
    // Trim the common prefix and suffix, which is almost everything in practice.
    let mut pre = 0;
    while pre < a.len() && pre < b.len() && a[pre] == b[pre] {
        pre += 1;
    }
    let mut suf = 0;
    while suf < a.len() - pre && suf < b.len() - pre && a[a.len() - 1 - suf] == b[b.len() - 1 - suf]
    {
        suf += 1;
    }
    let a_mid = &a[pre..a.len() - suf];
    let b_mid = &b[pre..b.len() - suf];
    let mut hunks = Vec::new();
    if a_mid.is_empty() && b_mid.is_empty() {
        return hunks;
    }
    let script = myers(a_mid, b_mid);
    // Group the edit script into hunks of consecutive changes.
    let (mut i, mut j) = (0usize, 0usize);
    let mut k = 0;
    while k < script.len() {
        if script[k] == Step::Keep {
            i += 1;
            j += 1;
            k += 1;
            continue;
        }
        let (si, sj) = (i, j);
        while k < script.len() && script[k] != Step::Keep {
            match script[k] {
                Step::Delete => i += 1,
                Step::Insert => j += 1,
                Step::Keep => {}
            }
            k += 1;
        }
        hunks.push(Hunk {
            old: pre + si..pre + i,
            new: pre + sj..pre + j,
        });
    }
    hunks
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Keep,
    Delete,
    Insert,
}

fn myers(a: &[&str], b: &[&str]) -> Vec<Step> {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max = (n + m) as usize;
    // Bound the work: past this many differences, replace the whole middle.
    const MAX_D: usize = 2000;
    let offset = max as isize;
    let mut v = vec![0isize; 2 * max + 2];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = false;
    'outer: for d in 0..=max.min(MAX_D) as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let idx = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
                v[idx + 1]
            } else {
                v[idx - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx] = x;
            if x >= n && y >= m {
                found = true;
                break 'outer;
            }
            k += 2;
        }
    }
    if !found {
        let mut steps = vec![Step::Delete; a.len()];
        steps.extend(std::iter::repeat_n(Step::Insert, b.len()));
        return steps;
    }
    // Backtrack.
    let mut steps = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let v = &trace[d as usize];
        let k = x - y;
        let idx = (k + offset) as usize;
        let prev_k = if k == -d || (k != d && v[idx - 1] < v[idx + 1]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = if d == 0 {
            0
        } else {
            v[(prev_k + offset) as usize]
        };
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            steps.push(Step::Keep);
            x -= 1;
            y -= 1;
        }
        if d > 0 {
            if x == prev_x {
                steps.push(Step::Insert);
            } else {
                steps.push(Step::Delete);
            }
        }
        x = prev_x;
        y = prev_y;
    }
    steps.reverse();
    steps
}

#[cfg(test)]
mod tests;
