"""Hardening shared by the library, the CLI and the server: every untrusted text passes through here first.

* :mod:`.sparql` — one lexer for SPARQL text; bounds a query (size, nesting, operator chains) before any
  parser sees it, and refuses SERVICE and LOAD before any evaluation.
* :mod:`.iri` — turns an IRI or identifier from a request or an option into a safe one, or a clear error.
"""
