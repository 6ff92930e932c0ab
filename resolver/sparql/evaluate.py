"""One query against one pyoxigraph store, counted, timed and written: what runs on a query
thread, in the node process or in the index process (``resolver.sparql.worker``).

pyoxigraph's result iterators may only be dropped on the thread that made them, so an error
leaves ``evaluate`` without the frames it was raised in (and the iterators they hold).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypedDict, TypeVar

import pyoxigraph

from resolver.errors import InputError, ResolverError
from resolver.sparql import results
from resolver.sparql.errors import QueryTimeout, ResultTooLarge

__all__ = ["Answer", "Clock", "DatasetOptions", "evaluate", "timeout_text"]

_T = TypeVar("_T")
_R = TypeVar("_R")

Clock = Callable[[], float]
_CHECK_EVERY = 64  # solutions read between two looks at the clock


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    media_type: str
    count: int  # solutions or triples (1 for ASK)
    engine: str = "pyoxigraph"  # or "columnar" (resolver.sparql.columnar)


class DatasetOptions(TypedDict, total=False):
    """The keyword arguments of pyoxigraph's Store.query that choose the dataset."""

    default_graph: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph]
    named_graphs: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode]
    use_default_graph_as_union: bool


@dataclass(frozen=True, slots=True)
class _Bounds:
    max_results: int
    deadline: float
    timeout: float
    clock: Clock


def evaluate(
    store: pyoxigraph.Store,
    text: str,
    options: DatasetOptions,
    media_type: str,
    *,
    max_results: int,
    deadline: float,
    timeout: float,
    clock: Clock,
) -> Answer:
    """Run ``text`` on ``store`` and write the answer as ``media_type``; QueryTimeout once
    ``clock()`` passes ``deadline`` while solutions are read, ResultTooLarge past ``max_results``."""
    try:
        return _evaluate(store, text, options, media_type, _Bounds(max_results, deadline, timeout, clock))
    except ResolverError as err:
        failure = err
    failure.__traceback__ = failure.__cause__ = failure.__context__ = None
    raise failure


def timeout_text(timeout: float) -> str:
    return f"the query ran past the time limit of {timeout:g} s"


def _evaluate(
    store: pyoxigraph.Store, text: str, options: DatasetOptions, media_type: str, bounds: _Bounds
) -> Answer:
    try:
        outcome = store.query(text, **options)
        if isinstance(outcome, pyoxigraph.QueryBoolean):
            return Answer(results.write_boolean(media_type, bool(outcome)), media_type, 1)
        if isinstance(outcome, pyoxigraph.QuerySolutions):
            variables = [v.value for v in outcome.variables]
            rows = _read(outcome, lambda s: [s[i] for i in range(len(variables))], bounds)
            return Answer(results.write_solutions(media_type, variables, rows), media_type, len(rows))
        triples = _read(outcome, lambda t: t, bounds)
        return Answer(results.write_graph(media_type, triples), media_type, len(triples))
    except SyntaxError as err:
        raise InputError(f"SPARQL syntax error: {err}") from err
    except OSError as err:  # evaluation errors pyoxigraph reports as I/O (e.g. a bad regex)
        raise InputError(f"the query failed: {err}") from err


def _read(items: Iterable[_T], convert: Callable[[_T], _R], bounds: _Bounds) -> list[_R]:
    limit = bounds.max_results
    out: list[_R] = []
    for n, item in enumerate(items, start=1):
        if n > limit:
            raise ResultTooLarge(
                f"the answer has more than {limit} results; narrow the query or use LIMIT", limit=limit
            )
        out.append(convert(item))
        if n % _CHECK_EVERY == 0 and bounds.clock() > bounds.deadline:
            raise QueryTimeout(timeout_text(bounds.timeout), limit_seconds=bounds.timeout)
    if bounds.clock() > bounds.deadline:
        raise QueryTimeout(timeout_text(bounds.timeout), limit_seconds=bounds.timeout)
    return out
