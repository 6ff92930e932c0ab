"""The SPARQL index in a running node: opened, followed and closed by the composition root.

``open_sparql`` opens the index in a directory, starts the follower that feeds it from the
store's change feed, and builds the query engine; it knows nothing of HTTP (the ``/sparql``
route module, ``resolver.http.sparql``, serves what it yields).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from resolver.sparql.engine import Clock, QueryLimits, SparqlEngine
from resolver.sparql.federated import Federation
from resolver.sparql.follower import IndexFollower
from resolver.sparql.host import IndexProcess
from resolver.sparql.index import GraphIndex
from resolver.stores.base import Store

__all__ = ["SparqlIndex", "open_sparql"]

_log = logging.getLogger("resolver.sparql")


@dataclass(frozen=True, eq=False, slots=True)
class SparqlIndex:
    """The index of one node process, the follower feeding it, and the engine querying it."""

    directory: Path
    index: GraphIndex | IndexProcess
    follower: IndexFollower
    engine: SparqlEngine
    federation: Federation | None

    def ready(self) -> str:
        """ "" when the index has caught up with the feed (checked at start), else why not."""
        if self.follower.caught_up:
            return ""
        return f"the SPARQL index is catching up with the store (at change {self.follower.applied_seq})"


@contextlib.asynccontextmanager
async def open_sparql(
    store: Store,
    *,
    directory: Path | str,
    limits: QueryLimits | None = None,
    history: bool = False,
    poll_interval: float = 0.02,
    clock: Clock = time.monotonic,
    federation: Federation | None = None,
    process: bool = False,
) -> AsyncIterator[SparqlIndex]:
    """The index in ``directory`` following ``store``, until exit.

    The index resumes from the last sequence it applied. ``OSError`` when the directory cannot
    be opened (another process holds it: an index has one writer). ``federation`` (this node's
    id, its peers' ``/sparql`` and the HTTP session) serves ``federated=true``. ``process``: the
    index lives in a process of its own (``host.IndexProcess``), ended past a query's limit.
    """
    limits = limits or QueryLimits()
    index: GraphIndex | IndexProcess
    if process:
        index = await asyncio.get_running_loop().run_in_executor(
            None,
            functools.partial(
                IndexProcess,
                directory,
                history=history,
                threads=limits.threads,
                max_results=limits.max_results,
            ),
        )
    else:
        index = GraphIndex.open(directory, history=history)
    follower = IndexFollower(store, index, poll_interval=poll_interval)
    engine = SparqlEngine(index, limits, clock=clock)
    _log.info("sparql index in %s: resuming after change %d", directory, follower.applied_seq)
    follower.start()
    try:
        yield SparqlIndex(Path(directory), index, follower, engine, federation)
    finally:
        await follower.stop()
        engine.close()
        index.close()
