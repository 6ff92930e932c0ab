"""Input that once gave 5xx (issue 10, findings 3-9) now gets a 4xx problem, on both stores."""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from urllib.parse import urlsplit

import aiohttp
import orjson
import pytest

from resolver.app import RunningNode
from resolver.config import Limits, default_config
from tests.integration.conftest import CREDENTIALS, EXAMPLE_HANDLE, OPERATOR, bearer, passport
from tests.support.node import running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBLEM = "application/problem+json"


async def _raw(url: str, head: bytes, *, wait: float = 5.0) -> tuple[int, bytes]:
    """Send ``head`` as it is (bytes HTTP clients refuse to send); the status and body."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(wait):
            data = await reader.read()
    finally:
        writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def _get(path: str, *headers: bytes) -> bytes:
    return (
        b"GET "
        + path.encode()
        + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + b"\r\n"
    )


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer d\xe9mo",
        b"Bearer \xff\xfe",
        b"Basic " + base64.b64encode(b"user:d\xe9mo"),
        b"Basic \xc3\x28",
        b"",
        b"   ",
    ],
    ids=["bearer-latin1", "bearer-ff", "basic-latin1-inside", "basic-bad-utf8", "empty", "blank"],
)
async def test_an_unreadable_or_empty_authorization_header_is_a_401_problem(
    node: RunningNode, authorization: bytes
) -> None:
    status, body = await _raw(node.url, _get(f"/{EXAMPLE_HANDLE}", b"Authorization: " + authorization))
    assert status == 401, body
    problem = orjson.loads(body)
    assert problem["status"] == 401 and "Traceback" not in problem["detail"]


@pytest.mark.parametrize(
    "query", ["version=9223372036854775808", "version=%C2%B2", "version=0", "version=-1", "version=1e3"]
)
async def test_a_version_that_is_not_a_small_whole_number_is_a_400_problem(
    node: RunningNode, http: aiohttp.ClientSession, query: str
) -> None:
    async with http.get(f"{node.url}/{EXAMPLE_HANDLE}?{query}") as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == PROBLEM
        assert "whole number" in (await response.json(content_type=None))["detail"]


@pytest.mark.parametrize("page", ["4611686018427387904", "99999999999999999999999", "%C2%B2"])
async def test_a_handle_listing_page_beyond_any_listing_is_a_400(
    node: RunningNode, http: aiohttp.ClientSession, page: str
) -> None:
    url = f"{node.url}/api/handles?prefix=88.100.1&page={page}"
    async with http.get(url, headers=bearer(OPERATOR)) as response:
        assert response.status == 400, await response.text()


@pytest.mark.parametrize(
    ("suffix", "named"),
    [
        ("B\u0410T-EV-000001", "CYRILLIC CAPITAL LETTER A"),
        ("\uff22\uff21\uff34-EV-000001", "FULLWIDTH LATIN CAPITAL LETTER B"),
    ],
)
async def test_look_alike_suffixes_are_refused_with_the_character_named(
    node: RunningNode, http: aiohttp.ClientSession, suffix: str, named: str
) -> None:
    async with http.get(f"{node.url}/88.100.1/{suffix}") as response:
        assert response.status == 400
        assert named in (await response.json(content_type=None))["detail"]


async def test_nfd_and_nfc_spellings_name_one_passport(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    nfc, nfd = f"88.100.1/SEC-CAF\u00c9-{tag}", f"88.100.1/SEC-CAFE\u0301-{tag}"
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(f"{node.url}/{nfc}", data=passport(nfc), headers=headers) as response:
        assert response.status == 201, await response.text()
    async with http.get(f"{node.url}/{nfd}") as response:
        assert response.status == 200
    async with http.put(f"{node.url}/{nfd}", data=passport(nfd), headers=headers) as response:
        assert response.status == 200  # the same passport, not a second one
    async with http.get(f"{node.url}/{nfc}") as response:
        assert response.headers["ETag"].startswith('"v')


async def test_a_client_that_closes_mid_body_is_logged_at_info_not_as_a_500(
    node: RunningNode, caplog: pytest.LogCaptureFixture
) -> None:
    parts = urlsplit(node.url)
    with caplog.at_level(logging.INFO):
        _, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(
            f"PUT /{EXAMPLE_HANDLE} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OPERATOR}\r\n"
            'Content-Type: application/ld+json\r\nContent-Length: 5000\r\n\r\n{"@id":'.encode()
        )
        await writer.drain()
        writer.close()
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # until the node has seen the request end
                async with http.get(node.url + "/metrics") as response:
                    metrics = await response.text()
                if 'status="499"' in metrics:
                    break
                await asyncio.sleep(0.02)
    assert 'status="499"' in metrics
    assert 'status="500"' not in metrics
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("client closed the connection" in r.getMessage() for r in caplog.records)


async def test_request_headers_sent_too_slowly_get_the_connection_closed() -> None:
    config = default_config(
        credentials=CREDENTIALS, workers=1, chain=("local",), limits=Limits(header_timeout=0.3)
    )
    async with running_node(config) as slow:
        parts = urlsplit(slow.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a")  # and then nothing more
        await writer.drain()
        async with asyncio.timeout(5):
            assert await reader.read() == b""  # closed by the node, well before 5 s
        writer.close()
        # A prompt client on a kept-alive connection is not affected.
        async with aiohttp.ClientSession() as http:
            for _ in range(3):
                async with http.get(slow.url + "/healthz") as response:
                    assert response.status == 200
                await asyncio.sleep(0.2)
