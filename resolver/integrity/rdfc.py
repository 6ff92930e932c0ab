"""RDFC-1.0 over the N-Quads lines pyoxigraph writes, without building a pyoxigraph Dataset.

A peer's answer is canonicalised on every federated miss; for a passport's hundred triples the
Dataset (one Python object per quad in, interning, canonicalising, writing out) costs about
twice this. Only the blank node labels are computed here: every line is pyoxigraph's own, so
the result always holds exactly the triples it was given (a wrong label could only fail an
honest proof, never pass a forged one). Anything unusual (escapes, quoted triples, a graph
name, permutations beyond a few nodes, deep recursion) answers None: pyoxigraph then decides.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["canonical_labelling", "canonical_lines", "canonical_part", "canonical_triples"]

_Triple = tuple[bytes, bytes, bytes]  # subject, predicate, object: N-Quads terms as written

# The most related blank nodes of one hash whose orders are tried (5! = 120), and the most
# calls of the N-degree hash per document; beyond either, pyoxigraph canonicalises.
_MAX_PERMUTED = 5
_MAX_DEEP_CALLS = 300  # each nests two frames: well within Python's recursion limit


class _GiveUp(Exception):
    pass


class _Issuer:
    """Issues ``prefix`` + counter to blank node labels, remembering the order of issue."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: bytes, issued: dict[bytes, bytes] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[bytes, bytes] = {} if issued is None else issued

    def id_of(self, label: bytes) -> bytes:
        found = self.issued.get(label)
        if found is None:
            found = self.issued[label] = self.prefix + str(len(self.issued)).encode()
        return found

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


def canonical_lines(nquads: bytes) -> bytes | None:
    """The canonical N-Quads (RDFC-1.0, lines sorted) of the default-graph ``nquads`` as
    ``pyoxigraph.serialize`` writes them; None when this reading cannot be sure of them."""
    if b"\\" in nquads or b"<<" in nquads:
        return None  # escaped characters, quoted triples: pyoxigraph's own writer decides
    triples: list[_Triple] = []
    for line in nquads.splitlines():
        parts = line[:-2].split(b" ", 2)
        if len(parts) != 3 or not line.endswith(b" ."):
            return None
        obj = parts[2]
        if obj[:1] != b'"' and b" " in obj:
            return None  # a graph name after the object
        triples.append((parts[0], parts[1], obj))
    return canonical_triples(triples)


def canonical_triples(triples: Sequence[_Triple]) -> bytes | None:
    """The canonical N-Quads (RDFC-1.0, lines sorted) of distinct-or-repeated default-graph
    ``triples`` (N-Quads terms as pyoxigraph writes them); None when this reading gives up."""
    triples = list(dict.fromkeys(triples))
    try:
        issued = _Canonicaliser(triples).labels()
    except (_GiveUp, RecursionError):
        return None
    out = [b"%s %s %s .\n" % (issued.get(s, s), p, issued.get(o, o)) for s, p, o in triples]
    out.sort()
    return b"".join(out)


