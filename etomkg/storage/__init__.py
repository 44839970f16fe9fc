"""Where quads live: the back ends (embedded pyoxigraph or a remote SPARQL store) and the persistent store folder.

:mod:`.backends` (with :mod:`.httpclient` and :mod:`.sparqltext` for remote stores), :mod:`.persist`
(generations swapped atomically) and :mod:`.registry` (what a store imported).
"""
