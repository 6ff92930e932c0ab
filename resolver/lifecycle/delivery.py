"""Webhook delivery of warnings: signed, retried with backoff and jitter, dead-lettered.

Each request carries ``Passport-Signature: t=<unix seconds>,v1=<hex>``, where ``v1`` is
HMAC-SHA256 with the subscription's secret over ``"<t>." + body`` (the receiver checks both,
and refuses old timestamps). A 2xx answer is a delivery; anything else, or no answer within
the timeout, is retried after ``min(cap, base * 2**attempt)`` scaled by a random factor in
[0.5, 1) (equal jitter); after the last attempt the warning becomes a dead letter.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Awaitable, Callable

import aiohttp
import orjson

from resolver import background
from resolver.config.lifecycle import LifecycleSettings
from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.feed import DeadLetter, Entry, Subscription, WarningFeed
from resolver.lifecycle.readings import Clock
from resolver.lifecycle.webhooks import WebhookGuard

__all__ = ["SIGNATURE_HEADER", "Dispatcher", "Sleep", "sign", "verify"]

SIGNATURE_HEADER = "Passport-Signature"
Sleep = Callable[[float], Awaitable[None]]
_log = logging.getLogger("resolver.lifecycle.delivery")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Passport-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: float = 300.0) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


class Dispatcher:
    """Claims warnings from the feed and delivers each to the webhooks that want it."""

    def __init__(
        self,
        feed: WarningFeed,
        http: aiohttp.ClientSession,
        settings: LifecycleSettings,
        *,
        clock: Clock,
        consumer: str,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.feed = feed
        self.http = http
        self.settings = settings
        self.clock = clock
        self.consumer = consumer
        self.sleep = sleep
        self.jitter = jitter
        self.guard = WebhookGuard(settings.allowed_webhook_hosts)
        self._tasks: set[asyncio.Task[object]] = set()

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        s = self.settings
        ceiling = min(s.delivery_backoff_max_seconds, s.delivery_backoff_seconds * 2.0**attempt)
        return ceiling * (0.5 + self.jitter() / 2)

    async def reclaim(self) -> int:
        """Take over and dispatch warnings a dead process claimed; how many."""
        entries = await self.feed.reclaim(self.consumer, idle=self.settings.delivery_reclaim_seconds)
        if entries:
            self._dispatch(entries, await self.feed.subscriptions())
        return len(entries)

    async def run(self) -> None:
        """Claim and dispatch until cancelled; take over what dead processes left, at the start
        and then every ``delivery_reclaim_seconds``."""
        next_reclaim = 0.0
        while True:
            try:
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + self.settings.delivery_reclaim_seconds
                    await self.reclaim()
                # Woken by the publish (a blocking group read, or the SQLite feed's condition):
                # no poll period to wait out; ``wait`` only bounds the read.
                claim = await self.feed.claim(self.consumer, wait=1.0)
                if claim.entries:
                    self._dispatch(claim.entries, claim.subscriptions)
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("claiming warnings failed; retrying")
                await asyncio.sleep(1.0)  # a pause of the loop, not a delivery backoff

    def _dispatch(self, entries: list[Entry], subscriptions: list[Subscription]) -> None:
        subscriptions = [s for s in subscriptions if s.kind == "webhook"]
        for entry_id, warning in entries:
            wanted = [s for s in subscriptions if s.wants(warning)]
            self._spawn(self._entry(entry_id, warning, wanted))

    def _spawn(self, work: Awaitable[object]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _entry(self, entry_id: str, warning: Warning, wanted: list[Subscription]) -> None:
        await asyncio.gather(*(self.deliver(s, entry_id, warning) for s in wanted))
        await self.feed.done([entry_id])

    async def deliver(self, subscription: Subscription, entry_id: str, warning: Warning) -> bool:
        """Deliver with retries; a dead letter when every attempt failed. True when delivered."""
        body = orjson.dumps(
            {"id": entry_id, "subscription": subscription.id, "warning": orjson.loads(warning.to_json())}
        )
        errors: list[str] = []
        attempts = self.settings.delivery_attempts
        for attempt in range(attempts):
            error = await self._attempt(subscription, entry_id, body)
            if error is None:
                return True
            errors.append(error)
            if attempt + 1 < attempts:
                await self.sleep(self.backoff(attempt))
        letter = DeadLetter(
            entry_id, subscription.id, warning, attempts, errors[-1], self.clock(), tuple(errors)
        )
        await self.feed.add_dead_letter(letter)
        _log.warning("warning %s to %s: dead letter after %d attempts", warning.id, subscription.id, attempts)
        return False

    async def _attempt(self, subscription: Subscription, entry_id: str, body: bytes) -> str | None:
        # Again at each attempt: the configuration may have changed since the subscription was
        # made, and an address literal never reaches the session's guarded resolver.
        refused = self.guard.refusal(subscription.url)
        if refused is not None:
            return refused
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(subscription.secret, int(self.clock()), body),
            "Passport-Delivery": entry_id,
        }
        timeout = aiohttp.ClientTimeout(total=self.settings.delivery_timeout_seconds)
        try:
            async with self.http.post(
                subscription.url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as err:
            return f"{type(err).__name__}: {err}"[:300]

    def redeliver(self, letter: DeadLetter, subscription: Subscription) -> None:
        """Deliver a dead letter again, in the background (a new round of attempts)."""
        self._spawn(self.deliver(subscription, letter.id, letter.warning))

    async def drained(self) -> None:
        """Wait until every delivery started so far has finished (or dead-lettered)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            await background.stop(task)
