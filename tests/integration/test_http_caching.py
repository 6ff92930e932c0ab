"""Caching headers on every passport answer path: public only without credentials, strong
ETags, and 304 before any body is built (native API, history, versions, Handle API, GS1)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from resolver.app import HOT, RunningNode
from resolver.stores import open_store
from resolver.validation import prepare_sync
from tests.integration.conftest import (
    AUTHORITY,
    EXAMPLE_HANDLE,
    OPERATOR,
    REPAIRER,
    bearer,
    new_handle,
    passport,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

URL_OF = "/" + EXAMPLE_HANDLE
VARY = "Accept, Authorization, Passport-Tier, Prefer"


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(url, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


def _renders(node: RunningNode, fmt: str) -> float:
    counter = node.node.metrics.counter("passport_renders_total", "", ["format"])
    return counter.get(fmt)


async def _revalidates(http: aiohttp.ClientSession, url: str, **headers: str) -> CIMultiDict[str]:
    """GET ``url``, then again with its ETag: a 304 with the same validators and no body."""
    status, first, _ = await _get(http, url, **headers)
    assert status == 200 and first["ETag"].startswith('"') and not first["ETag"].startswith("W/")
    status, again, body = await _get(http, url, **headers, **{"If-None-Match": first["ETag"]})
    assert (status, body) == (304, b"")
    for name in ("ETag", "Cache-Control", "Vary"):
        assert again[name] == first[name], name
    return first


async def test_only_an_anonymous_public_answer_is_public(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    _, anonymous, _ = await _get(http, node.url + URL_OF)
    assert anonymous["Cache-Control"] == f"public, max-age={node.config.max_age}"
    # Every answer to credentials is private. (Passport-Tier is honoured from federation peers
    # only, so a caller's own credentials cannot lower it to the public view: it is ignored.)
    for token in (AUTHORITY, REPAIRER, OPERATOR):
        _, lowered, _ = await _get(http, node.url + URL_OF, **bearer(token), **{"Passport-Tier": "public"})
        _, tiered, _ = await _get(http, node.url + URL_OF, **bearer(token))
        assert lowered["Passport-Tier"] == tiered["Passport-Tier"] != "public"
        assert lowered["Cache-Control"].startswith("private"), token
        assert tiered["Cache-Control"].startswith("private") and tiered["Vary"] == VARY


async def test_every_native_read_revalidates(node: RunningNode, http: aiohttp.ClientSession) -> None:
    await _revalidates(http, node.url + URL_OF)
    await _revalidates(http, node.url + URL_OF, **bearer(AUTHORITY))
    history = await _revalidates(http, node.url + URL_OF + "/history")
    assert history["Cache-Control"].startswith("public") and history["Vary"] == VARY
    version = await _revalidates(http, node.url + URL_OF + "?version=1", **bearer(REPAIRER))
    assert version["Cache-Control"].startswith("private") and "immutable" in version["Cache-Control"]
    page = await _revalidates(http, node.url + URL_OF, Accept="text/html", **{"Accept-Language": "de"})
    assert page["Vary"] == VARY + ", Accept-Language"


async def test_a_revalidation_renders_nothing(node: RunningNode, http: aiohttp.ClientSession) -> None:
    # The N-Triples of this passport have not been rendered yet; their ETag is the version's.
    before = _renders(node, "ntriples")
    _, jsonld, _ = await _get(http, node.url + URL_OF)
    etag = jsonld["ETag"].replace(".jsonld", ".nt")
    status, headers, body = await _get(
        http, node.url + URL_OF + "?format=ntriples", **{"If-None-Match": etag}
    )
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert _renders(node, "ntriples") == before
    status, _, body = await _get(http, node.url + URL_OF + "?format=ntriples")
    assert status == 200 and body and _renders(node, "ntriples") == before + 1


async def test_handle_api_record_is_cacheable_only_without_credentials(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    url = node.url + "/api/handles/" + EXAMPLE_HANDLE
    anonymous = await _revalidates(http, url)
    assert anonymous["Cache-Control"].startswith("public") and anonymous["Vary"] == "Authorization"
    operator = await _revalidates(http, url, **bearer(OPERATOR))
    assert operator["Cache-Control"].startswith("private")
    assert operator["ETag"] != anonymous["ETag"]  # the operator's record has HS_ADMIN


# --- hot answers (resolver/http/hot.py): the ordinary answer, kept whole while it is current ----


JSONLD = "application/ld+json"


def _hot(node: RunningNode, path: str, accept: str) -> bool:
    """Whether the node would answer GET ``path`` with ``Accept: accept`` from a kept answer."""
    return node.app[HOT].match(make_mocked_request("GET", path, headers={"Accept": accept})) is not None


async def _put(http: aiohttp.ClientSession, node: RunningNode, handle: str, body: bytes) -> None:
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(f"{node.url}/{handle}", data=body, headers=headers) as response:
        assert response.status in (200, 201), await response.text()
    local = node.node.local
    assert local is not None
    await local.views.catch_up()  # the feed read to its end: the new view may be kept now


def _same(ordinary: CIMultiDict[str], hot: CIMultiDict[str]) -> None:
    for headers in (ordinary, hot):
        headers.popall("Date", None)
    assert sorted(hot.items()) == sorted(ordinary.items())


async def test_a_hot_answer_is_the_ordinary_one_and_a_write_shows_at_once(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    path = f"/{handle}"
    await _put(http, node, handle, passport(handle))
    kept_answers = (
        (path, "application/ld+json"),
        (path, "text/turtle"),
        (path + "?lang=de", "text/html"),  # the page, in the language its path names
        ("/api/handles/" + handle, ""),
    )
    for url, accept in kept_answers:
        status, ordinary, body = await _get(http, node.url + url, Accept=accept)
        assert status == 200 and _hot(node, url, accept), url
        status, kept, kept_body = await _get(http, node.url + url, Accept=accept)
        assert (status, kept_body) == (200, body)
        _same(ordinary, kept)
    # The page in the language Accept-Language chooses is made each time.
    await _get(http, node.url + path, Accept="text/html", **{"Accept-Language": "de"})
    assert not _hot(node, path, "text/html")
    changed = passport(handle, **{'"manufacturingDate": "2026-03-01"': '"manufacturingDate": "2026-03-02"'})
    await _put(http, node, handle, changed)
    assert not any(_hot(node, url, accept) for url, accept in kept_answers)
    status, headers, body = await _get(http, node.url + path, Accept="application/ld+json")
    assert (status, headers["ETag"]) == (200, '"v2.public.jsonld"') and b"2026-03-02" in body
    status, headers, body = await _get(http, node.url + path, Accept="text/turtle")
    assert (status, headers["ETag"]) == (200, '"v2.public.ttl"') and b"2026-03-02" in body


async def test_a_change_written_elsewhere_is_not_served_hot_once_the_feed_has_it(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    path = f"/{handle}"
    await _put(http, node, handle, passport(handle))
    await _get(http, node.url + path, Accept=JSONLD)
    assert _hot(node, path, JSONLD)
    other = await open_store(node.config.store)  # another process's writer on the same store
    try:
        second = prepare_sync(
            passport(handle, **{'"manufacturingDate": "2026-03-01"': '"manufacturingDate": "2026-03-02"'})
        )
        await other.put(handle.upper(), second.views, expected_version=1)
    finally:
        await other.aclose()
    local = node.node.local
    assert local is not None
    await local.views.catch_up()  # the feed delivers the change
    assert not _hot(node, path, JSONLD)
    status, headers, body = await _get(http, node.url + path, Accept=JSONLD)
    assert (status, headers["ETag"]) == (200, '"v2.public.jsonld"') and b"2026-03-02" in body
    # (Written around the node's signer, this version is not in its log, and may be for all the
    # node can tell until it settles: its answer is not kept, as its log index may still come.)
