"""The operator link store, on SQLite (a sibling file of the passport store) and on a real
redis-server: what is put is read back per key, in the order asked, and deletes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.gs1.linkstore import LinkStore, open_link_store
from resolver.gs1.operator_links import dump_links, load_links, parse_links
from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

BODY = (
    b'{"links": [{"linkType": "gs1:instructions", "href": "https://maker.example/m.pdf",'
    b' "title": "Manual", "type": "application/pdf", "hreflang": ["en", "de-CH"]}]}'
)


async def _round_trip(store: LinkStore) -> None:
    stored = dump_links(parse_links(BODY))
    assert await store.get_many(["01/1", "01/2"]) == [None, None]
    await store.put("01/2", stored)
    assert await store.get_many(["01/1", "01/2"]) == [None, stored]
    links = load_links((await store.get_many(["01/2"]))[0] or b"")
    assert links["https://gs1.org/voc/instructions"][0]["hreflang"] == ["en", "de-ch"]
    assert await store.delete("01/2") is True
    assert await store.delete("01/2") is False
    assert await store.get_many(["01/2"]) == [None]


async def test_sqlite_link_store_beside_the_passport_store(tmp_path: Path) -> None:
    store = await open_link_store(f"sqlite:///{tmp_path}/passports.sqlite3")
    try:
        await _round_trip(store)
    finally:
        await store.aclose()
    assert (tmp_path / "passports.links.sqlite3").exists()


async def test_redis_link_store_under_the_namespace(redis_url: str) -> None:
    store = await open_link_store(redis_url + "?namespace=t1")
    try:
        await _round_trip(store)
        await store.put("01/3", b"x")
    finally:
        await store.aclose()
    import redis

    with redis.Redis.from_url(redis_url) as client:
        assert client.hkeys("t1:gs1:links") == [b"01/3"]


async def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="no link store for URL scheme 'mem'"):
        await open_link_store("mem://x")
