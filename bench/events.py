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
from bench.harness import CLIENT_CPU, OUT, PYTHON, SERVER_CPU, Server, free_port, start_server
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
