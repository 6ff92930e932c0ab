"""The demo year: generated readings for the example batteries, with the warnings they raise."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from resolver.lifecycle.demo import load_demo
from tests.integration.lifecycle.conftest import REPAIRER, LifecycleNode, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_demo_year_rates_the_batteries_and_the_fast_one_raises_warnings(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    service = node.lifecycle.service
    assert service is not None
    assert await load_demo(service) == 4
    assert await load_demo(service) == 0  # once

    async def get(path: str) -> dict[str, Any]:
        async with http.get(f"{node.url}/{path}", headers=bearer(REPAIRER)) as response:
            assert response.status == 200, await response.text()
            return dict(await response.json())

    steady = await get("88.100.1/BAT-EV-000001/health")
    assert steady["grade"]["grade"] == "A" and steady["fade"]["perYear"]["rate"] == pytest.approx(
        3.0, abs=0.2
    )
    fast = await get("21.11101/EV-NCA-2026-0815/health")
    assert fast["fade"]["anomalous"] is True and fast["negativeEvents"]["total"] == 2
    assert fast["stateOfHealth"]["value"] < 80 and fast["grade"]["grade"] == "B"
    rules = {w["rule"] for w in (await get("21.11101/EV-NCA-2026-0815/warnings"))["warnings"]}
    assert rules == {"soh-below", "fade-anomaly", "negative-event", "temperature"}
    quiet = (await get("88.100.1/BAT-EV-000001/warnings"))["warnings"]
    assert quiet == []
    lineage = await get("88.100.7/SL-ESS-000042/lineage")
    (predecessor,) = lineage["predecessors"]
    assert predecessor["passport"] == "01/09521234010012/21/LFP-2026-000042"
    assert predecessor["held"] and predecessor["status"] == "repurposed" and predecessor["grade"] == "A"
    # A GS1-keyed passport's lifecycle is reached by its key as any other (the GS1 resolver's
    # "/01/{tail}" used to take these GETs: 400, "an AI without a value").
    status = await get("01/09521234010012/21/LFP-2026-000042/status")
    assert status["status"] == "repurposed"
    own = await get("01/09521234010012/21/LFP-2026-000042/lineage")
    assert [s["passport"] for s in own["successors"]] == ["88.100.7/SL-ESS-000042"]
    assert (await get("01/09521234010012/21/LFP-2026-000042/health"))["grade"]["grade"] == "A"
    # A Digital Link whose serial is "status" is still the resolver's: no such item, not a 400.
    async with http.get(f"{node.url}/01/09521234010012/21/status?linkType=all") as response:
        assert response.status != 400, await response.text()
