"""The columnar evaluator: aggregate queries (``resolver.sparql.plan``) answered from a tier's
columns (``resolver.sparql.columns``) with array joins, beside pyoxigraph.

``answer`` returns None for anything it does not take, and for anything whose answer it could
not give exactly as pyoxigraph would (a tie ORDER BY does not break, more than one row with no
ORDER BY, a MIN over strings, a number out of range...): pyoxigraph then answers the query.

The joins: the pattern with the fewest triples first, then each pattern that shares a variable
with what is bound, looked up by binary search in the predicate's pairs (sorted by subject; by
object through a sort kept with the column). A pattern that shares no variable (a cross
product) is left to pyoxigraph.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyoxigraph

from resolver.sparql import numbers, results
from resolver.sparql.columns import SHIFT, Column, Ids, Terms, TierColumns
from resolver.sparql.errors import QueryTimeout, ResultTooLarge
from resolver.sparql.evaluate import Answer, timeout_text
from resolver.sparql.guard import keywords
from resolver.sparql.plan import Aggregate, Plan, TriplePattern, is_variable, plan

__all__ = ["Fallback", "answer", "solve"]

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
Row = list[Term | None]
Table = dict[str, Ids]
Mask = npt.NDArray[np.bool_]
_AGGREGATE_WORDS = {"GROUP", "COUNT", "SUM", "AVG", "MIN", "MAX"}
# Words of no query of the subset: such a query is not parsed here (rdflib's parser takes
# about 100 ms of CPU a query; a plan is cached by the query's text).
_OUTSIDE = {
    "ASK", "BIND", "CONSTRUCT", "DESCRIBE", "EXISTS", "FILTER", "FROM", "GRAPH",
    "HAVING", "MINUS", "NOT", "OPTIONAL", "REDUCED", "SERVICE", "UNION", "VALUES",
}  # fmt: skip
MAX_ROWS = 50_000_000  # solutions of the pattern past which pyoxigraph answers instead
_XSD_INTEGER = pyoxigraph.NamedNode(numbers.NAMES[numbers.INTEGER])


class Fallback(Exception):
    """This query's answer is left to pyoxigraph (why: the message)."""


def answer(
    columns: TierColumns,
    text: str,
    media_type: str,
    *,
    max_results: int,
    deadline: float,
    timeout: float,
    clock: Callable[[], float],
) -> Answer | None:
    """The answer to ``text`` from ``columns``, or None (pyoxigraph answers)."""
    words = keywords(text)
    if "SELECT" not in words or not _AGGREGATE_WORDS.intersection(words) or _OUTSIDE.intersection(words):
        return None
    found = plan(text)
    if found is None:
        return None
    held = columns.ready(found.predicates)
    if held is None:
        return None  # a column is being read
    try:
        rows = solve(found, held, columns.terms)
    except (Fallback, numbers.OutOfRange):
        return None
    if len(rows) > max_results:
        raise ResultTooLarge(
            f"the answer has more than {max_results} results; narrow the query or use LIMIT",
            limit=max_results,
        )
    if clock() > deadline:
        raise QueryTimeout(timeout_text(timeout), limit_seconds=timeout)
    variables = [v[1:] for v in found.projection]
    return Answer(results.write_solutions(media_type, variables, rows), media_type, len(rows), "columnar")


def solve(found: Plan, held: dict[str, Column], terms: Terms) -> list[Row]:
    """The rows of ``found`` over the columns ``held`` (Fallback: left to pyoxigraph)."""
    table, size = _join(found.patterns, held, terms)
    inverse, keys, count = _groups(table, size, found.group)
    values: dict[str, list[Term | None]] = {}
    for var, ids in keys.items():
        values[var] = [term_of(terms.term(int(i))) for i in ids]
    for aggregate in found.aggregates:
        values[aggregate.output] = _aggregate(aggregate, table, inverse, count, terms)
    rows = [[values[v][g] for v in found.projection] for g in range(count)]
    rows = _ordered(rows, found)
    end = None if found.limit is None else found.offset + found.limit
    return rows[found.offset : end]


def _join(patterns: tuple[TriplePattern, ...], held: dict[str, Column], terms: Terms) -> tuple[Table, int]:
    left = list(patterns)
    sizes = {p: _estimate(p, held[p.p], terms) for p in left}
    first = min(left, key=lambda p: sizes[p])
    left.remove(first)
    table = _relation(first, held[first.p], terms)
    size = _rows(table, first, held[first.p], terms)
    while left:
        bound = set(table)
        joined = [p for p in left if {p.s, p.o} & bound]
        if not joined:
            raise Fallback("a cross product")
        nxt = min(joined, key=lambda p: (p.s not in bound, sizes[p]))
        left.remove(nxt)
        table, size = _extend(table, size, nxt, held[nxt.p], terms)
        if size > MAX_ROWS:
            raise Fallback("too many solutions")
    return table, size


