"""QR codes of passports: the Digital Link for a GTIN, the handle URL otherwise, level M at
least, a quiet zone; the PNG's pixels are read back and compared module by module."""

from __future__ import annotations

import struct
import zlib

import aiohttp
import pytest
import segno

from resolver.app import RunningNode
from resolver.gs1.qr import QUIET_ZONE
from tests.support.gs1 import BASE, GTIN, ITEM, OPERATOR, REPO, SERIAL, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _png_modules(png: bytes) -> list[list[int]]:
    """Rows of a 1-bit greyscale PNG at one pixel per module: 1 for dark, 0 for light."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (depth, colour) == (1, 0), (depth, colour)
    data = b""
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        if kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(data)
    stride = (width + 7) // 8
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert line[0] == 0  # no PNG filter: bytes are pixels
        bits = [(line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(width)]
        rows.append([1 - b for b in bits])  # greyscale: 0 is black
    return rows


def _expected(content: str) -> list[list[int]]:
    symbol = segno.make(content, error="m", boost_error=True, micro=False)
    assert symbol.error in ("M", "Q", "H")
    size = len(symbol.matrix) + 2 * QUIET_ZONE
    rows = [[0] * size for _ in range(size)]
    for y, row in enumerate(symbol.matrix):
        for x, dark in enumerate(row):
            rows[y + QUIET_ZONE][x + QUIET_ZONE] = 1 if dark else 0
    return rows


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with http.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (ITEM + "/qr", BASE + ITEM),
        (f"/gtin/{GTIN}/ser/{SERIAL}/qr", BASE + ITEM),
        ("/88.100.1/BAT-EV-000001/qr", "https://hdl.handle.net/88.100.1/BAT-EV-000001"),
    ],
    ids=["digital-link", "alphas", "handle"],
)
async def test_png_encodes_the_link_with_quiet_zone(
    node: RunningNode, http: aiohttp.ClientSession, path: str, content: str
) -> None:
    status, headers, body = await _get(http, node.url + path + "?format=png&scale=1")
    assert status == 200 and headers["Content-Type"] == "image/png", body[:300]
    assert headers["QR-Content"] == content
    modules = _png_modules(body)
    assert modules == _expected(content)
    assert not any(modules[0]) and not any(row[0] for row in modules)  # light margin


async def test_svg_is_the_default_and_png_by_accept(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, body = await _get(http, node.url + ITEM + "/qr")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml"
    assert body.startswith(b"<svg") and b"<title>QR code: " + (BASE + ITEM).encode() in body
    status, headers, body = await _get(http, node.url + ITEM + "/qr", Accept="image/png")
    assert status == 200 and headers["Content-Type"] == "image/png", body[:300]
    size = struct.unpack(">I", body[16:20])[0]
    assert size == 8 * len(_expected(BASE + ITEM))


async def test_qr_errors(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, _, _ = await _get(http, node.url + "/88.100.1/NO-SUCH/qr")
    assert status == 404
    status, _, _ = await _get(http, node.url + ITEM + "/qr?format=gif")
    assert status == 406
    status, _, _ = await _get(http, node.url + ITEM + "/qr?format=png&scale=0")
    assert status == 400


async def test_unicode_handle_is_encoded_as_a_uri(node: RunningNode, http: aiohttp.ClientSession) -> None:
    handle = "88.100.1/BAT-ÄÖ-1"
    body = (REPO / "examples" / "valid" / "ev-nmc811.jsonld").read_text(encoding="utf-8")
    body = body.replace("88.100.1/BAT-EV-000001", handle)
    headers = {"Content-Type": "application/ld+json", **bearer(OPERATOR)}
    async with http.put(node.url + "/" + handle, data=body.encode(), headers=headers) as response:
        assert response.status == 201, await response.text()
    status, headers, png = await _get(http, node.url + "/" + handle + "/qr?format=png&scale=1")
    assert status == 200
    content = "https://hdl.handle.net/88.100.1/BAT-%C3%84%C3%96-1"
    assert headers["QR-Content"] == content
    assert _png_modules(png) == _expected(content)
