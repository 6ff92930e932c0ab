"""Hot answers: kept whole per (path, Accept), served only while the local stage keeps their view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from resolver.http.hot import HotAnswers
from resolver.lookup import HOPS_HEADER
from resolver.metrics import Metrics
from resolver.ratelimit import Rate, RateLimiter
from resolver.stages.local import PublicViews
from resolver.stores import open_store
from resolver.stores.base import Store, View
from resolver.tiers import Tier

KEY = "88.100.1/HOT-1"
PATH = "/88.100.1/HOT-1"
JSONLD = {"Accept": "application/ld+json"}
_NO_LIMIT = RateLimiter(anonymous=Rate(0, 0), credentialed=Rate(0, 0))


def _views(version: int) -> dict[Tier, bytes]:
    return {tier: b'{"version": %d, "tier": "%s"}' % (version, tier.label.encode()) for tier in Tier}


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await open_store(f"sqlite:///{tmp_path}/passports.sqlite3")
    await opened.put(KEY, _views(1), expected_version=0)
    try:
        yield opened
    finally:
        await opened.aclose()


async def _kept(views: PublicViews, store: Store, key: str = KEY) -> View:
    """The current public view of ``key``, read and kept as the local stage keeps it."""
    epoch = views.epoch
    view = await store.get_view(key, Tier.PUBLIC)
    assert view is not None
    views.put(key, view, epoch)
    assert views.peek(key) is view
    return view


def _response(view: View) -> web.Response:
    return web.Response(
        body=view.body,
        headers={"ETag": f'"v{view.version}.public.jsonld"', "Content-Type": "application/ld+json"},
    )


async def _ready(store: Store) -> tuple[HotAnswers, PublicViews, Metrics]:
    views = PublicViews(store, max_bytes=1 << 20)  # not started: the tests deliver the feed
    await views.catch_up()
    metrics = Metrics()
    hot = HotAnswers(metrics, max_bytes=1 << 20)
    hot.open(views, _NO_LIMIT)
    return hot, views, metrics


def _get(path: str = PATH, **headers: str) -> web.Request:
    return make_mocked_request("GET", path, headers={**JSONLD, **headers})


def _served(found: web.UrlMappingMatchInfo) -> web.Request:
    """The request as aiohttp's application hands it to the handler of the route ``found``:
    with that match (which carries the kept answer) as its ``match_info``."""
    request = _get()
    request._match_info = found
    return request


async def test_a_kept_answer_is_served_for_its_path_and_accept_with_the_same_headers(store: Store) -> None:
    hot, views, metrics = await _ready(store)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert hot.match(_get(path=PATH + "x")) is None
    assert hot.match(make_mocked_request("GET", PATH, headers={"Accept": "text/turtle"})) is None
    found = hot.match(_get())
    assert found is not None
    response = await found.handler(_served(found))
    assert isinstance(response, web.Response)
    assert response.status == 200 and response.body == view.body
    assert response.headers["ETag"] == '"v1.public.jsonld"'
    assert response.headers["Content-Type"] == "application/ld+json"
    assert response.headers["Content-Length"] == str(len(view.body))
    # Counted as the route that made it would have counted it.
    assert metrics.requests.get("passport", "200") == 1
    assert metrics.answers.get("local") == 1
    assert sum(metrics.latency.counts[("passport",)]) == 1


async def test_requests_that_could_get_another_answer_take_the_ordinary_path(store: Store) -> None:
    hot, views, _ = await _ready(store)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert hot.match(_get(Authorization="Bearer token")) is None
    assert hot.match(_get(**{"If-None-Match": '"v1.public.jsonld"'})) is None
    assert hot.match(_get(**{HOPS_HEADER: "peer-a"})) is None
    assert hot.match(_get()) is not None


async def test_a_write_in_this_process_makes_the_kept_answer_stale_at_once(store: Store) -> None:
    hot, views, _ = await _ready(store)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    await store.put(KEY, _views(2), expected_version=1)
    views.forget(KEY)  # what the edge's write does (Node.forget)
    assert hot.match(_get()) is None
    await views.catch_up()  # a view newer than the feed seen is not kept: the follower reads it first
    newer = await _kept(views, store)
    hot.offer(_get(), KEY, newer, _response(newer), "passport")
    found = hot.match(_get())
    assert found is not None
    response = await found.handler(_served(found))
    assert isinstance(response, web.Response) and response.body == newer.body
    assert response.headers["ETag"] == '"v2.public.jsonld"'


async def test_a_change_the_feed_delivers_is_never_served_stale(store: Store) -> None:
    hot, views, _ = await _ready(store)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    await store.put(KEY, _views(2), expected_version=1)  # another process's write
    await views.catch_up()  # the feed names the handle
    assert hot.match(_get()) is None
    # Deleted too: the answer made before the deletion is not served.
    newer = await _kept(views, store)
    hot.offer(_get(), KEY, newer, _response(newer), "passport")
    await store.delete(KEY, expected_version=2)
    await views.catch_up()
    assert hot.match(_get()) is None


async def test_a_view_the_local_stage_does_not_keep_is_not_kept_here(store: Store) -> None:
    hot, views, _ = await _ready(store)
    view = await store.get_view(KEY, Tier.PUBLIC)  # read, but not kept (as when its cache is full)
    assert view is not None
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert len(hot) == 0 and hot.match(_get()) is None
    kept = await _kept(views, store)
    hot.offer(_get(Authorization="Bearer token"), KEY, kept, _response(kept), "passport")
    hot.offer(_get(), KEY, kept, web.Response(status=404), "passport")
    assert len(hot) == 0


async def test_nothing_is_kept_or_served_before_open_or_after_close(store: Store) -> None:
    views = PublicViews(store, max_bytes=1 << 20)
    await views.catch_up()
    hot = HotAnswers(Metrics(), max_bytes=1 << 20)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert len(hot) == 0
    hot.open(views, _NO_LIMIT)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert hot.match(_get()) is not None
    hot.close()
    assert len(hot) == 0 and hot.match(_get()) is None
    off = HotAnswers(Metrics(), max_bytes=0)  # hot_cache_bytes = 0
    off.open(views, _NO_LIMIT)
    off.offer(_get(), KEY, view, _response(view), "passport")
    assert off.match(_get()) is None


async def test_the_public_rate_limit_applies_to_hot_answers(store: Store) -> None:
    now = [0.0]
    limiter = RateLimiter(anonymous=Rate(1.0, 2), credentialed=Rate(0, 0), clock=lambda: now[0])
    views = PublicViews(store, max_bytes=1 << 20)
    await views.catch_up()
    hot = HotAnswers(Metrics(), max_bytes=1 << 20)
    hot.open(views, limiter)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    assert hot.match(_get()) is not None
    assert hot.match(_get()) is not None
    assert hot.match(_get()) is None  # over the burst: the ordinary path answers 429
    now[0] = 1.0
    assert hot.match(_get()) is not None


@pytest.mark.parametrize("accept", ["", "text/turtle"])
async def test_each_accept_header_has_its_own_answer(store: Store, accept: str) -> None:
    hot, views, _ = await _ready(store)
    view = await _kept(views, store)
    request = make_mocked_request("GET", PATH, headers={"Accept": accept} if accept else {})
    hot.offer(request, KEY, view, _response(view), "passport")
    assert (
        hot.match(make_mocked_request("GET", PATH, headers={"Accept": accept} if accept else {})) is not None
    )
    assert hot.match(_get()) is None


async def _cors(request: web.BaseRequest, response: web.StreamResponse) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"


async def _other(request: web.BaseRequest, response: web.StreamResponse) -> None:
    response.headers["X-Other"] = "1"


async def _served_in(app: web.Application, hot: HotAnswers) -> tuple[web.UrlMappingMatchInfo, web.Response]:
    """The match and response of a kept answer, as ``app`` hands the request to the hot route."""
    found = hot.match(_get())
    assert found is not None
    found.add_app(app)  # as web.Application._handle does
    found.freeze()
    response = await found.handler(_served(found))
    assert isinstance(response, web.Response)
    return found, response


async def test_a_kept_answer_holds_what_the_prepare_signal_adds_and_skips_the_signal(store: Store) -> None:
    app = web.Application()
    app.on_response_prepare.append(_cors)
    hot, views, _ = await _ready(store)
    hot.stand_in(app, _cors, {"Access-Control-Allow-Origin": "*"})
    hot.open(views, _NO_LIMIT)  # in the app's startup, before aiohttp freezes it
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    found, response = await _served_in(app, hot)
    assert found.apps == (app,)  # not frozen yet: the signal could still change, it is sent
    app.freeze()
    hot.offer(_get(), KEY, view, _response(view), "passport")
    found, response = await _served_in(app, hot)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # The app is the handler's (request.app) but its signals are not sent for this answer.
    assert found.current_app is app and found.apps == ()
    again = await found.handler(_served(found))
    assert again.headers is not response.headers  # each answer has a header set of its own


async def test_a_prepare_signal_with_more_than_the_stand_in_is_sent_to_kept_answers(store: Store) -> None:
    app = web.Application()
    app.on_response_prepare.append(_cors)
    app.on_response_prepare.append(_other)
    hot, views, _ = await _ready(store)
    hot.stand_in(app, _cors, {"Access-Control-Allow-Origin": "*"})
    app.freeze()
    hot.open(views, _NO_LIMIT)
    view = await _kept(views, store)
    hot.offer(_get(), KEY, view, _response(view), "passport")
    found, response = await _served_in(app, hot)
    assert "Access-Control-Allow-Origin" not in response.headers  # the signal adds it when sent
    assert found.apps == (app,)
