"""``import --format pact``: a supplier's PACT ProductFootprint feeds the carbon footprint of the
passport it names (resolver/adapters/pact.py), which is then written as any JSON-LD import.

A footprint names its product in ``productIds``; the ones that are identifiers of passports
(handle URLs, GS1 Digital Links; under the node's prefixes when importing into a store) are
the passports it feeds. Each is read as stored (the authority view, without its proof: the
node signs the new version), given the footprint (``pact.apply``), and handed on as a JSON-LD
item, validated and written like every other: the passport's shapes judge the result.

``store_passports`` and ``node_passports`` (an identifier to its handle, a handle to the stored
passport) are shared with ``import --format batterypass --id`` (resolver/commands/import_aspects.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeAlias

import orjson

from resolver.adapters import pact
from resolver.config import NodeConfig
from resolver.errors import DocumentError, InvalidIdentifier, ResolverError
from resolver.identifiers import claims, parse_identifier
from resolver.jsontypes import JSONObject

__all__ = ["Fed", "Fetch", "Target", "from_node", "from_store", "node_passports", "store_passports"]


class Fed:
    """What the footprints gave: the passports to write (source, JSON-LD), the sources refused
    with the reason, and the fields each footprint left unmapped."""

    def __init__(self) -> None:
        self.passports: list[tuple[str, bytes]] = []
        self.refused: list[tuple[str, str]] = []
        self.unmapped: dict[str, list[str]] = {}


# handle (store key, or the path as written for a node) -> the stored passport, or None
Fetch: TypeAlias = "Callable[[str], Awaitable[JSONObject | None]]"
# an identifier in any form the node reads -> its handle (None: not this node's); InvalidIdentifier
Target: TypeAlias = "Callable[[str], str | None]"


async def from_store(items: list[tuple[str, bytes]], config: NodeConfig, *, kwh_per_kg: float | None) -> Fed:
    """The passports the footprints in ``items`` feed, read from the configured store."""
    async with store_passports(config) as (target, fetch):
        return await _fed(items, kwh_per_kg, target, fetch)


async def from_node(
    items: list[tuple[str, bytes]], node: str, token: str, *, kwh_per_kg: float | None
) -> Fed:
    """The passports the footprints in ``items`` feed, read from a running node (GET with the
    operator's token: the authority view)."""
    async with node_passports(node, token) as (target, fetch):
        return await _fed(items, kwh_per_kg, target, fetch)


@contextlib.asynccontextmanager
async def store_passports(config: NodeConfig) -> AsyncIterator[tuple[Target, Fetch]]:
    """How a supplier's data finds the passport it is for in the configured store: an
    identifier to its key (None: not under the node's prefixes), a key to the stored passport
    (the authority view without its proof: the node signs the new version)."""
    from resolver.integrity.served import split_signed
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(config.store)
    try:

        async def fetch(key: str) -> JSONObject | None:
            view = await store.get_view(key, Tier.AUTHORITY)
            if view is None or view.deleted:
                return None
            document: JSONObject = orjson.loads(split_signed(view.body)[0])
            return document

        def target(identifier: str) -> str | None:
            key = parse_identifier(identifier, case_sensitive=config.case_sensitive).key
            return key if any(claims(prefix, key) for prefix in config.prefixes) else None

        yield target, fetch
    finally:
        await store.aclose()


@contextlib.asynccontextmanager
async def node_passports(node: str, token: str) -> AsyncIterator[tuple[Target, Fetch]]:
    """As :func:`store_passports`, from a running node (GET with the operator's token: the
    authority view; the identifier is kept as written, as the node compares it with the path)."""
    import aiohttp

    from resolver.http.passports import location_path

    headers = {"Authorization": f"Bearer {token}", "Accept": "application/ld+json"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def fetch(handle: str) -> JSONObject | None:
            async with session.get(node + location_path(handle)) as response:
                if response.status != 200:
                    return None
                document: JSONObject = orjson.loads(await response.read())
                document.pop("proof", None)  # the node signs the new version
                return document

        def target(identifier: str) -> str | None:
            return parse_identifier(identifier).written

        yield target, fetch


async def _fed(
    items: list[tuple[str, bytes]],
    kwh_per_kg: float | None,
    target: Target,
    fetch: Fetch,
) -> Fed:
    from resolver.adapters.formats import to_utf8

    fed = Fed()
    for label, body in items:
        try:
            found = pact.footprints(orjson.loads(to_utf8(body)))
        except (ResolverError, orjson.JSONDecodeError) as err:
            fed.refused.append((label, err.detail if isinstance(err, ResolverError) else f"not JSON: {err}"))
            continue
        for path, payload in found:
            source = f"{label}:{path}" if path else label
            try:
                await _one(fed, source, payload, kwh_per_kg, target, fetch)
            except ResolverError as err:
                fed.refused.append((source, err.detail))
    return fed


async def _one(
    fed: Fed,
    source: str,
    payload: dict[str, object],
    kwh_per_kg: float | None,
    target: Target,
    fetch: Fetch,
) -> None:
    supplied = pact.read(payload, kwh_per_kg=kwh_per_kg)
    if supplied.unmapped:
        fed.unmapped[source] = list(supplied.unmapped)
    handles = []
    for identifier in supplied.product_ids:
        try:
            handle = target(identifier)
        except InvalidIdentifier:
            continue
        if handle is not None and handle not in handles:
            handles.append(handle)
    if not handles:
        named = ", ".join(supplied.product_ids) or "none"
        raise DocumentError(f"productIds: none names a passport of this node ({named})")
    for handle in handles:
        passport = await fetch(handle)
        if passport is None:
            raise DocumentError(f"productIds: there is no passport {handle} to feed")
        fed.passports.append((source, orjson.dumps(pact.apply(passport, supplied))))
