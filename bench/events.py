"""``python -m bench events``: readings ingested per second over HTTP, batches of 100, Redis,
two node processes; the baseline is two processes that only read and parse the same bodies.

The load comes from one client process here (asyncio, ``--connections`` requests in flight,
round-robin over the two nodes and 100 passports); every batch has new event ids, so every
reading is stored. Node and baseline see the same client, batches and duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import statistics
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from bench import dataset
from bench.harness import CLIENT_CPU, OUT, PYTHON, SERVER_CPU, Server, free_port, process_cpu, start_server
from bench.lifecycle_node import BENCH_HANDLE
from bench.result import make_result

__all__ = ["run_events"]

BATCH = 100
PASSPORTS = 100
TARGET = 20_000
TOKEN = "bench-operator"


def _batch(n: int, base: float) -> bytes:
    readings = []
    for j in range(BATCH):
        at = datetime.fromtimestamp(base + n * 1.0 + j * 0.001, UTC).isoformat().replace("+00:00", "Z")
        readings.append(
            {
                "dataPoint": "stateOfCertifiedEnergy",
                "time": at,
                "value": 85.0 + (n * 7 + j) % 15,
                "unit": "P1",
                "eventID": f"urn:bench:{n}:{j}",
            }
        )
    return orjson.dumps(readings)


async def _load(urls: Sequence[str], seconds: float, connections: int, run: str) -> dict[str, Any]:
    """Post batches for ``seconds``; readings/s and latency of the batches answered 2xx."""
    counter = itertools.count()
    base = time.time() - 300 * 86400  # readings dated in the past, one second apart per batch
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    latencies: list[float] = []
    errors: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while loop.time() < stop:
                n = next(counter)
                url = f"{urls[n % len(urls)]}/{BENCH_HANDLE.format(n % PASSPORTS)}/events"
                body = _batch(n, base)
                started = loop.time()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        ok = response.status in (200, 201)
                        key = str(response.status)
                except aiohttp.ClientError as err:
                    ok, key = False, type(err).__name__
                if ok:
                    latencies.append(loop.time() - started)
                else:
                    errors[key] = errors.get(key, 0) + 1

        stop = loop.time() + 1.0  # warm-up: connections, first Lua script load
        await asyncio.gather(*(worker() for _ in range(connections)))
        latencies.clear()
        errors.clear()
        began = loop.time()
        stop = began + seconds
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = loop.time() - began
    batches = len(latencies)
    ordered = sorted(latencies)
    return {
        "run": run,
        "readings_per_s": batches * BATCH / elapsed,
        "batches": batches,
        "errors": errors,
        "batch_ms": {
            "median": round(statistics.median(ordered) * 1000, 2) if ordered else None,
            "p99": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2) if ordered else None,
        },
    }


@contextlib.contextmanager
def _pair(name: str, args: Sequence[Sequence[str]]) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for i, (cpu, extra) in enumerate(zip((SERVER_CPU, CLIENT_CPU), args, strict=True)):
            port = free_port()
            cmd = [PYTHON, "-m", "bench.lifecycle_node", "--port", str(port), *extra]
            servers.append(start_server(f"{name}-{i}", cmd, port=port, cpu=cpu, timeout=120))
        yield servers
    finally:
        for server in servers:
            server.stop()


def run_events(options: Any) -> dict[str, Any]:
    folder = OUT / "events-redis"
    shutil.rmtree(folder, ignore_errors=True)
    seconds, connections = options.seconds, min(options.connections, 32)
    with dataset.redis_server(folder) as redis:
        store = f"{redis.url}?namespace=bench-{uuid.uuid4().hex[:8]}"
        nodes = [
            ["--store", store, "--passports", str(PASSPORTS), "--node-id", "a"],
            ["--store", store, "--node-id", "b"],
        ]
        with _pair("events-node", nodes) as servers:
            node = asyncio.run(_load([s.base_url for s in servers], seconds, connections, "node"))
            commands = [
                " ".join(s.proc.args) if isinstance(s.proc.args, list) else str(s.proc.args) for s in servers
            ]
    with _pair("events-baseline", [["--baseline"], ["--baseline"]]) as servers:
        baseline = asyncio.run(_load([s.base_url for s in servers], seconds, connections, "baseline"))
    value = node["readings_per_s"]
    ratio = value / baseline["readings_per_s"] if baseline["readings_per_s"] else None
    clean = not node["errors"]
    return make_result(
        "events",
        value=value,
        unit="readings/s",
        baseline=baseline["readings_per_s"],
        ratio=ratio,
        target=f">= {TARGET:,} readings/s (batches of {BATCH}, Redis, 2 node processes)",
        met=(value >= TARGET) if clean else False,
        details={"node": node, "baseline": baseline, "connections": connections, "seconds": seconds},
        commands=commands,
        notes=[
            f"one client process, {connections} batches in flight, round-robin over 2 nodes "
            f"and {PASSPORTS} passports",
            "nodes pinned to cores 0 and 1; redis-server and the client share the machine with them",
            "every reading is new (unique eventID) and stored; the warning rules run on each batch",
        ],
    )


# --- warning-latency ----------------------------------------------------------------------------

RATE = 1_000  # readings/s offered
LATENCY_TARGET_MS = 100.0


WARM_UP = 1.0  # seconds of the same load before the timed window, reported apart


class _Receiver:
    """The webhook receiver: when each warning (by its event id) arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def hook(self, request: Any) -> Any:
        from aiohttp import web

        warning = orjson.loads(await request.read())["warning"]
        self.arrived.setdefault(warning["event_id"], asyncio.get_running_loop().time())
        self.changed.set()
        return web.Response(status=204)

    async def all_of(self, sent: dict[str, float], *, within: float) -> None:
        """Until every warning of ``sent`` arrived, or ``within`` seconds passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while any(k not in self.arrived for k in sent) and loop.time() < deadline:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(0.0, deadline - loop.time()))


def _latency_batch(event_id: str, at: str) -> bytes:
    batch: list[dict[str, Any]] = [
        {
            "dataPoint": "stateOfCharge",
            "time": at,
            "value": 50 + j,
            "unit": "P1",
            "eventID": f"{event_id}:{j}",
        }
        for j in range(9)
    ]
    batch.append({"dataPoint": "negativeEvent", "time": at, "eventType": "Overcharge", "eventID": event_id})
    return orjson.dumps(batch)


async def _round(
    session: aiohttp.ClientSession, urls: Sequence[str], seconds: float, tag: str, receiver: _Receiver
) -> dict[str, Any]:
    """Post 10 readings every 10 ms (one a negative event, so one warning per batch) for
    ``seconds``; each warning's time from its POST to its arrival at the receiver."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    loop = asyncio.get_running_loop()
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    base = time.time() - 200 * 86400

    async def post(n: int) -> None:
        at = datetime.fromtimestamp(base + n, UTC).isoformat().replace("+00:00", "Z")
        event_id = f"urn:bench:latency:{tag}:{n}"
        url = f"{urls[n % len(urls)]}/{BENCH_HANDLE.format(n % PASSPORTS)}/events"
        body = _latency_batch(event_id, at)
        sent[event_id] = loop.time()
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
        answered[event_id] = loop.time()

    tasks = []
    started = loop.time()
    n = 0
    while loop.time() - started < seconds:
        tasks.append(asyncio.ensure_future(post(n)))
        n += 1
        await asyncio.sleep(max(0.0, started + n * 0.01 - loop.time()))
    await asyncio.gather(*tasks)
    await receiver.all_of(sent, within=10.0)
    arrived = receiver.arrived
    delays = [(arrived[k] - sent[k]) * 1000 for k in sent if k in arrived]
    # Where the time went: the POST until it was answered (store, rules, warning stored and
    # published), and the arrival after that answer (the woken claim and the webhook; negative
    # when the webhook arrived before the answer did).
    posts = [(answered[k] - sent[k]) * 1000 for k in sent if k in answered]
    after = [(arrived[k] - answered[k]) * 1000 for k in sent if k in arrived and k in answered]
    return {
        "warnings_sent": len(sent),
        "warnings_delivered": len(delays),
        "offered_readings_per_s": len(sent) * 10 / seconds,
        "ms": _spread(delays),
        "post_answered_ms": _spread(posts),
        "arrived_after_answer_ms": _spread(after),
    }


