"""Out of a store: serialisations (:mod:`.export`), released artefacts (:mod:`.build`), another store
(:mod:`.push`), release comparisons (:mod:`.diff`) and result tables for people (:mod:`.tables`).
"""
