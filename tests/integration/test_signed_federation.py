"""Peer answers are checked against the owner's pinned key (issue 11), with three real nodes and
one lying relay (a fake: the only misbehaving part).

    eu  --88.100.1-->  relay (real)  -->  owner (88.100.1, 88.100.7)
    eu  --88.100.7-->  liar (fake: forwards to the owner, rewrites one value)

The EU node pins the owner's key for both peers: the honest relay's answer verifies and names
owner and relay in Passport-Source; the liar's answer gets 502 bad-signature and is not cached.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from resolver.integrity.signer import key_url
from tests.support.fake_peers import forwarding, serving
from tests.support.federation import get, node, peer

pytestmark = pytest.mark.asyncio

HONEST = "88.100.1/BAT-SIGNED-1"
LIED_ABOUT = "88.100.7/BAT-SIGNED-2"
TRUE_VALUE = b'"Water in large quantities"'


@contextlib.asynccontextmanager
async def lying_relay(owner_url: str, rewrites: list[bytes]) -> AsyncIterator[str]:
    """A fake peer: forwards each GET to the owner and rewrites one value of the answer."""

    def lie(body: bytes) -> bytes:
        if TRUE_VALUE in body:
            body = body.replace(TRUE_VALUE, b'"Nothing at all"', 1)
            rewrites.append(body)
        return body

    async with aiohttp.ClientSession() as session:
        app = web.Application()
        app.router.add_get("/{tail:.*}", forwarding(session, owner_url, rewrite=lie))
        async with serving(app) as url:
            yield url


async def test_the_owner_key_checks_relayed_answers_and_a_lying_relay_is_refused(tmp_path: Path) -> None:
    rewrites: list[bytes] = []
    async with (
        node(tmp_path, "owner", ["88.100.1", "88.100.7"], passports=[HONEST, LIED_ABOUT]) as owner,
        node(
            tmp_path, "relay", ["21.11101"], federation={"peers": [peer("owner", owner.url, ["88.100.1"])]}
        ) as relay,
        lying_relay(owner.url, rewrites) as liar_url,
    ):
        integrity = owner.node.integrity
        assert integrity is not None
        active = integrity.keyring.active
        pinned = {key_url(owner.url, active.name): active.public_key_multibase}
        peers = [
            peer("relay", relay.url, ["88.100.1"], owner="owner", keys=pinned),
            peer("liar", liar_url, ["88.100.7"], owner="owner", keys=pinned),
        ]
        async with (
            node(tmp_path, "eu", ["20.500.12345"], federation={"peers": peers}) as eu,
            aiohttp.ClientSession() as session,
        ):
            status, headers, body = await get(session, f"{eu.url}/{HONEST}")
            assert status == 200, body
            assert headers["Passport-Source"] == "peer:owner via relay"
            assert orjson.loads(body)["proof"]["verificationMethod"] in pinned

            for _ in range(2):  # refused each time: a refused answer is never cached
                status, headers, body = await get(session, f"{eu.url}/{LIED_ABOUT}")
                assert status == 502, body
                problem = orjson.loads(body)
                assert problem["type"].endswith("/bad-signature")
                assert "owner" in problem["detail"]
            assert len(rewrites) == 2  # the liar was asked both times, and did rewrite

            status, headers, body = await get(session, f"{owner.url}/{LIED_ABOUT}")
            assert status == 200 and TRUE_VALUE in body  # what the owner really says
