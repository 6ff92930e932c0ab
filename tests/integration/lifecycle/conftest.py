"""A node with the lifecycle part, started as ``serve`` starts one, on SQLite and on Redis.

The node's clock is a ``FakeClock`` tests move, and delivery's waits a ``FakeSleep`` that
records them; webhooks may go to 127.0.0.1 (the receivers tests start).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from resolver.app import RunningNode, load_examples, start_node
from resolver.config import default_config
from resolver.config.lifecycle import LifecycleSettings
from resolver.lifecycle.part import LifecyclePart, Timing
from resolver.node import Node
from resolver.tiers import Role
from tests.support.node import credential, without_sparql_index
from tests.support.redis_server import RedisServer, redis_server, redis_url
from tests.support.validators import shared_validator

__all__ = ["redis_server", "redis_url"]

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_HANDLE = "88.100.1/BAT-EV-000001"
EVENTS_DIR = REPO / "tests" / "integration" / "lifecycle" / "data"

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
    running: RunningNode
    clock: FakeClock
    sleep: FakeSleep

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def node(self) -> Node:
        return self.running.node

    @property
    def lifecycle(self) -> LifecyclePart:
        assert self.node.lifecycle is not None
        return self.node.lifecycle

    async def new_passport(self, source: str = EXAMPLE_HANDLE) -> str:
        """A fresh passport (the example's views under a new handle) that no other test uses."""
        handle = f"88.100.1/LC-{uuid.uuid4().hex[:10].upper()}"
        record = await self.node.store.get(source)
        assert record is not None
        await self.node.store.put(handle, record.views, expected_version=0)
        return handle


@contextlib.asynccontextmanager
async def lifecycle_node(
    store: str, *, clock: FakeClock, settings: LifecycleSettings | None = None, node_id: str = "local"
) -> AsyncIterator[LifecycleNode]:
    settings = dataclasses.replace(settings or LifecycleSettings(), allowed_webhook_hosts=("127.0.0.1",))
    # A Redis node keeps its keys and SPARQL index under data_dir: a temporary one, not ./var.
    data_dir = tempfile.TemporaryDirectory(prefix="lifecycle-node-")
    config = default_config(
        store=store,
        credentials=CREDENTIALS,
        workers=1,
        chain=("local",),
        node_id=node_id,
        lifecycle=settings,
        data_dir=data_dir.name,
    )
    sleep = FakeSleep()
    # A jitter of 0.5 makes each backoff exactly 0.75 of its ceiling, so tests can check it.
    timing = Timing(sleep=sleep, jitter=lambda: 0.5)
    with data_dir:
        running = await start_node(
            without_sparql_index(config),
            host="127.0.0.1",
            port=0,
            access_log=False,
            clock=clock,
            timing=timing,
            validator=await shared_validator(),
        )
        try:
            await load_examples(running.node.store, running.node.validator, running.config)
            yield LifecycleNode(running, clock, sleep)
        finally:
            await running.stop()


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
