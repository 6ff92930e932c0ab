"""The page a person sees: languages, tiers (never beyond the caller's), charts, hidden data
points named as hidden, numbers and dates per language."""

from __future__ import annotations

import re
from html import escape
from typing import Any

import aiohttp
import orjson
import pytest
from multidict import CIMultiDict

from resolver.app import RunningNode
from resolver.page.i18n import choose_language, texts
from tests.support.gs1 import AUTHORITY, ITEM, REPAIRER, REPO, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

HANDLE = "/88.100.1/BAT-EV-000001"  # examples/valid/ev-nmc811.jsonld


async def _page(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[CIMultiDict[str], str]:
    async with http.get(url, headers={"Accept": "text/html", **headers}) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        return response.headers.copy(), await response.text()


def _leaves(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v) for k, v in value.items() if k != "@context"))
    if isinstance(value, list):
        return set().union(*(_leaves(v) for v in value)) if value else set()
    return {str(value)}


@pytest.mark.parametrize(
    ("lang", "heading", "date", "weight"),
    [
        ("en", "Carbon footprint", "1 March 2026", "486.5 kg"),
        ("de", "CO₂-Fußabdruck", "1. März 2026", "486,5 kg"),
        ("zh", "碳足迹", "2026年3月1日", "486.5 kg"),
    ],
)
async def test_page_in_each_language(
    node: RunningNode, http: aiohttp.ClientSession, lang: str, heading: str, date: str, weight: str
) -> None:
    by_query = await _page(http, node.url + HANDLE + f"?lang={lang}")
    by_header = await _page(http, node.url + HANDLE, **{"Accept-Language": f"{lang};q=0.9, fr"})
    for headers, html in (by_query, by_header):
        assert f'<html lang="{lang}">' in html
        assert headers["Content-Language"] == lang and "Accept-Language" in headers["Vary"]
        assert heading in html and date in html and weight in html
        assert headers["ETag"].endswith(f'.html.{lang}"'), headers


async def test_public_page_holds_no_restricted_value(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url + HANDLE, headers={"Accept": "application/ld+json"}) as response:
        public = _leaves(orjson.loads(await response.read()))
    async with http.get(
        node.url + HANDLE, headers={"Accept": "application/ld+json", **bearer(AUTHORITY)}
    ) as r:
        everything = _leaves(orjson.loads(await r.read()))
    restricted = {v for v in everything - public if len(v) >= 5}
    assert "https://voltaris.example/rr/vx-82/dismantling.pdf" in restricted  # the check has teeth
    for lang in ("en", "de", "zh"):
        _, html = await _page(http, node.url + HANDLE + f"?lang={lang}")
        # Whole values only: "original" (a status) may be part of the key "originalPowerCapability".
        shown = [
            v for v in restricted if re.search(rf"(?<![A-Za-z]){re.escape(escape(v))}(?![A-Za-z])", html)
        ]
        assert not shown, (lang, shown)
    _, html = await _page(http, node.url + HANDLE + "?lang=en")
    assert "dismantling information" in html and "state of certified energy" in html  # named as hidden
    assert "Data held back for your access level" in html


async def test_page_follows_the_tier(node: RunningNode, http: aiohttp.ClientSession) -> None:
    _, public = await _page(http, node.url + HANDLE + "?lang=en")
    headers, repairer = await _page(http, node.url + HANDLE + "?lang=en", **bearer(REPAIRER))
    assert headers["Passport-Tier"] == "legitimate-interest"
    assert 'id="health"' not in public
    assert 'id="health"' in repairer and "99.1 %" in repairer  # state of certified energy
    assert "test reports" in repairer  # still hidden from this tier (authority only)
    _, authority = await _page(http, node.url + HANDLE + "?lang=en", **bearer(AUTHORITY))
    assert 'id="hidden"' not in authority


async def test_charts_are_drawn(node: RunningNode, http: aiohttp.ClientSession) -> None:
    _, html = await _page(http, node.url + HANDLE + "?lang=en")
    carbon = re.search(r'<svg class="chart" id="chart-carbon".*?</svg>', html)
    assert carbon is not None
    widths = [float(w) for w in re.findall(r'class="bar"[^>]*width="([0-9.]+)"', carbon.group(0))]
    assert len(widths) == 4 and all(w > 0 for w in widths)
    assert widths[0] == max(widths)  # raw materials, 42.1 of 64 kgCO2e/kWh, is the longest bar
    recycled = re.search(r'<svg class="chart" id="chart-recycled".*?</svg>', html)
    assert recycled is not None and recycled.group(0).count('class="marker"') == 8  # two minimums each
    assert 'role="img"' in carbon.group(0) and "<desc" in carbon.group(0)
    assert "https://voltaris.example/cf/vx-82" in html  # the study link
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


async def test_page_at_the_digital_link(node: RunningNode, http: aiohttp.ClientSession) -> None:
    _, html = await _page(http, node.url + ITEM + "?format=html&lang=de")
    assert '<html lang="de">' in html and "LFP" in html


async def test_numbers_dates_and_language_choice() -> None:
    assert texts("de").number(1234.5) == "1.234,5" and texts("en").number(1234.5) == "1,234.5"
    assert texts("de").number(16, 1) == "16,0"
    assert texts("zh").date("2026-07-30T09:12:00Z") == "2026年7月30日"
    assert texts("en").date("not a date") == "not a date"
    assert choose_language("DE", "zh") == "de"
    assert choose_language("fr", "fr-CH, zh;q=0.8, de;q=0.5") == "zh"
    assert choose_language(None, "en;q=0, de;q=0") == "zh"
    assert choose_language(None, None) == "en"


async def test_every_translation_has_every_key() -> None:
    tables = {
        lang: orjson.loads((REPO / "resolver" / "page" / "i18n" / f"{lang}.json").read_bytes())
        for lang in ("en", "de", "zh")
    }
    for lang in ("de", "zh"):
        assert set(tables[lang]) == set(tables["en"]), lang


async def test_hidden_data_points_are_named_in_the_page_language(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    _, german = await _page(http, node.url + HANDLE + "?lang=de")
    assert (
        "48. Demontageinformationen" in german and "sichtbar für: berechtigtes Interesse, Behörden" in german
    )
    _, chinese = await _page(http, node.url + HANDLE + "?lang=zh")
    assert "48. 拆解信息" in chinese
