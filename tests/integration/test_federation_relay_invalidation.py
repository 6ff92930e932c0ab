"""Invalidation through a relay (issue 12, item 4): a node that caches copies from a relay
drops them when the owner writes, because the relay passes on what the owner's feed made it
drop. Three real nodes on 127.0.0.1: ent (owner) -> cn (relay) -> eu. In the first test eu
checks ent's proofs as by default (``unpinned = "refuse"``): ent is no peer of eu, so its key
is pinned on the link to cn, and eu's copies name both (``ent via cn``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.credentials import Credential
from resolver.integrity.signer import key_url
from resolver.tiers import Role
from tests.support.federation import get, node, peer, sha
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio

OPERATOR = "ent-operator"
HANDLE = "88.100.1/RELAYED-1"


async def test_a_patch_on_the_owner_reaches_a_node_that_caches_it_from_a_relay(tmp_path: Path) -> None:
    operator = Credential("ent-maker", Role.OPERATOR, sha(OPERATOR), ("88.100.1",))
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        accept_cn = {"id": "cn", "base_urls": ["https://cn.invalid"], "accept_token": "cn-to-ent"}
        ent = await stack.enter_async_context(
            node(
                tmp_path,
                "ent",
                ["88.100.1"],
                passports=[HANDLE],
                credentials=(operator,),
                federation={"peers": [accept_cn]},
            )
        )
        cn_federation = {
            "peers": [
                peer("ent", ent.url, ["88.100.1"], token="cn-to-ent", verify="identity"),
                {"id": "eu", "base_urls": ["https://eu.invalid"], "accept_token": "eu-to-cn"},
            ]
        }
        cn = await stack.enter_async_context(node(tmp_path, "cn", ["88.100"], federation=cn_federation))
        assert ent.node.integrity is not None
        active = ent.node.integrity.keyring.active
        to_ent = {"owner": "ent", "keys": {key_url(ent.url, active.name): active.public_key_multibase}}
        eu_federation = {
            "unpinned": "refuse",
            "peers": [peer("cn", cn.url, ["88.100.1"], token="eu-to-cn", verify="identity", **to_ent)],
        }
        eu = await stack.enter_async_context(node(tmp_path, "eu", ["21.11101"], federation=eu_federation))

        url = f"{eu.url}/{HANDLE}"
        status, headers, _ = await get(session, url)
        assert status == 200 and headers["Passport-Source"] == "peer:ent via cn"
        assert headers["Etag"].startswith('"v1.') and "Passport-Unverified" not in headers
        _, headers, _ = await get(session, url)
        assert headers["Passport-Source"] == "cache"  # kept for max-age without the feeds
        for running, source in ((cn, "ent"), (eu, "cn")):
            followers = running.node.followers
            assert followers is not None
            await asyncio.wait_for(followers.followers[source].connected.wait(), 10)
        assert eu.node.followers is not None and eu.node.followers.followers["cn"].relayed

        patch = orjson.dumps({"cycleCount": 47})
        merge = {"Content-Type": "application/merge-patch+json", "Authorization": f"Bearer {OPERATOR}"}
        async with session.patch(f"{ent.url}/{HANDLE}", data=patch, headers=merge) as resp:
            assert resp.status == 200, await resp.text()
        written = time.monotonic()

        async def new_version_seen() -> bool:
            _, headers, _ = await get(session, url)
            return headers["Etag"].startswith('"v2.')

        await until(new_version_seen, what="the PATCH to reach eu through cn", bound=2.0)
        print(f"PATCH on ent seen on eu (through cn) after {(time.monotonic() - written) * 1000:.0f} ms")


async def test_a_relay_whose_owner_feed_went_back_makes_its_followers_drop_their_copies(
    tmp_path: Path,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        accept_cn = {"id": "cn", "base_urls": ["https://cn.invalid"], "accept_token": "cn-to-ent"}
        ent = await stack.enter_async_context(
            node(tmp_path, "ent", ["88.100.1"], passports=[HANDLE], federation={"peers": [accept_cn]})
        )
        cn_federation = {
            "peers": [
                peer("ent", ent.url, ["88.100.1"], token="cn-to-ent", verify="identity"),
                {"id": "eu", "base_urls": ["https://eu.invalid"], "accept_token": "eu-to-cn"},
            ]
        }
        cn = await stack.enter_async_context(node(tmp_path, "cn", ["88.100"], federation=cn_federation))
        eu_federation = {"peers": [peer("cn", cn.url, ["88"], token="eu-to-cn", verify="identity")]}
        eu = await stack.enter_async_context(node(tmp_path, "eu", ["21.11101"], federation=eu_federation))
        status, _, _ = await get(session, f"{eu.url}/{HANDLE}")
        assert status == 200
        assert eu.node.followers is not None
        await asyncio.wait_for(eu.node.followers.followers["cn"].connected.wait(), 10)
        assert eu.node.relayed is not None and cn.node.relayed is not None
        cn.node.relayed.reset()  # what cn's follower of ent does when ent's feed goes back
        cn.node.changed.notify()

        async def dropped() -> bool:
            _, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            return headers["Passport-Source"] == "peer:cn"

        await until(dropped, what="eu to drop its copies from cn", bound=2.0)
