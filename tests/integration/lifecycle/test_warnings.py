"""Warnings: raised once, acknowledged, delivered to a real webhook receiver, dead-lettered,
and streamed as Server-Sent Events with Last-Event-ID resume."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio
from aiohttp import web

from resolver.lifecycle.delivery import SIGNATURE_HEADER, verify
from tests.integration.lifecycle.conftest import OPERATOR, REPAIRER, LifecycleNode, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

JSON = {"Content-Type": "application/json"}
_serial = itertools.count(1)


class Receiver:
    """A webhook receiver on 127.0.0.1: answers 503 to the first ``fail_first`` attempts (or to
    all), records what it accepted."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.always_fail = False
        self.attempts = 0
        self.accepted: list[tuple[dict[str, str], bytes]] = []
        self._arrived = asyncio.Condition()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.attempts += 1
        if self.always_fail or self.attempts <= self.fail_first:
            return web.Response(status=503)
        async with self._arrived:
            self.accepted.append((dict(request.headers), body))
            self._arrived.notify_all()
        return web.Response(status=204)

    async def wait_for(self, count: int) -> None:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.accepted) >= count), 15)

    def warnings(self) -> list[dict[str, Any]]:
        return [orjson.loads(body)["warning"] for _, body in self.accepted]


@pytest_asyncio.fixture(loop_scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


async def post_readings(
    http: aiohttp.ClientSession, node: LifecycleNode, handle: str, body: Any
) -> dict[str, Any]:
    async with http.post(
        f"{node.url}/{handle}/events", data=orjson.dumps(body), headers={**JSON, **bearer(OPERATOR)}
    ) as response:
        assert response.status in (200, 201), await response.text()
        result: dict[str, Any] = await response.json()
        return result


async def subscribe(
    http: aiohttp.ClientSession, node: LifecycleNode, body: Any, token: str = REPAIRER
) -> Any:
    async with http.post(
        f"{node.url}/subscriptions", data=orjson.dumps(body), headers={**JSON, **bearer(token)}
    ) as r:
        return r.status, await r.json(content_type=None)


def soce(*values: float, day: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "dataPoint": "stateOfCertifiedEnergy",
            "time": f"2026-11-{day + i:02d}T08:00:00Z",
            "value": v,
            "unit": "P1",
        }
        for i, v in enumerate(values)
    ]


def negative_event(day: int = 20) -> dict[str, Any]:
    return {
        "dataPoint": "negativeEvent", "time": f"2026-11-{day:02d}T09:00:00Z", "eventType": "DeepDischarge",
        "severity": "Minor", "eventID": f"urn:uuid:test-negative-{next(_serial)}",
    }  # fmt: skip


async def webhook(http: aiohttp.ClientSession, node: LifecycleNode, receiver: Receiver, handle: str) -> Any:
    status, sub = await subscribe(
        http, node, {"filter": {"handles": [handle]}, "delivery": {"kind": "webhook", "url": receiver.url}}
    )
    assert status == 201, sub
    return sub


