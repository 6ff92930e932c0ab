"""The warning feed in SQLite (one node process): the event store's file, tables of its own.

A claim reads after this process's position in memory; the stored delivery cursor moves only
when entries are done, up to the oldest still in flight, so a process stopped mid-delivery
delivers those again when it starts (at least once). Waiting readers are woken in process.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from resolver.errors import InputError, StoreUnavailable
from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.feed import Claim, DeadLetter, Entry, Subscription

__all__ = ["SQLiteWarningFeed"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
_SEQ = re.compile(r"[0-9]{1,18}")  # a feed id: up to 18 digits always fits SQLite's int64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lc_feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS lc_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_subscriptions (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lc_dead (
    subscription TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (subscription, id)
) WITHOUT ROWID;
"""


class SQLiteWarningFeed:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lifecycle-feed")
        self._db: sqlite3.Connection | None = None
        self._changed = asyncio.Condition()
        self._published = 0  # counts publishes, so a waiter never misses one between read and wait
        self._claimed: int | None = None  # the newest entry claimed (None: read the stored cursor)
        self._in_flight: set[int] = set()  # claimed, not yet done

    @classmethod
    async def open(cls, path: str | Path) -> SQLiteWarningFeed:
        feed = cls(Path(path))
        await feed._call(feed._setup)
        return feed

    def _setup(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        self._db = db

    async def _call(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as err:
            raise StoreUnavailable(f"warning feed: {err}") from err

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreUnavailable("the warning feed is closed")
        return self._db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        return list(self._conn().execute(sql, args).fetchall())

    def _exec(self, sql: str, args: tuple[object, ...]) -> int:
        return int(self._conn().execute(sql, args).rowcount)

    # -- the feed ------------------------------------------------------------------------------

    async def publish(self, warnings: Sequence[Warning]) -> list[str]:
        ids = await self._call(self._publish, list(warnings))
        async with self._changed:
            self._published += 1
            self._changed.notify_all()
        return ids

    def _publish(self, warnings: list[Warning]) -> list[str]:
        db = self._conn()
        ids = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for warning in warnings:
                cursor = db.execute("INSERT INTO lc_feed (body) VALUES (?)", (warning.to_json(),))
                ids.append(str(cursor.lastrowid))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return ids

    async def read(self, after: str | None, *, limit: int = 100, wait: float = 0.0) -> list[Entry]:
        since = _seq(after)
        seen = self._published
        found = await self._after(since, limit)
        if found or wait <= 0:
            return found
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._published != seen), wait)
            except TimeoutError:
                return []
        return await self._after(since, limit)

    async def _after(self, since: int, limit: int) -> list[Entry]:
        rows = await self._call(
            self._rows, "SELECT seq, body FROM lc_feed WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)
        )
        return [(str(seq), Warning.from_json(body)) for seq, body in rows]

    async def last_id(self) -> str:
        rows = await self._call(self._rows, "SELECT max(seq) FROM lc_feed", ())
        return "" if not rows or rows[0][0] is None else str(rows[0][0])

    async def claim(self, consumer: str, *, limit: int = 100, wait: float = 1.0) -> Claim:
        if self._claimed is None:
            self._claimed = await self._cursor()
        entries = await self.read(str(self._claimed), limit=limit, wait=wait)
        if not entries:
            return Claim([], [])
        seqs = [int(entry_id) for entry_id, _ in entries]
        self._claimed = max(self._claimed, seqs[-1])
        self._in_flight.update(seqs)
        return Claim(entries, await self.subscriptions())

    async def _cursor(self) -> int:
        rows = await self._call(self._rows, "SELECT seq FROM lc_cursor WHERE name = 'delivery'", ())
        if rows:
            return int(rows[0][0])
        # The first start delivers what is published from now on, not the past.
        last = await self._call(self._rows, "SELECT coalesce(max(seq), 0) FROM lc_feed", ())
        await self._call(
            self._exec, "INSERT OR IGNORE INTO lc_cursor VALUES ('delivery', ?)", (int(last[0][0]),)
        )
        return int(last[0][0])

    async def reclaim(self, consumer: str, *, idle: float, limit: int = 100) -> list[Entry]:
        return []  # one process: what it left in flight is read again from the cursor at start

    async def done(self, entry_ids: Sequence[str]) -> None:
        self._in_flight.difference_update(int(i) for i in entry_ids)
        if self._claimed is None:
            return
        upto = min(self._in_flight) - 1 if self._in_flight else self._claimed
        await self._call(
            self._exec, "UPDATE lc_cursor SET seq = max(seq, ?) WHERE name = 'delivery'", (upto,)
        )

    # -- subscriptions and dead letters --------------------------------------------------------

    async def add_subscription(self, subscription: Subscription) -> None:
        await self._call(
            self._exec,
            "INSERT INTO lc_subscriptions VALUES (?, ?)",
            (subscription.id, subscription.to_json()),
        )

    async def subscription(self, sid: str) -> Subscription | None:
        rows = await self._call(self._rows, "SELECT body FROM lc_subscriptions WHERE id = ?", (sid,))
        return Subscription.from_json(rows[0][0]) if rows else None

    async def subscriptions(self) -> list[Subscription]:
        rows = await self._call(self._rows, "SELECT body FROM lc_subscriptions ORDER BY id", ())
        return [Subscription.from_json(r[0]) for r in rows]

    async def add_dead_letter(self, letter: DeadLetter) -> None:
        await self._call(
            self._exec,
            "INSERT OR REPLACE INTO lc_dead VALUES (?, ?, ?)",
            (letter.subscription, letter.id, letter.to_json()),
        )

    async def dead_letters(self, sid: str) -> list[DeadLetter]:
        rows = await self._call(self._rows, "SELECT body FROM lc_dead WHERE subscription = ?", (sid,))
        letters = [DeadLetter.from_json(r[0]) for r in rows]
        letters.sort(key=lambda d: int(d.id))
        return letters

    async def remove_dead_letter(self, sid: str, entry_id: str) -> DeadLetter | None:
        rows = await self._call(
            self._rows,
            "DELETE FROM lc_dead WHERE subscription = ? AND id = ? RETURNING body",
            (sid, entry_id),
        )
        return DeadLetter.from_json(rows[0][0]) if rows else None

    async def aclose(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await asyncio.get_running_loop().run_in_executor(self._executor, db.close)
        self._executor.shutdown(wait=True)


def _seq(after: str | None) -> int:
    if after is None or after == "":
        return 0
    # Ids are SQLite integers: more digits than int64 holds, or int()'s "1_000" and " 7 ",
    # are not ids this node gave.
    if not _SEQ.fullmatch(after):
        raise InputError(f"Last-Event-ID {after[:40]!r} is not an id this node gave")
    return int(after)
