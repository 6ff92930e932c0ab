"""Node fixtures: one real node per test module (SQLite, and Redis), with credentials per role.

Tests change state only under handles of their own (``new_handle()``), so they can share the
module's node; the example passports are loaded with ``--demo`` semantics.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.config import default_config
from resolver.tiers import Role
from tests.support.node import credential, running_node
from tests.support.redis_server import RedisServer, redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "valid" / "ev-nmc811.jsonld"
EXAMPLE_HANDLE = "88.100.1/BAT-EV-000001"

OPERATOR = "operator-token-1"
OTHER_OPERATOR = "operator-token-elsewhere"
REPAIRER = "legitimate-interest-token"
AUTHORITY = "authority-token"

CREDENTIALS = (
    credential("maker", Role.OPERATOR, OPERATOR, ["88.100.1", "01/09521234"]),
    credential("other-maker", Role.OPERATOR, OTHER_OPERATOR, ["88.200"]),
    credential("repairer", Role.LEGITIMATE_INTEREST, REPAIRER),
    credential("market-surveillance", Role.AUTHORITY, AUTHORITY),
)

_counter = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_handle() -> str:
    """A handle under the node's prefix that no other test uses."""
    return f"88.100.1/T-{uuid.uuid4().hex[:10].upper()}-{next(_counter)}"


def passport(handle: str, **replace: str) -> bytes:
    """The example passport re-identified as ``handle`` (and any literal text replaced)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace(EXAMPLE_HANDLE, handle)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode("utf-8")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "redis"])
async def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningNode]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        store = f"{server.url}?namespace=node-{uuid.uuid4().hex[:8]}"
    else:
        store = f"sqlite:///{tmp_path_factory.mktemp('node')}/passports.sqlite3"
    config = default_config(store=store, credentials=CREDENTIALS, workers=1, chain=("local",))
    async with running_node(config, demo=True) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # No keep-alive: each request closes its connection, so closing the session waits for no
    # connection of the module's node (a CI run once hung in this fixture's teardown).
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session
