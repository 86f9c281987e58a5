; Scopes, definitions and references (tree-sitter-highlight's local variables).
;
; CUE resolves an identifier to the innermost enclosing struct (or file) that declares a
; field of that name, an alias, a let, or a comprehension variable.

; ------------------------------------------------------------------ scopes

(source_file) @local.scope
(struct) @local.scope
(list) @local.scope
; Comprehension variables (`for k, v in …`, `let`, `try x = …`) are visible in the later
; clauses and the body.
(comprehension) @local.scope
; `a: b: c: 1` is `a: {b: {c: 1}}`: each nested field is a struct of its own.
(field
  value: (field) @local.scope)
; `[X=string]: {…X…}`: the pattern's alias is visible in the field's value.
(field
  label: (label
    name: (pattern_constraint))) @local.scope

; ------------------------------------------------------------- definitions

; Field labels declare names visible in the whole enclosing struct.
(label
  name: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.definition)

; Aliases: `X=label: v`, `label: X=v`, `[X=expr]: v`, `label~X: v`, `label~(K,V): v`.
(label
  alias: (_) @local.definition)
(alias
  name: (_) @local.definition)
(postfix_alias
  label: (identifier) @local.definition)
(postfix_alias
  field: (identifier) @local.definition)

; `let x = …`
(let_clause
  name: (_) @local.definition)

; Comprehension variables.
(for_clause
  key: (identifier) @local.definition)
(for_clause
  value: (identifier) @local.definition)
(try_clause
  name: (_) @local.definition)

; -------------------------------------------------------------- references

; Identifiers where an expression stands. (Not labels, not the name after a selector's
; dot, which names a field of the operand rather than something in scope.)

(embedding
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(field
  value: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(binary_expression
  left: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(binary_expression
  right: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(unary_expression
  operand: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(postfix_expression
  operand: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(selector_expression
  operand: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(index_expression
  operand: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(index_expression
  index: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(slice_expression
  operand: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(slice_expression
  low: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(slice_expression
  high: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(call_expression
  function: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(arguments
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(parenthesized_expression
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(dynamic_label
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(list
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(ellipsis
  type: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(interpolation
  expression: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(alias
  value: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(let_clause
  value: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(for_clause
  source: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(if_clause
  condition: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(try_clause
  value: [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
(pattern_constraint
  [(identifier) (definition) (hidden_identifier) (hidden_definition)] @local.reference)
