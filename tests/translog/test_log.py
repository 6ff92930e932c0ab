"""The transparency log: appends, signed heads, entries, proofs in O(log n), integrity at open."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from resolver.errors import Conflict, InputError, NotFound
from resolver.http.keys import route_defs
from resolver.http.translog import log_routes
from resolver.parts.integrity import LogIndexes
from resolver.translog import merkle
from resolver.translog.base import JointRead, LeafRecord, LogBackend, LogCorrupted, PathLocate
from resolver.translog.entry import LogEntry
from resolver.translog.heads import SignedTreeHead
from resolver.translog.log import TransparencyLog
from resolver.translog.merkle import Coord
from resolver.translog.redis import RedisLog
from resolver.translog.sqlite import SQLiteLog
from tests.translog.conftest import KEY, Clock, sign


def _entry(i: int, version: int = 1) -> LogEntry:
    return LogEntry.of_views(
        f"88.100.1/BAT-{i}", version, "2026-11-30T12:00:00Z", {"public": b"<a> <b> <c> .\n", "authority": b""}
    )


async def test_entry_names_the_sha256_of_each_view(log: TransparencyLog) -> None:
    index = await log.append(_entry(7))
    proof = await log.inclusion("88.100.1/BAT-7", 1)
    entry = LogEntry.from_leaf_bytes(proof.leaf)
    assert proof.leaf_index == index == 0
    assert entry.names("public", b"<a> <b> <c> .\n")
    assert not entry.names("public", b"<a> <b> <d> .\n")
    assert entry.views["authority"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


async def test_log_indexes_read_the_index_and_keep_only_settled_answers(backend: LogBackend) -> None:
    counting = CountingBackend(backend)
    log = await TransparencyLog(counting, signer=sign, clock=Clock()).open()
    await log.append_many([_entry(0), _entry(1)])
    now = [10_000.0]
    indexes = LogIndexes(log, clock=lambda: now[0])
    assert await indexes.of("88.100.1/BAT-1", 1) == 1
    assert await indexes.of("88.100.1/BAT-1", 1, modified=0.0) == 1
    assert counting.located == 1  # a logged version's index is kept
    # Not logged, stored a moment ago: its append may still come, so it is asked again.
    assert await indexes.of("88.100.1/BAT-2", 1, modified=now[0] - 1) is None
    await log.append(_entry(2))
    assert await indexes.of("88.100.1/BAT-2", 1, modified=now[0] - 1) == 2
    # Not logged long after it was stored: it stays unlogged, and that answer is kept.
    assert await indexes.of("88.100.1/BAT-3", 1, modified=now[0] - 3600) is None
    located = counting.located
    assert await indexes.of("88.100.1/BAT-3", 1, modified=now[0] - 3600) is None
    assert counting.located == located


async def test_same_version_twice_is_refused(log: TransparencyLog) -> None:
    await log.append(_entry(1))
    with pytest.raises(Conflict):
        await log.append(_entry(1))
    assert await log.size() == 1
    await log.append(_entry(1, version=2))
    assert await log.size() == 2


async def test_signed_tree_head_verifies_and_changes_only_when_the_tree_grows(log: TransparencyLog) -> None:
    await log.append_many([_entry(i) for i in range(5)])
    head = await log.head()
    assert head.tree_size == 5
    assert head.verify(KEY.public_key())
    assert await log.head() == head
    await log.append(_entry(5))
    later = await log.head()
    assert later.tree_size == 6 and later.timestamp > head.timestamp
    forged = SignedTreeHead(6, head.root_hash, later.timestamp, later.key, later.signature)
    assert not forged.verify(KEY.public_key())


async def test_entries_page_and_bounds(log: TransparencyLog) -> None:
    await log.append_many([_entry(i) for i in range(10)])
    leaves = await log.entries(3, 5)
    assert [LogEntry.from_leaf_bytes(leaf).identifier for leaf in leaves] == [
        f"88.100.1/BAT-{i}" for i in (3, 4, 5)
    ]
    assert len(await log.entries(8, 100)) == 2
    with pytest.raises(InputError, match="has 10"):
        await log.entries(10, 12)


async def test_unknown_version_and_future_tree_size_are_refused(log: TransparencyLog) -> None:
    await log.append_many([_entry(i) for i in range(3)])
    with pytest.raises(NotFound):
        await log.inclusion("88.100.1/BAT-9", 1)
    with pytest.raises(InputError, match="tree_size"):
        await log.inclusion("88.100.1/BAT-1", 1, tree_size=4)
    with pytest.raises(InputError, match="later tree_size"):
        await log.inclusion("88.100.1/BAT-2", 1, tree_size=2)
    with pytest.raises(InputError):
        await log.consistency(2, 5)


class CountingBackend:
    """The real backend, counting the tree nodes each call reads."""

    def __init__(self, inner: LogBackend) -> None:
        self.inner = inner
        self.read = 0
        self.located = 0

    async def nodes(self, coords: Sequence[Coord]) -> dict[Coord, bytes]:
        self.read += len(coords)
        return await self.inner.nodes(coords)

    async def locate(self, identifier: str, version: int) -> tuple[int, bytes] | None:
        self.located += 1
        return await self.inner.locate(identifier, version)

    async def index_of(self, identifier: str, version: int) -> int | None:
        self.located += 1
        return await self.inner.index_of(identifier, version)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name != "leaf_and_nodes":
            return found

        async def leaf_and_nodes(index: int, coords: Sequence[Coord]) -> Any:  # a joint read counts too
            self.read += len(coords)
            return await found(index, coords)

        return leaf_and_nodes


async def test_proofs_read_logarithmically_many_nodes(backend: LogBackend) -> None:
    counting = CountingBackend(backend)
    log = TransparencyLog(counting, signer=sign, clock=Clock())
    await log.append_many([_entry(i) for i in range(1000)])
    worst_inclusion = worst_consistency = 0
    for index in (0, 1, 511, 512, 998, 999):
        counting.read = 0
        await log.inclusion_at(index, 1000)
        worst_inclusion = max(worst_inclusion, counting.read)
    for first in (1, 3, 500, 511, 512, 999):
        counting.read = 0
        await log.consistency(first, 1000)
        worst_consistency = max(worst_consistency, counting.read)
    # log2(1000) < 10: a path has at most 10 elements, made of at most 2 * 10 stored nodes.
    assert worst_inclusion <= 20 and worst_consistency <= 20


async def test_sqlite_tables_refuse_updates_and_deletes(tmp_path: Path) -> None:
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    log = await TransparencyLog(backend, signer=sign).open()
    await log.append(_entry(1))
    await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    for statement in ("UPDATE translog_leaves SET leaf = x'00'", "DELETE FROM translog_nodes"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    db.close()


async def _tampered(tmp_path: Path, statement: str, params: tuple[Any, ...]) -> SQLiteLog:
    """A log of 9 entries and a signed head, then a change made behind the node's back."""
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    log = await TransparencyLog(backend, signer=sign).open()
    await log.append_many([_entry(i) for i in range(9)])
    await log.head()
    await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    for table in ("translog_leaves", "translog_nodes"):
        db.execute(f"DROP TRIGGER {table}_no_update")
        db.execute(f"DROP TRIGGER {table}_no_delete")
    db.execute(statement, params)
    db.close()
    return await SQLiteLog.open(tmp_path / "log.sqlite3")


