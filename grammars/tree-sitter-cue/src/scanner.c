// External scanner for the CUE grammar (xdef).
//
// It produces the tokens a context-free lexer cannot:
//   - automatic commas: CUE inserts a comma at a newline after a token that can end a
//     declaration; we emit a comma token made of that newline whenever the parser
//     could accept a comma there;
//   - strings: "…", """…""", '…', '''…''' with any number of `#` for raw strings,
//     escape sequences and interpolations `\(`, `\#(` …, nested to any depth. Open
//     strings are kept on a small stack that is serialized with the parse state;
//   - attribute bodies: the balanced token sequence inside `@name( … )`.

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum TokenType {
  AUTOMATIC_COMMA,
  STRING_START,
  STRING_CONTENT,
  ESCAPE_SEQUENCE,
  INTERPOLATION_START,
  STRING_END,
  ATTRIBUTE_BODY,
  ERROR_SENTINEL,
};

// An open string literal: its quote character, whether it is a multi-line (triple
// quoted) literal, and the number of `#` around it.
typedef struct {
  uint8_t quote;
  uint8_t multiline;
  uint8_t hashes;
} Delimiter;

// Strings nest only through interpolation; 100 levels is far beyond real use and keeps
// the serialized state well inside tree-sitter's buffer.
#define MAX_DEPTH 100
#define MAX_HASHES 255

typedef struct {
  Delimiter stack[MAX_DEPTH];
  uint32_t depth;
} Scanner;

void *tree_sitter_cue_external_scanner_create(void) {
  Scanner *scanner = (Scanner *)calloc(1, sizeof(Scanner));
  return scanner;
}

void tree_sitter_cue_external_scanner_destroy(void *payload) { free(payload); }

unsigned tree_sitter_cue_external_scanner_serialize(void *payload, char *buffer) {
  Scanner *scanner = (Scanner *)payload;
  unsigned size = 0;
  buffer[size++] = (char)scanner->depth;
  for (uint32_t i = 0; i < scanner->depth; i++) {
    buffer[size++] = (char)scanner->stack[i].quote;
    buffer[size++] = (char)scanner->stack[i].multiline;
    buffer[size++] = (char)scanner->stack[i].hashes;
  }
  return size;
}

void tree_sitter_cue_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  Scanner *scanner = (Scanner *)payload;
  scanner->depth = 0;
  if (length == 0) return;
  uint32_t depth = (uint8_t)buffer[0];
  if (depth > MAX_DEPTH || 1 + depth * 3 > length) return;
  for (uint32_t i = 0; i < depth; i++) {
    scanner->stack[i].quote = (uint8_t)buffer[1 + i * 3];
    scanner->stack[i].multiline = (uint8_t)buffer[2 + i * 3];
    scanner->stack[i].hashes = (uint8_t)buffer[3 + i * 3];
  }
  scanner->depth = depth;
}

static inline void advance(TSLexer *lexer) { lexer->advance(lexer, false); }
static inline void skip(TSLexer *lexer) { lexer->advance(lexer, true); }