def _estimate(pattern: TriplePattern, column: Column, terms: Terms) -> int:
    if not is_variable(pattern.s) or not is_variable(pattern.o):
        return _rows(_relation(pattern, column, terms), pattern, column, terms)
    return len(column)


def _rows(table: Table, pattern: TriplePattern, column: Column, terms: Terms) -> int:
    if table:
        return int(next(iter(table.values())).size)
    s, _ = _filtered(pattern, column, terms)  # no variable: 0 or 1 triple
    return int(s.size)


def _filtered(pattern: TriplePattern, column: Column, terms: Terms) -> tuple[Ids, Ids]:
    """The pattern's pairs, its constants applied, sorted by subject."""
    s, o = column.s, column.o
    if not is_variable(pattern.s):
        sid = terms.find(pattern.s)
        if sid is None:
            return s[:0], o[:0]
        lo, hi = np.searchsorted(s, sid, "left"), np.searchsorted(s, sid, "right")
        s, o = s[lo:hi], o[lo:hi]
    if not is_variable(pattern.o):
        oid = terms.find(pattern.o)
        keep = o == (-1 if oid is None else oid)
        s, o = s[keep], o[keep]
    if is_variable(pattern.s) and pattern.s == pattern.o:
        keep = s == o
        s, o = s[keep], o[keep]
    return s, o


def _relation(pattern: TriplePattern, column: Column, terms: Terms) -> Table:
    s, o = _filtered(pattern, column, terms)
    table: Table = {}
    if is_variable(pattern.s):
        table[pattern.s] = s
    if is_variable(pattern.o):
        table[pattern.o] = o
    return table


def _extend(
    table: Table, size: int, pattern: TriplePattern, column: Column, terms: Terms
) -> tuple[Table, int]:
    """``table`` joined with ``pattern``'s pairs (it shares a variable with it)."""
    s_in, o_in = pattern.s in table, pattern.o in table
    if s_in and o_in:
        return _keep(table, _member(column.keys, (table[pattern.s] << SHIFT) | table[pattern.o]))
    s, o = _filtered(pattern, column, terms)
    if s_in and not is_variable(pattern.o):
        return _keep(table, _member(s, table[pattern.s]))  # sorted, one pair per subject
    if o_in and not is_variable(pattern.s):
        return _keep(table, _member(np.sort(o), table[pattern.o]))
    if s_in:
        return _expand(table, size, s, table[pattern.s], {pattern.o: o})
    order = column.by_object() if o is column.o else np.argsort(o, kind="stable")
    return _expand(table, size, o[order], table[pattern.o], {pattern.s: s[order]})


def _member(keys: Ids, probe: Ids) -> Mask:
    """Which of ``probe`` the sorted ``keys`` hold."""
    if not keys.size or not probe.size:
        return np.zeros(probe.size, dtype=np.bool_)
    at = np.minimum(np.searchsorted(keys, probe), keys.size - 1)
    found: Mask = keys[at] == probe
    return found


def _keep(table: Table, keep: Mask) -> tuple[Table, int]:
    return {v: a[keep] for v, a in table.items()}, int(np.count_nonzero(keep))


def _expand(
    table: Table, size: int, sorted_keys: Ids, probe: Ids, payload: dict[str, Ids]
) -> tuple[Table, int]:
    """Each row of ``table`` once per pair whose key (``sorted_keys``) equals its ``probe``."""
    lo = np.searchsorted(sorted_keys, probe, "left")
    hi = np.searchsorted(sorted_keys, probe, "right")
    counts = hi - lo
    total = int(counts.sum())
    if total > MAX_ROWS:
        raise Fallback("too many solutions")
    rows = np.repeat(np.arange(size, dtype=np.int64), counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    picked = starts + np.arange(total, dtype=np.int64)
    out = {v: a[rows] for v, a in table.items()}
    for var, ids in payload.items():
        out[var] = ids[picked]
    return out, total


def _groups(table: Table, size: int, group: tuple[str, ...]) -> tuple[Ids, dict[str, Ids], int]:
    """Each row's group number, each group variable's id per group, and the number of groups
    (one group of every row without GROUP BY, even of none)."""
    if not group:
        return np.zeros(size, dtype=np.int64), {}, 1
    if size == 0:
        return np.zeros(0, dtype=np.int64), {v: np.zeros(0, dtype=np.int64) for v in group}, 0
    combined = np.zeros(size, dtype=np.int64)
    for var in group:
        distinct, inverse = np.unique(table[var], return_inverse=True)
        combined = combined * distinct.size + inverse.reshape(-1)
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    keys = {var: table[var][first] for var in group}
    return inverse.reshape(-1).astype(np.int64), keys, int(first.size)


def _aggregate(
    aggregate: Aggregate, table: Table, inverse: Ids, count: int, terms: Terms
) -> list[Term | None]:
    if aggregate.distinct:  # COUNT(DISTINCT ?v): each group's distinct terms (ids)
        assert aggregate.variable is not None
        pairs = np.unique((inverse << SHIFT) | table[aggregate.variable])
        counts = np.bincount(pairs >> SHIFT, minlength=count)
    else:
        counts = np.bincount(inverse, minlength=count)
    if aggregate.function == "count":
        return [pyoxigraph.Literal(str(int(n)), datatype=_XSD_INTEGER) for n in counts[:count]]
    assert aggregate.variable is not None
    per_group = _values(table[aggregate.variable], inverse, count, terms)
    if aggregate.function in ("sum", "avg"):
        compute = numbers.total if aggregate.function == "sum" else numbers.average
        return [_number(compute(group)) if group is not None else None for group in per_group]
    return [_extreme(group, aggregate.function == "max") for group in per_group]


Valued = list[tuple[numbers.Number, int]]


def _values(ids: Ids, inverse: Ids, count: int, terms: Terms) -> list[Valued | None]:
    """Per group: each distinct value with how many times it occurs (None: a value that is
    not a number, which makes SUM and AVG an error)."""
    out: list[Valued | None] = [[] for _ in range(count)]
    if ids.size == 0:
        return out
    pairs, times = np.unique((inverse << SHIFT) | ids, return_counts=True)
    read: dict[int, numbers.Number | None] = {}
    for pair, n in zip(pairs.tolist(), times.tolist(), strict=True):
        group, ident = pair >> SHIFT, pair & ((1 << SHIFT) - 1)
        if ident not in read:
            read[ident] = numbers.read_number(terms.term(ident))
        number, bucket = read[ident], out[group]
        if bucket is None:
            continue
        if number is None:
            out[group] = None
        else:
            bucket.append((number, n))
    return out


def _number(number: numbers.Number) -> Term:
    lexical, datatype = numbers.write(number)
    return pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(datatype))


