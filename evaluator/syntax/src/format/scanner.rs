//! The token stream the formatter works from.
//!
//! `cue fmt` decides spacing from the *relative position* of every token (no space, blank,
//! newline, blank line before it), from commas inserted at line ends and from where comments
//! sit between tokens. This scanner reproduces those facts the way the reference scanner
//! (`cue/scanner`, v0.4) computes them, so that the printer can make the same decisions.
//! It only ever sees files that our grammar accepted; anything it cannot scan is an error.

use std::fmt;

/// How a token is placed relative to the token before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum RelPos {
    /// No information (a synthesized position).
    #[default]
    None,
    /// The token is not in the source (an automatic comma).
    Elided,
    /// Directly after the previous token.
    NoSpace,
    /// After spaces or tabs on the same line.
    Blank,
    /// On the next line.
    Newline,
    /// After at least one blank line.
    NewSection,
}

/// A token position: byte offset, 1-based line and relative position. Line 0 means "no
/// position" (synthesized nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub offset: u32,
    pub line: u32,
    pub rel: RelPos,
}

impl Pos {
    pub const NONE: Pos = Pos {
        offset: 0,
        line: 0,
        rel: RelPos::None,
    };

    pub fn is_valid(self) -> bool {
        self.line > 0
    }

    pub fn has_rel(self) -> bool {
        self.rel != RelPos::None
    }

    pub fn is_newline(self) -> bool {
        self.rel >= RelPos::Newline
    }

    pub fn with_rel(self, rel: RelPos) -> Pos {
        Pos { rel, ..self }
    }
}

/// Token kinds, as the reference scanner distinguishes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Illegal,
    Eof,
    Comment,
    Attribute,
    Ident,
    Int,
    Float,
    String,
    Interpolation,
    Bottom,
    Add,
    Sub,
    Mul,
    Quo,
    And,
    Or,
    Land,
    Lor,
    Bind,
    Eql,
    Lss,
    Gtr,
    Not,
    Neq,
    Leq,
    Geq,
    Mat,
    Nmat,
    Lparen,
    Lbrack,
    Lbrace,
    Comma,
    Period,
    Ellipsis,
    Rparen,
    Rbrack,
    Rbrace,
    Colon,
    Option,
    Tilde,
    If,
    For,
    In,
    Let,
    True,
    False,
    Null,
    // Keywords of newer CUE versions; the scanner returns them as identifiers and the
    // parser promotes them where our grammar found a clause.
    Try,
    Else,
    Otherwise,
    Fallback,
}

impl Tok {
    /// The token's spelling when the printer writes it.
    pub fn as_str(self) -> &'static str {
        use Tok::*;
        match self {
            Illegal => "ILLEGAL",
            Eof => "",
            Comment => "COMMENT",
            Attribute => "ATTRIBUTE",
            Ident => "IDENT",
            Int => "INT",
            Float => "FLOAT",
            String => "STRING",
            Interpolation => "INTERPOLATION",
            Bottom => "_|_",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Quo => "/",
            And => "&",
            Or => "|",
            Land => "&&",
            Lor => "||",
            Bind => "=",
            Eql => "==",
            Lss => "<",
            Gtr => ">",
            Not => "!",
            Neq => "!=",
            Leq => "<=",
            Geq => ">=",
            Mat => "=~",
            Nmat => "!~",
            Lparen => "(",
            Lbrack => "[",
            Lbrace => "{",
            Comma => ",",
            Period => ".",
            Ellipsis => "...",
            Rparen => ")",
            Rbrack => "]",
            Rbrace => "}",
            Colon => ":",
            Option => "?",
            Tilde => "~",
            If => "if",
            For => "for",
            In => "in",
            Let => "let",
            True => "true",
            False => "false",
            Null => "null",
            Try => "try",
            Else => "else",
            Otherwise => "otherwise",
            Fallback => "fallback",
        }
    }

    /// Binary operator precedence (0 for non-operators).
    pub fn precedence(self) -> u8 {
        use Tok::*;
        match self {
            Or => 1,
            And => 2,
            Lor => 3,
            Land => 4,
            Eql | Neq | Lss | Leq | Gtr | Geq | Mat | Nmat => 5,
            Add | Sub => 6,
            Mul | Quo => 7,
            _ => 0,
        }
    }

    pub fn is_keyword(self) -> bool {
        use Tok::*;
        matches!(self, If | For | In | Let | True | False | Null)
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) const UNARY_PREC: u8 = 8;
pub(crate) const HIGHEST_PREC: u8 = 9;
pub(crate) const LOWEST_PREC: u8 = 0;

