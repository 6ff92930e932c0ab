"""The follower of a peer's change feed, against small fake feeds (a peer that resets its feed,
or offers none); the feed of a real node is tested in tests/integration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import orjson
import pytest
from aiohttp import web

from resolver.config.federation import PeerConfig
from resolver.federation.feed import FeedFollower
from tests.support.fake_peers import serving


def _feed(pages: list[dict[str, object]], seen: list[str]) -> web.Application:
    async def changes(request: web.Request) -> web.Response:
        seen.append(request.query_string)
        if not pages:
            return web.Response(status=404)
        return web.Response(body=orjson.dumps(pages.pop(0)), content_type="application/json")

    app = web.Application()
    app.router.add_get("/changes", changes)
    return app


async def _follower(url: str, dropped: list[str], resets: list[int]) -> tuple[FeedFollower, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    peer = PeerConfig(id="cn", base_urls=(url,), prefixes=("88",), token="t", insecure=True)
    follower = FeedFollower(
        aiohttp.ClientSession(),
        peer,
        invalidate=dropped.append,
        on_reset=lambda: resets.append(1),
        wait=0,
        sleep=sleep,
    )
    return follower, slept


@pytest.mark.asyncio
async def test_the_follower_drops_what_the_feed_names_and_everything_when_it_went_back() -> None:
    pages: list[dict[str, object]] = [
        {"last": 7, "changes": []},
        {"last": 9, "changes": [{"seq": 8, "key": "88/A"}, {"seq": 9, "key": "88/B"}]},
        {"last": 2, "changes": []},  # the peer's store was replaced
    ]
    seen: list[str] = []
    dropped: list[str] = []
    resets: list[int] = []
    async with serving(_feed(pages, seen)) as url:
        follower, _ = await _follower(url, dropped, resets)
        try:
            await follower.run()  # ends when the fake stops offering a feed (404)
        finally:
            await follower._session.close()
    assert dropped == ["88/A", "88/B"] and resets == [1]
    assert seen == [
        "wait=0&relayed=",
        "since=7&wait=0&relayed=",
        "since=9&wait=0&relayed=",
        "since=2&wait=0&relayed=",
    ]


@pytest.mark.asyncio
async def test_the_follower_keeps_a_position_per_partition_and_sees_one_going_back() -> None:
    pages: list[dict[str, object]] = [
        {"last": "4,0,7", "changes": []},
        {"last": "4,2,7", "changes": [{"partition": 1, "seq": 2, "key": "88/A"}]},
        {"last": "4,2,3", "changes": []},  # partition 2's store restarted empty
    ]
    seen: list[str] = []
    dropped: list[str] = []
    resets: list[int] = []
    async with serving(_feed(pages, seen)) as url:
        follower, _ = await _follower(url, dropped, resets)
        try:
            await follower.run()
        finally:
            await follower._session.close()
    assert dropped == ["88/A"] and resets == [1]
    assert [q.removesuffix("&relayed=") for q in seen] == [
        "wait=0",
        "since=4,0,7&wait=0",
        "since=4,2,7&wait=0",
        "since=4,2,3&wait=0",
    ]


@pytest.mark.asyncio
async def test_the_follower_backs_off_while_the_peer_is_away() -> None:
    dropped: list[str] = []
    follower, slept = await _follower("http://127.0.0.1:1", dropped, [])
    follower._sleep = _stop_after(slept, 4)
    try:
        with pytest.raises(_Stop):
            await follower.run()
    finally:
        await follower._session.close()
    assert slept == [1.0, 2.0, 4.0, 8.0]


class _Stop(Exception):
    pass


def _stop_after(slept: list[float], times: int) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) >= times:
            raise _Stop

    return sleep
