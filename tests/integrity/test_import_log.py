"""`passport-node import` logs every version it stores, a batch of passports in one append: the
log holds one entry per stored version, naming the SHA-256 of each stored view's canonical
N-Quads, and its root is RFC 9162's Merkle tree hash of those entries (computed here, from the
RFC, not by the node's code). A batch the log refuses is logged entry by entry."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import orjson
import pytest

from resolver.config import default_config
from resolver.integrity.canon import canonical_nquads, document_quads
from resolver.parts.integrity import open_integrity
from resolver.stores import open_store
from resolver.tiers import Tier
from resolver.translog.entry import LogEntry
from tests.support.cli import passport_node

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "valid").glob("*.jsonld"))


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1: MTH of the leaves (k the largest power of two below n)."""
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _view_digest(body: bytes) -> str:
    document = orjson.loads(body)
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return hashlib.sha256(canonical_nquads(document_quads(unsigned))).hexdigest()


async def _stored_and_logged(
    store_url: str, log_path: Path
) -> tuple[dict[str, dict[str, str]], list[bytes], bytes]:
    config = default_config(store=store_url, integrity={"log": str(log_path)})
    store = await open_store(store_url)
    try:
        async with open_integrity(config) as integrity:
            assert integrity is not None
            _, handles = await store.handles(limit=1000)
            stored = {}
            for handle in handles:
                record = await store.get(handle)
                assert record is not None
                stored[f"{handle}@{record.version}"] = {
                    tier.label: _view_digest(record.views[tier]) for tier in Tier
                }
            size = await integrity.log.size()
            return stored, await integrity.log.entries(0, size), await integrity.log.root(size)
    finally:
        await store.aclose()


def test_an_import_logs_each_stored_version_once_with_its_views(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLES:
        shutil.copy(path, folder / path.name)
    store = f"sqlite:///{tmp_path}/passports.sqlite3"
    args = ["import", str(folder), "--store", store, "--workers", "1", "--json", "--no-progress"]
    assert passport_node(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == len(EXAMPLES)
    assert summary["cpu_seconds"]["importer"] > 0 and summary["cpu_seconds"]["workers"] > 0

    log_path = tmp_path / "passports.sqlite3.translog"
    stored, leaves, root = asyncio.run(_stored_and_logged(store, log_path))
    logged = {}
    for leaf in leaves:
        entry = LogEntry.from_leaf_bytes(leaf)
        logged[f"{entry.identifier}@{entry.version}"] = dict(entry.views)
    assert len(leaves) == len(EXAMPLES)
    assert logged == stored
    assert root == _mth(leaves)


def test_a_refused_batch_is_logged_entry_by_entry(tmp_path: Path) -> None:
    config = default_config(store=f"sqlite:///{tmp_path}/p.sqlite3", integrity={"log": str(tmp_path / "log")})

    def entry(n: int) -> LogEntry:
        return LogEntry(f"88.100.1/B-{n}", 1, "2026-12-01T00:00:00Z", {"public": "00" * 32})

    async def run() -> tuple[list[int | None], list[bytes]]:
        async with open_integrity(config) as integrity:
            assert integrity is not None
            assert await integrity.log_versions([entry(0), entry(1)]) == [0, 1]
            # entry(1) is logged already: the batch is refused, the others still go in.
            indexes = await integrity.log_versions([entry(2), entry(1), entry(3)])
            return indexes, await integrity.log.entries(0, await integrity.log.size())

    indexes, leaves = asyncio.run(run())
    assert indexes == [2, None, 3]
    assert leaves == [entry(n).leaf_bytes() for n in (0, 1, 2, 3)]
