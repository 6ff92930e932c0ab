"""Benchmark data sets: generated passports, prepared once, loaded into a store, cached.

Generating and fully validating a passport costs milliseconds, so prepared views and loaded
stores are kept under bench/out/data (git-ignored) and reused by later runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import CLIENT_CPU, OUT, BenchError, free_port, pinned

__all__ = [
    "BENCH_PREFIX",
    "SEED",
    "Prepared",
    "RedisServer",
    "generate_files",
    "load_redis",
    "prepared",
    "redis_server",
    "sqlite_store",
]

DATA = OUT / "data"
BENCH_PREFIX = "88.100.9"  # a prefix of its own, so bench data never mixes with the examples
SEED = 1542  # the regulation's number: any fixed seed makes runs repeatable
# Passports generated and prepared through full validation (about 0.1 s of CPU each on this
# machine at the time of writing); larger sets (10,000 and 100,000) reuse their views under other
# identifiers (see ``prepared``), as validating every one would take far too long.
DISTINCT = 2_000


# What each cached artefact depends on: a change to any of these files makes a new cache.
_GENERATOR_CODE = ("tools/examples.py",)
_PREPARE_CODE = (
    *_GENERATOR_CODE,
    "resolver/validation",
    "resolver/passport",
    "resolver/context_terms.py",
    "resolver/views.py",
    "resolver/jsonld.py",
    "resolver/profile.py",
    "resolver/identifiers.py",
    "vocab",
    "shapes",
)
_STORE_CODE = ("resolver/stores",)


def _fingerprint(paths: Sequence[str]) -> str:
    """A short digest of the named files (folders: every file under them) of the repository."""
    digest = hashlib.sha256()
    root = OUT.parent.parent
    for name in paths:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class Prepared:
    """Passports ready to store: normalised keys and per-tier views (Tier value -> bytes)."""

    keys: list[str]
    views: list[dict[int, bytes]]
    distinct: int  # how many of them went through generation and validation themselves
    seconds: float  # what preparing them took when the cache was made


def _generate(n: int, seed: int, prefix: str) -> list[tuple[str, bytes]]:
    """(identifier, JSON-LD bytes) for ``n`` generated complete passports."""

    from tools import examples

    out: list[tuple[str, bytes]] = []
    for item in examples.generate(n, seed=seed, prefix=prefix):
        ident, body = _split_generated(item)
        out.append((ident, body))
    return out


def _split_generated(item: Any) -> tuple[str, bytes]:
    import orjson

    if isinstance(item, tuple) and len(item) == 2:
        ident, body = item
    elif isinstance(item, dict):
        ident, body = item.get("@id", ""), item
    else:
        ident, body = getattr(item, "identifier", getattr(item, "handle", "")), getattr(item, "body", item)
    if not isinstance(body, bytes | bytearray):
        body = orjson.dumps(body)
    return str(ident), bytes(body)


def _prepare_chunk(bodies: Sequence[bytes]) -> list[tuple[str, dict[int, bytes]]]:
    from resolver.identifiers import parse_identifier
    from resolver.validation import prepare_sync

    out = []
    for body in bodies:
        prep = prepare_sync(body)
        if not prep.report.conforms:
            raise BenchError(f"a generated passport does not conform: {prep.report.to_json()}")
        out.append((parse_identifier(prep.iri).key, {int(t): v for t, v in prep.views.items()}))
    return out


def prepared(n: int, *, seed: int = SEED, prefix: str = BENCH_PREFIX) -> Prepared:
    """``n`` prepared passports, cached; beyond DISTINCT, the same views under other identifiers."""
    cache = DATA / f"prepared-{n}-{seed}-{prefix}-{_fingerprint(_PREPARE_CODE)}.pickle"
    if cache.exists():
        with cache.open("rb") as src:
            got: Prepared = pickle.load(src)
        return got
    if n > DISTINCT:
        base = prepared(DISTINCT, seed=seed, prefix=prefix)
        keys, views = _replicate(list(zip(base.keys, base.views, strict=True)), n, prefix)
        result = Prepared(keys, views, base.distinct, base.seconds)
    else:
        result = _prepare_all(n, seed, prefix)
    _dump(cache, result)
    _prune(cache)
    return result


def _prune(current: Path) -> None:
    """Remove the caches of the same kind made by other versions of the code (a new digest)."""
    stem = current.name.removesuffix(".pickle").rpartition("-")[0]
    for other in current.parent.glob(f"{stem}-*"):
        if other != current and other.name.removesuffix(".pickle").rpartition("-")[0] == stem:
            if other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
            else:
                other.unlink(missing_ok=True)


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _prepare_all(n: int, seed: int, prefix: str) -> Prepared:
    """Generate and fully validate ``n`` passports in a process pool, in chunks kept on disk,
    so an interrupted preparation resumes where it stopped."""
    started = time.monotonic()
    bodies = [body for _, body in _generate(n, seed, prefix)]
    chunk = 100
    parts_dir = DATA / f"prepared-parts-{n}-{seed}-{prefix}-{_fingerprint(_PREPARE_CODE)}"
    parts_dir.mkdir(parents=True, exist_ok=True)
    todo = [i for i in range(0, n, chunk) if not (parts_dir / f"{i:07d}.pickle").exists()]
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        futures = {i: pool.submit(_prepare_chunk, bodies[i : i + chunk]) for i in todo}
        for i, future in futures.items():
            _dump(parts_dir / f"{i:07d}.pickle", future.result())
    keys: list[str] = []
    views: list[dict[int, bytes]] = []
    for i in range(0, n, chunk):
        with (parts_dir / f"{i:07d}.pickle").open("rb") as src:
            for key, view in pickle.load(src):
                keys.append(key)
                views.append(view)
    result = Prepared(keys, views, n, time.monotonic() - started)
    shutil.rmtree(parts_dir, ignore_errors=True)
    return result


def _replicate(
    base: list[tuple[str, dict[int, bytes]]], n: int, prefix: str
) -> tuple[list[str], list[dict[int, bytes]]]:
    """``n`` passports from the distinct ones: the same views under new identifiers.

    Every occurrence of the source handle (bare, and so inside its IRI) is replaced by the
    new one in each view, so each copy is a consistent passport of its own identifier.
    """
    keys: list[str] = []
    views: list[dict[int, bytes]] = []
    for i in range(n):
        src_key, src_views = base[i % len(base)]
        key = f"{prefix}/BENCH-{i:07d}"
        old, new = src_key.encode(), key.encode()
        if old not in src_views[0]:
            raise BenchError(
                f"the public view of {src_key} does not name it: cannot give it another identifier"
            )
        keys.append(key)
        views.append({t: v.replace(old, new) for t, v in src_views.items()})
    return keys, views


# --- files for `passport-node import` -------------------------------------------------------


def generate_files(n: int, *, seed: int = SEED, prefix: str = BENCH_PREFIX) -> Path:
    """A directory of ``n`` generated passports (one JSON-LD file each), made once and cached."""
    folder = DATA / f"corpus-{n}-{seed}-{prefix}-{_fingerprint(_GENERATOR_CODE)}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    tmp = DATA / f".corpus-{n}-{seed}-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    DATA.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "tools.examples",
        str(n),
        "--seed",
        str(seed),
        "--out",
        str(tmp),
    ]
    if prefix:
        cmd += ["--prefix", prefix]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=OUT.parent.parent)
    if proc.returncode != 0:
        raise BenchError(f"generating passports failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    tmp.rename(folder)
    done.write_text("ok\n")
    _prune(folder)
    return folder


# --- stores ---------------------------------------------------------------------------------


async def _load(url: str, data: Prepared) -> None:
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    try:
        sem = asyncio.Semaphore(32)

        async def put(key: str, views: dict[int, bytes]) -> None:
            async with sem:
                await store.put(key, {Tier(t): v for t, v in views.items()})

        batch = 2_000
        for start in range(0, len(data.keys), batch):
            await asyncio.gather(
                *(
                    put(k, v)
                    for k, v in zip(
                        data.keys[start : start + batch], data.views[start : start + batch], strict=True
                    )
                )
            )
    finally:
        await store.aclose()


def sqlite_store(n: int) -> tuple[Path, float | None]:
    """An SQLite file holding ``n`` prepared passports (cached); returns it and the load seconds."""
    path = DATA / f"sqlite-{n}-{_fingerprint(_PREPARE_CODE + _STORE_CODE)}" / "passports.sqlite3"
    done = path.parent / ".complete"
    if done.exists():
        return path, None
    data = prepared(n)
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    started = time.monotonic()
    asyncio.run(_load(f"sqlite:///{path}", data))
    elapsed = time.monotonic() - started
    done.write_text(f"{elapsed:.2f}\n")
    _prune(path.parent)
    return path, elapsed


# The base URL the signed store's node serves under: its proofs name keys under it.
SIGNED_BASE_URL = "https://bench-b.example"


def signed_sqlite_store(n: int) -> tuple[Path, float | None]:
    """An SQLite file holding ``n`` prepared passports whose tier views carry the proof of a
    key in its keyring (beside it) under SIGNED_BASE_URL, as the write path signs them
    (cached); returns it and the build seconds. The federation workloads' owner serves it."""
    code = _PREPARE_CODE + _STORE_CODE + ("resolver/integrity",)
    path = DATA / f"sqlite-signed-{n}-{_fingerprint(code)}" / "passports.sqlite3"
    done = path.parent / ".complete"
    if done.exists():
        return path, None
    data = prepared(n)
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True)
    started = time.monotonic()
    asyncio.run(_load(f"sqlite:///{path}", _signed(data, path.with_name(path.name + ".keys"))))
    elapsed = time.monotonic() - started
    done.write_text(f"{elapsed:.2f}\n")
    _prune(path.parent)
    return path, elapsed


