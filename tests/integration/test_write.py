"""Writing passports to a real node: PUT, PATCH, DELETE, preconditions, limits, history, validate."""

from __future__ import annotations

import asyncio
import datetime
import io
from typing import Any

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from tests.integration.conftest import (
    AUTHORITY,
    OPERATOR,
    OTHER_OPERATOR,
    REPAIRER,
    bearer,
    new_handle,
    passport,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBLEM = "application/problem+json"
LD = {"Content-Type": "application/ld+json"}


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, body: bytes | None = None, /, **headers: str
) -> tuple[int, Any, Any]:
    async with http.request(method, url, data=body, headers=headers) as response:
        raw = await response.read()
        parsed: Any = orjson.loads(raw) if raw and "json" in response.content_type else raw
        return response.status, response.headers.copy(), parsed


def _without(handle: str, field: str) -> bytes:
    document = orjson.loads(passport(handle))
    del document[field]
    return orjson.dumps(document)


async def test_put_creates_then_identical_put_changes_nothing_then_new_content_is_version_2(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    status, headers, body = await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    assert status == 201, body
    assert body["version"] == 1 and body["created"] is True
    assert headers["Location"] == f"/{handle}"
    assert headers["ETag"] == '"v1.authority.jsonld"'
    status, _, body = await _call(http, "GET", url)
    assert status == 200 and body["id"] == f"https://hdl.handle.net/{handle}"

    status, _, body = await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    assert status == 200 and body["version"] == 1 and body["changed"] is False

    changed = passport(handle, **{'"cycleCount": 40': '"cycleCount": 41'})
    status, headers, body = await _call(http, "PUT", url, changed, **LD, **bearer(OPERATOR))
    assert status == 200 and body["version"] == 2 and body["changed"] is True
    assert headers["ETag"] == '"v2.authority.jsonld"'
    _, _, seen = await _call(http, "GET", url, **bearer(REPAIRER))
    assert seen["cycleCount"] == 41


async def test_if_match_and_if_none_match_guard_writes(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    auth = {**LD, **bearer(OPERATOR)}
    status, _, _ = await _call(http, "PUT", url, passport(handle), **auth, **{"If-None-Match": "*"})
    assert status == 201
    status, headers, problem = await _call(
        http, "PUT", url, passport(handle), **auth, **{"If-None-Match": "*"}
    )
    assert status == 412 and headers["Content-Type"] == PROBLEM
    assert "already exists" in problem["detail"]
    v2 = passport(handle, **{'"cycleCount": 40': '"cycleCount": 50'})
    status, _, body = await _call(http, "PUT", url, v2, **auth, **{"If-Match": '"v1.authority.jsonld"'})
    assert status == 200 and body["version"] == 2
    v3 = passport(handle, **{'"cycleCount": 40': '"cycleCount": 60'})
    status, _, problem = await _call(http, "PUT", url, v3, **auth, **{"If-Match": '"v1.public.jsonld"'})
    assert status == 412 and "current version is 2" in problem["detail"]
    _, _, seen = await _call(http, "GET", url, **bearer(REPAIRER))
    assert seen["cycleCount"] == 50


async def test_writes_need_an_operator_of_the_prefix(node: RunningNode, http: aiohttp.ClientSession) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    status, headers, problem = await _call(http, "PUT", url, passport(handle), **LD)
    assert status == 401 and headers["Content-Type"] == PROBLEM
    for token in (REPAIRER, AUTHORITY, OTHER_OPERATOR):
        status, _, problem = await _call(http, "PUT", url, passport(handle), **LD, **bearer(token))
        assert status == 403, token
        assert problem["type"].endswith("/forbidden")
    status, _, _ = await _call(http, "GET", url)
    assert status == 404  # nothing was written


async def test_wrong_media_type_is_415_and_oversized_body_is_413(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    status, _, problem = await _call(
        http, "PUT", url, passport(handle), **{"Content-Type": "text/plain"}, **bearer(OPERATOR)
    )
    assert status == 415 and "application/ld+json" in problem["detail"]
    huge = io.BytesIO(b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    async with http.put(url, data=huge, headers={**LD, **bearer(OPERATOR)}) as response:
        assert response.status == 413
        assert (await response.json(content_type=PROBLEM))["limit"] == 2 * 1024 * 1024

    async def chunks() -> Any:
        for _ in range(40):
            yield b" " * 100_000

    async with http.put(url, data=chunks(), headers={**LD, **bearer(OPERATOR)}) as response:
        assert response.status == 413
        assert response.headers["Content-Type"] == PROBLEM


async def test_unreadable_or_deeply_nested_body_is_400_problem(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    status, _, problem = await _call(http, "PUT", url, b"{not json", **LD, **bearer(OPERATOR))
    assert status == 400 and "not valid JSON" in problem["detail"]
    deep = b'{"a":' * 200 + b"1" + b"}" * 200
    status, _, problem = await _call(http, "PUT", url, deep, **LD, **bearer(OPERATOR))
    assert status == 400 and "nested too deeply" in problem["detail"]


async def test_invalid_passport_is_422_with_the_report_and_nothing_is_stored(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    status, headers, problem = await _call(
        http, "PUT", url, _without(handle, "manufacturingDate"), **LD, **bearer(OPERATOR)
    )
    assert status == 422 and headers["Content-Type"] == PROBLEM
    assert problem["report"]["conforms"] is False
    assert any(9 in r["dataPoints"] for r in problem["report"]["results"])
    assert "data point 9" in problem["detail"]
    status, _, _ = await _call(http, "GET", url)
    assert status == 404


async def test_put_of_a_passport_for_another_identifier_is_refused(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle, other = new_handle(), new_handle()
    status, _, problem = await _call(
        http, "PUT", f"{node.url}/{handle}", passport(other), **LD, **bearer(OPERATOR)
    )
    assert status == 400
    assert other.split("/")[1] in problem["detail"] or handle.split("/")[1] in problem["detail"]


async def test_merge_patch_updates_dynamic_data_and_is_validated(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    merge = {"Content-Type": "application/merge-patch+json", **bearer(OPERATOR)}
    patch = orjson.dumps({"stateOfCharge": {"value": 80}, "cycleCount": 45})
    status, _, body = await _call(http, "PATCH", url, patch, **merge)
    assert status == 200, body
    assert body["version"] == 2
    _, _, seen = await _call(http, "GET", url, **bearer(REPAIRER))
    assert seen["stateOfCharge"] == {"value": 80, "unit": "P1"}
    assert seen["cycleCount"] == 45
    # Removing a required member (null) is refused with the report; the passport stays as it was.
    status, _, problem = await _call(http, "PATCH", url, b'{"manufacturingDate": null}', **merge)
    assert status == 422 and problem["report"]["conforms"] is False
    _, _, seen = await _call(http, "GET", url)
    assert seen["manufacturingDate"]
    status, _, _ = await _call(http, "PATCH", url, patch, **LD, **bearer(OPERATOR))
    assert status == 415
    status, _, _ = await _call(http, "PATCH", f"{node.url}/{new_handle()}", patch, **merge)
    assert status == 404
    status, _, _ = await _call(http, "PATCH", url, patch, **merge, **{"If-Match": '"v1.authority.jsonld"'})
    assert status == 412


async def test_delete_leaves_a_tombstone_410_with_history_for_credentialed_callers(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    status, _, _ = await _call(http, "DELETE", url)
    assert status == 401
    status, _, body = await _call(http, "DELETE", url, **bearer(OPERATOR))
    assert status == 200 and body["deleted"] is True and body["version"] == 2
    status, headers, problem = await _call(http, "GET", url)
    assert status == 410 and headers["Content-Type"] == PROBLEM
    assert problem["type"].endswith("/gone")
    status, _, _ = await _call(http, "GET", url + "/history")
    assert status == 410
    status, _, _ = await _call(http, "GET", url + "?version=1")
    assert status == 410
    status, _, history = await _call(http, "GET", url + "/history", **bearer(REPAIRER))
    assert status == 200
    assert [(v["version"], v["deleted"]) for v in history["versions"]] == [(1, False), (2, True)]
    status, headers, old = await _call(http, "GET", url + "?version=1", **bearer(REPAIRER))
    assert status == 200 and headers["Passport-Tier"] == "legitimate-interest"
    assert "stateOfCharge" in old and "testReports" not in old
    status, _, _ = await _call(http, "GET", url + "?version=2", **bearer(REPAIRER))
    assert status == 410
    status, _, _ = await _call(http, "DELETE", url, **bearer(OPERATOR))
    assert status == 410
    # Written again after the delete: a new version, created.
    status, _, body = await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    assert status == 201 and body["version"] == 3


async def test_history_version_and_at_serve_past_versions_in_the_callers_tier(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    await _call(http, "PUT", url, passport(handle), **LD, **bearer(OPERATOR))
    await asyncio.sleep(0.05)
    between = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
    await asyncio.sleep(0.05)
    changed = passport(handle, **{'"cycleCount": 40': '"cycleCount": 99'})
    await _call(http, "PUT", url, changed, **LD, **bearer(OPERATOR))

    status, _, history = await _call(http, "GET", url + "/history")
    assert status == 200 and history["current"] == 2
    assert [v["href"] for v in history["versions"]] == [f"/{handle}?version=1", f"/{handle}?version=2"]
    status, headers, v1 = await _call(http, "GET", url + "?version=1", **bearer(AUTHORITY))
    assert status == 200 and v1["cycleCount"] == 40 and "testReports" in v1
    assert "immutable" in headers["Cache-Control"]
    status, _, public_v1 = await _call(http, "GET", url + "?version=1")
    assert status == 200 and "cycleCount" not in public_v1
    status, _, at = await _call(http, "GET", f"{url}?at={between}", **bearer(REPAIRER))
    assert status == 200 and at["cycleCount"] == 40
    status, _, turtle = await _call(http, "GET", url + "?version=2", Accept="text/turtle")
    assert status == 200 and turtle.startswith(b"@prefix")
    status, _, _ = await _call(http, "GET", url + "?version=9")
    assert status == 404
    status, _, _ = await _call(http, "GET", url + "?at=1999-01-01T00:00:00Z")
    assert status == 404
    status, _, problem = await _call(http, "GET", url + "?at=yesterday")
    assert status == 400 and "RFC 3339" in problem["detail"]
    status, _, _ = await _call(http, "GET", url + "?version=0")
    assert status == 400


async def test_validate_reports_without_storing(node: RunningNode, http: aiohttp.ClientSession) -> None:
    handle = new_handle()
    status, _, report = await _call(http, "POST", node.url + "/validate", passport(handle), **LD)
    assert status == 200 and report == {"conforms": True, "results": []}
    status, _, report = await _call(http, "POST", node.url + "/validate", _without(handle, "chemistry"), **LD)
    assert status == 200 and report["conforms"] is False
    assert any(12 in r["dataPoints"] for r in report["results"])
    status, _, _ = await _call(http, "GET", f"{node.url}/{handle}")
    assert status == 404
    status, _, _ = await _call(
        http, "POST", node.url + "/validate", b"<xml/>", **{"Content-Type": "text/xml"}
    )
    assert status == 415


async def test_html_page_escapes_what_the_passport_says(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    hostile = passport(handle, **{"Voltaris VX-82 traction pack": '<script>alert(1)</script> & \\"co\\"'})
    status, _, body = await _call(http, "PUT", url, hostile, **LD, **bearer(OPERATOR))
    assert status == 201, body
    status, headers, page = await _call(http, "GET", url, Accept="text/html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page


async def test_validate_reads_every_form_through_its_own_pool(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    """/validate runs on the node's checker pool with the write path's reader: Turtle is read,
    and a value JSON-LD would drop is reported (not silently passed) with its data point."""
    from resolver import render
    from resolver.tiers import Tier
    from resolver.validation import prepare_sync

    handle = new_handle()
    turtle = render.render(prepare_sync(passport(handle)).views[Tier.AUTHORITY], "turtle")
    status, _, report = await _call(
        http, "POST", node.url + "/validate", turtle, **{"Content-Type": "text/turtle"}
    )
    assert status == 200 and report == {"conforms": True, "results": []}
    document = orjson.loads(passport(handle))
    document["chemistry"] = "LiPo"
    status, _, report = await _call(http, "POST", node.url + "/validate", orjson.dumps(document), **LD)
    assert status == 200 and report["conforms"] is False
    assert [r["dataPoints"] for r in report["results"]] == [[12]]
    assert "'LiPo' is not one of" in report["results"][0]["message"]


@pytest.mark.parametrize(
    ("tail", "allowed"),
    [("events", {"GET", "HEAD", "POST"}), ("health", {"GET", "HEAD"}), ("qr", {"GET", "HEAD"})],
)
async def test_a_write_under_a_sub_resource_path_is_405_not_an_unreadable_passport(
    node: RunningNode, http: aiohttp.ClientSession, tail: str, allowed: set[str]
) -> None:
    # PUT /{id}/events used to create a passport named "{id}/events", whose every GET the
    # lifecycle routes then answered: written, never readable.
    handle = f"{new_handle()}/{tail}"
    url = f"{node.url}/{handle}"
    for method, body in (("PUT", passport(handle)), ("PATCH", b"{}"), ("DELETE", None)):
        status, headers, problem = await _call(http, method, url, body, **LD, **bearer(OPERATOR))
        assert status == 405 and problem["status"] == 405, (method, problem)
        assert set(headers["Allow"].replace(" ", "").split(",")) == allowed
    status, _, _ = await _call(
        http, "PUT", f"{node.url}/{new_handle()}/eventsX", b"{}", **LD, **bearer(OPERATOR)
    )
    assert status != 405  # only the sub-resources' own paths
