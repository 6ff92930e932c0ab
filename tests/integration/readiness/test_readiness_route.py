"""GET /{id}/readiness against a real node."""

from __future__ import annotations

import aiohttp
import pytest

from resolver.app import RunningNode
from tests.integration.conftest import AUTHORITY, EXAMPLE_HANDLE, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_authority_gets_every_line_as_json(node: RunningNode, http: aiohttp.ClientSession) -> None:
    url = f"{node.url}/{EXAMPLE_HANDLE}/readiness?market=eu&on=2027-02-18"
    async with http.get(url, headers=bearer(AUTHORITY)) as response:
        assert response.status == 200
        body = await response.json()
    assert body["ready"] is True and body["market"] == "eu" and body["on"] == "2027-02-18"
    assert "hidden" not in body["counts"]


async def test_the_public_sees_higher_tier_points_as_hidden(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{node.url}/{EXAMPLE_HANDLE}/readiness?on=2027-02-18") as response:
        body = await response.json()
    statuses = {line["key"]: line["status"] for line in body["lines"]}
    assert statuses["dp1"] == "valid" and statuses["dp50"] == "hidden"


async def test_html_and_text(node: RunningNode, http: aiohttp.ClientSession) -> None:
    url = f"{node.url}/{EXAMPLE_HANDLE}/readiness?market=cn"
    async with http.get(url, headers={"Accept": "text/html"}) as response:
        assert response.content_type == "text/html"
        assert "cn-capacity" in await response.text()
    async with http.get(url + "&format=text") as response:
        assert "cn-capacity" in await response.text()


@pytest.mark.parametrize(
    ("query", "says"),
    [("market=us", "market must be one of"), ("on=1538-20-83", "is not a date")],
)
async def test_bad_queries_are_400(
    node: RunningNode, http: aiohttp.ClientSession, query: str, says: str
) -> None:
    async with http.get(f"{node.url}/{EXAMPLE_HANDLE}/readiness?{query}") as response:
        assert response.status == 400
        assert says in (await response.json())["detail"]


async def test_an_unknown_passport_is_404(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{node.url}/88.100.1/NO-SUCH-PASSPORT/readiness") as response:
        assert response.status == 404
