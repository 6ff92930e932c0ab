"""A wall clock that tests move by hand, for parts that take ``clock`` (the federation cache)."""

from __future__ import annotations

import time


class ManualClock:
    """Starts at the real time (so Redis and HTTP dates still make sense) and moves only when told."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
