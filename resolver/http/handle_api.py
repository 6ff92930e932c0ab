"""The Handle REST API (as the Handle.Net v9 server shapes it) in front of the passport store.

A passport's handle record has derived values: index 1 ``URL`` (the passport on this node,
by content negotiation), index 2 ``PASSPORT_JSONLD`` (where its JSON-LD is) and, for the
prefix's operators only, index 100 ``HS_ADMIN``. Writing a handle means writing its passport:
a PUT carries the document as the ``PASSPORT_JSONLD`` value; a DELETE leaves a tombstone.
Errors are problem documents that also carry Handle's ``responseCode`` and ``handle``, so
Handle clients read them as they read a Handle server's.
"""

from __future__ import annotations

import datetime

import orjson
from aiohttp import web

from resolver import jsonld
from resolver.credentials import Principal
from resolver.errors import (
    AuthError,
    Conflict,
    Forbidden,
    Gone,
    InputError,
    InvalidIdentifier,
    InvalidPassport,
    NotFound,
    PreconditionFailed,
    ResolverError,
)
from resolver.http.caching import body_etag, cache_control, not_modified
from resolver.http.edge import Edge, Preconditions
from resolver.http.hot import HotAnswers
from resolver.http.passports import location_path, refuse_sub_resource_handle
from resolver.http.query import MAX_QUERY_NUMBER, whole_number
from resolver.http.router import EdgeSlot, Routes
from resolver.lookup import Answer
from resolver.memo import memoize, text_size
from resolver.tiers import Role, Tier

__all__ = ["PASSPORT_TYPE", "HandleRoutes", "add_routes"]

PASSPORT_TYPE = "PASSPORT_JSONLD"
_DERIVED_TYPES = frozenset({"URL", "HS_ADMIN"})
_ADMIN_PERMISSIONS = "011111110011"  # Handle.Net's default for a prefix administrator
_MAX_PAGE_SIZE = 10_000

# Handle responseCode for each of the node's errors (most specific first).
_RESPONSE_CODES: tuple[tuple[type[ResolverError], int], ...] = (
    (InvalidIdentifier, 102),
    (NotFound, 100),
    (PreconditionFailed, 101),
    (Forbidden, 400),
    (AuthError, 402),
    (InvalidPassport, 202),
    (InputError, 202),
    (Conflict, 2),
    (ResolverError, 2),
)


def _stamp(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The Handle timestamp of a modification time, memoised: strftime per answer showed in the
# handle-api benchmark's profile, and versions repeat.
_timestamp = memoize(_stamp, max_bytes=4 * 1024 * 1024, size=text_size)


def _as_handle_error(err: ResolverError, handle: str) -> ResolverError:
    """``err`` with Handle's members; a tombstone reads as "handle not found" (404, code 100)."""
    if isinstance(err, Gone):
        err = NotFound(err.detail, **err.extensions)
    elif isinstance(err, PreconditionFailed):
        err = Conflict(err.detail, **err.extensions)
        err.extensions["responseCode"] = 101
    code = next(code for cls, code in _RESPONSE_CODES if isinstance(err, cls))
    err.extensions.setdefault("responseCode", code)
    err.extensions["handle"] = handle
    return err


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(data), content_type="application/json")


# What changes a handle record besides its URL: the caller (HS_ADMIN for operators).
_VARY = "Authorization"


def _record(request: web.Request, data: object, max_age: int) -> web.Response:
    """A handle record's answer: a strong ETag of its bytes, ``304`` on revalidation, and
    ``public`` caching only for a caller without credentials (the record then has no HS_ADMIN)."""
    body = orjson.dumps(data)
    etag = body_etag(body)
    headers = {"ETag": etag, "Vary": _VARY, "Cache-Control": cache_control(request, Tier.PUBLIC, max_age)}
    if not_modified(request, etag):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


