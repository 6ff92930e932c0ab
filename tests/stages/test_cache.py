"""The cache stage on its own: freshness, Age, negative entries, stale-if-error, single flight.

The next stage is a plain function standing in for the federation stage; the clock is driven
by hand. Real nodes and Redis are in test_federation_nodes.py.
"""

import asyncio
import time

import pytest

from resolver.config.federation import CacheConfig
from resolver.errors import BadPeerAnswer, FederationError, NotFound, PeerTimeout
from resolver.federation.answers import PeerNotFound
from resolver.federation.cache import CacheEntry, FederationCache
from resolver.lookup import Answer, Lookup
from resolver.metrics import Metrics
from resolver.stages.cache import CacheStage
from resolver.stores.base import View
from resolver.tiers import Tier


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class _Peer:
    """Answers like a verified federation stage would, and counts how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None
        self.max_age = 60
        self.delay = 0.0

    async def __call__(self, lookup: Lookup) -> Answer:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        view = View(lookup.handle, 3, 0.0, False, b'{"v": %d}' % self.calls)
        return Answer(view=view, source="peer:b", max_age=self.max_age, age=5, hops=("b",))


def _setup(*, lru_bytes: int = 64 * 1024 * 1024) -> tuple[CacheStage, _Peer, _Clock]:
    clock = _Clock()
    config = CacheConfig(max_ttl=300, negative_ttl=10, stale_if_error=100, lru_bytes=lru_bytes)
    stage = CacheStage(FederationCache(config, clock=clock), metrics=Metrics())
    return stage, _Peer(), clock


def _lookup(handle: str = "88.100.1/BAT-1", tier: Tier = Tier.PUBLIC) -> Lookup:
    return Lookup(handle=handle, tier=tier, deadline=time.monotonic() + 2)


async def test_second_lookup_is_answered_from_cache_with_its_age() -> None:
    stage, peer, clock = _setup()
    first = await stage.resolve(_lookup(), peer)
    clock.now += 20
    second = await stage.resolve(_lookup(), peer)
    assert peer.calls == 1
    assert first.source == "peer:b"
    assert second.source == "cache" and second.age == 25 and second.max_age == 60
    assert second.view is not None and second.view.body == first.view.body  # type: ignore[union-attr]


async def test_an_expired_entry_is_fetched_again() -> None:
    stage, peer, clock = _setup()
    await stage.resolve(_lookup(), peer)
    clock.now += 55  # age 5 + 55 = 60: no longer fresh
    again = await stage.resolve(_lookup(), peer)
    assert peer.calls == 2 and again.source == "peer:b"


async def test_entries_are_kept_per_tier() -> None:
    stage, peer, _ = _setup()
    await stage.resolve(_lookup(tier=Tier.PUBLIC), peer)
    other = await stage.resolve(_lookup(tier=Tier.AUTHORITY), peer)
    assert peer.calls == 2 and other.source == "peer:b"


async def test_an_authoritative_not_found_is_cached_briefly() -> None:
    stage, peer, clock = _setup()
    peer.fail = PeerNotFound("no passport is registered for 88.100.1/BAT-1 (answer of b)", peer="b")
    for _ in range(2):
        with pytest.raises(NotFound, match="no passport"):
            await stage.resolve(_lookup(), peer)
    assert peer.calls == 1
    clock.now += 10  # negative_ttl
    with pytest.raises(NotFound):
        await stage.resolve(_lookup(), peer)
    assert peer.calls == 2


async def test_failures_and_lies_are_never_cached() -> None:
    stage, peer, _ = _setup()
    for failure in (FederationError("down", peer="b"), BadPeerAnswer("lied", peer="b")):
        peer.fail = failure
        with pytest.raises(FederationError):
            await stage.resolve(_lookup(), peer)
    assert peer.calls == 2
    peer.fail = None
    assert (await stage.resolve(_lookup(), peer)).source == "peer:b"


async def test_stale_entry_stands_in_only_when_the_peer_fails_within_the_window() -> None:
    stage, peer, clock = _setup()
    await stage.resolve(_lookup(), peer)
    clock.now += 80  # age 85: expired (60) but within 60 + 100
    peer.fail = PeerTimeout("peer b did not answer", peer="b")
    stale = await stage.resolve(_lookup(), peer)
    assert stale.stale and stale.source == "cache" and stale.age == 85
    peer.fail = BadPeerAnswer("peer b lied", peer="b")
    with pytest.raises(BadPeerAnswer):  # a lie is shown, not papered over
        await stage.resolve(_lookup(), peer)
    clock.now += 100  # beyond the stale window
    peer.fail = PeerTimeout("peer b did not answer", peer="b")
    with pytest.raises(PeerTimeout):
        await stage.resolve(_lookup(), peer)


async def test_concurrent_misses_for_one_key_make_one_fetch() -> None:
    stage, peer, _ = _setup()
    peer.delay = 0.05
    answers = await asyncio.gather(*(stage.resolve(_lookup(), peer) for _ in range(10)))
    assert peer.calls == 1
    assert {a.view.body for a in answers if a.view is not None} == {b'{"v": 1}'}


async def test_a_caller_that_gives_up_does_not_cancel_the_fetch_for_others() -> None:
    stage, peer, _ = _setup()
    peer.delay = 0.05
    first = asyncio.create_task(stage.resolve(_lookup(), peer))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(stage.resolve(_lookup(), peer))
    await asyncio.sleep(0.01)
    first.cancel()
    answer = await second
    assert answer.source == "peer:b" and peer.calls == 1


async def test_the_lru_keeps_only_what_fits_its_byte_budget() -> None:
    stage, peer, _ = _setup(lru_bytes=1000)  # an entry here costs ~230 bytes: four fit
    for n in (1, 2, 3, 4, 5):
        await stage.resolve(_lookup(f"88.100.1/BAT-{n}"), peer)
    await stage.resolve(_lookup("88.100.1/BAT-5"), peer)  # kept
    await stage.resolve(_lookup("88.100.1/BAT-1"), peer)  # evicted: fetched again
    assert peer.calls == 6


async def test_an_answer_the_peer_forbids_keeping_is_not_cached() -> None:
    stage, peer, _ = _setup()
    peer.max_age = 0
    await stage.resolve(_lookup(), peer)
    await stage.resolve(_lookup(), peer)
    assert peer.calls == 2


def test_entries_survive_the_trip_through_redis_bytes() -> None:
    entry = CacheEntry(
        negative=False,
        stored_at=12.5,
        age=3,
        max_age=60,
        source="b",
        body=b'{"x":"\n"}',
        version=2,
        tier=Tier.PUBLIC,
    )
    assert CacheEntry.decode(entry.encode()) == entry
    negative = CacheEntry(
        negative=True, stored_at=1.0, age=0, max_age=10, source="b", gone=True, detail="gone"
    )
    assert CacheEntry.decode(negative.encode()) == negative


async def test_a_lookup_joining_a_slow_fetch_gives_up_at_its_own_deadline() -> None:
    stage, peer, _ = _setup()
    peer.delay = 0.5
    first = asyncio.create_task(stage.resolve(_lookup(), peer))
    await asyncio.sleep(0.01)
    hurried = Lookup(handle="88.100.1/BAT-1", tier=Tier.PUBLIC, deadline=time.monotonic() + 0.1)
    started = time.monotonic()
    with pytest.raises(PeerTimeout, match="already in flight"):
        await stage.resolve(hurried, peer)
    assert time.monotonic() - started < 0.3
    assert (await first).source == "peer:b" and peer.calls == 1
