"""Operators' own links (issue 15): added per GTIN, batch or item through the links API, in the
linkset and in ``linkType`` resolution; bad input refused with a problem naming the field; and
the ``gs1:epcis`` link to the battery's lifecycle events."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from resolver.identifiers import gs1_check_digit
from tests.support.gs1 import BASE, BATCH, GTIN, ITEM, MODEL, OPERATOR, REPAIRER, bearer, check_linkset
from tests.support.gs1_compress import compress

pytestmark = pytest.mark.asyncio(loop_scope="module")

VOC = "https://gs1.org/voc/"
PROBLEM = "application/problem+json"
MANUAL: dict[str, Any] = {
    "linkType": "gs1:instructions",
    "href": "https://maker.example/manuals/ecp-60.pdf",
    "title": "Bedienungsanleitung",
    "type": "application/pdf",
    "hreflang": ["de"],
}
ITEM_SERVICE: dict[str, Any] = {
    "linkType": "https://gs1.org/voc/serviceInfo",
    "href": "https://maker.example/service/LFP-2026-000042",
    "title": "Service history",
    "type": "text/html",
    "hreflang": ["en"],
}


async def _put(http: aiohttp.ClientSession, path: str, body: object, token: str | None = OPERATOR) -> Any:
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    async with http.put(_URL[0] + "/gs1/links" + path, data=orjson.dumps(body), headers=headers) as r:
        return r.status, r.headers.get("Content-Type"), orjson.loads(await r.read() or b"null")


_URL: list[str] = [""]  # the module's node (set by the fixture below)


@pytest.fixture(autouse=True)
def _url(node: RunningNode) -> None:
    _URL[0] = node.url


async def _linkset(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    async with http.get(_URL[0] + path + "?linkType=all") as response:
        assert response.status == 200, await response.text()
        document: dict[str, Any] = orjson.loads(await response.read())
    check_linkset(document)
    entry: dict[str, Any] = document["linkset"][0]
    return entry


async def test_links_of_the_gtin_and_the_item_reach_the_linkset(http: aiohttp.ClientSession) -> None:
    status, _, body = await _put(http, MODEL, {"links": [MANUAL]})
    assert status == 200, body
    assert body == {"key": f"01/{GTIN}", "links": [MANUAL]}
    status, _, body = await _put(http, ITEM, {"links": [ITEM_SERVICE]})
    assert status == 200, body
    try:
        item = await _linkset(http, ITEM)
        assert item[VOC + "instructions"] == [{k: v for k, v in MANUAL.items() if k != "linkType"}]
        assert item[VOC + "serviceInfo"][0]["href"] == ITEM_SERVICE["href"]
        batch = await _linkset(http, BATCH)  # the GTIN's links apply to its batches, not the item's
        assert VOC + "instructions" in batch and VOC + "serviceInfo" not in batch
        async with http.get(
            _URL[0] + ITEM + "?linkType=gs1:instructions&campaign=x", allow_redirects=False
        ) as response:
            assert response.status == 307
            assert response.headers["Location"] == MANUAL["href"] + "?campaign=x"
            assert (
                f'<{MANUAL["href"]}>; rel="{VOC}instructions"; type="application/pdf"'
                in response.headers["Link"]
            )
    finally:
        for path in (MODEL, ITEM):
            async with http.delete(_URL[0] + "/gs1/links" + path, headers=bearer(OPERATOR)) as response:
                assert response.status == 204
    assert VOC + "instructions" not in await _linkset(http, ITEM)
    async with http.get(_URL[0] + "/gs1/links" + MODEL) as response:
        assert response.status == 404


async def test_an_operator_default_link_replaces_the_page(http: aiohttp.ClientSession) -> None:
    default = {**ITEM_SERVICE, "linkType": "gs1:defaultLink"}
    status, _, body = await _put(http, "/gtin/" + GTIN + "/ser/LFP-2026-000042", {"links": [default]})
    assert status == 200 and body["key"] == ITEM[1:], body
    try:
        assert (await _linkset(http, ITEM))[VOC + "defaultLink"][0]["href"] == ITEM_SERVICE["href"]
        async with http.get(_URL[0] + ITEM, allow_redirects=False) as response:
            assert response.status == 307 and response.headers["Location"] == ITEM_SERVICE["href"]
        async with http.get(_URL[0] + "/gs1/links" + ITEM) as response:  # anyone may read them
            assert response.status == 200
            assert (await response.json())["links"][0]["linkType"] == "gs1:defaultLink"
    finally:
        async with http.delete(_URL[0] + "/gs1/links" + ITEM, headers=bearer(OPERATOR)) as response:
            assert response.status == 204


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"links": [{**MANUAL, "linkType": "gs1:nosuchlt"}]},
            "links[0].linkType: 'gs1:nosuchlt' is not a GS1",
        ),
        (
            {"links": [MANUAL, {**MANUAL, "href": "ftp://x.example/a"}]},
            "links[1].href: an absolute http(s) URL",
        ),
        ({"links": [{**MANUAL, "href": 'https://x.example/"a'}]}, "links[0].href: an absolute http(s) URL"),
        ({"links": [{**MANUAL, "type": "PDF"}]}, "links[0].type: 'PDF' is not a media type"),
        (
            {"links": [{**MANUAL, "hreflang": ["english!"]}]},
            "links[0].hreflang: 'english!' is not a language",
        ),
        ({"links": [{**MANUAL, "rel": "x"}]}, "links[0]: unknown field 'rel'"),
        ({"links": [{k: v for k, v in MANUAL.items() if k != "title"}]}, "links[0]: title is required"),
        ({"links": [{**MANUAL, "title": "a\nb"}]}, "links[0].title: control characters"),
        ({"links": [MANUAL] * 65}, "at most 64 links"),
        ({"link": []}, 'the body is {"links": [ … ]}'),
    ],
)
async def test_bad_links_are_refused_with_the_field_named(
    http: aiohttp.ClientSession, body: object, detail: str
) -> None:
    status, content_type, problem = await _put(http, MODEL, body)
    assert status == 400 and content_type == PROBLEM, problem
    assert problem["detail"].startswith(detail) or detail in problem["detail"], problem["detail"]
    async with http.get(_URL[0] + "/gs1/links" + MODEL) as response:
        assert response.status == 404  # nothing half-written


async def test_bad_paths_and_bodies(http: aiohttp.ClientSession) -> None:
    status, _, problem = await _put(http, f"/01/{GTIN[:-1]}9", {"links": [MANUAL]})
    assert status == 400 and "check digit" in problem["detail"]
    status, _, problem = await _put(http, f"{BATCH}/21/X", {"links": [MANUAL]})
    assert status == 400 and "per GTIN, GTIN with batch" in problem["detail"]
    async with http.put(
        _URL[0] + "/gs1/links" + MODEL,
        data=b"{",
        headers={"Content-Type": "application/json", **bearer(OPERATOR)},
    ) as response:
        assert response.status == 400 and "not JSON" in (await response.json())["detail"]
    async with http.put(
        _URL[0] + "/gs1/links" + MODEL, data=b"{}", headers={"Content-Type": "text/plain", **bearer(OPERATOR)}
    ) as response:
        assert response.status == 415


async def test_only_the_operator_of_the_prefix_writes(http: aiohttp.ClientSession) -> None:
    assert (await _put(http, MODEL, {"links": [MANUAL]}, token=None))[0] == 401
    assert (await _put(http, MODEL, {"links": [MANUAL]}, token=REPAIRER))[0] == 403
    other = "0401234500000"
    other += str(gs1_check_digit(other))
    status, _, problem = await _put(http, f"/01/{other}", {"links": [MANUAL]})
    assert status == 403 and f"01/{other}" in problem["detail"]
    async with http.delete(_URL[0] + "/gs1/links" + MODEL) as response:
        assert response.status == 401


async def test_epcis_link_to_the_lifecycle_events(http: aiohttp.ClientSession) -> None:
    links = (await _linkset(http, ITEM))[VOC + "epcis"]
    assert links == [
        {
            "href": f"{BASE}{ITEM}/events",
            "title": "Lifecycle events (EPCIS 2.0)",
            "type": "application/ld+json",
            "hreflang": ["en"],
        }
    ]
    async with http.get(_URL[0] + ITEM + "?linkType=gs1:epcis", allow_redirects=False) as response:
        assert response.status == 307 and response.headers["Location"] == f"{BASE}{ITEM}/events"
    # Where it points, on this node: the readings are for legitimate interest and up.
    async with http.get(_URL[0] + ITEM + "/events", headers=bearer(REPAIRER)) as response:
        assert response.status == 200, await response.text()
        document = await response.json(content_type=None)
        assert document["type"] == "EPCISDocument" and document["epcisBody"]["eventList"]


async def test_a_compressed_link_is_answered_as_its_uncompressed_path(http: aiohttp.ClientSession) -> None:
    compressed = compress([("01", GTIN), ("21", ITEM.rsplit("/", 1)[1])], optimise=True)
    plain = await _linkset(http, ITEM)
    async with http.get(_URL[0] + "/" + compressed + "?linkType=all") as response:
        assert response.status == 200, await response.text()
        assert orjson.loads(await response.read())["linkset"][0] == plain
    async with http.get(_URL[0] + "/" + compressed + "?x=1", allow_redirects=False) as response:
        assert response.status == 307 and "x=1" in response.headers["Location"]
    async with http.get(_URL[0] + "/AN2yxDhfaiaw") as response:  # an SSCC: not served here
        assert response.status == 400 and response.content_type == PROBLEM
        assert "AI 00" in (await response.json())["detail"]
    # Only paths that could be a compressed GTIN link are taken: /subscriptions is POST only.
    async with http.get(_URL[0] + "/subscriptions") as response:
        assert response.status == 405