async def test_a_threshold_crossing_gives_one_warning_delivered_once_and_signed(
    node: LifecycleNode, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    handle = await node.new_passport()
    # Any accepted form of the identifier filters on the passport (here: lower case, a URL).
    sub = await webhook(http, node, receiver, f"https://hdl.handle.net/{handle.lower()}")
    assert sub["handles"] == [handle]
    first = await post_readings(http, node, handle, soce(85.0, 82.0, 79.0, 78.5))
    assert len(first["warnings"]) == 1
    again = await post_readings(http, node, handle, soce(78.0, 77.0, day=10))
    assert again["warnings"] == []  # the same crossing: no second warning
    # A later, different warning is delivered after the first: when it arrives, a duplicate
    # of the first would have too.
    await post_readings(http, node, handle, [negative_event()])
    await receiver.wait_for(2)
    rules = [w["rule"] for w in receiver.warnings()]
    assert rules == ["soh-below", "negative-event"]
    headers, body = receiver.accepted[0]
    assert verify(sub["secret"], headers[SIGNATURE_HEADER], body, now=node.clock())
    assert not verify("another-secret-of-some-length", headers[SIGNATURE_HEADER], body, now=node.clock())
    assert not verify(sub["secret"], headers[SIGNATURE_HEADER], body + b" ", now=node.clock())
    warning = receiver.warnings()[0]
    assert warning["handle"] == handle and warning["severity"] == "warning" and warning["value"] == 79.0


async def test_the_operator_acknowledges_a_warning_and_others_may_not(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    await post_readings(http, node, handle, soce(55.0))
    async with http.get(f"{node.url}/{handle}/warnings", headers=bearer(REPAIRER)) as response:
        (warning,) = (await response.json())["warnings"]
    assert warning["rule"] == "soh-below" and warning["severity"] == "critical"
    ack = f"{node.url}/{handle}/warnings/{warning['id']}/ack"
    async with http.post(ack, headers=bearer(REPAIRER)) as response:
        assert response.status == 403
    async with http.post(ack, headers=bearer(OPERATOR)) as response:
        assert response.status == 200
        acked = await response.json()
    assert acked["acked_by"] == "maker" and acked["acked_at"] == node.clock()
    async with http.post(f"{node.url}/{handle}/warnings/w-nothing/ack", headers=bearer(OPERATOR)) as response:
        assert response.status == 404


async def test_a_receiver_that_fails_three_times_then_recovers_gets_it_on_retry(
    node: LifecycleNode, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    handle = await node.new_passport()
    await webhook(http, node, receiver, handle)
    receiver.fail_first = receiver.attempts + 3
    waits_before = len(node.sleep.waits)
    expected = len(receiver.accepted) + 1  # counted first: the delivery may beat the POST's answer
    await post_readings(http, node, handle, [negative_event()])
    await receiver.wait_for(expected)
    assert receiver.attempts == receiver.fail_first + 1
    # Backoff 1, 2, 4 s (doubling), each times 0.75 (the test's jitter).
    assert node.sleep.waits[waits_before:] == [0.75, 1.5, 3.0]


async def test_a_receiver_that_always_fails_lands_in_dead_letters_until_redelivered(
    node: LifecycleNode, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    handle = await node.new_passport()
    sub = await webhook(http, node, receiver, handle)
    receiver.always_fail = True
    attempts_before = receiver.attempts
    await post_readings(http, node, handle, [negative_event()])
    letters_url = f"{node.url}/subscriptions/{sub['id']}/dead-letters"
    letters: list[Any] = []
    for _ in range(200):  # the attempts run on the node's loop; each poll yields to them
        async with http.get(letters_url, headers=bearer(REPAIRER)) as response:
            letters = (await response.json())["deadLetters"]
        if letters:
            break
    (letter,) = letters
    assert letter["attempts"] == 5 and letter["last_error"] == "HTTP 503"
    assert receiver.attempts - attempts_before == 5
    receiver.always_fail = False
    delivered = len(receiver.accepted)
    async with http.post(f"{letters_url}/{letter['id']}/redeliver", headers=bearer(REPAIRER)) as response:
        assert response.status == 202
    await receiver.wait_for(delivered + 1)
    assert receiver.warnings()[-1]["id"] == letter["warning"]["id"]
    async with http.get(letters_url, headers=bearer(REPAIRER)) as response:
        assert (await response.json())["deadLetters"] == []
    async with http.get(letters_url, headers=bearer(OPERATOR)) as response:
        assert response.status == 404  # another caller's subscription


async def read_sse(response: aiohttp.ClientResponse, count: int) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    current: dict[str, str] = {}
    while len(events) < count:
        line = (await asyncio.wait_for(response.content.readline(), 15)).decode().rstrip("\n")
        if line.startswith(":"):
            continue
        if not line:
            if "data" in current:
                events.append((current["id"], orjson.loads(current["data"])))
            current = {}
            continue
        name, _, value = line.partition(": ")
        current[name] = value
    return events


async def test_the_sse_stream_resumes_after_last_event_id_with_no_gap_and_no_duplicate(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    status, sub = await subscribe(http, node, {"filter": {"handles": [handle]}, "delivery": {"kind": "sse"}})
    assert status == 201 and "secret" not in sub
    stream = f"{node.url}/subscriptions/{sub['id']}/stream"
    await post_readings(http, node, handle, [negative_event(), negative_event()])
    async with http.get(stream, headers=bearer(REPAIRER)) as response:
        assert response.content_type == "text/event-stream"
        first = await read_sse(response, 2)
    await post_readings(http, node, handle, [negative_event(), negative_event(), negative_event()])
    headers = {**bearer(REPAIRER), "Last-Event-ID": first[-1][0]}
    async with http.get(stream, headers=headers) as response:
        rest = await read_sse(response, 3)
    ids = [w["event_id"] for _, w in first + rest]
    assert len(set(ids)) == 5
    async with http.get(f"{node.url}/{handle}/warnings", headers=bearer(REPAIRER)) as response:
        stored = [w["event_id"] for w in (await response.json())["warnings"]]
    assert sorted(ids) == sorted(stored)
    # Not ids: text, more digits than a 64-bit id (was a 500 on SQLite), int()'s "1_0".
    for wrong in ("not-an-id", "9" * 30, "1_0"):
        async with http.get(stream, headers={**bearer(REPAIRER), "Last-Event-ID": wrong}) as response:
            assert response.status == 400, wrong
            assert response.content_type == "application/problem+json"
    # HEAD answers the headers and ends (it used to stream keep-alives nobody reads).
    async with asyncio.timeout(10), http.head(stream, headers=bearer(REPAIRER)) as response:
        assert response.status == 200 and response.content_type == "text/event-stream"


async def test_no_data_for_n_days_raises_one_warning_per_silent_spell(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    await post_readings(http, node, handle, soce(95.0, day=29))
    service = node.lifecycle.service
    assert service is not None
    saved = node.clock.now
    try:
        node.clock.now = saved + 28 * 86400
        assert handle not in [w.handle for w in await service.sweep_silence()]
        node.clock.now = saved + 31 * 86400
        assert handle in [w.handle for w in await service.sweep_silence()]
        assert handle not in [w.handle for w in await service.sweep_silence()]
    finally:
        node.clock.now = saved
    rules = [w.rule for w in await service.events.warnings(handle)]
    assert rules == ["no-data"]


async def test_a_subscription_needs_credentials_and_a_valid_filter(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    body = {"delivery": {"kind": "sse"}}
    async with http.post(f"{node.url}/subscriptions", data=orjson.dumps(body), headers=JSON) as response:
        assert response.status == 401
    status, problem = await subscribe(
        http, node, {"filter": {"rules": ["gloom"]}, "delivery": {"kind": "sse"}}
    )
    assert status == 400 and "'gloom' is not one of" in problem["detail"]
    status, problem = await subscribe(http, node, {"delivery": {"kind": "webhook", "url": "ftp://x"}})
    assert status == 400 and "http(s) URL" in problem["detail"]


@pytest.mark.parametrize(
    "url", ["http://10.0.0.7/hook", "http://169.254.169.254/latest/meta-data", "http://localhost:9/hook"]
)
async def test_a_webhook_may_only_go_to_a_host_the_node_allows(
    node: LifecycleNode, http: aiohttp.ClientSession, url: str
) -> None:
    # The test node allows 127.0.0.1 only (lifecycle.allowed_webhook_hosts).
    status, problem = await subscribe(http, node, {"delivery": {"kind": "webhook", "url": url}})
    assert status == 400, problem
    assert "is not one this node delivers to" in problem["detail"]


async def test_an_operator_sets_warning_rules_for_its_prefix(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    rules_url = f"{node.url}/rules/88.100.1"
    headers = {**JSON, **bearer(OPERATOR)}
    try:
        async with http.put(
            rules_url, data=orjson.dumps({"warn_soh_below": 90}), headers=headers
        ) as response:
            assert response.status == 200, await response.text()
        raised = await post_readings(http, node, handle, soce(89.0))
        assert len(raised["warnings"]) == 1  # 89 % is under this prefix's 90 %, not the node's 80 %
        async with http.get(rules_url, headers=bearer(OPERATOR)) as response:
            assert (await response.json())["rules"] == {"warn_soh_below": 90.0}
        async with http.put(
            rules_url, data=orjson.dumps({"warn_soh_below": 90}), headers={**JSON, **bearer(REPAIRER)}
        ) as r:
            assert r.status == 403
        async with http.put(rules_url, data=orjson.dumps({"grade_a": 1}), headers=headers) as response:
            assert response.status == 400
    finally:
        async with http.put(rules_url, data=b"{}", headers=headers) as response:
            assert response.status == 200
    other = await node.new_passport()
    assert (await post_readings(http, node, other, soce(89.0)))["warnings"] == []
