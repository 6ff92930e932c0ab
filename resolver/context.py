"""What every part of a running node shares: config, store, validator, HTTP client, Redis, metrics.

One ``NodeContext`` per process, opened and closed by the app's cleanup context (``open_context``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from resolver.config import NodeConfig
from resolver.metrics import Metrics
from resolver.stores import Store, open_store
from resolver.validation import Validator

__all__ = ["NodeContext", "open_context"]


@dataclass(eq=False)
class NodeContext:
    """The shared, per-process state of a node.

    ``http`` is the one client session for peers; ``redis`` the shared cache client (a
    ``redis.asyncio.Redis``) or None; ``extras`` holds what stages keep for the process
    (caches, peer health) under names they choose.
    """

    config: NodeConfig
    store: Store
    validator: Validator
    http: aiohttp.ClientSession
    redis: Any | None
    metrics: Metrics
    extras: dict[str, Any] = field(default_factory=dict)
    # The /validate endpoint's own one-worker pool with a time budget, so that anonymous
    # validation never queues writes behind it; started on first use. None: /validate uses
    # ``validator``.
    checker: Validator | None = None
    # The validator workers' start (they load the shapes in the background); None: not started.
    validator_starting: asyncio.Task[None] | None = None


_log = logging.getLogger("resolver.context")


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("the validator workers did not start: %r", task.exception())


async def _settle(task: asyncio.Task[None]) -> None:
    if not task.done():
        task.cancel()
    # wait() does not raise the task's outcome, only this coroutine's own cancellation.
    await asyncio.wait([task])


@contextlib.asynccontextmanager
async def open_context(
    config: NodeConfig, *, start_validator: bool = True, metrics: Metrics | None = None
) -> AsyncIterator[NodeContext]:
    """Open the store, validator pool, HTTP session and Redis client; close them all on exit.

    ``start_validator=False`` leaves the worker pool unstarted (a read-only command).
    """
    async with contextlib.AsyncExitStack() as stack:
        store = await open_store(config.store)
        stack.push_async_callback(store.aclose)
        validator = Validator(workers=config.workers)
        stack.push_async_callback(validator.aclose)
        if start_validator:
            # Reads need no validator: the node answers while the workers load the shapes.
            # After the task's first step the pool exists, and writes queue on it.
            starting = asyncio.get_running_loop().create_task(validator.start(), name="validator-start")
            starting.add_done_callback(_report_failure)
            await asyncio.sleep(0)
            stack.push_async_callback(_settle, starting)
            # Started by the first /validate (most nodes' tests never call it: no extra process).
            checker = Validator(workers=1, timeout=float(config.limits.validate_seconds))
            stack.push_async_callback(checker.aclose)
        else:
            starting = None
            checker = None
        # Peer requests carry their own per-lookup deadline; this is only the outer bound.
        timeout = aiohttp.ClientTimeout(total=max(config.deadline, 1.0) * 2)
        http = aiohttp.ClientSession(timeout=timeout, raise_for_status=False)
        stack.push_async_callback(http.close)
        redis_client: Any | None = None
        if config.redis:
            import redis.asyncio as aioredis

            redis_client = aioredis.from_url(config.redis)
            stack.push_async_callback(redis_client.aclose)
        ctx = NodeContext(
            config=config,
            store=store,
            validator=validator,
            http=http,
            redis=redis_client,
            metrics=metrics or Metrics(),
            validator_starting=starting,
            checker=checker,
        )
        try:
            yield ctx
        finally:
            # Let in-flight connection closes settle before the loop goes away.
            await asyncio.sleep(0)
