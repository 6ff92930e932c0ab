"""What every workload shares: server processes pinned to a core, wrk runs, response capture.

The server under test (node or baseline) runs on core 0 and wrk on core 1, one after the
other with the same requests, connections and duration, so both see the same CPU situation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "CLIENT_CPU",
    "OUT",
    "REPO",
    "SERVER_CPU",
    "BenchError",
    "Comparison",
    "Request",
    "Server",
    "WrkResult",
    "compare_wrk",
    "fetch_all",
    "free_port",
    "pinned",
    "process_cpu",
    "run_wrk",
    "start_baseline",
    "start_server",
]

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
PYTHON = sys.executable

# Two cores: the server under test on one, the load generator (and helpers such as
# redis-server or a peer node) on the other.
SERVER_CPU = "0"
CLIENT_CPU = "1"


class BenchError(RuntimeError):
    """A workload could not be measured (a server did not start, answered wrongly, ...)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request wrk may send: a raw path and the Accept header to send with it."""

    path: str
    accept: str = "application/ld+json"


def pinned(cmd: Sequence[str], cpu: str | None) -> list[str]:
    """``cmd`` prefixed with ``taskset -c cpu`` when taskset exists and the machine has the core."""
    if cpu is None or shutil.which("taskset") is None:
        return list(cmd)
    if int(cpu) >= (os.cpu_count() or 1):
        return list(cmd)
    return ["taskset", "-c", cpu, *cmd]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process the harness started, with its base URL and the log it wrote."""

    name: str
    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path
    started: float = field(default_factory=time.monotonic)
    config: Path | None = None  # the node's configuration file, shown with the commands

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    name: str,
    cmd: Sequence[str],
    *,
    port: int,
    cpu: str | None = SERVER_CPU,
    ready_path: str = "/healthz",
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Server:
    """Start ``cmd`` (pinned to ``cpu``) and wait until ``ready_path`` answers with any HTTP status."""
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"{name}.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        pinned(cmd, cpu),
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=cwd or REPO,
        env={**os.environ, **(env or {})},
    )
    out.close()
    server = Server(name, proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_http(server, ready_path, timeout=timeout)
    except BaseException:
        server.stop()
        raise
    return server


def wait_http(server: Server, path: str, *, timeout: float) -> float:
    """Poll ``path`` until the server answers; returns seconds since the process started."""
    deadline = time.monotonic() + timeout
    url = server.base_url + path
    while True:
        if server.proc.poll() is not None:
            raise BenchError(f"{server.name} exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - server.started
        except urllib.error.HTTPError:
            return time.monotonic() - server.started  # an HTTP answer of any status: it is up
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            raise BenchError(f"{server.name} did not answer {url} within {timeout} s:\n{server.log_tail()}")
        time.sleep(0.02)


def start_baseline(responses_file: Path, *, cpu: str | None = SERVER_CPU) -> Server:
    port = free_port()
    cmd = [PYTHON, "-m", "bench.baseline", "--data", str(responses_file), "--port", str(port)]
    return start_server("baseline", cmd, port=port, cpu=cpu, ready_path="/", timeout=120)


# --- capturing what the node answers, so the baseline can answer the same --------------------


async def _fetch_all(
    base_url: str, requests: Sequence[Request], concurrency: int
) -> dict[tuple[str, str], tuple[bytes, str]]:
    import aiohttp

    out: dict[tuple[str, str], tuple[bytes, str]] = {}
    queue = list(dict.fromkeys(requests))
    errors: list[str] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue and len(errors) < 5:
            req = queue.pop()
            async with session.get(base_url + req.path, headers={"Accept": req.accept}) as resp:
                body = await resp.read()
                if resp.status != 200:
                    errors.append(f"GET {req.path} (Accept: {req.accept}) -> {resp.status}: {body[:300]!r}")
                    continue
                out[(req.path, req.accept)] = (body, resp.headers.get("Content-Type", ""))

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, skip_auto_headers=["Accept"]) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    if errors:
        raise BenchError(
            "the node did not answer every benchmark request with 200:\n" + "\n".join(errors[:5])
        )
    return out


def fetch_all(
    base_url: str, requests: Sequence[Request], *, concurrency: int = 16
) -> dict[tuple[str, str], tuple[bytes, str]]:
    """GET every request from ``base_url``; every one must answer 200 (else BenchError)."""
    return asyncio.run(_fetch_all(base_url, requests, concurrency))


# --- wrk -------------------------------------------------------------------------------------

# wrk's Lua: the request list is read once per thread in init() and pre-formatted, so that
# picking a random request costs wrk almost nothing; done() prints exact figures as JSON.
_LUA = r"""
local reqs = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  local tid = tonumber(tid) or 1
  math.randomseed(os.time() + tid * 7919)
  for line in io.lines(REQUESTS_FILE) do
    local path, accept = line:match("^([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("GET", path, {["Accept"] = accept})
  end
end

function request()
  return reqs[math.random(#reqs)]
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d, "lat_mean_us": %.1f, "lat_max_us": %d, "lat_p50_us": %d, ' ..
    '"lat_p90_us": %d, "lat_p99_us": %d, "lat_p999_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency.mean, latency.max, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
"""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured."""

    rps: float
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # socket errors and non-2xx/3xx answers
    command: str
    output: str

    def summary(self) -> dict[str, Any]:
        return {
            "rps": round(self.rps, 1),
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "p50_ms": round(self.p50_ms, 3),
            "p90_ms": round(self.p90_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "p999_ms": round(self.p999_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "errors": self.errors,
        }


def write_requests(path: Path, requests: Sequence[Request]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for req in requests:
            if "\t" in req.path or "\n" in req.path or "\n" in req.accept:
                raise BenchError(f"request path or Accept not usable in the wrk list: {req!r}")
            out.write(f"{req.path}\t{req.accept}\n")
    return path


def run_wrk(
    base_url: str,
    requests_file: Path,
    *,
    seconds: float,
    connections: int = 64,
    cpu: str | None = CLIENT_CPU,
    warmup: float = 1.0,
    after_warmup: Callable[[], None] | None = None,
) -> WrkResult:
    """Warm the server up for ``warmup`` s, then measure ``seconds`` s with one wrk thread."""
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (make system-deps installs it)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=OUT, delete=False) as lua:
        lua.write(f"REQUESTS_FILE = {_lua_string(str(requests_file))}\n{_LUA}")
    try:
        if warmup > 0:
            _wrk(base_url, Path(lua.name), seconds=warmup, connections=connections, cpu=cpu)
        if after_warmup is not None:
            after_warmup()
        return _wrk(base_url, Path(lua.name), seconds=seconds, connections=connections, cpu=cpu)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lua.name)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Interleaved wrk rounds against two servers, and what they add up to.

    ``ratio`` is the median of the per-round ratios (each round measures both servers back to
    back, in alternating order), which keeps a burst of load from elsewhere on a shared machine
    from deciding the figure; ``a`` and ``b`` aggregate each server's rounds.
    """

    a: WrkResult
    b: WrkResult
    a_rounds: tuple[WrkResult, ...]
    b_rounds: tuple[WrkResult, ...]
    # CPU seconds each server process used during its rounds (None: not known), so that CPU time
    # per request, which other load on the machine disturbs far less than throughput, is known too.
    a_cpu: float | None = None
    b_cpu: float | None = None

    @property
    def a_cpu_us(self) -> float | None:
        return 1e6 * self.a_cpu / self.a.requests if self.a_cpu is not None and self.a.requests else None

    @property
    def b_cpu_us(self) -> float | None:
        return 1e6 * self.b_cpu / self.b.requests if self.b_cpu is not None and self.b.requests else None

    @property
    def cpu_ratio(self) -> float | None:
        """Baseline CPU per request / node CPU per request (1.0: the node costs what the baseline does)."""
        if self.a_cpu_us is None or self.b_cpu_us is None or not self.a_cpu_us:
            return None
        return self.b_cpu_us / self.a_cpu_us

    @property
    def round_ratios(self) -> list[float]:
        return [x.rps / y.rps if y.rps else 0.0 for x, y in zip(self.a_rounds, self.b_rounds, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.round_ratios)


def compare_wrk(
    url_a: str,
    url_b: str,
    requests_file: Path,
    *,
    seconds: float,
    connections: int = 64,
    round_seconds: float = 2.0,
    cpu: str | None = CLIENT_CPU,
    after_warmup: Callable[[], None] | None = None,
    pid_a: int | None = None,
    pid_b: int | None = None,
    warmup: float = 1.0,
) -> Comparison:
    """``seconds`` of wrk against each server, in rounds of ``round_seconds``: A B, B A, A B, ...,
    after ``warmup`` s of wrk against each (none for 0)."""
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed (make system-deps installs it)")
    rounds = max(1, round(seconds / round_seconds))
    each = max(1.0, seconds / rounds)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=OUT, delete=False) as lua:
        lua.write(f"REQUESTS_FILE = {_lua_string(str(requests_file))}\n{_LUA}")
    script = Path(lua.name)
    try:
        for url in (url_a, url_b) if warmup > 0 else ():
            _wrk(url, script, seconds=warmup, connections=connections, cpu=cpu)
        if after_warmup is not None:
            after_warmup()
        a_runs: list[WrkResult] = []
        b_runs: list[WrkResult] = []
        cpu_used: dict[str, float | None] = {url_a: 0.0, url_b: 0.0}
        pids = {url_a: pid_a, url_b: pid_b}
        for i in range(rounds):
            order = ((url_a, a_runs), (url_b, b_runs))
            for url, runs in order if i % 2 == 0 else reversed(order):
                before = process_cpu(pids[url])
                runs.append(_wrk(url, script, seconds=each, connections=connections, cpu=cpu))
                after = process_cpu(pids[url])
                used = cpu_used[url]
                cpu_used[url] = (
                    None if used is None or before is None or after is None else used + after - before
                )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lua.name)
    return Comparison(
        _combine(a_runs), _combine(b_runs), tuple(a_runs), tuple(b_runs), cpu_used[url_a], cpu_used[url_b]
    )


