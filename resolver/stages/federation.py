"""The ``federation`` stage: ask the peer with the longest claim (or the parent), or refer to it.

Recursion by default: the peer's answer is verified (identity inline, shapes in the worker
pool) and returned; a lookup that asked for a referral gets the peer's address instead.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from resolver.errors import FederationError, LoopDetected, ResolverError
from resolver.federation.answers import VerifiedViews, interpret
from resolver.federation.client import PeerClient, PeerResponse
from resolver.federation.config import FederationConfig
from resolver.federation.routing import RoutingTable
from resolver.lookup import Answer, Lookup, Next, Read, Referral
from resolver.metrics import Metrics
from resolver.profile import Profile
from resolver.validation import Validator

__all__ = ["FederationStage"]


class FederationStage:
    """Resolve keys no local prefix covers by asking the node that claims them."""

    name = "federation"

    def __init__(
        self,
        config: FederationConfig,
        client: PeerClient,
        *,
        node_id: str,
        validator: Validator | None,
        metrics: Metrics,
        case_sensitive: bool = False,
        admit: Callable[[str], None] | None = None,
    ) -> None:
        """``admit(client)`` raises TooManyRequests when ``client`` is over its limit of lookups
        that reach peers (``[federation.limits]``); None: no limit."""
        self._config = config
        self._admit = admit
        self._routes = RoutingTable(config)
        self._client = client
        self._node_id = node_id
        self._validator = validator
        # The profile's tier map checks every peer answer's tier bound; load it once, up front.
        self._profile = Profile.load() if config.nodes else None
        self._case_sensitive = case_sensitive
        self._verified = VerifiedViews()
        self._asked = metrics.counter(
            "passport_federation_lookups_total",
            "Lookups sent to peers, by peer and outcome.",
            ("peer", "outcome"),
        )
        self._peer_time = metrics.histogram(
            "passport_federation_peer_seconds", "Round trip to a peer, by peer.", ("peer",)
        )
        self._verify_time = metrics.histogram(
            "passport_federation_verify_seconds",
            "Verifying a peer's answer (identity and shapes).",
            ("peer",),
        )

    async def aclose(self) -> None:
        """Nothing of its own to close: the peer client's session belongs to the node."""

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        route = self._routes.route(lookup.handle)
        if route is None or lookup.read is not Read.CURRENT:
            # The past of a passport is read at its authoritative node, not through this one.
            return await next_stage(lookup)
        peer = route.peer
        if lookup.referral:
            urls = self._client.healthy_urls(peer)
            if not urls:
                raise FederationError(
                    f"no healthy node to refer {lookup.handle} to: peer {peer.id} is failing "
                    f"(circuit {self._client.breaker(peer.id).state})",
                    peer=peer.id,
                    retry_after=max(1, math.ceil(self._client.breaker(peer.id).retry_after())),
                )
            referral = Referral(node_id=peer.id, base_urls=urls, prefix=route.prefix)
            return Answer(
                view=None, source=f"peer:{peer.id}", max_age=self._config.cache.default_ttl, referral=referral
            )
        if peer.id in lookup.hops:
            # The peer's edge would refuse it too; saying so here saves the round trip.
            path = [*lookup.hops, self._node_id, peer.id]
            raise LoopDetected(
                f"lookup of {lookup.handle} would go back to node {peer.id}: {' -> '.join(path)}", path=path
            )
        if self._admit is not None and lookup.client:
            self._admit(lookup.client)  # 429 before anything goes to the peer
        started = time.monotonic()

        async def judge(response: PeerResponse) -> Answer:
            # Judged inside the client, so that a refused answer counts against the peer.
            fetched = time.monotonic()
            self._peer_time.observe(fetched - started, peer.id)
            answer = await interpret(
                response,
                lookup,
                default_ttl=self._config.cache.default_ttl,
                max_ttl=self._config.cache.max_ttl,
                validator=self._validator,
                profile=self._profile,
                case_sensitive=self._case_sensitive,
                verified=self._verified,
            )
            if response.status == 200:
                self._verify_time.observe(time.monotonic() - fetched, peer.id)
            return answer

        try:
            answer = await self._client.ask(peer, lookup, judge)
        except ResolverError as err:
            self._asked.inc(peer.id, err.slug)
            raise
        self._asked.inc(peer.id, "ok")
        return answer
