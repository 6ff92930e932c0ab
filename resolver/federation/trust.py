"""Owners' signing keys, against which peer answers are checked before they are cached or served.

Pinned in the peer configuration (or the peer-key file an operator fills with ``keys learn``),
or learned once from the owner's ``/.well-known/passport-node`` over an authenticated peer link
and pinned from then on: a later key change is refused until an operator accepts it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping

import orjson

from resolver.config.federation import PeerConfig
from resolver.errors import DocumentError, FederationError
from resolver.federation.client import PeerClient
from resolver.integrity.errors import UnpinnedOwner
from resolver.integrity.multikey import public_key_from_multibase
from resolver.integrity.offers import offered_keys
from resolver.integrity.peer import pinned_resolver
from resolver.integrity.proofs import KeyResolver, VerificationKey

__all__ = ["WELL_KNOWN", "OwnerKeys", "Pin", "unauthenticated"]

WELL_KNOWN = "/.well-known/passport-node"
# Keeps what an owner offered (owner id, {verification method URL: publicKeyMultibase}) where
# the node finds it at its next start (resolver/parts/pins.py's peer-key file).
Pin = Callable[[str, Mapping[str, str]], Awaitable[None]]


def unauthenticated(peer: PeerConfig) -> str | None:
    """Why the link to ``peer`` does not prove who answers on it (None: it does).

    HTTPS authenticates the peer (its certificate is checked against the CAs); a bearer token
    this node presents is the arrangement both operators made for the link.
    """
    if peer.token is not None or all(url.startswith("https://") for url in peer.base_urls):
        return None
    return f"the link to {peer.id} is plain HTTP without a token (no authenticated peer link)"


class OwnerKeys:
    """Each owner's pinned keys, and the learning of an owner's keys that are not pinned yet.

    ``nodes``: the peers and parent of the configuration (their ``keys`` are their owner's);
    ``pin``: where learned keys are kept (None: in this process only); ``wait``: the longest
    a lookup waits for an owner's description (s).
    """

    def __init__(
        self, nodes: Iterable[PeerConfig], client: PeerClient, *, pin: Pin | None = None, wait: float = 2.0
    ) -> None:
        self._client = client
        self._pin = pin
        self._wait = wait
        self._nodes = {peer.id: peer for peer in nodes}
        pinned: dict[str, dict[str, str]] = {}
        for peer in self._nodes.values():
            if peer.keys:
                pinned.setdefault(peer.owner_id, {}).update(peer.keys)
        self._keys = {owner: _resolver(keys) for owner, keys in pinned.items()}
        self._learning: dict[str, asyncio.Lock] = {}

    def pinned(self, owner: str) -> KeyResolver | None:
        """The owner's pinned keys, or None when none are."""
        return self._keys.get(owner)

    async def learn(self, owner: str, *, wait: float) -> KeyResolver:
        """The owner's keys, pinned here first if they were not (one fetch at a time per owner).

        UnpinnedOwner (502) says why they cannot be: the owner is not a peer of this node, its
        link is not authenticated, or it did not offer usable keys within ``wait`` seconds.
        """
        known = self._keys.get(owner)
        if known is not None:
            return known
        peer = self._nodes.get(owner)
        if peer is None:
            raise UnpinnedOwner(
                f"no key of {owner} is pinned, and {owner} is not a peer of this node: "
                "its key cannot be learned over an authenticated peer link",
                owner=owner,
            )
        why = unauthenticated(peer)
        if why is not None:
            raise UnpinnedOwner(f"no key of {owner} is pinned, and {why}", owner=owner)
        lock = self._learning.setdefault(owner, asyncio.Lock())
        async with lock:
            known = self._keys.get(owner)
            if known is None:
                offered = await self._offered(peer, min(wait, self._wait))
                if self._pin is not None:
                    await self._pin(owner, offered)
                known = self._keys[owner] = _resolver(offered)
        return known

    async def _offered(self, peer: PeerConfig, wait: float) -> dict[str, str]:
        """The keys ``peer`` lists in its node description (URL -> publicKeyMultibase)."""
        why = f"no key of {peer.id} is pinned, and learning it from its {WELL_KNOWN} failed"
        if wait <= 0:
            raise UnpinnedOwner(f"{why}: no time was left to ask", owner=peer.id)
        try:
            response = await self._client.send(
                peer, "GET", WELL_KNOWN, wait=wait, headers={"Accept": "application/json"}
            )
        except FederationError as err:
            raise UnpinnedOwner(f"{why}: {err.detail}", owner=peer.id) from err
        if response.status != 200:
            raise UnpinnedOwner(f"{why}: it answered HTTP {response.status}", owner=peer.id)
        try:
            offered = offered_keys(orjson.loads(response.body))
        except (orjson.JSONDecodeError, DocumentError) as err:
            detail = err.detail if isinstance(err, DocumentError) else f"not JSON ({err})"
            raise UnpinnedOwner(f"{why}: {detail}", owner=peer.id) from err
        return {key.url: key.multibase for key in offered}


def _resolver(keys: Mapping[str, str]) -> KeyResolver:
    return pinned_resolver({url: VerificationKey(public_key_from_multibase(v)) for url, v in keys.items()})
