"""The eu-battery profile as the node uses it: context, vocabulary (property -> tier, lifecycle,
data points, label) and the SHACL shapes graphs (the main set and one set per access tier).

Loaded once per process (``Profile.load()`` is cached). Unknown predicates count as the highest
tier: a property the vocabulary does not declare is never shown below the authority tier.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Mapping
from pathlib import Path

import rdflib

from resolver import jsonld
from resolver.jsontypes import JSON
from resolver.tiers import TIER_IRI_BASE, Tier

__all__ = ["BP", "PROFILES", "PROFILE_ROOT", "Profile", "PropertyInfo", "named_by"]

BP = rdflib.Namespace(TIER_IRI_BASE)
PROFILE_ROOT = Path(__file__).resolve().parent.parent
# The profiles a node can write passports in (vocab/<name>, shapes/<name>), default first.
PROFILES = tuple(jsonld.PROFILE_CONTEXTS)


def named_by(doc: JSON) -> str | None:
    """The profile whose context a compacted JSON-LD document names (None: none of them, or the
    document is expanded). A signed view lists the data-integrity context after the profile's."""
    context = doc.get("@context") if isinstance(doc, dict) else None
    listed = context if isinstance(context, list) else [context]
    return next((name for name, url in jsonld.PROFILE_CONTEXTS.items() if url in listed), None)


_TIER_FILES = {
    Tier.PUBLIC: "tier-public.ttl",
    Tier.LEGITIMATE_INTEREST: "tier-legitimate-interest.ttl",
    Tier.AUTHORITY: "tier-authority.ttl",
}


@dataclasses.dataclass(frozen=True, slots=True)
class PropertyInfo:
    """What the vocabulary says about one property."""

    iri: str
    tier: Tier
    dynamic: bool
    data_points: tuple[int, ...]  # every data point the property implements, lowest first
    label: str


@dataclasses.dataclass(frozen=True)
class Profile:
    """The loaded profile. Build it with :meth:`load`; it is immutable afterwards."""

    name: str
    context: JSON  # the parsed context document
    context_url: str  # the URL passports of this profile name as their @context
    properties: Mapping[str, PropertyInfo]
    shapes: rdflib.Graph
    tier_shapes: Mapping[Tier, rdflib.Graph]
    shape_data_points: Mapping[str, tuple[int, ...]]  # shape (IRI or bnode id) -> the point it names
    structural: frozenset[str]  # bp:structural helpers, or declared without a tier: they inherit
    ranges: Mapping[str, str]  # property -> its rdfs:range (a datatype or class IRI)

    def tier_of(self, predicate: str) -> Tier | None:
        """The access tier of a predicate: its declared tier; None for a declared property without
        one (it takes the tier of the property it sits under); the highest tier for a predicate
        the vocabulary does not declare (fail closed)."""
        if predicate in self.structural:
            return None
        info = self.properties.get(predicate)
        return info.tier if info is not None else max(Tier)

    def data_points_of(self, predicate: str) -> tuple[int, ...]:
        """The data point a problem with this property names (for results whose shape names none,
        such as the SPARQL rules'). A term shared by several points fills the first: ratedCapacity
        is 11 (25 is the guidance's duplicate, not to be filled), internalResistance is 55 (66)."""
        info = self.properties.get(predicate)
        return info.data_points[:1] if info is not None else ()

    @classmethod
    def load(cls, root: Path = PROFILE_ROOT, name: str = "eu-battery") -> Profile:
        """The profile under ``root`` (vocab/<name>, shapes/<name>), read once per process."""
        return _load(root, name)

    @classmethod
    def read(cls, root: Path, name: str) -> Profile:
        """Read the profile's files (uncached)."""
        vocab = _parsed([root / "vocab" / name / "vocab.ttl"])
        shapes_dir = root / "shapes" / name
        tier_shapes: dict[Tier, rdflib.Graph] = {}
        tier_files = {file: tier for tier, file in _TIER_FILES.items()}
        main: list[Path] = []
        for path in sorted(shapes_dir.glob("*.ttl")):
            tier = tier_files.get(path.name)
            if tier is not None:
                tier_shapes[tier] = _parsed([path])
            elif not path.name.startswith("tier-"):
                main.append(path)
        shapes = _parsed(main, cache_name="shapes")
        context_url = jsonld.PROFILE_CONTEXTS[name]
        properties = _properties(vocab)
        return cls(
            name=name,
            context=jsonld.load_context(context_url),
            context_url=context_url,
            properties=properties,
            structural=frozenset((_declared(vocab) - set(properties)) | _structural(vocab)),
            ranges={
                str(p): str(r)
                for p, r in vocab.subject_objects(rdflib.RDFS.range)
                if isinstance(p, rdflib.URIRef) and isinstance(r, rdflib.URIRef)
            },
            shapes=shapes,
            tier_shapes=tier_shapes,
            shape_data_points=_shape_data_points(shapes),
        )


