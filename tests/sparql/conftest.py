"""Fixtures for the SPARQL tests: real stores (SQLite, and a real redis-server), the example
passports prepared by the node's own validation, and ``/sparql`` served on 127.0.0.1:0."""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from aiohttp import web

from resolver.http.auth import Authenticator
from resolver.http.problems import add_unmatched_route, guarded
from resolver.http.sparql_endpoint import SparqlEndpoint, sparql_endpoint
from resolver.identifiers import parse_identifier
from resolver.metrics import Metrics
from resolver.sparql.engine import QueryLimits
from resolver.sparql.index import GraphIndex, view_quads
from resolver.stores import Store, open_store
from resolver.tiers import Role, Tier
from resolver.validation import PreparedPassport, prepare_sync
from tests.support.node import credential
from tests.support.redis_server import RedisServer, redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "valid"
LI_TOKEN = "li-secret-token"
AUTHORITY_TOKEN = "authority-secret-token"


@functools.cache
def examples() -> dict[str, PreparedPassport]:
    """Every conforming example passport, by store key, prepared by the node's write path."""
    prepared = {}
    for path in sorted(EXAMPLES.glob("*.jsonld")):
        passport = prepare_sync(path.read_bytes())
        if passport.report.conforms:
            prepared[parse_identifier(passport.iri, case_sensitive=False).key] = passport
    return prepared


@functools.cache
def tier_only(tier: Tier) -> tuple[frozenset[str], frozenset[str]]:
    """Predicates and literal values in the examples' ``tier`` views that no view of the tier
    below shows, in any example."""
    below: tuple[set[str], set[str]] = (set(), set())
    here: tuple[set[str], set[str]] = (set(), set())
    for passport in examples().values():
        for into, view in ((below, passport.views[Tier(tier - 1)]), (here, passport.views[tier])):
            predicates, literals = _terms(view)
            into[0].update(predicates)
            into[1].update(literals)
    return frozenset(here[0] - below[0]), frozenset(here[1] - below[1])


def _terms(view: bytes) -> tuple[set[str], set[str]]:
    _, quads = view_quads(view, lambda iri: iri + "#t")
    predicates = {q.predicate.value for q in quads}
    literals = {q.object.value for q in quads if isinstance(q.object, pyoxigraph.Literal)}
    return predicates, literals


async def put_examples(store: Store) -> dict[str, PreparedPassport]:
    passports = examples()
    for key, passport in passports.items():
        await store.put(key, passport.views)
    return passports


@functools.cache
def _first_opened() -> Path:
    """An index directory as ``GraphIndex.open`` leaves a new one: its stores made, the layout
    recorded, the profile graph loaded into each tier's store. Made once per process."""
    folder = Path(tempfile.mkdtemp(prefix="sparql-index-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    GraphIndex.open(folder / "index").close()
    return folder / "index"


def new_index(directory: Path) -> Path:
    """``directory``, made a copy of a new index (``_first_opened``) unless it exists, for
    ``GraphIndex.open``.

    What a first open writes is the same for every test (~0.3 CPU-s and ~1 s of waits on the
    stores' files, each time): copied, an open only reads it. A first open itself is still made
    here, once, by the index's own code, and by the tests that open an empty directory (the
    rebuild command's, the second opener's)."""
    if not directory.exists():
        shutil.copytree(_first_opened(), directory)
    return directory


@contextlib.asynccontextmanager
async def opened_store(url: str) -> AsyncIterator[Store]:
    opened = await open_store(url)
    try:
        yield opened
    finally:
        await opened.aclose()


def store_url(kind: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """A store of ``kind`` ("sqlite" in ``folder``, or "redis": a namespace of its own on the
    session's redis-server, which is not flushed, so a module-scoped store can use it)."""
    if kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return f"{server.url}?namespace=sparql-{uuid.uuid4().hex[:8]}"
    return f"sqlite:///{folder}/passports.sqlite3"


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    else:
        url = f"sqlite:///{tmp_path}/passports.sqlite3"
    async with opened_store(url) as opened:
        yield opened


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async with opened_store(f"sqlite:///{tmp_path}/passports.sqlite3") as opened:
        yield opened


@dataclass
class Endpoint:
    url: str
    parts: SparqlEndpoint
    store: Store

    async def caught_up(self) -> None:
        """Wait until the index has applied every change the store holds now."""
        await self.parts.follower.catch_up()


@contextlib.asynccontextmanager
async def sparql_server(store: Store, directory: Path, **options: Any) -> AsyncIterator[Endpoint]:
    """``/sparql`` over ``store`` on 127.0.0.1:0, wired as the node's app wires a route; a
    ``directory`` that does not exist yet starts as a new index (``new_index``)."""
    new_index(directory)
    auth = Authenticator(
        [
            credential("recycler", Role.LEGITIMATE_INTEREST, LI_TOKEN),
            credential("regulator", Role.AUTHORITY, AUTHORITY_TOKEN),
        ]
    )
    limits = options.pop("limits", QueryLimits())
    metrics = Metrics()
    async with sparql_endpoint(store, auth, directory=directory, limits=limits, **options) as parts:
        app = web.Application()
        resource = app.router.add_resource("/sparql", name="sparql")
        handler = guarded(parts.routes.query, "sparql", metrics)
        for method in ("GET", "POST"):
            resource.add_route(method, handler)
        add_unmatched_route(app.router, metrics)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        endpoint = Endpoint(f"http://127.0.0.1:{port}/sparql", parts, store)
        try:
            await endpoint.caught_up()
            yield endpoint
        finally:
            await runner.cleanup()
