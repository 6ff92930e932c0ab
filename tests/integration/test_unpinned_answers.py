"""Answers from a peer whose owner has no pinned key here cannot be checked (issue 11): real
nodes on 127.0.0.1, one owner and three asking nodes, one per ``[federation] unpinned`` policy.

    label  (default): served with Passport-Unverified, max-age 0, asked again each time
    refuse:           502 unpinned-owner, each time
    cache:            served labelled, cached, and the copy keeps the label
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.integrity.signer import key_url
from tests.support.federation import get, node, passport_requests, peer

pytestmark = pytest.mark.asyncio

HANDLE = "88.100.1/BAT-UNPINNED-1"


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
            assert "no key of its owner owner is pinned on refuses" in problem["detail"]
        assert await passport_requests(session, owner.url) == asked + 4

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
