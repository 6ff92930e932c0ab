"""Hot answers made from the federation cache's copies: the same bytes and headers as the
ordinary path (``Age`` included, second by second), and never served once the copy expired, was
dropped (the peer's feed) or refreshed. Two real nodes on 127.0.0.1; the caching node's clock is
moved by hand."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import make_mocked_request

from resolver.app import HOT, RunningNode
from resolver.federation.cache import CacheEntry, FederationCache
from resolver.identifiers import parse_identifier
from resolver.integrity.signer import key_url
from resolver.stages.cache import CacheStage
from resolver.tiers import Tier
from tests.support.clock import ManualClock
from tests.support.federation import get, node, peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

HANDLE = "88.100/HOT-COPY-1"
OTHER = "88.100/HOT-COPY-2"
JSONLD = {"Accept": "application/ld+json"}
MAX_AGE = 100  # the owner's max-age: what the copies live


@dataclass
class Setup:
    cn: RunningNode
    eu: RunningNode
    clock: ManualClock
    session: aiohttp.ClientSession


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp: Path = tmp_path_factory.mktemp("hot-copies")
    clock = ManualClock()
    async with contextlib.AsyncExitStack() as stack:
        cn = await stack.enter_async_context(
            node(tmp, "cn", ["88.100"], passports=[HANDLE, OTHER], max_age=MAX_AGE)
        )
        eu = await stack.enter_async_context(
            node(
                tmp,
                "eu",
                ["21.11101"],
                clock=clock,
                federation={
                    # The owner's key is pinned: copies are verified ("refuse" serves nothing
                    # unchecked), the only ones kept as hot answers.
                    "peers": [peer("cn", cn.url, ["88.100"], verify="identity", keys=_pinned(cn))],
                    "cache": {"follow_changes": False},
                    "unpinned": "refuse",
                },
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Setup(cn, eu, clock, session)


def _pinned(owner: RunningNode) -> dict[str, str]:
    integrity = owner.node.integrity
    assert integrity is not None
    active = integrity.keyring.active
    return {key_url(owner.url, active.name): active.public_key_multibase}


def _hot(setup: Setup, handle: str, **headers: str) -> bool:
    """Whether eu has a current hot answer for a public GET of ``handle``."""
    request = make_mocked_request("GET", f"/{handle}", headers={**JSONLD, **headers})
    return setup.eu.app[HOT].match(request) is not None


async def _read(setup: Setup, handle: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    status, got, body = await get(setup.session, f"{setup.eu.url}/{handle}", **{**JSONLD, **headers})
    got.pop("Date", None)
    return status, got, body


async def _ordinary(setup: Setup, handle: str) -> tuple[int, dict[str, str], bytes]:
    """The ordinary path's answer (a ``Prefer`` that asks nothing keeps it off the hot answers)."""
    status, got, body = await _read(setup, handle, Prefer="handling=lenient")
    return status, got, body


async def _cached(setup: Setup, handle: str) -> tuple[int, dict[str, str], bytes]:
    """Fetch (or revalidate) ``handle`` through eu, then read it from eu's cache (kept hot then)."""
    status, headers, _ = await _read(setup, handle)
    assert status == 200 and "Passport-Unverified" not in headers, headers  # fetched or revalidated
    found = await _read(setup, handle)
    assert found[1]["Passport-Source"] == "cache"
    return found


def _cache(setup: Setup) -> FederationCache:
    stage = setup.eu.node.stages[1]
    assert isinstance(stage, CacheStage)
    return stage.cache


def _copy(setup: Setup, handle: str) -> CacheEntry:
    found = _cache(setup).peek((parse_identifier(handle).key, Tier.PUBLIC))
    assert found is not None
    return found


async def test_a_hot_copy_answers_as_the_ordinary_path_second_by_second(setup: Setup) -> None:
    status, headers, body = await _cached(setup, HANDLE)
    assert status == 200 and _hot(setup, HANDLE)
    copy = _copy(setup, HANDLE)
    for step in (0.0, 0.4, 0.7, 1.0, 37.0):
        setup.clock.advance(step)
        assert _hot(setup, HANDLE)  # served hot, and still current after
        hot = await _read(setup, HANDLE)
        assert _hot(setup, HANDLE)
        assert hot == await _ordinary(setup, HANDLE)  # body and every header but Date
        assert hot[2] == body and hot[1]["Age"] == str(copy.age_at(setup.clock.now))
        assert hot[1]["Cache-Control"] == headers["Cache-Control"]
    assert _copy(setup, HANDLE) is copy


async def test_a_copy_due_for_its_prefetch_or_expired_is_never_served_hot(setup: Setup) -> None:
    await _cached(setup, HANDLE)  # kept here too: xdist may run this test without the first one
    await _cached(setup, OTHER)
    copy = _copy(setup, OTHER)
    assert _hot(setup, OTHER)
    # In the last tenth of its life the ordinary path answers (and refreshes it ahead).
    setup.clock.advance(copy.max_age - copy.age_at(setup.clock.now) - 5)
    assert not _hot(setup, OTHER)
    status, headers, _ = await _read(setup, OTHER)
    assert status == 200 and int(headers["Age"]) < MAX_AGE
    setup.clock.advance(MAX_AGE * 2)  # every copy kept so far is expired now
    assert not _hot(setup, OTHER) and not _hot(setup, HANDLE)
    for handle in (OTHER, HANDLE):
        status, headers, _ = await _read(setup, handle)
        assert status == 200 and int(headers["Age"]) < MAX_AGE  # revalidated, not stale


async def test_a_dropped_copy_is_not_served_hot(setup: Setup) -> None:
    setup.clock.advance(MAX_AGE * 2)
    await _cached(setup, HANDLE)
    assert _hot(setup, HANDLE)
    # What eu's follower of the owner's feed does when the feed names the handle (a PATCH there:
    # tests/integration/test_federation_invalidation.py sees the new version through the feed).
    _cache(setup).drop(parse_identifier(HANDLE).key)
    assert not _hot(setup, HANDLE)
    status, headers, _ = await _read(setup, HANDLE)
    assert status == 200 and headers["Passport-Source"] == "peer:cn"  # asked again, not kept
    hot = await _read(setup, HANDLE)  # kept anew from the new copy
    assert hot[1]["Passport-Source"] == "cache" and _hot(setup, HANDLE)
    assert hot == await _ordinary(setup, HANDLE)


async def test_credentials_and_referrals_take_the_ordinary_path(setup: Setup) -> None:
    setup.clock.advance(MAX_AGE * 2)
    await _cached(setup, OTHER)
    assert _hot(setup, OTHER)
    assert not _hot(setup, OTHER, Authorization="Bearer anything")
    assert not _hot(setup, OTHER, Prefer="return=referral")
    assert _hot(setup, OTHER)


async def test_handle_api_answers_from_a_copy_are_not_kept_hot(setup: Setup) -> None:
    # Their ttl counts down with the copy's age, in the body: only the ordinary path has it right.
    url = f"{setup.eu.url}/api/handles/{OTHER}"
    for _ in range(3):
        status, _, _ = await get(setup.session, url)
        assert status == 200
    request = make_mocked_request("GET", f"/api/handles/{OTHER}")
    assert setup.eu.app[HOT].match(request) is None
