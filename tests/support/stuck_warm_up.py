"""A validator warm-up that hangs in the first pool it runs in, for the pool's start test.

It runs in spawned worker processes, so it lives in an importable module and keeps its state
in a file named by ``STUCK_WARM_UP_MARK``: the first call creates the file and never returns;
later calls (in a replacement pool) return at once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def hang_first_time(_: int) -> int:
    mark = Path(os.environ["STUCK_WARM_UP_MARK"])
    try:
        mark.touch(exist_ok=False)
    except FileExistsError:
        return os.getpid()
    while True:  # stuck, as a worker that never finishes loading
        time.sleep(3600)


def hang_always(_: int) -> int:
    while True:  # a worker that never finishes loading, in every pool
        time.sleep(3600)
