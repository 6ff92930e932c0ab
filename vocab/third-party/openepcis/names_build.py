"""Build ``names.json``: the local names of the OpenEPCIS battery and DPP-core vocabularies.

EN 18223 operational bodies (``*.operational.jsonld``, BatteryPass-Ready ``*.source.json``)
write OpenEPCIS properties by bare name (``hasBatteryChemistry``, ``ceMarkingIndicator``).
resolver/adapters/en18223.py reads those names with this table, built once from the ontologies
(openepcis/openepcis-dpp-ready @ 620d7990, Apache-2.0; the IRIs are facts carried over):

    python vocab/third-party/openepcis/names_build.py /path/to/battery.ttl /path/to/dpp-core.ttl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyoxigraph

OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KINDS = {OWL + "ObjectProperty": "object", OWL + "DatatypeProperty": "data"}
NOT_VALUES = {OWL + "Ontology", OWL + "AnnotationProperty"}


def build(sources: list[Path]) -> dict[str, dict[str, list[str]]]:
    properties: dict[str, list[str]] = {}
    values: dict[str, list[str]] = {}  # classes and the members of enumerations: a value by name
    for source in sources:
        for quad in pyoxigraph.parse(path=str(source), format=pyoxigraph.RdfFormat.TURTLE):
            if quad.predicate.value != RDF_TYPE or not isinstance(quad.subject, pyoxigraph.NamedNode):
                continue
            iri, kind = quad.subject.value, quad.object.value
            name = iri.rsplit("/", 1)[-1]
            if kind in KINDS:
                properties.setdefault(name, [])
                entry = [iri, KINDS[kind]]
                if entry not in [properties[name][i : i + 2] for i in range(0, len(properties[name]), 2)]:
                    properties[name].extend(entry)
            elif kind not in NOT_VALUES and "Property" not in kind:
                values.setdefault(name, [])
                if iri not in values[name]:
                    values[name].append(iri)
    return {"properties": dict(sorted(properties.items())), "values": dict(sorted(values.items()))}


if __name__ == "__main__":
    table = build([Path(arg) for arg in sys.argv[1:]])
    out = Path(__file__).with_name("names.json")
    out.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: {len(table['properties'])} property names, {len(table['values'])} value names")
