"""The SPARQL 1.1 Service Description of ``/sparql`` (Turtle), what ``GET /sparql`` answers."""

from __future__ import annotations

__all__ = ["service_description"]

_TEMPLATE = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>,
        <http://www.w3.org/ns/formats/SPARQL_Results_XML>,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV>,
        <http://www.w3.org/ns/formats/SPARQL_Results_TSV>,
        <http://www.w3.org/ns/formats/Turtle>,
        <http://www.w3.org/ns/formats/N-Triples>,
        <http://www.w3.org/ns/formats/JSON-LD>,
        <http://www.w3.org/ns/formats/RDF_XML> ;
    sd:feature sd:UnionDefaultGraph ;
    rdfs:comment \"\"\"Battery passports, one named graph per passport: <{{passport IRI}}#{{tier}}>, the
view of the caller's access tier (public without credentials). The default graph is the union
of those graphs.{history} Read-only: no SPARQL Update, no SERVICE.\"\"\" .
"""


def service_description(endpoint: str, *, history: bool) -> bytes:
    note = (
        " With history=true the dataset holds every version instead: <{passport IRI}#{tier}-v{n}>."
        if history
        else ""
    )
    return _TEMPLATE.format(endpoint=endpoint, history=note).encode("utf-8")
