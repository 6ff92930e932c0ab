"""How a federated lookup fails: slow, lying, down and looping peers, as a client of node A sees it.

Node A and the well-behaved peers are real nodes; only misbehaving peers are small aiohttp
apps (tests/federation/fake_peers.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from tests.support.clock import ManualClock
from tests.support.fake_peers import FakePeer, answering, passport, serving, slow
from tests.support.federation import free_port, get, node, passport_for, passport_requests, peer, sha
from tests.support.waiting import federation_cache_key, until_redis_has

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEADLINE = 0.6


@dataclass
class Setup:
    a: RunningNode
    liar: FakePeer
    session: aiohttp.ClientSession


def _public_view(handle: str) -> dict[str, Any]:
    view: dict[str, Any] = orjson.loads(prepare_sync(passport_for(handle)).views[Tier.PUBLIC])
    return view


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp = tmp_path_factory.mktemp("failures")
    liar = FakePeer(answering(b"{}"))
    slow_peer = FakePeer(slow(5))
    a_port, c_port = free_port(), free_port()
    a_url, c_url = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{c_port}"
    async with contextlib.AsyncExitStack() as stack:
        liar_url = await stack.enter_async_context(serving(liar.app()))
        slow_url = await stack.enter_async_context(serving(slow_peer.app()))
        # mid forwards 88.4 to the slow peer: the budget it is given runs out before a's.
        mid_url = (
            await stack.enter_async_context(
                node(
                    tmp,
                    "mid",
                    ["77.3"],
                    federation={
                        "peers": [
                            peer("slowpoke", slow_url, ["88.4"]),
                            # a authenticates, so mid honours the budget a forwards.
                            {
                                "id": "a",
                                "base_urls": [a_url],
                                "insecure": True,
                                "accept_token_sha256": sha("a-to-mid"),
                            },
                        ]
                    },
                )
            )
        ).url
        # c believes a holds 77.1, and a believes c does: a configuration cycle.
        await stack.enter_async_context(
            node(
                tmp,
                "c",
                ["77.2"],
                port=c_port,
                passports=["77.2/BAT-1"],
                federation={"peers": [peer("a", a_url, ["77.1"])]},
            )
        )
        a = await stack.enter_async_context(
            node(
                tmp,
                "a",
                ["21.11101"],
                port=a_port,
                deadline=DEADLINE,
                federation={
                    "peers": [
                        peer("liar", liar_url, ["88.1"]),
                        peer("slowpoke", slow_url, ["88.2"]),
                        peer("c", c_url, ["77.1"]),
                        peer("mid", mid_url, ["88.4"], token="a-to-mid"),
                        # c again, for 77.2, behind a replica that is down and listed first.
                        {
                            "id": "c-replicated",
                            "insecure": True,
                            "base_urls": ["http://127.0.0.1:1", c_url],
                            "prefixes": ["77.2"],
                        },
                    ]
                },
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Setup(a=a, liar=liar, session=session)


async def test_a_peer_answering_for_another_identifier_gives_502_and_nothing_is_cached(setup: Setup) -> None:
    setup.liar.handler = answering(passport("https://hdl.handle.net/88.1/SOMEONE-ELSE"))
    asked = len(setup.liar.seen)
    for _ in range(2):
        status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-1")
        problem = orjson.loads(body)
        assert status == 502 and problem["type"].endswith("/bad-peer-answer")
        assert problem["peer"] == "liar" and problem["answered"] == "https://hdl.handle.net/88.1/SOMEONE-ELSE"
        assert "asked for 88.1/BAT-1" in problem["detail"]
    assert len(setup.liar.seen) == asked + 2  # the lie was not cached: the peer was asked again


async def test_a_passport_failing_the_shapes_gives_502_naming_the_data_point(setup: Setup) -> None:
    view = _public_view("88.1/BAT-2")
    del view["chemistry"]  # a public, mandatory data point
    setup.liar.handler = answering(orjson.dumps(view))
    asked = len(setup.liar.seen)
    for _ in range(2):
        status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-2")
        problem = orjson.loads(body)
        assert status == 502, body
        assert "fails the profile's shapes" in problem["detail"]
        assert [12 in v["dataPoints"] for v in problem["violations"]] == [True]
    assert len(setup.liar.seen) == asked + 2


async def test_the_public_view_from_an_honest_peer_passes_although_it_lacks_higher_tiers(
    setup: Setup,
) -> None:
    setup.liar.handler = answering(orjson.dumps(_public_view("88.1/BAT-3")))
    status, headers, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-3")
    assert status == 200, body
    assert headers["Passport-Tier"] == "public" and headers["Passport-Source"] == "peer:liar"


async def test_a_peer_serving_a_higher_tier_than_asked_is_refused(setup: Setup) -> None:
    setup.liar.handler = answering(orjson.dumps(_public_view("88.1/BAT-4")), tier="authority")
    status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-4")
    assert status == 502 and "served the authority view" in orjson.loads(body)["detail"]


async def test_a_peer_labelling_a_higher_view_as_public_is_refused_and_not_passed_on(setup: Setup) -> None:
    li_view = prepare_sync(passport_for("88.1/BAT-5")).views[Tier.LEGITIMATE_INTEREST]
    setup.liar.handler = answering(li_view, tier="public")
    status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-5")
    assert status == 502 and "holds data above that tier" in orjson.loads(body)["detail"]


async def test_a_slow_peer_gives_504_naming_it_within_the_deadline(setup: Setup) -> None:
    started = time.monotonic()
    status, _, body = await get(setup.session, f"{setup.a.url}/88.2/BAT-1")
    spent = time.monotonic() - started
    problem = orjson.loads(body)
    assert status == 504, body
    assert problem["peer"] == "slowpoke" and "slowpoke did not answer" in problem["detail"]
    assert DEADLINE - 0.05 <= spent <= DEADLINE + 0.5


async def test_the_node_that_was_slow_further_down_is_named_within_the_first_deadline(setup: Setup) -> None:
    started = time.monotonic()
    status, _, body = await get(setup.session, f"{setup.a.url}/88.4/BAT-1")
    spent = time.monotonic() - started
    problem = orjson.loads(body)
    assert status == 504, body
    assert problem["peer"] == "mid" and problem["upstream"]["peer"] == "slowpoke"
    assert "mid reported: peer slowpoke did not answer" in problem["detail"]
    assert spent <= DEADLINE + 0.5


async def test_a_configuration_cycle_is_refused_as_a_loop_with_its_path(setup: Setup) -> None:
    status, _, body = await get(setup.session, f"{setup.a.url}/77.1/BAT-1")
    problem = orjson.loads(body)
    assert status == 508, body
    assert problem["path"] == ["a", "c", "a"]
    assert "a -> c -> a" in problem["detail"]


async def test_a_forwarded_lookup_that_already_passed_here_is_refused(setup: Setup) -> None:
    status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-1", **{"Passport-Hops": "x,a"})
    assert status == 508 and orjson.loads(body)["path"] == ["x", "a", "a"]


async def test_a_lookup_with_too_many_hops_is_refused_naming_the_path(setup: Setup) -> None:
    trail = ",".join(f"n{i}" for i in range(8))
    status, _, body = await get(setup.session, f"{setup.a.url}/88.1/BAT-1", **{"Passport-Hops": trail})
    problem = orjson.loads(body)
    assert status == 508 and "exceeded 8 hops" in problem["detail"]
    assert problem["path"] == [f"n{i}" for i in range(8)] + ["a"]


async def test_a_replica_that_is_down_is_passed_over_for_the_next_one(setup: Setup) -> None:
    status, headers, body = await get(setup.session, f"{setup.a.url}/77.2/BAT-1")
    assert status == 200, body
    assert headers["Passport-Source"] == "peer:c-replicated"
    assert orjson.loads(body)["id"] == "https://hdl.handle.net/77.2/BAT-1"


async def test_a_stale_answer_stands_in_when_the_peer_is_stopped(tmp_path: Path) -> None:
    handle = "88.3/BAT-S-1"
    b_port = free_port()
    b_url = f"http://127.0.0.1:{b_port}"
    clock = ManualClock()
    async with (
        node(
            tmp_path,
            "a2",
            ["21.11101"],
            federation={"peers": [peer("b", b_url, ["88.3"])], "cache": {"max_ttl": 1, "stale_if_error": 60}},
            clock=clock,
        ) as a,
        aiohttp.ClientSession() as session,
    ):
        async with node(tmp_path, "b", ["88.3"], port=b_port, passports=[handle]):
            status, headers, fresh = await get(session, f"{a.url}/{handle}")
            assert status == 200 and headers["Passport-Source"] == "peer:b"
        # b is stopped now; the entry expires after max_ttl = 1 s.
        clock.advance(1.2)
        status, headers, stale = await get(session, f"{a.url}/{handle}")
        assert status == 200, stale
        assert stale == fresh
        assert headers["Passport-Source"] == "cache" and headers["Warning"] == '110 - "Response is Stale"'
        assert int(headers["Age"]) >= 1
        status, _, body = await get(session, f"{a.url}/88.3/NEVER-SEEN")
        problem = orjson.loads(body)
        assert status == 502 and problem["peer"] == "b"
        assert problem["errors"][0]["replica"] == b_url


async def test_two_instances_of_one_node_share_the_federation_cache_through_redis(
    tmp_path: Path, redis_url: str
) -> None:
    handle = "88.3/BAT-R-1"
    async with (
        node(tmp_path, "b", ["88.3"], passports=[handle]) as b,
        aiohttp.ClientSession() as session,
    ):
        shared: dict[str, Any] = {"federation": {"peers": [peer("b", b.url, ["88.3"])]}, "redis": redis_url}
        async with (
            node(tmp_path, "a", ["21.11101"], **shared) as first,
            node(tmp_path, "a", ["21.11101"], **shared) as second,
        ):
            status, headers, body = await get(session, f"{first.url}/{handle}")
            assert status == 200 and headers["Passport-Source"] == "peer:b"
            before = await passport_requests(session, b.url)
            await until_redis_has(redis_url, federation_cache_key(handle))  # written off the answer's path
            status, headers, again = await get(session, f"{second.url}/{handle}")
            assert status == 200 and headers["Passport-Source"] == "cache" and again == body
            assert await passport_requests(session, b.url) == before
