"""Validation benchmark: time of one complete EV passport on one core, and worker-pool throughput.

``python -m bench.validation --seconds S --json``; ``run(seconds)`` for ``python -m bench``.
Baseline, measured in the same run on the same document: ``orjson.loads`` + pyld expansion with
the offline loader (the part of the work that any JSON-LD node does before validating).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

__all__ = ["run"]

REPO = Path(__file__).resolve().parent.parent
PASSPORT = REPO / "examples" / "valid" / "ev-nmc811.jsonld"
TARGET_MS = 15.0


def _per_call_ms(function: Callable[[], object], seconds: float, *, min_calls: int = 5) -> dict[str, float]:
    """Median and best of repeated calls, for about ``seconds``."""
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < min_calls or time.perf_counter() < deadline:
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "best_ms": min(times), "calls": len(times)}


async def _pool_throughput(body: bytes, workers: int, seconds: float) -> float:
    from resolver.validation import Validator

    validator = Validator(workers=workers)
    await validator.start()
    try:
        # Warm each worker's caches (context processing, shapes) before timing.
        await asyncio.gather(*(validator.prepare(body) for _ in range(2 * workers)))
        done = 0
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await validator.prepare(body)
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(2 * workers)))
        return done / (time.perf_counter() - started)
    finally:
        await validator.aclose()


def run(seconds: float) -> dict[str, Any]:
    """Measure for about ``3 * seconds`` in all; returns the bench result fields."""
    from resolver import jsonld
    from resolver.validation import _engine, prepare_sync, validate_sync

    body = PASSPORT.read_bytes()
    prepared = prepare_sync(body)  # warm: profile, shapes, contexts
    if not prepared.report.conforms:
        raise RuntimeError(f"{PASSPORT.name} does not conform; fix the example first")
    engine = _engine()
    expanded = jsonld.expand(orjson.loads(body))
    graph, quads = jsonld.to_graph_and_quads(expanded)
    slice_s = max(seconds / 6, 0.2)

    baseline = _per_call_ms(lambda: jsonld.expand(orjson.loads(body)), slice_s)
    complete = _per_call_ms(lambda: prepare_sync(body), slice_s)
    validate_only = _per_call_ms(lambda: validate_sync(body), slice_s)
    to_graph = _per_call_ms(lambda: jsonld.to_graph(expanded), slice_s)
    shacl = _per_call_ms(lambda: engine.validate_graph(graph, quads=quads), slice_s)

    cpus = os.cpu_count() or 1
    pool_workers = min(2, cpus)
    one = asyncio.run(_pool_throughput(body, 1, seconds))
    two = asyncio.run(_pool_throughput(body, pool_workers, seconds))

    value = complete["median_ms"]
    base = baseline["median_ms"]
    return {
        "workload": "validation",
        "value": value,
        "unit": "ms/passport (one core, complete: parse, expand, SHACL, 3 tier views, document)",
        "baseline": base,
        "ratio": value / base if base else None,
        "target": f"<= {TARGET_MS:g} ms per complete passport per core",
        "met": value <= TARGET_MS,
        "details": {
            "passport": str(PASSPORT.relative_to(REPO)),
            "triples": len(graph),
            "baseline_is": "orjson.loads + pyld expand (offline loader, cached contexts), same passport",
            "complete_ms": complete,
            "validate_only_ms": validate_only,
            "to_graph_ms": to_graph,
            "pyshacl_run_ms": shacl,
            "pool_1_worker_per_s": round(one, 1),
            f"pool_{pool_workers}_workers_per_s": round(two, 1),
            "pool_speedup": round(two / one, 2) if one else None,
            "cpus": cpus,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "commands": [f"python -m bench.validation --seconds {seconds:g} --json"],
        "notes": [
            "single-core figures are medians of repeated in-process calls after warm-up",
            "pool figures: 2 requests in flight per worker, spawned worker processes",
            "compare figures only at a low load average: other processes on the machine inflate them",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed part (default 5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.seconds)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        d = result["details"]
        print(
            f"complete passport: {result['value']:.2f} ms (baseline {result['baseline']:.2f} ms, "
            f"x{result['ratio']:.1f}); target {result['target']}: {'met' if result['met'] else 'NOT met'}"
        )
        validate_ms, shacl_ms = d["validate_only_ms"]["median_ms"], d["pyshacl_run_ms"]["median_ms"]
        print(f"validate only {validate_ms:.2f} ms; pyshacl {shacl_ms:.2f} ms")
        print(f"pool: {d['pool_1_worker_per_s']}/s on 1 worker, speed-up x{d['pool_speedup']} on 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
