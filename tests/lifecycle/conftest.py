"""A node with the lifecycle part, registered as app.py registers it, on SQLite and on Redis.

The app is built like ``create_app``'s: the lifecycle routes go before the passport route and
its lifetime hook after the node context's. The node's clock is a ``FakeClock`` tests move.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from resolver.app import load_examples
from resolver.config import NodeConfig, default_config
from resolver.context import NodeContext, open_context
from resolver.http.problems import add_unmatched_route, guarded
from resolver.lifecycle import Lifecycle, LifecycleSettings
from resolver.metrics import Metrics
from resolver.tiers import Role
from tests.support.node import credential
from tests.support.redis_server import RedisServer, redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_HANDLE = "88.100.1/BAT-EV-000001"
EVENTS_DIR = REPO / "tests" / "lifecycle" / "data"

OPERATOR = "lc-operator"
OTHER_OPERATOR = "lc-other-operator"
REPAIRER = "lc-repairer"
GATEWAY = "lc-fleet-gateway"
OTHER_GATEWAY = "lc-other-gateway"

CREDENTIALS = (
    credential("maker", Role.OPERATOR, OPERATOR, ["88.100.1"]),
    credential("other-maker", Role.OPERATOR, OTHER_OPERATOR, ["88.200"]),
    credential("repairer", Role.LEGITIMATE_INTEREST, REPAIRER),
    credential("fleet-gateway", Role.DATA_PROVIDER, GATEWAY, ["88.100.1"]),
    credential("other-gateway", Role.DATA_PROVIDER, OTHER_GATEWAY, ["88.200"]),
)

CONTEXT = web.AppKey("lc-test-context", NodeContext)


class FakeClock:
    """The node's clock in tests: seconds since the epoch, set and moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso).timestamp()


class FakeSleep:
    """The wait between delivery attempts: recorded, not waited (the test moves no real time)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class LifecycleNode:
    url: str
    lifecycle: Lifecycle
    clock: FakeClock
    app: web.Application
    sleep: FakeSleep

    @property
    def ctx(self) -> NodeContext:
        return self.app[CONTEXT]

    async def new_passport(self, source: str = EXAMPLE_HANDLE) -> str:
        """A fresh passport (the example's views under a new handle) that no other test uses."""
        handle = f"88.100.1/LC-{uuid.uuid4().hex[:10].upper()}"
        record = await self.ctx.store.get(source)
        assert record is not None
        await self.ctx.store.put(handle, record.views, expected_version=0)
        return handle


def build_app(config: NodeConfig, lifecycle: Lifecycle, metrics: Metrics) -> web.Application:
    app = web.Application()

    async def node_lifetime(app: web.Application) -> AsyncIterator[None]:
        async with open_context(config, metrics=metrics) as ctx:
            assert ctx.validator_starting is not None
            await ctx.validator_starting
            await load_examples(ctx.store, ctx.validator, config)
            app[CONTEXT] = ctx
            yield

    app.cleanup_ctx.append(node_lifetime)
    app.cleanup_ctx.append(lifecycle.lifetime(lambda: app[CONTEXT]))

    def resource(path: str, name: str, **methods: Any) -> None:
        added = app.router.add_resource(path, name=name)
        for method, (handler, label) in methods.items():
            added.add_route(method, guarded(handler, label, metrics))

    lifecycle.add_routes(resource)
    add_unmatched_route(app.router, metrics)
    return app


@contextlib.asynccontextmanager
async def lifecycle_node(
    store: str, *, clock: FakeClock, settings: LifecycleSettings | None = None, node_id: str = "local"
) -> AsyncIterator[LifecycleNode]:
    config = default_config(
        store=store, credentials=CREDENTIALS, workers=1, chain=("local",), node_id=node_id
    )
    sleep = FakeSleep()
    # A jitter of 0.5 makes each backoff exactly 0.75 of its ceiling, so tests can check it.
    lifecycle = Lifecycle(settings, clock=clock, sleep=sleep, jitter=lambda: 0.5)
    app = build_app(config, lifecycle, Metrics())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield LifecycleNode(f"http://127.0.0.1:{port}", lifecycle, clock, app, sleep)
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(datetime.fromisoformat("2026-11-30T12:00:00+00:00").timestamp())


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "redis"])
async def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: FakeClock
) -> AsyncIterator[LifecycleNode]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        store = f"{server.url}?namespace=lc-{uuid.uuid4().hex[:8]}"
    else:
        store = f"sqlite:///{tmp_path_factory.mktemp('lc')}/passports.sqlite3"
    async with lifecycle_node(store, clock=clock) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
