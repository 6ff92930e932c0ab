"""Real nodes for tests: in-process (``running_node``) or as a ``passport-node serve`` subprocess.

Both listen on 127.0.0.1 port 0, wait until ``/healthz`` answers, and stop cleanly. The
in-process node is the cheap one; the subprocess is the node exactly as an operator runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp

from resolver.app import RunningNode, start_node
from resolver.config import Credential, NodeConfig, default_config, hash_token
from resolver.lifecycle.part import Timing
from resolver.tiers import Role
from tests.support.validators import shared_checker, shared_validator

__all__ = [
    "NodeProcess",
    "credential",
    "eu_and_cn_config",
    "running_node",
    "wait_healthy",
    "without_sparql_index",
]

REPO = Path(__file__).resolve().parents[2]
_TIMING = Timing()  # the lifecycle's own delivery waits


def credential(name: str, role: Role | str, token: str, prefixes: Sequence[str] = ()) -> Credential:
    """A configured credential for ``token`` (stored hashed, as in a config file)."""
    return Credential(name, Role(role), hash_token(token), tuple(prefixes))


def eu_and_cn_config(store_dir: Path, maker: str, authority: str) -> NodeConfig:
    """A node holding an eu-battery prefix (88.100.1) and a cn-battery one (88.300.1), with an
    operator token ``maker`` for both and an authority token ``authority``."""
    return default_config(
        store=f"sqlite:///{store_dir}/passports.sqlite3",
        prefixes=("88.100.1", "88.300.1"),
        profiles={"88.300.1": "cn-battery"},
        credentials=(
            credential("maker", Role.OPERATOR, maker, ["88.100.1", "88.300.1"]),
            credential("surveillance", Role.AUTHORITY, authority),
        ),
        workers=1,
        chain=("local",),
    )


async def wait_healthy(url: str, *, wait: float = 30.0) -> None:
    """Poll ``{url}/healthz`` until it answers 200."""
    deadline = asyncio.get_running_loop().time() + wait
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no healthy node at {url} after {wait} s")
            await asyncio.sleep(0.05)


def without_sparql_index(config: NodeConfig) -> NodeConfig:
    """``config`` with the SPARQL index turned off (``[sparql] enabled = false``).

    The index lives in a spawned process of its own that opens the index and loads the profile
    graph: ~1.3 CPU-s per node start, most of an in-process node's cost. Only tests of
    ``/sparql`` need it (tests/integration/test_sparql_node.py, which asks for it); the rest of
    the node is the same without it.
    """
    return replace(config, sparql=replace(config.sparql, enabled=False))


@contextlib.asynccontextmanager
async def running_node(
    config: NodeConfig | None = None,
    *,
    demo: bool = False,
    sparql_index: bool = False,
    port: int = 0,
    timing: Timing = _TIMING,
    **overrides: Any,
) -> AsyncIterator[RunningNode]:
    """A node in this process on 127.0.0.1 (``port`` 0: a free one); ``overrides`` go to
    ``default_config``; ``timing`` is the lifecycle's delivery waits (tests pass a fake sleep).

    A node left with the default ``data_dir`` (``./var``) or store (``./var/passports.sqlite3``)
    gets a temporary one instead: its keys, SPARQL index and passports never land in the working
    directory (the repository, under pytest). The node validates on the process's shared pools
    (tests/support/validators.py: one for writes, one for ``/validate`` by its time budget), and
    has no SPARQL index unless ``sparql_index`` (``without_sparql_index``).
    """
    if config is None:
        overrides.setdefault("workers", 1)
        config = default_config(**overrides)
    with tempfile.TemporaryDirectory(prefix="passport-node-data-") as data_dir:
        if config.data_dir == NodeConfig().data_dir:
            config = replace(config, data_dir=data_dir)
        if config.store == NodeConfig().store:
            config = replace(config, store=f"sqlite:///{data_dir}/passports.sqlite3")
        if not sparql_index:
            config = without_sparql_index(config)
        validator = await shared_validator(config.workers)
        node = await start_node(
            config,
            host="127.0.0.1",
            port=port,
            demo=demo,
            access_log=False,
            validator=validator,
            checker=shared_checker(float(config.limits.validate_seconds)),
            timing=timing,
        )
        try:
            await wait_healthy(node.url)
            yield node
        finally:
            await node.stop()


class NodeProcess:
    """``python -m resolver serve`` in a subprocess; ``url`` is read from its first output line.

    ``forked``: the process is forked from this test process's preloaded node zygote
    (tests/support/node_zygote.py) instead of started cold, ~1 CPU-s less a start; a process of
    its own all the same (its stdout and stderr go to files in a temporary folder).
    """

    def __init__(
        self,
        *args: str,
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        forked: bool = False,
    ) -> None:
        self.args = args
        self.cwd = Path(cwd) if cwd is not None else REPO
        self.env = {**os.environ, **(env or {})}
        self.forked = forked
        self.process: asyncio.subprocess.Process | None = None
        self.pid: int | None = None  # a forked node's
        self.returncode: int | None = None  # a forked node's, once it ended
        self._streams: tempfile.TemporaryDirectory[str] | None = None
        self.url = ""

    async def start(self, *, wait: float = 60.0) -> NodeProcess:
        if self.forked:
            return await self._start_forked(wait)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "resolver",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            *self.args,
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        if self.process.stdout is None:
            raise RuntimeError("no stdout pipe")
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), wait)
        except TimeoutError:
            await self.stop()
            raise
        text = line.decode().strip()
        if " serving at " not in text:
            err = b""
            if self.process.stderr is not None:
                with contextlib.suppress(TimeoutError):
                    err = await asyncio.wait_for(self.process.stderr.read(), 5)
            await self.stop()
            raise RuntimeError(f"node did not start: {text!r} {err.decode()[-2000:]}")
        self.url = text.rsplit(" ", 1)[1]
        await wait_healthy(self.url, wait=wait)
        return self

    async def _start_forked(self, wait: float) -> NodeProcess:
        from tests.support.node_zygote import zygote

        self._streams = tempfile.TemporaryDirectory(prefix="node-streams-")
        out, err = Path(self._streams.name) / "stdout", Path(self._streams.name) / "stderr"
        out.touch()
        argv = ["serve", "--host", "127.0.0.1", "--port", "0", *self.args]
        self.pid = zygote().fork(argv, cwd=self.cwd, env=self.env, stdout=out, stderr=err)
        deadline = asyncio.get_running_loop().time() + wait
        text = ""
        while "\n" not in text and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
            text = out.read_text()
            if "\n" not in text and self._ended():
                break
        text = text.split("\n", 1)[0].strip()
        if " serving at " not in text:
            await self.stop()
            raise RuntimeError(f"node did not start: {text!r} {err.read_text()[-2000:]}")
        self.url = text.rsplit(" ", 1)[1]
        await wait_healthy(self.url, wait=wait)
        return self

    def _ended(self) -> bool:
        """Whether the forked node has ended (its status kept in ``returncode``)."""
        from tests.support.node_zygote import zygote

        if self.pid is None:
            return True
        try:
            self.returncode = zygote().wait(self.pid, 0)
        except TimeoutError:
            return False
        self.pid = None
        return True

    async def stop(self, *, wait: float = 10.0) -> int | None:
        if self.forked:
            return await self._stop_forked(wait)
        process, self.process = self.process, None
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), wait)
            except TimeoutError:
                process.kill()
                await process.wait()
        # Drain the pipes so their transports close with the process.
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.read()
        return process.returncode

    async def _stop_forked(self, wait: float) -> int | None:
        from tests.support.node_zygote import zygote

        if self._streams is None:
            return None
        if not self._ended():
            assert self.pid is not None
            pid, self.pid = self.pid, None
            os.kill(pid, signal.SIGTERM)  # not reaped yet: still its pid
            try:
                self.returncode = await asyncio.to_thread(zygote().wait, pid, wait)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self.returncode = await asyncio.to_thread(zygote().wait, pid, 10)
        self._streams.cleanup()
        self._streams = None
        return self.returncode

    async def __aenter__(self) -> NodeProcess:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
