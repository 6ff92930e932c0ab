"""Two OS processes of one node share the federation cache through a real Redis."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.federation import get, node, passport_requests
from tests.support.node import NodeProcess
from tests.support.waiting import federation_cache_key, until_redis_has

_HANDLE = "88.3/BAT-P-1"


def _config(tmp_path: Path, peer_url: str, redis_url: str) -> Path:
    path = tmp_path / "a.toml"
    path.write_text(
        f"""
node_id = "a"
prefixes = ["21.11101"]
store = "sqlite:///{tmp_path}/a.sqlite3"
redis = "{redis_url}"
workers = 1

[federation]
unpinned = "cache"  # b's key is not pinned here: its answers are cached, labelled

[[federation.peers]]
id = "b"
base_urls = ["{peer_url}"]
insecure = true
prefixes = ["88.3"]

# Nothing here asks /sparql: no index process for either node process (~1.3 CPU-s each).
[sparql]
enabled = false
"""
    )
    return path


async def test_what_one_process_fetched_another_process_of_the_node_answers_from_redis(
    tmp_path: Path, redis_url: str
) -> None:
    async with (
        node(tmp_path, "b", ["88.3"], passports=[_HANDLE]) as b,
        aiohttp.ClientSession() as session,
    ):
        config = _config(tmp_path, b.url, redis_url)
        async with (
            NodeProcess("--config", str(config), cwd=tmp_path, forked=True) as first,
            NodeProcess("--config", str(config), cwd=tmp_path, forked=True) as second,
        ):
            status, headers, body = await get(session, f"{first.url}/{_HANDLE}")
            assert status == 200 and headers["Passport-Source"] == "peer:b"
            asked = await passport_requests(session, b.url)
            await until_redis_has(redis_url, federation_cache_key(_HANDLE))  # written off the answer's path
            status, headers, again = await get(session, f"{second.url}/{_HANDLE}")
            assert status == 200 and headers["Passport-Source"] == "cache" and again == body
            assert await passport_requests(session, b.url) == asked
