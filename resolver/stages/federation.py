"""The ``federation`` stage: ask the peer with the longest claim (or the parent), or refer to it.

Recursion by default: the peer's answer is verified (identity inline, shapes in the worker
pool) and returned; a lookup that asked for a referral gets the peer's address instead.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

from resolver.config.federation import FederationConfig, PeerConfig
from resolver.errors import BadPeerAnswer, FederationError, LoopDetected, ResolverError
from resolver.federation.answers import PeerReferral, ProofCheck, VerifiedViews, interpret
from resolver.federation.client import PeerClient, PeerResponse
from resolver.federation.delegation import DelegationCache
from resolver.federation.routing import Route, RoutingTable
from resolver.federation.trust import OwnerKeys
from resolver.identifiers import claims
from resolver.integrity.errors import ForkedLog, UnpinnedOwner
from resolver.integrity.peer import verify_peer_answer
from resolver.integrity.proofs import KeyResolver
from resolver.lookup import OWNER_HEADER, Answer, Lookup, Next, Owner, Read, Referral
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
        delegation: DelegationCache | None = None,
        forked: Callable[[str], bool] | None = None,
        owner_keys: OwnerKeys | None = None,
    ) -> None:
        """``admit(client)`` raises TooManyRequests when ``client`` is over its limit of lookups
        that reach peers (``[federation.limits]``); None: no limit. ``delegation``: the owners
        learned from answers and referrals, asked first (None: configured routes only).
        ``forked(node id)`` says whether that node's log was seen forked (its answers are then
        refused, 502). ``owner_keys``: the owners' keys and where learned ones are pinned (None: those
        of ``config``, learned ones kept in this process only)."""
        self._config = config
        self._nodes = {peer.id: peer for peer in config.nodes}
        self.delegation = delegation
        self._forked = forked
        self._admit = admit
        self._routes = RoutingTable(config)
        self._client = client
        self._node_id = node_id
        self._validator = validator
        # The profile's tier map checks every peer answer's tier bound; load it once, up front.
        self._profile = Profile.load() if config.nodes else None
        self._case_sensitive = case_sensitive
        self._verified = VerifiedViews()
        # Owners' keys, pinned or learned: every answer is checked against its owner's.
        self._owner_keys = owner_keys if owner_keys is not None else OwnerKeys(config.nodes, client)
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
        paths = self._paths(route, lookup.handle)
        if lookup.referral:
            return self._refer(lookup, paths)
        usable = [(peer, prefix) for peer, prefix in paths if peer.id not in lookup.hops]
        if not usable:
            # The peer's edge would refuse it too; saying so here saves the round trip.
            peer = paths[0][0]
            path = [*lookup.hops, self._node_id, peer.id]
            raise LoopDetected(
                f"lookup of {lookup.handle} would go back to node {peer.id}: {' -> '.join(path)}", path=path
            )
        if self._admit is not None and lookup.client:
            self._admit(lookup.client)  # 429 before anything goes to a peer
        return await self._ask_in_turn(lookup, route, usable)

    async def _ask_in_turn(self, lookup: Lookup, route: Route, queue: list[tuple[PeerConfig, str]]) -> Answer:
        """Ask each path in turn until one answers; a referral to a known owner joins the queue
        next (once), an unusable or failing path passes to the next."""
        failed: FederationError | None = None
        asked: set[str] = set()
        while queue:
            peer, _ = queue.pop(0)
            if peer.id in asked:
                continue
            if failed is not None and lookup.deadline <= time.monotonic():
                break
            asked.add(peer.id)
            try:
                answer = await self._ask(peer, lookup)
            except PeerReferral as err:
                failed = err
                owner = self._learn(err.owner, route, lookup.handle)
                if owner is not None and owner.id not in asked and owner.id not in lookup.hops:
                    queue.insert(0, (owner, err.owner.prefix))
                continue
            except (BadPeerAnswer, LoopDetected):
                raise  # a lie or a loop is seen, not hidden behind another path
            except FederationError as err:
                failed = err  # unreachable, failing or slow: the next path, if any
                continue
            if answer.owner is not None:
                self._learn(answer.owner, route, lookup.handle)
            return answer
        assert failed is not None
        raise failed

    def _paths(self, route: Route, key: str) -> list[tuple[PeerConfig, str]]:
        """The route's paths, the learned owner of ``key`` first; healthy before open circuits."""
        paths = list(route.paths)
        owner = self.delegation.owner(key) if self.delegation is not None else None
        if owner is not None and owner.node_id in self._nodes:
            paths = [(self._nodes[owner.node_id], owner.prefix)] + [
                path for path in paths if path[0].id != owner.node_id
            ]
        # An open circuit fails fast, but a closed one may answer: open ones go last (stable).
        return sorted(paths, key=lambda path: self._client.breaker(path[0].id).state == "open")

    def _learn(self, owner: Owner, route: Route, key: str) -> PeerConfig | None:
        """Keep ``owner`` as the first path for its prefix when it is one of this node's peers
        and the prefix lies inside the route's claim and covers ``key`` (as a DNS resolver takes
        only delegations below the zone it asked: a peer cannot divert what it was not asked)."""
        inside = not route.prefix or owner.prefix == route.prefix or claims(route.prefix, owner.prefix + "/")
        if self.delegation is None or not inside or not claims(owner.prefix, key):
            return None
        return self._nodes[owner.node_id] if self.delegation.learn(owner) else None

    def _refer(self, lookup: Lookup, paths: list[tuple[PeerConfig, str]]) -> Answer:
        """A referral to the first path with healthy replicas; never to a failing node."""
        for peer, prefix in paths:
            urls = self._client.healthy_urls(peer)
            if urls:
                referral = Referral(node_id=peer.id, base_urls=urls, prefix=prefix)
                return Answer(
                    view=None,
                    source=f"peer:{peer.id}",
                    max_age=self._config.cache.default_ttl,
                    referral=referral,
                )
        peer = paths[0][0]
        breaker = self._client.breaker(peer.id)
        raise FederationError(
            f"no healthy node to refer {lookup.handle} to: "
            f"peer {peer.id} is failing (circuit {breaker.state})",
            peer=peer.id,
            retry_after=max(1, math.ceil(breaker.retry_after())),
        )

    async def _ask(self, peer: PeerConfig, lookup: Lookup) -> Answer:
        started = time.monotonic()

        async def judge(response: PeerResponse) -> Answer:
            # Judged inside the client, so that a refused answer counts against the peer.
            fetched = time.monotonic()
            self._peer_time.observe(fetched - started, peer.id)
            owner = self._owner_of(peer, response, lookup.handle)
            keys = await self._keys_of(owner, lookup) if response.status == 200 else None
            # An answer its owner signed passed the owner's shapes when it was written: the
            # proof checked below stands for them (the shapes run where no proof is checked).
            shapes = self._validator if keys is None or isinstance(keys, UnpinnedOwner) else None
            answer = await interpret(
                response,
                lookup,
                default_ttl=self._config.cache.default_ttl,
                max_ttl=self._config.cache.max_ttl,
                validator=shapes,
                profile=self._profile,
                case_sensitive=self._case_sensitive,
                verified=self._verified,
                proof=_proof_check(keys, owner),
            )
            answer = self._signed(peer, owner, keys, answer)
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

    def _owner_of(self, peer: PeerConfig, response: PeerResponse, key: str) -> str:
        """The node whose key must sign the answer: the peer's configured owner, else the owner
        the answer names (Passport-Owner, a relayed answer) when its prefix covers ``key``,
        else the peer itself."""
        if peer.owner:
            return peer.owner
        named = Owner.parse(response.headers.get(OWNER_HEADER.lower(), ""))
        if named is not None and named.node_id != self._node_id and claims(named.prefix, key):
            return named.node_id
        return peer.id

    async def _keys_of(self, owner: str, lookup: Lookup) -> KeyResolver | UnpinnedOwner:
        """The owner's pinned keys, learned and pinned now if need be; why not, if they cannot be."""
        if self._forked is not None and self._forked(owner):
            raise ForkedLog(f"the transparency log of {owner} was seen forked: its answers are refused")
        pinned = self._owner_keys.pinned(owner)
        if pinned is not None:
            return pinned
        try:
            return await self._owner_keys.learn(owner, wait=lookup.deadline - time.monotonic())
        except UnpinnedOwner as err:
            if self._config.unpinned == "refuse":
                raise UnpinnedOwner(
                    f"the answer cannot be checked on {self._node_id}: {err.detail}", **err.extensions
                ) from err
            return err

    def _signed(
        self, peer: PeerConfig, owner: str, keys: KeyResolver | UnpinnedOwner | None, answer: Answer
    ) -> Answer:
        """``answer`` checked against its owner's keys (BadSignature, 502, before the cache stage
        sees it), its source naming the owner, and the relay when there is one; or, when the
        owner's keys cannot be had and ``[federation] unpinned`` allows it, labelled unchecked."""
        if self._forked is not None and self._forked(peer.owner_id):
            raise ForkedLog(
                f"the transparency log of {peer.owner_id} was seen forked: its answers are refused"
            )
        if answer.view is None or keys is None:
            return answer
        if isinstance(keys, UnpinnedOwner):
            return self._unpinned(owner, answer)
        if owner == peer.id:
            return answer  # its proof was checked in interpret (_proof_check)
        return dataclasses.replace(answer, source=f"peer:{owner} via {peer.id}")

    def _unpinned(self, owner: str, answer: Answer) -> Answer:
        """An answer whose owner's keys are neither pinned nor learnable here, served labelled
        (``[federation] unpinned = "label"``, kept by no cache) or also cached (``"cache"``, a
        federation that does not sign); the default, "refuse", never gets here."""
        why = f"no key of its owner {owner} is pinned on {self._node_id}"
        cached = answer.max_age if self._config.unpinned == "cache" else 0
        return dataclasses.replace(answer, max_age=cached, unverified=why)


def _proof_check(keys: KeyResolver | UnpinnedOwner | None, owner: str) -> ProofCheck | None:
    """The check of an answer's proof against ``owner``'s keys (None: no keys to check with)."""
    if keys is None or isinstance(keys, UnpinnedOwner):
        return None
    resolver = keys

    def check(document: dict[str, object], nquads: bytes | None) -> None:
        verify_peer_answer(document, owner=resolver, owner_id=owner, document_nquads=nquads)

    return check
