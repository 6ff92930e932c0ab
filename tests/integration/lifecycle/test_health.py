"""The health rating: Theil-Sen fit, projections, counts, grade, and "not enough data"."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import orjson
import pytest

from resolver.lifecycle.regression import binned, theil_sen
from tests.integration.lifecycle.conftest import OPERATOR, REPAIRER, LifecycleNode, bearer

JSON = {"Content-Type": "application/json"}
START = datetime(2025, 11, 30, 6, 0, tzinfo=UTC)


def year_of_readings(fade_per_year: float, *, seed: int, outliers: int = 0) -> list[dict[str, Any]]:
    """A reading a day for a year: state of certified energy with noise, one cycle a day."""
    rng = random.Random(seed)
    readings: list[dict[str, Any]] = []
    for day in range(365):
        at = (START + timedelta(days=day)).isoformat().replace("+00:00", "Z")
        soce = 99.5 - fade_per_year * day / 365.25 + rng.gauss(0, 0.15)
        if day % 50 == 25 and outliers:
            soce -= 8.0  # a bad measurement now and then: the fit must not follow it
        readings.append(
            {"dataPoint": "stateOfCertifiedEnergy", "time": at, "value": round(soce, 2), "unit": "P1"}
        )
        readings.append({"dataPoint": "cycleCount", "time": at, "value": 40 + day})
    return readings


def test_theil_sen_ignores_outliers_and_its_interval_holds_the_true_slope() -> None:
    rng = random.Random(7)
    xs = [float(x) for x in range(60)]
    ys = [10.0 - 0.5 * x + rng.gauss(0, 0.2) for x in xs]
    for i in (5, 17, 40):
        ys[i] += 30.0
    fit = theil_sen(xs, ys)
    assert fit is not None and fit.n == 60
    assert fit.slope == pytest.approx(-0.5, abs=0.02)
    assert fit.slope_low < -0.5 < fit.slope_high
    assert fit.x_at(0.0) == pytest.approx(20.0, abs=1.0)


def test_theil_sen_needs_two_distinct_x_and_binning_keeps_the_trend() -> None:
    assert theil_sen([1.0, 1.0], [2.0, 3.0]) is None
    xs, ys = binned([float(x) for x in range(1000)], [2.0 * x for x in range(1000)], 100)
    assert len(xs) == 100
    fit = theil_sen(xs, ys)
    assert fit is not None and fit.slope == pytest.approx(2.0)


pytestmark_async = pytest.mark.asyncio(loop_scope="module")


async def _post(http: aiohttp.ClientSession, node: LifecycleNode, handle: str, body: Any) -> dict[str, Any]:
    async with http.post(
        f"{node.url}/{handle}/events", data=orjson.dumps(body), headers={**JSON, **bearer(OPERATOR)}
    ) as response:
        assert response.status in (200, 201), await response.text()
        result: dict[str, Any] = await response.json()
        return result


async def _health(http: aiohttp.ClientSession, node: LifecycleNode, handle: str) -> dict[str, Any]:
    async with http.get(f"{node.url}/{handle}/health", headers=bearer(REPAIRER)) as response:
        assert response.status == 200, await response.text()
        result: dict[str, Any] = await response.json()
        return result


@pytestmark_async
async def test_a_battery_with_two_readings_has_not_enough_data(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    await _post(http, node, handle, year_of_readings(4.0, seed=1)[:4])
    health = await _health(http, node, handle)
    assert health["stateOfHealth"]["value"] == pytest.approx(99.5, abs=0.6)
    assert health["fade"] == "not enough data"
    assert health["projection"] == "not enough data"
    assert health["readings"] == 2


@pytestmark_async
async def test_a_year_of_readings_gives_fade_projections_and_grade_a(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    await _post(http, node, handle, year_of_readings(4.0, seed=2, outliers=1))
    health = await _health(http, node, handle)
    fade = health["fade"]
    assert fade["perYear"]["rate"] == pytest.approx(4.0, abs=0.15)
    low, high = fade["perYear"]["confidence95"]
    assert low < 4.0 < high
    assert fade["per100Cycles"]["rate"] == pytest.approx(400 / 365.25, abs=0.05)
    assert fade["expectedPer100Cycles"] == pytest.approx(1.5)  # (100 - 70) % over 2000 cycles
    assert fade["anomalous"] is False
    assert fade["n"] == 365
    eighty, sixty = health["projection"]
    assert eighty["stateOfHealth"] == 80.0 and not eighty["reached"]
    # 99.5 - 4 t = 80  ->  t = 4.875 years after the first reading
    assert eighty["date"][:4] == "2030"
    assert eighty["cycles"] == pytest.approx(40 + 4.875 * 365.25, rel=0.03)
    assert sixty["cycles"] > eighty["cycles"]
    # 228 Ah x 355 V = 80.94 kWh rated; times the latest state of certified energy
    assert health["remainingEnergy"]["value"] == pytest.approx(
        80.94 * health["stateOfHealth"]["value"] / 100, 0.01
    )
    assert health["grade"]["grade"] == "A"


@pytestmark_async
async def test_fast_fade_a_major_event_and_heat_lower_the_grade_and_are_counted(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    readings = year_of_readings(12.0, seed=3)
    readings += [
        {
            "dataPoint": "negativeEvent",
            "time": "2026-06-01T10:00:00Z",
            "eventType": "DeepDischarge",
            "severity": "Major",
        },
        {"dataPoint": "temperature", "time": "2026-07-01T14:00:00Z", "value": 71.5, "unit": "CEL"},
        {"dataPoint": "temperature", "time": "2026-07-01T15:00:00Z", "value": 25.0, "unit": "CEL"},
    ]
    result = await _post(http, node, handle, readings)
    assert len(result["warnings"]) == 3  # the negative event, the temperature, the fade anomaly
    health = await _health(http, node, handle)
    assert health["fade"]["anomalous"] is True
    assert health["negativeEvents"] == {
        "total": 1,
        "byType": {"DeepDischarge": 1},
        "bySeverity": {"Major": 1},
    }
    assert health["temperatureExtremes"]["above"] == 1
    assert health["temperatureExtremes"]["limits"]["max"] == 60.0  # the passport's idle range
    assert health["stateOfHealth"]["value"] < 90
    assert health["grade"]["grade"] == "B"


@pytestmark_async
async def test_the_rating_follows_new_readings_and_status_changes(
    node: LifecycleNode, http: aiohttp.ClientSession
) -> None:
    handle = await node.new_passport()
    await _post(http, node, handle, year_of_readings(4.0, seed=4)[:40])
    before = await _health(http, node, handle)
    assert before == await _health(http, node, handle)  # same passport, same events: same rating
    later = [
        {"dataPoint": "stateOfCertifiedEnergy", "time": "2026-11-20T06:00:00Z", "value": 91.5, "unit": "P1"},
        {"dataPoint": "remainingEnergy", "time": "2026-11-20T06:00:00Z", "value": 61.0, "unit": "KWH"},
        {"dataPoint": "remainingEnergy", "time": "2026-11-19T06:00:00Z", "value": 62.0, "unit": "KWH"},
    ]
    await _post(http, node, handle, later)
    after = await _health(http, node, handle)
    assert after["stateOfHealth"]["value"] == 91.5 and after["readings"] == before["readings"] + 1
    assert after["remainingEnergy"] == {
        "value": 61.0, "unit": "KWH", "time": "2026-11-20T06:00:00.000Z", "source": "reading",
    }  # fmt: skip
    assert after["grade"]["grade"] == "A"
    async with http.post(
        f"{node.url}/{handle}/status",
        data=orjson.dumps({"status": "waste"}),
        headers={**JSON, **bearer(OPERATOR)},
    ) as response:
        assert response.status == 201
    wasted = await _health(http, node, handle)
    assert wasted["status"] == "waste" and wasted["grade"]["grade"] == "not suitable"
