"""Write Archi's CSV import files: ``PREFIX-elements.csv``, ``-relations.csv``, ``-properties.csv``.

Archi's rules (see the conformance kit's ARCHI-CSV.md): UTF-8, comma, every
field quoted with ``""`` for an embedded quote, CRLF line ends, the exact
headers, relationship types with the ``Relationship`` suffix, and IDs of
``[A-Za-z0-9._-]``. CSV carries one language (the first requested one), no
folders and no views; ``Access_Type`` is always written for Access
relationships, since Archi would otherwise assume Write.
"""

from __future__ import annotations

from .model import ArchiModel, Texts

ELEMENTS_HEADER = ("ID", "Type", "Name", "Documentation", "Specialization")
RELATIONS_HEADER = ("ID", "Type", "Name", "Documentation", "Source", "Target", "Specialization")
PROPERTIES_HEADER = ("ID", "Key", "Value")
SUFFIXES = ("elements", "relations", "properties")


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _record(values) -> str:
    return ",".join(_field(v) for v in values) + "\r\n"


def _one(texts: Texts, language: str) -> str:
    """The text in ``language``, else the first one there is (names are never empty)."""
    for lang, text in texts:
        if lang == language:
            return text
    return texts[0][1] if texts else ""


def _single_line(text: str) -> str:
    # Archi turns CR, LF and TAB in names into spaces anyway; doing it here keeps the files honest.
    return " ".join(text.split())


def write_archi_csv(model: ArchiModel) -> dict[str, bytes]:
    """``{"elements" | "relations" | "properties": bytes}`` for one model."""
    language = model.languages[0] if model.languages else "en"
    elements = [_record(ELEMENTS_HEADER)]
    for e in model.elements:
        elements.append(
            _record((e.identifier, e.type, _single_line(_one(e.names, language)), _one(e.documentation, language), ""))
        )
    relations = [_record(RELATIONS_HEADER)]
    properties = [_record(PROPERTIES_HEADER)]
    for e in model.elements:
        properties += [_record((e.identifier, key, _single_line(value))) for key, value in e.properties]
    for r in model.relationships:
        relations.append(
            _record(
                (
                    r.identifier,
                    r.type + "Relationship",
                    _single_line(_one(r.names, language)),
                    _one(r.documentation, language),
                    r.source,
                    r.target,
                    "",
                )
            )
        )
        if r.type == "Access":
            properties.append(_record((r.identifier, "Access_Type", r.access_type or "Access")))
        properties += [_record((r.identifier, key, _single_line(value))) for key, value in r.properties]
    return {
        "elements": "".join(elements).encode("utf-8"),
        "relations": "".join(relations).encode("utf-8"),
        "properties": "".join(properties).encode("utf-8"),
    }


def csv_paths(prefix: str) -> dict[str, str]:
    """The three file names for ``-o PREFIX`` (a trailing ``.csv`` or ``-elements.csv`` is tolerated).

    >>> csv_paths("out/etom-26.0")["relations"]
    'out/etom-26.0-relations.csv'
    >>> csv_paths("out/etom-elements.csv")["properties"]
    'out/etom-properties.csv'
    """
    base = prefix
    for suffix in SUFFIXES:
        for ending in (f"-{suffix}.csv", f"{suffix}.csv"):
            if base.endswith(ending):
                base = base[: -len(ending)]
                return {kind: f"{base}{ending[: -len(suffix) - 4]}{kind}.csv" for kind in SUFFIXES}
    base = base.removesuffix(".csv")
    return {kind: f"{base}-{kind}.csv" for kind in SUFFIXES}
