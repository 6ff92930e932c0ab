"""Successors announced through a relay, and announcements that outlive a restart (issue 13).

Three real nodes on 127.0.0.1: A is a relay (a peer of B and of C, claiming ``88`` at both); B
(88.200) and C (88.300) are not peers of each other. A battery repurposed on B names its
predecessor on C: B checks it through A, announces it to A, and A passes the authenticated call
on to C, which records the link. Then a node stopped while its owner was down tells the owner
once it is started again (the announcement was stored, not kept in memory).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio
from aiohttp import web

from resolver.app import RunningNode
from resolver.config import default_config
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.part import Timing
from resolver.tiers import Role
from tests.integration.lifecycle.conftest import FakeSleep, bearer
from tests.support.fake_peers import passport, serving
from tests.support.federation import free_port, passport_for, peer, sha
from tests.support.node import credential, running_node
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

A_TO_B, B_TO_A, A_TO_C, C_TO_A, B_TO_D = "a-to-b", "b-to-a", "a-to-c", "c-to-a", "b-to-d"
B_OP, C_OP, B_READER, C_READER = "b-operator", "c-operator", "b-reader", "c-reader"
EV, SL = "88.300/EV-RELAY-1", "88.200/SL-RELAY-1"
JSON = {"Content-Type": "application/ld+json"}
GRANT = {"grant": "legitimate-interest", "verify": "identity"}


@dataclass
class Nodes:
    a: RunningNode
    b: RunningNode
    c: RunningNode
    http: aiohttp.ClientSession
    tmp: Path


def _config(tmp: Path, node_id: str, prefixes: list[str], peers: list[dict[str, Any]], **extra: Any) -> Any:
    return default_config(
        node_id=node_id,
        store=f"sqlite:///{tmp}/{node_id}.sqlite3",
        data_dir=f"{tmp}/{node_id}-data",
        workers=1,
        prefixes=prefixes,
        # Lineage, not trust, is under test here: these nodes do not sign, so peer answers are
        # labelled rather than refused (resolver/config/federation.py, UNPINNED_POLICIES).
        federation={"peers": peers, "unpinned": "label"},
        **extra,
    )


@contextlib.asynccontextmanager
async def _running(config: Any, port: int, sleep: Any) -> AsyncIterator[RunningNode]:
    async with running_node(config, port=port, timing=Timing(sleep=sleep, jitter=lambda: 0.5)) as running:
        yield running


def _b_config(tmp: Path, a_url: str, *more_peers: dict[str, Any]) -> Any:
    return _config(
        tmp,
        "b",
        ["88.200"],
        [peer("a", a_url, ["88"], token=B_TO_A, accept_token_sha256=sha(A_TO_B), **GRANT), *more_peers],
        credentials=(
            credential("b-operator", Role.OPERATOR, B_OP, ["88.200"]),
            credential("b-reader", Role.LEGITIMATE_INTEREST, B_READER),
        ),
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Nodes]:
    tmp = tmp_path_factory.mktemp("relay")
    ports = {name: free_port() for name in "abc"}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    a = _config(
        tmp,
        "a",
        ["88.100"],
        [
            peer("b", url["b"], ["88.200"], token=A_TO_B, accept_token_sha256=sha(B_TO_A), **GRANT),
            peer("c", url["c"], ["88.300"], token=A_TO_C, accept_token_sha256=sha(C_TO_A), **GRANT),
        ],
    )
    c = _config(
        tmp,
        "c",
        ["88.300"],
        [peer("a", url["a"], ["88"], token=C_TO_A, accept_token_sha256=sha(A_TO_C), **GRANT)],
        credentials=(
            credential("c-operator", Role.OPERATOR, C_OP, ["88.300"]),
            credential("c-reader", Role.LEGITIMATE_INTEREST, C_READER),
        ),
    )
    async with contextlib.AsyncExitStack() as stack:
        running = [
            await stack.enter_async_context(_running(config, ports[name], FakeSleep()))
            for name, config in (("a", a), ("b", _b_config(tmp, url["a"])), ("c", c))
        ]
        http = await stack.enter_async_context(aiohttp.ClientSession())
        node_a, node_b, node_c = running
        yield Nodes(node_a, node_b, node_c, http, tmp)


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, token: str | None, body: Any = None
) -> Any:
    headers = {**JSON, **bearer(token)} if token else JSON
    data = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
    async with http.request(method, url, data=data, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def _second_life(handle: str, predecessor: str) -> bytes:
    doc = orjson.loads(passport_for(handle))
    doc["status"] = "repurposed"
    doc["predecessor"] = [f"https://hdl.handle.net/{predecessor}"]
    return orjson.dumps(doc)


async def test_a_successor_reaches_an_owner_only_a_relay_can_reach(nodes: Nodes) -> None:
    http, b, c = nodes.http, nodes.b.url, nodes.c.url
    assert (await _call(http, "PUT", f"{c}/{EV}", C_OP, passport_for(EV)))[0] == 201
    status, written = await _call(http, "PUT", f"{b}/{SL}", B_OP, _second_life(SL, EV))
    assert status == 201, written  # B checked the predecessor through A

    async def recorded() -> bool:
        return bool((await _call(http, "GET", f"{c}/{EV}/status", C_READER))[1]["status"] == "repurposed")

    await until(recorded, what="C records the successor B announced through A")
    (change,) = (await _call(http, "GET", f"{c}/{EV}/status", C_READER))[1]["changes"]
    assert change["successors"] == [SL] and change["by"] == "peer:a"  # the relay C knows
    assert nodes.b.node.lineage is not None
    successions = nodes.b.node.lineage.successions
    await successions.settle()
    assert successions.outcomes[(SL, EV)] == "recorded"
    assert nodes.b.node.lifecycle is not None
    assert await nodes.b.node.lifecycle.service.events.announcements() == []  # acknowledged: gone

    # The lineage both ways, each asked through A.
    _, down = await _call(http, "GET", f"{c}/{EV}/lineage", C_READER)
    (successor,) = down["successors"]
    assert (successor["passport"], successor["node"], successor["held"]) == (SL, "b", False)
    _, up = await _call(http, "GET", f"{b}/{SL}/lineage", B_READER)
    (predecessor,) = up["predecessors"]
    assert (predecessor["passport"], predecessor["node"], predecessor["status"]) == (EV, "c", "repurposed")


async def test_a_relay_passes_on_only_what_the_announcer_holds(nodes: Nodes) -> None:
    http, a = nodes.http, nodes.a.url
    announced = {"successor": "88.300/NOT-B", "status": "repurposed"}
    status, problem = await _call(http, "POST", f"{a}/{EV}/successors", B_TO_A, announced)
    assert status == 403 and "88.200" in problem["detail"]  # b claims 88.200 only, at A
    assert (await _call(http, "POST", f"{a}/{EV}/successors", None, announced))[0] == 401


class _Owner:
    """A predecessor's owner that is down (503) until ``up``; counts the announcements."""

    def __init__(self) -> None:
        self.up = False
        self.refused = 0
        self.taken: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        async def get(request: web.Request) -> web.Response:
            body = passport(f"https://hdl.handle.net/{request.match_info['tail']}")
            return web.Response(
                body=body, headers={"Content-Type": "application/ld+json", "Passport-Tier": "public"}
            )

        async def post(request: web.Request) -> web.Response:
            if not self.up:
                self.refused += 1
                return web.Response(status=503, text="restarting")
            self.taken.append(await request.json())
            return web.json_response({"recorded": True}, status=201)

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", get)
        app.router.add_route("POST", "/{tail:.*}/successors", post)
        return app


