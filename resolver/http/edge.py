"""What every route shares: identify, authenticate, bound the tier, resolve through the chain, write.

The native passport API and the Handle REST API are two faces of this one edge, so a caller's
tier, the chain and the write path are the same whichever API it uses.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from time import monotonic as _monotonic
from typing import TYPE_CHECKING

from aiohttp import web

from resolver.errors import (
    Forbidden,
    Gone,
    InputError,
    InvalidPassport,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from resolver.http.auth import Authenticator, Principal
from resolver.identifiers import Identifier, claims, parse_identifier
from resolver.ratelimit import rate_limiter
from resolver.stages.base import (
    BUDGET_HEADER,
    HOPS_HEADER,
    TIER_HEADER,
    Answer,
    Lookup,
    Next,
    Stage,
    build_chain,
    lookup_from_headers,
)
from resolver.stages.local import LocalStage
from resolver.stores.base import Record
from resolver.tiers import Role, Tier
from resolver.validation import ValidationReport

if TYPE_CHECKING:
    from resolver.context import NodeContext

__all__ = ["Edge", "Preconditions", "WriteOutcome", "http_date", "invalid_passport"]

_IDENT_MEMO_MAX = 32768  # parsed identifiers kept (~0.5 kB each); a parse costs ~13 us


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write did: the record now current, and whether it created or changed anything."""

    record: Record
    created: bool
    changed: bool


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


_DATES: dict[float, str] = {}


def http_date(seconds: float) -> str:
    """An HTTP date (memoised: every answer carries Last-Modified, and versions repeat)."""
    found = _DATES.get(seconds)
    if found is None:
        if len(_DATES) >= 65536:
            _DATES.clear()
        found = _DATES[seconds] = email.utils.formatdate(seconds, usegmt=True)
    return found


def invalid_passport(report: ValidationReport, key: str) -> InvalidPassport:
    """The 422 for a passport that fails the profile, with the report as the ``report`` member."""
    violations = [r for r in report.results if r.severity == "Violation"] or list(report.results)
    first = violations[0] if violations else None
    detail = f"the passport for {key} does not conform to the eu-battery profile"
    if first is not None:
        points = ", ".join(str(p) for p in first.data_points)
        where = f" (data point {points})" if points else ""
        detail += f": {len(violations)} violation(s); first: {first.message}{where}"
    return InvalidPassport(detail, report=report.to_json())


