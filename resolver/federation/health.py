"""Peer health: a circuit breaker per peer and the order in which its replicas are tried.

Pure state machines with an injectable clock, so the rules are tested without sockets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["CircuitBreaker", "Clock", "ReplicaSet"]

Clock = Callable[[], float]


class CircuitBreaker:
    """Closed, open after ``failures`` consecutive failures, half-open after ``cooldown`` seconds.

    Half-open lets exactly one probe through; its success closes the circuit, its failure
    opens it again for another cool-down.
    """

    def __init__(self, *, failures: int, cooldown: float, clock: Clock = time.monotonic) -> None:
        self._threshold = failures
        self._cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def failures(self) -> int:
        """Consecutive failures so far."""
        return self._failures

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self._cooldown:
            return "half-open"
        return "open"

    def retry_after(self) -> float:
        """Seconds until a probe is allowed (0 when closed or half-open)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._cooldown - (self._clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether a request may go to the peer now; in half-open, only the one probe may."""
        if self._opened_at is None:
            return True
        if self._probing or self._clock() - self._opened_at < self._cooldown:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def failure(self) -> None:
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._probing = False

    def release(self) -> None:
        """The probe ended without a verdict on the peer (cancelled): let another probe go."""
        self._probing = False


@dataclass(slots=True)
class _Replica:
    url: str
    index: int
    failures: int = 0
    last_failure: float = 0.0


class ReplicaSet:
    """A peer's base URLs, tried healthiest first; configuration order breaks ties.

    A replica's failures are forgotten ``forget_after`` seconds after its last failure, so a
    replica that came back is tried again in its configured place.
    """

    def __init__(self, urls: Sequence[str], *, forget_after: float, clock: Clock = time.monotonic) -> None:
        self._replicas = [_Replica(url, i) for i, url in enumerate(urls)]
        self._by_url = {r.url: r for r in self._replicas}
        self._forget_after = forget_after
        self._clock = clock

    def ordered(self) -> list[str]:
        now = self._clock()
        for r in self._replicas:
            if r.failures and now - r.last_failure >= self._forget_after:
                r.failures = 0
        return [r.url for r in sorted(self._replicas, key=lambda r: (r.failures, r.index))]

    def healthy(self) -> list[str]:
        """The replicas without recent failures, in configured order."""
        return [url for url in self.ordered() if not self._by_url[url].failures]

    def success(self, url: str) -> None:
        self._by_url[url].failures = 0

    def failure(self, url: str) -> None:
        replica = self._by_url[url]
        replica.failures += 1
        replica.last_failure = self._clock()
