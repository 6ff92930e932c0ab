"""The GS1 Digital Link resolver against a real node: every behaviour of the GS1 resolver
standard the node claims, with status, headers and linksets checked against GS1's schema."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jsonschema
import orjson
import pytest
from multidict import CIMultiDictProxy

from resolver.app import RunningNode
from tests.support.gs1 import (
    BASE,
    BATCH,
    GTIN,
    ITEM,
    LOT,
    MODEL,
    REPAIRER,
    SERIAL,
    bearer,
    check_linkset,
    schema,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
PROBLEM = "application/problem+json"
DECLARATION = "https://ecocell.example/doc/ecp-60-eu-doc.pdf"  # in examples/valid/ev-lfp.jsonld
REQUIRED = (
    "pip",
    "productPassport",
    "sustainabilityInfo",
    "certificationInfo",
    "recyclingInfo",
    "defaultLink",
)


async def _get(
    http: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        return response.status, response.headers, await response.read()


async def _linkset(http: aiohttp.ClientSession, url: str, **headers: str) -> dict[str, Any]:
    status, response_headers, body = await _get(http, url, **headers)
    assert status == 200, body
    assert response_headers["Content-Type"] == LINKSET
    document: dict[str, Any] = orjson.loads(body)
    check_linkset(document)
    return document


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


@pytest.mark.parametrize(
    ("path", "anchor"),
    [(ITEM, ITEM), (BATCH, BATCH), (MODEL, MODEL)],
    ids=["item", "batch", "model"],
)
async def test_every_level_has_a_schema_valid_linkset(
    node: RunningNode, http: aiohttp.ClientSession, path: str, anchor: str
) -> None:
    for url, headers in ((node.url + path + "?linkType=all", {}), (node.url + path, {"Accept": LINKSET})):
        document = await _linkset(http, url, **headers)
        entry = document["linkset"][0]
        assert entry["anchor"] == BASE + anchor
        for name in REQUIRED:
            links = entry[VOC + name]
            assert links, name
            for link in links:
                external = link["title"].endswith("study") or name in ("certificationInfo", "recyclingInfo")
                assert link["href"].startswith(BASE) or external
                assert link["type"] and link["hreflang"] and link["title"]
        formats = {link["type"] for link in entry[VOC + "productPassport"]}
        assert formats == {"application/ld+json", "text/turtle", "application/n-triples", "text/html"}
        assert {link["hreflang"][0] for link in entry[VOC + "pip"]} == {"en", "de", "zh"}


async def test_a_linkset_that_breaks_the_gs1_schema_is_caught() -> None:
    # The check itself can fail: a compact IRI as a relation type is not allowed by the schema.
    bad = {"linkset": [{"anchor": BASE + ITEM, "gs1:pip": [{"href": BASE + ITEM, "title": "x"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        check_linkset(bad)


async def test_model_level_without_qualifier_redirects_to_the_default_link(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await _get(http, node.url + MODEL)
    assert status == 307
    location = headers["Location"]
    assert location.startswith(BASE + BATCH + "?")  # the first registered under the GTIN
    assert _query(location) == {"format": ["html"], "lang": ["en"]}
    link = headers.getall("Link")
    assert len(link) == 1
    assert f'<{BASE}{MODEL}?linkType=all>; rel="linkset"; type="{LINKSET}"' in link[0]
    assert f'rel="{VOC}pip"' in link[0]
    assert f'<https://id.gs1.org{MODEL}>; rel="owl:sameAs"' in link[0]


async def test_walk_up_to_the_less_granular_level(node: RunningNode, http: aiohttp.ClientSession) -> None:
    unknown_lot = await _linkset(http, node.url + f"/01/{GTIN}/10/NO-SUCH-LOT?linkType=all")
    assert unknown_lot["linkset"][0]["anchor"] == BASE + MODEL
    unknown_serial = await _linkset(http, node.url + f"/01/{GTIN}/21/NO-SUCH?linkType=all")
    assert unknown_serial["linkset"][0]["anchor"] == BASE + MODEL
    in_known_lot = await _linkset(http, node.url + f"/01/{GTIN}/10/{LOT}/21/NO-SUCH?linkType=all")
    assert in_known_lot["linkset"][0]["anchor"] == BASE + BATCH
    item_in_lot = await _linkset(http, node.url + f"/01/{GTIN}/10/{LOT}/21/{SERIAL}?linkType=all")
    assert item_in_lot["linkset"][0]["anchor"] == BASE + ITEM


async def test_unknown_gtin_is_404(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, body = await _get(http, node.url + "/01/09521234543213/21/NOPE-1")
    assert status == 404 and headers["Content-Type"] == PROBLEM
    assert "09521234543213" in orjson.loads(body)["detail"]


async def test_link_type_picks_a_link_and_passes_the_query_on(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await _get(http, node.url + ITEM + "?linkType=gs1:certificationInfo")
    assert status == 307
    assert headers["Location"] == DECLARATION
    assert 'rel="linkset"' in headers["Link"]
    status, headers, _ = await _get(http, node.url + ITEM + "?17=261231&linkType=gs1:pip&src=qr")
    assert status == 307
    query = _query(headers["Location"])
    assert query["17"] == ["261231"] and query["src"] == ["qr"] and "linkType" not in query
    assert headers["Location"].startswith(BASE + ITEM + "?format=html")
    # The full IRI of a link type works like its compact form.
    status, headers, _ = await _get(http, node.url + ITEM + f"?linkType={VOC}productPassport")
    assert status == 307 and "format=" in headers["Location"]


async def test_unknown_link_type_is_404(node: RunningNode, http: aiohttp.ClientSession) -> None:
    for link_type in ("gs1:nosuchlt", "gs1:recallStatus", "nonsense"):
        status, headers, body = await _get(http, node.url + ITEM + f"?linkType={link_type}")
        assert status == 404, link_type
        assert headers["Content-Type"] == PROBLEM
        assert "link" in orjson.loads(body)["detail"]


async def test_accept_and_accept_language_choose_the_link(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await _get(http, node.url + ITEM, **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert status == 307 and _query(headers["Location"])["lang"] == ["de"]
    status, headers, _ = await _get(
        http, node.url + ITEM, Accept="text/html,application/xhtml+xml,*/*;q=0.8", **{"Accept-Language": "zh"}
    )
    assert status == 307 and _query(headers["Location"])["lang"] == ["zh"]
    status, headers, _ = await _get(
        http, node.url + ITEM + "?linkType=gs1:productPassport", Accept="text/turtle"
    )
    assert status == 307 and _query(headers["Location"])["format"] == ["turtle"]
    assert "Accept-Language" in headers["Vary"]


async def test_passport_formats_are_served_at_the_digital_link(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + ITEM, Accept="application/ld+json")
    assert status == 200 and headers["Content-Type"] == "application/ld+json"
    assert orjson.loads(body)["id"] == "https://id.gs1.org" + ITEM
    status, headers, _ = await _get(http, node.url + ITEM + "?format=turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    # The model has no passport of its own: its example item's, by redirect.
    status, headers, _ = await _get(http, node.url + MODEL, Accept="application/ld+json")
    assert status == 307 and _query(headers["Location"])["format"] == ["jsonld"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (f"/01/{GTIN[:-1]}3/21/{SERIAL}", "check digit"),
        (f"/01/{GTIN}/99/X", "not a key qualifier"),
        (f"/01/{GTIN}/21/{SERIAL}/10/{LOT}", "in the order 22, 10, 21"),
        (f"/01/{GTIN}/21", "without a value"),
        ("/01/1234", "8, 12, 13 or 14 digits"),
        (f"/01/{GTIN}/21/" + "A" * 21, "character set 82"),
    ],
)
async def test_invalid_digital_link_is_400_with_the_reason(
    node: RunningNode, http: aiohttp.ClientSession, path: str, reason: str
) -> None:
    status, headers, body = await _get(http, node.url + path)
    assert status == 400 and headers["Content-Type"] == PROBLEM
    assert reason in orjson.loads(body)["detail"]


async def test_trailing_slash_is_ignored(node: RunningNode, http: aiohttp.ClientSession) -> None:
    with_slash = await _linkset(http, node.url + ITEM + "/?linkType=all")
    without = await _linkset(http, node.url + ITEM + "?linkType=all")
    assert with_slash == without
    status, _, _ = await _get(http, node.url + MODEL + "/")
    assert status == 307


async def test_convenience_alphas(node: RunningNode, http: aiohttp.ClientSession) -> None:
    alpha = await _linkset(http, node.url + f"/gtin/{GTIN}/ser/{SERIAL}?linkType=all")
    assert alpha["linkset"][0]["anchor"] == BASE + ITEM
    lot = await _linkset(http, node.url + f"/gtin/{GTIN}/lot/{LOT}?linkType=all")
    assert lot["linkset"][0]["anchor"] == BASE + BATCH


async def test_recycling_links_follow_the_tier(node: RunningNode, http: aiohttp.ClientSession) -> None:
    public = (await _linkset(http, node.url + ITEM + "?linkType=all"))["linkset"][0]
    repairer = (await _linkset(http, node.url + ITEM + "?linkType=all", **bearer(REPAIRER)))["linkset"][0]

    def titles(entry: dict[str, Any]) -> list[str]:
        return [link["title"] for link in entry[VOC + "recyclingInfo"]]

    assert not any("Dismantling" in t for t in titles(public))
    assert any("Dismantling" in t for t in titles(repairer))


# The last: a decoded newline in the path (schemathesis found OPTIONS answered 405 there).
@pytest.mark.parametrize(
    "path", [ITEM, MODEL + "/", "/.well-known/gs1resolver", "/88.100.1/BAT-EV-000001", "/88.1%0A/x/lineage"]
)
async def test_options_and_cors_on_every_resolver_route(
    node: RunningNode, http: aiohttp.ClientSession, path: str
) -> None:
    async with http.options(
        node.url + path, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    ) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "Accept" in response.headers["Access-Control-Allow-Headers"]
    _, headers, _ = await _get(http, node.url + path)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in headers["Access-Control-Expose-Headers"]


async def test_answers_with_credentials_are_not_shared_across_origins(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, _ = await _get(http, node.url + ITEM + "?linkType=all", **bearer(REPAIRER))
    assert status == 200
    assert "Access-Control-Allow-Origin" not in headers
    assert headers["Cache-Control"].startswith("private")
    assert headers["Passport-Tier"] == "legitimate-interest"


async def test_well_known_describes_the_resolver(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, body = await _get(http, node.url + "/.well-known/gs1resolver")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    description = orjson.loads(body)
    jsonschema.validate(description, schema("description-file-schema.json"))
    assert description["resolverRoot"] == BASE
    assert description["supportedPrimaryKeys"] == ["01"]


async def test_writes_at_a_digital_link_still_reach_the_native_api(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    async with http.delete(node.url + ITEM) as response:
        assert response.status == 401  # no credentials: refused by the native API, not 405


async def test_compressed_digital_link_with_a_data_attribute_is_refused(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # GTIN plus AI 13 (a packaging date): the decoder reads GTINs and their qualifiers only
    # (tests/gs1/test_compression.py; served compressed links: test_operator_links.py).
    status, headers, body = await _get(http, node.url + "/AQnYUc1gmiYwDYDSEjR5TLQLNA")
    assert status == 400 and headers["Content-Type"] == PROBLEM
    assert "holds AI 13" in orjson.loads(body)["detail"]


async def test_history_of_a_gs1_passport_is_the_native_api(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, _, body = await _get(http, node.url + ITEM + "/history")
    assert status == 200
    assert orjson.loads(body)["versions"][0]["version"] == 1


async def test_a_control_character_in_the_query_stays_encoded_in_the_redirect(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # Found by schemathesis: decoded, "%1F" put a control character into Location, aiohttp
    # refused to send the header and the connection was dropped without an answer.
    status, headers, _ = await _get(http, node.url + MODEL + "?at=%1F&x=%0A")
    assert status == 307
    assert headers["Location"].endswith("?at=%1F&x=%0A")
