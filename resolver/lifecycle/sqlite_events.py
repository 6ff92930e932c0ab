"""The event store in SQLite: a sibling file of the node's database, tables of its own.

One thread owns the connection (WAL mode); every call goes through it, so the event loop never
waits on the disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

import orjson

from resolver.errors import StoreUnavailable
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.eventstore import Appended, EventRow, Raising, Warning
from resolver.lifecycle.readings import Reading, StoredEvent
from resolver.lifecycle.status import StatusChange

__all__ = ["SQLiteEventStore"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# events: one row per (passport, eventID), the idempotency key. readings: append-only, never
# updated. warnings: the JSON of each warning; an acknowledgement rewrites its row.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS lc_events (
    handle TEXT NOT NULL, event_id TEXT NOT NULL, time REAL NOT NULL, type TEXT NOT NULL,
    body BLOB NOT NULL, PRIMARY KEY (handle, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lc_events_by_time ON lc_events (handle, time);
CREATE TABLE IF NOT EXISTS lc_readings (
    seq INTEGER PRIMARY KEY, handle TEXT NOT NULL, data_point TEXT NOT NULL, time REAL NOT NULL,
    value REAL NOT NULL, unit TEXT NOT NULL, event_id TEXT NOT NULL, label TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS lc_readings_by_point ON lc_readings (handle, data_point, time);
CREATE TABLE IF NOT EXISTS lc_last (handle TEXT PRIMARY KEY, time REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_revision (handle TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_status (
    handle TEXT NOT NULL, n INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (handle, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_rules (prefix TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_unpublished (
    handle TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (handle, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_announcements (
    key TEXT PRIMARY KEY, since REAL NOT NULL, body BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_warnings (
    handle TEXT NOT NULL, id TEXT NOT NULL, raised REAL NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (handle, id)
) WITHOUT ROWID;
"""


