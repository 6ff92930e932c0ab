"""The embedded store: one SQLite file in WAL mode, no server to run.

Writes and the rarer reads run on one dedicated thread with its own connection; the hot read
(``get_view`` of the public tier) is one indexed SELECT on a second, read-only connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar

from resolver.errors import Gone, NotFound, PreconditionFailed, StoreUnavailable
from resolver.stores._codec import check_expected, check_views, pack_views, pick_view, unpack_record
from resolver.stores.base import Change, Record, View
from resolver.stores.durability import Durability
from resolver.stores.notify import WriteListeners
from resolver.tiers import Tier

__all__ = ["SQLiteStore"]

T = TypeVar("T")
ReadMode = Literal["inline", "thread"]

SCHEMA_VERSION = 1

# versions: every version ever written; its rowid ``seq`` is the change feed's order.
# current: one row per handle, the current version and its public bytes, clustered on the
# handle (WITHOUT ROWID) so the hot read is one descent of one B-tree.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    handle   TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    modified REAL    NOT NULL,
    deleted  INTEGER NOT NULL,
    views    BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS versions_by_handle ON versions (handle, version);
CREATE TABLE IF NOT EXISTS current (
    handle   TEXT    PRIMARY KEY,
    version  INTEGER NOT NULL,
    modified REAL    NOT NULL,
    deleted  INTEGER NOT NULL,
    public   BLOB
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS current_live ON current (handle) WHERE deleted = 0;
"""

_GET_PUBLIC = "SELECT version, modified, deleted, public FROM current WHERE handle = ?"
_GET_CURRENT = (
    "SELECT c.version, c.modified, c.deleted, v.views FROM current c "
    "JOIN versions v ON v.handle = c.handle AND v.version = c.version WHERE c.handle = ?"
)
_GET_VERSION = "SELECT version, modified, deleted, views FROM versions WHERE handle = ? AND version = ?"
_HISTORY = "SELECT version, modified, deleted, views FROM versions WHERE handle = ? ORDER BY version"
_AT = (
    "SELECT version, modified, deleted, views FROM versions "
    "WHERE handle = ? AND modified <= ? ORDER BY version DESC LIMIT 1"
)