def _signed(data: Prepared, keys: Path) -> Prepared:
    import orjson

    from resolver.integrity.keyring import Keyring
    from resolver.integrity.signer import ViewSigner

    signer = ViewSigner(Keyring.open(keys), base_url=SIGNED_BASE_URL)
    views = [
        {t: orjson.dumps(signer.sign(orjson.loads(v))) for t, v in tiers.items()} for tiers in data.views
    ]
    return Prepared(keys=data.keys, views=views, distinct=data.distinct, seconds=data.seconds)


@dataclass
class RedisServer:
    """A redis-server the harness started (on the client core), with its URL."""

    proc: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def info_memory(self) -> dict[str, str]:
        import redis

        client = redis.Redis(port=self.port)
        try:
            return {k: str(v) for k, v in client.info("memory").items()}
        finally:
            client.close()

    def save(self) -> None:
        import redis

        client = redis.Redis(port=self.port, socket_timeout=600)
        try:
            client.save()
        finally:
            client.close()


@contextlib.contextmanager
def redis_server(folder: Path, *, cpu: str | None = CLIENT_CPU) -> Iterator[RedisServer]:
    """redis-server with its data (dump.rdb, if any) in ``folder``; no automatic snapshots.

    Once loaded it writes an append-only file, fsynced on every write, as the node requires.
    """
    import redis

    if shutil.which("redis-server") is None:
        raise BenchError("redis-server is not installed (make system-deps installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (folder / "redis.log").open("wb")
    proc = subprocess.Popen(
        pinned(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(folder),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cpu,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise BenchError(f"redis-server exited: {(folder / 'redis.log').read_text()[-2000:]}")
            try:
                client = redis.Redis(port=port)
                try:
                    if client.ping() and client.info("persistence").get("loading") == 0:
                        break
                finally:
                    client.close()
            except redis.exceptions.BusyLoadingError:
                pass
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise BenchError("redis-server did not start")
            time.sleep(0.05)
        # The node refuses a Redis that could lose acknowledged writes (docs/stores.md). Turned on
        # after the dump has loaded: started with appendonly, Redis would ignore dump.rdb.
        client = redis.Redis(port=port)
        try:
            client.config_set("appendfsync", "always")
            client.config_set("appendonly", "yes")
        finally:
            client.close()
        yield RedisServer(proc, port, folder)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load_redis(n: int) -> tuple[Path, float | None]:
    """A folder whose dump.rdb holds ``n`` prepared passports (cached); and the load seconds."""
    folder = DATA / f"redis-{n}-{_fingerprint(_PREPARE_CODE + _STORE_CODE)}"
    done = folder / ".complete"
    if done.exists():
        return folder, None
    data = prepared(n)
    shutil.rmtree(folder, ignore_errors=True)
    with redis_server(folder) as server:
        before = int(server.info_memory()["used_memory"])
        started = time.monotonic()
        asyncio.run(_load(server.url, data))
        elapsed = time.monotonic() - started
        after = int(server.info_memory()["used_memory"])
        server.save()
    # The memory figures of the load itself, kept beside the dump for the memory workload.
    (folder / "load.json").write_text(
        f'{{"seconds": {elapsed:.2f}, "used_memory_before": {before}, "used_memory_after": {after}}}\n'
    )
    done.write_text(f"{elapsed:.2f}\n")
    _prune(folder)
    return folder, elapsed
