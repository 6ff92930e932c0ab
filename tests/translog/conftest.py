"""Log fixtures: every log test runs against SQLite and against a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.stores.redis import HotReads
from resolver.translog.base import LogBackend
from resolver.translog.log import TransparencyLog
from resolver.translog.redis import RedisLog
from resolver.translog.sqlite import SQLiteLog
from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

KEY = Ed25519PrivateKey.generate()
KEY_URL = "https://node.example/keys/test"


def sign(data: bytes) -> tuple[str, bytes]:
    return KEY_URL, KEY.sign(data)


class Clock:
    def __init__(self) -> None:
        self.ms = 1_764_500_000_000

    def __call__(self) -> int:
        self.ms += 1000
        return self.ms


@pytest.fixture(params=["sqlite", "redis", "redis-hot"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LogBackend]:
    if request.param == "sqlite":
        opened: LogBackend = await SQLiteLog.open(tmp_path / "log.sqlite3")
        try:
            yield opened
        finally:
            await opened.aclose()
    else:
        url = request.getfixturevalue("redis_url")
        client = aioredis.Redis.from_url(url)
        # "redis-hot": the version index and the proofs' reads over the store's pipelined
        # connection, as a node does.
        hot = HotReads(url, 2.0) if request.param == "redis-hot" else None
        try:
            yield RedisLog(
                client,
                namespace="test-log",
                hot=hot.hget if hot is not None else None,
                reads=hot,
            )
        finally:
            if hot is not None:
                hot.close()
            await client.aclose()


@pytest.fixture
async def log(backend: LogBackend) -> TransparencyLog:
    return await TransparencyLog(backend, signer=sign, clock=Clock()).open()
