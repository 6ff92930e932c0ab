"""The peer client: one GET of a passport from a peer, within the lookup's deadline.

Replicas are tried healthiest first; a circuit breaker per peer stops asking a peer that keeps
failing; each attempt gets what is left of the deadline, and the peer is told that budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

import aiohttp

from resolver.config.federation import FederationConfig, PeerConfig
from resolver.errors import BadPeerAnswer, FederationError, PeerTimeout, ResolverError
from resolver.federation.health import CircuitBreaker, Clock, ReplicaSet
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER, TIER_HEADER, Lookup

__all__ = ["MAX_PEER_BODY", "MIN_BLAMED_TIMEOUT", "PeerClient", "PeerResponse", "forwarded_budget_ms"]

MAX_PEER_BODY = 2 * 1024 * 1024  # bytes read from a peer at most; a passport view is far smaller
# A timeout counts against a peer's health only when the attempt had at least this long (s).
MIN_BLAMED_TIMEOUT = 0.25

# Statuses that say "this replica is unwell": another replica may do better. Other statuses
# are the peer's answer (404, 410) or a verdict from further down (502, 504, 508) passed on.
_REPLICA_FAILURES = frozenset({500, 501, 503})

T = TypeVar("T")
Judge = Callable[["PeerResponse"], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class PeerResponse:
    """What a peer answered: status, headers (lower-cased names), body and which replica."""

    peer: PeerConfig
    replica: str
    status: int
    headers: Mapping[str, str]
    body: bytes


def forwarded_budget_ms(remaining: float) -> int:
    """The budget to give the peer: what is left, less a reserve for the answer's way back.

    The reserve (10 %, at least 5 ms) makes a peer further down give up first, so the error
    that comes back names the node that was slow rather than this one timing out blind.
    """
    reserve = max(0.005, remaining * 0.1)
    return max(0, int((remaining - reserve) * 1000))


class PeerClient:
    """Fetches passports from peers for one node; one per process, sharing the app's session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: FederationConfig,
        *,
        node_id: str,
        clock: Clock = time.monotonic,
        max_body: int = MAX_PEER_BODY,
    ) -> None:
        self._session = session
        self._node_id = node_id
        self._clock = clock
        self._max_body = max_body
        rules = config.breaker
        self._breakers = {
            p.id: CircuitBreaker(failures=rules.failures, cooldown=rules.cooldown, clock=clock)
            for p in config.nodes
        }
        self._replicas = {
            p.id: ReplicaSet(p.base_urls, forget_after=rules.cooldown, clock=clock) for p in config.nodes
        }
        self._peers = {p.id: p for p in config.nodes}
        cap = config.limits.peer_concurrency
        self._slots = {p.id: asyncio.Semaphore(cap) for p in config.nodes} if cap else {}

    def breaker(self, peer_id: str) -> CircuitBreaker:
        return self._breakers[peer_id]

    def healthy_urls(self, peer: PeerConfig) -> tuple[str, ...]:
        """The peer's base URLs without recent failures, healthiest first (for referrals);
        none while its circuit is open."""
        if self._breakers[peer.id].state == "open":
            return ()
        return tuple(self._replicas[peer.id].healthy())

    async def probe_unwell(self, *, wait: float = 1.0) -> list[str]:
        """Ask ``/healthz`` of every replica of each peer whose circuit is not closed; a replica
        that answers 200 closes the circuit at once (no waiting for the cool-down). Returns the
        ids of the peers that came back."""
        back = []
        for peer_id, breaker in self._breakers.items():
            if breaker.state == "closed":
                continue
            peer = self._peers[peer_id]
            for replica in self._replicas[peer_id].ordered():
                if await self._healthy(replica, peer, wait):
                    self._replicas[peer_id].success(replica)
                    breaker.success()
                    back.append(peer_id)
                    break
        return back

    async def _healthy(self, replica: str, peer: PeerConfig, wait: float) -> bool:
        headers = {"Authorization": f"Bearer {peer.token}"} if peer.token is not None else {}
        try:
            async with self._session.get(
                f"{replica}/healthz",
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=wait),
                allow_redirects=False,
            ) as resp:
                return resp.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def headers_for(self, peer: PeerConfig, lookup: Lookup) -> dict[str, str]:
        """The request headers that carry the lookup to ``peer``: trail, budget, tier, credential."""
        headers = {
            "Accept": "application/ld+json",
            HOPS_HEADER: ",".join((*lookup.hops, self._node_id)),
            BUDGET_HEADER: str(forwarded_budget_ms(lookup.deadline - self._clock())),
            TIER_HEADER: lookup.tier.label,
        }
        if peer.token is not None:
            headers["Authorization"] = f"Bearer {peer.token}"
        if lookup.if_none_match is not None:
            headers["If-None-Match"] = lookup.if_none_match
        return headers

    async def fetch(self, peer: PeerConfig, lookup: Lookup) -> PeerResponse:
        """GET ``{replica}/{handle}`` from ``peer``; raise PeerTimeout or FederationError if none answers."""
        return await self.ask(peer, lookup, _as_is)

    async def ask(self, peer: PeerConfig, lookup: Lookup, judge: Judge[T]) -> T:
        """Fetch from ``peer`` and ``judge`` its response before the breaker hears the verdict.

        The breaker counts only what the peer caused: a timeout within this node's own budget
        (not a budget a forwarding peer cut short), unreachable replicas, 5xx, and an answer the
        judge refuses (BadPeerAnswer). A response the judge accepts, or a definite "not found",
        closes it.
        """
        breaker = self._breakers[peer.id]
        if not breaker.allow():
            raise FederationError(
                f"peer {peer.id} is not being asked: its last {breaker.failures} lookups failed "
                f"(circuit open; next try in {breaker.retry_after():.1f} s)",
                peer=peer.id,
                circuit="open",
                retry_after=max(1, math.ceil(breaker.retry_after())),
            )
        try:
            response = await self._fetch_in_slot(peer, lookup, breaker)
        except ResolverError:
            raise  # _fetch gave the breaker its verdict
        except BaseException:
            breaker.release()  # cancelled: no verdict on the peer
            raise
        try:
            judged = await judge(response)
        except BadPeerAnswer:
            breaker.failure()
            raise
        except ResolverError:
            breaker.success()  # a definite answer (not found, gone) or a verdict passed on
            raise
        except BaseException:
            breaker.release()
            raise
        breaker.success()
        return judged

    async def _fetch_in_slot(self, peer: PeerConfig, lookup: Lookup, breaker: CircuitBreaker) -> PeerResponse:
        """``_fetch`` within the peer's cap on concurrent requests, waiting for a slot no longer
        than the deadline (a full peer is this node's own load: not blamed on the peer)."""
        slots = self._slots.get(peer.id)
        if slots is None:
            return await self._fetch(peer, lookup, breaker)
        try:
            async with asyncio.timeout(max(0.0, lookup.deadline - self._clock())):
                await slots.acquire()
        except TimeoutError:
            breaker.release()
            raise PeerTimeout(
                f"peer {peer.id} had its limit of concurrent requests from this node in flight "
                f"until the deadline of {lookup.handle}",
                peer=peer.id,
            ) from None
        try:
            return await self._fetch(peer, lookup, breaker)
        finally:
            slots.release()

    async def _fetch(self, peer: PeerConfig, lookup: Lookup, breaker: CircuitBreaker) -> PeerResponse:
        errors: list[dict[str, object]] = []
        timed_out = False
        blamed = False  # whether any failure was the peer's (not the caller's short budget)
        for replica in self._replicas[peer.id].ordered():
            remaining = lookup.deadline - self._clock()
            if remaining <= 0:
                timed_out = True
                break
            outcome = await self._attempt(peer, replica, lookup, remaining)
            if isinstance(outcome, PeerResponse):
                self._replicas[peer.id].success(replica)
                return outcome
            error = outcome
            errors.append(error)
            if error["error"] == "timeout":
                timed_out = True
                # A caller that allowed too little time says nothing about the peer's health.
                if lookup.budget_cut or remaining < MIN_BLAMED_TIMEOUT:
                    continue
            self._replicas[peer.id].failure(replica)
            blamed = True
        if blamed:
            breaker.failure()
        else:
            breaker.release()
        if timed_out:
            raise PeerTimeout(
                f"peer {peer.id} did not answer {lookup.handle} within the deadline"
                + ("" if errors else " (no time was left to ask it)"),
                peer=peer.id,
                errors=errors,
            )
        raise FederationError(
            f"peer {peer.id} could not be reached for {lookup.handle}: "
            + "; ".join(f"{e['replica']}: {e['detail']}" for e in errors),
            peer=peer.id,
            errors=errors,
        )

    async def _attempt(
        self, peer: PeerConfig, replica: str, lookup: Lookup, remaining: float
    ) -> PeerResponse | dict[str, object]:
        """The peer's response, or the replica's error as a dict (replica, error, detail)."""
        url = f"{replica}/{quote(lookup.handle, safe='/')}"
        started = self._clock()
        try:
            async with self._session.get(
                url,
                headers=self.headers_for(peer, lookup),
                timeout=aiohttp.ClientTimeout(total=remaining),
                allow_redirects=False,
            ) as resp:
                body = await self._read(resp)
                status = resp.status
                headers = {k.lower(): v for k, v in resp.headers.items()}
        except TimeoutError:
            spent = int((self._clock() - started) * 1000)
            return {"replica": replica, "error": "timeout", "detail": f"no answer after {spent} ms"}
        except (aiohttp.ClientError, _TooLarge) as err:
            return {"replica": replica, "error": type(err).__name__, "detail": str(err) or type(err).__name__}
        if status in _REPLICA_FAILURES:
            return {"replica": replica, "error": f"http-{status}", "detail": f"answered HTTP {status}"}
        return PeerResponse(peer=peer, replica=replica, status=status, headers=headers, body=body)

    async def send(
        self,
        peer: PeerConfig,
        method: str,
        path: str,
        *,
        wait: float,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> PeerResponse:
        """One request other than a passport lookup (``path`` from the root, query included)
        to ``peer`` within ``wait`` seconds, with this node's credential for it: replicas
        healthiest first, the breaker told as for a lookup (5xx and unreachable replicas count
        against the peer).
        Raises FederationError when no replica answers, or the circuit is open."""
        breaker = self._breakers[peer.id]
        if not breaker.allow():
            raise FederationError(f"peer {peer.id} is not being asked: its circuit is open", peer=peer.id)
        sent = dict(headers or {})
        if peer.token is not None:
            sent["Authorization"] = f"Bearer {peer.token}"
        errors: list[str] = []
        for replica in self._replicas[peer.id].ordered():
            try:
                async with self._session.request(
                    method,
                    replica + path,
                    headers=sent,
                    data=body,
                    timeout=aiohttp.ClientTimeout(total=wait),
                    allow_redirects=False,
                ) as resp:
                    answer = await self._read(resp)
                    status, got = resp.status, {k.lower(): v for k, v in resp.headers.items()}
            except (aiohttp.ClientError, TimeoutError, _TooLarge) as err:
                errors.append(f"{replica}: {str(err) or type(err).__name__}")
                self._replicas[peer.id].failure(replica)
                continue
            if status in _REPLICA_FAILURES:
                errors.append(f"{replica}: answered HTTP {status}")
                self._replicas[peer.id].failure(replica)
                continue
            self._replicas[peer.id].success(replica)
            breaker.success()
            return PeerResponse(peer=peer, replica=replica, status=status, headers=got, body=answer)
        breaker.failure()
        raise FederationError(f"peer {peer.id} could not be reached: " + "; ".join(errors), peer=peer.id)

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        length = resp.content_length
        if length is not None and length > self._max_body:
            raise _TooLarge(f"body of {length} bytes exceeds {self._max_body}")
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.read(65536):
            size += len(chunk)
            if size > self._max_body:
                raise _TooLarge(f"body exceeds {self._max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


class _TooLarge(Exception):
    pass


async def _as_is(response: PeerResponse) -> PeerResponse:
    return response
