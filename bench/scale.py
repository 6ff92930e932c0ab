"""Scale-out workloads (issue 17): ``workers``, ``nginx-front`` and ``cluster``.

- ``workers``: resolve on Redis with ``serve --processes 2`` against ``--processes 1`` (the
  same store, the same requests, interleaved rounds; neither is pinned to a core);
- ``nginx-front``: public resolves through the shipped nginx configuration
  (deploy/nginx/passport-node.conf, cache warmed) against nginx serving the same bytes as
  static files (both nginx run as one process on the server core);
- ``cluster``: resolve and ingest with the store on a Redis Cluster of 3 masters (1 replica
  each) against a single Redis, all on this machine.

Each ratio is measured in the same run against its own baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness import OUT, REPO, BenchError, Request, Server, compare_wrk, fetch_all, free_port, pinned
from bench.harness import write_requests as _write_requests
from bench.result import make_result
from bench.workloads import (
    _READ_ONLY_EXTRAS,
    Options,
    _cpu_details,
    _node,
    _node_config,
    _quote,
    _register,
    _sqlite_node,
)

__all__ = ["cluster", "nginx_front", "workers"]

_N = 10_000
_NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_SHIPPED = REPO / "deploy" / "nginx" / "passport-node.conf"


def _details(comparison: Any, a: str, b: str) -> dict[str, Any]:
    return {
        a: {"rps": round(comparison.a.rps), "p50_ms": comparison.a.p50_ms, "p99_ms": comparison.a.p99_ms},
        b: {"rps": round(comparison.b.rps), "p50_ms": comparison.b.p50_ms, "p99_ms": comparison.b.p99_ms},
        "round ratios": [
            round(x.rps / y.rps, 3) for x, y in zip(comparison.a_rounds, comparison.b_rounds, strict=True)
        ],
    }


# --- workers ----------------------------------------------------------------------------------


def workers(options: Options) -> dict[str, Any]:
    folder, _ = dataset.load_redis(_N)
    data = dataset.prepared(_N)
    requests = [Request("/" + _quote(k), "application/ld+json") for k in data.keys]
    req_file = _write_requests(OUT / "workers-requests.txt", requests)
    with dataset.redis_server(folder) as redis:
        config = _node_config("bench", redis.url, [dataset.BENCH_PREFIX], **_READ_ONLY_EXTRAS)
        with (
            _node("workers-2", config, cpu=None, extra=["--processes", "2"]) as two,
            _node("workers-1", config, cpu=None) as one,
        ):
            for server in (two, one):
                fetch_all(server.base_url, requests[:2_000])
            comparison = compare_wrk(
                two.base_url, one.base_url, req_file, seconds=options.seconds, connections=options.connections
            )
    ratio = comparison.ratio
    return make_result(
        "workers",
        value=comparison.a.rps,
        unit="req/s",
        baseline=comparison.b.rps,
        ratio=ratio,
        target="2 processes >= 1.6 x 1 process",
        met=ratio >= 1.6,
        details=_details(comparison, "2 processes", "1 process"),
        commands=[comparison.a.command],
        notes=[
            f"{_N:,} passports in one Redis; the baseline is the same node with 1 process; on 2 cores "
            "the processes share them with wrk and redis-server"
        ],
    )


# --- nginx-front ------------------------------------------------------------------------------


def _nginx_conf(root: Path, http_block: str) -> Path:
    temps = "\n".join(
        f"  {n}_temp_path {root}/{n}_temp;" for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = root / "nginx.conf"
    conf.write_text(
        f"daemon off;\nmaster_process off;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n"
        f"events {{ worker_connections 4096; }}\nhttp {{\n  access_log off;\n{temps}\n{http_block}\n}}\n"
    )
    return conf


@contextlib.contextmanager
def _nginx(name: str, http_block: str, port: int, ready: str) -> Iterator[Server]:
    from bench.harness import start_server

    root = OUT / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    conf = _nginx_conf(root, http_block.replace("@ROOT@", str(root)))
    cmd = [_NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)]
    server = start_server(name, cmd, port=port, ready_path=ready)
    try:
        yield server
    finally:
        server.stop()


def _front_block(upstream: str, port: int, root: Path) -> str:
    text = _SHIPPED.read_text()
    text = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {root}/cache", text)
    text = text.replace("server 127.0.0.1:8080;", f"server {upstream};").replace(
        "listen 80;", f"listen 127.0.0.1:{port};"
    )
    return text


def _static_block(port: int, root: Path) -> str:
    return (
        f"server {{\n  listen 127.0.0.1:{port};\n  root {root};\n"
        "  types { } default_type application/ld+json;\n  location / { try_files $uri =404; }\n}\n"
    )


def nginx_front(options: Options) -> dict[str, Any]:
    node_cm, keys, notes = _sqlite_node("nginx-front-node", _N)
    requests = [Request("/" + _quote(k), "application/ld+json") for k in keys]
    req_file = _write_requests(OUT / "nginx-front-requests.txt", requests)
    with node_cm as node:
        answers = fetch_all(node.base_url, requests)
        static_root = OUT / "nginx-static-files"
        shutil.rmtree(static_root, ignore_errors=True)
        for (path, _), (body, _) in answers.items():
            target = static_root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        front_port, static_port = free_port(), free_port()
        upstream = node.base_url.removeprefix("http://")
        with (
            _nginx(
                "nginx-front", _front_block(upstream, front_port, OUT / "nginx-front"), front_port, "/healthz"
            ) as front,
            _nginx("nginx-static", _static_block(static_port, static_root), static_port, "/") as static,
        ):
            fetch_all(front.base_url, requests)  # fill the cache (the node's max-age: 300 s)
            sample = requests[:500]
            if fetch_all(front.base_url, sample) != {
                (r.path, r.accept): answers[(r.path, r.accept)] for r in sample
            }:
                raise BenchError("nginx in front answered other bytes than the node")
            comparison = compare_wrk(
                front.base_url,
                static.base_url,
                req_file,
                seconds=options.seconds,
                connections=options.connections,
                pid_a=front.pid,
                pid_b=static.pid,
            )
    ratio = comparison.ratio
    notes.append("both nginx run as one process on the server core; the front's cache was warm")
    return make_result(
        "nginx-front",
        value=comparison.a.rps,
        unit="req/s",
        baseline=comparison.b.rps,
        ratio=ratio,
        target="ratio >= 0.7 of nginx serving the same bytes as static files",
        met=ratio >= 0.7,
        details={
            **_details(comparison, "nginx front (cache)", "nginx static"),
            **_cpu_details(comparison, "nginx front", "nginx static"),
        },
        commands=[comparison.a.command],
        notes=notes,
    )


# --- cluster ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _redis_cluster(folder: Path) -> Iterator[str]:
    """3 masters + 3 replicas on this machine, strict persistence; yields a redis+cluster URL."""
    procs: list[subprocess.Popen[bytes]] = []
    ports = [free_port() for _ in range(6)]
    buses = [free_port() for _ in range(6)]  # explicit: port + 10000 fails above 55535
    try:
        for port, bus in zip(ports, buses, strict=True):
            node_dir = folder / str(port)
            node_dir.mkdir(parents=True)
            args = [
                "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir),
                "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--cluster-enabled", "yes", "--cluster-node-timeout", "2000", "--cluster-port", str(bus),
                "--logfile", str(node_dir / "redis.log"),
            ]  # fmt: skip
            procs.append(
                subprocess.Popen(pinned(args, "1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        for port in ports:
            _wait_redis(port)
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=60,
        )
        _wait_cluster_ok(ports)
        yield f"redis+cluster://127.0.0.1:{ports[0]}"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)


def _wait_redis(port: int) -> None:
    deadline = time.monotonic() + 20
    while (
        subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG"
    ):
        if time.monotonic() > deadline:
            raise BenchError(f"redis-server on {port} did not start")
        time.sleep(0.05)


def _wait_cluster_ok(ports: Sequence[int]) -> None:
    deadline = time.monotonic() + 30
    for port in ports:
        while (
            b"cluster_state:ok"
            not in subprocess.run(
                ["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True
            ).stdout
        ):
            if time.monotonic() > deadline:
                raise BenchError("the Redis Cluster did not become ok")
            time.sleep(0.1)


async def _ingest(url: str, keys: Sequence[str], views: Sequence[dict[int, bytes]]) -> float:
    """Passports per second put into the store at ``url`` (32 at a time; opening it not counted)."""
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    try:
        gate = asyncio.Semaphore(32)

        async def put(key: str, tiers: dict[int, bytes]) -> None:
            async with gate:
                await store.put(key, {Tier(t): body for t, body in tiers.items()})

        started = time.monotonic()
        await asyncio.gather(*(put(k, v) for k, v in zip(keys, views, strict=True)))
        return len(keys) / (time.monotonic() - started)
    finally:
        await store.aclose()


_INGEST_ROUNDS = 4


def _ingest_rounds(cluster_url: str, single_url: str, data: dataset.Prepared) -> list[tuple[float, float]]:
    """(cluster, single) puts/s in interleaved rounds, each a slice of the passports put into
    both stores, in alternating order: one 10,000-put load each swung 0.75-1.02 between runs."""
    size = len(data.keys) // _INGEST_ROUNDS
    rounds: list[tuple[float, float]] = []
    for n in range(_INGEST_ROUNDS):
        keys, views = data.keys[n * size : (n + 1) * size], data.views[n * size : (n + 1) * size]
        if n % 2 == 0:
            single = asyncio.run(_ingest(single_url, keys, views))
            on_cluster = asyncio.run(_ingest(cluster_url, keys, views))
        else:
            on_cluster = asyncio.run(_ingest(cluster_url, keys, views))
            single = asyncio.run(_ingest(single_url, keys, views))
        rounds.append((on_cluster, single))
    return rounds


def cluster(options: Options) -> dict[str, Any]:
    data = dataset.prepared(_N)
    requests = [Request("/" + _quote(k), "application/ld+json") for k in data.keys]
    req_file = _write_requests(OUT / "cluster-requests.txt", requests)
    folder = OUT / "cluster-redis"
    prefixes = [dataset.BENCH_PREFIX]
    shutil.rmtree(folder, ignore_errors=True)
    single_dir = folder / "single"
    single_dir.mkdir(parents=True)
    with _redis_cluster(folder / "cluster") as cluster_url, dataset.redis_server(single_dir) as redis:
        rounds = _ingest_rounds(cluster_url, redis.url, data)
        with (
            _node(
                "cluster-node", _node_config("bench", cluster_url, prefixes, **_READ_ONLY_EXTRAS)
            ) as on_cluster,
            _node(
                "single-node", _node_config("bench", redis.url, prefixes, **_READ_ONLY_EXTRAS)
            ) as on_single,
        ):
            for server in (on_cluster, on_single):
                fetch_all(server.base_url, requests[:2_000])
            comparison = compare_wrk(
                on_cluster.base_url,
                on_single.base_url,
                req_file,
                seconds=options.seconds,
                connections=options.connections,
                pid_a=on_cluster.proc.pid,
                pid_b=on_single.proc.pid,
            )
    ingest_ratio = statistics.median(c / s for c, s in rounds)
    cluster_rate = statistics.median(c for c, _ in rounds)
    single_rate = statistics.median(s for _, s in rounds)
    ratio = comparison.ratio
    return make_result(
        "cluster",
        value=comparison.a.rps,
        unit="req/s",
        baseline=comparison.b.rps,
        ratio=ratio,
        target="resolve and ingest on the 3-master cluster >= 0.8 x a single Redis",
        met=ratio >= 0.8 and ingest_ratio >= 0.8,
        details={
            **_details(comparison, "node on the cluster", "node on one Redis"),
            # Less disturbed by the machine's other load than req/s (the Redis servers' CPU not included).
            "node CPU us/request": {
                "cluster": None if comparison.a_cpu_us is None else round(comparison.a_cpu_us, 1),
                "single Redis": None if comparison.b_cpu_us is None else round(comparison.b_cpu_us, 1),
            },
            "ingest passports/s (store puts, 32 at a time)": {
                "cluster": round(cluster_rate),
                "single Redis": round(single_rate),
                "ratio (median of the rounds' ratios)": round(ingest_ratio, 3),
                "round ratios": [round(c / s, 3) for c, s in rounds],
            },
        },
        commands=[comparison.a.command],
        notes=[
            f"{_N:,} passports; the cluster's 6 redis-servers and the single one share core 1 with wrk",
            f"ingest ratio {ingest_ratio:.2f}, the median of {_INGEST_ROUNDS} interleaved rounds of "
            f"{len(data.keys) // _INGEST_ROUNDS:,} puts each (cluster {cluster_rate:,.0f}/s, "
            f"single {single_rate:,.0f}/s, medians)",
        ],
    )


# Registered here rather than in bench/workloads.py, which this module builds on (see bench/gs1.py).
_register("workers", "req/s", "2 processes >= 1.6 x 1 process (Redis)", workers)
_register("nginx-front", "req/s", "ratio >= 0.7 of nginx serving the same bytes", nginx_front)
_register("cluster", "req/s", "resolve and ingest on a 3-master cluster >= 0.8 x one Redis", cluster)
