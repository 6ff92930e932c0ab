"""The native passport API: GET/HEAD/PUT/PATCH/DELETE ``/{handle}``, history, versions, validate.

The hot path (GET of a stored view as JSON-LD) sends the store's bytes as they are: no parsing,
one chain call, a handful of headers. Turtle, N-Triples and HTML are rendered from the same
tier view and kept in a small LRU keyed by (key, version, tier, format).
"""

from __future__ import annotations

import asyncio
import datetime
import math
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

import orjson
from aiohttp import hdrs, web
from multidict import CIMultiDict, istr
from yarl import URL

from resolver import jsonld
from resolver.adapters.envelope import MEDIA_TYPE as VC_JWT
from resolver.adapters.formats import Converted, for_media_type
from resolver.adapters.untp import MEDIA_TYPES as UNTP_MEDIA_TYPES
from resolver.credentials import Principal
from resolver.errors import (
    Conflict,
    Gone,
    InputError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ResolverError,
)
from resolver.gs1.linkset import LANGUAGES
from resolver.html import render_html
from resolver.http.caching import VARY, VARY_PAGE, cache_control, not_modified
from resolver.http.edge import Edge, PastRead, Preconditions, WriteOutcome
from resolver.http.fast_response import bytes_response
from resolver.http.hot import HotAnswers
from resolver.http.negotiation import Representation, negotiate, representation_for_format
from resolver.http.query import whole_number
from resolver.http.router import EdgeSlot, Routes
from resolver.identifiers import Identifier, longest_claim
from resolver.integrity.served import LOG_INDEX_HEADER, PROOF_HEADER, UNVERIFIED_HEADER, split_signed
from resolver.lookup import OWNER_HEADER, Answer, Owner, Read, Referral
from resolver.memo import ENTRY_OVERHEAD, Memo, text_size
from resolver.page.health import PageHealth, PageHealthSource
from resolver.page.i18n import choose_language
from resolver.passport.read import JSON_TYPES as JSON_MEDIA_TYPES
from resolver.passport.read import MEDIA_TYPES as PASSPORT_MEDIA_TYPES
from resolver.passport.read import require_utf8
from resolver.patch import merge_patch
from resolver.profile import Profile
from resolver.render import render
from resolver.stores.base import View
from resolver.tiers import Role, Tier

if TYPE_CHECKING:
    from resolver.adapters.jws_check import KnownKeys

__all__ = ["PassportRoutes", "add_routes", "location_path", "refuse_sub_resource_handle", "rfc3339"]

_PASSPORT_TYPES = PASSPORT_MEDIA_TYPES  # JSON-LD in any form, Turtle, N-Triples, N-Quads
# Third-party formats a PUT may carry, by media type: converted first (resolver/adapters/).
# (JSON-LD naming an OpenEPCIS context is an OpenEPCIS passport: told by the body, not the type.)
_ADAPTED_TYPES = (*UNTP_MEDIA_TYPES, VC_JWT)
_PATCH_TYPES = ("application/merge-patch+json",)
_VARY = VARY
_VARY_PAGE = VARY_PAGE
_IMMUTABLE = 365 * 24 * 3600
_SAFE = "/:@!$&'()*+,;="
_OWNERS_BYTES = 1024 * 1024  # Passport-Owner of local answers, by key head ("" when none)
_PREFER = istr("Prefer")  # as aiohttp's names: a lookup does not fold the name each time


def _owner_size(head: str, header: str) -> int:
    return len(head) + len(header) + ENTRY_OVERHEAD


def location_path(key: str) -> str:
    """The path of a passport on this node (the key, percent-encoded where it must be)."""
    return "/" + quote(key, safe=_SAFE)


