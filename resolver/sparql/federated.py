"""``federated=true``: one SELECT run here and on every peer's ``/sparql``, answers merged.

Each binding set gets a ``node`` binding (the node's id; it replaces a ``?node`` of the query's
own); the answer's ``failed`` member lists
the peers that did not answer in time or answered badly, with why. A peer is asked with this
node's token for it and ``tier=`` the caller's tier, so the peer answers at most what the
caller may see here, whatever it grants this node.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import aiohttp
import orjson

from resolver import jsontypes
from resolver.config.federation import FederationConfig
from resolver.jsontypes import JSONObject
from resolver.tiers import Tier

__all__ = ["Federation", "SparqlPeer", "federated_select", "peers_from_federation"]

JSON = "application/sparql-results+json"
_MAX_PEER_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SparqlPeer:
    """A node to ask: its id, its ``/sparql`` URL and the token this node presents there."""

    id: str
    url: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Federation:
    """What ``federated=true`` needs: this node's id, the peers, and the HTTP session to ask them."""

    node_id: str
    peers: tuple[SparqlPeer, ...]
    session: aiohttp.ClientSession | None


def peers_from_federation(config: FederationConfig) -> tuple[SparqlPeer, ...]:
    """The peers (and parent) of a ``FederationConfig``, each at its first base URL's /sparql."""
    return tuple(
        SparqlPeer(p.id, p.base_urls[0].rstrip("/") + "/sparql", p.token) for p in config.nodes if p.base_urls
    )


async def federated_select(
    local: Callable[[], Awaitable[bytes]],
    node_id: str,
    query: str,
    tier: Tier,
    *,
    peers: Sequence[SparqlPeer],
    session: aiohttp.ClientSession | None,
    within: float,
) -> bytes:
    """The merged SPARQL JSON answer: this node's (``local``) and each peer's, in that order;
    the peers have ``within`` seconds, all together."""
    deadline = time.monotonic() + within
    asks = [_ask(peer, query, tier, session, deadline) for peer in peers] if session is not None else []
    mine, *theirs = await asyncio.gather(_local(local), *asks)
    variables: list[str] = ["node"]
    bindings: list[JSONObject] = []
    failed: list[dict[str, str]] = []
    asked = (node_id, *(p.id for p in peers)) if session is not None else (node_id,)
    for node, outcome in zip(asked, (mine, *theirs), strict=True):
        if isinstance(outcome, str):
            failed.append({"node": node, "error": outcome})
            continue
        for name in outcome.variables:
            if name not in variables:
                variables.append(name)
        tag: JSONObject = {"node": {"type": "literal", "value": node}}
        bindings.extend({**row, **tag} for row in outcome.rows)
    return orjson.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}, "failed": failed})


async def _local(local: Callable[[], Awaitable[bytes]]) -> _Solutions | str:
    from resolver.errors import ResolverError

    try:
        body = await local()
    except ResolverError as err:
        return err.detail
    return _read(body)


async def _ask(
    peer: SparqlPeer, query: str, tier: Tier, session: aiohttp.ClientSession, deadline: float
) -> _Solutions | str:
    left = deadline - time.monotonic()
    if left <= 0:
        return "no time left before the deadline"
    headers = {"Accept": JSON}
    if peer.token:
        headers["Authorization"] = f"Bearer {peer.token}"
    try:
        async with session.post(
            peer.url,
            data={"query": query, "tier": tier.label},
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=left),
        ) as response:
            body = await response.content.read(_MAX_PEER_BYTES + 1)
            if response.status != 200:
                return f"HTTP {response.status}: {body[:300].decode('utf-8', 'replace')}"
            if len(body) > _MAX_PEER_BYTES:
                return f"the answer is over {_MAX_PEER_BYTES} bytes"
    except TimeoutError:
        return f"no answer within the deadline ({left:.2f} s left when asked)"
    except aiohttp.ClientError as err:
        return f"unreachable: {err}"
    return _read(body)


@dataclass(frozen=True, slots=True)
class _Solutions:
    """A SPARQL JSON answer's variables and binding sets, checked for shape."""

    variables: list[str]
    rows: list[JSONObject]


def _read(body: bytes) -> _Solutions | str:
    try:
        parsed: jsontypes.JSON = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "not a SPARQL JSON answer"
    head = parsed.get("head") if isinstance(parsed, dict) else None
    found = parsed.get("results") if isinstance(parsed, dict) else None
    names = head.get("vars", []) if isinstance(head, dict) else None
    rows = found.get("bindings") if isinstance(found, dict) else None
    if not isinstance(rows, list) or not isinstance(names, list):
        return "not a SPARQL JSON answer"
    checked = [row for row in rows if isinstance(row, dict)]
    variables = [name for name in names if isinstance(name, str)]
    if len(checked) != len(rows) or len(variables) != len(names):
        return "not a SPARQL JSON answer"
    return _Solutions(variables, checked)
