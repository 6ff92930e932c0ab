"""The router that keeps (method, path) -> route: the same answers as aiohttp's, found once."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from resolver.http.route_memo import MemoRouter, application


async def _ok(request: web.Request) -> web.Response:
    return web.Response()


def _router() -> MemoRouter:
    router = MemoRouter()
    # As the node's: sub-resources first, then the passport route that would match them too.
    router.add_resource("/{prefix}/{suffix}/qr", name="qr").add_route("GET", _ok)
    passport = router.add_resource("/{prefix}/{suffix:[\\s\\S]+}", name="passport")
    passport.add_route("GET", _ok)
    passport.add_route("PUT", _ok)
    return router


async def _resolve(router: MemoRouter, method: str, path: str) -> web.UrlMappingMatchInfo:
    return await router.resolve(make_mocked_request(method, path))


async def test_a_kept_match_is_the_route_and_values_aiohttp_found() -> None:
    router = _router()
    for _ in range(2):  # the second time from the memo
        info = await _resolve(router, "GET", "/88.100.9/BATT-1")
        assert info.route.resource is not None and info.route.resource.name == "passport"
        assert dict(info) == {"prefix": "88.100.9", "suffix": "BATT-1"}
        qr = await _resolve(router, "GET", "/88.100.9/BATT-1/qr")
        assert qr.route.resource is not None and qr.route.resource.name == "qr"
        # The qr resource has no PUT: aiohttp goes on to the passport route, and so does the memo.
        put = await _resolve(router, "PUT", "/88.100.9/BATT-1/qr")
        assert put.route.resource is not None and put.route.resource.name == "passport"
        assert put["suffix"] == "BATT-1/qr"


async def test_each_request_gets_its_own_match_info() -> None:
    router = _router()
    first = await _resolve(router, "GET", "/88.100.9/BATT-1")
    first["suffix"] = "changed by a handler"
    second = await _resolve(router, "GET", "/88.100.9/BATT-1")
    assert second is not first and second["suffix"] == "BATT-1"


async def test_no_route_is_not_kept_and_stays_an_error() -> None:
    router = _router()
    for _ in range(2):
        missing = await _resolve(router, "GET", "/one-segment")
        assert isinstance(missing.http_exception, web.HTTPNotFound)
        wrong = await _resolve(router, "DELETE", "/88.100.9/BATT-1")
        assert isinstance(wrong.http_exception, web.HTTPMethodNotAllowed)
    assert len(router._matched) == 0


async def test_the_memo_is_bounded_in_bytes() -> None:
    router = MemoRouter(max_bytes=4096)
    router.add_resource("/{prefix}/{suffix:[\\s\\S]+}").add_route("GET", _ok)
    for i in range(200):
        await _resolve(router, "GET", f"/88.100.9/BATT-{i}")
    assert 0 < router._matched.bytes <= 4096


def test_the_node_application_routes_with_it() -> None:
    app = application(client_max_size=1024)
    assert isinstance(app.router, MemoRouter)
