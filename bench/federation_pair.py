"""Node A of two checkouts side by side against one node B: CPU per federated miss and added time.

``python -m bench.federation_pair --other /work/wt/NAME-base [--rounds 4] [--seconds 8]``

``federated-miss`` runs one node A at a time, so a comparison of two checkouts is made minutes
apart, and on a loaded machine A's CPU per miss moves by a third between minutes. Here node B
(this checkout, core 1) serves both, and node A of this checkout and node A of ``--other`` (each
started from its own ``.venv``, both on core 0) answer misses in the same seconds: a sequential
client asks B directly, then each A, the two A's in alternating order, each for identifiers
never asked before. Per round: B's median, and each A's CPU per miss (/proc) and median over B's.
Two checkouts of the same code gave CPU per miss within 0.07 ms of each other in each round
(2.489/2.422, 2.226/2.172, 2.301/2.246 ms): smaller differences are not the code's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bench import dataset
from bench import workloads as w
from bench.harness import CLIENT_CPU, OUT, BenchError, Server, process_cpu

__all__ = ["main"]


async def _asked(urls: dict[str, list[str]], seconds: float) -> dict[str, list[float]]:
    """Seconds per lookup of each series: the first series first, the others in turn reversed."""
    names = list(urls)
    out: dict[str, list[float]] = {name: [] for name in names}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        deadline = time.monotonic() + seconds
        for i in range(min(len(series) for series in urls.values())):
            if time.monotonic() > deadline:
                break
            order = [names[0], *(names[1:] if i % 2 == 0 else names[:0:-1])]
            for name in order:
                started = time.perf_counter()
                async with session.get(urls[name][i], headers={"Accept": "application/ld+json"}) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise BenchError(f"GET {urls[name][i]} -> {resp.status}")
                out[name].append(time.perf_counter() - started)
    return out


def _node_a(name: str, tree: Path, b: Server, folder: Path, stack: contextlib.ExitStack) -> Server:
    command = w._node_command

    def from_tree(config: Path, port: int) -> list[str]:
        return [str(tree / ".venv" / "bin" / "passport-node"), *command(config, port)[1:]]

    w._node_command = from_tree
    try:
        return stack.enter_context(w._node(f"fed-a-{name}", w._federation_a(b, folder / name)))
    finally:
        w._node_command = command


def run(other: Path, rounds: int, seconds: float) -> list[str]:
    trees = {"this": Path(__file__).resolve().parents[1], "other": other.resolve()}
    path, _ = dataset.signed_sqlite_store(10_000)
    keys = dataset.prepared(10_000).keys
    third = len(keys) // 3
    lines = []
    with (
        tempfile.TemporaryDirectory(dir=OUT) as tmp,
        w._node("fed-b", w._federation_b(path), cpu=CLIENT_CPU) as b,
        contextlib.ExitStack() as stack,
    ):
        nodes = {name: _node_a(name, tree, b, Path(tmp), stack) for name, tree in trees.items()}
        bases = {"B": b.base_url, **{name: node.base_url for name, node in nodes.items()}}
        urls = {
            name: [base + "/" + w._quote(key) for key in keys[i * third : (i + 1) * third]]
            for i, (name, base) in enumerate(bases.items())
        }
        asyncio.run(_asked({name: series[:30] for name, series in urls.items()}, 60))  # warm
        done = 30
        for number in range(rounds):
            before = {name: process_cpu(node.pid) or 0.0 for name, node in nodes.items()}
            times = asyncio.run(_asked({name: series[done:] for name, series in urls.items()}, seconds))
            after = {name: process_cpu(node.pid) or 0.0 for name, node in nodes.items()}
            asked = len(times["B"])
            done += asked
            direct = statistics.median(times["B"])
            line = f"round {number}: {asked} lookups each, B directly {1000 * direct:.3f} ms"
            for name in nodes:
                cpu = 1000 * (after[name] - before[name]) / asked
                added = 1000 * (statistics.median(times[name]) - direct)
                line += f" | A ({name}) {cpu:.3f} ms CPU per miss, {added:+.3f} ms"
            print(line, flush=True)
            lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.federation_pair", description=__doc__)
    parser.add_argument("--other", type=Path, required=True, help="the other checkout (with its .venv)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="of each round")
    args = parser.parse_args(argv)
    run(args.other, args.rounds, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
