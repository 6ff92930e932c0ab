"""Peers' signed tree heads are checked against the last one seen: a fork marks the peer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.cli import main
from resolver.http.keys import route_defs
from resolver.http.translog import log_routes
from resolver.integrity.peer import pinned_resolver
from resolver.integrity.proofs import VerificationKey
from resolver.integrity.remote import NodeClient
from resolver.translog.entry import LogEntry
from resolver.translog.log import TransparencyLog
from resolver.translog.marks import ForkMarks
from resolver.translog.monitor import HeadMonitor
from resolver.translog.sqlite import SQLiteLog
from resolver.translog.watch import HeadWatch
from tests.translog.conftest import KEY, KEY_URL, sign

PINNED = {"cn": pinned_resolver({KEY_URL: VerificationKey(KEY.public_key())})}


def _entry(name: str) -> LogEntry:
    return LogEntry(f"88.100.1/{name}", 1, "2026-11-30T12:00:00Z", {"public": "0" * 64})


class Peer:
    def __init__(self, log: TransparencyLog, server: TestServer) -> None:
        self.log, self.server = log, server

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


async def _peer(path: Path, signer: object = sign) -> Peer:
    log = await TransparencyLog(await SQLiteLog.open(path), signer=signer).open()  # type: ignore[arg-type]
    app = web.Application()
    app.router.add_routes(route_defs(log_routes(log)))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return Peer(log, server)


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[tuple[Peer, Peer]]:
    honest, fork = await _peer(tmp_path / "a.sqlite3"), await _peer(tmp_path / "b.sqlite3")
    try:
        yield honest, fork
    finally:
        for peer in (honest, fork):
            await peer.server.close()
            await peer.log.backend.aclose()


async def test_growing_log_stays_trusted_and_a_fork_is_caught(
    peers: tuple[Peer, Peer], tmp_path: Path
) -> None:
    honest, fork = peers
    marks = ForkMarks(tmp_path / "forked-peers.json")
    dropped: list[str] = []
    monitor = HeadMonitor(PINNED, marks=marks, on_fork=dropped.append)
    await honest.log.append_many([_entry(f"A-{i}") for i in range(5)])
    async with NodeClient(honest.url) as node:
        assert (await monitor.check("cn", node)).head.tree_size == 5  # type: ignore[union-attr]
        await honest.log.append_many([_entry(f"A-{i}") for i in range(5, 9)])
        assert (await monitor.check("cn", node)).head.tree_size == 9  # type: ignore[union-attr]
    # The same peer now shows another history: same first entries, then others.
    await fork.log.append_many([_entry(f"A-{i}") for i in range(5)] + [_entry(f"B-{i}") for i in range(6)])
    async with NodeClient(fork.url) as node:
        state = await monitor.check("cn", node)
    assert state.forked is not None and "not consistent" in state.forked
    assert monitor.forked("cn") and dropped == ["cn"]
    assert monitor.status()["cn"]["tree_size"] == 9
    # The mark outlives the process: a monitor opened on the same file starts with it.
    assert marks.load() == {"cn": state.forked}
    again = HeadMonitor(PINNED, marks=marks)
    assert again.forked("cn") and again.marked() == ["cn"]
    async with NodeClient(honest.url) as node:
        assert (await again.check("cn", node)).forked == state.forked  # not checked again
    monitor.clear("cn")
    assert not monitor.forked("cn") and marks.load() == {}


def test_clear_fork_removes_the_mark_an_operator_names(tmp_path: Path) -> None:
    marks = ForkMarks(tmp_path / "forked-peers.json")
    marks.mark("cn", "the heads are not consistent")
    marks.mark("eu", "rollback")
    args = ["log", "clear-fork", "--marks", str(marks.path), "--peer"]
    assert main([*args, "cn"]) == 0
    assert marks.load() == {"eu": "rollback"}
    assert main([*args, "cn"]) == 1  # not marked (any more)
    marks.path.write_text("[1, 2]")
    assert main([*args, "eu"]) == 2  # a file it cannot read


async def test_head_signed_by_an_unpinned_key_marks_the_peer(tmp_path: Path) -> None:
    other = Ed25519PrivateKey.generate()
    peer = await _peer(tmp_path / "c.sqlite3", lambda data: (KEY_URL, other.sign(data)))
    try:
        await peer.log.append(_entry("X"))
        monitor = HeadMonitor(PINNED)
        async with NodeClient(peer.url) as node:
            state = await monitor.check("cn", node)
        assert state.forked is not None and "bad signature" in state.forked
    finally:
        await peer.server.close()
        await peer.log.backend.aclose()


async def test_unreachable_peer_is_an_error_not_a_fork() -> None:
    monitor = HeadMonitor(PINNED)
    async with NodeClient("http://127.0.0.1:9", timeout=2) as node:
        state = await monitor.check("cn", node)
    assert state.forked is None and state.last_error is not None


async def test_a_log_that_shrank_is_a_rollback(peers: tuple[Peer, Peer]) -> None:
    honest, restored = peers
    monitor = HeadMonitor(PINNED)
    await honest.log.append_many([_entry(f"A-{i}") for i in range(5)])
    await restored.log.append_many([_entry(f"A-{i}") for i in range(3)])  # an older backup
    async with NodeClient(honest.url) as node:
        await monitor.check("cn", node)
    async with NodeClient(restored.url) as node:
        state = await monitor.check("cn", node)
    assert state.forked is not None and state.forked.startswith("rollback: the log shrank from 5 to 3")


async def test_a_larger_tree_signed_before_a_head_already_seen_is_a_rollback(tmp_path: Path) -> None:
    times = iter([2_000_000, 1_000_000])  # the second, larger head claims an earlier time
    log = await TransparencyLog(
        await SQLiteLog.open(tmp_path / "r.sqlite3"), signer=sign, clock=lambda: next(times)
    ).open()
    app = web.Application()
    app.router.add_routes(route_defs(log_routes(log)))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        monitor = HeadMonitor(PINNED)
        await log.append(_entry("A"))
        async with NodeClient(str(server.make_url("")).rstrip("/")) as node:
            assert (await monitor.check("cn", node)).forked is None
            await log.append(_entry("B"))
            state = await monitor.check("cn", node)
        assert state.forked is not None and state.forked.startswith("rollback: the head of size 2")
    finally:
        await server.close()
        await log.backend.aclose()


async def _witness(seen: dict[str, object]) -> TestServer:
    """A node that says which heads it saw of its peers' logs (/log/peers), and nothing else."""
    app = web.Application()

    async def peers(request: web.Request) -> web.Response:
        return web.json_response({"peers": seen})

    app.router.add_get("/log/peers", peers)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.mark.parametrize(("size", "why"), [(4, "witness saw a head of size 6"), (8, "does not agree")])