def _extreme(group: Valued | None, largest: bool) -> Term | None:
    if group is None:
        raise Fallback("MIN or MAX over values that are not all numbers")
    if not group:
        return None
    # Against a double, pyoxigraph compares as doubles; else exactly.
    doubles = any(kind == numbers.DOUBLE for (kind, _), _ in group)
    keyed = [(float(v) if doubles else v, (kind, v)) for (kind, v), _ in group]
    best = max(k for k, _ in keyed) if largest else min(k for k, _ in keyed)
    at_best = {number for k, number in keyed if k == best}
    if len(at_best) > 1:
        raise Fallback("MIN or MAX tied between two different literals")
    return _number(at_best.pop())


def _ordered(rows: list[Row], found: Plan) -> list[Row]:
    if not found.order:
        if len(rows) > 1:
            raise Fallback("more than one row and no ORDER BY: the order is pyoxigraph's own")
        return rows
    at = [found.projection.index(v) for v, _ in found.order]
    descending = [d for _, d in found.order]

    def compare(a: Row, b: Row) -> int:
        for i, down in zip(at, descending, strict=True):
            c = compare_terms(a[i], b[i])
            if c:
                return -c if down else c
        if a != b:
            raise Fallback("ORDER BY leaves a tie between different rows")
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


def compare_terms(a: Term | None, b: Term | None) -> int:
    """SPARQL's ORDER BY for the terms the evaluator gives (Fallback where it is not sure)."""
    ka, kb = _category(a), _category(b)
    if ka != kb:
        return -1 if ka < kb else 1
    if a is None or b is None:
        return 0
    if isinstance(a, pyoxigraph.NamedNode) and isinstance(b, pyoxigraph.NamedNode):
        return (a.value > b.value) - (a.value < b.value)
    if isinstance(a, pyoxigraph.Literal) and isinstance(b, pyoxigraph.Literal):
        na, nb = numbers.read_number(str(a)), numbers.read_number(str(b))
        if na is not None and nb is not None:
            if numbers.DOUBLE in (na[0], nb[0]):  # pyoxigraph compares as doubles
                x, y = float(na[1]), float(nb[1])
                if x == y and na != nb:
                    raise Fallback("a double tied with another number")
                return (x > y) - (x < y)
            return (na[1] > nb[1]) - (na[1] < nb[1])
        if _simple(a) and _simple(b):
            return (a.value > b.value) - (a.value < b.value)
    raise Fallback("an order between these terms")


def _category(term: Term | None) -> int:
    if term is None:
        return 0
    if isinstance(term, pyoxigraph.BlankNode):
        return 1
    return 2 if isinstance(term, pyoxigraph.NamedNode) else 3


def _simple(term: pyoxigraph.Literal) -> bool:
    return term.language is None and term.datatype.value == "http://www.w3.org/2001/XMLSchema#string"


@functools.lru_cache(maxsize=65_536)
def term_of(text: str) -> Term:
    """A term from its N-Triples text."""
    if text.startswith("<") and text.endswith(">"):
        return pyoxigraph.NamedNode(text[1:-1])
    if text.startswith("_:"):
        return pyoxigraph.BlankNode(text[2:])
    triple = next(
        iter(
            pyoxigraph.parse(f"<urn:x:s> <urn:x:p> {text} .".encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
        )
    )
    found = triple.object
    assert isinstance(found, pyoxigraph.Literal)
    return found
