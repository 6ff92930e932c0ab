"""The aggregate queries the columnar evaluator takes, read from rdflib's SPARQL algebra.

``plan(text)`` gives a ``Plan`` for a query of the subset, or None (pyoxigraph answers it):

- a SELECT with no dataset clause (``FROM``), no ``GRAPH``, ``SERVICE``, ``OPTIONAL``, ``UNION``,
  ``FILTER``, ``BIND``, ``VALUES``, ``HAVING``, ``DISTINCT`` or ``REDUCED``;
- its pattern one basic graph pattern: triple patterns whose predicate is an IRI or a sequence
  path of IRIs (``a/b/c``), subject and object variables, blank nodes, IRIs or plain strings;
- ``GROUP BY`` variables of the pattern (or none), and the aggregates ``COUNT(*)``,
  ``COUNT(?v)``, ``COUNT(DISTINCT ?v)``, ``SUM``, ``AVG``, ``MIN`` and ``MAX`` of a variable of
  the pattern (no other ``DISTINCT``);
- the projection only group variables and aggregates; ``ORDER BY`` only projected variables;
  ``LIMIT`` and ``OFFSET``.

Anything else is None: the query goes to pyoxigraph unchanged.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pyoxigraph
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.paths import SequencePath

__all__ = ["Aggregate", "Plan", "TriplePattern", "plan"]

AGGREGATES = {
    "Aggregate_Count": "count",
    "Aggregate_Sum": "sum",
    "Aggregate_Avg": "avg",
    "Aggregate_Min": "min",
    "Aggregate_Max": "max",
}


class Unsupported(Exception):
    """The query is outside the subset (pyoxigraph answers it)."""


@dataclass(frozen=True, slots=True)
class TriplePattern:
    """Subject and object: a variable name (``?x``) or a term's N-Triples text; predicate an IRI."""

    s: str
    p: str
    o: str


@dataclass(frozen=True, slots=True)
class Aggregate:
    function: str  # count, sum, avg, min, max
    variable: str | None  # None: COUNT(*)
    output: str
    distinct: bool = False  # COUNT(DISTINCT ?v): distinct terms (sameTerm), the only DISTINCT taken


@dataclass(frozen=True, slots=True)
class Plan:
    patterns: tuple[TriplePattern, ...]
    group: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]
    projection: tuple[str, ...]
    order: tuple[tuple[str, bool], ...]  # (variable, descending)
    offset: int
    limit: int | None

    @property
    def predicates(self) -> set[str]:
        return {p.p for p in self.patterns}


def is_variable(slot: str) -> bool:
    return slot.startswith("?")


@functools.lru_cache(maxsize=256)
def plan(text: str) -> Plan | None:
    """The query's plan, or None when it is outside the subset or does not parse here."""
    # Imported on the first plan (~0.25 CPU-s): an index process that is never asked an
    # aggregate query (columnar.answer's keyword check) starts without rdflib's SPARQL.
    from rdflib.plugins.sparql import algebra, parser

    try:
        query = algebra.translateQuery(parser.parseQuery(text))
        return _select(query.algebra)
    except Unsupported:
        return None
    except Exception:  # rdflib refuses it: pyoxigraph answers (and says why)
        return None


def _select(node: Any) -> Plan:
    if node.name != "SelectQuery" or node.get("datasetClause"):
        raise Unsupported("not a SELECT over the default graph")
    offset, limit = 0, None
    inner = node.p
    if inner.name == "Slice":
        offset, limit = int(inner.start or 0), (None if inner.length is None else int(inner.length))
        inner = inner.p
    if inner.name != "Project":
        raise Unsupported(inner.name)
    projection = tuple(_var(v) for v in inner.PV)
    inner = inner.p
    order: tuple[tuple[str, bool], ...] = ()
    if inner.name == "OrderBy":
        order = tuple(_order(c) for c in inner.expr)
        inner = inner.p
    outputs: dict[str, str] = {}  # projected name -> aggregate result name
    while inner.name == "Extend":
        if not isinstance(inner.expr, Variable):
            raise Unsupported("an expression in the projection")
        outputs[_var(inner.var)] = _var(inner.expr)
        inner = inner.p
    if inner.name != "AggregateJoin" or inner.p.name != "Group" or inner.p.p.name != "BGP":
        raise Unsupported("not a grouped basic graph pattern")
    group = tuple(_var(v) if isinstance(v, Variable) else _bad() for v in (inner.p.expr or []))
    patterns = _patterns(inner.p.p.triples)
    aggregates = _aggregates(inner.A, outputs, group)
    return _checked(Plan(patterns, group, aggregates, projection, order, offset, limit))


