"""GS1 Digital Link answers carry the same caching contract as the native API: strong ETags,
304 on revalidation, public only without credentials."""

from __future__ import annotations

import aiohttp
import pytest
from multidict import CIMultiDict

from resolver.app import RunningNode
from tests.support.gs1 import AUTHORITY, ITEM, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, response.headers.copy(), await response.read()


async def _revalidates(http: aiohttp.ClientSession, url: str, **headers: str) -> CIMultiDict[str]:
    status, first, _ = await _get(http, url, **headers)
    assert status == 200 and first["ETag"].startswith('"')
    status, again, body = await _get(http, url, **headers, **{"If-None-Match": first["ETag"]})
    assert (status, body, again["ETag"], again["Cache-Control"]) == (
        304,
        b"",
        first["ETag"],
        first["Cache-Control"],
    )
    return first


async def test_linkset_and_passport_revalidate(node: RunningNode, http: aiohttp.ClientSession) -> None:
    linkset = await _revalidates(http, node.url + ITEM, Accept="application/linkset+json")
    assert linkset["Cache-Control"].startswith("public") and "Passport-Tier" in linkset["Vary"]
    tiered = await _revalidates(http, node.url + ITEM + "?linkType=all", **bearer(AUTHORITY))
    assert tiered["Cache-Control"].startswith("private")
    passport = await _revalidates(http, node.url + ITEM, Accept="application/ld+json")
    assert passport["ETag"].startswith('"v') and passport["Cache-Control"].startswith("public")
    history = await _revalidates(http, node.url + ITEM + "/history", **bearer(AUTHORITY))
    assert history["Cache-Control"].startswith("private")


async def test_a_redirect_with_credentials_is_private(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, anonymous, _ = await _get(http, node.url + ITEM, Accept="text/html")
    status_auth, credentialed, _ = await _get(http, node.url + ITEM, Accept="text/html", **bearer(AUTHORITY))
    if status == 307:
        assert anonymous["Cache-Control"].startswith("public")
    assert status_auth in (200, 307) and credentialed["Cache-Control"].startswith("private")
