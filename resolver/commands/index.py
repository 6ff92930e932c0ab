"""``passport-node index rebuild``: the SPARQL graph index built again from the store's feed.

The node must not be running on the same index directory (the index has one writer). Without
``--dir``, the index is the configured one (``[sparql] index_dir``; by default beside an SQLite
store, ``<file>.sparql-index``, or ``{data_dir}/sparql-index-{node_id}``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from resolver.commands import Subparsers
from resolver.config import ConfigError, NodeConfig, default_config, load_config
from resolver.errors import ResolverError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "index",
        help="manage the SPARQL graph index",
        description="Manage the SPARQL graph index (pyoxigraph, fed from the store's change feed).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="empty the index and replay the store's change feed")
    rebuild.add_argument("--config", type=Path, help="the node's configuration (its store)")
    rebuild.add_argument("--store", help="store URL, overriding the configuration")
    rebuild.add_argument("--dir", type=Path, help="the index directory (default: [sparql] index_dir)")
    rebuild.add_argument(
        "--history", action="store_true", help="keep every version (?history=true; default: [sparql] history)"
    )
    rebuild.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config) if args.config else default_config()
        if args.store:
            config = dataclasses.replace(config, store=args.store)
    except ConfigError as err:
        print(f"passport-node index: {err}", file=sys.stderr)
        return 2
    import uvloop

    try:
        history = args.history or config.sparql.history
        count, seq, seconds, size, directory = uvloop.run(_rebuild(config, args.dir, history))
    except (ResolverError, OSError) as err:
        detail = err.detail if isinstance(err, ResolverError) else str(err)
        print(f"passport-node index: {detail}", file=sys.stderr)
        return 1
    print(
        f"index rebuilt in {directory}: {count} passport(s) up to change {seq}, "
        f"{seconds:.1f} s, {size / 1e6:.1f} MB",
        file=sys.stderr,
    )
    return 0


async def _rebuild(
    config: NodeConfig, directory: Path | None, history: bool
) -> tuple[int, int, float, int, Path]:
    from resolver.sparql.follower import IndexFollower
    from resolver.sparql.index import GraphIndex
    from resolver.sparql.names import configured_index_dir
    from resolver.stores import open_store

    where = directory or configured_index_dir(config)
    store = await open_store(config.store)
    try:
        index = GraphIndex.open(where, history=history)
        follower = IndexFollower(store, index)
        started = time.perf_counter()
        try:
            await follower.rebuild()
            seconds = time.perf_counter() - started
            return index.passport_count(), index.last_seq, seconds, index.size_bytes(), where
        finally:
            await follower.stop()
            index.close()
    finally:
        await store.aclose()
