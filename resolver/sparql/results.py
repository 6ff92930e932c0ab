"""Result formats of the SPARQL 1.1 Protocol and the choice among them by ``Accept``.

SELECT and ASK answers are written here (SPARQL JSON, XML, CSV, TSV) from solutions the engine
has already counted and timed; CONSTRUCT and DESCRIBE graphs go through pyoxigraph's writers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

import orjson
import pyoxigraph

from resolver.errors import NotAcceptable

__all__ = ["GRAPH_TYPES", "SOLUTION_TYPES", "choose", "write_boolean", "write_graph", "write_solutions"]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
# Preferred first: what an Accept of */* gets.
SOLUTION_TYPES = (JSON, XML, CSV, TSV)
_SOLUTION_ALIASES = {"application/json": JSON, "application/xml": XML, "text/xml": XML}
GRAPH_FORMATS = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
}
GRAPH_TYPES = tuple(GRAPH_FORMATS)
_GRAPH_ALIASES = {"application/json": "application/ld+json", "text/plain": "application/n-triples"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# A term of a solution.
Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple
Row = Sequence[Term | None]  # one solution: a term or None per variable


def choose(accept: str | None, *, graph: bool) -> str:
    """The media type to answer with; NotAcceptable names what the endpoint offers."""
    offered = GRAPH_TYPES if graph else SOLUTION_TYPES
    aliases = _GRAPH_ALIASES if graph else _SOLUTION_ALIASES
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen = ""
    for order, (media_range, q) in enumerate(_ranges(accept)):
        if q <= 0:
            continue
        if media_range in ("*/*", "application/*", "text/*"):
            kind = media_range.split("/")[0]
            candidate = next((t for t in offered if kind == "*" or t.startswith(kind + "/")), "")
            specificity = 0
        else:
            candidate = aliases.get(media_range, media_range if media_range in offered else "")
            specificity = 1
        if candidate and (best is None or (q, specificity, -order) > best):
            best, chosen = (q, specificity, -order), candidate
    if not chosen:
        raise NotAcceptable(
            f"no result format for Accept: {accept[:200]}; this query's answers come as {', '.join(offered)}",
            offered=list(offered),
        )
    return chosen


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media_range:
            ranges.append((media_range.lower(), q))
    return ranges


def write_solutions(media_type: str, variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    if media_type == JSON:
        return orjson.dumps(
            {
                "head": {"vars": list(variables)},
                "results": {"bindings": [_json_row(variables, row) for row in rows]},
            }
        )
    if media_type == XML:
        return _xml(variables, rows)
    if media_type == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(term) for term in row] for row in rows)
        return out.getvalue().encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join("" if term is None else str(term) for term in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_boolean(media_type: str, value: bool) -> bytes:
    if media_type == JSON:
        return orjson.dumps({"head": {}, "boolean": value})
    if media_type == XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    return ("true" if value else "false").encode() + (b"\r\n" if media_type == CSV else b"\n")


def write_graph(media_type: str, triples: Sequence[pyoxigraph.Triple]) -> bytes:
    written = pyoxigraph.serialize(triples, format=GRAPH_FORMATS[media_type])
    return written or b""


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def _json_row(variables: Sequence[str], row: Row) -> dict[str, dict[str, str]]:
    return {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}


def _xml(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        for name, term in zip(variables, row, strict=True):
            if term is not None:
                parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode("utf-8")


def _xml_term(term: Term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    value: str = term.value if hasattr(term, "value") else str(term)
    return value
