"""A node process serving the lifecycle routes, built as create_app will build it, for benchmarks.

    python -m bench.lifecycle_node --store URL --port P [--passports N] [--token T]
    python -m bench.lifecycle_node --baseline --port P

``--passports N`` stores N copies of the example passport (``88.100.1/BENCH-LC-<i>``) first.
``--baseline`` serves the same routes with no work beyond reading and parsing the JSON body.
Until app.py registers the lifecycle part, this is how a benchmark reaches it over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from aiohttp import web

from resolver.app import load_examples
from resolver.config import Credential, default_config, hash_token
from resolver.context import NodeContext, open_context
from resolver.http.problems import add_unmatched_route, guarded
from resolver.lifecycle import Lifecycle
from resolver.metrics import Metrics
from resolver.tiers import Role

__all__ = ["BENCH_HANDLE", "main"]

EXAMPLE = "88.100.1/BAT-EV-000001"
BENCH_HANDLE = "88.100.1/BENCH-LC-{}"
CONTEXT = web.AppKey("bench-lc-context", NodeContext)


def node_app(store: str, token: str, passports: int, node_id: str) -> web.Application:
    config = default_config(
        store=store,
        node_id=node_id,
        credentials=(Credential("bench", Role.OPERATOR, hash_token(token), ("88.100.1",)),),
        workers=1,
        chain=("local",),
    )
    metrics = Metrics()
    app = web.Application(client_max_size=config.limits.max_body_bytes + 1)
    lifecycle = Lifecycle()

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        async with open_context(config, metrics=metrics, start_validator=passports > 0) as ctx:
            if passports:
                assert ctx.validator_starting is not None
                await ctx.validator_starting
                await load_examples(ctx.store, ctx.validator, config)
                record = await ctx.store.get(EXAMPLE)
                assert record is not None
                for i in range(passports):
                    with contextlib.suppress(Exception):  # already there from an earlier start
                        await ctx.store.put(BENCH_HANDLE.format(i), record.views, expected_version=0)
            app[CONTEXT] = ctx
            yield

    app.cleanup_ctx.append(lifetime)
    app.cleanup_ctx.append(lifecycle.lifetime(lambda: app[CONTEXT]))

    def resource(path: str, name: str, **methods: Any) -> None:
        added = app.router.add_resource(path, name=name)
        for method, (handler, label) in methods.items():
            added.add_route(method, guarded(handler, label, metrics))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    lifecycle.add_routes(resource)
    add_unmatched_route(app.router, metrics)
    return app


def baseline_app() -> web.Application:
    """Read the body, parse it, answer like the node does (size of the work, none of the store)."""
    app = web.Application(client_max_size=4 * 1024 * 1024)

    async def events(request: web.Request) -> web.Response:
        data = orjson.loads(await request.read())
        body = {"stored": len(data), "duplicates": [], "readings": len(data), "warnings": []}
        return web.Response(status=201, body=orjson.dumps(body), content_type="application/json")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    app.router.add_post("/{prefix}/{suffix:.+}/events", events)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lifecycle_node")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", default="")
    parser.add_argument("--token", default="bench-operator")
    parser.add_argument("--passports", type=int, default=0)
    parser.add_argument("--node-id", default="bench")
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args(argv)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    app = baseline_app() if args.baseline else node_app(args.store, args.token, args.passports, args.node_id)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
