"""The GS1 Digital Link resolver routes: ``/01/{gtin}[/10/{lot}][/21/{serial}]``, ``/gtin/...``,
``/.well-known/gs1resolver``, ``/{id}/qr`` and ``/compare`` (the route module ``add_routes``;
``OPTIONS`` and CORS are the whole app's, resolver/http/cors.py).

How a request is answered (GS1 resolver standard 1.2):

- the levels are tried from the most granular (serial, then lot) up to the model (the GTIN);
  a level with no passport of its own walks up; the model is answered from the GTIN index (the
  store's handles under ``01/{gtin}/``), with its first registered item as the model's example;
- ``linkType=all`` (or ``Accept: application/linkset+json``) gives the linkset, 200;
- ``linkType=gs1:x`` redirects (307) to that link, best fitting ``Accept`` and
  ``Accept-Language``; a link type the linkset lacks is 404;
- no ``linkType``: ``Accept`` of a passport format (JSON-LD, JSON, Turtle, N-Triples) gives the
  passport itself; anything else (a browser, ``*/*``, none) redirects (307) to the default link;
- ``format=``, ``version=``, ``at=`` are the native API's and give the passport;
- a redirect carries the query string on (``linkType`` removed) and one ``Link`` header that
  names the linkset.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from typing import NamedTuple
from urllib.parse import quote, urlencode

import orjson
from aiohttp import web

from resolver.config import NodeConfig
from resolver.errors import Gone, InputError, NotAcceptable, NotFound
from resolver.gs1.compression import decompress
from resolver.gs1.digital_link import DigitalLink, Level, parse_path
from resolver.gs1.linkset import (
    GS1_VOC,
    Linkset,
    build_linkset,
    choose_link,
    link_header,
    link_type_iri,
    preferred_languages,
)
from resolver.gs1.qr import qr_png, qr_svg
from resolver.http.caching import body_etag, cache_control, not_modified
from resolver.http.compare import CompareRoutes
from resolver.http.gs1_links import OperatorLinkRoutes
from resolver.http.passports import PassportRoutes, location_path
from resolver.http.router import Routes
from resolver.lookup import Answer
from resolver.page.hidden import hidden_points
from resolver.tiers import Tier

__all__ = ["LINKSET_TYPE", "DigitalLinkRoutes", "add_routes"]

LINKSET_TYPE = "application/linkset+json"
_VARY = "Accept, Accept-Language, Authorization, Passport-Tier"
_NATIVE_QUERY = ("format", "version", "at")
_PASSPORT_TYPES = ("application/ld+json", "application/json", "text/turtle", "application/n-triples")
_OFFERS = (LINKSET_TYPE, *_PASSPORT_TYPES, "text/html")
_FORMAT_OF = {
    "application/ld+json": "jsonld",
    "application/json": "json",
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
}
_LINKSETS_MAX = 4096


class _Found:
    """What a Digital Link resolved to: the level that answered and the passport behind it."""

    __slots__ = ("answer", "key", "level", "tier", "total")

    def __init__(self, level: Level, key: str, answer: Answer, tier: Tier, total: int) -> None:
        self.level, self.key, self.answer, self.total = level, key, answer, total
        self.tier = answer.tier if answer.tier is not None else tier  # the tier of the view


class _Built(NamedTuple):
    linkset: Linkset
    body: bytes
    link: str  # the linkset, owl:sameAs and every link: for redirects
    link_short: str  # the linkset and owl:sameAs: for the linkset itself, whose body has the rest


_MemoKey = tuple[str, str, int, Tier, tuple[bytes | None, ...]]


class DigitalLinkRoutes:
    """Handlers of the resolver; passports are read and served through ``PassportRoutes``, as the
    native API serves them."""

    def __init__(self, passports: PassportRoutes, config: NodeConfig, links: OperatorLinkRoutes) -> None:
        self._passports = passports
        self._config = config
        self._links = links
        # Built once per (anchor, passport, version, tier, operator links): the linkset, its
        # bytes, its Link header.
        self._linksets: OrderedDict[_MemoKey, _Built] = OrderedDict()
        self._paths: dict[str, tuple[DigitalLink, list[Level]]] = {}

    def _base(self, request: web.Request) -> str:
        return self._config.base_url or f"{request.scheme}://{request.host}"

    # --- the resolver --------------------------------------------------------------------------

    async def resolve(self, request: web.Request) -> web.StreamResponse:
        path = request.raw_path.split("?", 1)[0]
        if path.endswith("/history"):  # the native API's version list of a GS1-keyed passport
            return await self._passports.read(request, path[1:])
        return await self._resolve(request, path)

    async def compressed(self, request: web.Request) -> web.StreamResponse:
        """A compressed Digital Link (``/AQnYUc1gmiCNV4JG``): answered as its uncompressed path."""
        return await self._resolve(request, decompress(request.match_info["compressed"]))

    async def _resolve(self, request: web.Request, path: str) -> web.StreamResponse:
        link, levels = self._parse(path)
        asked: str | None = None
        if request.query_string:
            query = request.query
            if any(name in query for name in _NATIVE_QUERY):
                return await self._native(request, link, levels)
            asked = query.get("linkType")
        chosen = _best_offer(request.headers.get("Accept")) if asked is None else None
        if chosen in _PASSPORT_TYPES:  # the passport itself, at the most granular level that has one
            return await self._native(request, link, levels, fmt=_FORMAT_OF[chosen])
        found = await self._find(request, link, levels)
        if isinstance(found, web.StreamResponse):
            return found
        built = await self._linkset(self._base(request), found, levels)
        linkset = built.linkset
        if asked is None:
            if chosen == LINKSET_TYPE:
                return self._linkset_response(request, found, built)
            rel = GS1_VOC + "defaultLink"
        elif asked in ("all", "linkset"):
            return self._linkset_response(request, found, built)
        else:
            iri = link_type_iri(asked)
            if iri is None:
                raise NotFound(f"linkType={asked[:60]!r} is not a GS1 link type (https://gs1.org/voc/)")
            rel = iri
        entries = linkset["linkset"][0].get(rel)
        if not entries or isinstance(entries, str):
            raise NotFound(f"{found.level.path} has no link of type {rel.replace(GS1_VOC, 'gs1:')}")
        media = [chosen] if asked is None and chosen else _accepted_types(request.headers.get("Accept"))
        target = choose_link(
            entries, media_types=media, languages=preferred_languages(request.headers.get("Accept-Language"))
        )
        location = _with_query(str(target["href"]), request)
        headers = self._headers(request, found, built)
        headers["Location"] = location
        return web.Response(status=307, headers=headers)

    async def _native(
        self, request: web.Request, link: DigitalLink, levels: list[Level], *, fmt: str = ""
    ) -> web.StreamResponse:
        """The passport of the most granular level that has one: ``format=``/``version=``/``at=``,
        or an ``Accept`` of a passport format (``fmt``). The model has none of its own: 307 to
        its example passport."""
        for level in levels:
            if level.key is None:
                found = await self._find(request, link, [level])
                if isinstance(found, web.StreamResponse):
                    return found
                # The query as sent (percent-encoded): decoded, it could put a control
                # character into the Location header.
                raw = request.rel_url.raw_query_string
                query = "&".join(q for q in (f"format={fmt}" if fmt else "", raw) if q)
                location = self._base(request) + location_path(found.key) + "?" + query
                return web.Response(status=307, headers={"Location": location, "Vary": _VARY})
            try:
                return await self._passports.read(request, level.key)
            except Gone:
                raise
            except NotFound:
                continue
        raise NotFound(f"nothing is registered for GTIN {link.gtin}")  # pragma: no cover

    async def _find(
        self, request: web.Request, link: DigitalLink, levels: list[Level]
    ) -> _Found | web.StreamResponse:
        """Walk up ``levels`` of ``link`` to the first that answers; a referral is passed on."""
        edge = self._passports.edge
        tier = edge.tier_for(edge.principal(request), request)
        for level in levels:
            total = 1
            key = level.key
            if key is None:
                total, first = await edge.store.handles(prefix=f"01/{link.gtin}/", limit=1)
                if not first:
                    raise NotFound(f"nothing is registered for GTIN {link.gtin} (model, batch or item)")
                key = first[0]
            try:
                answer = await edge.resolve(request, edge.identify(key), tier)
            except Gone:
                raise
            except NotFound:
                continue
            if answer.referral is not None:
                peer = answer.referral.base_urls[0].rstrip("/") if answer.referral.base_urls else ""
                return web.Response(
                    status=307,
                    headers={"Location": peer + request.path_qs, "Vary": _VARY, "Cache-Control": "max-age=0"},
                )
            return _Found(level, key, answer, tier, total)
        raise NotFound(f"nothing is registered for GTIN {link.gtin}")  # pragma: no cover

    def _parse(self, path: str) -> tuple[DigitalLink, list[Level]]:
        found = self._paths.get(path)
        if found is None:
            link = parse_path(path)
            found = (link, link.levels())
            if len(self._paths) >= _LINKSETS_MAX:
                self._paths.clear()
            self._paths[path] = found
        return found

    async def _linkset(self, base: str, found: _Found, levels: list[Level]) -> _Built:
        view = found.answer.view
        assert view is not None  # the edge guarantees a view when there is no referral
        # The operator's links of the level that answered and of every less granular one.
        keys = [level.path[1:] for level in levels[levels.index(found.level) :]]
        raw = await self._links.raw_for(keys)
        memo_key = (base + found.level.path, found.key, view.version, found.tier, raw)
        cached = self._linksets.get(memo_key)
        if cached is not None:
            return cached
        document = orjson.loads(view.body)
        anchor = base + found.level.path
        target = base + location_path(found.key)
        description = _describe(found, document if isinstance(document, dict) else {})
        events = self._passports.edge.ctx.lifecycle is not None
        linkset = build_linkset(
            anchor, target, document, description=description, events=events, extra=self._links.links_of(raw)
        )
        same_as = "https://id.gs1.org" + found.level.path  # the canonical GS1 Digital Link URI
        header = link_header(f"{anchor}?linkType=all", linkset, same_as=same_as)
        short = link_header(f"{anchor}?linkType=all", {"linkset": []}, same_as=same_as)
        built = _Built(linkset, orjson.dumps(linkset), header, short)
        if len(self._linksets) >= _LINKSETS_MAX:
            self._linksets.popitem(last=False)
        self._linksets[memo_key] = built
        return built

    @staticmethod
    def _headers(
        request: web.Request, found: _Found, built: _Built, *, short: bool = False
    ) -> dict[str, str]:
        return {
            "Link": built.link_short if short else built.link,
            "Vary": _VARY,
            "Cache-Control": cache_control(request, found.tier, found.answer.max_age),
            "Passport-Tier": found.tier.label,
        }

    def _linkset_response(self, request: web.Request, found: _Found, built: _Built) -> web.Response:
        headers = self._headers(request, found, built, short=True)
        etag = body_etag(built.body)  # the body and its Link header are made from the same linkset
        headers["ETag"] = etag
        if not_modified(request, etag):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = LINKSET_TYPE
        return web.Response(body=built.body, headers=headers)

    # --- QR codes ------------------------------------------------------------------------------

    async def qr(self, request: web.Request) -> web.StreamResponse:
        """``/{id}/qr``: the QR code of a passport, SVG (default) or PNG (``?format=png`` or
        ``Accept: image/png``); 404 when there is no passport to point at."""
        match = request.match_info
        base = self._base(request)
        if "prefix" not in match:
            tail = request.raw_path.split("?", 1)[0].rsplit("/qr", 1)[0]
            found = await self._find(request, *self._parse(tail))
            if isinstance(found, web.StreamResponse):
                return found  # a referral to the node that holds it
            content = base + found.level.path
        else:
            edge = self._passports.edge
            ident = edge.identify(match["prefix"] + "/" + match["suffix"])
            await edge.resolve(request, ident, Tier.PUBLIC)
            # An IRI (a handle may hold any Unicode) as a URI: what phones read, and header-safe.
            content = quote(ident.iri, safe=":/?#[]@!$&'()*+,;=%~")
        fmt = request.query.get("format") or (
            "png"
            if _best_offer_of(request.headers.get("Accept"), ("image/svg+xml", "image/png")) == "image/png"
            else "svg"
        )
        headers = {
            "Cache-Control": f"public, max-age={self._config.max_age}",
            "Vary": "Accept",
            "QR-Content": content,
        }
        if fmt == "svg":
            body = qr_svg(content, title=f"QR code: {content}")
            return web.Response(body=body, content_type="image/svg+xml", headers=headers)
        if fmt == "png":
            scale = request.query.get("scale", "8")
            if not scale.isdigit() or not 1 <= int(scale) <= 32:
                raise InputError(f"scale={scale[:20]!r} must be a whole number of pixels per module, 1 to 32")
            return web.Response(
                body=qr_png(content, scale=int(scale)), content_type="image/png", headers=headers
            )
        raise NotAcceptable(
            f"format={fmt[:20]!r}: a QR code is offered as svg or png", offered=["svg", "png"]
        )

    # --- the resolver's description and CORS ----------------------------------------------------

    async def well_known(self, request: web.Request) -> web.Response:
        base = self._base(request)
        body = {
            "name": f"passport-node {self._config.node_id}: battery passports by GS1 Digital Link",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
            "linkTypeDefaultCanBeLinkset": False,
            "supportedContextValuesEnumerated": [],
        }
        return web.Response(
            body=orjson.dumps(body),
            content_type="application/json",
            headers={"Cache-Control": "public, max-age=3600"},
        )


def _describe(found: _Found, document: Mapping[str, object]) -> str:
    name = " ".join(str(document[k]) for k in ("productName", "model") if isinstance(document.get(k), str))
    what = name or "battery"
    if found.level.name == "model":
        return f"{what}: model level, {found.total} registered item(s); passport links name {found.key}"
    return f"{what}: {found.level.name} level"


def _with_query(href: str, request: web.Request) -> str:
    """``href`` with the request's query string passed on (``linkType`` taken out)."""
    passed = [(k, v) for k, v in request.query.items() if k != "linkType"]
    if not passed:
        return href
    href, hash_, fragment = href.partition("#")
    joined = href + ("&" if "?" in href else "?") + urlencode(passed)
    return joined + hash_ + fragment


