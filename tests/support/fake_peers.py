"""Misbehaving peers for the federation tests: small aiohttp apps on 127.0.0.1, port 0.

Only peers that misbehave are faked (slow, lying, failing, answering out of tier); every
well-behaved node in the tests is a real node.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import orjson
from aiohttp import web

CONTEXT = "https://w3id.org/battery-passport/eu-battery/v1"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FakePeer:
    """A peer whose answer is ``handler``; ``seen`` keeps the headers of every request."""

    handler: Handler
    seen: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        async def any_path(request: web.Request) -> web.StreamResponse:
            self.seen.append(dict(request.headers))
            self.paths.append(request.path)
            return await self.handler(request)

        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", any_path)
        return app


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 on a free port; yield its base URL."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


_HOP_BY_HOP_OUT = ("content-length", "transfer-encoding", "content-encoding", "date", "server")


def forwarding(
    session: aiohttp.ClientSession, target: str, *, rewrite: Callable[[bytes], bytes] | None = None
) -> Handler:
    """A handler that forwards each GET to ``target`` (a base URL) and answers with its answer,
    the body passed through ``rewrite`` first (a relay that lies)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "accept-encoding")}
        async with session.get(target + request.path_qs, headers=headers) as answer:
            body = await answer.read()
            if rewrite is not None:
                body = rewrite(body)
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP_OUT}
            return web.Response(status=answer.status, body=body, headers=kept)

    return handler


def passport(iri: str, **extra: object) -> bytes:
    return orjson.dumps({"@context": CONTEXT, "id": iri, "type": "BatteryPassport", **extra})


def answering(body: bytes, *, tier: str = "public", status: int = 200, max_age: int = 60) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=status,
            body=body,
            headers={
                "Content-Type": "application/ld+json",
                "Passport-Tier": tier,
                "Cache-Control": f"max-age={max_age}",
            },
        )

    return handler


def slow(seconds: float) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.Response(status=503)

    return handler


def failing(status: int = 503) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text="unwell")

    return handler


def late(seconds: float, *, arrived: asyncio.Event | None = None, tier: str = "public") -> Handler:
    """A healthy but slow peer: after ``seconds``, the minimal passport for the path it was asked.

    ``arrived`` is set when a request comes in, so a test can act while the peer is busy.
    """

    async def handler(request: web.Request) -> web.StreamResponse:
        if arrived is not None:
            arrived.set()
        await asyncio.sleep(seconds)
        return await answering(passport(f"https://hdl.handle.net{request.path}"), tier=tier)(request)

    return handler
