"""Reading passports from a real node: formats, caching headers, tiers on every way out, errors."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import orjson
import pytest
from multidict import CIMultiDict

from resolver.app import RunningNode
from tests.integration.conftest import AUTHORITY, EXAMPLE_HANDLE, OPERATOR, REPAIRER, bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")

URL_OF = "/" + EXAMPLE_HANDLE
PROBLEM = "application/problem+json"


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(url, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


async def test_passport_resolves_to_public_json_ld_by_default(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + URL_OF)
    assert status == 200
    assert headers["Content-Type"] == "application/ld+json"
    document = orjson.loads(body)
    assert document["id"] == "https://hdl.handle.net/" + EXAMPLE_HANDLE
    # Signed (issue 11): the Data Integrity context is appended, and the proof embedded.
    assert document["@context"] == [
        "https://w3id.org/battery-passport/eu-battery/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert headers["Passport-Tier"] == "public"
    assert headers["Passport-Source"] == "local"
    assert headers["Cache-Control"].startswith("public, max-age=")
    assert headers["Vary"] == "Accept, Authorization, Passport-Tier, Prefer"
    assert headers["ETag"].startswith('"v1.public.')
    assert "GMT" in headers["Last-Modified"]


async def test_handle_is_case_insensitive_and_accepts_hdl_and_gs1_forms(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    lower = await _get(http, node.url + URL_OF.lower())
    assert lower[0] == 200
    hdl = await _get(http, node.url + "/hdl:" + EXAMPLE_HANDLE)
    assert hdl[0] == 200 and hdl[2] == lower[2]
    # A valid GS1 Digital Link path under the node's GS1 prefix parses and is looked up.
    gs1 = await _get(http, node.url + "/01/09521234543213/21/NOPE-1")
    assert gs1[0] == 404
    assert orjson.loads(gs1[2])["type"].endswith("/not-found")


async def test_head_has_headers_and_no_body(node: RunningNode, http: aiohttp.ClientSession) -> None:
    async with http.head(node.url + URL_OF) as response:
        assert response.status == 200
        assert response.headers["ETag"].startswith('"v1.public.')
        assert int(response.headers["Content-Length"]) > 1000
        assert await response.read() == b""


@pytest.mark.parametrize(
    ("accept", "content_type", "marker"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", b"@prefix"),
        (
            "application/n-triples",
            "application/n-triples",
            b"<https://hdl.handle.net/88.100.1/BAT-EV-000001>",
        ),
        ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8", b"<!DOCTYPE html>"),
        ("application/json", "application/json", b'"@context"'),
        ("*/*", "application/ld+json", b'"@context"'),
    ],
)
async def test_content_negotiation_picks_the_requested_format(
    node: RunningNode, http: aiohttp.ClientSession, accept: str, content_type: str, marker: bytes
) -> None:
    status, headers, body = await _get(http, node.url + URL_OF, Accept=accept)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert marker in body


async def test_format_query_overrides_accept(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, _ = await _get(http, node.url + URL_OF + "?format=ntriples", Accept="text/html")
    assert status == 200 and headers["Content-Type"] == "application/n-triples"


async def test_unacceptable_media_type_is_406_problem(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, body = await _get(http, node.url + URL_OF, Accept="image/png")
    assert status == 406
    assert headers["Content-Type"] == PROBLEM
    problem = orjson.loads(body)
    assert problem["status"] == 406 and "application/ld+json" in problem["detail"]


async def test_matching_if_none_match_gives_304_without_body(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    _, headers, _ = await _get(http, node.url + URL_OF, Accept="text/turtle")
    status, again, body = await _get(
        http, node.url + URL_OF, Accept="text/turtle", **{"If-None-Match": headers["ETag"]}
    )
    assert status == 304 and body == b""
    assert again["ETag"] == headers["ETag"]
    # The same tag does not match another representation.
    status, _, _ = await _get(http, node.url + URL_OF, **{"If-None-Match": headers["ETag"]})
    assert status == 200


async def test_each_tier_sees_only_its_view_in_every_format(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    views = {}
    for name, token in (("public", None), ("legitimate-interest", REPAIRER), ("authority", AUTHORITY)):
        headers = bearer(token) if token else {}
        status, got, body = await _get(http, node.url + URL_OF, **headers)
        assert status == 200 and got["Passport-Tier"] == name
        views[name] = orjson.loads(body)
    assert set(views["public"]) < set(views["legitimate-interest"]) < set(views["authority"])
    assert "stateOfCharge" not in views["public"] and "stateOfCharge" in views["legitimate-interest"]
    assert "testReports" in views["authority"] and "testReports" not in views["legitimate-interest"]
    assert views["authority"]["operator"] == views["public"]["operator"]
    # Non-JSON formats carry the same restriction: text found only in the authority view
    # (a test report's strings) is in the authority's Turtle/N-Triples/HTML, never the public's.
    public_text = orjson.dumps(views["public"]).decode()
    hidden = [s for s in _strings(views["authority"]["testReports"]) if s not in public_text]
    assert hidden
    for accept in ("text/turtle", "application/n-triples", "text/html"):
        _, _, public_body = await _get(http, node.url + URL_OF, Accept=accept)
        _, _, authority_body = await _get(http, node.url + URL_OF, Accept=accept, **bearer(AUTHORITY))
        for text in hidden:
            assert text.encode() not in public_body, (accept, text)
        assert any(text.encode() in authority_body for text in hidden), accept


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if len(value) > 6 else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def test_operator_sees_everything_and_private_views_are_not_publicly_cacheable(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + URL_OF, **bearer(OPERATOR))
    assert status == 200 and headers["Passport-Tier"] == "authority"
    assert "testReports" in orjson.loads(body)
    assert headers["Cache-Control"].startswith("private")


async def test_passport_tier_request_header_is_ignored_from_callers_that_are_not_peers(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # Only a federation peer's Passport-Tier counts (tests/integration/test_federation_trust.py).
    _, headers, body = await _get(http, node.url + URL_OF, **bearer(AUTHORITY), **{"Passport-Tier": "public"})
    assert headers["Passport-Tier"] == "authority" and "testReports" in orjson.loads(body)
    _, headers, body = await _get(http, node.url + URL_OF, **{"Passport-Tier": "authority"})
    assert headers["Passport-Tier"] == "public" and "testReports" not in orjson.loads(body)
    status, headers, _ = await _get(http, node.url + URL_OF, **{"Passport-Tier": "everything"})
    assert status == 200 and headers["Passport-Tier"] == "public"


async def test_wrong_token_is_401_problem_never_public(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + URL_OF, **bearer("not-a-token"))
    assert status == 401
    assert headers["Content-Type"] == PROBLEM
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert orjson.loads(body)["type"].endswith("/unauthorized")


async def test_basic_auth_with_the_token_as_password_is_accepted(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # Handle clients send "index:handle" as the user name, percent-encoded (pyhandle) or not.
    for user in ("300%3A88.100.1%2FADMIN", "300:88.100.1/ADMIN"):
        raw = base64.b64encode(f"{user}:{REPAIRER}".encode()).decode()
        async with http.get(node.url + URL_OF, headers={"Authorization": f"Basic {raw}"}) as response:
            assert response.status == 200
            assert response.headers["Passport-Tier"] == "legitimate-interest"


async def test_unknown_passport_is_404_and_invalid_identifier_is_400(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + "/88.100.1/NO-SUCH-BATTERY")
    assert status == 404 and headers["Content-Type"] == PROBLEM
    assert "88.100.1/NO-SUCH-BATTERY" in orjson.loads(body)["detail"]
    status, headers, body = await _get(http, node.url + "/not-a-prefix/X")
    assert status == 400 and headers["Content-Type"] == PROBLEM
    assert orjson.loads(body)["type"].endswith("/invalid-identifier")
    # A GS1 Digital Link with a wrong check digit names the reason.
    status, _, body = await _get(http, node.url + "/01/09521234543214/21/X")
    assert status == 400 and "check digit" in orjson.loads(body)["detail"]


async def test_unknown_route_and_wrong_method_are_problems(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, headers, body = await _get(http, node.url + "/nothing-here")
    assert status == 404 and headers["Content-Type"] == PROBLEM
    assert orjson.loads(body)["status"] == 404
    async with http.post(node.url + URL_OF, data=b"{}") as response:
        assert response.status == 405
        assert response.headers["Content-Type"] == PROBLEM
        assert "PUT" in response.headers["Allow"]
        assert (await response.json(content_type=PROBLEM))["status"] == 405


async def _raw(node: RunningNode, request: bytes) -> bytes:
    host, port = node.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_oversized_header_and_garbage_request_line_are_problems(node: RunningNode) -> None:
    big = b"X-Filler: " + b"a" * 20000 + b"\r\n"
    answer = await _raw(node, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + big + b"\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] in (b"400", b"431")
    assert b"application/problem+json" in head
    assert orjson.loads(body)["status"] in (400, 431)
    answer = await _raw(node, b"\x16\x03\x01 not http at all\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400" and b"application/problem+json" in head
    assert b"Traceback" not in body


async def test_node_description_health_and_metrics(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, headers, body = await _get(http, node.url + "/.well-known/passport-node")
    description = orjson.loads(body)
    assert status == 200
    assert description["id"] == "local"
    assert "88.100.1" in description["prefixes"]
    assert description["profiles"] == ["eu-battery"]
    assert description["base_url"] == node.url
    status, _, body = await _get(http, node.url + "/healthz")
    assert status == 200 and orjson.loads(body)["passports"] >= 1
    status, headers, body = await _get(http, node.url + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    assert 'passport_http_requests_total{route="passport",status="200"}' in text
    assert "passport_http_request_seconds_bucket" in text
    assert 'passport_answers_total{source="local"}' in text
