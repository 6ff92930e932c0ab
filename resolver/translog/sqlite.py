"""The log in SQLite tables (the embedded store's file, or its own): append-only by triggers."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import orjson

from resolver.errors import Conflict, StoreUnavailable
from resolver.translog.base import LeafRecord, LogRaced
from resolver.translog.heads import StoredHead
from resolver.translog.merkle import Coord

__all__ = ["SQLiteLog"]

T = TypeVar("T")
_MMAP_BYTES = 1 << 30
_NODE_LOOKUP = "SELECT level, idx, hash FROM translog_nodes WHERE level = ? AND idx = ?"
_TILE_LOOKUP = "SELECT tile, hashes FROM translog_tiles WHERE tile = ?"
# A version's leaf and the tile it lies in, in one statement (a proof's two reads).
_LOCATE_IN_TILE = (
    "SELECT l.idx, l.leaf, t.hashes FROM translog_leaves AS l "
    "LEFT JOIN translog_tiles AS t ON t.tile = (l.idx >> 8) WHERE l.identifier = ? AND l.version = ?"
)

# A tile holds the nodes below level 8 of a complete subtree of 256 leaves, level by level
# (256 + 128 + ... + 2 hashes): one row read gives the lower half of a proof, where it would
# otherwise take 8 lookups in translog_nodes. Derived from translog_nodes, written with it.
TILE_LEVELS = 8
_TILE_BYTES = 32 * (2 * (1 << TILE_LEVELS) - 2)


def _tile_offset(level: int, index: int) -> tuple[int, int]:
    """(tile, byte offset in it) of the node (level, index), level < TILE_LEVELS."""
    shift = TILE_LEVELS - level
    tile = index >> shift
    return tile, 32 * ((2 << TILE_LEVELS) - (2 << TILE_LEVELS >> level) + index - (tile << shift))


# Byte offset of each level's first node in a tile (as _tile_offset, for index 0 of the tile).
_LEVEL_STARTS = tuple(_tile_offset(level, 0)[1] for level in range(TILE_LEVELS))


def _sibling_ranges(position: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) byte ranges, in a tile, of the siblings at levels 0 to 7 of the leaf at
    ``position`` in that tile (its index modulo 256)."""
    ranges = []
    for level, start in enumerate(_LEVEL_STARTS):
        offset = start + 32 * (((position >> level) ^ 1) & ((1 << (TILE_LEVELS - level)) - 1))
        ranges.append((offset, offset + 32))
    return tuple(ranges)


# Worked out once for each position rather than for each proof.
_SIBLING_RANGES = tuple(_sibling_ranges(position) for position in range(1 << TILE_LEVELS))
_POSITION = (1 << TILE_LEVELS) - 1

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
CREATE TABLE IF NOT EXISTS translog_tiles (tile INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
"""
_TABLES = ("translog_leaves", "translog_nodes", "translog_heads", "translog_tiles")
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
            _backfill_tiles(db)
            return db

        try:
            db = await asyncio.get_running_loop().run_in_executor(executor, connect)
            reader = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            reader.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")  # reads without a copy per page
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
            found = _from_tiles(db, [c for c in wanted if c[0] < TILE_LEVELS])
            rest = [c for c in wanted if c not in found]
            for start in range(0, len(rest), 400):  # SQLite binds at most 999 parameters
                chunk = rest[start : start + 400]
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

    async def index_of(self, identifier: str, version: int) -> int | None:
        def read(db: sqlite3.Connection) -> int | None:
            row = db.execute(
                "SELECT idx FROM translog_leaves WHERE identifier = ? AND version = ?", (identifier, version)
            ).fetchone()
            return None if row is None else int(row[0])

        return self._read(read)

    async def locate_in_tile(
        self, identifier: str, version: int
    ) -> tuple[int, bytes, list[bytes] | None] | None:
        """As :meth:`locate`, with the leaf's 8 siblings inside its tile, levels 0 to 7 (None
        when the tile is not complete yet): one statement for the lower half of a proof."""

        def read(db: sqlite3.Connection) -> tuple[int, bytes, list[bytes] | None] | None:
            row = db.execute(_LOCATE_IN_TILE, (identifier, version)).fetchone()
            if row is None:
                return None
            index, leaf, blob = row
            if blob is None or len(blob) != _TILE_BYTES:
                return int(index), bytes(leaf), None
            return index, leaf, [blob[start:end] for start, end in _SIBLING_RANGES[index & _POSITION]]

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
                for level, index in nodes:
                    if level == TILE_LEVELS:
                        _write_tile(db, index)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        try:
            await self._run(write)
        except sqlite3.IntegrityError as err:
            raise Conflict(f"a passport version in this append is in the log already: {err}") from err

    async def latest_head(self) -> object | None:
        def read(db: sqlite3.Connection) -> object | None:
            row = db.execute("SELECT head FROM translog_heads ORDER BY tree_size DESC LIMIT 1").fetchone()
            return None if row is None else orjson.loads(row[0])

        return self._read(read)

    async def put_head(self, head: StoredHead) -> None:
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


def _from_tiles(db: sqlite3.Connection, coords: Sequence[Coord]) -> dict[Coord, bytes]:
    """The nodes of ``coords`` held in tiles (those in incomplete tiles are left out)."""
    if not coords:
        return {}
    located = {coord: _tile_offset(*coord) for coord in coords}
    tiles = list(dict.fromkeys(tile for tile, _ in located.values()))[:400]
    query = " UNION ALL ".join(_TILE_LOOKUP for _ in tiles)
    blobs = {int(tile): bytes(data) for tile, data in db.execute(query, tiles).fetchall()}
    found: dict[Coord, bytes] = {}
    for coord, (tile, offset) in located.items():
        blob = blobs.get(tile)
        if blob is not None and len(blob) == _TILE_BYTES:
            found[coord] = blob[offset : offset + 32]
    return found


def _write_tile(db: sqlite3.Connection, tile: int) -> None:
    """Write tile ``tile`` from translog_nodes, where its nodes (all present) are."""
    parts: list[bytes] = []
    for level in range(TILE_LEVELS):
        width = 1 << (TILE_LEVELS - level)
        rows = db.execute(
            "SELECT hash FROM translog_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
            (level, tile * width, (tile + 1) * width),
        ).fetchall()
        if len(rows) != width:
            raise StoreUnavailable(
                f"tile {tile} cannot be made: level {level} has {len(rows)} of {width} nodes"
            )
        parts.extend(bytes(row[0]) for row in rows)
    db.execute("INSERT INTO translog_tiles (tile, hashes) VALUES (?, ?)", (tile, b"".join(parts)))


def _backfill_tiles(db: sqlite3.Connection) -> None:
    """Tiles of a log written before tiles existed (once, at open)."""
    complete = _size(db) >> TILE_LEVELS
    row = db.execute("SELECT max(tile) FROM translog_tiles").fetchone()
    first = 0 if row is None or row[0] is None else int(row[0]) + 1
    if first >= complete:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for tile in range(first, complete):
            _write_tile(db, tile)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _size(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT max(idx) FROM translog_leaves").fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1