class HandleRoutes:
    """Handlers of ``/api/handles``; they reach the node through the edge of ``slot``."""

    def __init__(self, slot: EdgeSlot, hot: HotAnswers | None = None) -> None:
        self._slot = slot
        self._hot = hot  # public records kept whole (resolver/http/hot.py)

    @property
    def edge(self) -> Edge:
        return self._slot.edge

    def _base(self, request: web.Request) -> str:
        return self.edge.config.base_url or f"{request.scheme}://{request.host}"

    async def get(self, request: web.Request) -> web.Response:
        text = request.match_info["handle"]
        try:
            return await self._get(request, text)
        except ResolverError as err:
            raise _as_handle_error(err, text) from err

    async def _get(self, request: web.Request, text: str) -> web.Response:
        edge = self.edge
        if text[:5].upper() == "0.NA/":
            return self._prefix_handle(request, text)
        ident = edge.identify(text)
        principal = edge.principal(request)
        tier = edge.tier_for(principal, request)
        answer = await edge.resolve(request, ident, tier)
        view = answer.view
        if view is None:
            raise NotFound(f"no passport is registered for {ident.key}", handle=ident.key)
        url = self._base(request) + location_path(ident.key)
        stamp = _timestamp(view.modified)
        # The ttl counts down with the copy's age (never below 0); a stale copy says so.
        ttl = max(0, answer.max_age - answer.age)
        values: list[dict[str, object]] = [
            {
                "index": 1,
                "type": "URL",
                "data": {"format": "string", "value": url},
                "ttl": ttl,
                "timestamp": stamp,
            },
            {
                "index": 2,
                "type": PASSPORT_TYPE,
                "data": {"format": "string", "value": url + "?format=jsonld"},
                "ttl": ttl,
                "timestamp": stamp,
            },
        ]
        if principal.may_write(ident.key):
            admin = {"handle": f"0.NA/{ident.prefix}", "index": 200, "permissions": _ADMIN_PERMISSIONS}
            values.append(
                {
                    "index": 100,
                    "type": "HS_ADMIN",
                    "data": {"format": "admin", "value": admin},
                    "ttl": ttl,
                    "timestamp": stamp,
                }
            )
        query = request.query
        types = set(query.getall("type", []))
        indices = set(query.getall("index", []))
        if types or indices:
            values = [v for v in values if v["type"] in types or str(v["index"]) in indices]
        if not values:
            return _record(request, {"responseCode": 200, "handle": text}, ttl)
        found: dict[str, object] = {"responseCode": 1, "handle": text, "values": values}
        if answer.stale:
            found["stale"] = True  # served past its lifetime because the owner did not answer
            found["age"] = answer.age
        response = _record(request, found, ttl)
        if self._hot is not None and self._public_local(principal, answer):
            self._hot.offer(request, ident.key, view, response, "handle-get")
        return response

    def _public_local(self, principal: Principal, answer: Answer) -> bool:
        """Whether a record is what every anonymous caller gets until the passport changes: a
        public caller, this node's own current passport, and a configured base URL (else the
        record's URLs follow each request's Host)."""
        return (
            principal.role is Role.PUBLIC
            and not principal.peer
            and answer.source == "local"
            and not answer.stale
            and answer.tier in (None, Tier.PUBLIC)
            and bool(self.edge.config.base_url)
        )

    def _prefix_handle(self, request: web.Request, text: str) -> web.Response:
        """The prefix handle ``0.NA/{prefix}`` of a prefix this node holds: it names the node.

        Handle clients look up their admin identity (``300:0.NA/88.100.1``) before writing; the
        prefix handle's values are the node's description and, for its operators, HS_ADMIN.
        """
        prefix = text[5:]
        if prefix not in self.edge.config.prefixes:
            raise NotFound(f"{self.edge.node_id} holds no prefix {prefix!r}", handle=text)
        principal = self.edge.principal(request)
        ttl = self.edge.config.max_age
        values: list[dict[str, object]] = [
            {
                "index": 1,
                "type": "URL",
                "data": {"format": "string", "value": self._base(request) + "/.well-known/passport-node"},
                "ttl": ttl,
            }
        ]
        if principal.role is Role.OPERATOR and prefix in principal.prefixes:
            admin = {"handle": f"0.NA/{prefix}", "index": 200, "permissions": _ADMIN_PERMISSIONS}
            values.append(
                {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": admin}, "ttl": ttl}
            )
        return _record(request, {"responseCode": 1, "handle": text, "values": values}, ttl)

    async def put(self, request: web.Request) -> web.Response:
        text = request.match_info["handle"]
        try:
            return await self._put(request, text)
        except ResolverError as err:
            raise _as_handle_error(err, text) from err

    async def _put(self, request: web.Request, text: str) -> web.Response:
        edge = self.edge
        ident = self.edge.writable(request, text)
        await refuse_sub_resource_handle(request, text)
        overwrite = request.query.get("overwrite", "true").lower() != "false"
        body = await edge.read_body(request, media_types=("application/json", "application/ld+json"))
        limits = edge.limits
        data = jsonld.parse_json(body, max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth)
        document = _passport_value(data)
        preconditions = Preconditions() if overwrite else Preconditions(none_match_any=True)
        outcome = await edge.write(ident, document, preconditions)
        return _json({"responseCode": 1, "handle": text}, status=201 if outcome.created else 200)

    async def delete(self, request: web.Request) -> web.Response:
        text = request.match_info["handle"]
        try:
            ident = self.edge.writable(request, text)
            await refuse_sub_resource_handle(request, text)
            indices = set(request.query.getall("index", []))
            if indices and "2" not in indices:
                raise InputError(
                    "the URL and HS_ADMIN values are derived from the passport; delete the handle "
                    "or its PASSPORT_JSONLD value (index 2)"
                )
            await self.edge.delete(ident, Preconditions())
        except ResolverError as err:
            raise _as_handle_error(err, text) from err
        return _json({"responseCode": 1, "handle": text})

    async def list(self, request: web.Request) -> web.Response:
        query = request.query
        prefix = query.get("prefix", "")
        try:
            principal = self.edge.principal(request)
            if principal.role is Role.PUBLIC:
                raise AuthError("listing handles needs credentials")
            prefix = prefix.removeprefix("0.NA/").removeprefix("0.na/")
            if not prefix:
                raise InputError("prefix= is required, for example prefix=88.100.1")
            page = _whole(query.get("page", "0"), "page")
            page_size = _whole(query.get("pageSize", str(_MAX_PAGE_SIZE)), "pageSize")
            if page_size < 1:
                raise InputError("pageSize must be at least 1")
            page_size = min(page_size, _MAX_PAGE_SIZE)
            if page * page_size > MAX_QUERY_NUMBER:
                raise InputError(f"page={page} is beyond any listing (page x pageSize over 2^53)")
            # A handle prefix lists its own handles only (88.100 does not list 88.100.1/...).
            key_prefix = prefix if prefix.startswith("01/") else prefix + "/"
            total, handles = await self.edge.store.handles(
                prefix=key_prefix, offset=page * page_size, limit=page_size
            )
        except ResolverError as err:
            raise _as_handle_error(err, prefix) from err
        return _json(
            {
                "responseCode": 1,
                "prefix": prefix,
                "totalCount": str(total),  # a string in Handle.Net's own answers
                "page": page,
                "pageSize": page_size,
                "handles": handles,
            }
        )


def _whole(text: str, name: str) -> int:
    return whole_number(text, name)


def _passport_value(data: object) -> bytes:
    """The passport document carried by a Handle PUT body (``{"values": [...]}`` or a bare list)."""
    values = data.get("values") if isinstance(data, dict) else data
    if not isinstance(values, list):
        raise InputError('the body must be {"values": [...]} as in the Handle REST API')
    found: bytes | None = None
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise InputError("each value needs a 'type'")
        kind = value["type"]
        if kind in _DERIVED_TYPES:
            continue  # derived by the node from the passport
        if kind != PASSPORT_TYPE:
            raise InputError(f"a passport node stores no {kind[:40]!r} values; give a {PASSPORT_TYPE} value")
        raw = value.get("data")
        content = raw.get("value") if isinstance(raw, dict) else raw
        if isinstance(content, dict):
            found = orjson.dumps(content)
        elif isinstance(content, str) and content.lstrip().startswith("{"):
            found = content.encode("utf-8")
        else:
            raise InputError(
                f"the {PASSPORT_TYPE} value must be the passport document (JSON-LD); "
                "the node serves its location itself"
            )
    if found is None:
        raise InputError(f"a PUT must carry the passport as a {PASSPORT_TYPE} value")
    return found


def add_routes(routes: Routes) -> None:
    handles = HandleRoutes(routes.slot, routes.hot)
    routes.resource("/api/handles", "handle-list", GET=(handles.list, "handle-list"))
    routes.resource(
        "/api/handles/{handle:[\\s\\S]+}",  # any character, a decoded newline too
        "handle",
        GET=(handles.get, "handle-get"),
        PUT=(handles.put, "handle-put"),
        DELETE=(handles.delete, "handle-delete"),
    )