class Edge:
    """The node's edge, attached to a context when the app starts."""

    ctx: NodeContext
    chain: Next
    stages: list[Stage]

    def __init__(self, ctx: NodeContext, stages: list[Stage]) -> None:
        self.ctx = ctx
        self.stages = stages
        self.chain = build_chain(stages)
        config = ctx.config
        self.config = config
        self.store = ctx.store
        self.metrics = ctx.metrics
        # Peers' incoming tokens ([federation] grants) are credentials like the node's own.
        from resolver.federation.config import federation_config

        self.auth = Authenticator((*config.credentials, *federation_config(ctx).credentials()))
        self.rates = rate_limiter(config.limits)
        self.node_id = config.node_id
        self.deadline = config.deadline
        self.max_hops = config.max_hops
        self.limits = config.limits
        self._case_sensitive = config.case_sensitive
        self._base_urls = (config.base_url,) if config.base_url else ()
        self._mixed_scripts = config.mixed_script_prefixes
        self._identifiers: dict[str, Identifier] = {}
        self._answers = ctx.metrics.answers
        self._local = next((s for s in stages if isinstance(s, LocalStage)), None)

    # --- reading -------------------------------------------------------------------------------

    def identify(self, text: str) -> Identifier:
        """The parsed identifier (memoised: clients ask for the same passports again and again)."""
        found = self._identifiers.get(text)
        if found is None:
            found = parse_identifier(
                text,
                case_sensitive=self._case_sensitive,
                node_base_urls=self._base_urls,
                mixed_script_prefixes=self._mixed_scripts,
            )
            memo = self._identifiers
            if len(memo) >= _IDENT_MEMO_MAX:
                del memo[next(iter(memo))]  # the oldest entry: a clear() would drop the hot ones too
            memo[text] = found
        return found

    def principal(self, request: web.Request) -> Principal:
        """The caller, once it is within its rate limit (429 otherwise)."""
        principal = self.auth.principal(request.headers.get("Authorization"))
        if self.rates.active:
            anonymous = principal.role is Role.PUBLIC
            client = (request.remote or "?") if anonymous else principal.name
            self.rates.take(client, anonymous=anonymous)
        return principal

    @staticmethod
    def tier_for(principal: Principal, request: web.Request) -> Tier:
        """The caller's tier, lowered to ``Passport-Tier`` when a (forwarding) caller asks for less."""
        tier = principal.tier
        asked = request.headers.get(TIER_HEADER)
        if asked is not None:
            try:
                requested = Tier.from_label(asked.strip())
            except ValueError as err:
                raise InputError(f"{TIER_HEADER}: {err}") from err
            if requested < tier:
                tier = requested
        return tier

    def authoritative(self, key: str) -> bool:
        """Whether this node holds ``key`` (as the local stage decides, prefixes delegated to a
        peer excluded), for writes and history."""
        if self._local is not None:
            return self._local.covers(key)
        return any(claims(prefix, key) for prefix in self.config.prefixes)

    async def resolve(
        self, request: web.Request, ident: Identifier, tier: Tier, *, referral: bool = False
    ) -> Answer:
        """Ask the chain for ``ident`` at ``tier`` with the request's deadline and hop trail."""
        headers = request.headers
        if HOPS_HEADER in headers or BUDGET_HEADER in headers:
            lookup = lookup_from_headers(
                ident.key,
                tier,
                headers,
                node_id=self.node_id,
                default_budget=self.deadline,
                max_hops=self.max_hops,
                referral=referral,
            )
        else:
            # A client's own request (no trail, no forwarded budget): the same Lookup, built
            # without parsing headers that are not there. This is the hot path.
            lookup = Lookup(ident.key, tier, _monotonic() + self.deadline, (), referral)
        answer = await self.chain(lookup)
        self._answers.inc(answer.source)
        if answer.referral is None:
            view = answer.view
            if view is None:
                raise NotFound(f"no passport is registered for {ident.key}", handle=ident.key)
            if view.deleted:
                raise Gone(f"the passport {ident.key} was deleted", handle=ident.key)
        return answer

    async def record(
        self, ident: Identifier, principal: Principal, *, version: int | None = None, at: float | None = None
    ) -> Record:
        """A past (or the current) version of a passport this node holds, for history reads.

        After a delete, the public no longer sees any version; callers with credentials do.
        """
        key = ident.key
        if not self.authoritative(key):
            raise NotFound(
                f"{self.node_id} is not authoritative for {key}; its history is kept by the node that is",
                handle=key,
            )
        current = await self.store.get(key)
        if current is None:
            raise NotFound(f"no passport is registered for {key}", handle=key)
        if current.deleted and principal.role is Role.PUBLIC:
            raise Gone(
                f"the passport {key} was deleted; its history is open to callers with credentials",
                handle=key,
            )
        if version is not None:
            found = current if version == current.version else await self.store.get(key, version=version)
            if found is None:
                raise NotFound(f"{key} has no version {version} (current: {current.version})", handle=key)
        elif at is not None:
            found = await self.store.at(key, at)
            if found is None:
                raise NotFound(f"{key} did not exist at the time asked for", handle=key)
        else:
            return current  # the history's head, a tombstone included
        if found.deleted:
            raise Gone(f"version {found.version} of {key} is the deletion", handle=key, version=found.version)
        return found

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
        limit = limit or self.limits.max_body_bytes
        length = request.content_length
        if length is not None and length > limit:
            raise PayloadTooLarge(f"the body is {length} bytes; the limit is {limit} bytes", limit=limit)
        chunks: list[bytes] = []
        size = 0
        # Counted while streaming: a chunked body has no Content-Length to check up front.
        async for chunk in request.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the body exceeds the limit of {limit} bytes", limit=limit)
            chunks.append(chunk)
        return b"".join(chunks)

    async def write(self, ident: Identifier, body: bytes, preconditions: Preconditions) -> WriteOutcome:
        """Validate ``body`` as the passport ``ident`` and store it as a new version, or refuse.

        An identical passport writes nothing (PUT is idempotent; a re-run import is cheap).
        """
        key = ident.key
        current = await self.store.get(key)
        expected = preconditions.expected_version(current, key)
        prepared = await self.ctx.validator.prepare(body, expected_iri=ident.iri)
        if not prepared.report.conforms or not prepared.views:
            self.metrics.writes.inc("rejected")
            raise invalid_passport(prepared.report, key)
        live = current is not None and not current.deleted
        if live and current is not None and dict(current.views) == prepared.views:
            self.metrics.writes.inc("unchanged")
            return WriteOutcome(current, created=False, changed=False)
        try:
            record = await self.store.put(key, prepared.views, expected_version=expected)
        finally:
            self._forget(key)
        self.metrics.writes.inc("created" if not live else "replaced")
        return WriteOutcome(record, created=not live, changed=True)

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
        if self._local is not None:
            self._local.forget(key)

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
