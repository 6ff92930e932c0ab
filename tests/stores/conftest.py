"""Store fixtures: every test in this folder runs against SQLite and against a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from resolver.stores import Store, open_store
from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]


@pytest.fixture(params=["sqlite", "sqlite-thread-reads", "redis", "redis-compressed-public"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    elif request.param == "redis-compressed-public":
        url = request.getfixturevalue("redis_url") + "?compress_public_over=0"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/passports.sqlite3"
    else:
        url = f"sqlite:///{tmp_path}/passports.sqlite3?reads=thread"
    opened = await open_store(url)
    try:
        yield opened
    finally:
        await opened.aclose()
