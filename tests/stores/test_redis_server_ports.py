"""The test harness's redis-server starts even when a port it picked is taken before it binds."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support import redis_server
from tests.support.redis_server import RedisServer


def test_a_cluster_node_whose_bus_port_was_taken_starts_on_other_ports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = int(taken.getsockname()[1])
        real = redis_server._free_port
        picks: Iterator[int] = iter([real(), taken_port])  # the node's port, then its bus port
        monkeypatch.setattr(redis_server, "_free_port", lambda: next(picks, None) or real())
        with RedisServer(cluster_bus=True) as server:
            assert server.bus_port not in (0, taken_port)
            with server.client() as client:
                assert "cluster_state" in client.cluster("INFO")


def test_a_server_that_cannot_start_says_why_from_its_log() -> None:
    server = RedisServer()
    server.extra_args = ["--no-such-option", "yes"]
    with pytest.raises(RuntimeError, match="no-such-option"):
        server.start(timeout=2)
    server.stop()
