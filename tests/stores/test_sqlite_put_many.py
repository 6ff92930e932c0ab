"""SQLiteStore.put_many (a bulk import's batch): one transaction for the batch, each write whole
or absent; a write whose expected version does not hold is refused alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.errors import PreconditionFailed, StoreUnavailable
from resolver.stores.base import Record
from resolver.stores.sqlite import SQLiteStore
from resolver.tiers import Tier


def _views(text: str) -> dict[Tier, bytes]:
    return {Tier.PUBLIC: f'{{"p": "{text}"}}'.encode(), Tier.AUTHORITY: f'{{"a": "{text}"}}'.encode()}


async def test_a_batch_stores_each_version_as_put_does_and_refuses_a_stale_one_alone(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "s.sqlite3")
    try:
        await store.put("88.1/A", _views("a1"), expected_version=0, digest="d-a1")
        written = await store.put_many(
            [
                ("88.1/B", _views("b1"), 0, "d-b1"),
                ("88.1/A", _views("a2"), 0, "d-a2"),  # exists: refused, nothing written
                ("88.1/C", _views("c1"), 0, "d-c1"),
                ("88.1/B", _views("b2"), 1, "d-b2"),  # sees the batch's own first write
            ]
        )
        assert [type(found) for found in written] == [Record, PreconditionFailed, Record, Record]
        assert [(r.handle, r.version, r.digest) for r in written if isinstance(r, Record)] == [
            ("88.1/B", 1, "d-b1"),
            ("88.1/C", 1, "d-c1"),
            ("88.1/B", 2, "d-b2"),
        ]
        current = await store.get("88.1/A")
        assert current is not None and current.version == 1 and current.views == _views("a1")
        got = await store.get("88.1/B")
        assert got is not None and (got.version, got.digest, dict(got.views)) == (2, "d-b2", _views("b2"))
        changes = await store.changes()
        assert [(c.handle, c.version) for c in changes] == [
            ("88.1/A", 1),
            ("88.1/B", 1),
            ("88.1/C", 1),
            ("88.1/B", 2),
        ]
    finally:
        await store.aclose()


async def test_a_failing_batch_writes_nothing(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "s.sqlite3")
    try:
        # A view that is not bytes is refused before anything is written.
        with pytest.raises(TypeError):
            await store.put_many([("88.1/A", _views("a1"), 0, ""), ("88.1/B", {Tier.PUBLIC: "text"}, 0, "")])  # type: ignore[dict-item]
        assert await store.count() == 0
        # A failure inside the transaction rolls the whole batch back.
        store._db().execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON versions WHEN NEW.handle = '88.1/B' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        with pytest.raises(StoreUnavailable):
            await store.put_many([("88.1/A", _views("a1"), 0, ""), ("88.1/B", _views("b1"), 0, "")])
        assert await store.count() == 0 and await store.get("88.1/A") is None
    finally:
        await store.aclose()
