"""Caches between nodes (issue 12, item 4): negative answers carry their remaining lifetime
(RFC 2308), the Handle API's ttl counts down, and a flood of unknown identifiers from one
anonymous client is limited before it reaches the peers. Real nodes; one moved clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.identifiers import parse_identifier
from resolver.tiers import Role
from tests.support.clock import ManualClock
from tests.support.federation import get, node, passport_for, passport_requests, peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

READER = "eu-reader"
FLOODER = "127.0.0.2"


@dataclass
class Setup:
    cn: RunningNode
    mid: RunningNode
    eu: RunningNode
    clock: ManualClock
    monotonic: ManualClock  # eu's peer-lookup buckets refill by it
    session: aiohttp.ClientSession


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp: Path = tmp_path_factory.mktemp("caches")
    clock = ManualClock()
    monotonic = ManualClock(start=0.0)
    cache = {"negative_ttl": 10, "follow_changes": False}
    async with contextlib.AsyncExitStack() as stack:
        cn = await stack.enter_async_context(node(tmp, "cn", ["88.100"], passports=["88.100/KNOWN-1"]))
        mid = await stack.enter_async_context(
            node(
                tmp,
                "mid",
                ["77.1"],
                clock=clock,
                federation={"peers": [peer("cn", cn.url, ["88.100"], verify="identity")], "cache": cache},
            )
        )
        eu = await stack.enter_async_context(
            node(
                tmp,
                "eu",
                ["21.11101"],
                clock=clock,
                monotonic=monotonic,
                roles={READER: Role.PUBLIC},
                federation={
                    "peers": [peer("mid", mid.url, ["88.100"], verify="identity")],
                    "cache": cache,
                    "limits": {"per_second": 1, "burst": 5},
                },
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Setup(cn, mid, eu, clock, monotonic, session)


async def test_a_not_found_carries_what_is_left_of_its_lifetime_so_hops_do_not_add_up(setup: Setup) -> None:
    handle = "88.100/NEW-1"
    status, _, _ = await get(setup.session, f"{setup.mid.url}/{handle}")
    assert status == 404  # mid keeps the 404 for 10 s
    setup.clock.advance(6)
    status, headers, _ = await get(setup.session, f"{setup.eu.url}/{handle}")
    assert status == 404 and headers["Cache-Control"] == "max-age=4"  # eu keeps it 4 s, not 10
    # The passport is registered now; both copies of the 404 expire at t = 10 s.
    prepared = await setup.cn.node.validator.prepare(passport_for(handle))
    await setup.cn.node.store.put(parse_identifier(handle).key, prepared.views)
    setup.clock.advance(4.5)
    status, _, body = await get(setup.session, f"{setup.eu.url}/{handle}")
    assert status == 200, body  # seen after 10.5 s, not after 6 + 10 s


async def test_the_handle_api_ttl_counts_down_with_the_copy_s_age(setup: Setup) -> None:
    # A passport of its own: a copy another test made earlier would already have aged.
    handle = "88.100/TTL-1"
    prepared = await setup.cn.node.validator.prepare(passport_for(handle))
    await setup.cn.node.store.put(parse_identifier(handle).key, prepared.views)
    url = f"{setup.eu.url}/api/handles/{handle}"
    status, _, body = await get(setup.session, url)
    assert status == 200 and {v["ttl"] for v in orjson.loads(body)["values"]} == {300}
    setup.clock.advance(100)
    status, _, body = await get(setup.session, url)
    found = orjson.loads(body)
    assert status == 200 and {v["ttl"] for v in found["values"]} == {200} and "stale" not in found


async def test_a_flood_of_unknown_identifiers_is_limited_and_legitimate_lookups_go_on(setup: Setup) -> None:
    # The flood comes from an address of its own (127.0.0.2): its bucket starts full and the
    # other tests' lookups (from 127.0.0.1) neither drain it nor find theirs drained, whatever
    # order the tests run in.
    before = await passport_requests(setup.session, setup.mid.url)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(FLOODER, 0))) as flooder:
        flood = [await get(flooder, f"{setup.eu.url}/88.100/RANDOM-{i}") for i in range(30)]
        statuses = [status for status, _, _ in flood]
        # eu's monotonic clock stands still: the burst of 5 reaches the peers, nothing refills.
        assert statuses == [404] * 5 + [429] * 25
        assert all("Retry-After" in headers for status, headers, _ in flood if status == 429)
        assert await passport_requests(setup.session, setup.mid.url) - before == 5
        setup.monotonic.advance(1.0)  # one lookup a second refills one token
        again = [(await get(flooder, f"{setup.eu.url}/88.100/LATER-{i}"))[0] for i in range(2)]
        assert again == [404, 429]
    # Another client's lookups (the first may reach the peers, the rest come from eu's copy).
    legitimate = [await get(setup.session, f"{setup.eu.url}/88.100/KNOWN-1", token=READER) for _ in range(20)]
    assert [status for status, _, _ in legitimate] == [200] * 20
