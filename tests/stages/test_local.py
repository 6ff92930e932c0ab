"""The local stage answers every kind of read (current, a version, a time, the history) for
its prefixes, and a stage in front of it sees each of those reads."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from resolver.errors import Gone, NotFound
from resolver.lookup import Answer, Lookup, Next, Read
from resolver.stages import build_chain
from resolver.stages.local import LocalStage
from resolver.stores import Store, open_store
from resolver.tiers import Tier

KEY = "88.100.1/PAST-1"


class _Watching:
    name = "watching"

    def __init__(self) -> None:
        self.seen: list[Read] = []

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        self.seen.append(lookup.read)
        return await next_stage(lookup)

    async def aclose(self) -> None:
        pass


def _views(n: int) -> dict[Tier, bytes]:
    return {tier: f'{{"n": {n}, "tier": "{tier.label}"}}'.encode() for tier in Tier}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path}/p.sqlite3")
    await opened.put(KEY, _views(1))
    await opened.put(KEY, _views(2))
    try:
        yield opened
    finally:
        await opened.aclose()


def _lookup(
    read: Read = Read.CURRENT,
    *,
    version: int | None = None,
    at: float | None = None,
    credentialed: bool = False,
) -> Lookup:
    deadline = time.monotonic() + 2
    return Lookup(KEY, Tier.PUBLIC, deadline, read=read, version=version, at=at, credentialed=credentialed)


async def test_every_kind_of_read_passes_through_the_stages_in_front_of_local(store: Store) -> None:
    watching = _Watching()
    local = LocalStage(store, ("88.100.1",), max_age=60)
    chain = build_chain([watching, local], node_id="n1")
    current = await chain(_lookup())
    first = await chain(_lookup(Read.VERSION, version=1))
    assert current.view is not None and current.view.version == 2
    assert first.view is not None and first.view.version == 1 and b'"n": 1' in first.view.body
    at = await chain(_lookup(Read.AT, at=time.time() + 60))
    assert at.view is not None and at.view.version == 2
    history = await chain(_lookup(Read.HISTORY))
    assert [r.version for r in history.records] == [1, 2]
    assert watching.seen == [Read.CURRENT, Read.VERSION, Read.AT, Read.HISTORY]


async def test_a_missing_version_is_not_found_naming_the_current_one(store: Store) -> None:
    chain = build_chain([LocalStage(store, ("88.100.1",), max_age=60)], node_id="n1")
    with pytest.raises(NotFound, match=r"no version 7 \(current: 2\)"):
        await chain(_lookup(Read.VERSION, version=7))


async def test_the_public_sees_no_past_of_a_deleted_passport_and_credentialed_callers_do(
    store: Store,
) -> None:
    await store.delete(KEY)
    chain = build_chain([LocalStage(store, ("88.100.1",), max_age=60)], node_id="n1")
    with pytest.raises(Gone, match="open to callers with credentials"):
        await chain(_lookup(Read.VERSION, version=1))
    answer = await chain(_lookup(Read.VERSION, version=1, credentialed=True))
    assert answer.view is not None and answer.view.version == 1


async def test_the_past_of_a_key_outside_the_prefixes_is_left_to_its_authoritative_node(
    store: Store,
) -> None:
    chain = build_chain([LocalStage(store, ("21.11101",), max_age=60)], node_id="n1")
    with pytest.raises(NotFound, match=r"n1 is not authoritative for 88\.100\.1/PAST-1"):
        await chain(_lookup(Read.HISTORY))


async def test_covers_by_head_for_handle_prefixes_and_by_key_for_gs1_claims(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path}/covers.sqlite3")
    try:
        handles = LocalStage(store, ("88.100",), max_age=0, delegated=("88.100.1", "77.1"))
        for _ in range(2):  # the second time from what was kept
            assert handles.covers("88.100/X") and handles.covers("88.100.2/Y")
            assert not handles.covers("88.100.1/X")  # delegated to a peer
            assert not handles.covers("88.1000/X") and not handles.covers("88.100")
        gs1 = LocalStage(store, ("01/0950",), max_age=0)
        for _ in range(2):
            assert gs1.covers("01/09501234567890")
            assert not gs1.covers("01/01234567890128")  # the same head, "01": not claimed
    finally:
        await store.aclose()
