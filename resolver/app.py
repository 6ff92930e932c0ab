"""The node's aiohttp application: routes, the edge middleware, and the context's lifetime.

``create_app(config)`` builds the app; its cleanup context opens the ``NodeContext`` (store,
validator pool, HTTP session, Redis) and the stage chain, and closes them on shutdown.
``start_node`` runs it on a socket with problem documents for protocol-level errors too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from resolver import __version__
from resolver.config import NodeConfig
from resolver.context import NodeContext, open_context
from resolver.errors import NotFound, ResolverError
from resolver.handle_api import HandleRoutes
from resolver.http.edge import Edge
from resolver.http.passports import PassportRoutes
from resolver.http.problems import add_unmatched_route, guarded, use_problem_errors
from resolver.identifiers import claims, parse_identifier
from resolver.metrics import Metrics
from resolver.openapi import openapi_document
from resolver.stages.registry import build_stages
from resolver.stores.base import Store
from resolver.validation import Validator

__all__ = [
    "CONTEXT",
    "EXAMPLES_DIR",
    "RunningNode",
    "create_app",
    "load_examples",
    "start_node",
]

_log = logging.getLogger("resolver.app")

CONTEXT = web.AppKey("context", NodeContext)
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples" / "valid"
PROFILES = ("eu-battery",)


def create_app(config: NodeConfig, *, demo: bool = False, metrics: Metrics | None = None) -> web.Application:
    """The node's application for ``config``; ``demo`` loads the example passports on start."""
    metrics = metrics or Metrics()
    limits = config.limits
    # aiohttp's own cap is a backstop; the edge counts the body itself and answers 413 sooner.
    app = web.Application(client_max_size=limits.max_body_bytes + 1)
    passports = PassportRoutes()
    handles = HandleRoutes()

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        async with open_context(config, metrics=metrics) as ctx:
            stages = build_stages(ctx)
            try:
                edge = Edge(ctx, stages)
                passports.edge = edge
                passports.render_cache_bytes = config.render_cache_bytes
                handles.edge = edge
                app[CONTEXT] = ctx
                if demo:
                    loaded = await load_examples(ctx.store, ctx.validator, config)
                    _log.info("demo: %d example passport(s) loaded", loaded)
                yield
            finally:
                for stage in reversed(stages):
                    close = getattr(stage, "aclose", None)
                    if close is not None:
                        await close()

    app.cleanup_ctx.append(lifetime)

    async def describe(request: web.Request) -> web.Response:
        ctx = request.app[CONTEXT]
        body: dict[str, Any] = {
            "id": config.node_id,
            "region": config.region,
            "base_url": config.base_url or f"{request.scheme}://{request.host}",
            "prefixes": list(config.prefixes),
            "profiles": list(PROFILES),
            "version": __version__,
            "chain": [getattr(s, "name", "?") for s in passports.edge.stages],
        }
        body.update(_federation_description(ctx))
        return web.Response(
            body=orjson.dumps(body), content_type="application/json", headers={"Cache-Control": "max-age=60"}
        )

    async def healthz(request: web.Request) -> web.Response:
        ctx = request.app[CONTEXT]
        starting = ctx.validator_starting
        if starting is not None and (
            not starting.done() or starting.cancelled() or starting.exception() is not None
        ):
            # Reads are served already; the node is ready once it can also validate (writes,
            # and passports fetched from peers).
            why = "loading the profile" if not starting.done() else "failed to start"
            raise ServiceStarting(f"the validator workers are {why}")
        started = time.perf_counter()
        count = await ctx.store.count()  # StoreUnavailable -> 503 problem
        return web.Response(
            body=orjson.dumps(
                {
                    "status": "ok",
                    "node": config.node_id,
                    "passports": count,
                    "store_ms": round((time.perf_counter() - started) * 1000, 2),
                }
            ),
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def metrics_text(request: web.Request) -> web.Response:
        return web.Response(
            body=metrics.render(),
            content_type="text/plain",
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    contract: list[bytes] = []  # built on first request: every error class is defined by then

    async def openapi_json(request: web.Request) -> web.Response:
        if not contract:
            contract.append(orjson.dumps(openapi_document()))
        return web.Response(
            body=contract[0], content_type="application/json", headers={"Cache-Control": "max-age=300"}
        )

    async def profile_file(request: web.Request) -> web.Response:
        found = _PROFILE_FILES.get((request.match_info["profile"], request.match_info["name"]))
        if found is None:
            served = ", ".join(_profile_paths())
            raise NotFound(f"no profile file at {request.path}; the node serves {served}")
        path, media_type = found
        return web.Response(
            body=path.read_bytes(), content_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
        )

    router = app.router

    def resource(path: str, name: str, **methods: Any) -> None:
        """One resource per path (routing tries each in turn); handlers wrapped by ``guarded``."""
        added = router.add_resource(path, name=name)
        for method, (handler, label) in methods.items():
            wrapped = guarded(handler, label, metrics)
            added.add_route(method, wrapped)
            if method == "GET":
                added.add_route("HEAD", wrapped)

    resource("/healthz", "healthz", GET=(healthz, "healthz"))
    resource("/metrics", "metrics", GET=(metrics_text, "metrics"))
    resource("/.well-known/passport-node", "describe", GET=(describe, "describe"))
    resource("/openapi.json", "openapi", GET=(openapi_json, "openapi"))
    resource("/profiles/{profile}/{name}", "profile-file", GET=(profile_file, "profile-file"))
    resource("/validate", "validate", POST=(passports.validate, "validate"))
    resource("/api/handles", "handle-list", GET=(handles.list, "handle-list"))
    resource(
        "/api/handles/{handle:[\\s\\S]+}",  # any character, a decoded newline too
        "handle",
        GET=(handles.get, "handle-get"),
        PUT=(handles.put, "handle-put"),
        DELETE=(handles.delete, "handle-delete"),
    )
    # Handles contain slashes (GS1: /01/{gtin}/21/{serial}); "/{handle}/history" is a suffix.
    resource(
        "/{prefix}/{suffix:[\\s\\S]+}",
        "passport",
        GET=(passports.get, "passport"),
        PUT=(passports.put, "passport-put"),
        PATCH=(passports.patch, "passport-patch"),
        DELETE=(passports.delete, "passport-delete"),
    )
    add_unmatched_route(router, metrics)
    return app


# What a semantic tool needs to read our passports without the network: the JSON-LD context
# (its w3id.org URL is a name, not a place this node can rely on), the vocabulary, the shapes.
_REPO_ROOT = Path(__file__).resolve().parent.parent
_PROFILE_FILES: dict[tuple[str, str], tuple[Path, str]] = {
    ("eu-battery", "context.jsonld"): (_REPO_ROOT / "vocab/eu-battery/context.jsonld", "application/ld+json"),
    ("eu-battery", "vocab.ttl"): (_REPO_ROOT / "vocab/eu-battery/vocab.ttl", "text/turtle"),
    **{
        ("eu-battery", f"shapes-{shape.name}"): (shape, "text/turtle")
        for shape in sorted((_REPO_ROOT / "shapes/eu-battery").glob("*.ttl"))
    },
}


def _profile_paths() -> list[str]:
    return [f"/profiles/{profile}/{name}" for profile, name in _PROFILE_FILES]


class ServiceStarting(ResolverError):
    """503 from /healthz while the node cannot validate yet."""

    status = 503
    slug = "starting"
    title = "Node starting"


def _federation_description(ctx: NodeContext) -> dict[str, Any]:
    """Peers and parent, from the federation part when it is installed."""
    try:
        from resolver.federation.config import describe
    except ImportError:
        return {}
    try:
        described: dict[str, Any] = describe(ctx)
    except ResolverError as err:
        _log.warning("federation description failed: %s", err.detail)
        return {}
    return described


async def load_examples(store: Store, validator: Validator, config: NodeConfig) -> int:
    """Store each example passport under the node's prefixes that is not stored yet.

    Idempotent: a handle with any record (a tombstone included) is left alone, so a restart
    does not resurrect a passport someone deleted.
    """
    loaded = 0
    for path in sorted(EXAMPLES_DIR.glob("*.jsonld")):
        body = path.read_bytes()
        prepared = await validator.prepare(body)
        if not prepared.report.conforms:
            _log.warning("demo: %s does not conform; skipped", path.name)
            continue
        key = parse_identifier(prepared.iri, case_sensitive=config.case_sensitive).key
        if not any(claims(p, key) for p in config.prefixes):
            _log.info("demo: %s (%s) is not under this node's prefixes; skipped", path.name, key)
            continue
        if await store.get(key) is not None:
            continue
        await store.put(key, prepared.views, expected_version=0)
        loaded += 1
    return loaded


@dataclass
class RunningNode:
    """A node serving on a socket: its URL, app, context and runner (for ``stop()``)."""

    url: str
    config: NodeConfig
    app: web.Application
    runner: web.AppRunner

    @property
    def context(self) -> NodeContext:
        return self.app[CONTEXT]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_node(
    config: NodeConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    demo: bool = False,
    access_log: bool | None = None,
    wait_validator: bool = True,
) -> RunningNode:
    """Bind, start and serve a node; port 0 picks a free port, and ``base_url`` follows it.

    The socket is bound before the app starts so that the node knows its own URL (it is in
    the node description and in Handle values) even on an ephemeral port. ``wait_validator``
    returns only once the validator workers are up (``serve`` does not wait: it answers
    lookups from the first moment).
    """
    host = host if host is not None else config.host
    port = port if port is not None else config.port
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{bound_port}"
    config = replace(config, host=host, port=bound_port, base_url=config.base_url or url)
    app = create_app(config, demo=demo)
    use_log = config.access_log if access_log is None else access_log
    limits = config.limits
    runner = web.AppRunner(
        app,
        access_log=logging.getLogger("aiohttp.access") if use_log else None,
        max_line_size=limits.max_header_bytes,
        max_field_size=limits.max_header_bytes,
        shutdown_timeout=2.0,
    )
    try:
        await runner.setup()
        if runner.server is not None:
            use_problem_errors(runner.server, header_timeout=limits.header_timeout)
        site = web.SockSite(runner, sock)
        await site.start()
        starting = app[CONTEXT].validator_starting
        if wait_validator and starting is not None:
            # Answering already; returned once writes and peer answers can be validated too.
            await asyncio.shield(starting)
    except BaseException:
        await runner.cleanup()
        sock.close()
        raise
    return RunningNode(url=url, config=config, app=app, runner=runner)
