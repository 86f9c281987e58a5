; Indentation, in nvim-treesitter's vocabulary (@indent.begin / .branch / .end / .auto /
; .ignore): the contents of brackets are indented one level; the closing bracket goes back.

[
  (struct)
  (list)
  (arguments)
  (parenthesized_expression)
  (import_declaration)
  (attribute)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

; A field whose value starts on the next line (`a:\n\t1`) is indented too.
(field
  ":" @indent.begin)

; Inside multi-line strings the author decides.
(string) @indent.ignore

(comment) @indent.auto
