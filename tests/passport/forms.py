"""Test helpers: a passport re-serialised in every form a linked-data tool may send, and the
triples each tier's view must hold, computed independently of resolver/passport/ (pyld builds
the graph; the tier rule is a plain fixpoint, not the node's bucket walk)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pyoxigraph
import rdflib
from pyld import jsonld as pyld

from resolver import jsonld
from resolver.passport.canonical import canonical_nquads
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["EXAMPLES", "FORMS", "expected_views", "graph_of_jsonld", "nquads", "serialise"]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "valid").glob("*.jsonld"))
FORMS = (
    "compacted",
    "expanded",
    "flattened",
    "graph-hoisted",
    "turtle-rdflib",
    "ntriples-rdflib",
    "turtle-pyoxigraph",
    "ntriples-pyoxigraph",
)
_OPTIONS = {"documentLoader": jsonld.document_loader, "base": None}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_PASSPORT = "https://w3id.org/battery-passport/eu-battery#BatteryPassport"


def serialise(doc: dict[str, Any], form: str, rng: random.Random) -> tuple[bytes, str]:
    """``doc`` (compact, in our context) as ``form``: (body, media type)."""
    if form == "compacted":
        return orjson.dumps(_shuffled(doc, rng)), "application/ld+json"
    expanded = pyld.expand(doc, _OPTIONS)
    if form == "expanded":
        return orjson.dumps(expanded), "application/ld+json"
    if form == "flattened":
        return orjson.dumps(pyld.flatten(doc, jsonld.CONTEXT_URL, _OPTIONS)), "application/ld+json"
    if form == "graph-hoisted":
        return orjson.dumps(_hoisted(doc, rng)), "application/ld+json"
    tool, _, library = form.partition("-")
    media = "text/turtle" if tool == "turtle" else "application/n-triples"
    if library == "rdflib":
        graph = rdflib.Graph().parse(data=orjson.dumps(expanded), format="json-ld")
        return graph.serialize(format="turtle" if tool == "turtle" else "nt").encode(), media
    triples = [
        q.triple for q in pyoxigraph.parse(orjson.dumps(expanded), format=pyoxigraph.RdfFormat.JSON_LD)
    ]
    rdf_format = pyoxigraph.RdfFormat.TURTLE if tool == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    return pyoxigraph.serialize(triples, format=rdf_format) or b"", media


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _hoisted(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Some nested nodes moved to the top-level @graph (by blank node id), in random order."""
    hoisted: list[dict[str, Any]] = []
    counter = iter(range(1_000_000))

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict) or "@value" in value or "@list" in value:
            return value
        node = {k: walk(v) for k, v in value.items()}
        if rng.random() < 0.6 and not (set(node) <= {"id"}):
            node.setdefault("id", f"_:hoisted{next(counter)}")
            hoisted.append(node)
            return {"id": node["id"]}
        return node

    body = {k: walk(v) for k, v in doc.items() if k != "@context"}
    nodes = [body, *hoisted]
    rng.shuffle(nodes)
    return {"@context": doc["@context"], "@graph": nodes}


def graph_of_jsonld(doc: Any) -> list[pyoxigraph.Triple]:
    """The triples of a JSON-LD document, as pyld reads it (pyld's own RDF conversion)."""
    dataset = pyld.to_rdf(doc, {**_OPTIONS, "format": "application/n-quads"})
    return [q.triple for q in pyoxigraph.parse(dataset.encode(), format=pyoxigraph.RdfFormat.N_QUADS)]


def nquads(triples: Iterable[pyoxigraph.Triple]) -> str:
    """Canonical N-Quads (RDFC-1.0), with numbers in one lexical form, for graph comparison."""
    return canonical_nquads(_normalised(triples))


def _normalised(triples: Iterable[pyoxigraph.Triple]) -> list[pyoxigraph.Triple]:
    out = []
    for t in triples:
        o = t.object
        if isinstance(o, pyoxigraph.Literal) and o.datatype.value.endswith("#double"):
            o = pyoxigraph.Literal(pyld._canonicalize_double(float(o.value)), datatype=o.datatype)
        out.append(pyoxigraph.Triple(t.subject, t.predicate, o))
    return out


def expected_views(triples: list[pyoxigraph.Triple], profile: Profile) -> dict[Tier, list[pyoxigraph.Triple]]:
    """The triples each tier may see: from the passport, follow every triple whose predicate's
    tier is <= T (a structural predicate has none: it follows its subject) until nothing new."""
    root = next(
        t.subject
        for t in triples
        if t.predicate.value == _RDF_TYPE and t.object.value == _PASSPORT  # type: ignore[union-attr]
    )
    views = {}
    for tier in Tier:

        def allowed(t: pyoxigraph.Triple, tier: Tier = tier) -> bool:
            own = profile.tier_of(t.predicate.value)
            return own is None or own <= tier

        reach = {root}
        grew = True
        while grew:
            grew = False
            for t in triples:
                obj = t.object
                if (
                    t.subject in reach
                    and allowed(t)
                    and obj not in reach
                    and not isinstance(obj, pyoxigraph.Literal)
                ):
                    reach.add(obj)
                    grew = True
        views[tier] = [t for t in triples if t.subject in reach and allowed(t)]
    return views
