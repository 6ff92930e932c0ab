"""Head monitoring between real nodes (issue 11): the EU node watches the owner's signed tree
heads; when the owner's address starts serving a forked log (a fake in front of the real owner:
the only misbehaving part) the fork shows at /healthz and /metrics and the owner's answers are
refused, and the copies of its passports already cached (in process and in Redis) are dropped.
Keys come from ``passport-node keys learn``: shown, then pinned only once accepted.

    eu  --88.100.1-->  front (fake: forwards to the owner; serves a forked log once told)  -->  owner
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from resolver.cli import main
from resolver.http.translog import log_routes
from resolver.integrity.signer import key_url
from resolver.parts.pins import PeerKeyFile, fingerprint
from resolver.translog.entry import LogEntry
from resolver.translog.heads import HeadSigner
from resolver.translog.log import TransparencyLog
from resolver.translog.marks import ForkMarks
from resolver.translog.sqlite import SQLiteLog
from tests.support.clock import ManualClock
from tests.support.fake_peers import forwarding, serving
from tests.support.federation import get, node, peer
from tests.support.waiting import federation_cache_key, until, until_redis_has

pytestmark = pytest.mark.asyncio

HANDLE = "88.100.1/BAT-WATCHED-1"
NOT_YET_ASKED = "88.100.1/BAT-WATCHED-2"


class Front:
    """Forwards every request to the owner until ``fork`` holds a log; then /log/* comes from it."""

    def __init__(self, owner_url: str) -> None:
        self.owner_url = owner_url
        self.fork: TransparencyLog | None = None


@contextlib.asynccontextmanager
async def front(state: Front) -> AsyncIterator[str]:
    async with aiohttp.ClientSession() as session:
        forward = forwarding(session, state.owner_url)

        async def handle(request: web.Request) -> web.StreamResponse:
            if state.fork is not None and request.path.startswith("/log/"):
                for route in log_routes(state.fork):
                    if route.path == request.path:
                        return await route.handler(request)
            return await forward(request)

        app = web.Application()
        app.router.add_get("/{tail:.*}", handle)
        async with serving(app) as url:
            yield url


async def _forked_log(path: Path, signer: HeadSigner, size: int) -> TransparencyLog:
    """Another history signed with the owner's own key (a stolen key, or a split-view owner)."""
    log = await TransparencyLog(await SQLiteLog.open(path), signer=signer).open()
    entry = LogEntry("88.100.1/OTHER", 1, "2026-11-30T12:00:00Z", {"public": "0" * 64})
    await log.append_many(
        [entry] + [LogEntry(f"88.100.1/OTHER-{i}", 1, entry.time, entry.views) for i in range(size - 1)]
    )
    return log


def _learn(*args: str) -> int:
    return main(["keys", "learn", *args])


async def _gone_from_redis(redis_url: str, key: str) -> None:
    client = aioredis.from_url(redis_url)
    try:

        async def gone() -> bool:
            return not await client.exists(key)

        await until(gone, what=f"the Redis key {key} to be dropped")
    finally:
        await client.aclose()


async def test_keys_learned_then_a_forked_log_is_reported_and_refused(tmp_path: Path, redis_url: str) -> None:
    pins = tmp_path / "peer-keys.json"
    clock = ManualClock(time.time() + 600)  # ahead of the heads the owner signs meanwhile
    async with node(tmp_path, "owner", ["88.100.1"], passports=[HANDLE, NOT_YET_ASKED]) as owner:
        integrity = owner.node.integrity
        assert integrity is not None
        offered = integrity.keyring.active.public_key_multibase
        print_ = fingerprint(offered)
        state = Front(owner.url)
        async with front(state) as front_url:
            # Shown, not pinned: exit 1 and an empty key file.
            assert (
                await asyncio.to_thread(
                    _learn, "--node", front_url, "--owner", "owner", "--peer-keys", str(pins)
                )
                == 1
            )
            assert PeerKeyFile(pins).load() == {}
            # A fingerprint the node does not list is refused (2), then the right one is pinned (0).
            bad = "sha256:" + "0" * 64
            assert (
                await asyncio.to_thread(
                    _learn, "--node", front_url, "--owner", "owner", "--peer-keys", str(pins), "--accept", bad
                )
                == 2
            )
            assert (
                await asyncio.to_thread(
                    _learn,
                    "--node",
                    front_url,
                    "--owner",
                    "owner",
                    "--peer-keys",
                    str(pins),
                    "--accept",
                    print_,
                )
                == 0
            )
            assert list(PeerKeyFile(pins).load()["owner"].values()) == [offered]

            federation = {"peers": [peer("owner", front_url, ["88.100.1"])]}  # no keys in the config
            integrity_settings = {"monitor_interval": 0, "peer_keys": str(pins)}
            async with (
                node(
                    tmp_path,
                    "eu",
                    ["20.500.12345"],
                    federation=federation,
                    clock=clock,
                    integrity=integrity_settings,
                    redis=redis_url,
                ) as eu,
                aiohttp.ClientSession() as session,
            ):
                heads = eu.node.heads
                assert heads is not None  # watched: its keys came from the peer-key file
                await heads.check_all()
                status, _, body = await get(session, f"{eu.url}/healthz")
                health = orjson.loads(body)
                assert status == 200 and health["forked_peers"] == []
                assert health["peer_logs"]["owner"]["tree_size"] == 2
                status, headers, body = await get(session, f"{eu.url}/{HANDLE}")
                assert status == 200, body
                assert headers["Passport-Source"] == "peer:owner"  # verified by the learned key
                assert "Passport-Unverified" not in headers
                await until_redis_has(redis_url, federation_cache_key(HANDLE))  # cached: shared too
                status, headers, _ = await get(session, f"{eu.url}/{HANDLE}")
                assert status == 200 and headers["Passport-Source"] == "cache"

                age = health["peer_logs"]["owner"]["head_age_s"]
                clock.advance(30)  # the head's age is told by the node's clock
                status, _, body = await get(session, f"{eu.url}/healthz")
                later = orjson.loads(body)["peer_logs"]["owner"]["head_age_s"]
                assert later == pytest.approx(age + 30, abs=0.01)
                status, _, body = await get(session, f"{eu.url}/log/peers")
                assert orjson.loads(body)["peers"]["owner"]["tree_size"] == 2

                state.fork = await _forked_log(tmp_path / "fork.sqlite3", integrity.signer.sign_bytes, 3)
                try:
                    await heads.check_all()
                finally:
                    await state.fork.backend.aclose()
                status, _, body = await get(session, f"{eu.url}/healthz")
                health = orjson.loads(body)
                assert status == 200 and health["forked_peers"] == ["owner"]
                assert "not consistent" in health["peer_logs"]["owner"]["forked"]
                marked = ForkMarks(tmp_path / "eu-0.sqlite3.keys" / "forked-peers.json").load()
                assert list(marked) == ["owner"]  # kept for the next start
                status, _, text = await get(session, f"{eu.url}/metrics")
                assert b'passport_translog_head_checks_total{peer="owner",outcome="fork"} 1' in text
                assert b'passport_translog_head_checks_total{peer="owner",outcome="ok"} 1' in text
                status, _, body = await get(session, f"{eu.url}/{NOT_YET_ASKED}")
                assert status == 502 and orjson.loads(body)["type"].endswith("/forked-log")
                # The copy cached before the fork is dropped (here and in Redis): refused too.
                await _gone_from_redis(redis_url, federation_cache_key(HANDLE))
                status, _, body = await get(session, f"{eu.url}/{HANDLE}")
                assert status == 502 and orjson.loads(body)["type"].endswith("/forked-log")
                status, _, body = await get(session, f"{eu.url}/log/peers")
                assert orjson.loads(body)["peers"] == {}  # a forked head is not vouched for


async def test_a_peer_marked_forked_before_a_restart_stays_refused(tmp_path: Path) -> None:
    """The mark is kept in the keys directory (forked-peers.json): a restart does not clear it,
    ``passport-node log clear-fork`` does."""
    keys_dir = tmp_path / "eu-keys"
    marks = ForkMarks(keys_dir / "forked-peers.json")
    marks.mark("owner", "the heads are not consistent (seen before the restart)")
    async with node(tmp_path, "owner", ["88.100.1"], passports=[HANDLE]) as owner:
        integrity = owner.node.integrity
        assert integrity is not None
        active = integrity.keyring.active
        pinned = {key_url(owner.url, active.name): active.public_key_multibase}
        federation = {"peers": [peer("owner", owner.url, ["88.100.1"], keys=pinned)]}
        settings = {"monitor_interval": 0, "keys_dir": str(keys_dir)}
        async with (
            node(tmp_path, "eu", ["20.500.12345"], federation=federation, integrity=settings) as eu,
            aiohttp.ClientSession() as session,
        ):
            status, _, body = await get(session, f"{eu.url}/healthz")
            assert orjson.loads(body)["forked_peers"] == ["owner"]
            status, _, body = await get(session, f"{eu.url}/{HANDLE}")
            assert status == 502 and orjson.loads(body)["type"].endswith("/forked-log")
        assert main(["log", "clear-fork", "--peer", "owner", "--marks", str(marks.path)]) == 0
        async with (
            node(tmp_path, "eu", ["20.500.12345"], federation=federation, integrity=settings) as eu,
            aiohttp.ClientSession() as session,
        ):
            status, headers, body = await get(session, f"{eu.url}/{HANDLE}")
            assert status == 200, body
            assert headers["Passport-Source"] == "peer:owner"
