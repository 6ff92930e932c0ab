"""Caching headers on every passport answer path: public only without credentials, strong
ETags, and 304 before any body is built (native API, history, versions, Handle API, GS1)."""

from __future__ import annotations

import aiohttp
import pytest
from multidict import CIMultiDict

from resolver.app import RunningNode
from tests.integration.conftest import AUTHORITY, EXAMPLE_HANDLE, OPERATOR, REPAIRER, bearer

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
