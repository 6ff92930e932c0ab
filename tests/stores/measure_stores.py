"""Measure the stores: bytes per passport, get_view latency, startup with many passports stored.

Not a test (pytest does not collect it); run it from the repository root:

    .venv/bin/python -m tests.stores.measure_stores --passports 100000 --versions 1

Passports are the tier views of examples/valid/ev-nmc811.jsonld (made by the profile's own
Validator), varied per passport: the identifier and every digit run are replaced with seeded
random digits of the same length (the context URL kept), so each passport compresses like a
real, distinct one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import redis
import uvloop

from resolver.stores.redis import DEFAULT_PARTITIONS, RedisStore, partition_of
from resolver.stores.sqlite import SQLiteStore
from resolver.tiers import Tier
from tests.support.redis_server import RedisServer

EXAMPLE = Path("examples/valid/ev-nmc811.jsonld")
_DIGITS = re.compile(rb"[0-9]+")
_CONTEXT = b"https://w3id.org/battery-passport/eu-battery/v1"


async def example_views() -> dict[Tier, bytes]:
    try:
        from resolver.validation import Validator
    except ImportError:  # the profile is not there: realistic synthetic sizes instead
        return {
            t: orjson.dumps({"@id": "x", "p": "v" * n}) for t, n in zip(Tier, (3100, 4400, 4500), strict=True)
        }
    validator = Validator(workers=1)
    await validator.start()
    try:
        prepared = await validator.prepare(await asyncio.to_thread(EXAMPLE.read_bytes))
    finally:
        await validator.aclose()
    return dict(prepared.views)


def vary(views: dict[Tier, bytes], i: int, version: int = 0) -> tuple[str, dict[Tier, bytes]]:
    rng = random.Random(i * 1009 + version)
    digits: dict[bytes, bytes] = {}

    def swap(match: re.Match[bytes]) -> bytes:
        old = match.group(0)
        if old not in digits:
            digits[old] = bytes(rng.choice(b"0123456789") for _ in old)
        return digits[old]

    handle = f"88.100.1/BAT-{i:07d}"
    # The context URL is the same in every passport: keep its digits.
    hidden = {tier: body.replace(_CONTEXT, b"\0") for tier, body in views.items()}
    return handle, {tier: _DIGITS.sub(swap, body).replace(b"\0", _CONTEXT) for tier, body in hidden.items()}


async def load(store: Any, views: dict[Tier, bytes], n: int, versions: int) -> float:
    spent = 0.0
    batch = 256
    for version in range(versions):
        for lo in range(0, n, batch):
            made = [vary(views, i, version) for i in range(lo, min(n, lo + batch))]
            start = time.perf_counter()
            await asyncio.gather(*(store.put(handle, tier_views) for handle, tier_views in made))
            spent += time.perf_counter() - start
    return spent


async def latency(store: Any, n: int, samples: int) -> dict[str, float]:
    rng = random.Random(1)
    handles = [f"88.100.1/BAT-{rng.randrange(n):07d}" for _ in range(samples)]
    times: list[float] = []
    for handle in handles:
        t0 = time.perf_counter()
        view = await store.get_view(handle, Tier.PUBLIC)
        times.append(time.perf_counter() - t0)
        if view is None:
            raise RuntimeError(f"{handle} missing")
    times.sort()
    return {
        "mean_us": round(statistics.fmean(times) * 1e6, 1),
        "p50_us": round(times[len(times) // 2] * 1e6, 1),
        "p99_us": round(times[int(len(times) * 0.99)] * 1e6, 1),
    }


async def throughput(read: Callable[[str], Awaitable[Any]], n: int, samples: int) -> int:
    """Reads per second with 64 tasks reading at once (as 64 HTTP connections would)."""
    rng = random.Random(2)
    handles = [f"88.100.1/BAT-{rng.randrange(n):07d}" for _ in range(samples)]
    per_task = len(handles) // 64

    async def task(k: int) -> None:
        for handle in handles[k * per_task : (k + 1) * per_task]:
            await read(handle)

    start = time.perf_counter()
    await asyncio.gather(*(task(k) for k in range(64)))
    return round(per_task * 64 / (time.perf_counter() - start))


async def measure(n: int, versions: int, samples: int, compress_over: int | None) -> dict[str, Any]:
    views = await example_views()
    out: dict[str, Any] = {
        "passports": n,
        "versions_each": versions,
        "view_bytes": {t.label: len(b) for t, b in views.items()},
        "compress_public_over": compress_over,
    }
    with tempfile.TemporaryDirectory() as tmp, RedisServer() as server:
        path = Path(tmp) / "store.sqlite3"
        store = await SQLiteStore.open(path)
        out["sqlite_put_s"] = round(await load(store, views, n, versions), 1)
        await store.aclose()
        size = await asyncio.to_thread(_file_bytes, Path(tmp))
        out["sqlite_bytes_per_passport"] = round(size / n)
        t0 = time.perf_counter()
        store = await SQLiteStore.open(path)
        await store.get_view("88.100.1/BAT-0000000", Tier.PUBLIC)
        out["sqlite_startup_s"] = round(time.perf_counter() - t0, 3)
        out["sqlite_get_view_inline"] = await latency(store, n, samples)
        await store.aclose()
        store = await SQLiteStore.open(path, reads="thread")
        out["sqlite_get_view_thread"] = await latency(store, n, samples)
        await store.aclose()

        with redis.Redis(port=server.port) as client:
            before = int(client.info("memory")["used_memory"])
            rstore = await RedisStore.open(server.url, compress_public_over=compress_over)
            out["redis_put_s"] = round(await load(rstore, views, n, versions), 1)
            await rstore.aclose()
            after = int(client.info("memory")["used_memory"])
        out["redis_bytes_per_passport"] = round((after - before) / n)
        t0 = time.perf_counter()
        rstore = await RedisStore.open(server.url, compress_public_over=compress_over)
        await rstore.get_view("88.100.1/BAT-0000000", Tier.PUBLIC)
        out["redis_startup_s"] = round(time.perf_counter() - t0, 3)
        out["redis_get_view"] = await latency(rstore, n, samples)
        out["redis_get_view_64_concurrent_per_s"] = await throughput(
            lambda h: rstore.get_view(h, Tier.PUBLIC), n, samples
        )
        client = rstore._client  # the same HGET through redis-py, for comparison
        out["redis_py_hget_64_concurrent_per_s"] = await throughput(
            lambda h: client.hget(f"bp:{{p{partition_of(h, DEFAULT_PARTITIONS)}}}:h:{h}", "c"), n, samples
        )
        await rstore.aclose()
    return out


def _file_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("store.sqlite3*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passports", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=1, help="versions written per passport")
    parser.add_argument("--samples", type=int, default=20_000, help="get_view calls timed per store")
    parser.add_argument(
        "--compress-public-over", type=int, default=None, help="Redis: zlib public views over N bytes"
    )
    args = parser.parse_args(argv)
    uvloop.install()  # as the node runs
    result = asyncio.run(measure(args.passports, args.versions, args.samples, args.compress_public_over))
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
