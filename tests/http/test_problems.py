"""Problem documents: an unexpected exception becomes a 500 problem without a trace."""

from __future__ import annotations

import pytest


async def test_unexpected_exception_is_a_500_problem_without_a_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import aiohttp
    from aiohttp import web

    from resolver.http.problems import guarded
    from resolver.metrics import Metrics

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals /etc/passwd")

    app = web.Application()
    app.router.add_get("/boom", guarded(broken, "boom", Metrics()))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/boom") as response:
            assert response.status == 500
            assert response.content_type == "application/problem+json"
            text = await response.text()
            assert "secret" not in text and "Traceback" not in text
            assert (await response.json(content_type=None))["status"] == 500
    finally:
        await runner.cleanup()
    assert any("secret internals" in r.getMessage() or r.exc_info for r in caplog.records)
