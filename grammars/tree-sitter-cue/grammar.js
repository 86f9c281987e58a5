/**
 * @file CUE grammar for tree-sitter, written for xdef.
 *
 * Follows the CUE language specification (cue-lang/cue doc/ref/spec.md), plus the
 * experimental forms the reference parser accepts today (`try` clauses, `else` /
 * `otherwise` / `fallback` clauses, postfix aliases `~X` / `~(K,V)`, slices).
 *
 * Commas: CUE inserts a comma after a line's final token when that token could end a
 * declaration. The external scanner (src/scanner.c) emits `_automatic_comma` at a newline
 * whenever the parser could accept a comma there, which gives the same result.
 * Strings (all quote forms, `#` raw strings, interpolation) and attribute bodies are
 * scanned by the external scanner as well.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const PREC = {
  alias: -1,
  disjunction: 1, // |
  conjunction: 2, // &
  or: 3, // ||
  and: 4, // &&
  relational: 5, // == != < <= > >= =~ !~
  additive: 6, // + -
  multiplicative: 7, // * /
  unary: 8,
  primary: 9,
};

const KEYWORD_LABELS = [
  'package', 'import', 'for', 'in', 'if', 'let', 'try', 'else', 'otherwise', 'fallback',
];

// Keywords that may also be used as identifiers referring to a field of that name. (`for`,
// `if`, `let` and `try` start comprehension clauses where a reference could stand, and
// `package`/`import` start the preamble, so those are labels only.)
const KEYWORD_REFERENCES = ['in', 'else', 'otherwise', 'fallback'];

const unicodeLetter = '\\p{L}';
const unicodeDigit = '\\p{Nd}';
const letter = `[${unicodeLetter}_$]`;
const letterOrDigit = `[${unicodeLetter}${unicodeDigit}_$]`;

const decimals = /[0-9][0-9_]*/;
const exponent = /[eE][+-]?[0-9_]*/;

/**
 * One or more `rule`, separated by `separator`.
 * @param {RuleOrLiteral} separator
 * @param {RuleOrLiteral} rule
 */
function sep1(separator, rule) {
  return seq(rule, repeat(seq(separator, rule)));
}

/**
 * Zero or more `rule`, separated by `separator`, with an optional trailing separator.
 * @param {RuleOrLiteral} separator
 * @param {RuleOrLiteral} rule
 */
function sepTrailing(separator, rule) {
  return optional(seq(sep1(separator, rule), optional(separator)));
}

