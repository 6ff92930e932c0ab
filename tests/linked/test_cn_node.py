"""A real node with a cn-battery prefix: linked item, model and batch passports are accepted and
combined in cn-battery, and the readiness report judges them by cn-battery."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.jsontypes import JSONObject
from tests.linked.test_cn_linked import BATCH, ITEM, MODEL, split
from tests.support.node import eu_and_cn_config, running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAKER, AUTHORITY = "cn-linked-maker", "cn-linked-authority"
EU_MODEL = "https://hdl.handle.net/88.100.1/EU-MODEL-FOR-CN"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    config = eu_and_cn_config(tmp_path_factory.mktemp("cn-linked"), MAKER, AUTHORITY)
    async with running_node(config) as running:
        yield running


async def _put(http: aiohttp.ClientSession, url: str, doc: JSONObject) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {MAKER}", "Content-Type": "application/ld+json"}
    async with http.put(url, data=orjson.dumps(doc), headers=headers) as response:
        return response.status, await response.text()


async def _get(http: aiohttp.ClientSession, url: str) -> JSONObject:
    async with http.get(url, headers={"Authorization": f"Bearer {AUTHORITY}"}) as response:
        assert response.status == 200, await response.text()
        found: JSONObject = orjson.loads(await response.read())
        return found


def _url(node: RunningNode, iri: str) -> str:
    return node.url + "/" + iri.removeprefix("https://hdl.handle.net/")


async def test_a_cn_item_with_its_model_and_batch_is_accepted_and_ready(node: RunningNode) -> None:
    item, model, batch = split()
    async with aiohttp.ClientSession() as http:
        for doc in (model, batch, item):
            status, text = await _put(http, _url(node, str(doc["id"])), doc)
            assert status == 201, text
        linked = await _get(http, _url(node, ITEM) + "/linked")
        provenance = linked["provenance"]
        assert isinstance(provenance, dict)
        assert provenance["mass"] == MODEL and provenance["productionDate"] == BATCH
        cn = await _get(http, _url(node, ITEM) + "/readiness?market=cn&on=2027-03-01")
        assert cn["profile"] == "cn-battery" and cn["ready"] is True, cn
        eu = await _get(http, _url(node, ITEM) + "/readiness?market=eu&on=2027-03-01")
        assert eu["mapped"] is True and eu["category"] == "EV"
        lines = eu["lines"]
        assert isinstance(lines, list)
        by_key = {str(line["key"]): line["status"] for line in lines if isinstance(line, dict)}
        assert by_key["dp10"] == "valid" and by_key["dp12"] == "valid"  # from the model, mapped
        code = ITEM.rsplit("/", 1)[-1]  # a GB/T 34014 code is accepted where an identifier is
        by_code = await _get(http, f"{node.url}/gbt34014/{code}/readiness?market=cn&on=2027-03-01")
        assert by_code["passport"] == ITEM and by_code["ready"] is True
        async with http.get(f"{node.url}/gbt34014/X9KPB1ANB51234T3E0000999/readiness") as missing:
            assert missing.status == 404
            assert "tried 88.100.1/X9KPB1ANB51234T3E0000999, 88.300.1/" in (await missing.json())["detail"]


async def test_a_cn_model_change_that_breaks_its_item_is_reported(node: RunningNode) -> None:
    item, model, batch = split()
    async with aiohttp.ClientSession() as http:
        for doc in (model, batch, item):  # stored already when the first test ran here: unchanged
            status, text = await _put(http, _url(node, str(doc["id"])), doc)
            assert status in (200, 201), text
        before = await _get(http, _url(node, MODEL) + "/linked-items")
        assert before["items"] == [ITEM] and before["broken"] == []
        del model["mass"]  # the model alone is still accepted: its items may give it
        status, text = await _put(http, _url(node, MODEL), model)
        assert status in (200, 201), text
        after = await _get(http, _url(node, MODEL) + "/linked-items")
    assert after["broken"] == [{"item": ITEM, "violations": ["cn-mass (mass) is required, exactly once"]}]


async def test_a_cn_item_naming_an_eu_model_is_refused_naming_it(node: RunningNode) -> None:
    item, _model, batch = split()
    async with aiohttp.ClientSession() as http:
        eu_model: JSONObject = {
            "@context": "https://w3id.org/battery-passport/eu-battery/v1",
            "id": EU_MODEL,
            "type": "BatteryPassport",
            "granularity": "model",
            "weight": {"value": 412.5, "unit": "KGM"},
        }
        status, text = await _put(http, _url(node, EU_MODEL), eu_model)
        assert status == 201, text
        await _put(http, _url(node, BATCH), batch)
        code = "X9KPB1ANB51234T3E0000044"
        item.update({"id": f"https://hdl.handle.net/88.300.1/{code}", "batteryCode": code})
        item["modelPassport"] = EU_MODEL
        status, text = await _put(http, _url(node, str(item["id"])), item)
    assert status == 422
    assert f"Model passport {EU_MODEL}: it is a eu-battery passport" in text
