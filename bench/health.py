"""``python -m bench health``: ``GET /{id}/health`` against resolving the same passport.

One node process on Redis holds one battery with 10,000 state-of-certified-energy readings (an
hour apart). The same client (asyncio, ``--connections`` requests in flight, operator's
credentials) then alternates rounds of ``GET /{id}/health`` and ``GET /{id}`` (JSON-LD); the
ratio is health answers per second over resolves per second. Target: >= 0.5.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson

from bench import dataset
from bench.events import TOKEN
from bench.harness import OUT, PYTHON, SERVER_CPU, free_port, start_server
from bench.lifecycle_node import BENCH_HANDLE
from bench.result import make_result

__all__ = ["run_health"]

READINGS = 10_000
TARGET = 0.5
HANDLE = BENCH_HANDLE.format(0)


def _readings(start: float) -> list[dict[str, Any]]:
    return [
        {
            "dataPoint": "stateOfCertifiedEnergy",
            "time": datetime.fromtimestamp(start + i * 3600, UTC).isoformat().replace("+00:00", "Z"),
            "value": round(99.0 - 6.0 * i / READINGS + (i % 7) * 0.05, 3),
            "unit": "P1",
        }
        for i in range(READINGS)
    ]


async def _fill(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> None:
    readings = _readings(time.time() - (READINGS + 24) * 3600)
    for i in range(0, READINGS, 1000):
        body = orjson.dumps(readings[i : i + 1000])
        async with session.post(f"{url}/{HANDLE}/events", data=body, headers=headers) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"readings refused: {response.status} {await response.text()}")


async def _round(
    session: aiohttp.ClientSession, url: str, seconds: float, connections: int
) -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds
    counts = [0, 0]  # answered 200, other
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/ld+json"}

    async def worker() -> None:
        while loop.time() < stop:
            async with session.get(url, headers=headers) as response:
                await response.read()
                counts[0 if response.status == 200 else 1] += 1

    await asyncio.gather(*(worker() for _ in range(connections)))
    return counts[0], counts[1]


async def _measure(base: str, seconds: float, connections: int) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    urls = {"health": f"{base}/{HANDLE}/health", "resolve": f"{base}/{HANDLE}"}
    done = {name: [0, 0, 0.0] for name in urls}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        await _fill(session, base, headers)
        for url in urls.values():  # warm-up: connections, the first rating
            await _round(session, url, 0.5, connections)
        rounds = max(2, round(seconds / 1.0))
        for i in range(rounds):
            order = ("health", "resolve") if i % 2 == 0 else ("resolve", "health")
            for name in order:
                began = time.perf_counter()
                ok, bad = await _round(session, urls[name], seconds / rounds, connections)
                done[name][0] += ok
                done[name][1] += bad
                done[name][2] += time.perf_counter() - began
        async with session.get(urls["health"], headers=headers) as response:
            rating = orjson.loads(await response.read())
    rates = {
        name: {"rps": ok / spent, "answers": ok, "errors": bad} for name, (ok, bad, spent) in done.items()
    }
    return {**rates, "readings_rated": rating.get("readings"), "grade": rating.get("grade")}


def run_health(options: Any) -> dict[str, Any]:
    folder = OUT / "health-redis"
    shutil.rmtree(folder, ignore_errors=True)
    seconds, connections = options.seconds, min(options.connections, 16)
    with dataset.redis_server(folder) as redis:
        store = f"{redis.url}?namespace=bench-{uuid.uuid4().hex[:8]}"
        port = free_port()
        args = ["--port", str(port), "--store", store, "--passports", "1", "--node-id", "a"]
        cmd = [PYTHON, "-m", "bench.lifecycle_node", *args]
        server = start_server("health-node", cmd, port=port, cpu=SERVER_CPU, timeout=120)
        try:
            found = asyncio.run(_measure(server.base_url, seconds, connections))
        finally:
            server.stop()
    command = " ".join(cmd)
    health, resolve = found["health"]["rps"], found["resolve"]["rps"]
    ratio = health / resolve if resolve else None
    clean = not found["health"]["errors"] and not found["resolve"]["errors"]
    return make_result(
        "health",
        value=health,
        unit="req/s",
        baseline=resolve,
        ratio=ratio,
        target=f"ratio >= {TARGET} of resolve, battery with {READINGS:,} readings",
        met=(ratio is not None and ratio >= TARGET) if clean else False,
        details={**found, "connections": connections, "seconds": seconds},
        commands=[command],
        notes=[
            "one node process on Redis; one client process alternating 1 s rounds of each",
            f"the battery holds {READINGS:,} state-of-certified-energy readings, an hour apart",
            "the rating is cached per (passport version, event revision): steady state is the cache",
        ],
    )
