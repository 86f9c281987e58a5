; Syntax highlighting for CUE.
;
; Precedence: when several patterns capture the same node, the LAST one in this file wins
; (as in `tree-sitter highlight` 0.27 and Neovim). General patterns therefore come first
; and more specific ones after them.

; ---------------------------------------------------------------- punctuation

["{" "}" "[" "]" "(" ")"] @punctuation.bracket
[":" "," "."] @punctuation.delimiter

; ---------------------------------------------------------------- operators

[
  "|" "&" "||" "&&"
  "==" "!=" "<" "<=" ">" ">=" "=~" "!~"
  "+" "-" "*" "/" "!"
  "=" "~" "..."
] @operator

(postfix_expression
  operator: "?" @operator)

(optional
  "?" @punctuation.special)
(required
  "!" @punctuation.special)

; ---------------------------------------------------------------- keywords

"package" @keyword
"import" @keyword.import
"let" @keyword
["for" "in"] @keyword.repeat
["if" "else" "otherwise" "fallback" "try"] @keyword.conditional

; ---------------------------------------------------------------- identifiers

(identifier) @variable
(hidden_identifier) @variable.private
(definition) @type
(hidden_definition) @type

; Predeclared types.
((identifier) @type.builtin
  (#any-of? @type.builtin
    "bool" "bytes" "string" "number" "int" "float" "uint" "rune"
    "int8" "int16" "int32" "int64" "int128"
    "uint8" "uint16" "uint32" "uint64" "uint128"
    "float32" "float64"))

; ---------------------------------------------------------------- literals

(string) @string
((string) @string.special
  (#match? @string.special "^#*'"))
(string
  (escape_sequence) @string.escape)
(interpolation
  ["\\(" ")"] @punctuation.special)

(integer) @number
(float) @number.float
[(true) (false)] @boolean
(null) @constant.builtin
(bottom) @constant.builtin
(top) @type.builtin

; ---------------------------------------------------------------- selectors and calls

(selector_expression
  selector: (identifier) @property)
(selector_expression
  selector: (hidden_identifier) @property.private)
(selector_expression
  selector: [(definition) (hidden_definition)] @type)

(call_expression
  function: (identifier) @function.call)
(call_expression
  function: (selector_expression
    selector: (identifier) @function.call))

; Predeclared functions.
(call_expression
  function: (identifier) @function.builtin
  (#any-of? @function.builtin "len" "close" "and" "or" "div" "mod" "quo" "rem"))

; ---------------------------------------------------------------- labels

(label
  name: [(identifier) (string) (top)] @property)
(label
  name: (hidden_identifier) @property.private)
(label
  name: [(definition) (hidden_definition)] @type.definition)

; Aliases and other names that bind a value.
(label
  alias: (_) @variable)
(alias
  name: (_) @variable)
(postfix_alias
  label: (identifier) @variable)
(postfix_alias
  field: (identifier) @variable)
(let_clause
  name: (_) @variable)
(try_clause
  name: (_) @variable)
(for_clause
  key: (identifier) @variable.parameter)
(for_clause
  value: (identifier) @variable.parameter)

; ---------------------------------------------------------------- preamble

(package_clause
  name: (identifier) @module)
(import_spec
  name: (identifier) @module)
(import_spec
  path: (string) @string.special.path)

; ---------------------------------------------------------------- attributes

(attribute_body) @string.special
(attribute
  "@" @attribute
  name: (attribute_name) @attribute)
(attribute
  ["(" ")"] @attribute)

; ---------------------------------------------------------------- comments

(comment) @comment

; KubeVela parameter markers: `// +usage=…`, `// +patchKey=name`, `// +short=r`, …
((comment) @comment.special
  (#match? @comment.special "^//[ \t]*\\+[A-Za-z]"))