class _Canonicaliser:
    """The RDFC-1.0 algorithm (W3C Recommendation, section 4) for one graph's triples."""

    def __init__(self, triples: Iterable[_Triple]) -> None:
        self.mentions: dict[bytes, list[_Triple]] = {}
        # Each blank node's lines for its first-degree hash: it _:a, any other blank node _:z.
        self.first_lines: dict[bytes, list[bytes]] = {}
        for triple in triples:
            s, p, o = triple
            blank_s, blank_o = s[:1] == b"_", o[:1] == b"_"
            if blank_s:
                self.mentions.setdefault(s, []).append(triple)
                if not blank_o:
                    line = b"_:a %s %s .\n" % (p, o)
                else:
                    line = b"_:a %s %s .\n" % (p, b"_:a" if o == s else b"_:z")
                self.first_lines.setdefault(s, []).append(line)
            if blank_o and o != s:
                self.mentions.setdefault(o, []).append(triple)
                line = b"%s %s _:a .\n" % (b"_:z" if blank_s else s, p)
                self.first_lines.setdefault(o, []).append(line)
        self.canonical = _Issuer(b"_:c14n")
        self.first: dict[bytes, bytes] = {}
        self.deep_calls = 0

    def labels(self) -> dict[bytes, bytes]:
        """Each blank node's canonical label (section 4.4)."""
        by_hash: dict[bytes, list[bytes]] = {}
        for node in self.mentions:
            digest = self.first[node] = self._first_degree(node)
            by_hash.setdefault(digest, []).append(node)
        shared: list[list[bytes]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                self.canonical.id_of(nodes[0])
            else:
                shared.append(nodes)
        for nodes in shared:
            results: list[tuple[bytes, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer(b"_:b")
                temporary.id_of(node)
                results.append(self._n_degree(node, temporary))
            results.sort(key=lambda result: result[0])
            for _, issuer in results:
                for node in issuer.issued:
                    self.canonical.id_of(node)
        if len(self.canonical.issued) != len(self.mentions):
            raise _GiveUp
        return self.canonical.issued

    def _first_degree(self, node: bytes) -> bytes:
        """Hash First Degree Quads (4.6): the node's triples, it ``_:a``, the others ``_:z``."""
        lines = self.first_lines[node]
        lines.sort()
        return hashlib.sha256(b"".join(lines)).hexdigest().encode()

    def _related(self, related: bytes, predicate: bytes, position: bytes, issuer: _Issuer) -> bytes:
        """Hash Related Blank Node (4.7)."""
        name = self.canonical.issued.get(related) or issuer.issued.get(related) or self.first[related]
        return hashlib.sha256(position + predicate + name).hexdigest().encode()

    def _n_degree(self, node: bytes, issuer: _Issuer) -> tuple[bytes, _Issuer]:
        """Hash N-Degree Quads (4.8): the hash and the issuer of the path chosen."""
        self.deep_calls += 1
        if self.deep_calls > _MAX_DEEP_CALLS:
            raise _GiveUp
        related_by_hash: dict[bytes, list[bytes]] = {}
        for s, p, o in self.mentions[node]:
            if s[:1] == b"_" and s != node:
                related_by_hash.setdefault(self._related(s, p, b"s", issuer), []).append(s)
            if o[:1] == b"_" and o != node:
                related_by_hash.setdefault(self._related(o, p, b"o", issuer), []).append(o)
        digest = hashlib.sha256()
        for related_hash in sorted(related_by_hash):
            digest.update(related_hash)
            related = related_by_hash[related_hash]
            if len(related) > _MAX_PERMUTED:
                raise _GiveUp
            chosen_path: bytes | None = None
            chosen_issuer = issuer
            for permutation in itertools.permutations(related):
                found = self._path(permutation, issuer, chosen_path)
                if found is not None and (chosen_path is None or found[0] < chosen_path):
                    chosen_path, chosen_issuer = found
            digest.update(chosen_path or b"")
            issuer = chosen_issuer
        return digest.hexdigest().encode(), issuer

    def _path(
        self, permutation: tuple[bytes, ...], issuer: _Issuer, chosen: bytes | None
    ) -> tuple[bytes, _Issuer] | None:
        """One permutation's path and issuer (4.8.3 step 5.4.4-5.4.5); None as soon as its path
        sorts after the chosen one (it cannot be chosen then)."""
        copy = issuer.copy()
        path = b""
        recursion: list[bytes] = []
        for related in permutation:
            known = self.canonical.issued.get(related)
            if known is not None:
                path += known
            else:
                if related not in copy.issued:
                    recursion.append(related)
                path += copy.id_of(related)
            if chosen is not None and path > chosen:
                return None
        for related in recursion:
            result_hash, result_issuer = self._n_degree(related, copy)
            path += copy.id_of(related) + b"<" + result_hash + b">"
            copy = result_issuer
            if chosen is not None and path > chosen:
                return None
        return path, copy


def canonical_labelling(triples: Sequence[_Triple]) -> tuple[dict[bytes, bytes], dict[bytes, bytes]] | None:
    """Each blank node's canonical label (``_:c14nN``) and its first-degree hash (RDFC-1.0,
    4.6) for distinct default-graph ``triples``; None when this reading gives up (as
    :func:`canonical_triples`). The hashes let a caller label a part of the graph whose blank
    nodes keep all their triples without running the algorithm again."""
    canonicaliser = _Canonicaliser(triples)
    try:
        issued = canonicaliser.labels()
    except (_GiveUp, RecursionError):
        return None
    return issued, canonicaliser.first


def canonical_part(triples: Sequence[_Triple], first: Mapping[bytes, bytes]) -> bytes | None:
    """:func:`canonical_triples` of distinct ``triples`` taken from a graph where each of
    their blank nodes has exactly the triples it has here: ``first`` holds those nodes'
    first-degree hashes in that graph (:func:`canonical_labelling`), which are then theirs
    here too (4.6 hashes a node's own triples only), so they are not computed again."""
    canonicaliser = _KnownFirst(triples, first)
    try:
        issued = canonicaliser.labels()
    except (_GiveUp, RecursionError, KeyError):
        return None
    out = [b"%s %s %s .\n" % (issued.get(s, s), p, issued.get(o, o)) for s, p, o in triples]
    out.sort()
    return b"".join(out)


class _KnownFirst(_Canonicaliser):
    """The algorithm for a graph whose blank nodes' first-degree hashes are known."""

    def __init__(self, triples: Iterable[_Triple], first: Mapping[bytes, bytes]) -> None:
        self.mentions = {}
        self.first_lines = {}
        for triple in triples:
            s, _, o = triple
            if s[:1] == b"_":
                self.mentions.setdefault(s, []).append(triple)
            if o[:1] == b"_" and o != s:
                self.mentions.setdefault(o, []).append(triple)
        self.known = first
        self.canonical = _Issuer(b"_:c14n")
        self.first = {}
        self.deep_calls = 0

    def _first_degree(self, node: bytes) -> bytes:
        return self.known[node]  # KeyError: not given, the caller's mistake; no labels then
