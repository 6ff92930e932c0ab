"""A node process serving the lifecycle routes (``create_app``'s node), for benchmarks.

    python -m bench.lifecycle_node --store URL --port P [--passports N] [--token T]
    python -m bench.lifecycle_node --baseline --port P

``--passports N`` stores N copies of the example passport (``88.100.1/BENCH-LC-<i>``) first.
``--baseline`` serves the same routes with no work beyond reading and parsing the JSON body.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

import orjson
from aiohttp import web

from resolver.app import NODE, create_app, load_examples
from resolver.config import Credential, default_config, hash_token
from resolver.tiers import Role

__all__ = ["BENCH_HANDLE", "main"]

EXAMPLE = "88.100.1/BAT-EV-000001"
BENCH_HANDLE = "88.100.1/BENCH-LC-{}"


def node_app(store: str, token: str, passports: int, node_id: str) -> web.Application:
    config = default_config(
        store=store,
        node_id=node_id,
        credentials=(Credential("bench", Role.OPERATOR, hash_token(token), ("88.100.1",)),),
        workers=1,
        chain=("local",),
        # The warning-latency receiver runs in the bench's process on 127.0.0.1: listed, as an
        # operator lists a private host, since the node refuses non-public webhooks otherwise.
        lifecycle={"allowed_webhook_hosts": ["127.0.0.1"]},
    )
    app = create_app(config)

    async def copies(app: web.Application) -> AsyncIterator[None]:
        node = app[NODE]
        # Every node waits for its validator workers: a worker still importing its shapes takes
        # seconds of CPU beside the node while it is timed (not what a running node does).
        if node.validator_starting is not None:
            await node.validator_starting
        if passports:
            await load_examples(node.store, node.validator, config)
            record = await node.store.get(EXAMPLE)
            assert record is not None
            for i in range(passports):
                with contextlib.suppress(Exception):  # already there from an earlier start
                    await node.store.put(BENCH_HANDLE.format(i), record.views, expected_version=0)
        # As ``serve`` does: the start-up heap out of later collections, else a full collection
        # walks it (a pause of 100-250 ms measured here, inside the timed window).
        gc.collect()
        gc.freeze()
        yield

    app.cleanup_ctx.append(copies)  # after the node's own lifetime: the node is open
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