static inline bool is_hex(int32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool is_octal(int32_t c) { return c >= '0' && c <= '7'; }

// Consumes `count` characters that satisfy `pred`; true when all were there.
static bool consume_n(TSLexer *lexer, int count, bool (*pred)(int32_t)) {
  for (int i = 0; i < count; i++) {
    if (lexer->eof(lexer) || !pred(lexer->lookahead)) return false;
    advance(lexer);
  }
  return true;
}

// Called with the lexer just after `\` and the delimiter's `#`s; consumes the rest of an
// escape sequence. Malformed escapes still end the token (the diagnostics layer reports
// them), so the string can be closed.
static void scan_escape_tail(TSLexer *lexer) {
  int32_t c = lexer->lookahead;
  switch (c) {
    case 'u':
      advance(lexer);
      consume_n(lexer, 4, is_hex);
      return;
    case 'U':
      advance(lexer);
      consume_n(lexer, 8, is_hex);
      return;
    case 'x':
      advance(lexer);
      consume_n(lexer, 2, is_hex);
      return;
    default:
      if (is_octal(c)) {
        consume_n(lexer, 3, is_octal);
        return;
      }
      // Any other character (a backslash before a newline continues the line in
      // multi-line literals).
      if (!lexer->eof(lexer)) advance(lexer);
      if (c == '\r' && lexer->lookahead == '\n') advance(lexer);
      return;
  }
}

// Scans the next piece of the open string on top of the stack: content, an escape
// sequence, the start of an interpolation, or the closing delimiter.
static bool scan_string_part(Scanner *scanner, TSLexer *lexer, const bool *valid) {
  Delimiter d = scanner->stack[scanner->depth - 1];
  bool has_content = false;
  lexer->mark_end(lexer);

  for (;;) {
    if (lexer->eof(lexer)) {
      // Unterminated string: hand back what we have; the parser reports the missing end.
      if (has_content && valid[STRING_CONTENT]) {
        lexer->result_symbol = STRING_CONTENT;
        return true;
      }
      return false;
    }
    int32_t c = lexer->lookahead;

    if (c == '\n' && !d.multiline) {
      if (has_content && valid[STRING_CONTENT]) {
        lexer->result_symbol = STRING_CONTENT;
        return true;
      }
      return false;
    }

    if (c == d.quote) {
      // A closing delimiter is the quote (three for multi-line) followed by the `#`s.
      int quotes_needed = d.multiline ? 3 : 1;
      int quotes = 0;
      while (quotes < quotes_needed && lexer->lookahead == d.quote) {
        advance(lexer);
        quotes++;
      }
      int hashes = 0;
      if (quotes == quotes_needed) {
        while (hashes < d.hashes && lexer->lookahead == '#') {
          advance(lexer);
          hashes++;
        }
      }
      if (quotes == quotes_needed && hashes == d.hashes) {
        if (has_content) {
          // The content ends before the delimiter (mark_end was set there).
          lexer->result_symbol = STRING_CONTENT;
          return true;
        }
        lexer->mark_end(lexer);
        scanner->depth--;
        lexer->result_symbol = STRING_END;
        return true;
      }
      // Not a delimiter: what we consumed is content.
      has_content = true;
      lexer->mark_end(lexer);
      continue;
    }

    if (c == '\\') {
      advance(lexer);
      int hashes = 0;
      while (hashes < d.hashes && lexer->lookahead == '#') {
        advance(lexer);
        hashes++;
      }
      if (hashes < d.hashes) {
        // In a raw string a backslash without enough `#` is just a character.
        has_content = true;
        lexer->mark_end(lexer);
        continue;
      }
      if (has_content) {
        lexer->result_symbol = STRING_CONTENT;
        return true;
      }
      if (lexer->lookahead == '(') {
        advance(lexer);
        lexer->mark_end(lexer);
        lexer->result_symbol = INTERPOLATION_START;
        return true;
      }
      scan_escape_tail(lexer);
      lexer->mark_end(lexer);
      lexer->result_symbol = ESCAPE_SEQUENCE;
      return true;
    }

    advance(lexer);
    has_content = true;
    lexer->mark_end(lexer);
  }
}

// Scans `#…#"`, `"`, `"""`, `'` or `'''` and pushes the delimiter.
static bool scan_string_start(Scanner *scanner, TSLexer *lexer) {
  while (lexer->lookahead == ' ' || lexer->lookahead == '\t' || lexer->lookahead == '\r' ||
         lexer->lookahead == '\n' || lexer->lookahead == '\f' || lexer->lookahead == '\v') {
    skip(lexer);
  }
  int hashes = 0;
  while (lexer->lookahead == '#') {
    advance(lexer);
    hashes++;
  }
  int32_t quote = lexer->lookahead;
  if (quote != '"' && quote != '\'') return false;
  if (hashes > MAX_HASHES || scanner->depth >= MAX_DEPTH) return false;
  advance(lexer);
  lexer->mark_end(lexer);
  uint8_t multiline = 0;
  if (lexer->lookahead == quote) {
    advance(lexer);
    if (lexer->lookahead == quote) {
      advance(lexer);
      // `#"""#` (and `##"""##` …) is a single-line literal holding one quote, not the
      // start of a multi-line one: the three quotes are followed by the closing `#`s.
      int closing = 0;
      while (hashes > 0 && closing < hashes && lexer->lookahead == '#') {
        advance(lexer);
        closing++;
      }
      if (hashes == 0 || closing < hashes) {
        lexer->mark_end(lexer);
        multiline = 1;
      }
      // Otherwise the token stays the opening `#"` (mark_end was set after it).
    }
    // Otherwise this is an empty string: the token is only the first quote and the
    // second one is scanned as the end.
  }
  scanner->stack[scanner->depth].quote = (uint8_t)quote;
  scanner->stack[scanner->depth].multiline = multiline;
  scanner->stack[scanner->depth].hashes = (uint8_t)hashes;
  scanner->depth++;
  lexer->result_symbol = STRING_START;
  return true;
}

// Skips a string literal inside an attribute body, any quote form (no interpolation is
// allowed there). The lexer is at the first `#` or quote.
static void skip_attribute_string(TSLexer *lexer) {
  int hashes = 0;
  while (lexer->lookahead == '#') {
    advance(lexer);
    hashes++;
  }
  int32_t quote = lexer->lookahead;
  if (quote != '"' && quote != '\'') return;
  advance(lexer);
  int quotes_needed = 1;
  if (lexer->lookahead == quote) {
    advance(lexer);
    if (lexer->lookahead != quote) return;  // empty string
    advance(lexer);
    quotes_needed = 3;
  }
  while (!lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    if (c == '\n' && quotes_needed == 1) return;
    if (c == '\\') {
      advance(lexer);
      if (!lexer->eof(lexer)) advance(lexer);
      continue;
    }
    if (c == quote) {
      int quotes = 0;
      while (quotes < quotes_needed && lexer->lookahead == quote) {
        advance(lexer);
        quotes++;
      }
      if (quotes < quotes_needed) continue;
      int closing = 0;
      while (closing < hashes && lexer->lookahead == '#') {
        advance(lexer);
        closing++;
      }
      if (closing == hashes) return;
      continue;
    }
    advance(lexer);
  }
}

// The balanced token sequence between `@name(` and its `)`.
static bool scan_attribute_body(TSLexer *lexer) {
  int depth = 0;
  bool has_content = false;
  lexer->mark_end(lexer);
  while (!lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    if (c == ')' && depth == 0) break;
    if (c == '(' || c == '[' || c == '{') {
      depth++;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) break;
      depth--;
    }
    if (c == '"' || c == '\'' || c == '#') {
      skip_attribute_string(lexer);
    } else {
      advance(lexer);
    }
    has_content = true;
    lexer->mark_end(lexer);
  }
  if (!has_content) return false;
  lexer->result_symbol = ATTRIBUTE_BODY;
  return true;
}

