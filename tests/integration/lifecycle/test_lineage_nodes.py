"""A second life across nodes (issue 13, part 5): node A (the carmaker, 88.100.1) holds an EV
battery; node B (a second-life operator, 88.200) writes a stationary battery naming it as its
predecessor. B checks the predecessor through the federation, tells A by a peer call, and the
lineage shows on both; B's caller reads the predecessor's health and events from A within its
tier. A third owner (88.300) is a small fake that fails twice before it takes the announcement.

Two real nodes on 127.0.0.1, each on its own SQLite, peers of each other with a token both ways.
"""

from __future__ import annotations

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
from resolver.lifecycle.part import Timing
from resolver.lifecycle.succession import Successions
from resolver.tiers import Role
from tests.integration.lifecycle.conftest import FakeSleep, bearer
from tests.support.fake_peers import passport, serving
from tests.support.federation import free_port, passport_for, peer, sha
from tests.support.node import credential, running_node
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

A_TO_B, B_TO_A, B_TO_C = "a-to-b", "b-to-a", "b-to-c"
MAKER, SECOND_LIFE, A_READER, B_READER = "maker", "second-life", "a-reader", "b-reader"
EV = "88.100.1/EV-LINEAGE-1"
JSON = {"Content-Type": "application/ld+json"}


@dataclass
class Nodes:
    a: RunningNode
    b: RunningNode
    b_sleep: FakeSleep
    c_posts: list[int]
    http: aiohttp.ClientSession


def _fake_owner(posts: list[int]) -> web.Application:
    """Node C: serves its passport, and answers the announcement 503 twice, then 201."""

    async def get(request: web.Request) -> web.Response:
        if request.match_info["tail"].endswith("/lineage"):  # C knows no lineage
            return web.json_response({"detail": "no such route"}, status=404)
        body = passport(f"https://hdl.handle.net/{request.match_info['tail']}")
        return web.Response(
            body=body, headers={"Content-Type": "application/ld+json", "Passport-Tier": "public"}
        )

    async def post(request: web.Request) -> web.Response:
        posts.append(len(posts))
        if len(posts) <= 2:
            return web.Response(status=503, text="unwell")
        return web.json_response({"recorded": True}, status=201)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", get)
    app.router.add_route("POST", "/{tail:.*}/successors", post)
    return app


