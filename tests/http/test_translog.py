"""The inclusion-proof route: answers byte for byte as before, kept answers only for tree sizes
the log has reached, and query strings read as aiohttp reads them."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from resolver.http.keys import route_defs
from resolver.http.translog import _inclusion_json, log_routes
from resolver.translog import merkle
from resolver.translog.log import InclusionProof, TransparencyLog
from resolver.translog.sqlite import SQLiteLog
from tests.translog.conftest import Clock, sign
from tests.translog.test_log import CountingBackend, _entry


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[tuple[TransparencyLog, CountingBackend]]:
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    counting = CountingBackend(backend)
    try:
        # Not tiled (CountingBackend hides locate_in_tile): every proof goes through ``locate``.
        yield await TransparencyLog(counting, signer=sign, clock=Clock()).open(), counting
    finally:
        await backend.aclose()


async def test_the_written_json_is_what_orjson_makes() -> None:
    cases = [
        (0, 1, b"", []),
        (5, 6, bytes(range(256)) * 2, [bytes([i]) * 32 for i in range(3)]),
        (999_999, 1_000_000, b"\x00leaf", [b"\xff" * 32] * 20),
    ]
    for index, size, leaf, path in cases:
        proof = InclusionProof(index, size, leaf, path)
        expected = orjson.dumps(
            {
                "leaf_index": index,
                "tree_size": size,
                "leaf": base64.b64encode(leaf).decode(),
                "inclusion_path": [base64.b64encode(h).decode() for h in path],
            }
        )
        assert _inclusion_json(proof) == expected


async def test_kept_proofs_are_served_for_reached_sizes_only(
    counted: tuple[TransparencyLog, CountingBackend],
) -> None:
    log, counting = counted
    await log.append_many([_entry(i) for i in range(5)])
    app = web.Application()
    app.router.add_routes(route_defs(log_routes(log)))
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/log/proof/inclusion?id=88.100.1/BAT-3&version=1&tree_size=5")
        body = await first.read()
        assert first.status == 200 and first.headers["Content-Type"] == "application/json"
        assert first.headers["Cache-Control"] == "no-cache"
        located = counting.located
        again = await client.get("/log/proof/inclusion?id=88.100.1/BAT-3&version=1&tree_size=5")
        assert await again.read() == body
        assert counting.located == located  # answered from what was kept
        # A size the log has not reached is asked of the log (and refused), never guessed.
        ahead = await client.get("/log/proof/inclusion?id=88.100.1/BAT-3&version=1&tree_size=6")
        assert ahead.status == 400
        # Once the log grows, the current tree's proof is the new size's, and checks.
        await log.append(_entry(5))
        current = await client.get("/log/proof/inclusion?id=88.100.1/BAT-3&version=1")
        now = orjson.loads(await current.read())
        assert now["tree_size"] == 6
        root = await log.root(6)
        path = [base64.b64decode(h) for h in now["inclusion_path"]]
        leaf = base64.b64decode(now["leaf"])
        assert merkle.verify_inclusion(3, 6, merkle.leaf_hash(leaf), path, root)
        # The proof in the older tree is still the one kept (it never changes).
        old = await client.get("/log/proof/inclusion?id=88.100.1/BAT-3&version=1&tree_size=5")
        assert await old.read() == body


async def test_escaped_queries_read_as_aiohttp_reads_them(
    counted: tuple[TransparencyLog, CountingBackend],
) -> None:
    log, _ = counted
    await log.append_many([_entry(i) for i in range(3)])
    app = web.Application()
    app.router.add_routes(route_defs(log_routes(log)))
    async with TestClient(TestServer(app)) as client:
        iri = "https%3A%2F%2Fhdl.handle.net%2F88.100.1%2FBAT-2"
        by_iri = await client.get(f"/log/proof/inclusion?id={iri}&version=1&version=7&&tree_size=3")
        assert by_iri.status == 200  # the first of repeated names counts, empty pairs are skipped
        assert orjson.loads(await by_iri.read())["leaf_index"] == 2
        spaced = await client.get("/log/proof/inclusion?id=88.100.1/BAT-2&version=+1")
        assert spaced.status == 400
        assert "' 1'" in orjson.loads(await spaced.read())["detail"]
        missing = await client.get("/log/proof/inclusion?version=1")
        assert missing.status == 400


async def test_uncached_proofs_with_kept_path_tails_match_the_log(tmp_path: Path) -> None:
    """With no kept answers (proof_memo_bytes=0), every proof is read from the log; the kept
    encodings of the paths' upper parts (per subtree of 256 leaves and tree size) give the
    same bytes as encoding the whole proof, in complete subtrees and in the ragged edge."""
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    try:
        log = await TransparencyLog(backend, signer=sign, clock=Clock()).open()
        await log.append_many([_entry(i) for i in range(600)])
        app = web.Application()
        app.router.add_routes(route_defs(log_routes(log, proof_memo_bytes=0)))
        async with TestClient(TestServer(app)) as client:
            for size in (300, 512, 600):
                for index in (*range(0, 600, 37), 255, 256, 511, 512, 599):
                    if index >= size:
                        continue
                    for _ in range(2):  # the second time through the kept tail
                        resp = await client.get(
                            f"/log/proof/inclusion?id={_entry(index).identifier}&version=1&tree_size={size}"
                        )
                        assert resp.status == 200
                        expected = _inclusion_json(await log.inclusion_at(index, size))
                        assert await resp.read() == expected
                        got = orjson.loads(expected)
                        path = [base64.b64decode(h) for h in got["inclusion_path"]]
                        leaf = merkle.leaf_hash(base64.b64decode(got["leaf"]))
                        assert merkle.verify_inclusion(index, size, leaf, path, await log.root(size))
    finally:
        await backend.aclose()
