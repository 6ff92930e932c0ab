"""The passport in its graph: which node is the passport, and which triples each tier may see.

A triple is in the view of tier T when its predicate's tier is <= T and its subject is reachable
from the passport through triples of that view. A structural predicate (a quantity's value, a
type) has no tier of its own: it takes the tier at which its subject is reached. So a node
reachable only through restricted predicates is restricted, however the input nested, hoisted
or flattened it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyoxigraph

from resolver.errors import InputError, LostValue
from resolver.tiers import Tier

__all__ = ["PASSPORT_CLASS", "RDF_TYPE", "find_root", "tier_views", "within"]

RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PASSPORT_CLASS = pyoxigraph.NamedNode("https://w3id.org/battery-passport/eu-battery#BatteryPassport")

TierOf = Callable[[str], Tier | None]
Statement = pyoxigraph.Triple | pyoxigraph.Quad  # a quad is read as its (default graph) triple
Subject = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Triple


def find_root(triples: Sequence[Statement], expected_iri: str | None) -> pyoxigraph.NamedNode:
    """The passport's node: the one typed bp:BatteryPassport, else the one named node no other
    node points to. InputError when there is none, several, or not ``expected_iri``."""
    if not triples:
        raise InputError("the document holds no data once read as RDF: are its keys terms of the context?")
    typed = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == PASSPORT_CLASS}
    named = [s for s in typed if isinstance(s, pyoxigraph.NamedNode)]
    if len(named) > 1:
        raise InputError(
            "the document holds several passports; a passport has exactly one battery",
            nodes=sorted(s.value for s in named)[:10],
        )
    root = named[0] if named else _unreferenced(triples)
    if expected_iri is not None and root.value != expected_iri:
        raise InputError(
            f"the passport's @id is {root.value!r}, but it is written to {expected_iri!r}",
            iri=root.value,
            expected=expected_iri,
        )
    return root


def _unreferenced(triples: Sequence[Statement]) -> pyoxigraph.NamedNode:
    subjects = {t.subject for t in triples if isinstance(t.subject, pyoxigraph.NamedNode)}
    if not subjects:
        raise InputError("the passport has no @id: its top node must carry the battery's IRI")
    referenced = {t.object for t in triples if t.subject != t.object}
    roots = [s for s in subjects if s not in referenced]
    if len(roots) != 1:
        raise InputError(
            "the document holds several top-level nodes; a passport has exactly one battery",
            nodes=sorted(s.value for s in (roots or subjects))[:10],
        )
    return roots[0]


def tier_views(
    triples: Sequence[Statement], root: pyoxigraph.NamedNode, tier_of: TierOf
) -> dict[Tier, list[Statement]]:
    """The triples of each tier's view. LostValue if a node is not reachable from the passport
    at all: it would be validated but never served."""
    index: dict[Subject, list[Statement]] = {}
    for triple in triples:
        index.setdefault(triple.subject, []).append(triple)
    own = {p: tier_of(p.value) for p in {t.predicate for t in triples}}
    reach = _reach(index, root, own)
    views: dict[Tier, list[Statement]] = {tier: [] for tier in Tier}
    buckets = [views[tier] for tier in sorted(Tier)]  # by tier value: a triple goes to [its tier:]
    for subject, found in index.items():
        level = reach.get(subject)
        if level is None:
            raise LostValue(
                f"the node {subject} is not linked from the passport {root}: a passport is one "
                "tree of nodes under the battery",
                term=str(subject),
            )
        for triple in found:
            tier = own[triple.predicate]
            effective = level if tier is None or tier < level else tier
            for bucket in buckets[effective:]:
                bucket.append(triple)
    return views


def within(triples: Sequence[Statement], root: pyoxigraph.NamedNode, tier_of: TierOf, tier: Tier) -> bool:
    """Whether ``tier``'s view (:func:`tier_views`) holds every triple, without making the views.

    A triple's tier in the views is the highest of its predicate's and the tiers along its
    path from the passport, which are predicates' tiers too: so every triple is in the view
    exactly when no predicate is above ``tier`` and every node is reachable. LostValue, as
    tier_views, when a node is not reachable at all (a peer's answer is checked on each miss).
    """
    index: dict[object, list[object]] = {}
    for triple in triples:
        index.setdefault(triple.subject, []).append(triple.object)
    seen: set[object] = {root}
    stack: list[object] = [root]
    while stack:
        for obj in index.get(stack.pop(), ()):
            if obj not in seen and obj in index:
                seen.add(obj)
                stack.append(obj)
    for subject in index:
        if subject not in seen:
            raise LostValue(
                f"the node {subject} is not linked from the passport {root}: a passport is one "
                "tree of nodes under the battery",
                term=str(subject),
            )
    for predicate in {t.predicate for t in triples}:
        own = tier_of(predicate.value)
        if own is not None and own > tier:
            return False
    return True


def _reach(
    index: dict[Subject, list[Statement]],
    root: pyoxigraph.NamedNode,
    own: dict[pyoxigraph.NamedNode, Tier | None],
) -> dict[Subject, Tier]:
    """The lowest tier at which each node is reachable from ``root`` (a shortest path where a
    step costs the max of the tiers along it: three buckets, one per tier)."""
    reach: dict[Subject, Tier] = {root: Tier.PUBLIC}
    buckets: dict[Tier, list[Subject]] = {tier: [] for tier in Tier}
    buckets[Tier.PUBLIC].append(root)
    for level in Tier:
        stack = buckets[level]
        while stack:
            subject = stack.pop()
            if reach[subject] != level:
                continue  # reached more openly since it was queued
            for triple in index.get(subject, ()):
                obj = triple.object
                if obj not in index or isinstance(obj, pyoxigraph.Literal):
                    continue
                tier = own[triple.predicate]
                effective = level if tier is None else max(level, tier)
                found = reach.get(obj)
                if found is None or found > effective:
                    reach[obj] = effective
                    buckets[effective].append(obj)
    return reach
