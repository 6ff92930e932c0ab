"""The fast reading of a passport in the plain JSON-LD form, checked against the general one.

Most passports arrive compact in our context: node objects, value objects, node references.
Their expanded form is read into N-Quads terms by resolver.integrity.plain_rdf (the terms as
pyoxigraph writes them) and labelled by resolver.integrity.rdfc (RDFC-1.0), without building
pyoxigraph's Dataset twice per passport. The result is the same triples, labels, canonical
lines and digest as the general reading (resolver.passport.read, canonical.canonical_form):
tests/passport/test_plain.py compares both on every example and on mutants of them.

Whatever this reading cannot be sure of (a form beyond the plain one, an escape, a number it
cannot write, a literal the strict check refuses, a duplicate made by normalising) answers
None, and the caller reads the passport the general way, which gives the same result or raises
the same problem.

The served form (each tier view's triples as a reader of its framed document finds them:
doubles in pyoxigraph's shortest form, see frame.served_views) is derived here too, so the
views' canonical N-Quads come from the same bytes (:func:`views_nquads`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import pyoxigraph

from resolver import jsonld
from resolver.context_terms import Terms
from resolver.errors import ResolverError
from resolver.integrity import plain_rdf, rdfc
from resolver.jsontypes import JSONObject
from resolver.passport import frame, graph, strict
from resolver.passport.graph import Statement
from resolver.tiers import Tier

__all__ = [
    "LazyQuads",
    "PlainRead",
    "Views",
    "find_root",
    "frame_views",
    "read_plain",
    "statements",
    "tier_views",
    "views_nquads",
]

Triple = plain_rdf.Triple
Views = dict[Tier, list[int]]  # tier -> the indices of its triples in ``labelled_terms``

_XSD = b"http://www.w3.org/2001/XMLSchema#"
_DOUBLE = b'"^^<' + _XSD + b"double>"
# Literals strict.normalise_literals may rewrite: their tokens end with one of these.
_NORMALISED = tuple(
    b'"^^<' + _XSD + kind + b">"
    for kind in (b"double", b"float", b"integer", b"dateTime", b"date", b"time", b"dateTimeStamp")
)
_NQUADS = pyoxigraph.RdfFormat.N_QUADS
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SUBJECT = pyoxigraph.NamedNode("urn:x-passport:literal")
_RDF_TYPE = str(graph.RDF_TYPE).encode()
_PASSPORT = str(graph.PASSPORT_CLASS).encode()

# Literal token -> its normalised token (strict.normalise_literals) and its served token
# (frame.served_views); both functions of the token alone once it is known to be accepted.
_NORMAL: dict[bytes, bytes] = {}
_SERVED: dict[bytes, bytes] = {}
_KEPT = 65_536


class LazyQuads(Sequence[pyoxigraph.Quad]):
    """A plain reading's triples as pyoxigraph quads, parsed from its N-Quads terms on first
    use: the usual write (validated on the canonical lines, framed and canonicalised on the
    terms) never needs them; a passport the fast check cannot clear, or the general framer, does."""

    __slots__ = ("_quads", "_terms")

    def __init__(self, terms: Sequence[Triple]) -> None:
        self._terms = terms
        self._quads: list[pyoxigraph.Quad] | None = None

    def quads(self) -> list[pyoxigraph.Quad]:
        if self._quads is None:
            text = b"".join([b"%s %s %s .\n" % triple for triple in self._terms])
            self._quads = list(pyoxigraph.parse(text, format=_NQUADS))
        return self._quads

    def __len__(self) -> int:
        return len(self._terms)

    @overload
    def __getitem__(self, index: int) -> pyoxigraph.Quad: ...

    @overload
    def __getitem__(self, index: slice) -> list[pyoxigraph.Quad]: ...

    def __getitem__(self, index: int | slice) -> pyoxigraph.Quad | list[pyoxigraph.Quad]:
        return self.quads()[index]

    def __iter__(self) -> Iterator[pyoxigraph.Quad]:
        return iter(self.quads())


@dataclass(frozen=True, slots=True)
class PlainRead:
    """A passport read the plain way. ``labelled_terms``: its triples as N-Quads terms,
    labelled by RDFC-1.0, in the order of ``served`` (the same triples, input blank node
    labels, in the served form); ``labelled`` the same as pyoxigraph quads (parsed when first
    used). ``lines``: the canonical N-Quads lines, sorted; ``digest`` their SHA-256."""

    labelled: LazyQuads
    lines: list[bytes]
    digest: str
    served: list[Triple]
    labelled_terms: list[Triple]  # ``labelled`` as N-Quads terms
    # The served graph's labelling when it is the graph itself (no double written otherwise).
    served_labelling: tuple[dict[bytes, bytes], dict[bytes, bytes]] | None = None


def read_plain(expanded: list[JSONObject], vocabulary: strict.Vocabulary) -> PlainRead | None:
    """The passport of an expanded document (checked by strict.check_json), or None when this
    reading is not certain (the general one then decides)."""
    found = plain_rdf.plain_triples(expanded)
    if found is None or len(found) > jsonld.MAX_TRIPLES:
        return None
    triples = list(dict.fromkeys(found))  # a set of triples, as a dataset holds them
    try:
        normal = [
            (s, p, _normal(p, o, vocabulary) if o[:1] == b'"' and o.endswith(_NORMALISED) else o)
            for s, p, o in triples
        ]
    except (ResolverError, ValueError, SyntaxError):
        return None  # refused or unsure: the general reading says why
    if len(set(normal)) != len(normal):
        return None
    labelling = rdfc.canonical_labelling(normal)
    if labelling is None:
        return None
    labels = labelling[0]
    terms = [(labels.get(s, s), p, labels.get(o, o)) for s, p, o in normal]
    # plain_rdf writes only terms pyoxigraph reads (IRIs it accepted, literals without escapes),
    # _normal writes pyoxigraph's own, RDFC-1.0 labels are blank node labels: the lines are
    # N-Quads as they are, without reading them back.
    lines = sorted([b"%s %s %s .\n" % triple for triple in terms])  # the canonical lines
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    try:
        served = [(s, p, _served(o) if o.endswith(_DOUBLE) else o) for s, p, o in normal]
    except ValueError:
        return None
    if served == normal:
        return PlainRead(LazyQuads(terms), lines, digest, normal, terms, labelling)
    return PlainRead(LazyQuads(terms), lines, digest, served, terms)


def _normal(predicate: bytes, token: bytes, vocabulary: strict.Vocabulary) -> bytes:
    """The token of a literal as strict.normalise_literals writes it (LostValue as it raises)."""
    if token[:1] != b'"' or not token.endswith(_NORMALISED):
        return token
    found = _NORMAL.get(token)
    if found is None:
        line = b"<%s> %s %s .\n" % (_SUBJECT.value.encode(), predicate, token)
        quad = next(iter(pyoxigraph.parse(line, format=_NQUADS)))
        [normal] = strict.normalise_literals([quad], vocabulary)
        found = str(normal.object).encode()
        if len(_NORMAL) >= _KEPT:
            _NORMAL.clear()
        _NORMAL[token] = found
    return found


def _served(token: bytes) -> bytes:
    """The token of a literal as a reader of the framed document finds it (frame.served_views)."""
    if not token.endswith(_DOUBLE) or token[:1] != b'"':
        return token
    found = _SERVED.get(token)
    if found is None:
        if b"\\" in token:
            raise ValueError("an escaped double")
        text = token[1 : token.rindex(b'"')].decode()
        literal = pyoxigraph.Literal(text, datatype=pyoxigraph.NamedNode(_XSD.decode() + "double"))
        found = str(frame.served_double(literal)).encode()
        if len(_SERVED) >= _KEPT:
            _SERVED.clear()
        _SERVED[token] = found
    return found


def find_root(read_in: PlainRead, expected_iri: str | None) -> pyoxigraph.NamedNode | None:
    """graph.find_root of ``read_in.labelled``, on the N-Quads terms; None where it raises
    (the general way then says why)."""
    triples = read_in.labelled_terms
    typed = {s for s, p, o in triples if p == _RDF_TYPE and o == _PASSPORT and s[:1] == b"<"}
    if len(typed) > 1:
        return None
    if typed:
        [root] = typed
    else:
        subjects = {s for s, _, _ in triples if s[:1] == b"<"}
        referenced = {o for s, _, o in triples if s != o}
        roots = [s for s in subjects if s not in referenced]
        if len(roots) != 1:
            return None
        root = roots[0]
    iri = root[1:-1].decode()
    if expected_iri is not None and iri != expected_iri:
        return None
    return pyoxigraph.NamedNode(iri)


def tier_views(
    read_in: PlainRead, root: pyoxigraph.NamedNode, tier_of: Callable[[str], Tier | None]
) -> Views | None:
    """graph.tier_views of ``read_in.labelled`` (the same views, in the same order, as indices
    of its triples), computed on the N-Quads terms, which hash faster than pyoxigraph's; None
    where graph.tier_views raises (a node not reachable from the passport: the general way
    says which)."""
    triples = read_in.labelled_terms
    index: dict[bytes, list[int]] = {}
    for i, (s, _, _) in enumerate(triples):
        found = index.get(s)
        if found is None:
            index[s] = [i]
        else:
            found.append(i)
    own = {p: tier_of(p[1:-1].decode()) for p in {p for _, p, _ in triples}}
    reach = _reach(triples, index, str(root).encode(), own)
    views: Views = {tier: [] for tier in Tier}
    buckets = [views[tier] for tier in sorted(Tier)]  # by tier value: a triple goes to [its tier:]
    for subject, found in index.items():
        level = reach.get(subject)
        if level is None:
            return None
        for i in found:
            tier = own[triples[i][1]]
            effective = level if tier is None or tier < level else tier
            for bucket in buckets[effective:]:
                bucket.append(i)
    return views


def statements(views: Views, read_in: PlainRead) -> dict[Tier, list[Statement]]:
    """The views as pyoxigraph quads (graph.tier_views's form), for the general framer."""
    labelled = read_in.labelled.quads()
    return {tier: [labelled[i] for i in found] for tier, found in views.items()}


def _reach(
    triples: Sequence[Triple], index: dict[bytes, list[int]], root: bytes, own: dict[bytes, Tier | None]
) -> dict[bytes, Tier]:
    """graph._reach on the terms: the lowest tier at which each node is reachable from ``root``."""
    reach: dict[bytes, Tier] = {root: Tier.PUBLIC}
    buckets: dict[Tier, list[bytes]] = {tier: [] for tier in Tier}
    buckets[Tier.PUBLIC].append(root)
    for level in Tier:
        stack = buckets[level]
        while stack:
            subject = stack.pop()
            if reach[subject] != level:
                continue  # reached more openly since it was queued
            for i in index.get(subject, ()):
                _, predicate, obj = triples[i]
                if obj not in index or obj[:1] == b'"':
                    continue
                tier = own[predicate]
                effective = level if tier is None else max(level, tier)
                known = reach.get(obj)
                if known is None or known > effective:
                    reach[obj] = effective
                    buckets[effective].append(obj)
    return reach


def frame_views(
    views: Views,
    read_in: PlainRead,
    root: pyoxigraph.NamedNode,
    terms: Terms,
    context_url: str,
    tier_of: Callable[[str], Tier | None],
) -> dict[Tier, JSONObject] | None:
    """frame.frame_views of ``views`` (:func:`tier_views` of ``read_in``), keyed by the N-Quads
    terms this reading has rather than by writing each pyoxigraph term again; None when a
    literal is beyond this reading (the general way then frames)."""
    decoded = [(s.decode(), p.decode(), o.decode()) for s, p, o in read_in.labelled_terms]

    def view(tier: Tier) -> list[frame.Keyed]:
        return [decoded[i] for i in views[tier]]

    try:
        full = view(max(Tier))
        return frame.frame_keyed_views(full, view, str(root), _literal_parts, terms, context_url, tier_of)
    except (KeyError, ValueError):
        return None


def frame_document(
    views: Views, read_in: PlainRead, root: pyoxigraph.NamedNode, terms: Terms, context_url: str
) -> JSONObject | None:
    """frame.frame of the authority view of ``views`` (:func:`tier_views` of ``read_in``: the
    document of a passport refused), keyed by this reading's N-Quads terms; None when a literal
    is beyond this reading (the general way then frames)."""
    terms_of = read_in.labelled_terms
    full = [(s.decode(), p.decode(), o.decode()) for s, p, o in (terms_of[i] for i in views[max(Tier)])]
    try:
        return frame.frame_keyed(full, _literal_parts, str(root), terms, context_url)
    except (KeyError, ValueError):
        return None


def _literal_parts(key: str) -> tuple[str, str | None, str] | None:
    """A literal's (lexical form, language, datatype) from its N-Triples form, which this
    reading wrote without escapes (an escape: None)."""
    end = key.rfind('"')
    if "\\" in key or end < 1:
        return None
    text, suffix = key[1:end], key[end + 1 :]
    if not suffix:
        return text, None, _XSD_STRING
    if suffix[0] == "@":
        return text, suffix[1:], _LANG_STRING
    if suffix.startswith("^^<") and suffix[-1] == ">":
        return text, None, suffix[3:-1]
    return None


def views_nquads(views: Views, read_in: PlainRead) -> dict[Tier, bytes] | None:
    """The canonical N-Quads of each view in its served form, as canonical.views_nquads gives
    them for frame.served_views of the views (:func:`tier_views` of ``read_in``); None when a
    view cannot be made here (the general way then makes them all).

    The served graph is labelled once (rdfc.canonical_labelling). A view that is all of it, or
    all of it but triples without blank nodes, has its labels (RDFC-1.0 labels blank nodes from
    the triples that mention them only). In a view whose blank nodes keep every triple they have
    in the graph, each node has its first-degree hash from the graph: when they are distinct,
    labels are issued in their order (4.4.3 steps 4-5), else the algorithm runs with them
    (rdfc.canonical_part). Any other view is labelled on its own."""
    served = read_in.served
    labelling = read_in.served_labelling or rdfc.canonical_labelling(served)
    if labelling is None or len(set(served)) != len(served):
        return None  # two doubles served alike: the general way (a view is a set of triples)
    labels = labelling[0]
    # The graph's lines, each once: a view whose blank nodes keep the graph's labels is
    # these lines less those of the triples it lacks, in the same (sorted) order.
    lines = [b"%s %s %s .\n" % (labels.get(s, s), p, labels.get(o, o)) for s, p, o in served]
    ordered = sorted(lines)
    counts = _mentions(served)
    out: dict[Tier, bytes] = {}
    for tier, indices in views.items():
        part = [served[i] for i in indices]
        if len(part) == len(served):
            found: bytes | None = b"".join(ordered)
        else:
            found = _part_nquads(part, labelling, counts, _Lines(lines, ordered, indices))
        if found is None:
            return None
        out[tier] = found
    return out


@dataclass(frozen=True, slots=True)
class _Lines:
    """The served graph's lines with its own labels (``lines`` in its order, ``ordered``
    sorted) and the indices of a view's triples among them."""

    lines: list[bytes]
    ordered: list[bytes]
    indices: list[int]

    def kept(self) -> bytes:
        """The view's lines: the graph's, less those of the triples it lacks."""
        taken = set(self.lines)
        taken.difference_update(self.lines[i] for i in self.indices)
        return b"".join([line for line in self.ordered if line not in taken])


def _part_nquads(
    part: list[Triple],
    labelling: tuple[dict[bytes, bytes], dict[bytes, bytes]],
    counts: Mapping[bytes, int],
    graph: _Lines,
) -> bytes | None:
    """The canonical N-Quads of ``part`` of the served graph (whose blank nodes have the labels
    and first-degree hashes ``labelling`` and are mentioned ``counts`` times, and whose lines
    with those labels are ``graph``'s)."""
    first = labelling[1]
    own = _mentions(part)
    if any(counts[node] != n for node, n in own.items()):
        return rdfc.canonical_triples(part)  # some node lost a triple: its hash changed
    if len(own) == len(counts):  # every blank node is here with all its triples: only triples
        return graph.kept()  # without blank nodes are not, and they label nothing
    hashes = {first[node] for node in own}
    if len(hashes) != len(own):
        return rdfc.canonical_part(part, first)
    order = sorted(own, key=first.__getitem__)
    return _labelled(part, {node: b"_:c14n%d" % i for i, node in enumerate(order)})


def _labelled(triples: Sequence[Triple], labels: Mapping[bytes, bytes]) -> bytes:
    text = [b"%s %s %s .\n" % (labels.get(s, s), p, labels.get(o, o)) for s, p, o in triples]
    text.sort()
    return b"".join(text)


def _mentions(triples: Sequence[Triple]) -> dict[bytes, int]:
    """How many triples mention each blank node (as subject, or as another node's object)."""
    counts: dict[bytes, int] = {}
    for s, _, o in triples:
        if s[:1] == b"_":
            counts[s] = counts.get(s, 0) + 1
        if o[:1] == b"_" and o != s:
            counts[o] = counts.get(o, 0) + 1
    return counts
