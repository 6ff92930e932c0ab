"""Which nodes to ask about a key: the peers whose claims cover it, longest claim first (several
peers may claim one prefix: configuration order), else the parent.

A peer with a shorter claim is a relay that can ask the owner in turn: it is the second path
when the owner does not answer. Pure: a table built once from the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver.config.federation import FederationConfig, PeerConfig
from resolver.identifiers import claims

__all__ = ["Route", "RoutingTable"]


@dataclass(frozen=True, slots=True)
class Route:
    """The node to ask first and the prefix it answers for (``""`` when it is the parent);
    ``paths``: every (peer, prefix) that may be asked, in order, the first included."""

    peer: PeerConfig
    prefix: str
    via_parent: bool = False
    paths: tuple[tuple[PeerConfig, str], ...] = ()


class RoutingTable:
    def __init__(self, config: FederationConfig) -> None:
        self._claims: list[tuple[str, PeerConfig]] = [
            (prefix, peer) for peer in config.peers for prefix in peer.prefixes
        ]
        self._parent = config.parent

    def route(self, key: str) -> Route | None:
        """Where a lookup for ``key`` goes, or None when no peer claims it and there is no parent."""
        covering = [(peer, prefix) for prefix, peer in self._claims if claims(prefix, key)]
        if covering:
            covering.sort(key=lambda claim: -len(claim[1]))  # stable: configuration order
            paths = tuple(covering)
            return Route(paths[0][0], paths[0][1], paths=paths)
        if self._parent is not None:
            return Route(self._parent, "", via_parent=True, paths=((self._parent, ""),))
        return None