def _spread(values: Sequence[float]) -> dict[str, float | None]:
    """Median, p99 (the same rank as the headline figure) and max of ``values``, in ms."""
    ordered = sorted(values)
    if not ordered:
        return {"median": None, "p99": None, "max": None}
    return {
        "median": round(statistics.median(ordered), 1),
        "p99": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 1),
        "max": round(ordered[-1], 1),
    }


def _redis_calls(url: str) -> int:
    """Commands the Redis at ``url`` has run so far (``INFO commandstats``)."""
    import redis

    with redis.Redis.from_url(url) as client:
        stats = client.info("commandstats")
    return sum(int(entry["calls"]) for entry in stats.values())


def _costs(pids: Sequence[int], redis_url: str) -> tuple[float, int]:
    return sum(process_cpu(pid) or 0.0 for pid in pids), _redis_calls(redis_url)


async def _latency(
    urls: Sequence[str], seconds: float, pids: Sequence[int], redis_url: str
) -> dict[str, Any]:
    """A warm-up round (first connections, first reads of each passport), then the timed one,
    against a webhook receiver in this process; the nodes' CPU and the Redis commands of the
    timed round per warning."""
    from aiohttp import web

    receiver = _Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    try:
        async with aiohttp.ClientSession() as session:
            sub = {
                "filter": {"rules": ["negative-event"]},
                "delivery": {"kind": "webhook", "url": f"http://127.0.0.1:{port}/hook"},
            }
            async with session.post(f"{urls[0]}/subscriptions", data=orjson.dumps(sub), headers=headers) as r:
                if r.status != 201:
                    raise RuntimeError(f"subscription refused: {r.status} {await r.text()}")
            warm = await _round(session, urls, WARM_UP, "warm", receiver)
            cpu, calls = _costs(pids, redis_url)
            found = await _round(session, urls, seconds, "timed", receiver)
            cpu_after, calls_after = _costs(pids, redis_url)
    finally:
        await runner.cleanup()
    per = max(found["warnings_sent"], 1)
    costs = {
        "node_cpu_ms": round((cpu_after - cpu) * 1000 / per, 2),
        "redis_commands": round((calls_after - calls) / per, 1),
    }
    return {**found, "per_warning": costs, "warm_up": warm}


