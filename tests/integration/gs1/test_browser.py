"""The page in a real browser: headless Chromium from Debian's ``chromium`` package, driven by
Selenium through Debian's ``chromium-driver`` (nothing downloads a browser), with axe-core
(from npm, ``make axe``) checking WCAG 2.2 A/AA. Screenshots are taken on every run, and written
to docs/screenshots/ only with ``PASSPORT_SCREENSHOTS=1`` (so a test run leaves the tree clean):

    PASSPORT_SCREENSHOTS=1 .venv/bin/pytest -q tests/integration/gs1/test_browser.py

Skipped, with the reason, where chromium, chromedriver or axe-core is not installed.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver.app import RunningNode
from tests.support.gs1 import AUTHORITY, ITEM, REPAIRER, REPO

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = REPO / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO / "docs" / "screenshots"
SHOTS_VARIABLE = "PASSPORT_SCREENSHOTS"  # set to 1 to rewrite docs/screenshots/
HANDLE = "/88.100.1/BAT-EV-000001"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return (
            "Debian chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        )
    if not AXE.exists():
        return "axe-core is not installed (make axe)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, url: str, *, token: str | None = None, screen: dict[str, Any] = DESKTOP) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": headers})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", screen)
    driver.get(url)


def _axe(driver: Any) -> list[dict[str, Any]]:
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)}))))"
        ".catch(e => done([{id: 'axe-error', nodes: [String(e)]}]));",
        WCAG,
    )
    violations: list[dict[str, Any]] = result
    return violations


def _shot(driver: Any, name: str) -> bytes:
    """The page as a PNG; written to docs/screenshots/``name`` only when asked (``SHOTS_VARIABLE``)."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    png = base64.b64decode(shot["data"])
    if os.environ.get(SHOTS_VARIABLE) == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / name).write_bytes(png)
    return png


def _bars(driver: Any, chart: str) -> list[float]:
    widths: list[float] = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' rect.bar')]"
        ".map(r => r.getBoundingClientRect().width);",
        f"#{chart}",
    )
    return widths


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "Carbon footprint"), ("de", "CO₂-Fußabdruck"), ("zh", "碳足迹")]
)
async def test_page_in_chromium_each_language(
    node: RunningNode, browser: Any, lang: str, heading: str
) -> None:
    def run() -> None:
        _open(browser, node.url + HANDLE + f"?format=html&lang={lang}", screen=PHONE)
        assert browser.execute_script("return document.documentElement.lang") == lang
        headings = browser.execute_script(
            "return [...document.querySelectorAll('h2')].map(h => h.textContent)"
        )
        assert heading in headings
        assert len(_bars(browser, "chart-carbon")) == 4 and min(_bars(browser, "chart-carbon")) > 0
        # No horizontal scrolling on a phone.
        assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE["width"]
        assert _axe(browser) == []
        _shot(browser, f"page-phone-{lang}.png")

    await asyncio.to_thread(run)


@pytest.mark.parametrize("token", [None, REPAIRER, AUTHORITY], ids=["public", "repairer", "authority"])
async def test_page_in_chromium_each_tier(node: RunningNode, browser: Any, token: str | None) -> None:
    def run() -> str:
        _open(browser, node.url + HANDLE + "?format=html&lang=en", token=token)
        assert _axe(browser) == []
        if token is not None:  # the state of health over time is drawn: a line of some length
            width = browser.execute_script(
                "const l = document.querySelector('#chart-health-history polyline');"
                "return l ? l.getBoundingClientRect().width : 0"
            )
            assert width > 100, width
        # textContent: the folded "all data" section counts too (innerText skips it).
        text: str = browser.execute_script("return document.body.textContent")
        return text

    text = await asyncio.to_thread(run)
    restricted = ("VX82-BMS-0007", "test-report-2026-01.pdf", "dismantling.pdf")  # spare part, report, manual
    if token is None:
        assert not [value for value in restricted if value in text]
        assert "Data held back for your access level" in text and "dismantling information" in text
    elif token == REPAIRER:
        assert "VX82-BMS-0007" in text and "test-report-2026-01.pdf" not in text
        assert "State of health" in text
    else:
        assert all(value in text for value in restricted)


async def test_screenshots_desktop_and_compare(node: RunningNode, browser: Any) -> None:
    def run() -> bytes:
        _open(browser, node.url + HANDLE + "?format=html&lang=en", screen=DESKTOP)
        desktop = _shot(browser, "page-desktop-en.png")
        _open(browser, node.url + HANDLE + "?format=html&lang=de", token=REPAIRER, screen=DESKTOP)
        assert len(_bars(browser, "chart-health")) == 1  # state of certified energy
        _shot(browser, "page-desktop-de-repairer.png")
        ids = f"88.100.1/BAT-EV-000001,{ITEM.lstrip('/')}"
        _open(browser, node.url + f"/compare?ids={ids}&lang=en", screen=DESKTOP)
        assert _axe(browser) == []
        _shot(browser, "compare-desktop-en.png")
        return desktop

    desktop = await asyncio.to_thread(run)
    assert desktop.startswith(b"\x89PNG") and len(desktop) > 10_000


async def test_chromium_comes_from_debian() -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    assert shutil.which("chromium") == str(CHROMIUM)