class _Held:
    """The wait between attempts: the first returns, later ones wait (bounded) for the test."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.go = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.wait_for(self.go.wait(), 30.0)


async def _pending(running: RunningNode) -> list[Announcement]:
    assert running.node.lifecycle is not None
    return await running.node.lifecycle.service.events.announcements()


async def test_an_announcement_outlives_a_restart_and_is_retried_until_taken(nodes: Nodes) -> None:
    owner = _Owner()
    async with serving(owner.app()) as d_url:
        d = peer("d", d_url, ["88.400"], token=B_TO_D, verify="identity")
        (nodes.tmp / "restart").mkdir()
        config = _b_config(nodes.tmp / "restart", nodes.a.url, d)
        old = "88.400/OLD-1"
        async with _running(config, free_port(), _Held()) as b:
            status, _ = await _call(
                nodes.http, "PUT", f"{b.url}/88.200/SL-2", B_OP, _second_life("88.200/SL-2", old)
            )
            assert status == 201

            async def failed() -> bool:
                return any(a.attempts >= 1 for a in await _pending(b))

            await until(failed, what="the failed attempt stored")
        # Stopped while its owner was down: the announcement is in B's store, not lost.
        (kept,) = [a for a in await _stored(config) if a.predecessor == old]
        assert kept.successor == "88.200/SL-2" and "503" in kept.last_error
        owner.up = True
        sleep = FakeSleep()
        async with _running(config, free_port(), sleep) as b:

            async def taken() -> bool:
                return bool(owner.taken) and await _pending(b) == []

            await until(taken, what="the restarted node tells the owner")
        assert owner.taken == [{"successor": "88.200/SL-2", "status": "repurposed"}]
        assert sleep.waits == [1.0]  # it went on with the stored count of attempts (one)


async def _stored(config: Any) -> list[Announcement]:
    from resolver.lifecycle.part import open_stores

    events, feed = await open_stores(config.store)
    try:
        return await events.announcements()
    finally:
        await events.aclose()
        await feed.aclose()
