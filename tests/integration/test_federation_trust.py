"""The trust boundary: forwarding headers count only from peers, and the breaker blames a peer
only for what it did (issue 12, item 1).

Node A is real; its peers that are slow or lie are small fakes (tests/support/fake_peers.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.lookup import BUDGET_HEADER, TIER_HEADER
from resolver.tiers import Role, Tier
from tests.support.fake_peers import FakePeer, answering, late, passport, serving
from tests.support.federation import get, node, peer, sha

pytestmark = pytest.mark.asyncio(loop_scope="module")

PEER_TOKEN = "b-to-a"  # what peer b presents to node A
AUTHORITY = "authority-token"
LATENCY = 0.45  # the slow peer's answer time: well within A's deadline, beyond a short budget


@dataclass
class Setup:
    a: RunningNode
    slow: FakePeer
    arrived: asyncio.Event
    liar: FakePeer
    session: aiohttp.ClientSession


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp: Path = tmp_path_factory.mktemp("trust")
    arrived = asyncio.Event()
    slow = FakePeer(late(LATENCY, arrived=arrived))
    liar = FakePeer(answering(passport("https://hdl.handle.net/88.6/SOMEONE-ELSE")))
    async with contextlib.AsyncExitStack() as stack:
        slow_url = await stack.enter_async_context(serving(slow.app()))
        liar_url = await stack.enter_async_context(serving(liar.app()))
        a = await stack.enter_async_context(
            node(
                tmp,
                "a",
                ["21.11101"],
                passports=["21.11101/BAT-1"],
                roles={AUTHORITY: Role.AUTHORITY},
                deadline=1.5,
                federation={
                    "peers": [
                        peer("slow", slow_url, ["88.5"], verify="identity"),
                        peer("liar", liar_url, ["88.6"], verify="identity"),
                        {
                            "id": "b",
                            "insecure": True,
                            "base_urls": ["http://127.0.0.1:1"],
                            "accept_token_sha256": sha(PEER_TOKEN),
                            "grant": "authority",
                        },
                    ],
                    "breaker": {"failures": 2, "cooldown": 600},
                },
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Setup(a=a, slow=slow, arrived=arrived, liar=liar, session=session)


async def _get(setup: Setup, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return await get(setup.session, f"{setup.a.url}/{path}", **headers)


async def test_an_anonymous_budget_is_ignored_and_cannot_open_the_circuit(setup: Setup) -> None:
    cut = {BUDGET_HEADER: "300"}
    results = await asyncio.gather(*(_get(setup, f"88.5/ANON-{i}", **cut) for i in range(3)))
    assert [status for status, _, _ in results] == [200, 200, 200], results
    status, _, body = await _get(setup, "88.5/ANON-AFTER")
    assert status == 200, body


async def test_a_peer_budget_cut_short_gives_504_but_never_opens_the_circuit(setup: Setup) -> None:
    forwarded = {BUDGET_HEADER: "300", "Authorization": f"Bearer {PEER_TOKEN}"}
    results = await asyncio.gather(*(_get(setup, f"88.5/CUT-{i}", **forwarded) for i in range(3)))
    assert [status for status, _, _ in results] == [504, 504, 504]
    assert all(headers["Retry-After"] == "1" for _, headers, _ in results)
    status, _, body = await _get(setup, "88.5/CUT-AFTER")  # more than `failures` timeouts, yet closed
    assert status == 200, body


async def test_a_caller_joining_a_fetch_keeps_its_own_deadline(setup: Setup) -> None:
    path = "88.5/JOINED"
    forwarded = {BUDGET_HEADER: "300", "Authorization": f"Bearer {PEER_TOKEN}"}
    setup.arrived.clear()
    asked = setup.slow.paths.count(f"/{path}")
    short = asyncio.create_task(_get(setup, path, **forwarded))
    await setup.arrived.wait()  # the peer's short lookup started the one fetch
    status, _, body = await _get(setup, path)  # an ordinary client joins it
    assert status == 200, body
    assert orjson.loads(body)["id"] == f"https://hdl.handle.net/{path}"
    short_status, _, _ = await short
    assert short_status == 504
    # The short caller's failure did not cancel the shared fetch's peer request.
    assert setup.slow.paths.count(f"/{path}") - asked <= 2


async def test_the_tier_header_lowers_the_tier_only_for_a_peer(setup: Setup) -> None:
    public = {TIER_HEADER: Tier.PUBLIC.label}
    status, headers, _ = await _get(setup, "21.11101/BAT-1", Authorization=f"Bearer {AUTHORITY}", **public)
    assert status == 200 and headers[TIER_HEADER] == Tier.AUTHORITY.label
    status, headers, _ = await _get(setup, "21.11101/BAT-1", Authorization=f"Bearer {PEER_TOKEN}", **public)
    assert status == 200 and headers[TIER_HEADER] == Tier.PUBLIC.label


async def test_refused_answers_count_against_the_peer_and_open_its_circuit(setup: Setup) -> None:
    for i in range(2):
        status, _, body = await _get(setup, f"88.6/LIE-{i}")
        assert status == 502 and orjson.loads(body)["type"].endswith("/bad-peer-answer")
    asked = len(setup.liar.seen)
    status, headers, body = await _get(setup, "88.6/LIE-3")
    problem = orjson.loads(body)
    assert status == 502 and problem["circuit"] == "open", problem
    assert int(headers["Retry-After"]) > 500
    assert len(setup.liar.seen) == asked  # not asked while the circuit is open
