"""Invalidation: the owner's change feed, followed by the nodes that cache its passports
(issue 12, item 3). Two real nodes on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.credentials import Credential
from resolver.tiers import Role
from tests.support.clock import ManualClock
from tests.support.federation import get, node, peer, sha
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

EU_TOKEN = "eu-to-cn"
OPERATOR = "cn-operator"
HANDLE = "88.100/BAT-INV-1"


@dataclass
class Setup:
    cn: RunningNode
    eu: RunningNode
    session: aiohttp.ClientSession


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp: Path = tmp_path_factory.mktemp("invalidation")
    operator = Credential("cn-maker", Role.OPERATOR, sha(OPERATOR), ("88.100",))
    async with contextlib.AsyncExitStack() as stack:
        cn = await stack.enter_async_context(
            node(
                tmp,
                "cn",
                ["88.100"],
                passports=[HANDLE, "88.100/BAT-INV-2"],
                credentials=(operator,),
                federation={
                    "peers": [{"id": "eu", "base_urls": ["https://eu.invalid"], "accept_token": EU_TOKEN}]
                },
            )
        )
        eu = await stack.enter_async_context(
            node(
                tmp,
                "eu",
                ["21.11101"],
                federation={"peers": [peer("cn", cn.url, ["88.100"], token=EU_TOKEN, verify="identity")]},
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Setup(cn, eu, session)


async def test_the_change_feed_is_only_for_peers(setup: Setup) -> None:
    status, _, _ = await get(setup.session, f"{setup.cn.url}/changes")
    assert status == 401
    status, _, _ = await get(setup.session, f"{setup.cn.url}/changes", token=OPERATOR)
    assert status == 403
    status, _, body = await get(setup.session, f"{setup.cn.url}/changes?since=0&wait=0", token=EU_TOKEN)
    feed = orjson.loads(body)
    assert status == 200 and {c["key"] for c in feed["changes"]} >= {HANDLE, "88.100/BAT-INV-2"}
    status, _, body = await get(setup.session, f"{setup.cn.url}/changes", token=EU_TOKEN)
    assert orjson.loads(body) == {"last": feed["last"], "changes": []}


async def test_a_patch_on_the_owner_is_seen_on_the_following_node_within_two_seconds(setup: Setup) -> None:
    url = f"{setup.eu.url}/{HANDLE}"
    status, headers, _ = await get(setup.session, url)
    assert status == 200 and headers["Passport-Source"] == "peer:cn" and headers["Etag"].startswith('"v1.')
    _, headers, _ = await get(setup.session, url)
    assert headers["Passport-Source"] == "cache"  # kept for max-age (300 s) without the feed
    followers = setup.eu.node.followers
    assert followers is not None
    await asyncio.wait_for(followers.followers["cn"].connected.wait(), 10)

    patch = orjson.dumps({"cycleCount": 46})
    merge = {"Content-Type": "application/merge-patch+json", "Authorization": f"Bearer {OPERATOR}"}
    async with setup.session.patch(f"{setup.cn.url}/{HANDLE}", data=patch, headers=merge) as resp:
        assert resp.status == 200, await resp.text()
    written = time.monotonic()

    async def new_version_seen() -> bool:
        _, headers, _ = await get(setup.session, url)
        return headers["Etag"].startswith('"v2.')

    await until(new_version_seen, what="the PATCH to reach eu", bound=2.0)
    seen_after = time.monotonic() - written
    assert seen_after < 2.0
    print(f"PATCH on cn seen on eu after {seen_after * 1000:.0f} ms")


async def test_without_the_feed_an_expired_copy_is_revalidated_with_a_304(
    setup: Setup, tmp_path: Path
) -> None:
    clock = ManualClock()
    federation = {
        "peers": [peer("cn", setup.cn.url, ["88.100"], token=EU_TOKEN, verify="identity")],
        "cache": {"max_ttl": 1, "follow_changes": False},
    }
    async with node(tmp_path, "eu-nofeed", ["21.11102"], federation=federation, clock=clock) as eu:
        url = f"{eu.url}/88.100/BAT-INV-2"
        status, headers, first = await get(setup.session, url)
        assert status == 200 and headers["Passport-Source"] == "peer:cn"
        assert eu.node.followers is None
        clock.advance(1.5)  # expired: the next lookup asks cn with If-None-Match
        status, headers, again = await get(setup.session, url)
        assert status == 200 and again == first
        assert headers["Passport-Source"] == "cache" and "Warning" not in headers
        async with setup.session.get(f"{eu.url}/metrics") as resp:
            metrics = await resp.text()
        assert 'passport_federation_cache_total{result="revalidated"} 1' in metrics
        assert 'passport_federation_lookups_total{peer="cn",outcome="not-modified"} 1' in metrics
