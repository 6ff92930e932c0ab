"""The cn-battery profile on a real node: writes under a prefix the configuration gives to
cn-battery are read in its context and judged by its shapes, through the one write path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from tests.support.node import eu_and_cn_config, running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "cn-battery" / "pack-lfp.jsonld"
CODE = "X9KPB1ANB51234T3E0000042"
MAKER, AUTHORITY = "cn-maker-token", "cn-authority-token"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    config = eu_and_cn_config(tmp_path_factory.mktemp("cn"), MAKER, AUTHORITY)
    async with running_node(config) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


def _body(prefix: str, code: str = CODE, **changes: object) -> bytes:
    doc = orjson.loads(EXAMPLE.read_bytes().replace(CODE.encode(), code.encode()))
    doc["id"] = f"https://hdl.handle.net/{prefix}/{code}"
    for key, value in changes.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    return orjson.dumps(doc)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}


async def test_a_cn_passport_is_accepted_under_a_cn_prefix_and_served_by_tier(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    url = f"{node.url}/88.300.1/{CODE}"
    async with http.put(url, data=_body("88.300.1"), headers=_headers(MAKER)) as put:
        assert put.status == 201, await put.text()
    accept = {"Accept": "application/ld+json"}
    async with http.get(url, headers=accept) as public:
        doc = orjson.loads(await public.read())
    # A signed view keeps the Data Integrity context after the profile's own.
    context = doc["@context"]
    assert (
        context if isinstance(context, str) else context[0]
    ) == "https://w3id.org/battery-passport/cn-battery/v1"
    assert doc["batteryCode"] == CODE and "vehicleIdentificationNumber" not in doc
    async with http.get(url, headers={**accept, "Authorization": f"Bearer {AUTHORITY}"}) as full:
        doc = orjson.loads(await full.read())
    assert doc["vehicleIdentificationNumber"] == "LFV2A21K5N3000042"
    async with http.get(f"{node.url}/gbt34014/{CODE}", headers=accept) as by_code:
        assert by_code.status == 200


async def test_an_invalid_cn_passport_is_refused_naming_the_data_point(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    code = "X9KPB1ANB51234T3E0000043"
    body = _body("88.300.1", code, mass=None)
    async with http.put(f"{node.url}/88.300.1/{code}", data=body, headers=_headers(MAKER)) as put:
        assert put.status == 422
        assert put.content_type == "application/problem+json"
        detail = (await put.json())["detail"]
    assert "does not conform to the cn-battery profile" in detail
    assert "cn-mass (mass) is required" in detail
    async with http.get(f"{node.url}/88.300.1/{code}") as got:
        assert got.status == 404


async def test_an_eu_prefix_still_judges_by_the_eu_profile(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    code = "X9KPB1ANB51234T3E0000044"
    async with http.put(
        f"{node.url}/88.100.1/{code}", data=_body("88.100.1", code), headers=_headers(MAKER)
    ) as put:
        assert put.status == 422
        assert "does not conform to the eu-battery profile" in (await put.json())["detail"]


@pytest.mark.parametrize("media_type", ["text/turtle", "text/html"])
async def test_a_cn_passport_is_served_in_the_other_formats(
    node: RunningNode, http: aiohttp.ClientSession, media_type: str
) -> None:
    code = "X9KPB1ANB51234T3E0000045"
    url = f"{node.url}/88.300.1/{code}"
    async with http.put(url, data=_body("88.300.1", code), headers=_headers(MAKER)) as put:
        assert put.status in (200, 201), await put.text()  # the second format finds it written
    async with http.get(url, headers={"Accept": media_type}) as got:
        assert got.status == 200, await got.text()
        text = await got.text()
    assert code in text


async def test_post_validate_judges_by_the_profile_of_the_bodys_prefix(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    headers = {"Content-Type": "application/ld+json"}
    async with http.post(f"{node.url}/validate", data=_body("88.300.1"), headers=headers) as cn:
        assert cn.status == 200, await cn.text()
        assert (await cn.json())["conforms"] is True
    missing = _body("88.300.1", mass=None)
    async with http.post(f"{node.url}/validate", data=missing, headers=headers) as cn_bad:
        messages = [r["message"] for r in (await cn_bad.json())["results"]]
    assert any("cn-mass (mass) is required" in m for m in messages), messages
    async with http.post(f"{node.url}/validate", data=_body("88.100.1"), headers=headers) as eu:
        report = await eu.json()
    assert report["conforms"] is False  # a cn document under an eu-battery prefix
    assert not any(m["message"].startswith("cn-") for m in report["results"])


async def test_import_into_the_node_puts_each_passport_under_its_prefixes_profile(
    node: RunningNode, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from resolver.cli import main

    code = "X9KPB1ANB51234T3E0000046"
    (tmp_path / "cn.json").write_bytes(_body("88.300.1", code))
    argv = [
        "import",
        str(tmp_path / "cn.json"),
        "--node",
        node.url,
        "--token",
        MAKER,
        "--json",
        "--no-progress",
    ]
    assert await asyncio.to_thread(main, argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == 1, summary
