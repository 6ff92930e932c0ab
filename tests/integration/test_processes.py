"""``serve --processes 2`` on Redis: two processes share one port (SO_REUSEPORT), and a write
made through either is read from both within the public-view cache's bound (its feed poll)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from resolver.stages.local import PublicViews
from resolver.tiers import Role
from tests.integration.conftest import OPERATOR, bearer, new_handle, passport
from tests.support.node import NodeProcess
from tests.support.redis_server import RedisServer
from tests.support.served import write_config
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

# PublicViews' default poll of the change feed is the stated bound; the rest is a slow machine.
FEED_POLL = PublicViews.__init__.__kwdefaults__["poll"]  # type: ignore[index]
SLACK = 1.5


async def _sessions_per_process(url: str) -> dict[int, aiohttp.ClientSession]:
    """One single-connection session per node process (new connections until both are seen)."""
    found: dict[int, aiohttp.ClientSession] = {}
    for _ in range(60):
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1, force_close=False))
        pid: int | None = None
        for _ in range(300):  # a process answers 503 until its validator workers are up
            async with session.get(url + "/healthz") as response:
                if response.status == 200:
                    pid = (await response.json())["process"]
                    break
            await asyncio.sleep(0.1)
        assert pid is not None, "a node process never became healthy"
        if pid in found:
            await session.close()
        else:
            found[pid] = session
        if len(found) == 2:
            break
    return found


async def test_two_processes_serve_one_port_and_see_each_others_writes(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    tokens = {OPERATOR: (Role.OPERATOR.value, ["88.100.1"])}
    store = f"{redis_server.url}?namespace=procs"
    # Nothing here asks /sparql: no index process to start (~1.3 CPU-s).
    config = write_config(
        tmp_path / "node.toml", store=store, tokens=tokens, data_dir=str(tmp_path), sparql_index=False
    )
    async with NodeProcess("--config", str(config), "--processes", "2", cwd=tmp_path, forked=True) as node:
        sessions = await _sessions_per_process(node.url)
        try:
            assert len(sessions) == 2, "SO_REUSEPORT spread no connection to the second process"
            handle = new_handle()
            (writer, first), (_, second) = sessions.items()
            async with first.put(
                node.url + "/" + handle,
                data=passport(handle),
                headers={"Content-Type": "application/ld+json", **bearer(OPERATOR)},
            ) as response:
                assert response.status == 201, await response.text()
            for round_ in range(2):  # v1 is read and kept by both; then v2 replaces it in both
                version = round_ + 1
                written = time.monotonic()
                for session in sessions.values():

                    async def current(
                        session: aiohttp.ClientSession = session, version: int = version
                    ) -> bool:
                        async with session.get(node.url + "/" + handle) as answer:
                            return answer.headers.get("ETag", "").startswith(f'"v{version}.')

                    await until(current, what=f"v{version} in every process", bound=FEED_POLL + SLACK)
                assert time.monotonic() - written <= FEED_POLL + SLACK
                if round_ == 0:
                    async with second.patch(
                        node.url + "/" + handle,
                        data=b'{"cycleCount": 120}',
                        headers={"Content-Type": "application/merge-patch+json", **bearer(OPERATOR)},
                    ) as response:
                        assert response.status == 200, await response.text()
            assert writer in sessions
        finally:
            for session in sessions.values():
                await session.close()
