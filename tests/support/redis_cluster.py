"""A real Redis Cluster for tests: 3 masters with 1 replica each.

Six ``redis-server --cluster-enabled yes`` processes (with the node's strict persistence, as
``RedisServer`` starts them), started side by side and joined as ``redis-cli --cluster create
... --cluster-replicas 1`` joins them (the same slot ranges, config epochs, ``CLUSTER MEET``
and ``CLUSTER REPLICATE``), but waiting for each step's outcome instead of redis-cli's
one-second sleeps (~2 s of a start). One cluster per test session (``redis_cluster``); tests
keep apart by namespace (``redis_cluster_url``).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.redis_server import RedisServer

__all__ = ["RedisCluster", "redis_cluster", "redis_cluster_url"]

SLOTS = 16384
_Client = Any  # a redis.Redis, whose execute_command is untyped


class RedisCluster:
    """``masters`` masters with ``replicas`` replicas each; ``url`` names one node of it.

    ``node_timeout`` (ms, ``cluster-node-timeout``): how long a node may not answer before the
    others take it for failed (a failover test's wait; under load, too short a one fails over
    a master that was only slow)."""

    def __init__(self, *, masters: int = 3, replicas: int = 1, node_timeout: int = 2000) -> None:
        self.masters = masters
        self.replicas = replicas
        self.node_timeout = node_timeout
        self.servers: list[RedisServer] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.servers[0].port}"

    def launch(self) -> RedisCluster:
        """Start the servers without waiting for them (``start`` joins them into the cluster):
        a master turns ok only 2 s after it started (CLUSTER_WRITABLE_DELAY), time that a
        cluster launched ahead of its use spends while other tests run."""
        try:
            for _ in range(self.masters * (1 + self.replicas)):
                server = RedisServer(cluster_bus=True)
                # No diskless-sync delay: by default a master waits 5 s for more replicas before
                # it sends the first sync, the most of a cluster's start (each master has one
                # replica, so there is nothing to wait for; the sync itself is the same).
                server.extra_args = [
                    "--cluster-node-timeout", str(self.node_timeout), "--repl-diskless-sync-delay", "0",
                ]  # fmt: skip
                self.servers.append(server.launch())
        except BaseException:
            self.stop()
            raise
        return self

    def start(self, *, timeout: float = 30.0) -> RedisCluster:
        """Launch the servers (unless ``launch`` did), join them, and wait until the cluster is ok."""
        if not self.servers:
            self.launch()
        try:
            for server in self.servers:
                server.ready()
            # One client per node for the whole start (each new one reads redis-py's metadata).
            with contextlib.ExitStack() as stack:
                clients = [stack.enter_context(server.client()) for server in self.servers]
                deadline = time.monotonic() + timeout
                self._create(clients, deadline)
                self._until(deadline, lambda: all(self._node_ready(c) for c in clients), every=0.05)
        except BaseException:
            self.stop()
            raise
        return self

    def _create(self, clients: list[_Client], deadline: float) -> None:
        """What ``redis-cli --cluster create --cluster-replicas N`` does: the masters take equal
        ranges of slots, each node its own config epoch, the nodes meet, and once every node
        knows every other, each replica follows its master."""
        share = SLOTS / self.masters
        first = 0
        for n, master in enumerate(clients[: self.masters]):
            last = SLOTS - 1 if n == self.masters - 1 else round(n * share + share - 1)
            master.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
            first = last + 1
        for epoch, client in enumerate(clients, start=1):
            client.execute_command("CLUSTER", "SET-CONFIG-EPOCH", epoch)
        for n, client in enumerate(clients):  # each meets the rest: no wait for gossip
            for other in self.servers[n + 1 :]:
                client.execute_command("CLUSTER", "MEET", "127.0.0.1", other.port, other.bus_port)
        ids = [_text(client.execute_command("CLUSTER", "MYID")) for client in clients]
        self._until(deadline, lambda: all(self._knows_all(client) for client in clients), every=0.01)
        for n, replica in enumerate(clients[self.masters :]):
            replica.execute_command("CLUSTER", "REPLICATE", ids[n % self.masters])

    def _knows_all(self, client: _Client, *, roles: bool = False) -> bool:
        """Whether the node is connected to every node (no handshake, no link down) and, with
        ``roles``, sees each replica as one."""
        text = _text(client.execute_command("CLUSTER", "NODES"))
        lines = [line.split() for line in text.splitlines() if line.strip()]
        linked = len(lines) == len(self.servers) and all(
            "handshake" not in line[2] and line[7] == "connected" for line in lines
        )
        replicas = sum("slave" in line[2].split(",") for line in lines)
        return linked and (not roles or replicas == self.masters * self.replicas)

    @staticmethod
    def _until(deadline: float, check: Callable[[], bool], *, every: float) -> None:
        while not check():
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not become ok in time")
            time.sleep(every)

    def _node_ready(self, client: _Client) -> bool:
        """Whether the node says the cluster is ok, knows every other node and sees each replica
        as one, and (a replica) has finished its first sync with its master: before that, a
        master's ``WAIT`` for a replica's acknowledgement can time out, and a failover would
        lose writes. (A master turns ok 2 s after it started, CLUSTER_WRITABLE_DELAY.)"""
        cluster = _fields(client.execute_command("CLUSTER", "INFO"))
        if cluster.get("cluster_state") != "ok" or not self._knows_all(client, roles=True):
            return False
        replication = _fields(client.execute_command("INFO", "replication"))
        if replication.get("role") == "slave":
            return (
                replication.get("master_link_status") == "up"
                and replication.get("master_sync_in_progress") == "0"
            )
        return True

    def stop(self) -> None:
        for server in self.servers:  # all told first: each then exits while the next is waited for
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in self.servers:
            server.stop()
        self.servers = []


def _text(reply: object) -> str:
    return reply.decode() if isinstance(reply, bytes) else str(reply)


def _fields(info: object) -> dict[str, str]:
    """The ``key:value`` lines of a Redis INFO-style reply."""
    if isinstance(info, dict):  # redis-py parses INFO itself
        return {str(k): str(v) for k, v in info.items()}
    text = info.decode() if isinstance(info, bytes) else str(info)
    return dict(line.split(":", 1) for line in text.split() if ":" in line)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One Redis Cluster (3 masters, 1 replica each) for the whole test session."""
    cluster = RedisCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisCluster) -> str:
    """The session cluster, with a namespace of this test's own."""
    return f"{redis_cluster.url}?namespace=t{uuid.uuid4().hex[:10]}"