#[derive(Clone, Copy, Debug)]
struct Quote {
    ch: char,
    num_char: usize,
    num_hash: usize,
}

/// A scanning error, with the byte offset it was found at.
#[derive(Clone, Debug)]
pub(crate) struct ScanError {
    pub offset: usize,
    pub message: String,
}

const EOF_CH: i32 = -1;

pub(crate) struct Scanner<'a> {
    src: &'a str,
    /// Offsets of postfix `...` operators, after which a line end inserts a comma.
    postfix_ops: &'a std::collections::HashSet<u32>,
    line_starts: Vec<u32>,
    ch: i32,
    offset: usize,
    rd_offset: usize,
    line_offset: usize,
    lines_since_last: u32,
    spaces_since_last: u32,
    insert_eol: bool,
    quote_stack: Vec<Quote>,
    pub errors: Vec<ScanError>,
}

fn is_letter(ch: i32) -> bool {
    match char::from_u32(ch as u32) {
        Some(c) if ch >= 0 => c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic()),
        _ => false,
    }
}

fn is_digit(ch: i32) -> bool {
    match char::from_u32(ch as u32) {
        Some(c) if ch >= 0 => c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric()),
        _ => false,
    }
}

fn digit_val(ch: i32) -> u32 {
    match u8::try_from(ch).ok() {
        Some(c @ b'0'..=b'9') => u32::from(c - b'0'),
        Some(b'_') => 0,
        Some(c @ b'a'..=b'f') => u32::from(c - b'a' + 10),
        Some(c @ b'A'..=b'F') => u32::from(c - b'A' + 10),
        _ => 16,
    }
}

fn strip_cr(s: &str) -> String {
    s.chars().filter(|c| *c != '\r').collect()
}