class SQLiteEventStore:
    """An ``EventStore`` in one SQLite file. Open with ``await SQLiteEventStore.open(path)``."""

    publishes = False  # the feed is a store of its own: warnings are marked, then published

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lifecycle-sqlite")
        self._db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: str | Path) -> SQLiteEventStore:
        store = cls(Path(path))
        await store._call(store._setup)
        return store

    def _setup(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        self._db = db

    async def _call(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as err:
            raise StoreUnavailable(f"event store: {err}") from err

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailable("the event store is closed")
        return self._db

    # -- events and readings ------------------------------------------------------------------

    async def append(
        self, handle: str, events: Sequence[StoredEvent], raising: Sequence[Raising] = ()
    ) -> Appended:
        return await self._call(self._append, handle, list(events), list(raising))

    def _append(self, handle: str, events: list[StoredEvent], raising: list[Raising]) -> Appended:
        db = self._conn()
        stored: list[str] = []
        duplicates: list[str] = []
        rows: list[tuple[Any, ...]] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for event in events:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO lc_events VALUES (?, ?, ?, ?, ?)",
                    (handle, event.event_id, event.time, event.type, event.body),
                )
                if cursor.rowcount == 0:
                    duplicates.append(event.event_id)
                    continue
                stored.append(event.event_id)
                rows.extend(
                    (handle, r.data_point, r.time, r.value, r.unit, r.event_id, r.label)
                    for r in event.readings
                )
            db.executemany(
                "INSERT INTO lc_readings (handle, data_point, time, value, unit, event_id, label) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if stored:
                _bump(db, handle, len(stored))
            if rows:
                latest = max(row[2] for row in rows)
                db.execute(
                    "INSERT INTO lc_last VALUES (?, ?) ON CONFLICT (handle) DO UPDATE "
                    "SET time = max(time, excluded.time)",
                    (handle, latest),
                )
            fresh = set(stored)
            raised = [w for event_id, w in raising if event_id in fresh and _insert_warning(db, w)]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Appended(tuple(stored), tuple(duplicates), tuple(raised))

    async def events(
        self, handle: str, *, since: float | None = None, until: float | None = None, limit: int = 1000
    ) -> list[EventRow]:
        low, high = _bounds(since, until)
        rows = await self._call(
            self._select,
            "SELECT event_id, time, type, body FROM lc_events WHERE handle = ? AND time >= ? AND time < ? "
            "ORDER BY time, event_id LIMIT ?",
            (handle, low, high, limit),
        )
        return [EventRow(r[0], r[1], r[2], bytes(r[3])) for r in rows]

    async def series(
        self,
        handle: str,
        data_point: str,
        *,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100_000,
    ) -> list[Reading]:
        low, high = _bounds(since, until)
        rows = await self._call(
            self._select,
            "SELECT data_point, time, value, unit, event_id, label FROM lc_readings "
            "WHERE handle = ? AND data_point = ? AND time >= ? AND time < ? ORDER BY time, seq LIMIT ?",
            (handle, data_point, low, high, limit),
        )
        return [Reading(*row) for row in rows]

    async def latest(self, handle: str, data_point: str, *, at: float | None = None) -> Reading | None:
        rows = await self._call(
            self._select,
            "SELECT data_point, time, value, unit, event_id, label FROM lc_readings "
            "WHERE handle = ? AND data_point = ? AND time <= ? ORDER BY time DESC, seq DESC LIMIT 1",
            (handle, data_point, float("inf") if at is None else at),
        )
        return Reading(*rows[0]) if rows else None

    async def revision(self, handle: str) -> int:
        rows = await self._call(self._select, "SELECT n FROM lc_revision WHERE handle = ?", (handle,))
        return int(rows[0][0]) if rows else 0

    async def last_reading(self, handle: str) -> float | None:
        rows = await self._call(self._select, "SELECT time FROM lc_last WHERE handle = ?", (handle,))
        return float(rows[0][0]) if rows else None

    async def quiet_since(self, before: float) -> list[tuple[str, float]]:
        rows = await self._call(self._select, "SELECT handle, time FROM lc_last WHERE time < ?", (before,))
        return [(str(r[0]), float(r[1])) for r in rows]

    def _select(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        return list(self._conn().execute(sql, args).fetchall())

    # -- warnings -----------------------------------------------------------------------------

    async def add_warnings(self, warnings: Sequence[Warning]) -> list[Warning]:
        return await self._call(self._add_warnings, list(warnings))

    def _add_warnings(self, warnings: list[Warning]) -> list[Warning]:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            new = [warning for warning in warnings if _insert_warning(db, warning)]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return new

    async def published(self, warnings: Sequence[Warning]) -> None:
        if warnings:
            await self._call(self._published, [(w.handle, w.id) for w in warnings])

    def _published(self, marks: list[tuple[str, str]]) -> None:
        self._conn().executemany("DELETE FROM lc_unpublished WHERE handle = ? AND id = ?", marks)

    async def unpublished(self) -> list[Warning]:
        rows = await self._call(
            self._select,
            "SELECT w.body FROM lc_unpublished u JOIN lc_warnings w ON w.handle = u.handle AND w.id = u.id "
            "ORDER BY w.raised, w.id",
            (),
        )
        return [Warning.from_json(row[0]) for row in rows]

    async def warnings(self, handle: str) -> list[Warning]:
        rows = await self._call(
            self._select, "SELECT body FROM lc_warnings WHERE handle = ? ORDER BY raised, id", (handle,)
        )
        return [Warning.from_json(row[0]) for row in rows]

    async def ack(self, handle: str, warning_id: str, *, by: str, at: float) -> Warning | None:
        return await self._call(self._ack, handle, warning_id, by, at)

    def _ack(self, handle: str, warning_id: str, by: str, at: float) -> Warning | None:
        db = self._conn()
        row = db.execute(
            "SELECT body FROM lc_warnings WHERE handle = ? AND id = ?", (handle, warning_id)
        ).fetchone()
        if row is None:
            return None
        warning = Warning.from_json(row[0])
        if warning.acked_at is not None:
            return warning
        acked = replace(warning, acked_by=by, acked_at=at)
        db.execute(
            "UPDATE lc_warnings SET body = ? WHERE handle = ? AND id = ?",
            (acked.to_json(), handle, warning_id),
        )
        return acked

    async def status_changes(self, handle: str) -> list[StatusChange]:
        rows = await self._call(
            self._select, "SELECT body FROM lc_status WHERE handle = ? ORDER BY n", (handle,)
        )
        return [StatusChange.from_json(row[0]) for row in rows]

    async def add_status_change(self, handle: str, change: StatusChange, *, expected: int) -> bool:
        return await self._call(self._add_status, handle, change, expected)

    def _add_status(self, handle: str, change: StatusChange, expected: int) -> bool:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            # (handle, n) is the key: a second writer expecting the same count fails here.
            db.execute("INSERT INTO lc_status VALUES (?, ?, ?)", (handle, expected, change.to_json()))
            _bump(db, handle, 1)
        except sqlite3.IntegrityError:
            db.execute("ROLLBACK")
            return False
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return True

    async def set_rules(self, prefix: str, overrides: Mapping[str, float]) -> None:
        if overrides:
            body = orjson.dumps(dict(overrides))
            await self._call(self._select, "INSERT OR REPLACE INTO lc_rules VALUES (?, ?)", (prefix, body))
        else:
            await self._call(self._select, "DELETE FROM lc_rules WHERE prefix = ?", (prefix,))

    async def rules(self) -> dict[str, dict[str, float]]:
        rows = await self._call(self._select, "SELECT prefix, body FROM lc_rules", ())
        return {str(prefix): orjson.loads(body) for prefix, body in rows}

    # -- announcements of successors ----------------------------------------------------------

    async def put_announcement(self, announcement: Announcement) -> None:
        row = (announcement.key, announcement.since, announcement.to_json())
        await self._call(self._select, "INSERT OR REPLACE INTO lc_announcements VALUES (?, ?, ?)", row)

    async def announcements(self) -> list[Announcement]:
        rows = await self._call(self._select, "SELECT body FROM lc_announcements ORDER BY since, key", ())
        return [Announcement.from_json(row[0]) for row in rows]

    async def end_announcement(self, announcement: Announcement) -> None:
        await self._call(self._select, "DELETE FROM lc_announcements WHERE key = ?", (announcement.key,))

    async def aclose(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)


def _bump(db: sqlite3.Connection, handle: str, by: int) -> None:
    db.execute(
        "INSERT INTO lc_revision VALUES (?, ?) ON CONFLICT (handle) DO UPDATE SET n = n + excluded.n",
        (handle, by),
    )


def _bounds(since: float | None, until: float | None) -> tuple[float, float]:
    return (float("-inf") if since is None else since, float("inf") if until is None else until)


def _insert_warning(db: sqlite3.Connection, warning: Warning) -> bool:
    """Store ``warning`` if its id is new, marked unpublished (inside the caller's transaction)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO lc_warnings VALUES (?, ?, ?, ?)",
        (warning.handle, warning.id, warning.raised, warning.to_json()),
    )
    if not cursor.rowcount:
        return False
    db.execute("INSERT OR IGNORE INTO lc_unpublished VALUES (?, ?)", (warning.handle, warning.id))
    return True
