"""Each store's durability promise: Redis settings checked at open, writes kept after kill -9."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from resolver.errors import StoreUnavailable
from resolver.stores import open_store
from resolver.stores.sqlite import SQLiteStore
from resolver.tiers import Tier
from tests.support.redis_server import RedisServer


@pytest.mark.parametrize(
    ("fsync", "durability", "refused_because"),
    [
        ("off", "strict", "appendonly no"),
        ("off", "relaxed", "appendonly no"),
        ("everysec", "strict", "appendfsync everysec"),
        ("no", "relaxed", "appendfsync no"),
    ],
)
async def test_redis_that_could_lose_acknowledged_writes_is_refused_at_open(
    fsync: str, durability: str, refused_because: str
) -> None:
    with RedisServer(fsync=fsync) as server, pytest.raises(StoreUnavailable) as caught:
        await open_store(f"{server.url}?durability={durability}")
    assert refused_because in str(caught.value)
    assert "--appendfsync always" in str(caught.value)


@pytest.mark.parametrize(("fsync", "durability"), [("always", "strict"), ("everysec", "relaxed")])
async def test_redis_with_the_settings_a_level_needs_opens(fsync: str, durability: str) -> None:
    with RedisServer(fsync=fsync) as server:
        store = await open_store(f"{server.url}?durability={durability}")
        await store.aclose()


async def test_redis_with_config_renamed_is_checked_through_info_persistence() -> None:
    server = RedisServer()
    server.extra_args = ["--rename-command", "CONFIG", ""]
    with server:
        with pytest.raises(StoreUnavailable) as caught:
            await open_store(server.url)
        assert "CONFIG GET" in str(caught.value)
        store = await open_store(f"{server.url}?durability=relaxed")
        await store.aclose()


async def test_unknown_durability_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="durability"):
        await open_store(f"sqlite:///{tmp_path}/x.sqlite3?durability=sometimes")


async def test_writes_acknowledged_by_redis_survive_kill_9_of_redis() -> None:
    with RedisServer() as server:
        store = await open_store(server.url)
        try:
            acknowledged = await asyncio.gather(
                *(store.put(f"88.100.1/K-{n}", {Tier.PUBLIC: b"%d" % n}) for n in range(200))
            )
            server.kill(hard=True)
            await asyncio.to_thread(server.restart)
            for record in acknowledged:
                view = await store.get_view(record.handle, Tier.PUBLIC)
                assert view is not None and view.version == record.version
            feed = [await store.changes(limit=1000, partition=p) for p in range(store.partitions)]
            assert sum(len(changes) for changes in feed) == 200
        finally:
            await store.aclose()


@pytest.mark.parametrize(("durability", "level"), [("strict", 2), ("relaxed", 1)])
async def test_sqlite_writer_syncs_as_its_durability_says(
    tmp_path: Path, durability: str, level: int
) -> None:
    store = await open_store(f"sqlite:///{tmp_path}/s.sqlite3?durability={durability}")
    try:
        assert isinstance(store, SQLiteStore)
        assert store.pragma("synchronous") == level  # 2 FULL, 1 NORMAL
        assert store.pragma("journal_mode") == "wal"
    finally:
        await store.aclose()
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