@functools.cache
def _load(root: Path, name: str) -> Profile:
    return Profile.read(root, name)


def _parsed(paths: list[Path], *, cache_name: str | None = None) -> rdflib.Graph:
    """One graph of the Turtle files ``paths``: parsed, or as parsed before by a process of the
    same rdflib (a pickle in ``__pycache__`` beside them, named by a digest of their bytes and of
    what shapes the parse). Every node, validator worker and command reads the profile as it
    starts: ~0.03 CPU-s from the pickle instead of ~0.3 of parsing. Written, as bytecode is,
    unless ``sys.dont_write_bytecode``; a cache that cannot be read or written is parsed past."""
    if not paths:
        return rdflib.Graph()
    digest = hashlib.sha256(f"{rdflib.__version__} {rdflib.NORMALIZE_LITERALS} {sys.version}".encode())
    for path in paths:
        content = path.read_bytes()
        digest.update(b"%d %s %d\n" % (len(path.name), path.name.encode(), len(content)) + content)
    name = f"{cache_name or paths[0].stem}.{digest.hexdigest()[:32]}.graph"
    cache = paths[0].parent / "__pycache__" / name
    try:
        graph = pickle.loads(cache.read_bytes())
        if isinstance(graph, rdflib.Graph):
            return graph
    except Exception:  # absent, partly written by an older rdflib, unreadable: parse instead
        pass
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    if not sys.dont_write_bytecode:
        _write(cache, pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL))
    return graph


def _write(cache: Path, data: bytes) -> None:
    """Write ``cache`` whole (a reader sees it complete or not at all); nothing if it cannot."""
    try:
        cache.parent.mkdir(exist_ok=True)
        spare = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        spare.write_bytes(data)
        os.replace(spare, cache)
    except OSError:
        pass


def _properties(vocab: rdflib.Graph) -> dict[str, PropertyInfo]:
    found: dict[str, PropertyInfo] = {}
    for prop, tier_iri in vocab.subject_objects(BP.accessTier):
        if not isinstance(prop, rdflib.URIRef):
            continue
        try:
            tier = Tier.from_iri(str(tier_iri))
        except ValueError:
            tier = max(Tier)  # an unknown tier IRI is a vocabulary bug: fail closed
        previous = found.get(str(prop))
        if previous is not None:
            tier = max(tier, previous.tier)
        points = sorted(int(p) for p in vocab.objects(prop, BP.dataPoint) if isinstance(p, rdflib.Literal))
        label = vocab.value(prop, rdflib.RDFS.label)
        found[str(prop)] = PropertyInfo(
            iri=str(prop),
            tier=tier,
            dynamic=(prop, BP.lifecycle, BP.Dynamic) in vocab,
            data_points=tuple(points),
            label=str(label) if label is not None else str(prop).rsplit("#", 1)[-1],
        )
    return found


_PROPERTY_CLASSES = (
    rdflib.RDF.Property,
    rdflib.OWL.ObjectProperty,
    rdflib.OWL.DatatypeProperty,
    rdflib.OWL.AnnotationProperty,
)


def _structural(vocab: rdflib.Graph) -> set[str]:
    flagged = vocab.subjects(BP.structural, rdflib.Literal(True))
    return {str(p) for p in flagged if isinstance(p, rdflib.URIRef)}


def _declared(vocab: rdflib.Graph) -> set[str]:
    declared = {str(rdflib.RDF.type)}
    for cls in _PROPERTY_CLASSES:
        declared.update(str(p) for p in vocab.subjects(rdflib.RDF.type, cls) if isinstance(p, rdflib.URIRef))
    return declared


def _shape_data_points(shapes: rdflib.Graph) -> dict[str, tuple[int, ...]]:
    points: dict[str, set[int]] = {}
    for shape, value in shapes.subject_objects(BP.dataPoint):
        if isinstance(value, rdflib.Literal):
            try:
                points.setdefault(_key(shape), set()).add(int(value))
            except (TypeError, ValueError):
                continue
    return {key: tuple(sorted(values)) for key, values in points.items()}


def _key(node: rdflib.term.Node) -> str:
    return node.n3()
