"""Where operators' links are kept, beside the node's passport store: a sibling SQLite file
(``passports.sqlite3`` -> ``passports.links.sqlite3``), or one hash in the same Redis (under the
store's namespace; on a Redis Cluster the hash is one key, so one slot).

Values are the checked links' JSON (``resolver.gs1.operator_links.dump_links``) per level key.
Every node process reads them on each resolution, so a write in one process is seen by all.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from resolver.errors import StoreUnavailable

__all__ = ["LinkStore", "RedisLinkStore", "SQLiteLinkStore", "open_link_store"]

T = TypeVar("T")
_WAIT = 2.0  # seconds: a Redis call's bound


class LinkStore(Protocol):
    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The stored links of each level key (None: none stored)."""
        ...

    async def put(self, key: str, links: bytes) -> None: ...

    async def delete(self, key: str) -> bool:
        """Remove the links of ``key``; whether there were any."""
        ...

    async def aclose(self) -> None: ...


class SQLiteLinkStore:
    """Links in one SQLite file. Writes go through one thread that owns the writing connection.

    Reads, one per resolution, run on the event loop over a read-only connection, as the
    passport store's public read does (resolver/stores/sqlite.py): a WAL reader never waits for
    a writer, and one indexed SELECT costs less than a thread hand-off.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gs1-links")
        self._db: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: Path) -> SQLiteLinkStore:
        store = cls(path)
        await store._call(store._connect)
        try:
            store._reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as err:
            raise StoreUnavailable(f"operator links: SQLite failed: {err}") from err
        return store

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS gs1_links (key TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID"
        )
        db.commit()
        self._db = db

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailable("operator links: the SQLite file is closed")
        return self._db

    async def _call(self, work: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        except sqlite3.Error as err:
            raise StoreUnavailable(f"operator links: SQLite failed: {err}") from err

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        if self._reader is None:
            raise StoreUnavailable("operator links: the SQLite file is closed")
        marks = ",".join("?" * len(keys))
        try:
            rows = self._reader.execute(f"SELECT key, body FROM gs1_links WHERE key IN ({marks})", list(keys))
            found = {str(k): bytes(b) for k, b in rows}
        except sqlite3.Error as err:
            raise StoreUnavailable(f"operator links: SQLite failed: {err}") from err
        return [found.get(k) for k in keys]

    async def put(self, key: str, links: bytes) -> None:
        def write() -> None:
            db = self._conn()
            with db:
                db.execute("INSERT OR REPLACE INTO gs1_links (key, body) VALUES (?, ?)", (key, links))

        await self._call(write)

    async def delete(self, key: str) -> bool:
        def remove() -> bool:
            db = self._conn()
            with db:
                return db.execute("DELETE FROM gs1_links WHERE key = ?", (key,)).rowcount > 0

        return await self._call(remove)

    async def aclose(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

        def close() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._call(close)
        self._executor.shutdown(wait=True)


class RedisLinkStore:
    """Links in one Redis hash, ``{namespace}:gs1:links`` (field: the level key)."""

    def __init__(self, client: Redis | RedisCluster, *, namespace: str) -> None:
        self._client = client
        self._hash = f"{namespace}:gs1:links"

    @classmethod
    async def attach(cls, client: Redis | RedisCluster, *, namespace: str) -> RedisLinkStore:
        try:
            await client.ping()
        except RedisError as err:
            await client.aclose()
            raise StoreUnavailable(f"operator links: Redis does not answer: {err}") from err
        return cls(client, namespace=namespace)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            found = await self._client.hmget(self._hash, list(keys))
        except RedisError as err:
            raise StoreUnavailable(f"operator links: Redis failed: {err}") from err
        return [x.encode() if isinstance(x, str) else x for x in found]

    async def put(self, key: str, links: bytes) -> None:
        try:
            await self._client.hset(self._hash, key, links)
        except RedisError as err:
            raise StoreUnavailable(f"operator links: Redis failed: {err}") from err

    async def delete(self, key: str) -> bool:
        try:
            removed: int = await self._client.hdel(self._hash, key)
        except RedisError as err:
            raise StoreUnavailable(f"operator links: Redis failed: {err}") from err
        return removed > 0

    async def aclose(self) -> None:
        await self._client.aclose()


async def open_link_store(store_url: str) -> LinkStore:
    """The link store beside the passport store of ``store_url``."""
    parts = urlsplit(store_url)
    namespace = parse_qs(parts.query).get("namespace", ["bp"])[-1]
    if parts.scheme == "sqlite":
        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        return await SQLiteLinkStore.open(path.with_name(path.stem + ".links.sqlite3"))
    if parts.scheme in ("redis", "rediss", "unix"):
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        client = Redis.from_url(plain, socket_timeout=_WAIT, socket_connect_timeout=_WAIT)
        return await RedisLinkStore.attach(client, namespace=namespace)
    if parts.scheme == "redis+cluster":
        plain = urlunsplit(("redis", parts.netloc, parts.path, "", ""))
        cluster = RedisCluster.from_url(plain, socket_timeout=_WAIT, socket_connect_timeout=_WAIT)
        return await RedisLinkStore.attach(cluster, namespace=namespace)
    raise ValueError(f"no link store for URL scheme {parts.scheme!r} (sqlite, redis or redis+cluster)")
