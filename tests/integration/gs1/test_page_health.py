"""The page shows the battery's life (issue 13): state of health over time as an inline SVG
line, the health rating and the warnings, for the tiers that may see them, and made again when
new readings arrive."""

from __future__ import annotations

import re
import time

import aiohttp
import pytest

from resolver.app import RunningNode
from tests.support.gs1 import OPERATOR, REPAIRER, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

EV = "/88.100.1/BAT-EV-000001"  # a year of demo readings, fading slowly
HOME = "/88.100.1/ESS-HOME-10K-004711"  # the test below adds a reading to this one


async def _html(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[str, str]:
    async with http.get(url, headers={"Accept": "text/html", **headers}) as response:
        assert response.status == 200, await response.text()
        return response.headers["ETag"], await response.text()


def _warnings(html: str) -> int:
    if "No warnings have been raised." in html:
        return 0
    found = re.search(r"The newest [0-9]+ of ([0-9]+) warnings", html)
    assert found, html.split('id="health-warnings"', 1)[1][:400]
    return int(found.group(1))


@pytest.mark.parametrize(
    ("lang", "history", "rating"),
    [
        ("en", "State of health over time", "Health rating"),
        ("de", "Gesundheitszustand im Zeitverlauf", "Zustandsbewertung"),
        ("zh", "健康状态变化", "健康评级"),
    ],
)
async def test_history_chart_and_rating_for_legitimate_interest(
    node: RunningNode, http: aiohttp.ClientSession, lang: str, history: str, rating: str
) -> None:
    _, html = await _html(http, node.url + EV + f"?lang={lang}", **bearer(REPAIRER))
    assert history in html and rating in html
    chart = html.split('<svg class="chart" id="chart-health-history"', 1)[1].split("</svg>", 1)[0]
    points = chart.split('points="', 1)[1].split('"', 1)[0].split()
    assert 30 <= len(points) <= 60, len(points)  # a year of daily readings, sampled
    assert 'role="img"' in chart and "<desc" in chart and "365" in chart  # the readings counted in words
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[-1] > ys[0]  # the line falls (SVG y grows downwards): the battery fades


async def test_rating_figures_and_no_warnings_for_a_slow_fade(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    _, html = await _html(http, node.url + EV + "?lang=en", **bearer(REPAIRER))
    rating = html.split('id="health-rating"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>Second-life grade</dt><dd>A</dd>" in rating
    assert "<dt>Fade per year</dt><dd>" in rating and "Not enough data" not in rating
    assert "No warnings have been raised." in html
    assert f'<a href="{EV}/events" type="application/ld+json">Lifecycle events (EPCIS 2.0)</a>' in html


async def test_public_page_has_no_history(node: RunningNode, http: aiohttp.ClientSession) -> None:
    etag, html = await _html(http, node.url + EV + "?lang=en")
    assert "chart-health-history" not in html and "Health rating" not in html
    assert etag.endswith('.html.en"')  # the public page does not change with readings


async def test_a_new_reading_makes_the_page_again(node: RunningNode, http: aiohttp.ClientSession) -> None:
    before_tag, before = await _html(http, node.url + HOME + "?lang=en", **bearer(REPAIRER))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    reading = [{"dataPoint": "stateOfCertifiedEnergy", "time": now, "value": 55.0, "unit": "P1"}]
    async with http.post(node.url + HOME + "/events", json=reading, headers={**bearer(OPERATOR)}) as response:
        assert response.status in (200, 201, 202), await response.text()
    after_tag, after = await _html(http, node.url + HOME + "?lang=en", **bearer(REPAIRER))
    assert after_tag != before_tag and ".r" in after_tag
    assert "55 % on" in after  # the newest reading ends the line and its summary
    assert _warnings(after) > _warnings(before)  # 55 % is below the state-of-health threshold
    newest = after.split('<ul class="warnings"><li>', 1)[1].split("</li>", 1)[0]
    assert "<strong>Critical</strong>" in newest and "55 % is below 60 %" in newest, newest
    async with http.get(
        node.url + HOME + "?lang=en",
        headers={"Accept": "text/html", "If-None-Match": after_tag, **bearer(REPAIRER)},
    ) as response:
        assert response.status == 304
