"""``import``'s readings: the dynamic data an adapter read (an OpenEPCIS operational file's state
of health, cycle count, ...) go to the lifecycle events of the passport just written, never into
the passport itself (resolver/adapters/operational.py).

Into a store: the event store beside it (``resolver.lifecycle.part.open_stores``), through the
lifecycle service, as ``POST /{id}/events`` stores a compact batch (the same checks, the same
warning rules). Into a node: ``POST /{id}/events`` with the compact batch, after the PUT.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import orjson

from resolver.config import NodeConfig
from resolver.errors import ResolverError
from resolver.jsontypes import JSONObject

if TYPE_CHECKING:
    import aiohttp

    from resolver.stores.base import Store

__all__ = ["ReadingsRefused", "Record", "into_node", "into_store"]

# (store key, compact readings) -> how many readings were stored
Record = Callable[[str, Sequence[JSONObject]], Awaitable[int]]


class ReadingsRefused(Exception):
    """The node (or the event store's checks) refused a passport's readings; the passport
    itself was written."""


@contextlib.asynccontextmanager
async def into_store(config: NodeConfig, store: Store) -> AsyncIterator[Record]:
    """A ``Record`` that stores readings in the event store beside ``store``."""
    from resolver.lifecycle.compact import parse_compact
    from resolver.lifecycle.part import open_stores
    from resolver.lifecycle.readings import ReadingCheck
    from resolver.lifecycle.service import LifecycleService
    from resolver.tiers import Tier

    events, feed = await open_stores(config.store)
    try:
        settings = config.lifecycle
        service = LifecycleService(
            passports=store, events=events, settings=settings, clock=time.time, publish=feed.publish
        )
        check = ReadingCheck(time.time, skew=settings.clock_skew_seconds)

        async def record(key: str, readings: Sequence[JSONObject]) -> int:
            try:
                facts = await service.facts(key, tier=Tier.PUBLIC)
                stored = parse_compact(list(readings), check=check, epc=facts.iri or key)
                return (await service.ingest(key, stored, facts)).readings
            except ResolverError as err:
                raise ReadingsRefused(err.detail) from None

        yield record
    finally:
        await feed.aclose()
        await events.aclose()


async def into_node(session: aiohttp.ClientSession, url: str, readings: Sequence[JSONObject]) -> int:
    """POST the readings to a node's ``{passport}/events``; how many it stored."""
    body = orjson.dumps(list(readings))
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        raw = await response.read()
        try:
            answer = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            answer = {}
        if response.status in (200, 201):
            return int(answer.get("readings", 0))
        detail = answer.get("detail") if isinstance(answer, dict) else None
        raise ReadingsRefused(f"{response.status}: {detail or response.reason or 'refused'}")
