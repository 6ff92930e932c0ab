"""The node's aiohttp application: its routes, and the node's lifetime as the app's cleanup context.

``create_app(config)`` builds the app; on start it opens the node (``resolver.node.open_node``:
store, validator pool, HTTP session, Redis, stages, the SPARQL index) and puts the edge in
front of it.
``start_node`` runs it on a socket with problem documents for protocol-level errors too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from resolver.config import NodeConfig
from resolver.federation.tls import server_context
from resolver.http.edge import Edge
from resolver.http.hot import HotAnswers, KeptCopies, KeptViews
from resolver.http.problems import use_problem_errors
from resolver.http.route_memo import application
from resolver.http.router import EdgeSlot
from resolver.http.routes import add_routes
from resolver.identifiers import claims, parse_identifier
from resolver.lifecycle.demo import load_demo
from resolver.metrics import Metrics
from resolver.node import Node, Timing, open_node
from resolver.parts.held_keys import node_keys
from resolver.stages.cache import CacheStage
from resolver.stores.base import Store
from resolver.validation import Validator
from resolver.write import Sealer, store_prepared

__all__ = [
    "EXAMPLES_DIR",
    "HOT",
    "NODE",
    "RunningNode",
    "create_app",
    "load_examples",
    "start_node",
]

_log = logging.getLogger("resolver.app")

NODE = web.AppKey("node", Node)
HOT = web.AppKey("hot", HotAnswers)  # the app's public answers kept whole (resolver/http/hot.py)
_TIMING = Timing()
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples" / "valid"


def create_app(
    config: NodeConfig,
    *,
    demo: bool = False,
    metrics: Metrics | None = None,
    clock: Callable[[], float] = time.time,
    timing: Timing = _TIMING,
    validator: Validator | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    checker: Validator | None = None,
) -> web.Application:
    """The node's application for ``config``; ``demo`` loads the example passports on start,
    and a year of readings for a few of them.

    ``clock`` is the node's wall clock, ``monotonic`` the one its peer-lookup limit refills by,
    and ``timing`` the webhook delivery's waits (tests move and record them instead of
    sleeping). ``validator`` and ``checker``: pools the caller owns (open_node).
    """
    metrics = metrics or Metrics()
    hot = HotAnswers(metrics, max_bytes=config.hot_cache_bytes)
    # aiohttp's own cap is a backstop; the edge counts the body itself and answers 413 sooner.
    # Routes kept per path; a path only the passport route takes is matched directly.
    app = application(client_max_size=config.limits.max_body_bytes + 1, hot=hot, direct="passport")
    app[HOT] = hot
    slot = EdgeSlot()

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        async with open_node(
            config,
            metrics=metrics,
            clock=clock,
            monotonic=monotonic,
            sparql=True,
            lifecycle=timing,
            validator=validator,
            checker=checker,
        ) as node:
            # The keys a third-party body's signature is checked with (PUT, /validate), read
            # once the keyring is open: the node's own (a re-imported export) and pinned peers'.
            slot.edge = edge = Edge(node, known_keys=node_keys(config).known)
            app[NODE] = node
            hot.open(_hot_views(node, edge), edge.rates, _hot_copies(node))
            try:
                if demo:
                    await _load_demo(node, config)
                yield
            finally:
                hot.close()

    app.cleanup_ctx.append(lifetime)
    add_routes(app, config, metrics, slot, hot)
    return app


def _hot_views(node: Node, edge: Edge) -> KeptViews | None:
    """What vouches for the app's hot answers: the local stage's kept views, when the chain
    asks the local stage first and no caller without credentials can be a peer (None: none)."""
    local = node.local
    if local is None or not node.stages or node.stages[0] is not local or edge.takes_client_certificates:
        return None
    return local.views


def _hot_copies(node: Node) -> KeptCopies | None:
    """What vouches for hot answers made from peers' copies: the federation cache stage, when it
    comes right after the local stage (None: none)."""
    stages = node.stages
    return stages[1] if len(stages) > 1 and isinstance(stages[1], CacheStage) else None


async def _load_demo(node: Node, config: NodeConfig) -> None:
    loaded = await load_examples(node.store, node.validator, config, sealer=node.integrity)
    _log.info("demo: %d example passport(s) loaded", loaded)
    if node.lifecycle is not None:
        batteries = await load_demo(node.lifecycle.service)
        _log.info("demo: a year of readings for %d example batteries", batteries)


async def load_examples(
    store: Store, validator: Validator, config: NodeConfig, *, sealer: Sealer | None = None
) -> int:
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
        prefix = next((p for p in config.prefixes if claims(p, key)), None)
        if prefix is None:
            _log.info("demo: %s (%s) is not under this node's prefixes; skipped", path.name, key)
            continue
        profile = config.profile_for(prefix)
        if profile != prepared.profile:
            _log.info("demo: %s (%s) is not a %s passport; skipped", path.name, key, profile)
            continue
        if await store.get(key) is not None:
            continue
        await store_prepared(
            store, key, prepared, current=None, expected_version=0, sealer=sealer, profile=profile
        )
        loaded += 1
    return loaded


@dataclass
class RunningNode:
    """A node serving on a socket: its URL, app, open node and runner (for ``stop()``)."""

    url: str
    config: NodeConfig
    app: web.Application
    runner: web.AppRunner

    @property
    def node(self) -> Node:
        return self.app[NODE]

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
    clock: Callable[[], float] = time.time,
    timing: Timing = _TIMING,
    reuse_port: bool = False,
    validator: Validator | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    checker: Validator | None = None,
) -> RunningNode:
    """Bind, start and serve a node; port 0 picks a free port, and ``base_url`` follows it.

    ``reuse_port``: bind with SO_REUSEPORT, so that several processes share the port and the
    kernel spreads connections over them (``serve --processes N``). ``validator`` and
    ``checker``: pools the caller owns (open_node). ``clock`` and ``monotonic``: see create_app.

    The socket is bound before the app starts so that the node knows its own URL (it is in
    the node description and in Handle values) even on an ephemeral port. ``wait_validator``
    returns only once the validator workers are up (``serve`` does not wait: it answers
    lookups from the first moment).
    """
    host = host if host is not None else config.host
    port = port if port is not None else config.port
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    tls = server_context(config.federation.tls)
    url = f"{'https' if tls is not None else 'http'}://{shown_host}:{bound_port}"
    config = replace(config, host=host, port=bound_port, base_url=config.base_url or url)
    app = create_app(
        config,
        demo=demo,
        clock=clock,
        timing=timing,
        validator=validator,
        monotonic=monotonic,
        checker=checker,
    )
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
        site = web.SockSite(runner, sock, ssl_context=tls)
        await site.start()
        starting = app[NODE].validator_starting
        if wait_validator and starting is not None:
            # Answering already; returned once writes and peer answers can be validated too.
            await asyncio.shield(starting)
    except BaseException:
        await runner.cleanup()
        sock.close()
        raise
    return RunningNode(url=url, config=config, app=app, runner=runner)