impl<'a> Scanner<'a> {
    pub fn new(src: &'a str, postfix_ops: &'a std::collections::HashSet<u32>) -> Scanner<'a> {
        let mut line_starts = vec![0u32];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push((i + 1) as u32);
            }
        }
        let mut s = Scanner {
            src,
            postfix_ops,
            line_starts,
            ch: ' ' as i32,
            offset: 0,
            rd_offset: 0,
            line_offset: 0,
            lines_since_last: 0,
            spaces_since_last: 0,
            insert_eol: false,
            quote_stack: Vec::new(),
            errors: Vec::new(),
        };
        s.next();
        if s.ch == 0xFEFF {
            s.next();
        }
        s
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        let off = offset as u32;
        match self.line_starts.binary_search(&off) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    fn pos(&self, offset: usize, rel: RelPos) -> Pos {
        Pos {
            offset: offset as u32,
            line: self.line_of(offset),
            rel,
        }
    }

    fn err(&mut self, offset: usize, message: impl Into<String>) {
        if self.errors.len() < 10 {
            self.errors.push(ScanError {
                offset,
                message: message.into(),
            });
        }
    }

    fn next(&mut self) {
        if self.rd_offset < self.src.len() {
            self.offset = self.rd_offset;
            if self.ch == '\n' as i32 {
                self.line_offset = self.offset;
            }
            let c = self.src[self.rd_offset..]
                .chars()
                .next()
                .unwrap_or('\u{FFFD}');
            if c == '\0' {
                self.err(self.offset, "illegal character NUL");
            }
            self.rd_offset += c.len_utf8();
            self.ch = c as i32;
        } else {
            self.offset = self.src.len();
            if self.ch == '\n' as i32 {
                self.line_offset = self.offset;
            }
            self.ch = EOF_CH;
        }
    }

    fn peek_byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    fn skip_whitespace(&mut self, inc: u32) {
        loop {
            match self.ch {
                c if c == ' ' as i32 || c == '\t' as i32 => self.spaces_since_last += inc,
                c if c == '\n' as i32 => {
                    self.lines_since_last += inc;
                    if self.insert_eol {
                        return;
                    }
                }
                c if c == '\r' as i32 => {}
                _ => return,
            }
            self.next();
        }
    }

    fn scan_comment(&mut self) -> String {
        let offs = self.offset - 1;
        let mut has_cr = false;
        // `//` style only; the second '/' is the current character.
        self.next();
        while self.ch != '\n' as i32 && self.ch >= 0 {
            if self.ch == '\r' as i32 {
                has_cr = true;
            }
            self.next();
        }
        let lit = &self.src[offs..self.offset];
        if has_cr {
            strip_cr(lit)
        } else {
            lit.to_owned()
        }
    }

    /// Whether the comment starting at the current `/` runs to the end of the line (always
    /// true for `//` comments).
    fn find_line_end(&self) -> bool {
        self.ch == '/' as i32
    }

    fn scan_field_identifier(&mut self) -> &'a str {
        let offs = self.offset;
        if self.ch == '_' as i32 {
            self.next();
        }
        if self.ch == '#' as i32 {
            self.next();
            if is_digit(self.ch) {
                return &self.src[offs..self.offset];
            }
        }
        while is_letter(self.ch)
            || is_digit(self.ch)
            || self.ch == '_' as i32
            || self.ch == '$' as i32
        {
            self.next();
        }
        &self.src[offs..self.offset]
    }

    fn scan_identifier(&mut self) {
        while is_letter(self.ch)
            || is_digit(self.ch)
            || self.ch == '_' as i32
            || self.ch == '$' as i32
        {
            self.next();
        }
    }

    fn scan_mantissa(&mut self, base: u32) {
        while digit_val(self.ch) < base {
            self.next();
        }
    }

    fn scan_number(&mut self, seen_decimal_point: bool) -> (Tok, String) {
        let mut offs = self.offset;
        let mut tok = Tok::Int;
        'exit: {
            if seen_decimal_point {
                offs -= 1;
                tok = Tok::Float;
                self.scan_mantissa(10);
            } else {
                if self.ch == '0' as i32 {
                    self.next();
                    if self.ch == 'x' as i32 || self.ch == 'X' as i32 {
                        self.next();
                        self.scan_mantissa(16);
                        break 'exit;
                    } else if self.ch == 'b' as i32 {
                        self.next();
                        self.scan_mantissa(2);
                        break 'exit;
                    } else if self.ch == 'o' as i32 {
                        self.next();
                        self.scan_mantissa(8);
                        break 'exit;
                    } else {
                        if self.ch >= '0' as i32 && self.ch <= '9' as i32 {
                            self.scan_mantissa(10);
                        }
                        if !(self.ch == '.' as i32
                            || self.ch == 'e' as i32
                            || self.ch == 'E' as i32)
                        {
                            break 'exit;
                        }
                    }
                } else {
                    self.scan_mantissa(10);
                }
                // fraction
                if self.ch == '.' as i32 {
                    if self.peek_byte(self.offset + 1) == Some(b'.') {
                        break 'exit;
                    }
                    tok = Tok::Float;
                    self.next();
                    self.scan_mantissa(10);
                }
            }
            // exponent
            if matches!(
                u8::try_from(self.ch).ok(),
                Some(b'K' | b'M' | b'G' | b'T' | b'P')
            ) {
                tok = Tok::Int;
                self.next();
                if self.ch == 'i' as i32 {
                    self.next();
                }
                break 'exit;
            }
            if self.ch == 'e' as i32 || self.ch == 'E' as i32 {
                tok = Tok::Float;
                self.next();
                if self.ch == '-' as i32 || self.ch == '+' as i32 {
                    self.next();
                }
                self.scan_mantissa(10);
            }
        }
        (tok, self.src[offs..self.offset].to_owned())
    }

    /// Scans an escape after a backslash. Returns true when it starts an interpolation.
    fn scan_escape(&mut self, quote: Quote) -> bool {
        for _ in 0..quote.num_hash {
            if self.ch != '#' as i32 {
                return false;
            }
            self.next();
        }
        let (mut n, base) = match u8::try_from(self.ch).ok() {
            Some(b'(') => return true,
            Some(b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'/') => {
                self.next();
                return false;
            }
            Some(c) if c as char == quote.ch => {
                self.next();
                return false;
            }
            Some(b'0'..=b'7') => (3, 8),
            Some(b'x') => {
                self.next();
                (2, 16)
            }
            Some(b'u') => {
                self.next();
                (4, 16)
            }
            Some(b'U') => {
                self.next();
                (8, 16)
            }
            _ => {
                self.err(self.offset, "unknown escape sequence");
                return false;
            }
        };
        while n > 0 {
            if digit_val(self.ch) >= base {
                self.err(self.offset, "illegal character in escape sequence");
                return false;
            }
            self.next();
            n -= 1;
        }
        false
    }

    fn scan_string(&mut self, offs: usize, quote: Quote) -> (Tok, String) {
        let mut tok = Tok::String;
        let mut has_cr = false;
        let mut extra = 0;
        loop {
            let ch = self.ch;
            if (quote.num_char != 3 && ch == '\n' as i32) || ch < 0 {
                self.err(offs, "string literal not terminated");
                let lit = &self.src[offs..self.offset];
                return (
                    tok,
                    if has_cr {
                        strip_cr(lit)
                    } else {
                        lit.to_owned()
                    },
                );
            }
            self.next();
            let (ch, done) = self.consume_string_close(ch, quote);
            if done {
                break;
            }
            if ch == '\r' as i32 && quote.num_char == 3 {
                has_cr = true;
            }
            if ch == '\\' as i32 && self.scan_escape(quote) {
                tok = Tok::Interpolation;
                extra = 1;
                self.quote_stack.push(quote);
                break;
            }
        }
        let end = (self.offset + extra).min(self.src.len());
        let lit = &self.src[offs..end];
        (
            tok,
            if has_cr {
                strip_cr(lit)
            } else {
                lit.to_owned()
            },
        )
    }

    fn consume_quotes(&mut self, quote: char, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            if self.ch != quote as i32 {
                return n;
            }
            self.next();
            n += 1;
        }
        n
    }

    fn consume_string_close(&mut self, ch: i32, quote: Quote) -> (i32, bool) {
        if quote.ch as i32 != ch {
            return (ch, false);
        }
        let n = quote.num_char + quote.num_hash;
        let mut want = quote.ch as i32;
        let mut ch = ch;
        for i in 1..n {
            if i == quote.num_char {
                want = '#' as i32;
            }
            if want != self.ch {
                return (ch, false);
            }
            ch = self.ch;
            self.next();
        }
        (self.ch, true)
    }

    fn check_hash_count(&mut self, offs: usize, quote: Quote) {
        for _ in 0..quote.num_hash {
            if self.ch != '#' as i32 {
                self.err(offs, "string literal not terminated");
                return;
            }
            self.next();
        }
    }

    /// Continues a string after the `)` that closes an interpolation; the result starts
    /// with that `)`.
    /// Returns `Tok::Interpolation` when the continuation opens another interpolation.
    pub fn resume_interpolation(&mut self) -> (Tok, String) {
        let Some(quote) = self.quote_stack.pop() else {
            self.err(self.offset, "unexpected ')' in string");
            return (Tok::String, String::new());
        };
        let start = self.offset.saturating_sub(1);
        self.scan_string(start, quote)
    }

    fn scan_attribute(&mut self) -> String {
        let offs = self.offset - 1;
        self.scan_identifier();
        let (_, tok, _) = self.scan();
        if tok == Tok::Lparen {
            self.scan_attribute_tokens(Tok::Rparen, 0);
        } else {
            self.err(self.offset, "invalid attribute: expected '('");
        }
        self.src[offs..self.offset].to_owned()
    }

    fn scan_attribute_tokens(&mut self, close: Tok, depth: usize) {
        if depth > 100 {
            self.err(self.offset, "attribute nested too deeply");
            return;
        }
        loop {
            let (_, tok, _) = self.scan();
            match tok {
                t if t == close => return,
                Tok::Eof => {
                    self.err(self.offset, "attribute not terminated");
                    return;
                }
                Tok::Interpolation => {
                    self.err(self.offset, "interpolation not allowed in attribute");
                    self.quote_stack.pop();
                    return;
                }
                Tok::Lparen => self.scan_attribute_tokens(Tok::Rparen, depth + 1),
                Tok::Lbrace => self.scan_attribute_tokens(Tok::Rbrace, depth + 1),
                Tok::Lbrack => self.scan_attribute_tokens(Tok::Rbrack, depth + 1),
                Tok::Rparen | Tok::Rbrack | Tok::Rbrace => {
                    self.err(self.offset, "unexpected closing bracket in attribute")
                }
                _ => {}
            }
        }
    }

    fn switch2(&mut self, tok0: Tok, tok1: Tok) -> Tok {
        if self.ch == '=' as i32 {
            self.next();
            tok1
        } else {
            tok0
        }
    }

    /// The next token: its position, kind and literal text.
    pub fn scan(&mut self) -> (Pos, Tok, String) {
        loop {
            self.skip_whitespace(1);
            let rel = if self.lines_since_last > 1 {
                RelPos::NewSection
            } else if self.lines_since_last == 1 {
                RelPos::Newline
            } else if self.spaces_since_last > 0 {
                RelPos::Blank
            } else {
                RelPos::NoSpace
            };
            let offset = self.offset;
            let pos = self.pos(offset, rel);
            let mut insert_eol = false;
            let mut lit = String::new();
            let tok;
            let ch = self.ch;
            let mut quote = Quote {
                ch: '"',
                num_char: 0,
                num_hash: 0,
            };
            let mut string_start = false;
            if ch >= '0' as i32 && ch <= '9' as i32 {
                insert_eol = true;
                let (t, l) = self.scan_number(false);
                tok = t;
                lit = l;
            } else if is_letter(ch) || ch == '$' as i32 || ch == '#' as i32 {
                let ident = self.scan_field_identifier();
                if ident.len() > 1 {
                    tok = match ident {
                        "if" => Tok::If,
                        "for" => Tok::For,
                        "in" => Tok::In,
                        "let" => Tok::Let,
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "null" => Tok::Null,
                        _ => Tok::Ident,
                    };
                    lit = ident.to_owned();
                    insert_eol = true;
                } else if ch != '#' as i32
                    || (self.ch != '\'' as i32 && self.ch != '"' as i32 && self.ch != '#' as i32)
                {
                    tok = Tok::Ident;
                    lit = ident.to_owned();
                    insert_eol = true;
                } else {
                    // `#"..."#` raw string (or more hashes).
                    quote.num_hash = 1;
                    let (t, l) = self.scan_hash_string(offset, quote);
                    match t {
                        Some(t) => {
                            tok = t;
                            lit = l;
                            insert_eol = true;
                        }
                        None => {
                            tok = Tok::Illegal;
                            lit = l;
                        }
                    }
                }
            } else {
                self.next();
                match u32::try_from(ch).ok().and_then(char::from_u32) {
                    None => {
                        if self.insert_eol {
                            self.insert_eol = false;
                            return (self.pos(offset, RelPos::Elided), Tok::Comma, "\n".into());
                        }
                        tok = Tok::Eof;
                    }
                    Some('_') => {
                        if self.ch == '|' as i32 {
                            self.next();
                            if self.ch != '_' as i32 {
                                self.err(offset, "illegal token '_|'; expected '_'");
                                tok = Tok::Illegal;
                                lit = "_|".into();
                            } else {
                                self.next();
                                tok = Tok::Bottom;
                                lit = "_|_".into();
                            }
                        } else {
                            tok = Tok::Ident;
                            lit = format!("_{}", self.scan_field_identifier());
                        }
                        insert_eol = true;
                    }
                    Some('\n') => {
                        self.insert_eol = false;
                        let p = self.pos(offset, RelPos::Elided);
                        self.skip_whitespace(1);
                        if self.ch == ',' as i32 || self.ch == ':' as i32 {
                            continue;
                        }
                        return (p, Tok::Comma, "\n".into());
                    }
                    Some(c @ ('"' | '\'')) => {
                        quote.ch = c;
                        string_start = true;
                        tok = Tok::String; // replaced below
                    }
                    Some('@') => {
                        insert_eol = true;
                        tok = Tok::Attribute;
                        lit = self.scan_attribute();
                    }
                    Some(':') => tok = Tok::Colon,
                    Some(';') => {
                        self.err(offset, "unexpected ';'");
                        tok = Tok::Illegal;
                        insert_eol = true;
                    }
                    Some('?') => {
                        tok = Tok::Option;
                        insert_eol = true;
                    }
                    Some('.') => {
                        if self.ch >= '0' as i32 && self.ch <= '9' as i32 {
                            insert_eol = true;
                            let (t, l) = self.scan_number(true);
                            tok = t;
                            lit = l;
                        } else if self.ch == '.' as i32 {
                            self.next();
                            if self.ch == '.' as i32 {
                                self.next();
                                tok = Tok::Ellipsis;
                                // No comma after `...`, as in the reference scanner, except
                                // after the newer postfix operator (`#A...`).
                                insert_eol = self.postfix_ops.contains(&(offset as u32));
                            } else {
                                self.err(offset, "illegal token '..'; expected '.'");
                                tok = Tok::Illegal;
                            }
                        } else {
                            tok = Tok::Period;
                        }
                    }
                    Some(',') => {
                        tok = Tok::Comma;
                        lit = ",".into();
                    }
                    Some('(') => tok = Tok::Lparen,
                    Some(')') => {
                        insert_eol = true;
                        tok = Tok::Rparen;
                    }
                    Some('[') => tok = Tok::Lbrack,
                    Some(']') => {
                        insert_eol = true;
                        tok = Tok::Rbrack;
                    }
                    Some('{') => tok = Tok::Lbrace,
                    Some('}') => {
                        insert_eol = true;
                        tok = Tok::Rbrace;
                    }
                    Some('+') => tok = Tok::Add,
                    Some('-') => tok = Tok::Sub,
                    Some('*') => tok = Tok::Mul,
                    Some('~') => tok = Tok::Tilde,
                    Some('/') => {
                        if self.ch == '/' as i32 {
                            if self.insert_eol && self.find_line_end() {
                                // Report the comma first; the comment is scanned next time.
                                self.ch = '/' as i32;
                                self.offset = offset;
                                self.rd_offset = offset + 1;
                                self.insert_eol = false;
                                return (self.pos(offset, RelPos::Elided), Tok::Comma, "\n".into());
                            }
                            let comment = self.scan_comment();
                            tok = Tok::Comment;
                            lit = comment;
                        } else {
                            tok = Tok::Quo;
                        }
                    }
                    Some('<') => tok = self.switch2(Tok::Lss, Tok::Leq),
                    Some('>') => tok = self.switch2(Tok::Gtr, Tok::Geq),
                    Some('=') => {
                        if self.ch == '~' as i32 {
                            self.next();
                            tok = Tok::Mat;
                        } else {
                            tok = self.switch2(Tok::Bind, Tok::Eql);
                        }
                    }
                    Some('!') => {
                        if self.ch == '~' as i32 {
                            self.next();
                            tok = Tok::Nmat;
                        } else {
                            tok = self.switch2(Tok::Not, Tok::Neq);
                        }
                    }
                    Some('&') => {
                        if self.ch == '&' as i32 {
                            self.next();
                            tok = Tok::Land;
                        } else {
                            tok = Tok::And;
                        }
                    }
                    Some('|') => {
                        if self.ch == '|' as i32 {
                            self.next();
                            tok = Tok::Lor;
                        } else {
                            tok = Tok::Or;
                        }
                    }
                    Some(c) => {
                        if c != '\u{FEFF}' {
                            self.err(offset, format!("illegal character {c:?}"));
                        }
                        insert_eol = self.insert_eol;
                        tok = Tok::Illegal;
                        lit = c.to_string();
                    }
                }
            }
            let tok = if string_start {
                insert_eol = true;
                let (t, l) = self.scan_quoted(offset, quote);
                lit = l;
                t
            } else {
                tok
            };
            self.insert_eol = insert_eol;
            self.lines_since_last = 0;
            self.spaces_since_last = 0;
            return (pos, tok, lit);
        }
    }

    /// After `#`: more hashes, then a quote. `offset` is the first `#`.
    fn scan_hash_string(&mut self, offset: usize, mut quote: Quote) -> (Option<Tok>, String) {
        // The first '#' has been consumed by scan_field_identifier.
        while self.ch == '#' as i32 {
            quote.num_hash += 1;
            self.next();
        }
        let c = self.ch;
        if c != '\'' as i32 && c != '"' as i32 {
            self.err(offset, "expected quote after '#'");
            return (None, self.src[offset..self.offset].to_owned());
        }
        quote.ch = if c == '\'' as i32 { '\'' } else { '"' };
        self.next();
        let (t, l) = self.scan_quoted(offset, quote);
        (Some(t), l)
    }

    /// After the first quote character of a string starting at `offs`.
    fn scan_quoted(&mut self, offs: usize, mut quote: Quote) -> (Tok, String) {
        quote.num_char = 1;
        match self.consume_quotes(quote.ch, 2) {
            0 => self.scan_string(offs, quote),
            1 => {
                self.check_hash_count(offs, quote);
                (Tok::String, self.src[offs..self.offset].to_owned())
            }
            _ => {
                quote.num_char = 3;
                if self.ch == '\n' as i32 {
                    self.next();
                    self.scan_string(offs, quote)
                } else if self.ch == '\r' as i32 && self.peek_byte(self.rd_offset) == Some(b'\n') {
                    self.next();
                    self.next();
                    self.scan_string(offs, quote)
                } else {
                    self.err(offs, "expected newline after multiline quote");
                    (Tok::String, self.src[offs..self.offset].to_owned())
                }
            }
        }
    }

    #[allow(dead_code)]
    pub fn line_offset(&self) -> usize {
        self.line_offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(src: &str) -> Vec<String> {
        let hints = std::collections::HashSet::new();
        let mut s = Scanner::new(src, &hints);
        let mut out = Vec::new();
        loop {
            let (pos, tok, lit) = s.scan();
            out.push(format!("{}:{:?}:{tok:?}:{lit:?}", pos.line, pos.rel));
            if tok == Tok::Eof || out.len() > 100 {
                break;
            }
        }
        out
    }

    #[test]
    fn commas_and_relative_positions() {
        let t = tokens("a: 1 // c\n\nb: \"x\"\n");
        assert_eq!(
            t,
            [
                "1:NoSpace:Ident:\"a\"",
                "1:NoSpace:Colon:\"\"",
                "1:Blank:Int:\"1\"",
                "1:Elided:Comma:\"\\n\"",
                "1:Blank:Comment:\"// c\"",
                "3:NewSection:Ident:\"b\"",
                "3:NoSpace:Colon:\"\"",
                "3:Blank:String:\"\\\"x\\\"\"",
                "3:Elided:Comma:\"\\n\"",
                "4:Newline:Eof:\"\"",
            ]
        );
    }
}