def _ranges(accept: str | None) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for item in (accept or "").split(",")[:64]:
        media, _, params = item.partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media, quality))
    return ranges


_OFFER_MEMO: dict[str | None, str | None] = {}


def _best_offer(accept: str | None) -> str | None:
    found = _OFFER_MEMO.get(accept, "")
    if found != "":
        return found
    chosen = _choose_offer(accept)
    if len(_OFFER_MEMO) >= 512:
        _OFFER_MEMO.clear()
    _OFFER_MEMO[accept] = chosen
    return chosen


def _choose_offer(accept: str | None) -> str | None:
    """The offer an ``Accept`` header names explicitly with the highest q (None: only ``*/*`` or
    a wildcard range, or no header: the resolver's default answer)."""
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for media, quality in _ranges(accept):
        if media in _OFFERS and quality > 0:
            key = (quality, -_OFFERS.index(media))
            if best is None or key > best:
                best, chosen = key, media
    return chosen


def _best_offer_of(accept: str | None, offers: tuple[str, ...]) -> str | None:
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for media, quality in _ranges(accept):
        if media in offers and quality > 0:
            key = (quality, -offers.index(media))
            if best is None or key > best:
                best, chosen = key, media
    return chosen


def _accepted_types(accept: str | None) -> list[str]:
    return [media for media, quality in sorted(_ranges(accept), key=lambda r: -r[1]) if quality > 0]


