"""Status transitions (409 naming the rule) and lineage in both directions on one node."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from resolver.lifecycle.status import STATUSES, IllegalTransition, check_transition
from tests.integration.lifecycle.conftest import OPERATOR, REPAIRER, LifecycleNode, bearer

JSON = {"Content-Type": "application/json"}


def test_every_status_may_move_on_except_back_to_original_and_out_of_waste() -> None:
    for current in STATUSES:
        for new in STATUSES:
            if new == "original" or current == "waste":
                with pytest.raises(IllegalTransition):
                    check_transition(current, new)
            else:
                check_transition(current, new)


async def change(
    http: aiohttp.ClientSession, node: LifecycleNode, handle: str, body: Any, token: str = OPERATOR
) -> Any:
    async with http.post(
        f"{node.url}/{handle}/status", data=orjson.dumps(body), headers={**JSON, **bearer(token)}
    ) as response:
        return response.status, await response.json(content_type=None)


async def get(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url, headers=bearer(REPAIRER)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


@pytest.mark.asyncio(loop_scope="module")
async def test_status_changes_follow_the_rules_and_illegal_ones_are_409(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    assert (await get(http, f"{node.url}/{handle}/status"))["status"] == "original"
    status, body = await change(http, node, handle, {"status": "re-used", "note": "module replaced"})
    assert status == 201 and body["previous"] == "original" and body["by"] == "maker"
    status, problem = await change(http, node, handle, {"status": "original"})
    assert status == 409 and problem["rule"] == "no-return-to-original"
    assert (await change(http, node, handle, {"status": "waste"}))[0] == 201
    status, problem = await change(http, node, handle, {"status": "re-used"})
    assert status == 409 and problem["rule"] == "waste-is-final"
    assert "waste -> re-used" in problem["detail"]
    status, problem = await change(http, node, handle, {"status": "recycled"})
    assert status == 400
    assert (await change(http, node, handle, {"status": "waste"}, token=REPAIRER))[0] == 403
    shown = await get(http, f"{node.url}/{handle}/status")
    assert shown["status"] == "waste" and [c["status"] for c in shown["changes"]] == ["re-used", "waste"]
    health = await get(http, f"{node.url}/{handle}/health")
    assert health["grade"]["grade"] in ("not suitable", "not enough data")


@pytest.mark.asyncio(loop_scope="module")
async def test_a_repurposed_battery_shows_its_lineage_both_ways(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    first = await node.new_passport()
    second = await node.new_passport()
    record = await node.node.store.get(second)
    assert record is not None
    views = {}
    for tier, body in record.views.items():
        doc = orjson.loads(body)
        doc["predecessor"] = [f"https://hdl.handle.net/{first}"]
        doc["status"] = "repurposed"
        views[tier] = orjson.dumps(doc)
    await node.node.store.put(second, views)
    status, _ = await change(http, node, first, {"status": "repurposed", "successors": [second]})
    assert status == 201

    back = await get(http, f"{node.url}/{second}/lineage")
    assert back["status"] == "repurposed"
    (predecessor,) = back["predecessors"]
    assert predecessor["passport"] == first and predecessor["held"] and predecessor["status"] == "repurposed"
    forward = await get(http, f"{node.url}/{first}/lineage")
    (successor,) = forward["successors"]
    assert successor == {
        "id": second, "passport": second, "node": "local", "held": True, "status": "repurposed",
        "grade": "not enough data", "successors": [],
    }  # fmt: skip
    (back_again,) = forward["successors"]  # one step down: the second battery has no successor
    assert "predecessors" not in back_again
    async with http.get(f"{node.url}/{first}/lineage") as response:
        assert response.status == 401
