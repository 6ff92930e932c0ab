"""Store fixtures: every test in this folder runs against SQLite, a real Redis and a real
Redis Cluster (3 masters with 1 replica each, one per session)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from resolver.stores import Store, open_store
from tests.support.redis_cluster import redis_cluster, redis_cluster_url
from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_cluster", "redis_cluster_url", "redis_server", "redis_url"]


@pytest.fixture(params=["sqlite", "sqlite-thread-reads", "redis", "redis-compressed-public", "redis-cluster"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
    elif request.param == "redis-compressed-public":
        url = request.getfixturevalue("redis_url") + "?compress_public_over=0"
    elif request.param == "redis-cluster":
        url = request.getfixturevalue("redis_cluster_url")
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/passports.sqlite3"
    else:
        url = f"sqlite:///{tmp_path}/passports.sqlite3?reads=thread"
    opened = await open_store(url)
    try:
        yield opened
    finally:
        await opened.aclose()
