"""The open-loop load: requests leave on schedule, and a slow answer is charged from when it was due."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.openloop import run_open_loop


async def _server(delay: float) -> TestServer:
    async def answer(request: web.Request) -> web.Response:
        if request.path == "/missing":
            return web.Response(status=404, body=b"no")
        await asyncio.sleep(delay)  # the server under test is slow; the test waits on nothing itself
        return web.Response(body=b'{"ok": true}', content_type="application/ld+json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    server = TestServer(app)
    await server.start_server()
    return server


async def test_every_due_request_is_answered_and_counted() -> None:
    server = await _server(0.0)
    try:
        result = await run_open_loop(
            str(server.make_url("")), [("/a", "application/ld+json")], rate=200, seconds=0.5, warmup=0.1
        )
    finally:
        await server.close()
    assert result.errors == 0
    # 200 req/s for 0.5 s (and 0.1 s of warm-up): about 100 answered, never more than were due.
    assert result.requests + result.late_at_end >= 50 and result.requests <= 120
    assert result.p50_ms <= result.p99_ms <= result.max_ms


async def test_a_server_slower_than_the_rate_is_charged_for_the_queue() -> None:
    # One connection, answers take 20 ms, 200 due per second: the queue grows, and latency is
    # counted from when each request was due, so it exceeds the 20 ms service time by far.
    server = await _server(0.02)
    try:
        result = await run_open_loop(
            str(server.make_url("")),
            [("/a", "application/ld+json")],
            rate=200,
            seconds=0.5,
            connections=1,
            warmup=0.0,
        )
    finally:
        await server.close()
    assert result.late_at_end > 0
    assert result.p99_ms > 100


async def test_error_statuses_are_counted() -> None:
    server = await _server(0.0)
    try:
        result = await run_open_loop(
            str(server.make_url("")), [("/missing", "application/ld+json")], rate=100, seconds=0.3, warmup=0.0
        )
    finally:
        await server.close()
    assert result.requests > 0 and result.errors == result.requests
