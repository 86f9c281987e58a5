; Foldable regions: brackets that span lines, import groups, multi-line strings and
; attributes, comprehensions.

[
  (struct)
  (list)
  (arguments)
  (import_declaration)
  (comprehension)
  (string)
  (attribute)
] @fold
