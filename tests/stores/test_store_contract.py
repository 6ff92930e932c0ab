"""The Store protocol, checked the same way against SQLite and a real redis-server."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from resolver.errors import Gone, NotFound, PreconditionFailed
from resolver.stores import Store
from resolver.stores.base import Change
from resolver.tiers import Tier

H = "88.100.1/BAT-000123"


def views(n: int, *, tiers: tuple[Tier, ...] = tuple(Tier)) -> dict[Tier, bytes]:
    """Three tier views of a small passport in its n-th state."""
    out: dict[Tier, bytes] = {}
    doc: dict[str, object] = {"@context": "https://w3id.org/battery-passport/eu-battery/v1", "@id": H}
    for tier in Tier:
        doc[f"tier{int(tier)}"] = f"state {n} at {tier.label}"
        if tier in tiers:
            out[tier] = orjson.dumps(doc)
    return out


async def everything(store: Store) -> list[Change]:
    """Every change of every feed partition (partition by partition, each in its order)."""
    out: list[Change] = []
    for partition in range(store.partitions):
        out.extend(await store.changes(partition=partition, limit=10_000))
    return out


async def test_first_put_creates_version_1_and_every_tier_reads_back(store: Store) -> None:
    record = await store.put(H, views(1))
    assert (record.version, record.deleted, record.etag) == (1, False, '"1"')
    got = await store.get(H)
    assert got is not None and got.version == 1 and dict(got.views) == views(1)
    for tier in Tier:
        view = await store.get_view(H, tier)
        assert view is not None and view.body == views(1)[tier] and view.version == 1
        assert view.modified == pytest.approx(record.modified)


async def test_unknown_handle_reads_as_none_everywhere(store: Store) -> None:
    assert await store.get("88.100.1/NOPE") is None
    assert await store.get_view("88.100.1/NOPE", Tier.PUBLIC) is None
    assert await store.get_view("88.100.1/NOPE", Tier.AUTHORITY) is None
    assert await store.history("88.100.1/NOPE") == []
    assert await store.at("88.100.1/NOPE", time.time()) is None


async def test_each_put_is_a_new_version_and_old_versions_stay_readable(store: Store) -> None:
    for n in (1, 2, 3):
        assert (await store.put(H, views(n))).version == n
    current = await store.get_view(H, Tier.PUBLIC)
    assert current is not None and current.version == 3 and current.body == views(3)[Tier.PUBLIC]
    old = await store.get(H, version=1)
    assert old is not None and old.version == 1 and dict(old.views) == views(1)
    assert await store.get(H, version=9) is None
    assert [r.version for r in await store.history(H)] == [1, 2, 3]
    assert [dict(r.views) for r in await store.history(H)] == [views(1), views(2), views(3)]


async def test_wrong_expected_version_is_refused_with_the_current_version(store: Store) -> None:
    await store.put(H, views(1))
    await store.put(H, views(2), expected_version=1)
    with pytest.raises(PreconditionFailed) as caught:
        await store.put(H, views(3), expected_version=1)
    assert caught.value.extensions["current_version"] == 2
    assert caught.value.problem()["status"] == 412
    current = await store.get(H)
    assert current is not None and current.version == 2 and dict(current.views) == views(2)


async def test_expected_version_0_creates_only(store: Store) -> None:
    assert (await store.put(H, views(1), expected_version=0)).version == 1
    with pytest.raises(PreconditionFailed):
        await store.put(H, views(2), expected_version=0)
    with pytest.raises(PreconditionFailed):
        await store.put("88.100.1/OTHER", views(1), expected_version=1)
    assert await store.get("88.100.1/OTHER") is None


async def test_delete_writes_a_tombstone_and_keeps_history(store: Store) -> None:
    await store.put(H, views(1))
    tomb = await store.delete(H, expected_version=1)
    assert (tomb.version, tomb.deleted, dict(tomb.views)) == (2, True, {})
    got = await store.get(H)
    assert got is not None and got.deleted and got.version == 2 and dict(got.views) == {}
    view = await store.get_view(H, Tier.PUBLIC)
    assert view is not None and view.deleted and view.body == b"" and view.version == 2
    history = await store.history(H)
    assert [(r.version, r.deleted) for r in history] == [(1, False), (2, True)]
    assert dict(history[0].views) == views(1)
    assert await store.count() == 0
    assert await store.handles() == (0, [])


async def test_delete_of_a_never_written_handle_is_not_found_and_twice_is_gone(store: Store) -> None:
    with pytest.raises(NotFound) as never:
        await store.delete(H)
    assert type(never.value) is NotFound
    await store.put(H, views(1))
    await store.delete(H)
    with pytest.raises(Gone):
        await store.delete(H)
    assert [r.version for r in await store.history(H)] == [1, 2]


async def test_a_put_after_delete_brings_the_passport_back_as_a_new_version(store: Store) -> None:
    await store.put(H, views(1))
    await store.delete(H)
    record = await store.put(H, views(3), expected_version=2)
    assert record.version == 3
    view = await store.get_view(H, Tier.PUBLIC)
    assert view is not None and not view.deleted and view.body == views(3)[Tier.PUBLIC]
    assert await store.count() == 1


async def test_at_gives_the_version_current_at_that_time(store: Store) -> None:
    first = await store.put(H, views(1))
    await asyncio.sleep(0.02)
    second = await store.put(H, views(2))
    await asyncio.sleep(0.02)
    tomb = await store.delete(H)
    assert first.modified < second.modified < tomb.modified
    assert await store.at(H, first.modified - 1) is None
    mid = await store.at(H, (first.modified + second.modified) / 2)
    assert mid is not None and mid.version == 1 and dict(mid.views) == views(1)
    exact = await store.at(H, second.modified)
    assert exact is not None and exact.version == 2
    late = await store.at(H, tomb.modified + 60)
    assert late is not None and late.version == 3 and late.deleted


async def test_history_times_never_go_backwards(store: Store) -> None:
    for n in range(1, 6):
        await store.put(H, views(n))
    times = [r.modified for r in await store.history(H)]
    assert times == sorted(times)


async def test_change_feed_lists_every_write_in_order_and_resumes_after_since(store: Store) -> None:
    await store.put("88.100.1/A", views(1))
    await store.put("88.100.1/B", views(1))
    await store.put("88.100.1/A", views(2))
    await store.delete("88.100.1/B")
    feed = await everything(store)
    by_handle = {
        h: [(c.version, c.deleted) for c in feed if c.handle == h] for h in ("88.100.1/A", "88.100.1/B")
    }
    assert by_handle == {"88.100.1/A": [(1, False), (2, False)], "88.100.1/B": [(1, False), (2, True)]}
    assert len(feed) == 4
    for handle in by_handle:  # a handle's changes are in its partition, in order, resumable
        partition = store.partition_of(handle)
        assert 0 <= partition < store.partitions
        mine = await store.changes(partition=partition)
        assert all(c.partition == partition for c in mine)
        seqs = [c.seq for c in mine]
        assert seqs == list(range(1, len(seqs) + 1))  # each partition numbers from 1, no gap
        assert [c.modified for c in mine] == sorted(c.modified for c in mine)
        rest = await store.changes(since=seqs[0], partition=partition)
        assert rest == mine[1:]
        assert [c.seq for c in await store.changes(since=seqs[0], limit=1, partition=partition)] == seqs[1:2]
        assert await store.changes(since=seqs[-1], partition=partition) == []
    with pytest.raises(ValueError):
        await store.changes(partition=store.partitions)


async def test_handles_spread_over_the_partitions(store: Store) -> None:
    names = [f"88.100.1/SPREAD-{i}" for i in range(64)]
    for name in names:
        await store.put(name, views(1))
    used = {store.partition_of(name) for name in names}
    assert len(used) == min(store.partitions, 64) or (
        store.partitions > 1 and len(used) > store.partitions // 2
    )
    assert sorted(c.handle for c in await everything(store)) == sorted(names)
    assert await store.count() == 64


async def test_failed_writes_leave_nothing_behind(store: Store) -> None:
    await store.put(H, views(1))
    before = (await everything(store), await store.history(H), await store.count())
    with pytest.raises(PreconditionFailed):
        await store.put(H, views(2), expected_version=5)
    with pytest.raises(PreconditionFailed):
        await store.delete(H, expected_version=5)
    with pytest.raises(ValueError):
        await store.put(H, {Tier.AUTHORITY: b"{}"})  # no public view
    with pytest.raises(ValueError):
        await store.put(H, views(2), expected_version=-1)
    with pytest.raises(NotFound):
        await store.delete("88.100.1/NEVER")
    assert (await everything(store), await store.history(H), await store.count()) == before
    assert await store.get("88.100.1/NEVER") is None


async def test_handles_are_paged_sorted_and_filtered_by_prefix(store: Store) -> None:
    names = [f"88.100.1/BAT-{i:03d}" for i in range(25)] + ["88.100.10/X", "21.11101/Y"]
    for name in reversed(names):
        await store.put(name, views(1))
    await store.delete("88.100.1/BAT-003")
    total, page = await store.handles(prefix="88.100.1/", offset=0, limit=10)
    live = sorted(n for n in names if n.startswith("88.100.1/") and n != "88.100.1/BAT-003")
    assert total == 24 and page == live[:10]
    assert (await store.handles(prefix="88.100.1/", offset=20, limit=10)) == (24, live[20:])
    assert (await store.handles(prefix="88.100.1/", offset=40, limit=10)) == (24, [])
    everything = await store.handles(limit=100)
    assert everything == (26, sorted(set(names) - {"88.100.1/BAT-003"}))
    assert await store.handles(prefix="88.100.10") == (1, ["88.100.10/X"])
    assert await store.count() == 26


async def test_a_tier_that_was_not_stored_falls_back_to_the_highest_tier_below(store: Store) -> None:
    partial = views(1, tiers=(Tier.PUBLIC, Tier.LEGITIMATE_INTEREST))
    await store.put(H, partial)
    view = await store.get_view(H, Tier.AUTHORITY)
    assert view is not None and view.body == partial[Tier.LEGITIMATE_INTEREST]
    public_only = await store.put("88.100.1/P", views(1, tiers=(Tier.PUBLIC,)))
    view = await store.get_view("88.100.1/P", Tier.LEGITIMATE_INTEREST)
    assert view is not None and view.version == public_only.version and view.body == views(1)[Tier.PUBLIC]


async def test_racing_writers_with_expected_versions_have_exactly_one_winner_per_round(store: Store) -> None:
    await store.put(H, views(0))
    for round_ in range(1, 6):
        current = await store.get(H)
        assert current is not None

        async def attempt(writer: int, base: int = current.version) -> int | None:
            try:
                await store.put(H, {Tier.PUBLIC: b'{"writer": %d}' % writer}, expected_version=base)
            except PreconditionFailed:
                return None
            return writer

        results = await asyncio.gather(*(attempt(w) for w in range(16)))
        winners = [w for w in results if w is not None]
        assert len(winners) == 1, f"round {round_}: winners {winners}"
        view = await store.get_view(H, Tier.PUBLIC)
        assert view is not None and view.version == round_ + 1
        assert view.body == b'{"writer": %d}' % winners[0]
    assert len(await everything(store)) == 6


async def test_racing_writers_without_expected_versions_all_land_as_distinct_versions(store: Store) -> None:
    records = await asyncio.gather(*(store.put(H, {Tier.PUBLIC: b"%d" % i}) for i in range(20)))
    assert sorted(r.version for r in records) == list(range(1, 21))
    assert [r.version for r in await store.history(H)] == list(range(1, 21))


async def test_identifiers_with_unusual_characters_are_kept_apart(store: Store) -> None:
    odd = ["88.100.1/A}B", "88.100.1/{X}", "88.100.1/ÄÖ-1", "88.100.1/a/b/c", "01/09521234010012/21/A%2FB"]
    for n, name in enumerate(odd):
        await store.put(name, {Tier.PUBLIC: b"%d" % n})
    for n, name in enumerate(odd):
        view = await store.get_view(name, Tier.PUBLIC)
        assert view is not None and view.body == b"%d" % n
    assert (await store.handles(limit=10))[1] == sorted(odd)


async def test_concurrent_reads_of_many_handles_each_get_their_own_bytes(store: Store) -> None:
    names = [f"88.100.1/R-{i}" for i in range(50)]
    await asyncio.gather(*(store.put(name, {Tier.PUBLIC: name.encode()}) for name in names))
    reads = await asyncio.gather(*(store.get_view(name, Tier.PUBLIC) for name in names * 4))
    assert [view.body if view else None for view in reads] == [name.encode() for name in names * 4]


async def test_heads_name_each_partitions_last_change(store: Store) -> None:
    assert list(await store.heads()) == [0] * store.partitions
    for name in ("88.100.1/H1", "88.100.1/H2", "88.100.1/H1"):
        await store.put(name, views(1))
    heads = await store.heads()
    assert len(heads) == store.partitions
    for partition in range(store.partitions):
        feed = await store.changes(partition=partition)
        assert heads[partition] == (feed[-1].seq if feed else 0)
