"""Which node to ask about a key: the peer with the longest claim covering it, else the parent.

Pure: a table built once from the configuration, asked once per lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver.federation.config import FederationConfig, PeerConfig
from resolver.identifiers import longest_claim

__all__ = ["Route", "RoutingTable"]


@dataclass(frozen=True, slots=True)
class Route:
    """The node to ask and the prefix it answers for (``""`` when it is the parent)."""

    peer: PeerConfig
    prefix: str
    via_parent: bool = False


class RoutingTable:
    def __init__(self, config: FederationConfig) -> None:
        self._by_prefix: dict[str, PeerConfig] = {}
        # FederationConfig refuses one prefix claimed by two peers, so this mapping is exact.
        for peer in config.peers:
            for prefix in peer.prefixes:
                self._by_prefix[prefix] = peer
        self._parent = config.parent

    def route(self, key: str) -> Route | None:
        """Where a lookup for ``key`` goes, or None when no peer claims it and there is no parent."""
        prefix = longest_claim(self._by_prefix, key)
        if prefix is not None:
            return Route(self._by_prefix[prefix], prefix)
        if self._parent is not None:
            return Route(self._parent, "", via_parent=True)
        return None