def process_cpu(pid: int | None) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as src:
            fields = src.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _combine(runs: Sequence[WrkResult]) -> WrkResult:
    """One result for several rounds: total rate; the median round's latency percentiles."""
    requests = sum(r.requests for r in runs)
    secs = sum(r.seconds for r in runs)

    def med(attr: str) -> float:
        return float(statistics.median(float(getattr(r, attr)) for r in runs))

    return WrkResult(
        rps=requests / secs if secs else 0.0,
        requests=requests,
        seconds=secs,
        p50_ms=med("p50_ms"),
        p90_ms=med("p90_ms"),
        p99_ms=med("p99_ms"),
        p999_ms=med("p999_ms"),
        mean_ms=med("mean_ms"),
        max_ms=max(r.max_ms for r in runs),
        errors=sum(r.errors for r in runs),
        command=runs[0].command,
        output=runs[0].output,
    )


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(base_url: str, lua: Path, *, seconds: float, connections: int, cpu: str | None) -> WrkResult:
    duration = max(1, round(seconds))
    cmd = pinned(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(lua),
            base_url + "/",
        ],
        cpu,
    )
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    match = re.search(r"^BENCH_JSON (\{.*\})$", proc.stdout, re.MULTILINE)
    if match is None:
        raise BenchError(f"wrk printed no figures:\n{proc.stdout}\n{proc.stderr}")
    fig = orjson.loads(match.group(1))
    # wrk's status errors are the answers with status >= 400 ("Non-2xx or 3xx responses").
    errors = (
        fig["connect_errors"]
        + fig["read_errors"]
        + fig["write_errors"]
        + fig["timeouts"]
        + fig["status_errors"]
    )
    secs = fig["duration_us"] / 1e6
    text = proc.stdout.replace(match.group(0) + "\n", "").replace(str(lua), "bench.lua")
    shown = " ".join(cmd).replace(str(lua), "bench.lua")
    return WrkResult(
        rps=fig["requests"] / secs if secs else 0.0,
        requests=fig["requests"],
        seconds=secs,
        p50_ms=fig["lat_p50_us"] / 1000,
        p90_ms=fig["lat_p90_us"] / 1000,
        p99_ms=fig["lat_p99_us"] / 1000,
        p999_ms=fig["lat_p999_us"] / 1000,
        mean_ms=fig["lat_mean_us"] / 1000,
        max_ms=fig["lat_max_us"] / 1000,
        errors=errors,
        command=shown,
        output=text.strip(),
    )


@contextlib.contextmanager
def temp_dir(name: str) -> Iterator[Path]:
    """A scratch directory under bench/out, removed afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=OUT))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
