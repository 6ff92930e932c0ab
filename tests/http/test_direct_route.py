"""The passport route matched directly: the same route and values as aiohttp's walk, or no answer."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from resolver.app import create_app
from resolver.config import default_config
from resolver.http.direct_route import DirectRoute
from resolver.http.route_memo import MemoRouter


async def _ok(request: web.Request) -> web.Response:
    return web.Response()


def _node_router() -> web.UrlDispatcher:
    app = create_app(default_config())
    app.router.freeze()
    return app.router


# Paths of every kind the node serves, and some it does not.
_PATHS = [
    "/88.100.9/BATT-1",
    "/88.100.9/batt-1",
    "/88.100.9/BATT%2F1",
    "/88.100.9/BATT%251",
    "/88.100.9/A/B",
    "/88.100.9/BATT-1/history",
    "/88.100.9/BATT-1/qr",
    "/88.100.9/BATT-1/events",
    "/88.100.9/BATT-1/series/soc",
    "/88.100.9/BATT-1/readiness",
    "/88.100.9/BATT-1/linked",
    "/88.100.9/qr",
    "/88.100.9/events",
    "/88.100.9/",
    "//BATT-1",
    "/keys/abc",
    "/keys/abc/def",
    "/01/09521234010012/21/EV-1",
    "/01/09521234010012",
    "/gtin/09521234010012/21/EV-1",
    "/api/handles/88.100.9/BATT-1",
    "/log/sth",
    "/subscriptions/x/y",
    "/gbt34014/abc",
    "/healthz",
    "/validate",
    "/compressedthing",
    "/",
    "/88.100.9/%E4%B8%AD%E6%96%87",
]


async def test_direct_matches_are_what_aiohttp_finds() -> None:
    router = _node_router()
    direct = DirectRoute.of(router, "passport")
    assert direct is not None
    taken = 0
    for method in ("GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS"):
        for path in _PATHS:
            request = make_mocked_request(method, path)
            found = direct.match(method, request.rel_url.path_safe)
            if found is None:
                continue
            taken += 1
            expected = await web.UrlDispatcher.resolve(router, request)
            assert expected.http_exception is None, (method, path)
            assert found.route is expected.route, (method, path)
            assert dict(found) == dict(expected), (method, path)
    assert taken >= 10  # the passport paths (and their history) are taken directly


async def test_sub_resources_and_other_groups_are_left_to_the_router() -> None:
    router = _node_router()
    direct = DirectRoute.of(router, "passport")
    assert direct is not None
    for path in (
        "/88.100.9/BATT-1/qr",
        "/88.100.9/BATT-1/events",
        "/01/09521234010012/21/EV-1",
        "/keys/abc",
        "/api/handles/x/y",
    ):
        assert direct.match("GET", path) is None, path
    assert direct.match("OPTIONS", "/88.100.9/BATT-1") is None  # CORS's route, not the passport's


def test_no_direct_route_without_the_resource_or_before_the_router_is_frozen() -> None:
    router = MemoRouter()
    router.add_resource("/{prefix}/{suffix:[\\s\\S]+}", name="passport").add_route("GET", _ok)
    assert DirectRoute.of(router, "passport") is None  # not frozen
    router.freeze()
    assert DirectRoute.of(router, "nothing") is None
    assert DirectRoute.of(router, "passport") is not None


async def test_the_memo_router_takes_direct_paths_without_keeping_them() -> None:
    router = MemoRouter(direct="passport")
    router.add_resource("/{prefix}/{suffix}/qr", name="qr").add_route("GET", _ok)
    router.add_resource("/{prefix}/{suffix:[\\s\\S]+}", name="passport").add_route("GET", _ok)
    router.freeze()
    info = await router.resolve(make_mocked_request("GET", "/88.100.9/BATT-1"))
    assert info.route.resource is not None and info.route.resource.name == "passport"
    assert dict(info) == {"prefix": "88.100.9", "suffix": "BATT-1"}
    assert len(router._matched) == 0
    qr = await router.resolve(make_mocked_request("GET", "/88.100.9/BATT-1/qr"))
    assert qr.route.resource is not None and qr.route.resource.name == "qr"
    assert len(router._matched) == 1
