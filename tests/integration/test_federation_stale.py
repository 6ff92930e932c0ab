"""Serve-stale and prefetch (RFC 8767, issue 12 item 5): a real node in front of a peer that
answers at once or only when the test lets it (an event, not a sleep)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.support.clock import ManualClock
from tests.support.fake_peers import FakePeer, answering, passport, serving
from tests.support.federation import get, node, peer
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio

HANDLE = "88.7/BAT-STALE"


def _held(release: asyncio.Event, body: bytes) -> FakePeer:
    """A peer that answers only once ``release`` is set (its other answers stay as they are)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return await answering(body, max_age=10)(request)

    return FakePeer(handler)


async def test_a_slow_peer_s_expired_copy_is_served_after_300_ms_while_the_refresh_goes_on(
    tmp_path: Path,
) -> None:
    body = passport(f"https://hdl.handle.net/{HANDLE}")
    release = asyncio.Event()
    fake = FakePeer(answering(body, max_age=10))
    clock = ManualClock()
    async with serving(fake.app()) as url, aiohttp.ClientSession() as session:
        federation = {
            "peers": [peer("slow", url, ["88.7"], verify="identity")],
            "cache": {"follow_changes": False, "serve_stale_after_ms": 300},
        }
        async with node(tmp_path, "eu", ["21.11101"], federation=federation, clock=clock, deadline=5.0) as eu:
            status, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            assert status == 200 and headers["Passport-Source"] == "peer:slow"
            fake.handler = _held(release, body).handler
            clock.advance(11)  # expired; the peer now holds every answer until released
            started = time.monotonic()
            status, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            waited = time.monotonic() - started
            assert status == 200 and headers["Warning"] == '110 - "Response is Stale"'
            assert waited < 1.5  # the client waited ~0.3 s, not the 5 s deadline
            assert fake.paths.count(f"/{HANDLE}") == 2  # the refresh is at the peer
            release.set()

            async def refreshed() -> bool:
                _, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
                return "Warning" not in headers

            await until(refreshed, what="the refresh to land", bound=5.0)
            assert fake.paths.count(f"/{HANDLE}") == 2  # the refresh, not another fetch, landed


async def test_a_copy_read_near_its_expiry_is_refreshed_before_it_expires(tmp_path: Path) -> None:
    fake = FakePeer(answering(passport(f"https://hdl.handle.net/{HANDLE}"), max_age=100))
    clock = ManualClock()
    async with serving(fake.app()) as url, aiohttp.ClientSession() as session:
        federation = {
            "peers": [peer("p", url, ["88.7"], verify="identity")],
            "cache": {"follow_changes": False},
        }
        async with node(tmp_path, "eu", ["21.11101"], federation=federation, clock=clock) as eu:
            await get(session, f"{eu.url}/{HANDLE}")
            clock.advance(50)
            _, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            assert headers["Passport-Source"] == "cache" and fake.paths.count(f"/{HANDLE}") == 1
            clock.advance(45)  # 95 s of 100: the next read is answered and refreshes the copy
            _, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            assert headers["Passport-Source"] == "cache"

            async def asked_again() -> bool:
                return fake.paths.count(f"/{HANDLE}") == 2

            await until(asked_again, what="the prefetch", bound=5.0)
            clock.advance(10)  # past the first copy's expiry: the prefetched copy answers
            _, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
            assert headers["Passport-Source"] == "cache" and "Warning" not in headers
            assert fake.paths.count(f"/{HANDLE}") == 2
