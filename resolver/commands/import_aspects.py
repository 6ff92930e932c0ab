"""``import --format batterypass --id IDENTIFIER``: Battery Pass aspects for a passport the node
already stores, merged into it (resolver/adapters/batterypass.py reads them).

Only GeneralProductInformation names the battery (``productIdentifier``): a supplier's
carbon-footprint or circularity aspect alone names none, so ``--id`` says which passport it is
for, in any form the node reads (handle, handle URL, GS1 Digital Link, GB/T 34014 code, the
passport's IRI). The passport is read as stored (the authority view without its proof, as
``import --format pact`` reads it: resolver/commands/import_footprints.py), and each passport
term the payloads map replaces that term whole; every other term stays as stored. The files
given are merged in order into one new version, written as any JSON-LD import: the passport's
shapes judge the result. A payload refused (not Battery Pass, an impossible value, a
``productIdentifier`` naming another passport) refuses them all: nothing is written, the stored
passport is unchanged.
"""

from __future__ import annotations

import orjson

from resolver.adapters import batterypass
from resolver.commands.import_footprints import Fed, Fetch, Target, node_passports, store_passports
from resolver.config import NodeConfig
from resolver.errors import DocumentError, InvalidIdentifier, ResolverError
from resolver.identifiers import parse_identifier

__all__ = ["from_node", "from_store"]

_OWN = ("@context", "id", "type")  # the stored passport's, never the payload's


async def from_store(items: list[tuple[str, bytes]], identifier: str, config: NodeConfig) -> Fed:
    """The passport ``identifier`` names in the configured store, with the aspects in ``items``.
    A GB/T 34014 code names no prefix: it is looked for under each of the node's handle
    prefixes, in configuration order, as ``GET /gbt34014/{code}`` does."""
    from resolver.cn.gbt34014 import handle_for, looks_like_code

    candidates = [identifier]
    if looks_like_code(identifier):
        try:
            candidates = [handle_for(identifier, prefix) for prefix in config.prefixes if "/" not in prefix]
        except InvalidIdentifier as err:
            return _refused(Fed(), items, f"--id {identifier}: {err.detail}")
    async with store_passports(config) as (target, fetch):
        return await _merged(items, identifier, candidates, target, fetch)


async def from_node(items: list[tuple[str, bytes]], identifier: str, node: str, token: str) -> Fed:
    """As :func:`from_store`, the passport read from a running node (GET with the operator's
    token); a GB/T 34014 code is asked of the node's ``GET /gbt34014/{code}``."""
    from resolver.cn.gbt34014 import looks_like_code

    candidates = [identifier]
    if looks_like_code(identifier):
        found = await _coded(node, token, identifier)
        if isinstance(found, DocumentError):
            return _refused(Fed(), items, found.detail)
        candidates = [found]
    async with node_passports(node, token) as (target, fetch):
        return await _merged(items, identifier, candidates, target, fetch)


async def _coded(node: str, token: str, code: str) -> str | DocumentError:
    """The IRI of the passport the node serves for GB/T 34014 ``code``, or why there is none."""
    import aiohttp

    headers = {"Authorization": f"Bearer {token}", "Accept": "application/ld+json"}
    async with (
        aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60)) as session,
        session.get(f"{node}/gbt34014/{code}") as response,
    ):
        answer = orjson.loads(await response.read() or b"{}")
    if response.status == 200 and isinstance(answer, dict) and isinstance(answer.get("id"), str):
        return str(answer["id"])
    detail = answer.get("detail") if isinstance(answer, dict) else None
    return DocumentError(f"--id {code}: {detail or f'the node answered {response.status}'}")


async def _merged(
    items: list[tuple[str, bytes]], identifier: str, candidates: list[str], target: Target, fetch: Fetch
) -> Fed:
    """The stored passport ``identifier`` names (the first of ``candidates`` stored), with the
    aspects in ``items`` merged in; every item refused, saying why, when one cannot be."""
    fed = Fed()
    handles: list[str] = []
    passport = None
    for candidate in candidates:
        try:
            handle = target(candidate)
        except InvalidIdentifier as err:
            return _refused(fed, items, f"--id {identifier}: {err.detail}")
        if handle is None:
            return _refused(fed, items, f"--id {identifier}: not under this node's prefixes")
        handles.append(handle)
        passport = await fetch(handle)
        if passport is not None and isinstance(passport.get("id"), str):
            break
    if passport is None or not isinstance(passport.get("id"), str):
        named = " or ".join(handles) or "under no prefix of this node"
        return _refused(fed, items, f"--id {identifier}: there is no passport {named} to update")
    merged: dict[str, object] = dict(passport)
    for label, body in items:
        try:
            terms, unmapped = _aspects(body, str(passport["id"]))
        except ResolverError as err:
            fed.refused.append((label, err.detail))
            continue
        merged.update(terms)
        if unmapped:
            fed.unmapped[label] = list(unmapped)
    if fed.refused:
        given = [(label, body) for label, body in items if label not in dict(fed.refused)]
        return _refused(fed, given, "not written: another file for the same --id was refused")
    fed.passports.append((" + ".join(label for label, _ in items), orjson.dumps(merged)))
    return fed


def _aspects(body: bytes, iri: str) -> tuple[dict[str, object], tuple[str, ...]]:
    """The passport terms one payload maps (for the passport ``iri``), and its fields not mapped.
    A ``productIdentifier`` that names another passport (in any form) refuses it."""
    from resolver.adapters.formats import to_utf8

    try:
        payload = orjson.loads(to_utf8(body))
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"not JSON: {err}") from None
    general = payload.get(batterypass.GENERAL, payload) if isinstance(payload, dict) else None
    named = general.get("productIdentifier") if isinstance(general, dict) else None
    if isinstance(named, str) and named and named != iri and _key(named) != _key(iri):
        raise DocumentError(f"productIdentifier: {named!r} is not the passport --id names ({iri})")
    converted = batterypass.convert_with_notes(payload, iri=iri)
    terms = {key: value for key, value in converted.document.items() if key not in _OWN}
    return terms, converted.unmapped


def _key(identifier: str) -> str | None:
    try:
        return parse_identifier(identifier).key
    except InvalidIdentifier:
        return None


def _refused(fed: Fed, items: list[tuple[str, bytes]], reason: str) -> Fed:
    fed.refused.extend((label, reason) for label, _ in items)
    return fed
