"""What the profile generators share (vocab/eu-battery, vocab/cn-battery): the JSON-LD context and
the Turtle statements made from a term table, and the writing of a profile's files.

Each profile's build.py holds its own table (PREFIXES, CLASSES, CONCEPTS, PROPS) and what only it
says (eu-battery: the Commission's data points); both read their rows through these functions, so
the two profiles' files keep one form. The generate.py scripts put this folder on sys.path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

# The first four fields of every PROPS row: term, IRI, kind ("lit", "node", "vocab", "id"), range.
PropertyHead = Sequence[object]


def turtle_prefixes(prefixes: Mapping[str, str], *more: str) -> list[str]:
    """The @prefix lines of a vocabulary: the table's, then RDFS, OWL, SKOS, Dublin Core (``more``:
    further lines after them)."""
    return [f"@prefix {p}: <{iri}> ." for p, iri in prefixes.items()] + [
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        *more,
    ]


def lit(text: str) -> str:
    """A Turtle string literal."""
    return json.dumps(text, ensure_ascii=False)


def build_context(
    prefixes: Mapping[str, str],
    classes: Mapping[str, Sequence[object]],
    concepts: Mapping[str, Sequence[object]],
    props: Iterable[PropertyHead],
) -> dict[str, object]:
    """The profile's JSON-LD context: its prefixes, a term per class, concept and property (a
    literal typed unless a string, a concept as @vocab, a link as @id)."""
    ctx: dict[str, object] = {"@version": 1.1, "@protected": True, "id": "@id", "type": "@type"}
    ctx.update(prefixes)
    for term, (iri, *_rest) in classes.items():
        ctx[term] = {"@id": iri}
    for term, (iri, *_r) in concepts.items():
        ctx[term] = {"@id": iri}
    for term, iri, kind, rng, *_rest in props:
        entry: dict[str, object] = {"@id": iri}
        if kind == "lit" and rng != "xsd:string":
            entry["@type"] = rng
        elif kind == "vocab":
            entry["@type"] = "@vocab"
        elif kind == "id":
            entry["@type"] = "@id"
        ctx[str(term)] = entry
    return {"@context": ctx}


def class_statement(term: str, iri: str, minted: bool, label: str, comment: str, *extra: str) -> str:
    """An owl:Class with its label, comment and term (``extra``: more predicate-object lines)."""
    lines = [f"{iri} a owl:Class", f"rdfs:label {lit(label)}@en", f"rdfs:comment {lit(comment)}@en",
             f"bp:term {lit(term)}"]
    if minted:
        lines.append("bp:minted true")
    lines.extend(extra)
    return " ;\n    ".join(lines) + " ."


def property_statement(
    term: str,
    iri: str,
    kind: str,
    range_iri: str,
    *,
    tier: str,
    lifecycle: str,
    used_on: str,
    label: str,
    comment: str,
    scheme: str | None = None,
    data_points: Sequence[int] = (),
    minted: bool = False,
    structural: bool = False,
) -> str:
    """A property of the table: its OWL kind, range, tier, lifecycle, term and where it is used;
    the concept scheme of a "vocab" property, its EC data points, minted, structural."""
    owl_kind = "owl:DatatypeProperty" if kind == "lit" else "owl:ObjectProperty"
    lines = [f"{iri} a {owl_kind}", f"rdfs:label {lit(label)}@en", f"rdfs:comment {lit(comment)}@en",
             f"rdfs:range {range_iri}", f"bp:accessTier {tier}", f"bp:lifecycle {lifecycle}",
             f"bp:term {lit(term)}", f"bp:usedOn {used_on}"]
    if scheme is not None:
        lines.append(f"bp:valueScheme {scheme}")
    if data_points:
        lines.append("bp:dataPoint " + ", ".join(str(n) for n in data_points))
    if minted:
        lines.append("bp:minted true")
    if structural:
        lines.append("bp:structural true")
    return " ;\n    ".join(lines) + " ."


def range_of(kind: str, rng: str, classes: Mapping[str, Sequence[object]]) -> str:
    """The rdfs:range of a property: skos:Concept for controlled values, the datatype of a
    literal, else the class (a term of the table's classes, or an IRI)."""
    if kind == "vocab":
        return "skos:Concept"
    if kind == "lit":
        return rng
    return str(classes[rng][0]) if rng in classes else rng


def write_profile(root: Path, name: str, context: object, vocab: str, shapes: Mapping[str, str]) -> None:
    """Write vocab/<name>/{context.jsonld, vocab.ttl} and shapes/<name>/*.ttl under ``root``."""
    vocab_dir = root / "vocab" / name
    vocab_dir.mkdir(parents=True, exist_ok=True)
    (vocab_dir / "context.jsonld").write_text(
        json.dumps(context, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (vocab_dir / "vocab.ttl").write_text(vocab, encoding="utf-8")
    shapes_dir = root / "shapes" / name
    shapes_dir.mkdir(parents=True, exist_ok=True)
    for file_name, text in shapes.items():
        (shapes_dir / file_name).write_text(text, encoding="utf-8")


def generate(name: str, build: ModuleType, shapes_build: ModuleType, argv: Sequence[str]) -> None:
    """The generate.py of profile ``name``: its files under ``argv[0]`` (default: the repository)."""
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[1]
    write_profile(root, name, build.build_context(), build.build_vocab(), shapes_build.build_shapes())