def _checked(found: Plan) -> Plan:
    bound = {slot for p in found.patterns for slot in (p.s, p.o) if is_variable(slot)}
    named = set(found.group) | {a.output for a in found.aggregates}
    if not set(found.group) <= bound:
        raise Unsupported("a group variable the pattern does not bind")
    if any(a.variable is not None and a.variable not in bound for a in found.aggregates):
        raise Unsupported("an aggregate of a variable the pattern does not bind")
    if not set(found.projection) <= named or not {v for v, _ in found.order} <= set(found.projection):
        raise Unsupported("a projected or ordered variable that is neither grouped nor aggregated")
    if not found.aggregates and not found.group:
        raise Unsupported("no aggregate")
    return found


def _aggregates(specs: list[Any], outputs: dict[str, str], group: tuple[str, ...]) -> tuple[Aggregate, ...]:
    by_result: dict[str, Aggregate | None] = {}
    for spec in specs:
        result = _var(spec.res)
        if spec.name == "Aggregate_Sample" and _var(spec.vars) in group:
            by_result[result] = None  # a group variable, projected
            continue
        distinct = bool(spec.get("distinct"))
        if spec.name not in AGGREGATES or (distinct and (spec.name != "Aggregate_Count" or spec.vars == "*")):
            raise Unsupported(spec.name)
        variable = None if spec.vars == "*" else _var(spec.vars)
        by_result[result] = Aggregate(AGGREGATES[spec.name], variable, result, distinct)
    found: list[Aggregate] = []
    for name, result in outputs.items():
        if result not in by_result:
            raise Unsupported("a projected expression")
        aggregate = by_result[result]
        if aggregate is None:
            if name not in group or _sampled(specs, result) != name:
                raise Unsupported("a group variable projected under another name")
            continue
        found.append(Aggregate(aggregate.function, aggregate.variable, name, aggregate.distinct))
    return tuple(found)


def _sampled(specs: list[Any], result: str) -> str:
    return next(_var(s.vars) for s in specs if _var(s.res) == result)


def _patterns(triples: list[tuple[Any, Any, Any]]) -> tuple[TriplePattern, ...]:
    out: list[TriplePattern] = []
    for n, (s, p, o) in enumerate(triples):
        steps = p.args if isinstance(p, SequencePath) else [p]
        if not all(isinstance(step, URIRef) for step in steps):
            raise Unsupported("a predicate that is not an IRI or a sequence of IRIs")
        subject = _slot(s)
        for k, step in enumerate(steps):
            last = k == len(steps) - 1
            obj = _slot(o) if last else f"?-p{n}_{k}"
            out.append(TriplePattern(subject, str(pyoxigraph.NamedNode(str(step))), obj))
            subject = obj
    return tuple(out)


def _slot(term: Any) -> str:
    if isinstance(term, Variable):
        return _var(term)
    if isinstance(term, BNode):
        return f"?-b{term}"
    if isinstance(term, URIRef):
        return str(pyoxigraph.NamedNode(str(term)))
    if isinstance(term, Literal) and term.language is None and term.datatype in (None, XSD.string):
        return str(pyoxigraph.Literal(str(term)))
    raise Unsupported(f"a term of the pattern: {term!r}")


def _order(condition: Any) -> tuple[str, bool]:
    if isinstance(condition, Variable):
        return _var(condition), False
    if getattr(condition, "name", "") == "OrderCondition" and isinstance(condition.expr, Variable):
        return _var(condition.expr), condition.order == "DESC"
    raise Unsupported("ORDER BY an expression")


def _var(term: Any) -> str:
    if not isinstance(term, Variable):
        raise Unsupported(f"not a variable: {term!r}")
    return f"?{term}"


def _bad() -> str:
    raise Unsupported("GROUP BY an expression")