class SQLiteStore:
    """A ``Store`` in one SQLite file. Open with ``await SQLiteStore.open(path)``.

    ``reads="inline"`` (default) runs the public ``get_view`` on the event loop: a WAL reader
    never waits for a writer, and the lookup is one indexed SELECT over a memory-mapped file
    (tens of microseconds, less than a thread hand-off). ``reads="thread"`` sends it through
    the store's thread like everything else.
    """

    def __init__(
        self, path: Path, *, reads: ReadMode, mmap_bytes: int, durability: Durability = "strict"
    ) -> None:
        self.path = path
        self._durability = durability
        self._reads = reads
        self._mmap_bytes = mmap_bytes
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._closed = False
        self._lock = threading.Lock()
        self.written = WriteListeners()  # told after each write (a follower of the feed wakes)

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        reads: ReadMode = "inline",
        mmap_bytes: int = 256 * 1024 * 1024,
        durability: Durability = "strict",
    ) -> SQLiteStore:
        """Open (creating if needed) the store at ``path``; nothing is scanned.

        ``strict``: each commit is fsynced (WAL, synchronous=FULL), so it survives a power
        loss. ``relaxed``: synchronous=NORMAL, which survives a killed process but may lose
        the last commits on a power loss or OS crash.
        """
        store = cls(Path(path), reads=reads, mmap_bytes=mmap_bytes, durability=durability)
        try:
            await store._call(store._setup)
        except BaseException:
            store._executor.shutdown(wait=False)
            raise
        return store

    # -- protocol ---------------------------------------------------------------------------

    async def get(self, handle: str, *, version: int | None = None) -> Record | None:
        if version is None:
            return await self._call(self._fetch_record, _GET_CURRENT, (handle,), handle)
        return await self._call(self._fetch_record, _GET_VERSION, (handle, version), handle)

    async def get_view(self, handle: str, tier: Tier) -> View | None:
        if tier is Tier.PUBLIC:
            if self._reads == "inline":
                return self._public_view(handle)
            return await self._call(self._public_view, handle)
        record = await self.get(handle)
        if record is None:
            return None
        return View(handle, record.version, record.modified, record.deleted, pick_view(record.views, tier))

    async def put(
        self,
        handle: str,
        views: Mapping[Tier, bytes],
        *,
        expected_version: int | None = None,
        digest: str = "",
    ) -> Record:
        check_views(views)
        check_expected(expected_version)
        frozen = {tier: bytes(body) for tier, body in views.items()}
        # Compress here, off the single store thread, so writers on other tasks overlap.
        blob = await asyncio.get_running_loop().run_in_executor(None, pack_views, frozen, digest)
        record = await self._call(self._write, handle, frozen, blob, expected_version, False)
        self.written.notify()
        return dataclasses.replace(record, digest=digest)

    async def put_many(
        self, writes: Sequence[tuple[str, Mapping[Tier, bytes], int | None, str]]
    ) -> list[Record | PreconditionFailed]:
        """:meth:`put` of each (handle, views, expected_version, digest), in one transaction and
        one commit (a bulk import's batch: one fsync instead of one per passport). Each write is
        whole or absent as with :meth:`put`: one whose expected version does not hold gets its
        PreconditionFailed and writes nothing, the others are stored; any other failure stores
        none of them (StoreUnavailable)."""
        for _, views, expected, _ in writes:
            check_views(views)
            check_expected(expected)
        frozen = [
            ({tier: bytes(body) for tier, body in views.items()}, digest) for _, views, _, digest in writes
        ]
        blobs = await asyncio.get_running_loop().run_in_executor(
            None, lambda: [pack_views(views, digest) for views, digest in frozen]
        )
        batch = [
            (handle, views, blob, expected)
            for (handle, _, expected, _), (views, _), blob in zip(writes, frozen, blobs, strict=True)
        ]
        written = await self._call(self._write_many, batch)
        self.written.notify()
        return [
            dataclasses.replace(found, digest=digest) if isinstance(found, Record) else found
            for found, (_, digest) in zip(written, frozen, strict=True)
        ]

    async def delete(self, handle: str, *, expected_version: int | None = None) -> Record:
        check_expected(expected_version)
        record = await self._call(self._write, handle, {}, None, expected_version, True)
        self.written.notify()
        return record

    async def history(self, handle: str) -> Sequence[Record]:
        return await self._call(self._fetch_records, _HISTORY, (handle,), handle)

    async def at(self, handle: str, when: float) -> Record | None:
        return await self._call(self._fetch_record, _AT, (handle, when), handle)

    @property
    def partitions(self) -> int:
        return 1  # one file, one writer at a time: one feed

    def partition_of(self, handle: str) -> int:
        return 0

    async def changes(self, *, since: int = 0, limit: int = 1000, partition: int = 0) -> Sequence[Change]:
        if partition != 0:
            raise ValueError(f"a SQLite store has one feed partition (0), not {partition}")
        return await self._call(self._changes, since, limit)

    async def handles(self, *, prefix: str = "", offset: int = 0, limit: int = 100) -> tuple[int, list[str]]:
        return await self._call(self._handles, prefix, max(offset, 0), max(limit, 0))

    async def count(self) -> int:
        return await self._call(self._count)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_connections)
        finally:
            self._executor.shutdown(wait=True)

    def pragma(self, name: str) -> Any:
        """The writer connection's value of PRAGMA ``name`` (synchronous, journal_mode, ...)."""
        if not name.isidentifier():
            raise ValueError(f"not a PRAGMA name: {name!r}")
        with self._lock:
            if self._writer is None:
                raise StoreUnavailable("the store is closed")
            return self._writer.execute(f"PRAGMA {name}").fetchone()[0]

    # -- plumbing ---------------------------------------------------------------------------

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except RuntimeError as err:  # the executor was shut down under us
            raise StoreUnavailable(f"the store is closed: {err}") from err

    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5.0)
        conn.execute(f"PRAGMA mmap_size = {int(self._mmap_bytes)}")
        conn.execute("PRAGMA busy_timeout = 5000")
        return conn

    def _setup(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = self._connect(readonly=False)
            # Takes effect only when the file is new. 16 KiB pages hold a whole public view
            # (a few KiB) in the leaf of the clustered `current` table: no overflow page to
            # follow on the hot read, and a smaller file (measured: docs/stores.md).
            writer.execute("PRAGMA page_size = 16384")
            writer.execute("PRAGMA journal_mode = WAL")
            # synchronous is per connection: only the writer's matters.
            writer.execute(f"PRAGMA synchronous = {'FULL' if self._durability == 'strict' else 'NORMAL'}")
            writer.executescript(_SCHEMA)
            writer.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
            found = writer.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()[0]
            if int(found) != SCHEMA_VERSION:
                raise StoreUnavailable(
                    f"{self.path} has store schema {found}, this node reads {SCHEMA_VERSION}"
                )
            self._writer = writer
            self._reader = self._connect(readonly=True)
        except (sqlite3.Error, OSError) as err:
            raise StoreUnavailable(f"cannot open SQLite store {self.path}: {err}") from err

    def _close_connections(self) -> None:
        with self._lock:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    conn.close()
            self._reader = self._writer = None

    def _db(self) -> sqlite3.Connection:
        if self._writer is None:
            raise StoreUnavailable("the store is closed")
        return self._writer

    def _public_view(self, handle: str) -> View | None:
        reader = self._reader
        if reader is None:
            raise StoreUnavailable("the store is closed")
        try:
            row = reader.execute(_GET_PUBLIC, (handle,)).fetchone()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        if row is None:
            return None
        return View(handle, row[0], row[1], bool(row[2]), row[3] or b"")

    def _fetch_record(self, sql: str, params: tuple[Any, ...], handle: str) -> Record | None:
        try:
            row = self._db().execute(sql, params).fetchone()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        return None if row is None else _record(handle, row)

    def _fetch_records(self, sql: str, params: tuple[Any, ...], handle: str) -> list[Record]:
        try:
            rows = self._db().execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        return [_record(handle, row) for row in rows]

    def _write(
        self,
        handle: str,
        views: dict[Tier, bytes],
        blob: bytes | None,
        expected: int | None,
        deleting: bool,
    ) -> Record:
        with _transaction(self._db()) as db:
            return _insert(db, handle, views, blob, expected, deleting)

    def _write_many(
        self, writes: list[tuple[str, dict[Tier, bytes], bytes, int | None]]
    ) -> list[Record | PreconditionFailed]:
        out: list[Record | PreconditionFailed] = []
        with _transaction(self._db()) as db:
            for handle, views, blob, expected in writes:
                try:  # refused before it writes anything: the others go on
                    out.append(_insert(db, handle, views, blob, expected, False))
                except PreconditionFailed as err:
                    out.append(err)
        return out

    async def heads(self) -> Sequence[int]:
        if self._reads == "inline":
            # Feed followers (public views, the SPARQL index) poll this many times a second:
            # one indexed read of the last seq on the loop, as get_view, not a thread hand-off.
            reader = self._reader
            if reader is None or self._closed:
                raise StoreUnavailable("the store is closed")
            return [self._head(reader)]
        return [await self._call(self._head)]

    def _head(self, conn: sqlite3.Connection | None = None) -> int:
        try:
            db = conn if conn is not None else self._db()
            row = db.execute("SELECT seq FROM versions ORDER BY seq DESC LIMIT 1").fetchone()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        return int(row[0]) if row else 0

    def _changes(self, since: int, limit: int) -> list[Change]:
        try:
            rows = (
                self._db()
                .execute(
                    "SELECT seq, handle, version, deleted, modified FROM versions "
                    "WHERE seq > ? ORDER BY seq LIMIT ?",
                    (since, limit),
                )
                .fetchall()
            )
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        return [
            Change(seq, name, version, bool(deleted), modified)
            for seq, name, version, deleted, modified in rows
        ]

    def _handles(self, prefix: str, offset: int, limit: int) -> tuple[int, list[str]]:
        # A range on the primary key instead of LIKE: exact, case-sensitive, and it uses the index.
        where = "deleted = 0 AND handle >= ? AND handle < ?" if prefix else "deleted = 0"
        params: tuple[str, ...] = (prefix, prefix + "\U0010ffff") if prefix else ()
        try:
            db = self._db()
            total = db.execute(f"SELECT COUNT(*) FROM current WHERE {where}", params).fetchone()[0]
            page = db.execute(
                f"SELECT handle FROM current WHERE {where} ORDER BY handle LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err
        return int(total), [row[0] for row in page]

    def _count(self) -> int:
        try:
            return int(self._db().execute("SELECT COUNT(*) FROM current WHERE deleted = 0").fetchone()[0])
        except sqlite3.Error as err:
            raise StoreUnavailable(f"SQLite read failed: {err}") from err


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back when it raises.
    IMMEDIATE takes the write lock first, so a version check and its write are one step even
    against other processes on the same file."""
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    except sqlite3.Error as err:
        raise StoreUnavailable(f"SQLite write failed: {err}") from err


def _insert(
    db: sqlite3.Connection,
    handle: str,
    views: dict[Tier, bytes],
    blob: bytes | None,
    expected: int | None,
    deleting: bool,
) -> Record:
    """One version written inside the caller's transaction; PreconditionFailed, NotFound or
    Gone before anything is written."""
    row = db.execute("SELECT version, modified, deleted FROM current WHERE handle = ?", (handle,)).fetchone()
    current, last_modified = (row[0], row[1]) if row else (0, 0.0)
    was_deleted = bool(row[2]) if row else False
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"{handle}: expected version {expected}, current is {current}",
            current_version=current,
        )
    if deleting and row is None:
        raise NotFound(f"{handle} was never written")
    if deleting and was_deleted:
        raise Gone(f"{handle} is already deleted (version {current})")
    version = current + 1
    # History stays in time order even if the clock steps back.
    modified = max(time.time(), last_modified)
    db.execute(
        "INSERT INTO versions (handle, version, modified, deleted, views) VALUES (?, ?, ?, ?, ?)",
        (handle, version, modified, int(deleting), blob),
    )
    db.execute(
        "INSERT INTO current (handle, version, modified, deleted, public) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (handle) DO UPDATE SET version = excluded.version, "
        "modified = excluded.modified, deleted = excluded.deleted, public = excluded.public",
        (handle, version, modified, int(deleting), views.get(Tier.PUBLIC)),
    )
    return Record(handle, version, modified, deleting, views)


def _record(handle: str, row: tuple[Any, ...]) -> Record:
    version, modified, deleted, blob = row
    views, digest = unpack_record(blob) if blob else ({}, "")
    return Record(handle, version, modified, bool(deleted), views, digest)
