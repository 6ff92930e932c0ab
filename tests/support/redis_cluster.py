"""A real Redis Cluster for tests: 3 masters with 1 replica each, made by ``redis-cli``.

Six ``redis-server --cluster-enabled yes`` processes (with the node's strict persistence, as
``RedisServer`` starts them), joined with ``redis-cli --cluster create ... --cluster-replicas 1
--cluster-yes``. One cluster per test session (``redis_cluster``); tests keep apart by
namespace (``redis_cluster_url``).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support.federation import free_port
from tests.support.redis_server import RedisServer

__all__ = ["RedisCluster", "redis_cluster", "redis_cluster_url"]


class RedisCluster:
    """``masters`` masters with ``replicas`` replicas each; ``url`` names one node of it."""

    def __init__(self, *, masters: int = 3, replicas: int = 1) -> None:
        self.masters = masters
        self.replicas = replicas
        self.servers: list[RedisServer] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.servers[0].port}"

    def start(self, *, timeout: float = 30.0) -> RedisCluster:
        cli = shutil.which("redis-cli")
        if cli is None:
            raise RuntimeError("redis-cli is not installed (apt-get install redis-server)")
        try:
            for _ in range(self.masters * (1 + self.replicas)):
                server = RedisServer()
                # An explicit bus port: by default it is the port + 10000, which fails above 55535.
                # No diskless-sync delay: by default a master waits 5 s for more replicas before
                # it sends the first sync, the most of a cluster's start (each master has one
                # replica, so there is nothing to wait for; the sync itself is the same).
                server.extra_args = [
                    "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
                    "--cluster-port", str(free_port()), "--repl-diskless-sync-delay", "0",
                ]  # fmt: skip
                self.servers.append(server.start())
            addresses = [f"127.0.0.1:{s.port}" for s in self.servers]
            subprocess.run(
                [
                    cli,
                    "--cluster",
                    "create",
                    *addresses,
                    "--cluster-replicas",
                    str(self.replicas),
                    "--cluster-yes",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout,
            )
            self._wait_ok(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ok(self, timeout: float) -> None:
        """Until every node says the cluster is ok and knows every other node, and every replica
        has finished its first sync with its master (before that, a master's ``WAIT`` for a
        replica's acknowledgement can time out, and a failover would lose writes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._node_ready(server) for server in self.servers):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not become ok")

    def _node_ready(self, server: RedisServer) -> bool:
        with server.client() as client:
            cluster = _fields(client.execute_command("CLUSTER", "INFO"))
            replication = _fields(client.execute_command("INFO", "replication"))
        if cluster.get("cluster_state") != "ok":
            return False
        if int(cluster.get("cluster_known_nodes", 0)) != len(self.servers):
            return False
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
