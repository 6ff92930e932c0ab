"""``python -m bench soak --seconds 600``: a long mixed load at about 80% of the resolve rate.

The node (10,000 passports in SQLite, a copy of the cached store) is first driven flat out by
this process's client for a few seconds to find the rate it can take; the soak then paces
public reads at 80% of it, with one passport rewritten (PUT) every half second. Reported:
the node's RSS at the start and end, the p99 of each minute (each tenth of the run when it is
shorter than ten minutes), and every error. Target: RSS within 10%, 0 errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench import dataset
from bench.harness import OUT
from bench.result import make_result

__all__ = ["OPERATOR", "soak", "soak_store"]

OPERATOR = "soak-operator"
_CALIBRATE_S = 5.0
_SHARE = 0.8
_WRITE_EVERY_S = 0.5


@dataclass
class _Window:
    started: float
    latencies: list[float] = field(default_factory=list)
    writes: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self, rss: int, since: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else None
        return {
            "from_s": round(self.started - since, 1),
            "reads": len(ordered),
            "writes": self.writes,
            "p99_ms": None if p99 is None else round(p99, 2),
            "errors": len(self.errors),
            "rss_mb": round(rss / 2**20, 1),
        }


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as src:
        for line in src:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def soak(options: Any, node: Any, keys: list[str]) -> dict[str, Any]:
    """Run the soak against ``node`` (a started bench Server) over ``keys``."""
    return asyncio.run(_soak(options.seconds, node, keys))


async def _soak(seconds: float, node: Any, keys: list[str]) -> dict[str, Any]:
    import aiohttp

    base = node.base_url
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as http:
        max_rate = await _calibrate(http, base, keys)
        rate = max_rate * _SHARE
        started = time.monotonic()
        rss_start = _rss(node.pid)
        window_s = 60.0 if seconds >= 600 else max(seconds / 10, 1.0)
        windows = [_Window(started)]
        stop = asyncio.Event()
        writer = asyncio.create_task(_writes(http, base, keys, windows, stop))
        pending: set[asyncio.Task[None]] = set()
        sent = 0
        while (now := time.monotonic()) - started < seconds:
            if now - windows[-1].started >= window_s:
                windows.append(_Window(now))
            due = int((now - started) * rate) - sent
            for _ in range(max(0, min(due, 256 - len(pending)))):
                task = asyncio.create_task(_read(http, base, keys[sent % len(keys)], windows[-1]))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(0.005)
        stop.set()
        await asyncio.gather(writer, *pending)
        rss_end = _rss(node.pid)
    per_window = [w.summary(rss_end if w is windows[-1] else 0, started) for w in windows]
    errors = [e for w in windows for e in w.errors]
    growth = (rss_end - rss_start) / rss_start if rss_start else None
    met = growth is not None and abs(growth) <= 0.10 and not errors
    return make_result(
        "soak",
        value=None if growth is None else round(growth * 100, 1),
        unit="% RSS change",
        baseline=None,
        ratio=None,
        target="RSS within 10%, 0 errors",
        met=met,
        details={
            "calibrated max reads/s (this client)": round(max_rate),
            "paced reads/s": round(rate),
            "rss_start_mb": round(rss_start / 2**20, 1),
            "rss_end_mb": round(rss_end / 2**20, 1),
            "windows": [{k: v for k, v in w.items() if k != "rss_mb" or v} for w in per_window],
            "errors (first 10)": errors[:10],
        },
        notes=[
            f"{seconds:g} s: public reads paced at {_SHARE:.0%} of the rate this Python client reached "
            f"flat out in {_CALIBRATE_S:g} s, and one PUT every {_WRITE_EVERY_S} s; client and node "
            "share the machine, so the rate is the client's as much as the node's"
        ],
    )


async def _calibrate(http: Any, base: str, keys: list[str]) -> float:
    done = 0
    deadline = time.monotonic() + _CALIBRATE_S

    async def loop(n: int) -> None:
        nonlocal done
        i = n
        while time.monotonic() < deadline:
            async with http.get(f"{base}/{keys[i % len(keys)]}") as response:
                await response.read()
            done += 1
            i += 64

    await asyncio.gather(*(loop(n) for n in range(64)))
    return done / _CALIBRATE_S


async def _read(http: Any, base: str, key: str, window: _Window) -> None:
    began = time.perf_counter()
    try:
        async with http.get(f"{base}/{key}") as response:
            await response.read()
            if response.status != 200:
                window.errors.append(f"GET {key}: {response.status}")
                return
    except Exception as err:  # every failure is a soak error, reported
        window.errors.append(f"GET {key}: {err!r}")
        return
    window.latencies.append(time.perf_counter() - began)


async def _writes(http: Any, base: str, keys: list[str], windows: list[_Window], stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {OPERATOR}"}
    n = 0
    while not stop.is_set():
        key = keys[n % min(len(keys), 50)]
        n += 1
        window = windows[-1]
        try:
            async with http.get(f"{base}/{key}", headers=headers) as response:
                document = orjson.loads(await response.read())
            document["cycleCount"] = n
            async with http.put(
                f"{base}/{key}",
                data=orjson.dumps(document),
                headers={**headers, "Content-Type": "application/ld+json"},
            ) as response:
                await response.read()
                if response.status not in (200, 201):
                    window.errors.append(f"PUT {key}: {response.status}")
                else:
                    window.writes += 1
        except Exception as err:  # every failure is a soak error, reported
            window.errors.append(f"PUT {key}: {err!r}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), _WRITE_EVERY_S)


def soak_store() -> tuple[str, list[str]]:
    """A copy of the cached 10,000-passport SQLite store (the soak writes to it), and its keys."""
    path, _ = dataset.sqlite_store(10_000)
    folder = OUT / "soak"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for file in path.parent.glob(path.name + "*"):  # the database, its log and its keys folder
        if file.is_dir():
            shutil.copytree(file, folder / file.name)
        else:
            shutil.copyfile(file, folder / file.name)
    return f"sqlite:///{(folder / path.name).resolve()}", dataset.prepared(10_000).keys
