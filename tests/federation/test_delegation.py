"""The delegation cache: owners learned per prefix, known nodes only, bounded, expiring."""

from __future__ import annotations

from resolver.federation.delegation import DelegationCache
from resolver.lookup import Owner
from tests.support.clock import ManualClock


def test_the_longest_learned_prefix_covering_a_key_names_its_owner() -> None:
    cache = DelegationCache({"ent", "cn"}, ttl=60, max_entries=10)
    assert cache.learn(Owner("cn", "88.100"))
    assert cache.learn(Owner("ent", "88.100.1"))
    assert cache.owner("88.100.1/BAT-1") == Owner("ent", "88.100.1")
    assert cache.owner("88.100.2/BAT-1") == Owner("cn", "88.100")
    assert cache.owner("88.1000/BAT-1") is None


def test_an_owner_that_is_not_a_configured_node_is_not_learned() -> None:
    cache = DelegationCache({"ent"}, ttl=60, max_entries=10)
    assert not cache.learn(Owner("evil", "88.100.1"))
    assert cache.owner("88.100.1/BAT-1") is None and cache.ignored == 1


def test_a_learned_owner_expires_after_its_ttl_on_the_injected_clock() -> None:
    clock = ManualClock(1000.0)
    cache = DelegationCache({"ent"}, ttl=30, max_entries=10, clock=clock)
    cache.learn(Owner("ent", "88.100.1"))
    clock.advance(29.9)
    assert cache.owner("88.100.1/X") == Owner("ent", "88.100.1")
    clock.advance(0.2)
    assert cache.owner("88.100.1/X") is None and len(cache) == 0


def test_the_cache_keeps_at_most_its_bound_dropping_the_least_recently_used() -> None:
    cache = DelegationCache({"ent"}, ttl=60, max_entries=2)
    cache.learn(Owner("ent", "88.1"))
    cache.learn(Owner("ent", "88.2"))
    assert cache.owner("88.1/X") is not None  # used: 88.2 is now the oldest
    cache.learn(Owner("ent", "88.3"))
    assert len(cache) == 2
    assert cache.owner("88.2/X") is None and cache.owner("88.1/X") is not None


def test_owner_headers_round_trip_and_junk_is_refused() -> None:
    owner = Owner("cn-enterprise", "88.100.1")
    assert Owner.parse(owner.header()) == owner
    for junk in (
        "",
        "ent",
        "ent; prefix=",
        "; prefix=88",
        "ent; other=88",
        "e n t; prefix=88",
        "ent; prefix=8 8",
    ):
        assert Owner.parse(junk) is None, junk
