"""``passport-node serve``: run a node until Ctrl-C (or SIGTERM).

With no ``--config``, the node runs on the embedded SQLite store under ``./var`` on
127.0.0.1:8080, authoritative for the example passports' prefixes.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from resolver.commands import Subparsers
from resolver.config import ConfigError, NodeConfig, default_config, load_config

__all__ = ["add_parser", "config_from_args", "run"]


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run a node",
        description="Serve passports over HTTP (native API, Handle REST API, node description).",
    )
    parser.add_argument("--config", type=Path, help="the node's TOML configuration (default: built-in)")
    parser.add_argument("--host", help="address to listen on (default: the config's, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on; 0 picks a free one (default: 8080)")
    parser.add_argument("--store", help="store URL, overriding the config (sqlite:///... or redis://...)")
    parser.add_argument(
        "--demo", action="store_true", help="load the example passports on start (idempotent)"
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="log every request (default: the config's access_log, off)",
    )
    parser.add_argument("--workers", type=int, help="validator worker processes (default: one per CPU)")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="node processes sharing the port with SO_REUSEPORT (default 1; use a Redis store)",
    )
    parser.add_argument("--process-index", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> NodeConfig:
    """The configuration file (or the default) with the command line's overrides.

    Shared by the commands that open a node's store (``serve``, ``import``); an option a
    command does not define is simply absent from ``args``.
    """
    config = load_config(args.config) if args.config else default_config()
    overrides: dict[str, Any] = {}
    for option in ("host", "port", "store", "access_log"):
        value = getattr(args, option, None)
        if value is not None and value != "":
            overrides[option] = value
    workers = getattr(args, "workers", None)
    if workers is not None:
        if workers < 1:
            raise ConfigError("--workers must be at least 1")
        overrides["workers"] = workers
    return dataclasses.replace(config, **overrides)


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ConfigError as err:
        print(f"passport-node serve: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvloop

    processes = getattr(args, "processes", 1)
    index = getattr(args, "process_index", None)
    if processes < 1:
        print("passport-node serve: --processes must be at least 1", file=sys.stderr)
        return 2
    try:
        if processes > 1 and index is None:
            from resolver.commands.processes import supervise

            return uvloop.run(supervise(config, processes, sys.argv[1:]))
        if index is not None:  # one of serve --processes N's children
            from resolver.commands.processes import child_config

            config = child_config(config, index)
            return uvloop.run(_serve(config, demo=args.demo and index == 0, reuse_port=True))
        return uvloop.run(_serve(config, demo=args.demo))
    except OSError as err:
        print(f"passport-node serve: cannot listen on {config.host}:{config.port}: {err}", file=sys.stderr)
        return 1


async def _serve(config: NodeConfig, *, demo: bool, reuse_port: bool = False) -> int:
    from resolver.app import start_node

    node = await start_node(config, demo=demo, wait_validator=False, reuse_port=reuse_port)
    _freeze_start_up_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # One line on stdout, flushed: scripts and tests read the URL from it.
    print(f"passport-node {node.config.node_id} serving at {node.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await node.stop()
    return 0


def _freeze_start_up_heap() -> None:
    """Keep what start-up built (vocabularies, shapes, contexts, the app) out of later garbage
    collections: a full collection would otherwise walk those ~10^5 objects every time, a pause
    of tens to hundreds of milliseconds on the event loop (the p99 of reads). Collected once
    first, so that no garbage is kept for good."""
    gc.collect()
    gc.freeze()
