"""Stable identifiers for the exchange file and the Archi CSV files.

Every identifier is derived from graph IRIs (and, for relationships and view
objects, from the role they play), so a second export of the same release
gives the same identifiers and a re-import updates a model instead of
duplicating it. They are valid ``xs:ID`` values (NCName: a letter first, no
colon) and match Archi's CSV pattern ``^[a-zA-Z0-9._-]+$``.

>>> concept_id("https://w3id.org/etomkg/release/26.0/process/1.4.5")
'id-192d896e9a283d2b'
>>> concept_id("composition", "https://a.example/p", "https://a.example/c") == concept_id(
...     "composition", "https://a.example/p", "https://a.example/c")
True
>>> property_definition_id("eTOM original identifier")
'propid-etom-original-identifier'
"""

from __future__ import annotations

import hashlib
import re

# 16 hex digits = 64 bits: for the ~10 000 concepts of an export the chance of a collision is ~1e-11, and
# the writer still checks uniqueness and refuses to write a file with a duplicate.
_DIGITS = 16


def concept_id(*parts: str) -> str:
    """``id-`` and a short SHA-256 of the parts (IRIs, and a role word where one IRI plays several roles)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return "id-" + digest[:_DIGITS]


def property_definition_id(key: str) -> str:
    """A readable, stable id for a property key (``propid-`` and the key as a slug)."""
    return "propid-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
