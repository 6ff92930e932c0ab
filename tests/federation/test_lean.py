"""The lean peer client on real sockets: framing, kept connections, and peers that misbehave."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from resolver.federation.lean import BodyTooLarge, LeanPool, PeerProtocolError
from tests.support.fake_peers import serving

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def _raw(answer: Answer) -> AsyncIterator[tuple[int, list[int]]]:
    """A raw TCP peer on 127.0.0.1 running ``answer`` per connection: (port, connections seen)."""
    seen: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        try:
            await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port, seen
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def pool() -> AsyncIterator[LeanPool]:
    made = LeanPool(max_body=1000)
    yield made
    await made.aclose()


async def _head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


async def test_answers_come_with_lower_cased_headers_on_one_kept_connection(pool: LeanPool) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers["Passport-Tier"])
        return web.Response(body=b'{"a": 1}', headers={"ETag": '"v1"'}, content_type="application/ld+json")

    app = web.Application()
    app.router.add_get("/88.100.1/BAT-1", handler)
    async with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        for _ in range(3):
            got = await pool.get("127.0.0.1", port, "/88.100.1/BAT-1", {"Passport-Tier": "public"})
            assert got.status == 200 and got.body == b'{"a": 1}'
            assert got.headers["etag"] == '"v1"' and got.headers["content-type"] == "application/ld+json"
    assert seen == ["public"] * 3


async def test_a_chunked_answer_is_read_whole(pool: LeanPool) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"ab", b"cde", b"f"):
            await response.write(part)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/x", handler)
    async with serving(app) as url:
        got = await pool.get("127.0.0.1", int(url.rsplit(":", 1)[1]), "/x", {})
    assert got.status == 200 and got.body == b"abcdef"


async def test_bodies_over_the_bound_are_refused(pool: LeanPool) -> None:
    async def long(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
        await writer.drain()

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(5):
            writer.write(b"190\r\n" + b"x" * 400 + b"\r\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    for answer in (long, chunked):
        async with _raw(answer) as (port, _):
            with pytest.raises(BodyTooLarge):
                await pool.get("127.0.0.1", port, "/x", {})


async def test_an_answer_framed_by_the_connections_end_is_read_and_not_kept(pool: LeanPool) -> None:
    async def unframed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnot here")
        await writer.drain()

    async with _raw(unframed) as (port, seen):
        for _ in range(2):
            got = await pool.get("127.0.0.1", port, "/x", {})
            assert got.status == 404 and got.body == b"not here"
    assert len(seen) == 2


async def test_a_kept_connection_the_peer_closed_is_replaced(pool: LeanPool) -> None:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()  # and the connection closes, although the answer kept it alive

    async with _raw(once) as (port, seen):
        assert (await pool.get("127.0.0.1", port, "/x", {})).body == b"ok"
        await asyncio.sleep(0.05)
        assert (await pool.get("127.0.0.1", port, "/x", {})).body == b"ok"
    assert len(seen) == 2


@pytest.mark.parametrize(
    "reply",
    [
        b"SPDY/3 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent",
    ],
)
async def test_answers_that_are_not_http_are_refused(pool: LeanPool, reply: bytes) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(reply)
        await writer.drain()

    async with _raw(answer) as (port, _):
        with pytest.raises(PeerProtocolError):
            await pool.get("127.0.0.1", port, "/x", {})


async def test_headers_that_would_split_the_request_are_not_sent(pool: LeanPool) -> None:
    with pytest.raises(ValueError):
        await pool.get("127.0.0.1", 1, "/x", {"If-None-Match": '"v1"\r\nX-Evil: 1'})


async def test_an_unreachable_peer_is_an_os_error(pool: LeanPool) -> None:
    with pytest.raises(OSError):
        await pool.get("127.0.0.1", 1, "/x", {})
