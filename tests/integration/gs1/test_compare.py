"""``/compare``: 2 to 4 batteries side by side, the better value of each figure marked."""

from __future__ import annotations

import re

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from tests.support.gs1 import ITEM, REPAIRER, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

NMC = "88.100.1/BAT-EV-000001"  # ev-nmc811: 228 Ah, 355 V, 64.0 kgCO2e/kWh, 16 % recycled cobalt
LFP = ITEM.lstrip("/")  # ev-lfp


async def test_compare_as_json_marks_the_better_value(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.get(
        node.url + "/compare", params={"ids": f"{NMC},{LFP}"}, headers={"Accept": "application/json"}
    ) as response:
        assert response.status == 200
        table = orjson.loads(await response.read())
    assert table["batteries"] == [NMC, LFP]
    rows = {row["figure"]: row for row in table["figures"]}
    nmc_energy = 228 * 355 / 1000
    assert rows["cmp.energy"]["values"][0] == pytest.approx(nmc_energy)
    carbon = rows["cmp.carbon"]
    assert carbon["best"] == min(v for v in carbon["values"] if v is not None)  # lower is better
    capacity = rows["cmp.capacity"]
    assert capacity["best"] == max(v for v in capacity["values"] if v is not None)
    # State of health is not in the public view: not shown, and nothing marked.
    assert rows["soh.stateOfCertifiedEnergy"]["values"] == [None, None]
    assert rows["soh.stateOfCertifiedEnergy"]["best"] is None


async def test_compare_page_with_the_tier(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.get(
        node.url + "/compare", params={"ids": f"{NMC},{LFP}", "lang": "de"}, headers=bearer(REPAIRER)
    ) as response:
        assert response.status == 200 and response.headers["Content-Language"] == "de"
        html = await response.text()
    assert '<html lang="de">' in html and "Batterien im Vergleich" in html
    assert len(re.findall(r'<td class="best">', html)) >= 5
    # The repairer sees state of certified energy (hidden from the public).
    row = re.search(r"Zertifizierter Energiezustand.*?</tr>", html)
    assert row is not None and "99,1" in row.group(0) and "nicht angezeigt" not in row.group(0)


@pytest.mark.parametrize(
    ("ids", "status"),
    [
        (NMC, 400),
        (",".join([NMC, LFP, NMC, LFP, NMC]), 400),
        (f"{NMC},{NMC}", 400),
        (f"{NMC},88.100.1/NOPE", 404),
    ],
)
async def test_compare_refuses_bad_lists(
    node: RunningNode, http: aiohttp.ClientSession, ids: str, status: int
) -> None:
    async with http.get(node.url + "/compare", params={"ids": ids}) as response:
        assert response.status == status
        assert response.headers["Content-Type"] == "application/problem+json"
