"""Runs a checked query against the store of the caller's tier, within the limits.

The caller's tier picks the store (see ``index``), so the dataset can only narrow what it sees:
``default-graph-uri`` and ``named-graph-uri`` are passed to pyoxigraph explicitly, both lists,
and name only graphs of that store.

Two ways to run a query (``resolver.sparql.evaluate`` either way): in the index process
(``host.IndexProcess``; a query past its limit ends that process, the hard limit), or on
threads of this process over a ``GraphIndex`` opened here (tools and most tests: the limit is
checked while solutions are read, and a single long step runs to its end on its thread).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph

from resolver.sparql import results
from resolver.sparql.errors import QueryTimeout
from resolver.sparql.evaluate import Answer, Clock, DatasetOptions, timeout_text
from resolver.sparql.guard import QueryText
from resolver.sparql.host import GRACE, IndexProcess
from resolver.sparql.index import GraphIndex
from resolver.sparql.querying import run_query
from resolver.sparql.worker import QueryRequest
from resolver.tiers import Tier

__all__ = ["Answer", "Clock", "Dataset", "QueryLimits", "SparqlEngine"]


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


class SparqlEngine:
    """Queries ``index`` for a tier; ``clock`` (threads only) is injected so tests can move time."""

    def __init__(
        self, index: GraphIndex | IndexProcess, limits: QueryLimits, *, clock: Clock = time.monotonic
    ) -> None:
        self.index = index
        self.limits = limits
        self._clock = clock
        self._executor = ThreadPoolExecutor(max_workers=limits.threads, thread_name_prefix="sparql-query")

    @property
    def history(self) -> bool:
        return self.index.history

    async def answer(
        self, query: QueryText, tier: Tier, *, accept: str | None, dataset: Dataset, history: bool = False
    ) -> Answer:
        media_type = results.choose(accept, graph=query.form in ("CONSTRUCT", "DESCRIBE"))
        request = QueryRequest(
            tier,
            history,
            query.text,
            _dataset_options(query, dataset, history=history),
            media_type,
            self.limits.timeout_for(tier),
        )
        if isinstance(self.index, IndexProcess):
            return await self.index.query(request)
        return await self._in_thread(self.index, request)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _in_thread(self, index: GraphIndex, request: QueryRequest) -> Answer:
        timeout = request.timeout
        deadline = self._clock() + timeout
        job = asyncio.get_running_loop().run_in_executor(
            self._executor,
            lambda: run_query(
                index,
                request.tier,
                request.text,
                request.options,
                request.media_type,
                history=request.history,
                max_results=self.limits.max_results,
                deadline=deadline,
                timeout=timeout,
                clock=self._clock,
            ),
        )
        try:
            # The thread checks the deadline itself; this bounds a single long step (an
            # aggregate computes before its first solution). The thread then runs to its end.
            return await asyncio.wait_for(asyncio.shield(job), timeout + GRACE)
        except TimeoutError as err:
            raise QueryTimeout(timeout_text(timeout), limit_seconds=timeout) from err


def _dataset_options(query: QueryText, dataset: Dataset, *, history: bool) -> DatasetOptions:
    if dataset:
        # The protocol's dataset overrides FROM / FROM NAMED (SPARQL 1.1 Protocol, 2.1.4).
        return {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in dataset.default_graphs],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in dataset.named_graphs],
        }
    if query.has_from or not history:
        # The query's own FROM / FROM NAMED, over this tier's store only; without them, the
        # store's default graph, which the index keeps as the union of its views (see index).
        return {}
    return {"use_default_graph_as_union": True}  # the history stores keep no such graph
