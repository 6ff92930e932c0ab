"""``python -m bench sparql-processes``: several node processes on one Redis store, each with
its own SPARQL index fed from the shared change feed (the design docs/sparql.md chose).

For 1 and then N node processes' worth of indexes (each an index process of its own, as
``serve --processes N`` runs them, and a follower of the shared feed): the time for every index
to catch up with the store from empty, the lag after a write until every index answers it (an
ASK through the engine), and the disk each index takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness import temp_dir
from bench.result import make_result
from bench.sparql import with_name

__all__ = ["run"]

PASSPORTS = 300
PROCESSES = 2
WRITES = 30
TARGET = "index lag p99 <= 100 ms with every process's index"


def run(options: Any) -> dict[str, Any]:
    return asyncio.run(_run(int(getattr(options, "processes", 0) or PROCESSES)))


async def _run(processes: int) -> dict[str, Any]:
    data = dataset.prepared(10_000)  # cached for the sparql workload; the first PASSPORTS of it
    with temp_dir("sparql-processes") as folder, dataset.redis_server(folder / "redis") as redis:
        await _load(redis.url, data)
        one = await _measure(redis.url, folder / "one", 1)
        many = await _measure(redis.url, folder / "many", processes)
    return make_result(
        "sparql-processes",
        value=many["lag_p99_ms"],
        unit=f"ms (index lag p99, {processes} processes)",
        baseline=one["lag_p99_ms"],
        ratio=round(many["lag_p99_ms"] / one["lag_p99_ms"], 2) if one["lag_p99_ms"] else None,
        target=TARGET,
        met=many["lag_p99_ms"] <= 100,
        details={"passports": PASSPORTS, "processes_1": one, f"processes_{processes}": many},
        commands=[f"python -m bench sparql-processes (PROCESSES = {processes})"],
        notes=[
            "each index in its own index process, each fed by its own follower (poll 10 ms) of the "
            "shared Redis feed; the followers share one Python process here",
            "lag: from the write until every index answers an ASK for the written value",
        ],
    )


async def _load(url: str, data: Any) -> None:
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    try:
        for key, views in zip(data.keys[:PASSPORTS], data.views, strict=False):
            await store.put(key, {Tier(t): v for t, v in views.items()})
    finally:
        await store.aclose()


async def _measure(url: str, folder: Path, processes: int) -> dict[str, Any]:
    from resolver.sparql.runtime import open_sparql
    from resolver.stores import open_store

    store = await open_store(url)
    try:
        async with contextlib.AsyncExitStack() as stack:
            started = time.perf_counter()
            indexes = [
                await stack.enter_async_context(
                    open_sparql(store, directory=folder / f"index-p{n}", poll_interval=0.01, process=True)
                )
                for n in range(processes)
            ]
            while not all(index.follower.caught_up for index in indexes):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            caught_up = time.perf_counter() - started
            lags = await _lags(store, indexes, run=f"p{processes}")
            size = sum(index.index.size_bytes() for index in indexes) / processes
    finally:
        await store.aclose()
    return {
        "catch_up_s": round(caught_up, 1),
        "lag_p50_ms": round(statistics.median(lags), 1),
        "lag_p99_ms": round(sorted(lags)[min(len(lags) - 1, int(len(lags) * 0.99))], 1),
        "writes": len(lags),
        "index_mb_each": round(size / 1e6, 1),
    }


async def _lags(store: Any, indexes: list[Any], *, run: str) -> list[float]:
    from resolver.sparql.engine import Dataset
    from resolver.sparql.guard import check_query
    from resolver.tiers import Tier

    _, keys = await store.handles(limit=50)
    lags: list[float] = []
    for n in range(WRITES):
        key = keys[n % len(keys)]
        record = await store.get(key)
        marker = f"lag-probe-{run}-{n}"  # a value no earlier run wrote
        views = {t: with_name(v, marker) for t, v in record.views.items()}
        ask = check_query(f'ASK {{ ?p <https://ref.gs1.org/voc/productName> "{marker}" }}', max_chars=1000)
        started = time.perf_counter()
        await store.put(key, views)
        waiting = list(indexes)
        while waiting:
            answers = [
                await index.engine.answer(ask, Tier.PUBLIC, accept=None, dataset=Dataset())
                for index in waiting
            ]
            waiting = [i for i, a in zip(waiting, answers, strict=True) if b"true" not in a.body]
            if waiting:
                await asyncio.sleep(0.002)
        lags.append((time.perf_counter() - started) * 1000)
    return lags
