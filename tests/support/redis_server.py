"""A real ``redis-server`` for tests: started on a free port in a temp dir, stopped at the end.

Use the fixtures from a conftest.py: ``from tests.support.redis_server import redis_server, redis_url``.
``redis_server`` (session) yields the running server; ``redis_url`` (function) flushes it first.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["RedisServer", "redis_server", "redis_url"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process. ``start()``, ``stop()``, ``kill()``, ``restart()``, ``url``.

    By default it persists as the node requires (``appendonly yes``, ``appendfsync always``,
    docs/stores.md), so a restart keeps every acknowledged write. ``fsync="everysec"`` or
    ``"off"`` (no append-only file) start one the node must refuse or accept as relaxed.
    """

    def __init__(
        self, *, maxmemory: str | None = None, fsync: str = "always", cluster_bus: bool = False
    ) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.executable = executable
        self.maxmemory = maxmemory
        self.fsync = fsync
        self.extra_args: list[str] = []  # more redis-server options, e.g. --rename-command
        self.port = 0
        # With ``cluster_bus``, the cluster bus listens on a port of its own (``bus_port``), picked
        # and re-picked on a failed start together with ``port``: by default it is the port +
        # 10000, which fails above 55535.
        self.cluster_bus = cluster_bus
        self.bus_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self, *, timeout: float = 10.0) -> RedisServer:
        return self.launch().ready(timeout=timeout)

    def launch(self) -> RedisServer:
        """Start the process on a free port without waiting for it (``ready`` waits): several
        servers start side by side."""
        self._dir = tempfile.TemporaryDirectory(prefix="redis-test-")
        self._pick_ports()
        self._launch()
        return self

    def ready(self, *, timeout: float = 10.0) -> RedisServer:
        """Wait until the launched server answers; on other free ports if it could not bind."""
        if self._wait_ready(timeout):
            return self
        self._kill()
        for _attempt in range(2):  # a free port can be taken between probe and bind
            self._pick_ports()
            if self._spawn(timeout):
                return self
        raise RuntimeError(f"redis-server did not start; the end of its log:\n{self._log_tail()}")

    def _pick_ports(self) -> None:
        self.port = _free_port()
        if self.cluster_bus:
            self.bus_port = _free_port()

    def _log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's output and log (the directory goes when it stops)."""
        if self._dir is None:
            return "(no log)"
        tails = []
        for name in ("redis.out", "redis.log"):
            path = Path(self._dir.name) / name
            if path.exists():
                tails += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(tails) or "(no log)"

    def kill(self, *, hard: bool = False) -> None:
        """Stop the process only (its port and directory stay for ``restart``).

        ``hard``: SIGKILL, so Redis writes nothing on the way out (as after a crash).
        """
        if hard and self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
            self.process = None
        self._kill()

    def restart(self, *, timeout: float = 10.0, empty: bool = False) -> None:
        """Start again on the same port, with what it persisted (``empty``: with nothing)."""
        self._kill()
        if empty and self._dir is not None:
            for path in Path(self._dir.name).iterdir():
                if path.name not in ("redis.log", "redis.out"):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        if not self._spawn(timeout):
            raise RuntimeError(f"redis-server did not restart on port {self.port}:\n{self._log_tail()}")

    def _spawn(self, timeout: float) -> bool:
        self._launch()
        if self._wait_ready(timeout):
            return True
        self._kill()
        return False

    def _launch(self) -> None:
        if self._dir is None:
            raise RuntimeError("start() first")
        args = [
            self.executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", self._dir.name,
            "--save", "",
            *(["--appendonly", "no"] if self.fsync == "off" else
              ["--appendonly", "yes", "--appendfsync", self.fsync]),
            "--protected-mode", "yes",
            "--logfile", str(Path(self._dir.name) / "redis.log"),
        ]  # fmt: skip
        if self.cluster_bus:
            args += ["--cluster-enabled", "yes", "--cluster-port", str(self.bus_port)]
        if self.maxmemory:
            args += ["--maxmemory", self.maxmemory]
        args += self.extra_args
        # What it says before its log file is open (a bad option, say) goes to redis.out.
        with open(Path(self._dir.name) / "redis.out", "ab") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        # One client (each new one reads redis-py's metadata), without redis-py's retries: they
        # back off for seconds on a refused connection, while a server that died is seen at once.
        once = Retry(NoBackoff(), 0)
        with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, retry=once) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    return False
                try:
                    if client.ping():
                        return True
                except redis.RedisError:
                    time.sleep(0.02)
        return False

    def _kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def stop(self) -> None:
        self._kill()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the whole test session."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, with every database flushed before the test."""
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url
