"""The delegation cache with real nodes (issue 12, item 5): a node that reached a passport
through a relay learns its owner from the answer (``Passport-Owner``) or from a referral, and
asks the owner directly next time, also while the relay is down."""

from __future__ import annotations

import contextlib
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from resolver.app import RunningNode
from resolver.stages.federation import FederationStage
from tests.support.fake_peers import FakePeer, serving
from tests.support.federation import free_port, get, node, peer

pytestmark = pytest.mark.asyncio

CN_TOKEN = "cn-to-ent"


def _stage(running: RunningNode) -> FederationStage:
    return next(s for s in running.node.stages if isinstance(s, FederationStage))


async def test_the_owner_named_by_a_relayed_answer_is_asked_directly_next_time_and_when_the_relay_dies(
    tmp_path: Path,
) -> None:
    handles = ["88.100.1/DLG-1", "88.100.1/DLG-2", "88.100.1/DLG-3"]
    cn_port = free_port()
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        ent = await stack.enter_async_context(node(tmp_path, "ent", ["88.100.1"], passports=handles))
        cn_federation = {"peers": [peer("ent", ent.url, ["88.100.1"], verify="identity")]}
        eu_federation = {
            "peers": [
                peer("cn", f"http://127.0.0.1:{cn_port}", ["88.100"], verify="identity"),
                peer("ent", ent.url, [], learned=True, verify="identity"),
            ],
            "breaker": {"failures": 1, "cooldown": 600, "probe_interval": 0},
        }
        eu = await stack.enter_async_context(node(tmp_path, "eu", ["21.11101"], federation=eu_federation))
        async with node(tmp_path, "cn", ["88.100"], port=cn_port, federation=cn_federation):
            status, headers, body = await get(session, f"{ent.url}/{handles[0]}")
            assert status == 200 and headers["Passport-Owner"] == "ent; prefix=88.100.1"
            status, headers, body = await get(session, f"{eu.url}/{handles[0]}")
            assert status == 200, body
            assert headers["Passport-Source"] == "peer:cn"  # the only configured path
            assert headers["Passport-Owner"] == "ent; prefix=88.100.1"  # passed on by the relay
            delegation = _stage(eu).delegation
            assert delegation is not None and len(delegation) == 1
            status, headers, _ = await get(session, f"{eu.url}/{handles[1]}")
            assert status == 200 and headers["Passport-Source"] == "peer:ent"  # straight to the owner
            status, headers, _ = await get(session, f"{eu.url}/{handles[0]}")
            assert headers["Passport-Source"] == "cache" and headers["Passport-Owner"].startswith("ent;")
            status, headers, body = await get(session, f"{eu.url}/{handles[2]}?referral=true")
            assert status == 307 and orjson.loads(body)["node_id"] == "ent"
            assert headers["Location"] == f"{ent.url}/{handles[2]}"
        status, headers, body = await get(session, f"{eu.url}/{handles[2]}")  # cn is gone
        assert status == 200, body
        assert headers["Passport-Source"] == "peer:ent"


async def test_a_referral_from_a_peer_is_followed_to_a_known_owner_and_learned(tmp_path: Path) -> None:
    handle = "88.100.1/REF-1"

    async def refer(request: web.Request) -> web.StreamResponse:
        body = {"handle": handle, "node_id": "ent", "prefix": "88.100.1", "base_urls": ["http://x.invalid"]}
        return web.json_response(body, status=307, headers={"Location": "http://x.invalid/"})

    relay = FakePeer(refer)
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        relay_url = await stack.enter_async_context(serving(relay.app()))
        ent = await stack.enter_async_context(node(tmp_path, "ent", ["88.100.1"], passports=[handle]))
        federation = {
            "peers": [
                peer("cn", relay_url, ["88.100"], verify="identity"),
                peer("ent", ent.url, [], learned=True, verify="identity"),
            ]
        }
        eu = await stack.enter_async_context(node(tmp_path, "eu", ["21.11101"], federation=federation))
        status, headers, body = await get(session, f"{eu.url}/{handle}")
        assert status == 200, body
        assert headers["Passport-Source"] == "peer:ent"
        assert len(relay.paths) == 1  # asked once; the next lookup goes to ent first
        status, _, _ = await get(session, f"{eu.url}/88.100.1/REF-2")
        assert status == 404 and len(relay.paths) == 1


async def test_a_peer_cannot_divert_lookups_outside_the_prefix_it_was_asked_for(tmp_path: Path) -> None:
    """Bailiwick: a relay for 88.100 naming an owner of all of 88 is not believed, and an
    owner that is not one of this node's peers is never asked."""
    handle = "88.100.1/BW-1"

    async def refer(request: web.Request) -> web.StreamResponse:
        owner = "ent" if "BW-1" in request.path else "stranger"
        body = {"handle": handle, "node_id": owner, "prefix": "88" if owner == "ent" else "88.100.1"}
        return web.json_response(body, status=307)

    relay = FakePeer(refer)
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        relay_url = await stack.enter_async_context(serving(relay.app()))
        ent = await stack.enter_async_context(node(tmp_path, "ent", ["88.100.1"], passports=[handle]))
        federation = {
            "peers": [
                peer("cn", relay_url, ["88.100"], verify="identity"),
                peer("ent", ent.url, [], learned=True, verify="identity"),
            ]
        }
        eu = await stack.enter_async_context(node(tmp_path, "eu", ["21.11101"], federation=federation))
        for path in (handle, "88.100.1/BW-2"):
            status, _, body = await get(session, f"{eu.url}/{path}")
            assert status == 502 and "referred" in orjson.loads(body)["detail"], body
        delegation = _stage(eu).delegation
        assert delegation is not None and len(delegation) == 0 and delegation.ignored == 1
