"""Invalidation between nodes: the owner's change feed, and followers of other owners' feeds.

The owner publishes its store's change feed to its peers (``GET /changes``, a long poll,
``resolver/http/changes.py``); ``ChangeSignal`` wakes the waiting polls when this process
writes. A node that caches another node's passports follows that node's feed
(``FeedFollower``, started by ``Followers`` for each peer the cache keeps answers from) and
drops its copies of every key the feed names, so a write is seen within a round trip instead
of after ``max-age``. While a feed cannot be read, the cached copies keep their ``max-age``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlencode

import aiohttp
import orjson

from resolver import background
from resolver.config.federation import PeerConfig

__all__ = ["CHANGES_PATH", "ChangeSignal", "FeedFollower", "Followers", "Invalidate"]

log = logging.getLogger(__name__)

CHANGES_PATH = "/changes"
Invalidate = Callable[[str], None]  # drop every cached copy of one key
Sleep = Callable[[float], Awaitable[None]]
_NO_FEED = frozenset({401, 403, 404, 405})  # the peer has no feed for this node: stop asking
_MAX_BACK_OFF = 30.0


class ChangeSignal:
    """Wakes the long polls of ``/changes`` when this process writes a passport."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, seconds: float) -> None:
        """Return at the next write in this process, or after ``seconds``."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await event.wait()


class FeedFollower:
    """Follows one peer's ``/changes`` and invalidates the cached copies of what it names.

    ``on_reset`` drops every copy from the peer when its feed went back (the peer's store was
    replaced): what changed in between cannot be known.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        peer: PeerConfig,
        *,
        invalidate: Invalidate,
        on_reset: Callable[[], object],
        wait: float = 20.0,
        retry: float = 1.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.peer = peer
        self._session = session
        self._invalidate = invalidate
        self._on_reset = on_reset
        self._wait = wait
        self._retry = retry
        self._sleep = sleep
        # The last position seen (one seq per partition of the peer's feed); None before the first answer.
        self.since: list[int] | None = None
        # Where the peer's log of relayed invalidations was ("": not asked yet).
        self.relayed = ""
        self.connected = asyncio.Event()  # set once the first answer came (tests wait on it)

    async def run(self) -> None:
        """Poll until cancelled; back off while the peer is away, stop if it offers no feed."""
        delay = self._retry
        while True:
            try:
                await self.poll_once()
                delay = self._retry
            except asyncio.CancelledError:
                raise
            except aiohttp.ClientResponseError as err:
                if err.status in _NO_FEED:
                    log.info(
                        "peer %s offers this node no change feed (HTTP %d): max-age only",
                        self.peer.id,
                        err.status,
                    )
                    return
                delay = await self._back_off(err, delay)
            except (ValueError, KeyError, TypeError) as err:
                log.info("peer %s answered no change feed (%s): max-age only", self.peer.id, err)
                return
            except (aiohttp.ClientError, TimeoutError) as err:
                delay = await self._back_off(err, delay)

    async def _back_off(self, err: Exception, delay: float) -> float:
        log.info("change feed of %s unavailable (%s); copies keep their max-age", self.peer.id, err)
        await self._sleep(delay)
        return min(_MAX_BACK_OFF, delay * 2)

    async def poll_once(self) -> None:
        """One long poll: apply the changes it returns (at once if there are any)."""
        doc = await self._get()
        last = [int(part) for part in str(doc["last"]).split(",")]
        changes = doc["changes"]
        if self.since is not None and _went_back(self.since, last):
            log.warning("change feed of %s went back (%s): its copies dropped", self.peer.id, doc["last"])
            self._on_reset()
        elif self.since is not None and isinstance(changes, list):
            for change in changes:
                self._invalidate(str(change["key"]))
        self._apply_relayed(doc.get("relayed"))
        self.since = last
        self.connected.set()

    def _apply_relayed(self, page: object) -> None:
        """Drop what the peer dropped of the copies it relays (a peer without the log sends none)."""
        if not isinstance(page, dict) or not isinstance(page.get("cursor"), str):
            return
        if self.relayed and page.get("reset") is True:
            log.warning("relayed invalidations of %s were reset: its copies dropped", self.peer.id)
            self._on_reset()
        elif self.relayed:
            keys = page.get("keys")
            for key in keys if isinstance(keys, list) else ():
                self._invalidate(str(key))
        self.relayed = page["cursor"]

    async def _get(self) -> dict[str, object]:
        query = {} if self.since is None else {"since": ",".join(str(seq) for seq in self.since)}
        query |= {"wait": f"{self._wait:g}", "relayed": self.relayed}
        headers = {"Accept": "application/json"}
        if self.peer.token is not None:
            headers["Authorization"] = f"Bearer {self.peer.token}"
        error: Exception | None = None
        for base in self.peer.base_urls:
            url = f"{base}{CHANGES_PATH}?{urlencode(query)}"
            try:
                async with self._session.get(
                    url,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self._wait + 10),
                    allow_redirects=False,
                ) as resp:
                    if resp.status != 200:
                        raise aiohttp.ClientResponseError(
                            resp.request_info, (), status=resp.status, message=f"HTTP {resp.status}"
                        )
                    doc = orjson.loads(await resp.read())
            except (aiohttp.ClientError, TimeoutError) as err:
                error = err
                continue
            if not isinstance(doc, dict) or not isinstance(doc.get("changes"), list):
                raise ValueError(f"{url} did not answer a change feed")
            return doc
        raise error or ValueError(f"peer {self.peer.id} has no base URL")


class Followers:
    """One ``FeedFollower`` per peer the cache keeps copies from, started on the first copy."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        peers: Iterable[PeerConfig],
        *,
        invalidate: Invalidate,
        drop_source: Callable[[str], object],
        wait: float = 20.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._session = session
        self._peers = {p.id: p for p in peers}
        self._invalidate = invalidate
        self._drop_source = drop_source
        self._wait = wait
        self._sleep = sleep
        self.followers: dict[str, FeedFollower] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def follow(self, peer_id: str) -> None:
        """Follow ``peer_id``'s feed from now on (once; unknown peers are ignored)."""
        peer = self._peers.get(peer_id)
        if peer is None or peer_id in self.followers:
            return
        follower = FeedFollower(
            self._session,
            peer,
            invalidate=self._invalidate,
            on_reset=lambda: self._drop_source(peer_id),
            wait=self._wait,
            sleep=self._sleep,
        )
        self.followers[peer_id] = follower
        self._tasks.append(asyncio.get_running_loop().create_task(follower.run()))

    async def aclose(self) -> None:
        for task in self._tasks:
            await background.stop(task)
        self._tasks.clear()


def _went_back(before: list[int], now: list[int]) -> bool:
    """Whether the feed is behind where it was: another number of partitions, or a partition
    whose last seq is lower than the one already seen (the store restarted empty)."""
    return len(before) != len(now) or any(n < b for b, n in zip(before, now, strict=True))
