"""GET /gbt34014/{code} and /gbt34014/{code}/explain against a real node."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from tests.integration.conftest import OPERATOR, bearer, passport

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODE = "04QCE32A0001JBL7B0000123"


async def test_a_code_resolves_to_the_passport_under_the_makers_prefix(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = f"88.100.1/{CODE}"
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(f"{node.url}/{handle}", data=passport(handle), headers=headers) as response:
        assert response.status in (200, 201), await response.text()
    accept = {"Accept": "application/ld+json"}
    async with http.get(f"{node.url}/gbt34014/{CODE.lower()}", headers=accept) as got:
        assert got.status == 200
        body = orjson.loads(await got.read())
    assert body.get("id", body.get("@id", "")).endswith(handle)


async def test_an_unknown_code_is_404_naming_the_handles_tried(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{node.url}/gbt34014/04QPB32A0001JBL7B0000999") as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"
        assert "88.100.1/04QPB32A0001JBL7B0000999" in (await response.json())["detail"]


async def test_a_malformed_code_is_400_naming_the_field(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{node.url}/gbt34014/04QXE32A0001JBL7B0000123") as response:
        assert response.status == 400
        assert "position 4 (product type)" in (await response.json())["detail"]


async def test_explain_lists_every_field(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{node.url}/gbt34014/{CODE}/explain") as response:
        assert response.status == 200
        body = await response.json()
    assert [f["field"] for f in body["fields"]] == [
        "maker", "productType", "batteryType", "specification", "traceability", "productionDate", "serial",
    ]  # fmt: skip
    assert body["productionDate"] == "2020-07-11"