bool tree_sitter_cue_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid) {
  Scanner *scanner = (Scanner *)payload;

  // In error recovery every symbol is valid; let the internal lexer resynchronise.
  if (valid[ERROR_SENTINEL]) return false;

  if ((valid[STRING_CONTENT] || valid[STRING_END]) && scanner->depth > 0) {
    return scan_string_part(scanner, lexer, valid);
  }

  if (valid[ATTRIBUTE_BODY]) {
    return scan_attribute_body(lexer);
  }

  if (valid[AUTOMATIC_COMMA]) {
    while (lexer->lookahead == ' ' || lexer->lookahead == '\t' || lexer->lookahead == '\r' ||
           lexer->lookahead == '\f' || lexer->lookahead == '\v') {
      skip(lexer);
    }
    if (lexer->lookahead == '\n') {
      // The comma takes the newline, so that it cannot be produced twice in one place.
      advance(lexer);
      lexer->mark_end(lexer);
      // Like CUE's scanner, no comma before a line that starts with `,` or `:` (JSON
      // written with leading commas or colons).
      while (lexer->lookahead == ' ' || lexer->lookahead == '\t' || lexer->lookahead == '\r' ||
             lexer->lookahead == '\n' || lexer->lookahead == '\f' || lexer->lookahead == '\v') {
        advance(lexer);
      }
      if (lexer->lookahead == ',' || lexer->lookahead == ':') return false;
      lexer->result_symbol = AUTOMATIC_COMMA;
      return true;
    }
  }

  if (valid[STRING_START]) {
    return scan_string_start(scanner, lexer);
  }

  return false;
}
