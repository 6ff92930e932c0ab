"""CORS for the node's public answers, and ``OPTIONS`` on every path.

Every answer to a caller without credentials is public, so any origin may read it
(``Access-Control-Allow-Origin: *``, with the headers a client needs exposed); an answer to a
caller with credentials is not shared with other origins. ``OPTIONS`` answers 204 with ``Allow``
and the preflight headers, on any path.
"""

from __future__ import annotations

from aiohttp import web

from resolver.http.hot import HotAnswers
from resolver.http.problems import guarded
from resolver.metrics import Metrics

__all__ = ["add_cors"]

_METHODS = "GET, HEAD, OPTIONS, PUT, PATCH, DELETE, POST"
_ALLOW_HEADERS = (
    "Accept, Accept-Language, Authorization, Content-Type, If-Match, If-None-Match, Prefer, Passport-Tier"
)
_EXPOSE_HEADERS = (
    "Link, Location, ETag, Last-Modified, Passport-Tier, Passport-Source, Passport-Owner, Age, Warning, "
    "QR-Content, Passport-Proof, Passport-Log-Index, Passport-Unverified"
)


async def _options(request: web.Request) -> web.Response:
    return web.Response(
        status=204,
        headers={
            "Allow": _METHODS,
            "Access-Control-Allow-Methods": _METHODS,
            "Access-Control-Allow-Headers": _ALLOW_HEADERS,
            "Access-Control-Max-Age": "86400",
        },
    )


# What every answer to a caller without credentials carries.
_PUBLIC = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": _EXPOSE_HEADERS}


async def _public_answers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    if "Authorization" not in request.headers:
        response.headers.update(_PUBLIC)


class _PreflightResource(web.DynamicResource):
    """``OPTIONS`` on every path. To other methods it is invisible, so that a path no route has
    stays a 404 (a plain catch-all resource would make it a 405 allowing only OPTIONS)."""

    async def resolve(self, request: web.Request) -> tuple[web.UrlMappingMatchInfo | None, set[str]]:
        if request.method != "OPTIONS":
            return None, set()
        return await super().resolve(request)


def add_cors(app: web.Application, metrics: Metrics, hot: HotAnswers | None = None) -> None:
    """``OPTIONS`` on every path of ``app``, and CORS headers on its public answers (``hot``:
    the app's kept answers, which hold them instead of being sent the signal that adds them)."""
    preflight = _PreflightResource("/{_any:[\\s\\S]*}", name="options")  # "." would miss a decoded newline
    app.router.register_resource(preflight)
    preflight.add_route("OPTIONS", guarded(_options, "options", metrics))
    app.on_response_prepare.append(_public_answers)
    if hot is not None:
        hot.stand_in(app, _public_answers, _PUBLIC)
