"""The log in SQLite tables (the embedded store's file, or its own): append-only by triggers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import orjson

from resolver.errors import Conflict, StoreUnavailable
from resolver.translog.base import LeafRecord, LogRaced
from resolver.translog.merkle import Coord

__all__ = ["SQLiteLog"]

T = TypeVar("T")
_MMAP_BYTES = 1 << 30
_NODE_LOOKUP = "SELECT level, idx, hash FROM translog_nodes WHERE level = ? AND idx = ?"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translog_leaves (
    idx        INTEGER PRIMARY KEY,
    identifier TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    leaf       BLOB    NOT NULL,
    UNIQUE (identifier, version)
);
CREATE TABLE IF NOT EXISTS translog_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS translog_heads (tree_size INTEGER PRIMARY KEY, head BLOB NOT NULL);
"""
_TABLES = ("translog_leaves", "translog_nodes", "translog_heads")
_TRIGGERS = "".join(
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;\n"
    for table in _TABLES
    for verb in ("update", "delete")
)


class SQLiteLog:
    """A LogBackend on one SQLite file. Appends run on one thread with their own connection;
    reads are a few indexed SELECTs on a second connection, run inline on the event loop (a WAL
    reader never waits for the writer, and a thread hand-off would cost more than the read)."""

    def __init__(
        self, connection: sqlite3.Connection, reader: sqlite3.Connection, executor: ThreadPoolExecutor
    ) -> None:
        self._db = connection
        self._reader = reader
        self._executor = executor

    @classmethod
    async def open(cls, path: Path) -> SQLiteLog:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="translog")

        def connect() -> sqlite3.Connection:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=5000")
            db.executescript(_SCHEMA + _TRIGGERS)
            return db

        try:
            db = await asyncio.get_running_loop().run_in_executor(executor, connect)
            reader = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as err:
            executor.shutdown(wait=False)
            raise StoreUnavailable(f"the transparency log at {path} cannot be opened: {err}") from err
        return cls(db, reader, executor)

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return work(self._reader)
        except sqlite3.Error as err:
            raise StoreUnavailable(f"the transparency log cannot be read: {err}") from err

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, self._db)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as err:
            raise StoreUnavailable(f"the transparency log cannot be read or written: {err}") from err

    async def size(self) -> int:
        return self._read(_size)

    async def nodes(self, coords: Sequence[Coord]) -> dict[Coord, bytes]:
        wanted = list(dict.fromkeys(coords))

        if not wanted:
            return {}

        def read(db: sqlite3.Connection) -> dict[Coord, bytes]:
            found: dict[Coord, bytes] = {}
            for start in range(0, len(wanted), 400):  # SQLite binds at most 999 parameters
                chunk = wanted[start : start + 400]
                # One statement of primary-key lookups (an OR of them, or a row-value IN list,
                # makes SQLite build a row set or scan; UNION ALL is a plain descent per node).
                query = " UNION ALL ".join(_NODE_LOOKUP for _ in chunk)
                rows = db.execute(query, [value for coord in chunk for value in coord]).fetchall()
                found.update({(int(level), int(index)): bytes(value) for level, index, value in rows})
            return found

        return self._read(read)

    async def leaves(self, start: int, end: int) -> list[bytes]:
        def read(db: sqlite3.Connection) -> list[bytes]:
            rows = db.execute(
                "SELECT leaf FROM translog_leaves WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end)
            ).fetchall()
            return [bytes(row[0]) for row in rows]

        return self._read(read)

    async def locate(self, identifier: str, version: int) -> tuple[int, bytes] | None:
        def read(db: sqlite3.Connection) -> tuple[int, bytes] | None:
            row = db.execute(
                "SELECT idx, leaf FROM translog_leaves WHERE identifier = ? AND version = ?",
                (identifier, version),
            ).fetchone()
            return None if row is None else (int(row[0]), bytes(row[1]))

        return self._read(read)

    async def append(self, size: int, records: Sequence[LeafRecord], nodes: Mapping[Coord, bytes]) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                if _size(db) != size:
                    raise LogRaced("the log grew while this append was prepared")
                db.executemany(
                    "INSERT INTO translog_leaves (idx, identifier, version, leaf) VALUES (?, ?, ?, ?)",
                    [(size + i, r.identifier, r.version, r.leaf) for i, r in enumerate(records)],
                )
                db.executemany(
                    "INSERT INTO translog_nodes (level, idx, hash) VALUES (?, ?, ?)",
                    [(level, index, value) for (level, index), value in nodes.items()],
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        try:
            await self._run(write)
        except sqlite3.IntegrityError as err:
            raise Conflict(f"a passport version in this append is in the log already: {err}") from err

    async def latest_head(self) -> Any | None:
        def read(db: sqlite3.Connection) -> Any | None:
            row = db.execute("SELECT head FROM translog_heads ORDER BY tree_size DESC LIMIT 1").fetchone()
            return None if row is None else orjson.loads(row[0])

        return self._read(read)

    async def put_head(self, head: Mapping[str, Any]) -> None:
        data = orjson.dumps(dict(head))

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR IGNORE INTO translog_heads (tree_size, head) VALUES (?, ?)",
                (head["tree_size"], data),
            )

        await self._run(write)

    async def aclose(self) -> None:
        self._reader.close()

        def close(db: sqlite3.Connection) -> None:
            db.close()

        await self._run(close)
        self._executor.shutdown(wait=True)


def _size(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT max(idx) FROM translog_leaves").fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1