@contextlib.asynccontextmanager
async def _node(
    tmp: Path, node_id: str, port: int, sleep: FakeSleep, **settings: Any
) -> AsyncIterator[RunningNode]:
    config = default_config(
        node_id=node_id,
        store=f"sqlite:///{tmp}/{node_id}.sqlite3",
        data_dir=f"{tmp}/{node_id}-data",
        workers=1,
        **settings,
    )
    async with running_node(config, port=port, timing=Timing(sleep=sleep, jitter=lambda: 0.5)) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Nodes]:
    tmp = tmp_path_factory.mktemp("lineage")
    a_port, b_port = free_port(), free_port()
    a_url, b_url = f"http://127.0.0.1:{a_port}", f"http://127.0.0.1:{b_port}"
    posts: list[int] = []
    async with contextlib.AsyncExitStack() as stack:
        c_url = await stack.enter_async_context(serving(_fake_owner(posts)))
        grant = {"grant": "legitimate-interest", "verify": "identity"}
        a = await stack.enter_async_context(
            _node(
                tmp,
                "a",
                a_port,
                FakeSleep(),
                prefixes=["88.100.1"],
                credentials=(
                    credential("maker", Role.OPERATOR, MAKER, ["88.100.1"]),
                    credential("a-reader", Role.LEGITIMATE_INTEREST, A_READER),
                ),
                federation={
                    "unpinned": "label",  # these nodes do not sign: lineage, not trust, is tested
                    "peers": [
                        peer("b", b_url, ["88.200"], token=A_TO_B, accept_token_sha256=sha(B_TO_A), **grant)
                    ],
                },
            )
        )
        b_sleep = FakeSleep()
        b = await stack.enter_async_context(
            _node(
                tmp,
                "b",
                b_port,
                b_sleep,
                prefixes=["88.200"],
                credentials=(
                    credential("second-life", Role.OPERATOR, SECOND_LIFE, ["88.200"]),
                    credential("b-reader", Role.LEGITIMATE_INTEREST, B_READER),
                ),
                federation={
                    "unpinned": "label",  # these nodes do not sign: lineage, not trust, is tested
                    "peers": [
                        peer(
                            "a", a_url, ["88.100.1"], token=B_TO_A, accept_token_sha256=sha(A_TO_B), **grant
                        ),
                        peer("c", c_url, ["88.300"], token=B_TO_C, verify="identity"),
                    ],
                },
            )
        )
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Nodes(a, b, b_sleep, posts, http)


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, token: str | None, body: Any = None
) -> Any:
    headers = {**JSON, **bearer(token)} if token else JSON
    data = body if body is None or isinstance(body, bytes) else orjson.dumps(body)
    async with http.request(method, url, data=data, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def _ev_on_a(nodes: Nodes) -> None:
    """The EV battery on node A (whichever test comes first writes it)."""
    status, _ = await _call(nodes.http, "PUT", f"{nodes.a.url}/{EV}", MAKER, passport_for(EV))
    assert status in (200, 201)


def _successions(running: RunningNode) -> Successions:
    assert running.node.lineage is not None
    return running.node.lineage.successions


def _second_life(handle: str, *predecessors: str, status: str = "repurposed") -> bytes:
    doc = orjson.loads(passport_for(handle))
    doc["status"] = status
    doc["predecessor"] = [f"https://hdl.handle.net/{p}" for p in predecessors]
    return orjson.dumps(doc)


async def test_a_repurposing_across_two_nodes_shows_the_lineage_on_both(nodes: Nodes) -> None:
    http, a, b = nodes.http, nodes.a.url, nodes.b.url
    await _ev_on_a(nodes)
    readings = [{"dataPoint": "stateOfCertifiedEnergy", "time": f"2026-0{m}-01T00:00:00Z", "value": 99 - m,
                 "unit": "P1"} for m in range(1, 7)]  # fmt: skip
    assert (await _call(http, "POST", f"{a}/{EV}/events", MAKER, readings))[0] == 201

    status, written = await _call(
        http, "PUT", f"{b}/88.200/SL-1", SECOND_LIFE, _second_life("88.200/SL-1", EV)
    )
    assert status == 201, written

    async def told() -> bool:
        shown = (await _call(http, "GET", f"{a}/{EV}/status", A_READER))[1]
        return bool(shown["status"] == "repurposed")

    await until(told, what="A records the successor B announced")
    _, shown = await _call(http, "GET", f"{a}/{EV}/status", A_READER)
    (change,) = shown["changes"]
    assert (
        change["successors"] == ["88.200/SL-1"]
        and change["by"] == "peer:b"
        and change["previous"] == "original"
    )

    # On A: the EV battery (held, grade A) and its successor on B, asked of B.
    _, down = await _call(http, "GET", f"{a}/{EV}/lineage", A_READER)
    assert (down["node"], down["held"], down["status"], down["grade"]) == ("a", True, "repurposed", "A")
    (successor,) = down["successors"]
    assert successor["passport"] == "88.200/SL-1" and successor["node"] == "b" and not successor["held"]
    assert successor["status"] == "repurposed" and successor["grade"] == "not enough data"
    # On B: the stationary battery and its predecessor, asked of A.
    _, up = await _call(http, "GET", f"{b}/88.200/SL-1/lineage", B_READER)
    (predecessor,) = up["predecessors"]
    assert (predecessor["passport"], predecessor["node"], predecessor["held"]) == (EV, "a", False)
    assert predecessor["status"] == "repurposed" and predecessor["grade"] == "A"
    assert predecessor["predecessors"] == []

    # The second-life operator's reader sees the predecessor's health and events through B.
    status, health = await _call(http, "GET", f"{b}/{EV}/health", B_READER)
    assert status == 200 and health["grade"]["grade"] == "A" and health["passport"] == EV
    status, events = await _call(http, "GET", f"{b}/{EV}/events", B_READER)
    assert status == 200 and len(events["epcisBody"]["eventList"]) == 6
    assert (await _call(http, "GET", f"{b}/{EV}/health", None))[0] == 401  # the public: not through B either

    # A PUT again announces again; A records the link once.
    assert (await _call(http, "PUT", f"{b}/88.200/SL-1", SECOND_LIFE, _second_life("88.200/SL-1", EV)))[
        0
    ] == 200
    await _successions(nodes.b).settle()
    assert len((await _call(http, "GET", f"{a}/{EV}/status", A_READER))[1]["changes"]) == 1


async def test_a_predecessor_that_does_not_resolve_is_refused_naming_it(nodes: Nodes) -> None:
    http, b = nodes.http, nodes.b.url
    body = _second_life("88.200/SL-2", "88.100.1/NO-SUCH-BATTERY")
    status, problem = await _call(http, "PUT", f"{b}/88.200/SL-2", SECOND_LIFE, body)
    assert status == 422 and problem["type"].endswith("/unresolved-predecessor")
    assert (
        problem["predecessor"] == "88.100.1/NO-SUCH-BATTERY"
        and "88.100.1/NO-SUCH-BATTERY" in problem["detail"]
    )
    assert (await _call(http, "GET", f"{b}/88.200/SL-2", SECOND_LIFE))[0] == 404  # nothing written
    status, problem = await _call(
        http, "PUT", f"{b}/88.200/SL-2", SECOND_LIFE, _second_life("88.200/SL-2", EV, status="original")
    )
    assert status == 422 and "status is original" in problem["detail"]


async def test_only_a_peer_announces_a_successor(nodes: Nodes) -> None:
    http, a = nodes.http, nodes.a.url
    await _ev_on_a(nodes)
    announced = {"successor": "88.200/SL-1", "status": "repurposed"}
    assert (await _call(http, "POST", f"{a}/{EV}/successors", None, announced))[0] == 401
    assert (await _call(http, "POST", f"{a}/{EV}/successors", MAKER, announced))[0] == 403
    status, problem = await _call(
        http, "POST", f"{a}/{EV}/successors", B_TO_A, {"successor": "88.100.1/X", "status": "repurposed"}
    )
    assert status == 403 and "88.200" in problem["detail"]  # b holds 88.200 only
    status, problem = await _call(
        http,
        "POST",
        f"{a}/{EV}/successors",
        B_TO_A,
        {"successor": "88.200/NOT-WRITTEN", "status": "repurposed"},
    )
    assert status == 422 and problem["type"].endswith("/successor-not-linked")


async def test_an_owner_that_fails_is_told_again_and_the_write_does_not_wait(nodes: Nodes) -> None:
    http, b = nodes.http, nodes.b.url
    status, written = await _call(
        http, "PUT", f"{b}/88.200/SL-3", SECOND_LIFE, _second_life("88.200/SL-3", "88.300/OLD-1")
    )
    assert status == 201, written
    successions = _successions(nodes.b)
    await successions.settle()
    assert nodes.c_posts == [0, 1, 2]
    assert successions.outcomes[("88.200/SL-3", "88.300/OLD-1")] == "recorded"
    assert nodes.b_sleep.waits[-2:] == [1.0, 2.0]  # bounded backoff, by the node's injected sleep
    _, up = await _call(http, "GET", f"{b}/88.200/SL-3/lineage?direction=predecessors", B_READER)
    (old,) = up["predecessors"]
    assert old["node"] == "c" and "error" in old and "successors" not in up
