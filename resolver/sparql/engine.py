"""Runs a checked query against the store of the caller's tier, within the limits, and writes it.

The caller's tier picks the store (see ``index``), so the dataset can only narrow what it sees:
``default-graph-uri`` and ``named-graph-uri`` are passed to pyoxigraph explicitly, both lists,
and name only graphs of that store. pyoxigraph releases the GIL while it evaluates, so queries
run on threads; the time limit is checked while solutions are read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypedDict, TypeVar

import pyoxigraph

from resolver.errors import InputError, ResolverError
from resolver.sparql import results
from resolver.sparql.errors import QueryTimeout, ResultTooLarge
from resolver.sparql.guard import QueryText
from resolver.sparql.index import GraphIndex
from resolver.tiers import Tier

__all__ = ["Answer", "Clock", "Dataset", "QueryLimits", "SparqlEngine"]

_T = TypeVar("_T")
_R = TypeVar("_R")

Clock = Callable[[], float]
_CHECK_EVERY = 64  # solutions read between two looks at the clock


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Bounds on one query. ``timeout`` in seconds, per tier (a tier not listed: ``timeout``)."""

    timeout: float = 5.0
    tier_timeouts: dict[Tier, float] = field(default_factory=dict)
    max_results: int = 10_000
    max_query_chars: int = 16_384
    per_client: int = 4
    threads: int = 4

    def timeout_for(self, tier: Tier) -> float:
        return self.tier_timeouts.get(tier, self.timeout)


@dataclass(frozen=True, slots=True)
class Dataset:
    """The protocol's ``default-graph-uri`` and ``named-graph-uri`` (empty: the query decides)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    media_type: str
    count: int  # solutions or triples (1 for ASK)


class SparqlEngine:
    """Queries ``index`` for a tier; ``clock`` is injected so tests can move time."""

    def __init__(self, index: GraphIndex, limits: QueryLimits, *, clock: Clock = time.monotonic) -> None:
        self.index = index
        self.limits = limits
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=limits.threads, thread_name_prefix="sparql-query")

    async def answer(
        self, query: QueryText, tier: Tier, *, accept: str | None, dataset: Dataset, history: bool = False
    ) -> Answer:
        media_type = results.choose(accept, graph=query.form in ("CONSTRUCT", "DESCRIBE"))
        try:
            store = self.index.store(tier, history=history)
        except LookupError as err:
            raise InputError("history=true: this node's index keeps no history") from err
        timeout = self.limits.timeout_for(tier)
        deadline = self._clock() + timeout
        job = asyncio.get_running_loop().run_in_executor(
            self._executor, self._run, store, query, dataset, media_type, deadline, timeout
        )
        try:
            # The thread checks the deadline itself; this bounds a single long step (an
            # aggregate computes before its first solution). The thread then runs to its end.
            return await asyncio.wait_for(asyncio.shield(job), timeout + 0.5)
        except TimeoutError as err:
            raise QueryTimeout(_timeout_text(timeout), limit_seconds=timeout) from err

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(
        self,
        store: pyoxigraph.Store,
        query: QueryText,
        dataset: Dataset,
        media_type: str,
        deadline: float,
        timeout: float,
    ) -> Answer:
        try:
            return self._evaluate(store, query, dataset, media_type, deadline, timeout)
        except ResolverError as err:
            failure = err
        # pyoxigraph's result iterators may only be dropped on the thread that made them: the
        # error leaves without the frames it was raised in (and the iterator they hold).
        failure.__traceback__ = failure.__cause__ = failure.__context__ = None
        raise failure

    def _evaluate(
        self,
        store: pyoxigraph.Store,
        query: QueryText,
        dataset: Dataset,
        media_type: str,
        deadline: float,
        timeout: float,
    ) -> Answer:
        try:
            outcome = store.query(query.text, **_dataset_options(query, dataset))
            if isinstance(outcome, pyoxigraph.QueryBoolean):
                return Answer(results.write_boolean(media_type, bool(outcome)), media_type, 1)
            if isinstance(outcome, pyoxigraph.QuerySolutions):
                variables = [v.value for v in outcome.variables]
                rows = self._read(outcome, lambda s: [s[i] for i in range(len(variables))], deadline, timeout)
                return Answer(results.write_solutions(media_type, variables, rows), media_type, len(rows))
            triples = self._read(outcome, lambda t: t, deadline, timeout)
            return Answer(results.write_graph(media_type, triples), media_type, len(triples))
        except SyntaxError as err:
            raise InputError(f"SPARQL syntax error: {err}") from err
        except OSError as err:  # evaluation errors pyoxigraph reports as I/O (e.g. a bad regex)
            raise InputError(f"the query failed: {err}") from err

    def _read(
        self, items: Iterable[_T], convert: Callable[[_T], _R], deadline: float, timeout: float
    ) -> list[_R]:
        limit = self.limits.max_results
        out: list[_R] = []
        for n, item in enumerate(items, start=1):
            if n > limit:
                raise ResultTooLarge(
                    f"the answer has more than {limit} results; narrow the query or use LIMIT", limit=limit
                )
            out.append(convert(item))
            if n % _CHECK_EVERY == 0 and self._clock() > deadline:
                raise QueryTimeout(_timeout_text(timeout), limit_seconds=timeout)
        if self._clock() > deadline:
            raise QueryTimeout(_timeout_text(timeout), limit_seconds=timeout)
        return out


class _DatasetOptions(TypedDict, total=False):
    """The keyword arguments of pyoxigraph's Store.query that choose the dataset."""

    default_graph: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph]
    named_graphs: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode]
    use_default_graph_as_union: bool


def _dataset_options(query: QueryText, dataset: Dataset) -> _DatasetOptions:
    if dataset:
        # The protocol's dataset overrides FROM / FROM NAMED (SPARQL 1.1 Protocol, 2.1.4).
        return {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in dataset.default_graphs],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in dataset.named_graphs],
        }
    if query.has_from:
        return {}  # the query's own FROM / FROM NAMED, over this tier's store only
    return {"use_default_graph_as_union": True}


def _timeout_text(timeout: float) -> str:
    return f"the query ran past the time limit of {timeout:g} s"
