"""``/sparql`` over a store without a whole node: the index and its routes, for tests and tools.

A node opens its index in the composition root (``resolver.node``, with
``resolver.sparql.runtime.open_sparql``) and serves it through the ``/sparql`` route module.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from resolver.http.auth import Authenticator
from resolver.http.sparql import SparqlRoutes
from resolver.sparql.engine import QueryLimits
from resolver.sparql.evaluate import Clock
from resolver.sparql.federated import Federation
from resolver.sparql.follower import IndexFollower
from resolver.sparql.host import IndexProcess
from resolver.sparql.index import GraphIndex
from resolver.sparql.runtime import open_sparql
from resolver.stores.base import Store

__all__ = ["SparqlEndpoint", "sparql_endpoint"]


@dataclass(frozen=True, slots=True)
class SparqlEndpoint:
    """What runs ``/sparql``: its routes and the index feeding them."""

    routes: SparqlRoutes
    follower: IndexFollower
    index: GraphIndex | IndexProcess


class EndpointOptions(TypedDict, total=False):
    """The options of ``open_sparql``, passed through."""

    limits: QueryLimits | None
    history: bool
    poll_interval: float
    clock: Clock
    federation: Federation | None
    process: bool


@contextlib.asynccontextmanager
async def sparql_endpoint(
    store: Store, authenticator: Authenticator, *, directory: Path | str, **options: Unpack[EndpointOptions]
) -> AsyncIterator[SparqlEndpoint]:
    """The ``/sparql`` routes over an index in ``directory`` that follows ``store``
    (``options`` as for ``open_sparql``)."""
    async with open_sparql(store, directory=directory, **options) as sparql:
        routes = SparqlRoutes(sparql.engine, authenticator, ready=sparql.ready, federation=sparql.federation)
        yield SparqlEndpoint(routes, sparql.follower, sparql.index)
