"""``GET /{id}/readiness?market=eu|cn|gba&on=DATE``: the readiness report of a passport
(resolver/readiness/), for its operator and for authorities.

The passport is read through the chain at the caller's tier, like any read; data points above
that tier are reported as hidden, not missing. It is judged by the profile the configuration
gives its prefix (a cn-battery passport's EU lines go through the cn -> eu mapping), in the
node's checker pool (the ``/validate`` endpoint's). JSON by default; ``Accept: text/html`` or
``format=html`` gives the page, ``format=text`` the terminal table.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import cast

import orjson
from aiohttp import web

from resolver import jsonld
from resolver.cn.gbt34014 import handle_for, parse_code
from resolver.errors import InputError, NotFound
from resolver.http.router import EdgeSlot, Routes
from resolver.identifiers import Identifier
from resolver.jsontypes import JSON
from resolver.linked import combine
from resolver.linked.passports import LinkedPassports
from resolver.lookup import Answer
from resolver.readiness.assess import MARKETS, assess
from resolver.readiness.report import parse_date
from resolver.tiers import Tier

__all__ = ["ReadinessRoutes", "add_routes"]


class ReadinessRoutes:
    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot
        self._starting = asyncio.Lock()

    async def readiness(self, request: web.Request) -> web.Response:
        market, on = _market_and_date(request)
        edge = self._slot.edge
        ident, tier, answer = await edge.resolve_route(request)
        return await self._report(request, ident, tier, answer, market, on)

    async def by_code(self, request: web.Request) -> web.Response:
        """``/gbt34014/{code}/readiness``: the passport registered as ``{prefix}/{code}`` under
        the first of the node's handle prefixes that has one (as ``GET /gbt34014/{code}``)."""
        market, on = _market_and_date(request)
        code = parse_code(request.match_info["code"])
        edge = self._slot.edge
        tier = edge.tier_for(edge.principal(request), request)
        tried = []
        for prefix in (p for p in edge.config.prefixes if "/" not in p):
            ident = edge.identify(handle_for(code.code, prefix))
            tried.append(ident.key)
            try:
                answer = await edge.resolve(request, ident, tier)
            except NotFound:
                continue
            if answer.view is not None:
                return await self._report(request, ident, tier, answer, market, on)
        raise NotFound(
            f"no passport is registered for GB/T 34014 code {code.code} (tried {', '.join(tried) or 'none'})"
        )

    async def _report(
        self,
        request: web.Request,
        ident: Identifier,
        tier: Tier,
        answer: Answer,
        market: str,
        on: datetime.date,
    ) -> web.Response:
        edge = self._slot.edge
        if answer.view is None:
            raise NotFound(f"no passport is registered for {ident.key}")
        served = answer.tier if answer.tier is not None else tier
        profile = edge.config.profile_for(ident.prefix)
        body = await _with_linked(edge.ctx.linked, answer.view.body, served, profile)
        checker = edge.ctx.checker or edge.ctx.validator
        async with self._starting:
            await checker.start()
        report = await checker.validate(body, profile=profile)
        expanded = jsonld.expand(jsonld.parse_json(body))
        result = assess(market, expanded, report, on, passport=ident.iri, visible=served, profile=profile)
        query = request.query
        fmt = query.get("format") or ("html" if "text/html" in request.headers.get("Accept", "") else "json")
        if fmt == "html":
            return web.Response(text=result.to_html(), content_type="text/html")
        if fmt == "text":
            return web.Response(text=result.to_table(), content_type="text/plain")
        return web.Response(
            body=orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2), content_type="application/json"
        )


def _market_and_date(request: web.Request) -> tuple[str, datetime.date]:
    query = request.query
    market = query.get("market", "eu")
    if market not in MARKETS:
        raise InputError(f"market must be one of {', '.join(MARKETS)}, not {market!r}")
    try:
        on = parse_date(query.get("on"), datetime.datetime.now(datetime.UTC).date())
    except ValueError as err:
        raise InputError(f"on: {err}") from None
    return market, on


async def _with_linked(linked: LinkedPassports | None, body: bytes, tier: Tier, profile: str) -> bytes:
    """The passport with the values of its model and batch passports, when it names them
    (docs/linked.md): a linked item is ready with what they hold."""
    if linked is None or not (b"modelPassport" in body or b"batchPassport" in body):
        return body
    item = combine.as_object(cast(JSON, jsonld.parse_json(body)))
    if item is None:
        return body
    item.pop("proof", None)
    view, _provenance, _read = await linked.view(item, tier, profile)
    return orjson.dumps(view)


def add_routes(routes: Routes) -> None:
    handlers = ReadinessRoutes(routes.slot)
    # Before the handle route, which would read gbt34014/{code} as a handle.
    routes.resource(
        "/gbt34014/{code}/readiness", "gbt34014-readiness", GET=(handlers.by_code, "gbt34014-readiness")
    )
    routes.resource("/{prefix}/{suffix:.+}/readiness", "readiness", GET=(handlers.readiness, "readiness"))