async def test_a_head_another_node_saw_that_disagrees_marks_the_peer(
    peers: tuple[Peer, Peer], size: int, why: str
) -> None:
    """Split view: the peer shows this node one history and a witness another, both signed."""
    honest, fork = peers
    await honest.log.append_many([_entry(f"A-{i}") for i in range(size)])
    await fork.log.append_many([_entry(f"B-{i}") for i in range(6)])
    shown_elsewhere = (await fork.log.head()).to_json()
    witness = await _witness({"cn": shown_elsewhere, "unknown": shown_elsewhere, "bad": {"tree_size": "x"}})
    try:
        # The witness's own head is not checked (no keys pinned for it): only what it saw of cn.
        monitor = HeadMonitor(PINNED)
        urls = {"cn": honest.url, "witness": str(witness.make_url("")).rstrip("/")}
        watch = HeadWatch(monitor, urls, interval=0)
        await watch.check_all()
        state = monitor.status()["cn"]
        assert state["forked"] is not None and why in state["forked"]
        assert watch.forked("cn") and monitor.seen() == {}
    finally:
        await witness.close()


async def test_heads_other_nodes_saw_that_agree_or_are_unsigned_change_nothing(
    peers: tuple[Peer, Peer],
) -> None:
    honest, _ = peers
    await honest.log.append_many([_entry(f"A-{i}") for i in range(3)])
    earlier = (await honest.log.head()).to_json()
    await honest.log.append_many([_entry(f"A-{i}") for i in range(3, 7)])
    forged = {**earlier, "tree_size": 2}  # the signature no longer matches: not evidence
    for seen in (earlier, forged):
        witness = await _witness({"cn": seen})
        try:
            monitor = HeadMonitor(PINNED)
            urls = {"cn": honest.url, "witness": str(witness.make_url("")).rstrip("/")}
            await HeadWatch(monitor, urls, interval=0).check_all()
            assert monitor.status()["cn"] == {
                "tree_size": 7,
                "forked": None,
                "error": None,
                "head_age_s": None,
            }
            assert monitor.head("cn") is not None and set(monitor.seen()) == {"cn"}
        finally:
            await witness.close()


async def test_the_watch_runs_on_its_injected_sleep_and_stops(peers: tuple[Peer, Peer]) -> None:
    honest, _ = peers
    await honest.log.append(_entry("A"))
    rounds: list[float] = []
    stop = asyncio.Event()

    async def sleep(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 2:
            stop.set()
        await asyncio.sleep(0)

    outcomes: list[tuple[str, str]] = []
    monitor = HeadMonitor(PINNED, on_check=lambda peer, outcome: outcomes.append((peer, outcome)))
    watch = HeadWatch(monitor, {"cn": honest.url}, interval=7, sleep=sleep)
    watch.start()
    await asyncio.wait_for(stop.wait(), timeout=10)
    await watch.aclose()
    assert rounds[:2] == [7, 7] and outcomes[:2] == [("cn", "ok"), ("cn", "ok")]
