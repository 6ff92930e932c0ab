"""Opening stores by URL, reopening them, and what callers see when a store goes away."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.errors import StoreUnavailable
from resolver.stores import open_store
from resolver.stores.redis import RedisStore
from resolver.stores.sqlite import SQLiteStore
from resolver.tiers import Tier
from tests.support.redis_server import RedisServer

H = "88.100.1/BAT-1"


async def test_open_store_picks_the_store_from_the_url(tmp_path: Path, redis_url: str) -> None:
    sqlite = await open_store(f"sqlite:///{tmp_path}/a.sqlite3")
    redis = await open_store(redis_url + "?namespace=other")
    try:
        assert isinstance(sqlite, SQLiteStore) and isinstance(redis, RedisStore)
        assert (tmp_path / "a.sqlite3").exists()
    finally:
        await sqlite.aclose()
        await redis.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "postgres://localhost/x",
        "sqlite://host/x.sqlite3",
        "sqlite:///",
        "sqlite:///x?reads=never",
        "sqlite:///x?y=1",
    ],
)
async def test_open_store_refuses_urls_it_cannot_use(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        await open_store(url)


async def test_sqlite_store_keeps_its_data_across_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/keep.sqlite3"
    store = await open_store(url)
    await store.put(H, {Tier.PUBLIC: b"one"})
    await store.put(H, {Tier.PUBLIC: b"two"})
    await store.aclose()
    again = await open_store(url)
    try:
        view = await again.get_view(H, Tier.PUBLIC)
        assert view is not None and (view.version, view.body) == (2, b"two")
        assert [c.version for c in await again.changes()] == [1, 2]
        assert (await again.put(H, {Tier.PUBLIC: b"three"}, expected_version=2)).version == 3
    finally:
        await again.aclose()


async def test_sqlite_store_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable):
        await open_store(f"sqlite:///{blocker}/store.sqlite3")


async def test_sqlite_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreUnavailable):
        await open_store(f"sqlite:///{junk}")


async def test_closed_sqlite_store_is_unavailable(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path}/c.sqlite3")
    await store.aclose()
    with pytest.raises(StoreUnavailable):
        await store.get(H)
    with pytest.raises(StoreUnavailable):
        await store.get_view(H, Tier.PUBLIC)


async def test_redis_that_does_not_answer_is_unavailable_at_open() -> None:
    server = RedisServer().start()
    url = server.url
    server.stop()
    with pytest.raises(StoreUnavailable) as caught:
        await open_store(url)
    assert caught.value.problem()["status"] == 503


async def test_redis_stopped_mid_use_makes_reads_and_writes_unavailable() -> None:
    with RedisServer() as server:
        store = await open_store(server.url)
        try:
            await store.put(H, {Tier.PUBLIC: b"one"})
            assert (await store.get_view(H, Tier.PUBLIC)) is not None
            server.stop()
            with pytest.raises(StoreUnavailable):
                await store.get_view(H, Tier.PUBLIC)
            with pytest.raises(StoreUnavailable):
                await store.get(H)
            with pytest.raises(StoreUnavailable):
                await store.put(H, {Tier.PUBLIC: b"two"}, expected_version=1)
            with pytest.raises(StoreUnavailable):
                await store.changes()
            with pytest.raises(StoreUnavailable):
                await store.handles()
        finally:
            await store.aclose()
