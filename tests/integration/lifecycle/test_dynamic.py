"""The latest dynamic values per tier, ``?at=`` for the values current then, and the page's rating."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from resolver.lifecycle.dynamic import page_health
from resolver.profile import Profile
from resolver.tiers import Tier
from tests.integration.lifecycle.conftest import OPERATOR, REPAIRER, LifecycleNode, bearer

JSON = {"Content-Type": "application/json"}
READINGS = [
    {"dataPoint": "stateOfCertifiedEnergy", "time": "2026-03-01T10:00:00Z", "value": 97.0, "unit": "P1"},
    {"dataPoint": "stateOfCertifiedEnergy", "time": "2026-09-01T10:00:00Z", "value": 95.5, "unit": "P1"},
    {"dataPoint": "negativeEvent", "time": "2026-05-01T08:00:00Z", "eventType": "DeepDischarge"},
]

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _dynamic(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> dict[str, Any]:
    async with http.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def test_latest_values_follow_the_tier_and_at_gives_those_current_then(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    async with http.post(
        f"{node.url}/{handle}/events", data=orjson.dumps(READINGS), headers={**JSON, **bearer(OPERATOR)}
    ) as response:
        assert response.status == 201, await response.text()
    url = f"{node.url}/{handle}/dynamic"
    now = await _dynamic(http, url, bearer(REPAIRER))
    soce = now["values"]["stateOfCertifiedEnergy"]
    assert (soce["value"], soce["unit"], soce["time"]) == (95.5, "P1", "2026-09-01T10:00:00.000Z")
    assert now["values"]["negativeEvent"]["eventType"] == "DeepDischarge"
    then = await _dynamic(http, url + "?at=2026-06-01T00:00:00Z", bearer(REPAIRER))
    assert then["values"]["stateOfCertifiedEnergy"]["value"] == 97.0
    assert then["at"] == "2026-06-01T00:00:00.000Z"
    before = await _dynamic(http, url + "?at=2026-01-01T00:00:00Z", bearer(REPAIRER))
    assert before["values"] == {}
    public = await _dynamic(http, url, {})
    assert public["tier"] == "public"
    assert "stateOfCertifiedEnergy" not in public["values"]
    assert "negativeEvent" not in public["values"]


async def test_a_bad_at_is_refused_by_name(node: LifecycleNode, http: aiohttp.ClientSession) -> None:
    handle = await node.new_passport()
    async with http.get(f"{node.url}/{handle}/dynamic?at=yesterday", headers=bearer(REPAIRER)) as response:
        assert response.status == 400
        assert "at" in (await response.json())["detail"]


async def test_the_page_gets_the_rating_only_for_a_tier_that_may_see_it(node: LifecycleNode) -> None:
    handle = await node.new_passport()
    service, profile = node.lifecycle.service, Profile.load()
    assert await page_health(service, profile, handle, Tier.PUBLIC) is None
    shown = await page_health(service, profile, handle, Tier.LEGITIMATE_INTEREST)
    assert shown is not None and shown["secondLifeGrade"] == "not enough data"
    assert await page_health(service, profile, "88.100.1/NO-SUCH-BATTERY", Tier.AUTHORITY) is None
