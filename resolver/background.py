"""Stopping a background task so that it really stops.

A cancellation can be lost inside a client library: redis-py, or ``asyncio.timeout`` turning a
cancellation that arrives as its deadline passes into a ``TimeoutError`` that a retry loop then
catches. A loop whose one cancellation was lost runs on, and ``await task`` waits for it for
ever (seen on CI: a node's stop hung in its change-feed follower). ``stop`` cancels again until
the task has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

__all__ = ["stop"]

_log = logging.getLogger(__name__)

_RETRY = 0.1  # seconds between cancellations of a task that is still running


async def stop(task: asyncio.Task[object] | asyncio.Task[None]) -> None:
    """Cancel ``task`` until it has ended, and wait for it; its outcome is not raised."""
    lost = 0
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=_RETRY)
        lost += not task.done()
    if lost:
        _log.warning("task %s ignored %d cancellation(s) before it stopped", task.get_name(), lost)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