async def _warm_page(app: web.Application) -> AsyncIterator[None]:
    """Read what the page needs from the profile (about a second) in a thread while the node
    starts, so the first page view does not hold the event loop."""
    loop = asyncio.get_running_loop()
    warming = loop.run_in_executor(None, lambda: [hidden_points(tier) for tier in Tier])
    yield
    await asyncio.wait([warming])


def add_routes(routes: Routes) -> None:
    """The resolver's routes, ``/{id}/qr`` and ``/compare``; listed before the passport routes in
    ``resolver.http.routes`` so that ``/{prefix}/{suffix}/qr`` is not taken for a passport. GETs of
    ``/01/...`` reach the resolver (aiohttp tries a literal first segment first); writes of them
    still reach the native API."""
    # The resolver's own PassportRoutes: every GET of /01/... and /gtin/... is answered here, so
    # its renders (the page of GS1-keyed passports) are not the native routes' renders.
    passports = PassportRoutes(routes.slot, render_cache_bytes=routes.config.render_cache_bytes)
    links = OperatorLinkRoutes(routes.slot, routes.config)
    resolver = DigitalLinkRoutes(passports, routes.config, links)
    # Before /01/...: "/qr" ends the path of a passport's QR code (as "/history" its history).
    routes.resource("/01/{suffix:.+}/qr", "qr-gtin", GET=(resolver.qr, "qr"))
    routes.resource("/gtin/{suffix:.+}/qr", "qr-gtin-alpha", GET=(resolver.qr, "qr"))
    routes.resource("/{prefix}/{suffix:.+}/qr", "qr", GET=(resolver.qr, "qr"))
    routes.resource("/compare", "compare", GET=(CompareRoutes(passports).compare, "compare"))
    routes.resource("/.well-known/gs1resolver", "gs1resolver", GET=(resolver.well_known, "gs1resolver"))
    routes.resource("/01/{tail:.*}", "digital-link", GET=(resolver.resolve, "digital-link"))
    routes.resource("/gtin/{tail:.*}", "digital-link-alpha", GET=(resolver.resolve, "digital-link"))
    # One segment of URI-safe base64: a compressed Digital Link. Those of a GTIN begin with A
    # (AI 01 ... in its first bits), C or D (optimisation codes 0A to 0C); so the route takes no
    # other one-segment path (a GET of /subscriptions stays a 405).
    routes.resource(
        "/{compressed:[ACD][A-Za-z0-9_-]{9,511}}",
        "digital-link-compressed",
        GET=(resolver.compressed, "digital-link"),
    )
    routes.resource(
        "/gs1/links/{tail:.+}",
        "gs1-links",
        GET=(links.get, "gs1-links"),
        PUT=(links.put, "gs1-links"),
        DELETE=(links.delete, "gs1-links"),
    )
    routes.during_lifetime(_warm_page)
    routes.during_lifetime(links.lifetime)