def run_warning_latency(options: Any) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    folder = OUT / "warning-latency-redis"
    shutil.rmtree(folder, ignore_errors=True)
    with dataset.redis_server(folder) as redis:
        store = f"{redis.url}?namespace=bench-{uuid.uuid4().hex[:8]}"
        nodes = [
            ["--store", store, "--passports", str(PASSPORTS), "--node-id", "a"],
            ["--store", store, "--node-id", "b"],
        ]
        with _pair("latency-node", nodes) as servers:
            pids = [s.proc.pid for s in servers]
            found = asyncio.run(_latency([s.base_url for s in servers], options.seconds, pids, redis.url))
            commands = [
                " ".join(s.proc.args) if isinstance(s.proc.args, list) else str(s.proc.args) for s in servers
            ]
    p99 = found["ms"]["p99"]
    complete = found["warnings_delivered"] == found["warnings_sent"]
    return make_result(
        "warning-latency",
        value=p99,
        unit="ms (p99)",
        baseline=None,
        ratio=None,
        target=f"p99 <= {LATENCY_TARGET_MS:g} ms from POST to webhook at {RATE:,} readings/s",
        met=(p99 is not None and p99 <= LATENCY_TARGET_MS and complete),
        details={
            **found,
            "seconds": options.seconds,
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        },
        commands=commands,
        notes=[
            "10 readings every 10 ms, one of them a negative event (one warning per batch), alternating "
            "over two node processes on one Redis; the webhook receiver runs in the load process",
            "per_warning: both nodes' CPU (/proc, includes the readings' POST) and Redis commands "
            "(INFO commandstats) in the timed round, per warning",
            f"a {WARM_UP:g} s warm-up round of the same load first (first connections, first reads of "
            "each passport); its figures are shown apart (warm_up), not in the p99",
            "post_answered_ms: the POST until answered; arrived_after_answer_ms: the webhook's "
            "arrival after that answer (negative: before it); load_average: os.getloadavg() at "
            "the start and the end",
            "no baseline: the figure is a latency against a fixed target",
        ],
    )
