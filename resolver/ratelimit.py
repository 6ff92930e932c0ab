"""Per-client rate limits: a token bucket for each anonymous address and each credential.

A bucket holds up to ``burst`` tokens and refills at ``per_second``; a request takes one, and a
caller with none left gets 429 with Retry-After. The clock is passed in (tests move it).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from resolver.config import Limits
from resolver.errors import TooManyRequests

__all__ = ["Rate", "RateLimiter", "rate_limiter"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` sustained, ``burst`` at once; ``per_second`` 0 means no limit."""

    per_second: float
    burst: int

    @property
    def limited(self) -> bool:
        return self.per_second > 0


class RateLimiter:
    """Token buckets keyed by client; the ``max_clients`` least recently seen are kept."""

    def __init__(
        self, *, anonymous: Rate, credentialed: Rate, clock: Clock = time.monotonic, max_clients: int = 65536
    ) -> None:
        self._rates = {True: anonymous, False: credentialed}
        self._clock = clock
        self._max = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    @property
    def active(self) -> bool:
        return any(rate.limited for rate in self._rates.values())

    def take(self, client: str, *, anonymous: bool) -> None:
        """Take one token from ``client``'s bucket, or raise TooManyRequests (429)."""
        rate = self._rates[anonymous]
        if not rate.limited:
            return
        key = ("a:" if anonymous else "c:") + client
        now = self._clock()
        buckets = self._buckets
        tokens, at = buckets.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
        if tokens < 1.0:
            buckets[key] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / rate.per_second)
            who = "this address" if anonymous else f"credential {client!r}"
            raise TooManyRequests(
                f"{who} is over its limit of {rate.per_second:g} requests/s (burst {rate.burst}); "
                f"retry in {wait} s" + (", or send credentials for a higher limit" if anonymous else ""),
                retry_after=wait,
            )
        buckets[key] = (tokens - 1.0, now)
        if len(buckets) > self._max:
            buckets.popitem(last=False)  # the least recently seen client: a full bucket, likely


def rate_limiter(limits: Limits, *, clock: Clock = time.monotonic) -> RateLimiter:
    """The limiter a node's ``[limits]`` configure (a burst of 0 is twice the rate)."""

    def rate(per_second: int, burst: int) -> Rate:
        return Rate(float(per_second), burst or max(1, 2 * per_second))

    return RateLimiter(
        anonymous=rate(limits.anonymous_per_second, limits.anonymous_burst),
        credentialed=rate(limits.credentialed_per_second, limits.credentialed_burst),
        clock=clock,
    )
