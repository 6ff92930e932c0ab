"""What every route shares: identify, authenticate, bound the tier, resolve through the chain, write.

The native passport API and the Handle REST API are two faces of this one edge, so a caller's
tier, the chain and the write path are the same whichever API it uses.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, replace
from time import monotonic as _monotonic
from typing import TYPE_CHECKING

from aiohttp import hdrs, web
from multidict import istr

from resolver.credentials import Principal
from resolver.errors import (
    Forbidden,
    Gone,
    InputError,
    InvalidPassport,
    NotFound,
    PreconditionFailed,
    UnsupportedMediaType,
)
from resolver.federation.tls import certificate_fingerprint
from resolver.http.auth import Authenticator
from resolver.http.body import read_body
from resolver.http.forwarding import lookup_from_headers
from resolver.identifiers import Identifier, parse_identifier, parse_plain_handle
from resolver.integrity.signer import key_url
from resolver.lifecycle.links import LineageLinks
from resolver.lifecycle.succession import Succession
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER, TIER_HEADER, Answer, Lookup, Next, Read, Stage
from resolver.memo import Memo, memoize, text_size
from resolver.node import Node
from resolver.parts.integrity import Integrity
from resolver.ratelimit import rate_limiter
from resolver.stores.base import Record
from resolver.tiers import Role, Tier
from resolver.write import Admit, WriteOutcome, invalid_passport, write_passport

if TYPE_CHECKING:
    from resolver.adapters.jws_check import KnownKeys
from resolver.validation.report import PreparedPassport

# WriteOutcome and invalid_passport live in resolver/write.py (the one write path).
__all__ = ["Edge", "PastRead", "Preconditions", "WriteOutcome", "http_date", "invalid_passport"]

_IDENT_MEMO_BYTES = 16 * 1024 * 1024  # parsed identifiers kept (~0.5 kB each); a parse costs ~13 us
_PRINCIPAL = web.RequestKey("principal", Principal)  # the caller, set by Edge.principal
# As istr, as aiohttp's own names: a lookup in the request's headers then folds no case.
_HOPS, _BUDGET = istr(HOPS_HEADER), istr(BUDGET_HEADER)


@dataclass(frozen=True, slots=True)
class PastRead:
    """A read of a passport's past: one version, the version current at ``at``, or the history.

    ``credentialed``: the caller presented credentials (the public sees no past of a deleted
    passport).
    """

    read: Read
    credentialed: bool
    version: int | None = None
    at: float | None = None


@dataclass(frozen=True, slots=True)
class Preconditions:
    """``If-Match`` / ``If-None-Match`` of a write, checked against the current record."""

    match_any: bool = False  # If-Match: *
    match_versions: frozenset[int] | None = None  # If-Match: <etags>; None = no If-Match
    none_match_any: bool = False  # If-None-Match: * (create only)

    @classmethod
    def from_headers(cls, request: web.Request) -> Preconditions:
        if_match = request.headers.get("If-Match")
        if_none_match = request.headers.get("If-None-Match")
        match_any = False
        versions: frozenset[int] | None = None
        if if_match is not None:
            tags = [t.strip() for t in if_match.split(",") if t.strip()]
            if "*" in tags:
                match_any = True
            else:
                versions = frozenset(v for v in (version_of_etag(t) for t in tags) if v is not None)
        none_match_any = False
        if if_none_match is not None:
            if if_none_match.strip() != "*":
                raise InputError("a write takes only 'If-None-Match: *' (create only)")
            none_match_any = True
        return cls(match_any, versions, none_match_any)

    @property
    def any(self) -> bool:
        return self.match_any or self.none_match_any or self.match_versions is not None

    def expected_version(self, current: Record | None, key: str) -> int | None:
        """The version the store must find (None: any), or PreconditionFailed now."""
        if not self.any:
            return None
        live = current is not None and not current.deleted
        if self.none_match_any and live:
            raise PreconditionFailed(f"{key} already exists (If-None-Match: *)", handle=key)
        if self.match_any and not live:
            raise PreconditionFailed(f"{key} does not exist (If-Match: *)", handle=key)
        if self.match_versions is not None and (
            current is None or current.deleted or current.version not in self.match_versions
        ):
            now = f"the current version is {current.version}" if current and live else "it does not exist"
            raise PreconditionFailed(f"If-Match does not hold for {key}: {now}", handle=key)
        return current.version if current is not None else 0


def version_of_etag(tag: str) -> int | None:
    """The version an entity tag of this node names (``"v3.public.jsonld"`` -> 3)."""
    tag = tag.removeprefix("W/").strip('"')
    head = tag.split(".", 1)[0]
    if head.startswith("v") and head[1:].isdigit():
        return int(head[1:])
    return None


def _http_date(seconds: float) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


# An HTTP date, memoised: every answer carries Last-Modified, and versions repeat.
http_date = memoize(_http_date, max_bytes=4 * 1024 * 1024, size=text_size)


def _identifier_size(text: str, ident: Identifier) -> int:
    return 2 * len(text) + len(ident.iri) + 400  # the key twice (text and ident.key), the IRI


class Edge:
    """The node's edge, built on the open node (``ctx``) when the app starts."""

    ctx: Node
    chain: Next
    stages: tuple[Stage, ...]

    def __init__(self, node: Node, *, known_keys: KnownKeys | None = None) -> None:
        self.ctx = node
        # The node's own keys and its peers' pinned ones (resolver/commands/import_proofs.py),
        # read once at start-up: a third-party body's signature by one of them is checked.
        self.known_keys = known_keys
        self.stages = node.stages
        self.chain = node.chain
        config = node.config
        self.config = config
        self.store = node.store
        self.metrics = node.metrics
        # Peers' incoming tokens ([federation] grants) are credentials like the node's own.
        self.auth = Authenticator((*config.credentials, *config.federation.credentials()))
        self._peer_certs = config.federation.peer_certificates()
        self.rates = rate_limiter(config.limits)
        self._rates_active = self.rates.active  # fixed with the configuration; asked per request
        self.node_id = config.node_id
        self.deadline = config.deadline
        self.max_hops = config.max_hops
        self.limits = config.limits
        self._case_sensitive = config.case_sensitive
        self._base_urls = (config.base_url,) if config.base_url else ()
        self._mixed_scripts = config.mixed_script_prefixes
        self._identifiers: Memo[str, Identifier] = Memo(_IDENT_MEMO_BYTES, _identifier_size)
        self._answers = node.metrics.answers

    # --- reading -------------------------------------------------------------------------------

    def identify(self, text: str) -> Identifier:
        """The parsed identifier: the common form (``88.100.1/BAT-1``) parsed directly, the others
        memoised (clients ask for the same passports again and again)."""
        plain = parse_plain_handle(text, case_sensitive=self._case_sensitive)
        if plain is not None:  # cheaper than a memo lookup, and a put on a cold path
            return plain
        found = self._identifiers.get(text)
        if found is None:
            found = parse_identifier(
                text,
                case_sensitive=self._case_sensitive,
                node_base_urls=self._base_urls,
                mixed_script_prefixes=self._mixed_scripts,
            )
            self._identifiers.put(text, found)
        return found

    @property
    def takes_client_certificates(self) -> bool:
        """Whether a caller without ``Authorization`` may be a peer (by its TLS certificate)."""
        return bool(self._peer_certs)

    def principal(self, request: web.Request) -> Principal:
        """The caller, once it is within its rate limit (429 otherwise); kept on the request."""
        authorization = request.headers.get(hdrs.AUTHORIZATION)
        principal = self.auth.principal(authorization)
        if authorization is None and self._peer_certs:
            principal = self._certified(request) or principal
        if self._rates_active:
            anonymous = principal.role is Role.PUBLIC
            client = (request.remote or "?") if anonymous else principal.name
            self.rates.take(client, anonymous=anonymous)
        request[_PRINCIPAL] = principal
        return principal

    def _certified(self, request: web.Request) -> Principal | None:
        """The peer whose client certificate (mutual TLS) the request came with, if any."""
        transport = request.transport
        fingerprint = certificate_fingerprint(transport.get_extra_info("ssl_object")) if transport else None
        peer = self._peer_certs.get(fingerprint) if fingerprint is not None else None
        if peer is None:
            return None
        return Principal(peer.role, f"peer:{peer.id}", (), True)

    @staticmethod
    def tier_for(principal: Principal, request: web.Request) -> Tier:
        """The caller's tier, lowered to ``Passport-Tier`` when a forwarding peer asks for less.

        The header is honoured only from an authenticated peer (the trust boundary); anyone
        else's tier is its role's.
        """
        tier = principal.tier
        asked = request.headers.get(TIER_HEADER) if principal.peer else None
        if asked is not None:
            try:
                requested = Tier.from_label(asked.strip())
            except ValueError as err:
                raise InputError(f"{TIER_HEADER}: {err}") from err
            if requested < tier:
                tier = requested
        return tier

    def authoritative(self, key: str) -> bool:
        """Whether this node holds ``key`` (prefixes delegated to a peer excluded), for writes."""
        return self.ctx.authoritative(key)

    @staticmethod
    def _client(request: web.Request, caller: Principal | None) -> str:
        """Who asked, for the per-client limit on lookups that reach peers ("" for a peer)."""
        if caller is None or caller.peer:
            return ""
        return caller.name if caller.role is not Role.PUBLIC else "addr:" + (request.remote or "?")

    async def resolve(
        self,
        request: web.Request,
        ident: Identifier,
        tier: Tier,
        *,
        referral: bool = False,
        past: PastRead | None = None,
    ) -> Answer:
        """Ask the chain for ``ident`` at ``tier`` with the request's deadline and hop trail.

        ``past`` asks for a past version, the version current at a time, or the history
        instead of the current view; the chain's stages see those reads like any other.
        """
        headers = request.headers
        caller = request.get(_PRINCIPAL)
        client = self._client(request, caller)
        if _HOPS in headers or _BUDGET in headers:
            lookup = lookup_from_headers(
                ident.key,
                tier,
                headers,
                node_id=self.node_id,
                default_budget=self.deadline,
                max_hops=self.max_hops,
                referral=referral,
                trusted=caller is not None and caller.peer,
            )
        else:
            # A client's own request (no trail, no forwarded budget): the same Lookup, built
            # without parsing headers that are not there. This is the hot path.
            lookup = Lookup(ident.key, tier, _monotonic() + self.deadline, (), referral, client=client)
        if client and lookup.client != client:
            lookup = replace(lookup, client=client)
        if past is not None:
            lookup = replace(
                lookup, read=past.read, version=past.version, at=past.at, credentialed=past.credentialed
            )
        answer = await self.chain(lookup)
        self._answers.inc(answer.source)
        if answer.referral is None and lookup.read is Read.CURRENT:
            view = answer.view
            if view is None:
                raise NotFound(f"no passport is registered for {ident.key}", handle=ident.key)
            if view.deleted:
                raise Gone(f"the passport {ident.key} was deleted", handle=ident.key)
        return answer

    async def resolve_route(self, request: web.Request) -> tuple[Identifier, Tier, Answer]:
        """The passport a ``/{prefix}/{suffix}/...`` route names, asked of the chain at the
        caller's tier: its identifier, that tier and the answer (NotFound, Gone as :meth:`resolve`)."""
        ident = self.identify(request.match_info["prefix"] + "/" + request.match_info["suffix"])
        tier = self.tier_for(self.principal(request), request)
        return ident, tier, await self.resolve(request, ident, tier)

    # --- writing -------------------------------------------------------------------------------

    async def read_body(
        self, request: web.Request, *, media_types: tuple[str, ...], limit: int | None = None
    ) -> bytes:
        """The request body, refused early when the media type is wrong or it is over ``limit``
        (default: the configured ``max_body_bytes``)."""
        if request.content_type not in media_types:
            raise UnsupportedMediaType(
                f"the body must be {' or '.join(media_types)}, not {request.content_type or 'untyped'}",
                accepted=list(media_types),
            )
        return await read_body(request, limit or self.limits.max_body_bytes)

    async def log_index(
        self, key: str, version: int, source: str, modified: float | None = None
    ) -> int | None:
        """The transparency-log index of this node's own ``version`` of ``key`` (None: an
        answer from elsewhere, a node that does not sign, or a version written unsigned).
        ``modified`` (when the version was stored) lets a long-unlogged version be remembered so."""
        integrity = self.ctx.integrity
        if integrity is None or source != "local":
            return None
        return await integrity.indexes.of(key, version, modified=modified)

    def log_index_final(self, answer: Answer) -> bool:
        """Whether the log index of a local answer's version is settled (:meth:`log_index` will
        give the same from now on): the node does not sign, or the log has been asked already
        and the version is logged, or was stored long enough ago that it never will be."""
        integrity = self.ctx.integrity
        view = answer.view
        if integrity is None:
            return True
        return view is not None and integrity.indexes.settled(view.handle, view.version)

    async def write(
        self,
        ident: Identifier,
        body: bytes,
        preconditions: Preconditions,
        *,
        media_type: str = "application/ld+json",
    ) -> WriteOutcome:
        """Validate ``body`` as the passport ``ident`` and store it as a new version, or refuse,
        through the one write path (resolver/write.py).

        An identical passport writes nothing (PUT is idempotent; a re-run import is cheap).
        """
        key = ident.key
        lineage = self.ctx.lineage
        admit, succession = _lineage_check(lineage, key) if lineage is not None else (None, [])
        try:
            outcome = await write_passport(
                self.store,
                self.ctx.linked if self.ctx.linked is not None else self.ctx.validator,
                key,
                body,
                iri=ident.iri,
                media_type=media_type,
                expected=lambda current: preconditions.expected_version(current, key),
                sealer=self.ctx.integrity,
                own_methods=_own_methods(self.ctx.integrity),
                admit=admit,
                profile=self.config.profile_for(ident.prefix),
            )
        except InvalidPassport:
            self.metrics.writes.inc("rejected")
            raise
        finally:
            self._forget(key)
        if lineage is not None and succession:
            # Stored, then told in the background until acknowledged; a re-sent PUT tells again.
            await lineage.successions.announce(succession[0])
        if not outcome.changed:
            self.metrics.writes.inc("unchanged")
        else:
            self.metrics.writes.inc("created" if outcome.created else "replaced")
        return outcome

    async def delete(self, ident: Identifier, preconditions: Preconditions) -> Record:
        key = ident.key
        current = await self.store.get(key)
        if current is None:
            raise NotFound(f"no passport is registered for {key}", handle=key)
        if current.deleted:
            raise Gone(f"the passport {key} is already deleted", handle=key)
        expected = preconditions.expected_version(current, key)
        try:
            record = await self.store.delete(key, expected_version=expected)
        finally:
            self._forget(key)
        self.metrics.writes.inc("deleted")
        return record

    def _forget(self, key: str) -> None:
        # Also when the write failed: a store that timed out may still have written.
        self.ctx.forget(key)

    def writable(self, request: web.Request, text: str) -> Identifier:
        """The identifier ``text`` names, once the caller may write it here (operator of its
        prefix, and this node authoritative for it)."""
        ident = self.identify(text)
        self.principal(request).require_writer(ident.key)
        self.require_authoritative(ident.key)
        return ident

    def require_authoritative(self, key: str) -> None:
        if not self.authoritative(key):
            raise Forbidden(
                f"{self.node_id} is not authoritative for {key}; write it at the node that is",
                handle=key,
            )


def _lineage_check(lineage: LineageLinks, key: str) -> tuple[Admit, list[Succession]]:
    """The write path's check of the predecessors a passport names (resolver/lifecycle/
    succession.py), and where it leaves the succession to announce once stored."""
    found: list[Succession] = []

    async def admit(prepared: PreparedPassport, current: Record | None) -> None:
        previous = current.views.get(Tier.AUTHORITY) if current is not None and not current.deleted else None
        checked = await lineage.successions.check(key, prepared.views[Tier.AUTHORITY], previous)
        if checked is not None:
            found.append(checked)

    return admit, found


def _own_methods(integrity: Integrity | None) -> str | None:
    """The prefix of this node's verification methods: proofs by them in a written body are the
    node's own (a served document sent back) and are dropped, not checked as an operator's."""
    return key_url(integrity.base_url, "") if integrity is not None else None
