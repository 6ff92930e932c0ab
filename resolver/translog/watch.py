"""The node's watch on its peers' logs: every ``[integrity] monitor_interval`` seconds each
peer whose keys are pinned is asked its signed tree head (checked by the HeadMonitor), then its
``/log/peers`` (the heads it saw of the others), which are compared with the heads seen here.

Every request is bounded (``timeout``); the loop sleeps with an injected ``sleep`` so tests move
time themselves. Outcomes are counted in ``passport_translog_head_checks_total{peer,outcome}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from resolver.config.federation import FederationConfig
from resolver.errors import DocumentError
from resolver.integrity.multikey import public_key_from_multibase
from resolver.integrity.peer import pinned_resolver
from resolver.integrity.proofs import KeyResolver, VerificationKey
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.translog.heads import SignedTreeHead
from resolver.translog.marks import ForkMarks
from resolver.translog.monitor import Clock, HeadMonitor, OnCheck, OnFork

__all__ = ["HeadWatch", "watched_peers"]

_log = logging.getLogger("resolver.translog.watch")

Sleep = Callable[[float], Awaitable[None]]


def watched_peers(federation: FederationConfig) -> tuple[dict[str, KeyResolver], dict[str, str]]:
    """(peer id -> pinned keys, peer id -> base URL) of the peers whose own keys are pinned: a
    relay's answers are signed by its owner, whose log this node has no address for."""
    keys: dict[str, KeyResolver] = {}
    urls: dict[str, str] = {}
    for peer in federation.nodes:
        if not peer.keys or peer.owner_id != peer.id or not peer.base_urls:
            continue
        keys[peer.id] = pinned_resolver(
            {url: VerificationKey(public_key_from_multibase(value)) for url, value in peer.keys}
        )
        urls[peer.id] = peer.base_urls[0]
    return keys, urls


class HeadWatch:
    """A HeadMonitor and the loop that feeds it."""

    def __init__(
        self,
        monitor: HeadMonitor,
        urls: Mapping[str, str],
        *,
        interval: float,
        timeout: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.monitor = monitor
        self._urls = dict(urls)
        self._interval = interval
        self._timeout = timeout
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def for_federation(
        cls,
        federation: FederationConfig,
        *,
        interval: float,
        clock: Clock,
        on_check: OnCheck | None = None,
        on_fork: OnFork | None = None,
        marks: ForkMarks | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> HeadWatch | None:
        """The watch on ``federation``'s peers with pinned keys, or None when there are none.
        ``on_fork(peer)``: once per peer newly seen forked (the node drops its cached copies);
        ``marks``: the fork marks kept across restarts."""
        keys, urls = watched_peers(federation)
        if not keys:
            return None
        monitor = HeadMonitor(keys, clock=clock, on_check=on_check, on_fork=on_fork, marks=marks)
        return cls(monitor, urls, interval=interval, sleep=sleep)

    def forked(self, peer: str) -> bool:
        return self.monitor.forked(peer)

    async def check_all(self) -> None:
        """One round: every peer's head, then what each peer saw of the others."""
        for peer, url in sorted(self._urls.items()):
            async with NodeClient(url, timeout=self._timeout) as node:
                await self.monitor.check(peer, node)
        for relay, url in sorted(self._urls.items()):
            for peer, head in (await self._seen_by(relay, url)).items():
                if peer in self._urls and peer != relay:
                    async with NodeClient(self._urls[peer], timeout=self._timeout) as node:
                        await self.monitor.compare(peer, head, node, by=relay)

    async def _seen_by(self, relay: str, url: str) -> dict[str, SignedTreeHead]:
        """The heads ``relay`` says it saw of its peers (empty if it cannot say)."""
        async with NodeClient(url, timeout=self._timeout) as node:
            try:
                answer = await node.get_json("/log/peers")
            except Unreachable:
                return {}
        seen: dict[str, SignedTreeHead] = {}
        heads = answer.get("peers") if isinstance(answer, dict) else None
        for peer, doc in (heads or {}).items() if isinstance(heads, dict) else ():
            try:
                seen[str(peer)] = SignedTreeHead.from_json(doc)
            except DocumentError:
                _log.warning("%s shows an unreadable head of %s", relay, peer)
        return seen

    def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        while True:
            try:
                await self.check_all()
            except Exception:  # a bug in one round must not end the watch
                _log.exception("checking the peers' logs failed")
            await self._sleep(self._interval)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
