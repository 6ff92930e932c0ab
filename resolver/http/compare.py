"""``GET /compare?ids=A,B[,C[,D]]``: two to four passports side by side, as a page (default) or
as JSON (``Accept: application/json``), each from the caller's tier view."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web

from resolver.errors import InputError
from resolver.http.caching import cache_control
from resolver.http.passports import PassportRoutes, location_path
from resolver.page.compare import Battery, compare_json, compare_page
from resolver.page.i18n import choose_language

__all__ = ["CompareRoutes"]

_VARY = "Accept, Accept-Language, Authorization, Passport-Tier"


class CompareRoutes:
    def __init__(self, passports: PassportRoutes) -> None:
        self._passports = passports

    async def compare(self, request: web.Request) -> web.Response:
        ids = [text.strip() for text in request.query.get("ids", "").split(",") if text.strip()]
        if not 2 <= len(ids) <= 4:
            raise InputError(f"compare takes 2 to 4 identifiers in ids=, separated by commas; got {len(ids)}")
        edge = self._passports.edge
        idents = [edge.identify(text) for text in ids]
        if len({ident.key for ident in idents}) < len(idents):
            raise InputError("ids= names the same passport twice")
        tier = edge.tier_for(edge.principal(request), request)
        answers = await asyncio.gather(*(edge.resolve(request, ident, tier) for ident in idents))
        batteries = []
        for ident, answer in zip(idents, answers, strict=True):
            if answer.view is None:
                raise InputError(
                    f"{ident.key} is held by another node; compare passports this node answers for"
                )
            batteries.append(Battery(ident.key, location_path(ident.key), orjson.loads(answer.view.body)))
        control = cache_control(request, tier, 60) if tier.label == "public" else "private, max-age=0"
        headers = {"Vary": _VARY, "Cache-Control": control, "Passport-Tier": tier.label}
        accept = request.headers.get("Accept", "")
        if "application/json" in accept and "text/html" not in accept:
            return web.Response(
                body=orjson.dumps(compare_json(batteries)), content_type="application/json", headers=headers
            )
        lang = choose_language(request.query.get("lang"), request.headers.get("Accept-Language"))
        headers["Content-Language"] = lang
        body = compare_page(batteries, lang=lang, tier_label=tier.label)
        return web.Response(body=body, content_type="text/html", charset="utf-8", headers=headers)