def rfc3339(seconds: float) -> str:
    return (
        datetime.datetime.fromtimestamp(seconds, datetime.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_from_timestamp = datetime.datetime.fromtimestamp
_gmtime = time.gmtime
_modf = math.modf


_LAST_SECOND = 253402300799  # 9999-12-31 23:59:59, the last second datetime takes


def last_modified(seconds: float) -> str:
    """``http_date(seconds)`` (``email.utils.formatdate(seconds, usegmt=True)``), made directly.

    On a cold read (a version not seen lately) the memoised ``http_date`` missed, then put: its
    memo's lookups, ``formatdate``'s layers and the put cost more than this. The same rounding
    as ``datetime.fromtimestamp`` under ``formatdate`` (the fraction to the microsecond, half to
    even, carried into the next second when it rounds to a whole one), the same text; the
    calendar from ``time.gmtime`` (no datetime object), once per second (``_dates``).
    """
    fraction, whole = _modf(seconds)
    second = int(whole) + (round(fraction * 1e6) >= 1_000_000)
    if fraction < 0 or second > _LAST_SECOND:  # before 1970 or past datetime's range: as before
        when = _from_timestamp(seconds, datetime.UTC)
        fields = (when.weekday(), when.day, when.month, when.year, when.hour, when.minute, when.second)
        return _http_date_text(*fields)
    found = _dates.get(second)
    if found is None:
        t = _gmtime(second)
        found = _http_date_text(t.tm_wday, t.tm_mday, t.tm_mon, t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)
        if len(_dates) >= _DATES_KEPT:
            _dates.clear()
        _dates[second] = found
    return found


# The text of each second seen lately: versions written in the same second (a bulk import, a
# busy prefix) share it. Emptied when full (a dict lookup is all a hit may cost).
_dates: dict[int, str] = {}
_DATES_KEPT = 4096


def _http_date_text(weekday: int, day: int, month: int, year: int, hour: int, minute: int, sec: int) -> str:
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (  # noqa: UP031 (formatdate's own format)
        _DAYS[weekday],
        day,
        _MONTHS[month - 1],
        year,
        hour,
        minute,
        sec,
    )


def _json_response(data: object, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(data), content_type="application/json", headers=headers
    )


def _parse_at(text: str) -> float:
    try:
        when = datetime.datetime.fromisoformat(text.strip())
    except ValueError as err:
        raise InputError(f"at={text[:60]!r} is not an RFC 3339 date-time") from err
    if when.tzinfo is None:
        raise InputError(f"at={text[:60]!r} needs a time zone (for example Z)")
    return when.timestamp()


def _parse_version(text: str) -> int:
    return whole_number(text, "version", low=1)


async def _taken_by_another_route(request: web.Request, handle: str | None = None) -> set[str]:
    """The methods the routes of a passport's sub-resources ("/{id}/qr", "/{id}/events", ...:
    a path that goes on after ``{suffix}``) answer on this path (or on "/{handle}"); empty when
    none has it."""
    if handle is not None:
        request = request.clone(rel_url=URL.build(path="/" + handle))
    methods: set[str] = set()
    for resource in request.app.router.resources():
        if "{suffix}/" in resource.canonical:
            _, allowed = await resource.resolve(request)
            methods |= allowed
    return methods


async def refuse_sub_resource_handle(request: web.Request, handle: str) -> None:
    """400 for a Handle API write of a handle whose native path another route reads."""
    if await _taken_by_another_route(request, handle):
        raise InputError(f"/{handle[:200]} is another resource's path: a passport there could not be read")


class PassportRoutes:
    """Handlers of the native API; they reach the node through the edge of ``slot``."""

    def __init__(self, slot: EdgeSlot, *, render_cache_bytes: int, hot: HotAnswers | None = None) -> None:
        self._slot = slot
        self._hot = hot  # the route's public answers kept whole (resolver/http/hot.py)
        self._renders: Memo[tuple[str, int, Tier, str], bytes] = Memo(render_cache_bytes, text_size)
        self._proofs: Memo[tuple[str, int, Tier, str], str] = Memo(render_cache_bytes // 16, text_size)
        self._checker_starting = asyncio.Lock()
        self._health: tuple[Edge, PageHealthSource | None] | None = None
        # Per node, the Passport-Owner header of local answers by their key's head (None: none).
        self._owners: tuple[Edge | None, Memo[str, str]] = (None, Memo(0, _owner_size))

    @property
    def edge(self) -> Edge:
        return self._slot.edge

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, request: web.Request) -> web.StreamResponse:
        match = request.match_info
        return await self.read(request, match["prefix"] + "/" + match["suffix"], hot=self._hot)

    async def read(
        self, request: web.Request, text: str, *, hot: HotAnswers | None = None
    ) -> web.StreamResponse:
        """GET of the passport ``text`` names (also the GS1 Digital Link routes' way in).

        ``hot``: where to keep the answer whole when any anonymous caller would get the same
        (only for the route whose path is the passport's own: a Digital Link may come to name
        another passport without this one changing)."""
        if text.endswith("/history"):
            return await self._history(request, text[: -len("/history")])
        edge = self.edge
        ident = edge.identify(text)
        principal = edge.principal(request)
        tier = edge.tier_for(principal, request)
        referral = False
        if request.rel_url.query_string:
            query = request.query
            fmt = query.get("format")
            rep = representation_for_format(fmt) if fmt else negotiate(request.headers.get(hdrs.ACCEPT))
            if "version" in query or "at" in query:
                return await self._past(request, ident, principal, tier, rep)
            referral = query.get("referral", "").lower() in ("true", "1", "yes")
        else:
            rep = negotiate(request.headers.get(hdrs.ACCEPT))
        if not referral:
            prefer = request.headers.get(_PREFER)
            referral = prefer is not None and "referral" in prefer.lower()
        answer = await edge.resolve(request, ident, tier, referral=referral)
        if answer.referral is not None:
            return self._referral(ident, answer.referral, answer.max_age)
        answered = answer.view
        if answered is None:  # resolve() guarantees a view when there is no referral
            raise NotFound(f"no passport is registered for {ident.key}")
        view = answered
        served = answer.tier if answer.tier is not None else tier
        control = cache_control(request, served, answer.max_age)
        # Only this node's own versions have a log index: no await for a peer's or a cached one.
        local = answer.source == "local"
        index = await edge.log_index(ident.key, view.version, answer.source, view.modified) if local else None
        health = await self._page_health(ident.key, served, view.version) if rep.fmt == "html" else None
        response = self._represent(
            request, ident, view, served, rep, control, answer.source, answer.age, index, health
        )
        if answer.unverified:  # a peer's answer not checked against its owner's key
            response.headers[UNVERIFIED_HEADER] = answer.unverified
        if answer.stale:  # the federation cache stood in for a peer that failed (stale-if-error)
            response.headers["Warning"] = '110 - "Response is Stale"'
        owner = self._owner_header(ident.key, answer)
        if owner is not None:  # peers that relay learn where to go directly (federation/delegation.py)
            response.headers[OWNER_HEADER] = owner
        if hot is not None and self._public_local(principal, served, rep, answer, index, request):
            hot.offer(request, ident.key, view, response, "passport")
        return response

    def _public_local(
        self,
        principal: Principal,
        served: Tier,
        rep: Representation,
        answer: Answer,
        index: int | None,
        request: web.Request,
    ) -> bool:
        """Whether an answer is what every anonymous caller gets until the view changes: the
        public view from this node's store (with a log index that is final) or a fresh, verified
        copy from the federation cache (hot.py checks it is one), and for the page, a language
        named in the path and no readings shown (they change without the view)."""
        return (
            principal.role is Role.PUBLIC
            and not principal.peer
            and served is Tier.PUBLIC
            and not answer.stale
            and not answer.unverified
            and (rep.fmt != "html" or self._page_fixed(request, served))
            and (
                answer.source == "cache"
                or (answer.source == "local" and (index is not None or self.edge.log_index_final(answer)))
            )
        )

    def _page_fixed(self, request: web.Request, tier: Tier) -> bool:
        """Whether the page is made from the view alone: ``?lang=`` names one of its languages
        (else ``Accept-Language`` chooses), and ``tier`` sees no readings (or the node keeps none)."""
        lang = request.query.get("lang", "").strip().lower().split("-", 1)[0]
        source = self._health_source()
        return lang in LANGUAGES and (source is None or tier < source.tier)

    def _owner_header(self, key: str, answer: Answer) -> str | None:
        """``Passport-Owner`` of an answer: this node for a local one, else as a peer said.

        For a local answer it depends only on the key's head (its handle prefix) unless the key
        is a GS1 one ("01/..."), whose claims go further: kept per head, per node."""
        if answer.source != "local":
            owner = answer.owner
            return owner.header() if owner is not None else None
        head, _, _ = key.partition("/")
        edge = self.edge
        kept = self._owners
        if kept[0] is not edge:  # a new node
            kept = self._owners = (edge, Memo(_OWNERS_BYTES, _owner_size))
        found = kept[1].get(head) if head != "01" else None
        if found is None:
            prefix = longest_claim(edge.config.prefixes, key)
            found = Owner(edge.node_id, prefix).header() if prefix is not None else ""
            if head != "01":
                kept[1].put(head, found)
        return found or None

    async def _past(
        self, request: web.Request, ident: Identifier, principal: Principal, tier: Tier, rep: Representation
    ) -> web.Response:
        query = request.query
        version = _parse_version(query["version"]) if "version" in query else None
        at = _parse_at(query["at"]) if version is None and "at" in query else None
        credentialed = principal.role is not Role.PUBLIC
        past = (
            PastRead(Read.VERSION, credentialed, version=version)
            if version is not None
            else PastRead(Read.AT, credentialed, at=at)
        )
        answer = await self.edge.resolve(request, ident, tier, past=past)
        view = answer.view
        if view is None:  # a past read answers with the view or raises
            raise NotFound(f"no such version of {ident.key}", handle=ident.key)
        # A numbered version never changes; "the version current at T" may (T in the future).
        max_age = _IMMUTABLE if version is not None else answer.max_age
        control = cache_control(request, tier, max_age, immutable=version is not None)
        index = await self.edge.log_index(ident.key, view.version, answer.source, view.modified)
        return self._represent(request, ident, view, tier, rep, control, answer.source, 0, index)

    def _represent(
        self,
        request: web.Request,
        ident: Identifier,
        view: View,
        tier: Tier,
        rep: Representation,
        cache_control: str,
        source: str,
        age: int,
        log_index: int | None = None,
        health: PageHealth | None = None,
    ) -> web.Response:
        tag, lang = rep.tag, ""
        if rep.fmt == "html":  # the page comes in the caller's language
            lang = choose_language(request.query.get("lang"), request.headers.get("Accept-Language"))
            # The page shows the battery's readings too: it changes with their revision.
            tag = f"html.{lang}" if health is None else f"html.{lang}.r{health.revision}"
        label = tier.label
        etag = f'"v{view.version}.{label}.{tag}"'
        headers = {
            "ETag": etag,
            "Last-Modified": last_modified(view.modified),
            "Cache-Control": cache_control,
            "Vary": _VARY_PAGE if lang else _VARY,
            "Passport-Tier": label,
            "Passport-Source": source,
        }
        if age or source == "cache":  # an answer from a cache always says how old it is
            headers["Age"] = str(age)
        if log_index is not None:
            headers[LOG_INDEX_HEADER] = str(log_index)
        if not_modified(request, etag):  # before any render: a revalidation costs no body
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = rep.content_type
        if rep.fmt == "jsonld":
            return bytes_response(view.body, CIMultiDict(headers))
        if lang:
            headers["Content-Language"] = lang
        body = self._rendered(ident, view, tier, rep.fmt, lang, health)
        proof = self._proof(ident, view, tier)
        if proof:  # the proof of the graph rendered (resolver/integrity/served.py)
            headers[PROOF_HEADER] = proof
        return web.Response(body=body, headers=headers)

    def _proof(self, ident: Identifier, view: View, tier: Tier) -> str:
        key = (ident.key, view.version, tier, "")
        found = self._proofs.get(key)
        if found is None:
            found = split_signed(view.body)[1] or ""
            self._proofs.put(key, found)
        return found

    async def _page_health(self, handle: str, tier: Tier, version: int) -> PageHealth | None:
        """What the page shows of the battery's readings (None: no lifecycle part, or hidden)."""
        source = self._health_source()
        return await source.read(handle, tier, version) if source is not None else None

    def _health_source(self) -> PageHealthSource | None:
        """Where the page's readings come from (None: the node has no lifecycle part)."""
        edge = self.edge
        if self._health is None or self._health[0] is not edge:  # a new node: a new source
            part = edge.ctx.lifecycle
            source = PageHealthSource(part.service, Profile.load()) if part is not None else None
            self._health = (edge, source)
        return self._health[1]

    def _rendered(
        self,
        ident: Identifier,
        view: View,
        tier: Tier,
        fmt: str,
        lang: str = "",
        health: PageHealth | None = None,
    ) -> bytes:
        # The page: per version, tier, language and (when it shows them) the readings' revision.
        suffix = f".r{health.revision}" if health is not None else ""
        key = (ident.key, view.version, tier, fmt + lang + suffix)
        found = self._renders.get(key)
        if found is None:
            self.edge.metrics.counter(
                "passport_renders_total", "Passport renderings made (not from the render memo)", ["format"]
            ).inc(fmt)
            unsigned, proof = split_signed(view.body)
            self._proofs.put((ident.key, view.version, tier, ""), proof or "")
            if fmt == "html":
                found = render_html(
                    unsigned,
                    handle=ident.key,
                    tier_label=tier.label,
                    version=view.version,
                    lang=lang,
                    modified=rfc3339(view.modified),
                    health=health,
                )
            else:
                found = render(unsigned, fmt)
            self._renders.put(key, found)
        return found

    def _referral(self, ident: Identifier, referral: Referral, max_age: int) -> web.Response:
        base = referral.base_urls[0] if referral.base_urls else ""
        location = base.rstrip("/") + location_path(ident.key)
        body = {
            "handle": ident.key,
            "node_id": referral.node_id,
            "base_urls": list(referral.base_urls),
            "prefix": referral.prefix,
            "location": location,
        }
        return _json_response(
            body,
            status=307,
            headers={"Location": location, "Cache-Control": f"max-age={max_age}", "Vary": _VARY},
        )

    async def _history(self, request: web.Request, text: str) -> web.Response:
        edge = self.edge
        ident = edge.identify(text)
        principal = edge.principal(request)
        tier = edge.tier_for(principal, request)
        past = PastRead(Read.HISTORY, principal.role is not Role.PUBLIC)
        answer = await edge.resolve(request, ident, tier, past=past)
        current, records = answer.current, answer.records
        if current is None:  # a history read answers with the head record or raises
            raise NotFound(f"no passport is registered for {ident.key}", handle=ident.key)
        # The version list changes only with a write: the head version and tier name it.
        etag = f'"h{current.version}.{tier.label}"'
        headers = {
            "ETag": etag,
            "Vary": _VARY,
            "Cache-Control": cache_control(request, tier, answer.max_age),
            "Passport-Tier": tier.label,
        }
        if not_modified(request, etag):
            return web.Response(status=304, headers=headers)
        path = location_path(ident.key)
        versions = [
            {
                "version": r.version,
                "modified": rfc3339(r.modified),
                "deleted": r.deleted,
                "href": None if r.deleted else f"{path}?version={r.version}",
            }
            for r in records
        ]
        body = {
            "handle": ident.key,
            "iri": ident.iri,
            "current": current.version,
            "deleted": current.deleted,
            "tier": tier.label,
            "versions": versions,
        }
        return _json_response(body, headers=headers)

    # --- writes --------------------------------------------------------------------------------

    async def _writable(self, request: web.Request) -> Identifier:
        match = request.match_info
        text = match["prefix"] + "/" + match["suffix"]
        if text.endswith("/history"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD"])
        taken = await _taken_by_another_route(request)
        if taken:
            # "/{id}/events", "/{id}/qr", ...: a passport written there could not be read back,
            # as every GET of the path is another route's.
            raise web.HTTPMethodNotAllowed(request.method, taken)
        return self.edge.writable(request, text)

    async def put(self, request: web.Request) -> web.Response:
        edge = self.edge
        ident = await self._writable(request)
        preconditions = Preconditions.from_headers(request)
        body = await edge.read_body(request, media_types=(*_PASSPORT_TYPES, *_ADAPTED_TYPES))
        limits = edge.limits
        body, media_type, adapted = _bounded(
            body, request.content_type, limits.max_body_bytes, limits.max_json_depth, edge.known_keys
        )
        if adapted is not None:
            _refuse_readings(*adapted)
        outcome = await edge.write(ident, body, preconditions, media_type=media_type)
        return self._written(ident, outcome, None if adapted is None else _converted(*adapted))

    async def patch(self, request: web.Request) -> web.Response:
        edge = self.edge
        ident = await self._writable(request)
        preconditions = Preconditions.from_headers(request)
        body = await edge.read_body(request, media_types=_PATCH_TYPES)
        limits = edge.limits
        require_utf8(body)
        patch = jsonld.parse_json(body, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
        current = await edge.store.get(ident.key)
        if current is None:
            raise NotFound(f"there is no passport {ident.key} to patch", handle=ident.key)
        if current.deleted:
            raise Gone(f"the passport {ident.key} was deleted; there is nothing to patch", handle=ident.key)
        preconditions.expected_version(current, ident.key)
        # The authority view holds every property of the passport: the patch applies to it.
        # Not to its proofs: they sign the graph before the patch (the node signs the new version;
        # an operator's proof for the patched graph comes in the patch's own "proof").
        stored = orjson.loads(current.views[Tier.AUTHORITY])
        stored.pop("proof", None)
        document = merge_patch(stored, patch)
        if not isinstance(document, dict):
            raise InputError("the merge patch must leave a JSON object (the passport)")
        merged = orjson.dumps(document)
        if len(merged) > limits.max_body_bytes:
            raise InputError(f"the patched passport would exceed {limits.max_body_bytes} bytes")
        try:
            outcome = await edge.write(
                ident, merged, Preconditions(match_versions=frozenset({current.version}))
            )
        except PreconditionFailed as err:
            if preconditions.any:
                raise
            raise Conflict(
                f"{ident.key} changed while the patch was applied; send the PATCH again", handle=ident.key
            ) from err
        return self._written(ident, outcome)

    async def delete(self, request: web.Request) -> web.Response:
        edge = self.edge
        ident = await self._writable(request)
        record = await edge.delete(ident, Preconditions.from_headers(request))
        return _json_response(
            {
                "handle": ident.key,
                "version": record.version,
                "deleted": True,
                "modified": rfc3339(record.modified),
            }
        )

    def _written(
        self, ident: Identifier, outcome: WriteOutcome, converted: dict[str, object] | None = None
    ) -> web.Response:
        record = outcome.record
        headers = {"ETag": f'"v{record.version}.{Tier.AUTHORITY.label}.jsonld"'}
        if outcome.created:
            headers["Location"] = location_path(ident.key)
        if outcome.log_index is not None:
            headers[LOG_INDEX_HEADER] = str(outcome.log_index)
        body = {
            "handle": ident.key,
            "iri": ident.iri,
            "version": record.version,
            "created": outcome.created,
            "changed": outcome.changed,
            "modified": rfc3339(record.modified),
        }
        if converted is not None:
            body["converted"] = converted
        return _json_response(body, status=201 if outcome.created else 200, headers=headers)

    async def validate(self, request: web.Request) -> web.Response:
        edge = self.edge
        principal = edge.principal(request)  # 401 for bad credentials, 429 over the rate limit
        limits = edge.limits
        limit = limits.validate_body_bytes
        body = await edge.read_body(request, media_types=(*_PASSPORT_TYPES, *_ADAPTED_TYPES), limit=limit)
        # A third-party body is converted first, as on PUT.
        body, media_type, adapted = _bounded(
            body, request.content_type, limit, limits.max_json_depth, edge.known_keys
        )
        profile = edge.config.profile_for("")  # the default; a JSON body's @id chooses
        if media_type in JSON_MEDIA_TYPES:
            document = orjson.loads(body)
            if isinstance(document, dict):  # judged as a write under its @id's prefix would be
                profile = edge.config.profile_of(document.get("@id") or document.get("id"))
        checker = edge.ctx.checker or edge.ctx.validator
        async with self._checker_starting:
            await checker.start()  # at once when started; the first call waits for its worker
        linked = edge.ctx.linked if media_type == "application/ld+json" else None
        try:
            # An item naming its model and batch is judged with them, a model or batch without
            # what its items give, as a PUT would (docs/linked.md); read at the caller's tier.
            tier = edge.tier_for(principal, request)
            report = (
                await linked.check(body, profile=profile, tier=tier, validator=checker)
                if linked is not None
                else None
            ) or await checker.validate(body, media_type=media_type, profile=profile)
        except ResolverError as err:
            if type(err) is not ResolverError:  # the passport's own errors (400, 422...)
                raise
            # Past the budget (or the worker died on it): the worker was replaced; the cost is
            # the input's, so a 4xx.
            raise PayloadTooLarge(
                f"validating this passport did not finish within {limits.validate_seconds} s; "
                "send a smaller one",
                limit=limit,
            ) from err
        answer: dict[str, object] = dict(report.to_json())
        if adapted is not None:
            answer["converted"] = _converted(*adapted)
        return _json_response(answer)


def _bounded(
    body: bytes, media_type: str, max_bytes: int, max_depth: int, known: KnownKeys | None = None
) -> tuple[bytes, str, tuple[str, Converted] | None]:
    """A JSON body checked for size and depth (cheap, and before it goes to a worker process or
    an adapter), then a third-party one converted (and what it converts to bounded the same):
    (body, its media type, (format, conversion) or None). ``known``: the node's keys, which
    check a credential's signature by one of them (the node's own export PUT back)."""
    if media_type in JSON_MEDIA_TYPES:
        require_utf8(body)
    if media_type in JSON_MEDIA_TYPES or media_type in UNTP_MEDIA_TYPES:
        jsonld.parse_json(body, max_bytes=max_bytes, max_depth=max_depth)
    adapted = for_media_type(media_type, body, known=known)
    if adapted is None:
        return body, media_type, None
    body = adapted[1].body
    jsonld.parse_json(body, max_bytes=max_bytes, max_depth=max_depth)
    return body, "application/ld+json", adapted


def _refuse_readings(fmt: str, converted: Converted) -> None:
    """A third-party body that carries dynamic data (an OpenEPCIS operational file's readings)
    is refused: a PUT writes the passport only."""
    if converted.readings:
        raise InputError(
            f"the {fmt} body carries {len(converted.readings)} reading(s) of dynamic data, which "
            "a PUT does not store: send them to POST /{id}/events, or use passport-node import"
        )


def _converted(fmt: str, converted: Converted) -> dict[str, object]:
    """The source format, what was not mapped and who issued (a credential's issuer and its
    signature's check), for the answer: a PUT of a third-party body drops nothing silently."""
    said: dict[str, object] = {
        "format": fmt,
        "unmapped": list(converted.unmapped),
        "issuer": dict(converted.issuer),
    }
    if converted.readings:  # /validate: dynamic data, not judged as passport data
        said["readings"] = len(converted.readings)
    return said


def add_routes(routes: Routes) -> None:
    passports = PassportRoutes(
        routes.slot, render_cache_bytes=routes.config.render_cache_bytes, hot=routes.hot
    )
    routes.resource("/validate", "validate", POST=(passports.validate, "validate"))
    # Handles contain slashes (GS1: /01/{gtin}/21/{serial}); "/{handle}/history" is a suffix.
    routes.resource(
        "/{prefix}/{suffix:[\\s\\S]+}",  # any character, a decoded newline too
        "passport",
        GET=(passports.get, "passport"),
        PUT=(passports.put, "passport-put"),
        PATCH=(passports.patch, "passport-patch"),
        DELETE=(passports.delete, "passport-delete"),
    )
