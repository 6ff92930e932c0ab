"""The baseline: a bare aiohttp + uvloop server that answers each URL with bytes from a dict.

Every workload runs it after the node, with the same requests, connections and duration, so the
node's figure is a ratio to what the same machine does with no work beyond the HTTP layer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pickle
import sys
from collections.abc import Mapping
from pathlib import Path

from aiohttp import web

__all__ = ["Responses", "load_responses", "make_app", "save_responses"]

# (raw path, Accept header) -> (body, Content-Type).  The Accept header is part of the key
# because the node negotiates the format from it (same URL, other bytes).
Responses = Mapping[tuple[str, str], tuple[bytes, str]]


def save_responses(path: Path, responses: Responses) -> None:
    # pickle: the file is ours, written by the harness a moment before the server reads it.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        pickle.dump(dict(responses), out, protocol=pickle.HIGHEST_PROTOCOL)


def load_responses(path: Path) -> dict[tuple[str, str], tuple[bytes, str]]:
    with path.open("rb") as src:
        data: dict[tuple[str, str], tuple[bytes, str]] = pickle.load(src)
    return data


def make_app(responses: Responses) -> web.Application:
    """One catch-all handler: a dict lookup and the stored bytes, nothing else."""

    async def answer(request: web.Request) -> web.Response:
        entry = responses.get((request.raw_path, request.headers.get("Accept", "")))
        if entry is None:
            return web.Response(status=404)
        body, content_type = entry
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", answer)
    return app


async def _serve(responses: Responses, host: str, port: int) -> None:
    runner = web.AppRunner(make_app(responses), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    print(f"baseline listening on http://{host}:{port} with {len(responses)} responses", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    import uvloop

    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="pickled responses (save_responses)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    responses = load_responses(args.data)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(_serve(responses, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
