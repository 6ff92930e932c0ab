"""The endpoint's lifetime in a node process: open the index, follow the store, close both.

The app registers a ``SparqlRoute`` when it is created and, in its lifetime::

    async with serve_sparql(route, ctx.store, edge.auth, directory=...):
        yield
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resolver.http.auth import Authenticator
from resolver.sparql.engine import Clock, QueryLimits, SparqlEngine
from resolver.sparql.follower import IndexFollower
from resolver.sparql.index import GraphIndex
from resolver.sparql.routes import Federation, SparqlRoute, SparqlRoutes
from resolver.stores.base import Store

__all__ = ["SparqlEndpoint", "serve_sparql", "sparql_endpoint"]

_log = logging.getLogger("resolver.sparql")


@dataclass(frozen=True, slots=True)
class SparqlEndpoint:
    """What runs ``/sparql`` in this process: its routes and the index feeding them."""

    routes: SparqlRoutes
    follower: IndexFollower
    index: GraphIndex


@contextlib.asynccontextmanager
async def sparql_endpoint(
    store: Store,
    authenticator: Authenticator,
    *,
    directory: Path | str,
    limits: QueryLimits | None = None,
    history: bool = False,
    poll_interval: float = 0.02,
    clock: Clock = time.monotonic,
    federation: Federation | None = None,
) -> AsyncIterator[SparqlEndpoint]:
    """The ``/sparql`` routes over an index in ``directory`` that follows ``store``.

    The index resumes from the last sequence it applied; until it has caught up with the
    feed (checked at start), queries get a 503 that says how far it is. ``federation`` (this
    node's id, its peers' ``/sparql`` and the HTTP session) serves ``federated=true``.
    """
    index = GraphIndex.open(directory, history=history)
    follower = IndexFollower(store, index, poll_interval=poll_interval)
    engine = SparqlEngine(index, limits or QueryLimits(), clock=clock)
    _log.info("sparql index in %s: resuming after change %d", directory, follower.applied_seq)

    def ready() -> str:
        if follower.caught_up:
            return ""
        return f"the SPARQL index is catching up with the store (at change {follower.applied_seq})"

    follower.start()
    try:
        yield SparqlEndpoint(
            SparqlRoutes(engine, authenticator, ready=ready, federation=federation), follower, index
        )
    finally:
        await follower.stop()
        engine.close()
        index.close()


@contextlib.asynccontextmanager
async def serve_sparql(
    route: SparqlRoute, store: Store, authenticator: Authenticator, **options: Any
) -> AsyncIterator[SparqlEndpoint | None]:
    """:func:`sparql_endpoint` attached to ``route`` for the app's lifetime.

    An index that cannot be opened (another process holds its directory) is logged, and
    ``/sparql`` answers 503 saying why: the node's other routes do not depend on SPARQL.
    """
    async with contextlib.AsyncExitStack() as stack:
        endpoint: SparqlEndpoint | None = None
        why = ""
        try:
            endpoint = await stack.enter_async_context(sparql_endpoint(store, authenticator, **options))
        except OSError as err:
            why = str(err)
            _log.error("sparql: this process does not serve /sparql: %s", why)
        route.attach(endpoint.routes if endpoint is not None else None, why=why)
        try:
            yield endpoint
        finally:
            route.attach(None)
