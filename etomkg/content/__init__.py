"""The bundled content: sources read and normalised once into the canonical form, then rendered as quads.

:mod:`.sources` reads ``etomkg/data/`` into the records of :mod:`.model` (flows from :mod:`.flows`);
:mod:`.render` writes them as quads with the helpers of :mod:`.quads`; :mod:`.synthetic` writes
made-up inputs in the published layouts for tests and benchmarks.
"""