@pytest.mark.parametrize(
    ("statement", "params", "full"),
    [
        ("UPDATE translog_leaves SET leaf = ? WHERE idx = 8", (_entry(99).leaf_bytes(),), False),
        ("UPDATE translog_nodes SET hash = ? WHERE level = 3 AND idx = 0", (b"\0" * 32,), False),
        ("DELETE FROM translog_leaves WHERE idx = 8", (), False),
        ("UPDATE translog_leaves SET leaf = ? WHERE idx = 2", (_entry(99).leaf_bytes(),), True),
    ],
    ids=["newest-leaf", "inner-node", "dropped-leaf", "old-leaf-full-check"],
)
async def test_tampered_store_fails_the_check_at_open(
    tmp_path: Path, statement: str, params: tuple[Any, ...], full: bool
) -> None:
    backend = await _tampered(tmp_path, statement, params)
    try:
        with pytest.raises(LogCorrupted):
            await TransparencyLog(backend, signer=sign).open(full=full)
    finally:
        await backend.aclose()


async def test_untouched_store_passes_the_full_check(log: TransparencyLog) -> None:
    await log.append_many([_entry(i) for i in range(37)])
    await log.head()
    assert await log.open(full=True) is log


class RacingBackend:
    """Another process appends between this one's read of the size and its write, once."""

    def __init__(self, inner: LogBackend, rival: TransparencyLog) -> None:
        self.inner, self.rival, self.raced = inner, rival, False

    async def append(self, size: int, records: Sequence[LeafRecord], nodes: Mapping[Coord, bytes]) -> None:
        if not self.raced:
            self.raced = True
            await self.rival.append(_entry(1000))
        await self.inner.append(size, records, nodes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_append_racing_another_process_retries_on_the_new_size(backend: LogBackend) -> None:
    rival = TransparencyLog(backend, signer=sign)
    log = TransparencyLog(RacingBackend(backend, rival), signer=sign)
    assert await log.append(_entry(1)) == 1
    assert await rival.open(full=True)
    proof = await log.inclusion("88.100.1/BAT-1000", 1)
    assert proof.leaf_index == 0


async def test_append_after_another_process_appended_uses_the_new_tree(backend: LogBackend) -> None:
    # The log keeps the tree it appended last; a rival's append in between makes it stale.
    log, rival = TransparencyLog(backend, signer=sign), TransparencyLog(backend, signer=sign)
    assert await log.append_many([_entry(i) for i in range(3)]) == [0, 1, 2]
    assert await rival.append(_entry(3)) == 3
    assert await log.append(_entry(4)) == 4
    assert await rival.append(_entry(5)) == 5
    assert await TransparencyLog(backend, signer=sign).open(full=True)
    for index in range(6):
        proof = await rival.inclusion(f"88.100.1/BAT-{index}", 1)
        root = await rival.root(6)
        assert merkle.verify_inclusion(index, 6, merkle.leaf_hash(proof.leaf), proof.path, root)


async def test_routes_answer_heads_entries_and_proofs(log: TransparencyLog) -> None:
    await log.append_many([_entry(i) for i in range(6)])
    app = web.Application()
    app.router.add_routes(route_defs(log_routes(log)))
    async with TestClient(TestServer(app)) as client:
        sth = await (await client.get("/log/sth")).json()
        assert sth["tree_size"] == 6
        root = base64.b64decode(sth["root_hash"])
        entries = await (await client.get("/log/entries?start=0&end=5")).json()
        leaves = [base64.b64decode(e["leaf"]) for e in entries["entries"]]
        proof = await (await client.get("/log/proof/inclusion?id=88.100.1/BAT-4&version=1")).json()
        path = [base64.b64decode(h) for h in proof["inclusion_path"]]
        assert merkle.verify_inclusion(4, 6, merkle.leaf_hash(leaves[4]), path, root)
        # The passport may be named as a client holds it: by its IRI, as in the document's id.
        by_iri = await client.get("/log/proof/inclusion?id=https://hdl.handle.net/88.100.1/BAT-4&version=1")
        assert (await by_iri.json())["leaf_index"] == 4
        consistency = await (await client.get("/log/proof/consistency?first=3&second=6")).json()
        assert len(consistency["consistency_path"]) >= 1
        bad = await client.get("/log/proof/consistency?first=x&second=6")
        assert bad.status == 400
        assert bad.headers["Content-Type"].startswith("application/problem+json")
        assert "non-negative integer" in (await bad.json(content_type=None))["detail"]
        missing = await client.get("/log/proof/inclusion?id=88.100.1/NOPE&version=1")
        assert missing.status == 404


async def test_tampered_redis_log_fails_the_check_at_open(redis_url: str) -> None:
    import redis.asyncio as aioredis

    from resolver.translog.redis import RedisLog

    client = aioredis.Redis.from_url(redis_url)
    try:
        log = await TransparencyLog(RedisLog(client, namespace="t"), signer=sign).open()
        await log.append_many([_entry(i) for i in range(9)])
        await log.head()
        await client.hset("{t}:leaves", "8", _entry(99).leaf_bytes())  # behind the node's back
        with pytest.raises(LogCorrupted, match="leaf 8"):
            await TransparencyLog(RedisLog(client, namespace="t"), signer=sign).open()
        await client.hset("{t}:leaves", "8", _entry(8).leaf_bytes())
        await client.hset("{t}:leaves", "3", _entry(99).leaf_bytes())
        await TransparencyLog(RedisLog(client, namespace="t"), signer=sign).open()  # quick check: newest only
        with pytest.raises(LogCorrupted, match="leaf 3"):
            await TransparencyLog(RedisLog(client, namespace="t"), signer=sign).open(full=True)
    finally:
        await client.aclose()


async def test_tiles_serve_the_lower_levels_and_a_tampered_tile_fails_the_full_check(tmp_path: Path) -> None:
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    log = await TransparencyLog(backend, signer=sign).open()
    await log.append_many([_entry(i) for i in range(300)])
    await log.head()
    await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    assert db.execute("SELECT count(*), length(hashes) FROM translog_tiles").fetchone() == (1, 16320)
    # The tile is what proofs read: drop the node rows it covers, and proofs still verify.
    db.execute("DROP TRIGGER translog_nodes_no_delete")
    db.execute("DELETE FROM translog_nodes WHERE level < 8 AND idx < (256 >> level)")
    db.close()
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    try:
        log = await TransparencyLog(backend, signer=sign).open(full=True)
        head = await log.head()
        proof = await log.inclusion_at(17, 300)
        assert merkle.verify_inclusion(17, 300, merkle.leaf_hash(proof.leaf), proof.path, head.root_hash)
    finally:
        await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    db.execute("DROP TRIGGER translog_tiles_no_update")
    blob = db.execute("SELECT hashes FROM translog_tiles").fetchone()[0]
    db.execute("UPDATE translog_tiles SET hashes = ?", (b"\0" * 32 + blob[32:],))
    db.close()
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    try:
        with pytest.raises(LogCorrupted, match="leaf 0"):
            await TransparencyLog(backend, signer=sign).open(full=True)
    finally:
        await backend.aclose()


async def test_tiles_are_made_at_open_for_a_log_written_without_them(tmp_path: Path) -> None:
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    log = await TransparencyLog(backend, signer=sign).open()
    await log.append_many([_entry(i) for i in range(520)])
    await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    db.execute("DROP TRIGGER translog_tiles_no_delete")
    db.execute("DELETE FROM translog_tiles")
    db.close()
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    await backend.aclose()
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    assert [row[0] for row in db.execute("SELECT tile FROM translog_tiles ORDER BY tile")] == [0, 1]
    db.close()


async def test_index_of_reads_the_index_alone(backend: LogBackend) -> None:
    log = TransparencyLog(backend, signer=sign, clock=Clock())
    await log.append_many([_entry(i) for i in range(3)] + [_entry(1, version=2)])
    assert await backend.index_of("88.100.1/BAT-1", 2) == 3
    assert await backend.index_of("88.100.1/BAT-2", 1) == 2
    assert await backend.index_of("88.100.1/BAT-2", 2) is None
    assert await backend.index_of("88.100.1/NOPE", 1) is None


async def test_a_proof_by_leaf_index_read_jointly_is_the_one_read_in_two_steps(backend: LogBackend) -> None:
    """Redis reads a proof's leaf and nodes in one round trip once the log knows the tree size;
    the proofs and errors are those of the leaf read first and the nodes after."""
    writer = TransparencyLog(backend, signer=sign, clock=Clock())
    await writer.append_many([_entry(i) for i in range(600)])
    assert isinstance(backend, JointRead) == (not isinstance(backend, SQLiteLog))
    for size in (1, 255, 256, 300, 512, 600):
        for index in sorted({0, 1, size // 2, 255, 256, 257, size - 1}):
            if index < size:
                stepwise = await TransparencyLog(backend, signer=sign).inclusion_at(index, size)
                assert await writer.inclusion_at(index, size) == stepwise  # the tile path made
                assert await writer.inclusion_at(index, size) == stepwise  # ... and kept
                assert stepwise.path == [
                    h
                    for plan in merkle.inclusion_plan(index, size)
                    for h in [merkle.evaluate(plan, await backend.nodes(plan))]
                ]
    if isinstance(backend, RedisLog):
        client = backend._redis  # behind the log's back: a leaf gone, the scripts forgotten
        await client.hdel("{test-log}:leaves", "3")
        for log in (writer, TransparencyLog(backend, signer=sign)):
            with pytest.raises(InputError, match="no leaf 3"):
                await log.inclusion_at(3, 600)
        await client.script_flush()
        assert (await writer.inclusion("88.100.1/BAT-300", 1, 600)) == await writer.inclusion_at(300, 600)


async def test_a_located_version_s_path_is_the_one_its_plan_names(backend: LogBackend) -> None:
    """Redis's tile script, given a tree size, reads the whole inclusion path of a leaf whose tile
    is incomplete: the nodes merkle.inclusion_plan names (test_rfc9162 checks the proofs made)."""
    if not isinstance(backend, PathLocate):
        pytest.skip("SQLite reads a proof's nodes inline")
    writer = TransparencyLog(backend, signer=sign, clock=Clock())

    async def check(size: int, indexes: Iterable[int], stored: int) -> None:
        for index in indexes:
            located = await backend.locate_with_path(f"88.100.1/BAT-{index}", 1, size)
            assert located is not None and located[0] == index
            plan = {coord for part in merkle.inclusion_plan(index, size) for coord in part}
            complete = index < 256 <= stored  # the tile in the store: its siblings are read instead
            assert set(located[3]) == (set() if complete else plan), (index, size)

    await writer.append_many([_entry(n) for n in range(40)])
    for size in range(1, 41):  # every leaf of every size, as test_rfc9162 proves them
        await check(size, range(size), 40)
    await writer.append_many([_entry(n) for n in range(40, 300)])
    for size in (255, 256, 257, 299, 300):
        await check(size, {0, 254, 255, 256, size // 2, size - 1} & set(range(size)), 300)
    assert await writer.inclusion("88.100.1/BAT-299", 1, 300) == (
        await TransparencyLog(backend, signer=sign).inclusion_at(299, 300)
    )
