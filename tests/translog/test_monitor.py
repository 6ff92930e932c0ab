"""Peers' signed tree heads are checked against the last one seen: a fork marks the peer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.integrity.peer import pinned_resolver
from resolver.integrity.proofs import VerificationKey
from resolver.integrity.remote import NodeClient
from resolver.integrity.routes import route_defs
from resolver.translog.entry import LogEntry
from resolver.translog.log import TransparencyLog
from resolver.translog.monitor import HeadMonitor
from resolver.translog.routes import log_routes
from resolver.translog.sqlite import SQLiteLog
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


async def test_growing_log_stays_trusted_and_a_fork_is_caught(peers: tuple[Peer, Peer]) -> None:
    honest, fork = peers
    monitor = HeadMonitor(PINNED)
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
    assert monitor.forked("cn")
    assert monitor.status()["cn"]["tree_size"] == 9
    monitor.clear("cn")
    assert not monitor.forked("cn")


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
