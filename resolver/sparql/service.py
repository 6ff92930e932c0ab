"""The endpoint's lifetime in a node process: open the index, follow the store, close both.

The app registers it with two lines (see ``docs/sparql.md``)::

    async with sparql_endpoint(ctx.store, edge.auth, directory=...) as routes:
        ...  # serve; the route is resource("/sparql", GET=routes.query, POST=routes.query)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from resolver.http.auth import Authenticator
from resolver.sparql.engine import QueryLimits, SparqlEngine
from resolver.sparql.follower import IndexFollower
from resolver.sparql.index import GraphIndex
from resolver.sparql.routes import SparqlRoutes
from resolver.stores.base import Store

__all__ = ["sparql_endpoint"]

_log = logging.getLogger("resolver.sparql")


@contextlib.asynccontextmanager
async def sparql_endpoint(
    store: Store,
    authenticator: Authenticator,
    *,
    directory: Path | str,
    limits: QueryLimits | None = None,
    history: bool = False,
    poll_interval: float = 0.02,
) -> AsyncIterator[SparqlRoutes]:
    """The ``/sparql`` routes over an index in ``directory`` that follows ``store``.

    The index resumes from the last sequence it applied; until it has caught up with the
    feed (checked at start), queries get a 503 that says how far it is.
    """
    index = GraphIndex.open(directory, history=history)
    follower = IndexFollower(store, index, poll_interval=poll_interval)
    engine = SparqlEngine(index, limits or QueryLimits())
    _log.info("sparql index in %s: resuming after change %d", directory, follower.applied_seq)

    def ready() -> str:
        if follower.caught_up:
            return ""
        return f"the SPARQL index is catching up with the store (at change {follower.applied_seq})"

    follower.start()
    try:
        yield SparqlRoutes(engine, authenticator, ready=ready)
    finally:
        await follower.stop()
        engine.close()
        index.close()
