; Language injections.

; TODO / FIXME / NOTE markers in comments (the "comment" grammar, where installed).
((comment) @injection.content
  (#set! injection.language "comment"))
