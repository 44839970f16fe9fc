"""shapes/flows.ttl: the bundled flows conform; each broken example fails with the right rule and focus.

pySHACL runs on plain rdflib graphs (it is far slower on store-backed graphs).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib

from etomkg.files import shapes_dir

DATA = Path(__file__).parent / "data" / "flows"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
IDENTIFIER = rdflib.URIRef("http://purl.org/dc/terms/identifier")
PREFIXES = "PREFIX etom: <https://w3id.org/etomkg/ontology#> PREFIX ex: <https://example.org/etom/> "


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(shapes_dir() / "flows.ttl")


def _results(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, set[tuple[str, str]], rdflib.Graph]:
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes)
    found = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        constraint = report.value(result, SH.sourceConstraint)
        rule = shapes.value(constraint, IDENTIFIER) or shapes.value(report.value(result, SH.sourceShape), IDENTIFIER)
        found.add((str(rule), str(report.value(result, SH.focusNode)).rsplit("/", 1)[-1]))
    return conforms, found, report


def _rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def test_bundled_flows_conform(kg, shapes):
    """The flows as stated (25.5) and as carried furthest along lineage (23.0.1, renumbered, one link blocked)."""
    data = rdflib.Graph()
    for release in ("25.5", "23.0.1"):
        triples = kg.query(
            """CONSTRUCT { ?s ?p ?o . ?x a ?type ; etom:release ?r . ?r a etom:Release . ?i a etom:InformationEntity }
               WHERE {
                 { ?s a ?kind ; ?p ?o . VALUES ?kind { etom:DataFlow etom:EndToEndFlow etom:FlowStep }
                   FILTER(?p NOT IN (skos:prefLabel, skos:editorialNote)) }
                 UNION { { ?f etom:producer ?x } UNION { ?f etom:consumer ?x } UNION { ?f etom:stepProcess ?x }
                         ?x a ?type ; etom:release ?r . ?r a etom:Release }
                 UNION { ?i a etom:InformationEntity }
               }""",
            release=release,
        )
        for triple in triples:
            data.add((_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object)))
    flows = set(data.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/etomkg/ontology#DataFlow")))
    assert len(flows) == 181 + 177
    conforms, found, _ = _results(data, shapes)
    assert conforms, sorted(found)[:10]


def test_the_small_valid_example_conforms(shapes):
    conforms, found, _ = _results(rdflib.Graph().parse(DATA / "valid.ttl"), shapes)
    assert conforms and not found


# (what is broken, SPARQL update on valid.ttl, the (rule, focus) pairs it must raise — and nothing else)
BROKEN = [
    ("no producer", "DELETE DATA { ex:f12 etom:producer ex:p1 }", {("001", "f12"), ("012", "e2e")}),
    ("two producers", "INSERT DATA { ex:f12 etom:producer ex:p3 }", {("001", "f12")}),
    (
        "producer is not a process",
        "DELETE DATA { ex:f12 etom:producer ex:p1 } ; INSERT DATA { ex:f12 etom:producer ex:order }",
        {("001", "f12"), ("004", "f12"), ("012", "e2e")},
    ),
    ("no consumer", "DELETE DATA { ex:f23 etom:consumer ex:p3 }", {("002", "f23"), ("012", "e2e")}),
    (
        "producer is the consumer",
        "INSERT DATA { ex:f11 a etom:DataFlow ; etom:release ex:r1 ; etom:producer ex:p1 ; etom:consumer ex:p1 ;"
        " etom:carries ex:order ; etom:inferred false ; etom:evidence 'e' }",
        {("003", "f11")},
    ),
    (
        "consumer in another release",
        "INSERT DATA { ex:f1q a etom:DataFlow ; etom:release ex:r1 ; etom:producer ex:p1 ; etom:consumer ex:q1 ;"
        " etom:carries ex:order ; etom:inferred false ; etom:evidence 'e' }",
        {("004", "f1q")},
    ),
    ("no information", "DELETE DATA { ex:f12 etom:carries ex:order }", {("005", "f12")}),
    ("two informations", "INSERT DATA { ex:f12 etom:carries ex:report }", {("005", "f12")}),
    ("inferred missing", "DELETE DATA { ex:f12 etom:inferred false }", {("006", "f12")}),
    (
        "inferred not a boolean",
        "DELETE DATA { ex:f12 etom:inferred false } ; INSERT DATA { ex:f12 etom:inferred 'yes' }",
        {("006", "f12")},
    ),
    ("no release", "DELETE DATA { ex:f23 etom:release ex:r1 }", {("004", "f23"), ("007", "f23")}),
    ("no evidence", "DELETE WHERE { ex:f23 etom:evidence ?e }", {("008", "f23")}),
    ("one step", "DELETE DATA { ex:e2e etom:step ex:s2 , ex:s3 }", {("009", "e2e"), ("012", "e2e")}),
    (
        "steps 1, 2, 4",
        "DELETE DATA { ex:s3 etom:stepNumber 3 } ; INSERT DATA { ex:s3 etom:stepNumber 4 }",
        {("010", "e2e"), ("012", "e2e")},
    ),
    (
        "steps 1, 2, 2",
        "DELETE DATA { ex:s3 etom:stepNumber 3 } ; INSERT DATA { ex:s3 etom:stepNumber 2 }",
        {("011", "e2e"), ("012", "e2e")},
    ),
    (
        "flow to next runs elsewhere",
        "DELETE DATA { ex:s2 etom:flowToNext ex:f23 } ; INSERT DATA { ex:s2 etom:flowToNext ex:f12 }",
        {("012", "e2e")},
    ),
    ("last step leads on", "INSERT DATA { ex:s3 etom:flowToNext ex:f23 }", {("012", "e2e")}),
    (
        "step process in another release",
        "DELETE DATA { ex:s3 etom:stepProcess ex:p3 } ; INSERT DATA { ex:s3 etom:stepProcess ex:q1 }",
        {("012", "e2e"), ("013", "e2e")},
    ),
    (
        "step number 0",
        "DELETE DATA { ex:s1 etom:stepNumber 1 } ; INSERT DATA { ex:s1 etom:stepNumber 0 }",
        {("010", "e2e"), ("012", "e2e"), ("014", "s1")},
    ),
    ("step without process", "DELETE DATA { ex:s2 etom:stepProcess ex:p2 }", {("012", "e2e"), ("015", "s2")}),
    ("two flows to next", "INSERT DATA { ex:s1 etom:flowToNext ex:f23 }", {("016", "s1")}),
]


@pytest.mark.parametrize("update, expected", [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_broken_examples_fail_with_the_right_rule(shapes, update, expected):
    data = rdflib.Graph().parse(DATA / "valid.ttl")
    data.update(PREFIXES + update)
    conforms, found, _ = _results(data, shapes)
    assert not conforms
    assert found == {(f"etom-flow-{rule}", focus) for rule, focus in expected}


def test_messages_say_how_to_fix_in_both_languages(shapes):
    data = rdflib.Graph().parse(DATA / "valid.ttl")
    data.update(PREFIXES + "DELETE DATA { ex:f12 etom:producer ex:p1 }")
    _, _, report = _results(data, shapes)
    messages = {(m.language, str(m)) for m in report.objects(None, SH.resultMessage)}
    assert ("en", "A data flow has exactly one producer, a process element: give it one etom:producer.") in messages
    assert any(lang == "zh" and "生产方" in text for lang, text in messages)


def test_every_rule_has_an_id_a_severity_and_messages(shapes):
    rules = {}
    for node, rule in shapes.subject_objects(IDENTIFIER):
        assert re.fullmatch(r"etom-flow-\d{3}", str(rule)), rule
        assert str(rule) not in rules, f"{rule} used twice"
        rules[str(rule)] = node
        assert shapes.value(node, SH.severity) in (SH.Violation, SH.Warning, SH.Info)
        langs = {m.language for m in shapes.objects(node, SH.message)}
        assert langs == {"en", "zh"}, rule
        assert isinstance(node, rdflib.URIRef), "shapes are named, not blank nodes"
    assert sorted(rules) == [f"etom-flow-{n:03d}" for n in range(1, 17)]
