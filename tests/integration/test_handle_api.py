"""The Handle REST API of a real node: Handle.Net's shapes, response codes and HTTP statuses."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from tests.integration.conftest import EXAMPLE_HANDLE, OPERATOR, REPAIRER, bearer, new_handle, passport

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, body: bytes | None = None, /, **headers: str
) -> tuple[int, dict[str, Any]]:
    async with http.request(method, url, data=body, headers=headers) as response:
        # Handle clients parse every answer as JSON, whatever its media type.
        return response.status, orjson.loads(await response.read())


def _values(handle: str) -> bytes:
    document = orjson.loads(passport(handle))
    return orjson.dumps(
        {
            "values": [
                {"index": 1, "type": "URL", "data": {"format": "string", "value": "https://ignored.example"}},
                {
                    "index": 2,
                    "type": "PASSPORT_JSONLD",
                    "data": {"format": "string", "value": orjson.dumps(document).decode()},
                },
            ]
        }
    )


async def test_resolution_gives_handle_values_with_url_and_json_ld_location(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(http, "GET", f"{node.url}/api/handles/{EXAMPLE_HANDLE}")
    assert status == 200
    assert body["responseCode"] == 1 and body["handle"] == EXAMPLE_HANDLE
    by_index = {v["index"]: v for v in body["values"]}
    assert set(by_index) == {1, 2}  # HS_ADMIN only for the prefix's operators
    assert by_index[1]["type"] == "URL"
    assert by_index[1]["data"] == {"format": "string", "value": f"{node.url}/{EXAMPLE_HANDLE}"}
    assert by_index[2]["type"] == "PASSPORT_JSONLD"
    assert isinstance(by_index[1]["ttl"], int) and by_index[1]["timestamp"].endswith("Z")
    # The location really serves the JSON-LD.
    async with http.get(by_index[2]["data"]["value"], headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and response.content_type == "application/ld+json"


async def test_type_and_index_filters_and_values_not_found(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    base = f"{node.url}/api/handles/{EXAMPLE_HANDLE}"
    status, body = await _call(http, "GET", base + "?type=URL")
    assert status == 200 and [v["index"] for v in body["values"]] == [1]
    status, body = await _call(http, "GET", base + "?index=2&type=URL")
    assert [v["index"] for v in body["values"]] == [1, 2]
    status, body = await _call(http, "GET", base + "?type=EMAIL")
    assert status == 200 and body == {"responseCode": 200, "handle": EXAMPLE_HANDLE}


async def test_operator_of_the_prefix_also_sees_hs_admin(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(http, "GET", f"{node.url}/api/handles/{EXAMPLE_HANDLE}", **bearer(OPERATOR))
    admin = [v for v in body["values"] if v["type"] == "HS_ADMIN"]
    assert status == 200 and admin and admin[0]["index"] == 100
    assert admin[0]["data"]["format"] == "admin"


async def test_handle_response_codes_and_statuses(node: RunningNode, http: aiohttp.ClientSession) -> None:
    status, body = await _call(http, "GET", f"{node.url}/api/handles/88.100.1/NOT-THERE")
    assert (status, body["responseCode"], body["handle"]) == (404, 100, "88.100.1/NOT-THERE")
    status, body = await _call(http, "GET", f"{node.url}/api/handles/nonsense")
    assert (status, body["responseCode"]) == (400, 102)
    status, body = await _call(http, "GET", f"{node.url}/api/handles/{EXAMPLE_HANDLE}", **bearer("wrong"))
    assert (status, body["responseCode"]) == (401, 402)
    # They are problem documents too.
    assert body["status"] == 401 and body["type"].endswith("/unauthorized")


async def test_put_and_delete_through_the_handle_api(node: RunningNode, http: aiohttp.ClientSession) -> None:
    handle = new_handle()
    url = f"{node.url}/api/handles/{handle}"
    json_type = {"Content-Type": "application/json"}
    status, body = await _call(http, "PUT", url, _values(handle), **json_type)
    assert (status, body["responseCode"]) == (401, 402)
    status, body = await _call(http, "PUT", url, _values(handle), **json_type, **bearer(REPAIRER))
    assert (status, body["responseCode"]) == (403, 400)
    # pyhandle's way: Basic credentials with an "index:handle" user name.
    basic = base64.b64encode(f"300%3A88.100.1%2FADMIN:{OPERATOR}".encode()).decode()
    status, body = await _call(
        http, "PUT", url + "?overwrite=false", _values(handle), **json_type, Authorization=f"Basic {basic}"
    )
    assert (status, body) == (201, {"responseCode": 1, "handle": handle})
    async with http.get(f"{node.url}/{handle}") as response:
        assert response.status == 200
    status, body = await _call(
        http, "PUT", url + "?overwrite=false", _values(handle), **json_type, **bearer(OPERATOR)
    )
    assert (status, body["responseCode"]) == (409, 101)
    status, body = await _call(
        http, "PUT", url + "?overwrite=true", _values(handle), **json_type, **bearer(OPERATOR)
    )
    assert (status, body["responseCode"]) == (200, 1)
    bad = orjson.dumps({"values": [{"index": 1, "type": "EMAIL", "data": "a@b.example"}]})
    status, body = await _call(http, "PUT", url, bad, **json_type, **bearer(OPERATOR))
    assert (status, body["responseCode"]) == (400, 202)
    invalid = orjson.loads(_values(handle))
    document = orjson.loads(invalid["values"][1]["data"]["value"])
    del document["chemistry"]
    invalid["values"][1]["data"]["value"] = orjson.dumps(document).decode()
    status, body = await _call(http, "PUT", url, orjson.dumps(invalid), **json_type, **bearer(OPERATOR))
    assert (status, body["responseCode"]) == (422, 202) and body["report"]["conforms"] is False

    status, body = await _call(http, "DELETE", url, **bearer(OPERATOR))
    assert (status, body) == (200, {"responseCode": 1, "handle": handle})
    status, body = await _call(http, "GET", url)
    assert (status, body["responseCode"]) == (404, 100)


async def test_list_handles_needs_credentials_and_pages(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(http, "GET", f"{node.url}/api/handles?prefix=88.100.1")
    assert (status, body["responseCode"]) == (401, 402)
    status, body = await _call(
        http, "GET", f"{node.url}/api/handles?prefix=0.NA/88.100.1&page=0&pageSize=1", **bearer(REPAIRER)
    )
    assert status == 200 and body["responseCode"] == 1
    assert body["prefix"] == "88.100.1" and body["page"] == 0 and body["pageSize"] == 1
    assert int(body["totalCount"]) >= 1 and len(body["handles"]) == 1
    status, everything = await _call(
        http, "GET", f"{node.url}/api/handles?prefix=88.100.1", **bearer(REPAIRER)
    )
    assert EXAMPLE_HANDLE in everything["handles"]
    assert len(everything["handles"]) == int(everything["totalCount"])
    status, body = await _call(
        http, "GET", f"{node.url}/api/handles?prefix=88.100.1&page=x", **bearer(REPAIRER)
    )
    assert status == 400


async def test_prefix_handle_of_a_held_prefix_names_the_node(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # Handle clients (pyhandle) resolve their admin identity, e.g. 300:0.NA/88.100.1, first.
    status, body = await _call(http, "GET", f"{node.url}/api/handles/0.NA/88.100.1")
    assert status == 200 and body["responseCode"] == 1 and body["handle"] == "0.NA/88.100.1"
    assert body["values"][0]["data"]["value"] == f"{node.url}/.well-known/passport-node"
    assert all(v["type"] != "HS_ADMIN" for v in body["values"])
    status, body = await _call(http, "GET", f"{node.url}/api/handles/0.NA/88.100.1", **bearer(OPERATOR))
    assert any(v["type"] == "HS_ADMIN" for v in body["values"])
    status, body = await _call(http, "GET", f"{node.url}/api/handles/0.NA/99.1")
    assert (status, body["responseCode"]) == (404, 100)


async def test_a_handle_whose_path_is_another_resource_is_refused(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    # "X/events" as a passport could never be read: GET /X/events is the lifecycle's.
    handle = f"{new_handle()}/events"
    url = f"{node.url}/api/handles/{handle}"
    status, body = await _call(http, "PUT", url, _values(handle), **{"Content-Type": "application/json"},
                               **bearer(OPERATOR))  # fmt: skip
    assert status == 400 and "another resource" in body["detail"] and body["responseCode"], body
    status, body = await _call(http, "DELETE", url, **bearer(OPERATOR))
    assert status == 400, body
