"""Answers from a peer whose owner's key is neither pinned here nor learnable over an
authenticated peer link cannot be checked (issue 11): real nodes on 127.0.0.1, one owner and
three asking nodes, one per ``[federation] unpinned`` policy.

    refuse (default): 502 unpinned-owner naming the owner and why, each time, never cached
    label:            served with Passport-Unverified, max-age 0, asked again each time
    cache:            served labelled, cached, and the copy keeps the label

An owner reached with a token is learnable: its key is learned once from its
/.well-known/passport-node, pinned (the peer-key file), and a changed key is refused.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from resolver.identifiers import parse_identifier
from resolver.integrity.signer import key_url
from resolver.parts.pins import PeerKeyFile, peer_keys_path
from resolver.tiers import Role
from resolver.write import store_prepared
from tests.support.federation import get, node, passport_for, passport_requests, peer

pytestmark = pytest.mark.asyncio

HANDLE = "88.100.1/BAT-UNPINNED-1"
AFTER_ROTATION = "88.100.1/BAT-UNPINNED-2"
TOKEN = "learner-to-owner"


def _federation(owner_url: str, policy: str, **extra: object) -> dict[str, object]:
    return {"peers": [peer("owner", owner_url, ["88.100.1"], **extra)], "unpinned": policy}


async def test_an_answer_whose_owner_key_is_not_pinned_is_never_served_as_verified(tmp_path: Path) -> None:
    async with (
        node(tmp_path, "owner", ["88.100.1"], passports=[HANDLE]) as owner,
        node(tmp_path, "labels", ["21.1"], federation=_federation(owner.url, "label")) as labels,
        node(tmp_path, "refuses", ["21.2"], federation=_federation(owner.url, "refuse")) as refuses,
        node(tmp_path, "caches", ["21.3"], federation=_federation(owner.url, "cache")) as caches,
        aiohttp.ClientSession() as session,
    ):
        asked = await passport_requests(session, owner.url)
        for _ in range(2):  # asked of the owner both times: the labelled answer is kept nowhere
            status, headers, body = await get(session, f"{labels.url}/{HANDLE}")
            assert status == 200, body
            assert headers["Passport-Source"] == "peer:owner"
            assert headers["Passport-Unverified"] == "no key of its owner owner is pinned on labels"
            assert "max-age=0" in headers["Cache-Control"]
        assert await passport_requests(session, owner.url) == asked + 2

        for _ in range(2):
            status, headers, body = await get(session, f"{refuses.url}/{HANDLE}")
            assert status == 502, body
            problem = orjson.loads(body)
            assert problem["type"].endswith("/unpinned-owner")
            assert problem["owner"] == "owner"
            assert problem["detail"] == (
                "the answer cannot be checked on refuses: no key of owner is pinned, and the link "
                "to owner is plain HTTP without a token (no authenticated peer link)"
            )
        assert await passport_requests(session, owner.url) == asked + 4  # nothing was cached

        sources = []
        for _ in range(2):
            status, headers, body = await get(session, f"{caches.url}/{HANDLE}")
            assert status == 200, body
            sources.append(headers["Passport-Source"])
            assert headers["Passport-Unverified"] == "no key of its owner owner is pinned on caches"
        assert sources == ["peer:owner", "cache"]  # the copy served from the cache keeps its label
        assert await passport_requests(session, owner.url) == asked + 5

        # With the owner's key pinned the same answer is checked and carries no label.
        integrity = owner.node.integrity
        assert integrity is not None
        active = integrity.keyring.active
        pinned = {key_url(owner.url, active.name): active.public_key_multibase}
        federation = _federation(owner.url, "refuse", keys=pinned)
        async with node(tmp_path, "pins", ["21.4"], federation=federation) as pins:
            status, headers, body = await get(session, f"{pins.url}/{HANDLE}")
            assert status == 200, body
            assert "Passport-Unverified" not in headers


async def _write(running: RunningNode, handle: str) -> None:
    """``handle`` written on ``running`` through the one write path (signed with its active key)."""
    ctx = running.node
    prepared = await ctx.validator.prepare(passport_for(handle))
    key = parse_identifier(handle).key
    await store_prepared(ctx.store, key, prepared, current=None, expected_version=None, sealer=ctx.integrity)


async def test_an_owner_key_learned_over_an_authenticated_link_is_pinned_and_a_changed_key_refused(
    tmp_path: Path,
) -> None:
    async with (
        node(tmp_path, "owner", ["88.100.1"], passports=[HANDLE], roles={TOKEN: Role.PUBLIC}) as owner,
        node(
            tmp_path,
            "learner",
            ["21.5"],
            federation={"peers": [peer("owner", owner.url, ["88.100.1"], token=TOKEN)], "unpinned": "refuse"},
        ) as learner,
        aiohttp.ClientSession() as session,
    ):
        integrity = owner.node.integrity
        assert integrity is not None
        first = integrity.keyring.active
        status, headers, body = await get(session, f"{learner.url}/{HANDLE}")
        assert status == 200, body
        assert headers["Passport-Source"] == "peer:owner"
        assert "Passport-Unverified" not in headers
        pinned = PeerKeyFile(peer_keys_path(learner.config)).load()
        assert pinned == {"owner": {key_url(owner.url, first.name): first.public_key_multibase}}

        integrity.keyring.rotate()  # the owner's new key signs what it writes from now on
        await _write(owner, AFTER_ROTATION)
        for _ in range(2):  # refused each time, never cached, until an operator accepts the key
            status, headers, body = await get(session, f"{learner.url}/{AFTER_ROTATION}")
            assert status == 502, body
            problem = orjson.loads(body)
            assert problem["type"].endswith("/bad-signature")
            assert "no known key for the verification method" in problem["detail"]
        assert PeerKeyFile(peer_keys_path(learner.config)).load() == pinned
