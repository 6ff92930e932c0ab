"""Public views kept in process follow the store's change feed: writes elsewhere show promptly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.config import default_config
from resolver.stores import open_store
from resolver.validation import prepare_sync
from tests.integration.conftest import CREDENTIALS, new_handle, passport
from tests.support.node import running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _public(http: aiohttp.ClientSession, url: str) -> tuple[int, str, dict[str, object]]:
    async with http.get(url) as response:
        body = await response.read()
        return response.status, response.headers.get("ETag", ""), orjson.loads(body)


async def test_a_write_by_another_process_is_served_within_a_second(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path}/shared.sqlite3"
    handle = new_handle()
    other = await open_store(store_url)  # another writer on the same store, as `import` would be
    try:
        first = prepare_sync(passport(handle))
        await other.put(handle.upper(), first.views, expected_version=0)
        config = default_config(store=store_url, credentials=CREDENTIALS, workers=1, chain=("local",))
        async with running_node(config) as node, aiohttp.ClientSession() as http:
            url = f"{node.url}/{handle}"
            await asyncio.sleep(0.5)  # the node has caught up with the feed: views are kept now
            for _ in range(3):
                status, etag, _ = await _public(http, url)
                assert (status, etag) == (200, '"v1.public.jsonld"')
            second = prepare_sync(
                passport(handle, **{'"manufacturingDate": "2026-03-01"': '"manufacturingDate": "2026-03-02"'})
            )
            await other.put(handle.upper(), second.views, expected_version=1)
            seen = ""
            for _ in range(20):
                await asyncio.sleep(0.1)
                _, seen, document = await _public(http, url)
                if seen == '"v2.public.jsonld"':
                    break
            assert seen == '"v2.public.jsonld"'
            assert document["manufacturingDate"] == "2026-03-02"
            await other.delete(handle.upper(), expected_version=2)
            status = 200
            for _ in range(20):
                await asyncio.sleep(0.1)
                status, _, _ = await _public(http, url)
                if status == 410:
                    break
            assert status == 410
    finally:
        await other.aclose()