module.exports = grammar({
  name: 'cue',

  externals: $ => [
    $._automatic_comma,
    $._string_start,
    $._string_content,
    $.escape_sequence,
    $._interpolation_start,
    $._string_end,
    $.attribute_body,
    $._error_sentinel,
  ],

  extras: $ => [/\s/, $.comment],

  word: $ => $.identifier,

  supertypes: $ => [$._expression, $._declaration],

  conflicts: $ => [
    [$._label_keyword, $.if_clause],
    [$._label_name, $._operand],
    [$._label_keyword, $._operand],
    [$._label_keyword, $.true],
    [$._label_keyword, $.false],
    [$._label_keyword, $.null],
  ],

  rules: {
    source_file: $ => sepTrailing(
      $._separator,
      choice($.package_clause, $.import_declaration, $._declaration),
    ),

    _separator: $ => choice(',', $._automatic_comma),

    // ---------------------------------------------------------------- preamble

    package_clause: $ => seq('package', field('name', $.identifier)),

    import_declaration: $ => seq(
      'import',
      choice(
        $.import_spec,
        seq('(', sepTrailing($._separator, $.import_spec), ')'),
      ),
    ),

    import_spec: $ => seq(
      optional(field('name', $.identifier)),
      field('path', $.string),
    ),

    // ------------------------------------------------------------ declarations

    _declaration: $ => choice(
      $.field,
      $.ellipsis,
      $.let_clause,
      $.attribute,
      $.comprehension,
      $.embedding,
    ),

    embedding: $ => $._alias_expression,

    // `a: b: c: 1 @x()` nests fields; trailing attributes belong to the innermost one.
    field: $ => prec.right(seq(
      field('label', $.label),
      ':',
      field('value', choice($.field, $._alias_expression)),
      repeat(field('attribute', $.attribute)),
    )),

    label: $ => seq(
      // `_=X: v` parses; using `_` as an alias is a compile error (reported by us).
      optional(seq(field('alias', choice($._any_identifier, $.top)), '=')),
      choice(
        seq(
          field('name', $._label_name),
          optional(field('postfix_alias', $.postfix_alias)),
          optional(field('constraint', choice($.optional, $.required))),
        ),
        seq(
          field('name', $.pattern_constraint),
          optional(field('postfix_alias', $.postfix_alias)),
        ),
      ),
    ),

    optional: _ => '?',
    required: _ => '!',

    _label_name: $ => choice(
      $.identifier,
      $.definition,
      $.hidden_identifier,
      $.hidden_definition,
      $._label_keyword,
      $.string,
      alias($.parenthesized_expression, $.dynamic_label),
      // `_: v` parses; using `_` as a label is a compile error (reported by us).
      $.top,
    ),

    _label_keyword: $ => alias(choice(...KEYWORD_LABELS, 'true', 'false', 'null'), $.identifier),

    pattern_constraint: $ => seq('[', choice($._alias_expression, $.comprehension), ']'),

    postfix_alias: $ => seq(
      '~',
      choice(
        field('field', $._postfix_alias_name),
        seq('(', field('field', $._postfix_alias_name), ')'),
        seq('(', field('label', $._postfix_alias_name), ',', field('field', $._postfix_alias_name), ')'),
      ),
    ),

    _postfix_alias_name: $ => choice($.identifier, $.top),

    ellipsis: $ => prec.right(seq('...', optional(field('type', $._expression)))),

    let_clause: $ => seq(
      'let',
      field('name', choice($._any_identifier, $.top)),
      '=',
      field('value', $._expression),
    ),

    attribute: $ => seq(
      '@',
      field('name', alias(token.immediate(new RegExp(`${letter}${letterOrDigit}*`)), $.attribute_name)),
      token.immediate('('),
      optional(field('body', $.attribute_body)),
      ')',
    ),

    // ---------------------------------------------------------- comprehensions

    comprehension: $ => seq(
      field('clause', $._start_clause),
      repeat(seq(optional($._separator), field('clause', $._clause))),
      optional($._separator),
      field('body', $.struct),
      optional(field('fallback', $.fallback_clause)),
    ),

    _start_clause: $ => choice($.for_clause, $.if_clause, $.try_clause),
    _clause: $ => choice($.for_clause, $.if_clause, $.try_clause, $.let_clause),

    for_clause: $ => seq(
      'for',
      choice(
        field('value', $._loop_variable),
        seq(field('key', $._loop_variable), ',', field('value', $._loop_variable)),
      ),
      'in',
      field('source', $._expression),
    ),

    // `_` discards a key or value: `for _, v in x`.
    _loop_variable: $ => choice($._any_identifier, $.top),

    if_clause: $ => seq('if', field('condition', $._expression)),

    try_clause: $ => prec.right(seq(
      'try',
      optional(seq(field('name', $._any_identifier), '=', field('value', $._expression))),
    )),

    fallback_clause: $ => seq(
      field('keyword', choice('else', 'otherwise', 'fallback')),
      field('body', $.struct),
    ),

    // -------------------------------------------------------------- expressions

    _alias_expression: $ => choice($._expression, $.alias),

    alias: $ => prec(PREC.alias, seq(
      field('name', $._any_identifier),
      '=',
      field('value', $._expression),
    )),

    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $._primary_expression,
    ),

    binary_expression: $ => {
      /** @type {[number, string[]][]} */
      const table = [
        [PREC.disjunction, ['|']],
        [PREC.conjunction, ['&']],
        [PREC.or, ['||']],
        [PREC.and, ['&&']],
        [PREC.relational, ['==', '!=', '<', '<=', '>', '>=', '=~', '!~']],
        [PREC.additive, ['+', '-']],
        [PREC.multiplicative, ['*', '/']],
      ];
      return choice(...table.map(([precedence, operators]) => prec.left(precedence, seq(
        field('left', $._expression),
        field('operator', operators.length === 1 ? operators[0] : choice(...operators)),
        field('right', $._expression),
      ))));
    },

    unary_expression: $ => prec(PREC.unary, seq(
      field('operator', choice('+', '-', '!', '*', '==', '!=', '<', '<=', '>', '>=', '=~', '!~')),
      field('operand', $._expression),
    )),

    _primary_expression: $ => choice(
      $._operand,
      $.selector_expression,
      $.index_expression,
      $.slice_expression,
      $.call_expression,
      $.postfix_expression,
    ),

    // Experimental postfix operators: `#A...` (explicitly opened definition) and `x?`
    // (optional reference).
    postfix_expression: $ => prec(PREC.primary, seq(
      field('operand', $._primary_expression),
      field('operator', choice('...', '?')),
    )),

    selector_expression: $ => prec(PREC.primary, seq(
      field('operand', $._primary_expression),
      '.',
      field('selector', choice($._any_identifier, $.string)),
    )),

    index_expression: $ => prec(PREC.primary, seq(
      field('operand', $._primary_expression),
      '[',
      field('index', $._expression),
      optional(','),
      ']',
    )),

    slice_expression: $ => prec(PREC.primary, seq(
      field('operand', $._primary_expression),
      '[',
      optional(field('low', $._expression)),
      ':',
      optional(field('high', $._expression)),
      ']',
    )),

    call_expression: $ => prec(PREC.primary, seq(
      field('function', $._primary_expression),
      field('arguments', $.arguments),
    )),

    arguments: $ => seq(
      '(',
      sepTrailing($._separator, $._expression),
      ')',
    ),

    _operand: $ => choice(
      $.identifier,
      alias(choice(...KEYWORD_REFERENCES), $.identifier),
      $.definition,
      $.hidden_identifier,
      $.hidden_definition,
      $.top,
      $.bottom,
      $.null,
      $.true,
      $.false,
      $.integer,
      $.float,
      $.string,
      $.list,
      $.struct,
      $.parenthesized_expression,
    ),

    // `(X=e)` is accepted here so that the same node serves dynamic labels `(X=e): v`.
    parenthesized_expression: $ => seq('(', $._alias_expression, ')'),

    struct: $ => seq(
      '{',
      sepTrailing($._separator, $._declaration),
      '}',
    ),

    list: $ => seq(
      '[',
      sepTrailing($._separator, choice($._alias_expression, $.comprehension, $.ellipsis)),
      ']',
    ),

    // ----------------------------------------------------------------- strings

    string: $ => seq(
      $._string_start,
      repeat(choice($._string_content, $.escape_sequence, $.interpolation)),
      $._string_end,
    ),

    // `\(` (or `\#(` in a raw string) is visible as an anonymous node, for highlighting.
    interpolation: $ => seq(
      alias($._interpolation_start, '\\('),
      field('expression', $._expression),
      ')',
    ),

    // ------------------------------------------------------------------- atoms

    _any_identifier: $ => choice(
      $.identifier,
      $.definition,
      $.hidden_identifier,
      $.hidden_definition,
    ),

    identifier: _ => token(new RegExp(`[${unicodeLetter}$]${letterOrDigit}*`)),
    // A lone `#` is an identifier too (`#: v`).
    definition: _ => token(new RegExp(`#(${letter}${letterOrDigit}*)?`)),
    hidden_identifier: _ => token(new RegExp(`_${letterOrDigit}+`)),
    hidden_definition: _ => token(new RegExp(`_#${letter}${letterOrDigit}*`)),

    top: _ => '_',
    bottom: _ => '_|_',
    null: _ => 'null',
    true: _ => 'true',
    false: _ => 'false',

    // Number tokens are as lenient as CUE's scanner: `_` anywhere among the digits, a
    // leading `0` before decimal digits (`0755`), a prefix without digits (`0x`) and an
    // exponent without digits (`1e`) all lex as one number, and the diagnostics layer
    // explains what is wrong with it.
    integer: _ => token(choice(
      /0[xX][0-9a-fA-F_]*/,
      /0o[0-7_]*/,
      /0b[01_]*/,
      // SI multipliers make an integer: 1K, 1Ki, 1.5G, .5M
      seq(decimals, optional(seq('.', optional(decimals))), /[KMGTP]i?/),
      seq('.', decimals, /[KMGTP]i?/),
      decimals,
    )),

    float: _ => token(choice(
      seq(decimals, '.', optional(decimals), optional(exponent)),
      seq(decimals, exponent),
      seq('.', decimals, optional(exponent)),
    )),

    comment: _ => token(seq('//', /[^\n]*/)),
  },
});
