"""Active health probes: a peer whose circuit opened is asked ``/healthz`` every
``[federation.breaker] probe_interval`` seconds, and the circuit closes as soon as it answers,
instead of after a fixed cool-down (lookups to it fail fast in between)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from resolver import background
from resolver.federation.client import PeerClient

__all__ = ["Prober"]

log = logging.getLogger(__name__)


class Prober:
    """Runs ``PeerClient.probe_unwell`` every ``interval`` seconds in the background."""

    def __init__(
        self,
        client: PeerClient,
        *,
        interval: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._interval = interval
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while True:
            await self._sleep(self._interval)
            for peer_id in await self._client.probe_unwell():
                log.info("peer %s answers /healthz again: its circuit is closed", peer_id)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await background.stop(task)
