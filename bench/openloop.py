"""An open-loop HTTP load (as wrk2 does it): requests are due at a constant rate, whatever the server does.

A closed-loop load (wrk) sends the next request only when an answer came back, so at saturation
its latency is mostly queueing (connections / throughput). Here request i is due at
``start + i / rate``; it leaves on the first idle connection, and its latency is counted from
when it was due, not from when it left, so a server that falls behind is charged for the wait
(no coordinated omission).

Run pinned on the client core as its own process:
``python -m bench.openloop --url http://127.0.0.1:PORT --requests FILE --rate R --seconds S``
(FILE: the wrk request list, "path<TAB>accept" per line). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import orjson

__all__ = ["OpenLoopResult", "main", "open_loop_run", "run_open_loop"]


@dataclass(frozen=True, slots=True)
class OpenLoopResult:
    rate: float  # asked for, requests per second
    achieved: float  # answered per second over the run
    requests: int
    late_at_end: int  # requests due but not yet sent when the run ended (the server fell behind)
    errors: int  # answers with status >= 400, and connections lost
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, load: _Load) -> None:
        self._load = load
        self._buffer = b""
        self._due = 0.0
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # create_connection gives a stream transport

    def send(self, request: bytes, due: float) -> None:
        assert self.transport is not None
        self.busy = True
        self._due = due
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self._buffer[:end].lower()
        at = head.find(b"\r\ncontent-length:")
        length = 0
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        if len(self._buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        self._buffer = self._buffer[end + 4 + length :]
        self.busy = False
        self._load.answered(self, self._due, status)

    def connection_lost(self, exc: Exception | None) -> None:
        self._load.lost(self)


class _Load:
    def __init__(self, requests: Sequence[bytes], rate: float) -> None:
        self._requests = requests
        self._interval = 1.0 / rate
        self._pending: deque[float] = deque()  # due times of requests not yet sent
        self._idle: deque[_Connection] = deque()
        self._random = random.Random(1542)
        self.latencies: list[float] = []
        self.errors = 0
        self.recording = False

    def due(self, when: float) -> None:
        self._pending.append(when)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._pending and self._idle:
            conn = self._idle.popleft()
            conn.send(self._random.choice(self._requests), self._pending.popleft())

    def idle(self, conn: _Connection) -> None:
        self._idle.append(conn)
        self._dispatch()

    def answered(self, conn: _Connection, due: float, status: int) -> None:
        if self.recording:
            self.latencies.append(time.perf_counter() - due)
            if status >= 400:
                self.errors += 1
        self.idle(conn)

    def lost(self, conn: _Connection) -> None:
        if self.recording:
            self.errors += 1
        if conn in self._idle:
            self._idle.remove(conn)

    @property
    def late(self) -> int:
        return len(self._pending)


def _percentile(ordered: Sequence[float], share: float) -> float:
    if not ordered:
        return 0.0
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_open_loop(
    url: str,
    requests: Sequence[tuple[str, str]],
    *,
    rate: float,
    seconds: float,
    connections: int = 32,
    warmup: float = 1.0,
) -> OpenLoopResult:
    """``rate`` requests per second for ``warmup`` + ``seconds`` s; figures from the last ``seconds``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    raw = [
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n\r\n".encode()
        for path, accept in requests
    ]
    load = _Load(raw, rate)
    loop = asyncio.get_running_loop()
    for _ in range(connections):
        _, conn = await loop.create_connection(lambda: _Connection(load), host, port)
        load.idle(conn)
    start = time.perf_counter()
    record_from = start + warmup
    end = record_from + seconds
    sent = 0
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        if not load.recording and now >= record_from:
            load.recording = True
        # Every request due by now is queued (and sent when a connection is idle).
        while start + sent * load._interval <= now:
            load.due(start + sent * load._interval)
            sent += 1
        await asyncio.sleep(min(0.0005, max(0.0, start + sent * load._interval - now)))
    ordered = sorted(load.latencies)
    return OpenLoopResult(
        rate=rate,
        achieved=len(ordered) / seconds,
        requests=len(ordered),
        late_at_end=load.late,
        errors=load.errors,
        p50_ms=_percentile(ordered, 0.50),
        p90_ms=_percentile(ordered, 0.90),
        p99_ms=_percentile(ordered, 0.99),
        p999_ms=_percentile(ordered, 0.999),
        max_ms=1000 * ordered[-1] if ordered else 0.0,
    )


def _read_requests(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            target, _, accept = line.partition("\t")
            out.append((target, accept))
    return out


def open_loop_run(
    base_url: str, requests_file: Path, *, rate: float, seconds: float, connections: int = 32
) -> OpenLoopResult:
    """``run_open_loop`` in its own process, pinned to the client core (as wrk is)."""
    from bench.harness import CLIENT_CPU, BenchError, pinned

    command = pinned(
        [
            sys.executable,
            "-m",
            "bench.openloop",
            "--url",
            base_url,
            "--requests",
            str(requests_file),
            "--rate",
            f"{rate:.0f}",
            "--seconds",
            str(seconds),
            "--connections",
            str(connections),
        ],
        CLIENT_CPU,
    )
    proc = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if proc.returncode != 0:
        raise BenchError(f"the open-loop load failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return OpenLoopResult(**orjson.loads(proc.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.openloop", description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=Path, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # the plain loop is slower but measures the same way
        pass
    result = asyncio.run(
        run_open_loop(
            args.url,
            _read_requests(args.requests),
            rate=args.rate,
            seconds=args.seconds,
            connections=args.connections,
        )
    )
    sys.stdout.write(orjson.dumps(asdict(result)).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
