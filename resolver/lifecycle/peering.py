"""The lifecycle's calls to other nodes: which peer holds a passport, and one request to it.

Built on the federation's peer client (its replicas, breakers and credentials): a call goes to
the peer whose claim covers the key (the routing table the federation stage uses), with this
node's token for that peer, the hop trail and the most the caller may see (``Passport-Tier``),
which the peer lowers its grant to.
"""

from __future__ import annotations

from urllib.parse import quote

from resolver.config.federation import FederationConfig, PeerConfig
from resolver.federation.client import PeerClient, PeerResponse
from resolver.federation.routing import RoutingTable
from resolver.lookup import HOPS_HEADER, TIER_HEADER
from resolver.tiers import Tier

__all__ = ["PeerLink", "passport_path"]

_SAFE = "/:@!$&'()*+,;="


def passport_path(key: str, suffix: str = "") -> str:
    """The path of a passport's resource on any node (``/{key}/{suffix}``), percent-encoded."""
    path = "/" + quote(key, safe=_SAFE)
    return f"{path}/{suffix}" if suffix else path


class PeerLink:
    """This node's way to the owners of passports it does not hold."""

    def __init__(
        self, peers: PeerClient, federation: FederationConfig, *, node_id: str, timeout: float
    ) -> None:
        self._peers = peers
        self._routes = RoutingTable(federation)
        self._by_id = {p.id: p for p in federation.nodes}
        self.node_id = node_id
        self.timeout = timeout

    def owner_of(self, key: str) -> PeerConfig | None:
        """The peer to ask about ``key`` (its claim covers it, or the parent), or None."""
        route = self._routes.route(key)
        return route.peer if route is not None else None

    def peer(self, peer_id: str) -> PeerConfig | None:
        """The configured peer named ``peer_id`` (a principal ``peer:<id>``), or None."""
        return self._by_id.get(peer_id)

    async def call(
        self,
        peer: PeerConfig,
        method: str,
        path: str,
        *,
        tier: Tier,
        hops: tuple[str, ...] = (),
        body: bytes | None = None,
    ) -> PeerResponse:
        """``method path`` at ``peer``, asking for at most ``tier``; FederationError if no
        replica answers."""
        headers = {
            HOPS_HEADER: ",".join((*hops, self.node_id)),
            TIER_HEADER: tier.label,
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return await self._peers.send(peer, method, path, wait=self.timeout, headers=headers, body=body)
