"""``passport-node log verify --node URL``: audit a node's transparency log.
``passport-node log clear-fork --peer ID (--config FILE | --marks FILE)``: trust a peer seen
forked again (the node reads it when it is next started; until then its answers stay refused).

Checks the signed tree head, rebuilds the root from every entry, checks every entry's inclusion
proof, and the consistency of the head seen at the last audit (kept in ``--state``) with the
current one. Exit 0 sound, 1 a failure (bad signature, failing proof, fork), 2 could not audit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import quote

import orjson

from resolver.commands import Subparsers
from resolver.config import load_config
from resolver.errors import ConfigError, ResolverError
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.parts.pins import fork_marks_path
from resolver.translog.audit import Audit, AuditFailed, audit_log
from resolver.translog.heads import SignedTreeHead
from resolver.translog.marks import ForkMarks

__all__ = ["add_parser", "run"]


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "passport-node" / "heads"


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("log", help="audit a node's transparency log", description=__doc__)
    sub = parser.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    audit = sub.add_parser("verify", help="check every entry, and consistency with the last head seen")
    audit.add_argument("--node", required=True, metavar="URL", help="base URL of the node")
    audit.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="where the last head seen is kept (default: per node, under XDG state)",
    )
    audit.set_defaults(run=run)
    clear = sub.add_parser("clear-fork", help="remove a peer's fork mark (an operator's decision)")
    clear.add_argument("--peer", required=True, help="the peer's id, as /healthz lists it under forked_peers")
    where = clear.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="the node's configuration (its fork-mark file)")
    where.add_argument("--marks", type=Path, help="the fork-mark file itself")
    clear.set_defaults(run=run_clear_fork)


def run_clear_fork(args: argparse.Namespace) -> int:
    """Exit 0 when the mark was removed, 1 when the peer was not marked, 2 on error."""
    try:
        marks = ForkMarks(args.marks if args.marks is not None else fork_marks_path(load_config(args.config)))
        cleared = marks.clear(args.peer)
    except (ResolverError, ConfigError, OSError) as err:
        print(f"passport-node log clear-fork: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    if not cleared:
        print(f"{args.peer} is not marked forked in {marks.path}", file=sys.stderr)
        return 1
    print(f"{args.peer}: fork mark removed from {marks.path}; restart the node to trust it again")
    return 0


def _state_file(args: argparse.Namespace) -> Path:
    if args.state is not None:
        return Path(args.state)
    return _default_state_dir() / (quote(args.node.rstrip("/"), safe="") + ".json")


async def _audit(node_url: str, last: SignedTreeHead | None) -> Audit:
    async with NodeClient(node_url) as node:
        return await audit_log(node, last)


def run(args: argparse.Namespace) -> int:
    state = _state_file(args)
    try:
        last = SignedTreeHead.from_json(orjson.loads(state.read_bytes())) if state.exists() else None
        result = asyncio.run(_audit(args.node, last))
    except AuditFailed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        return 1
    except (ResolverError, Unreachable, OSError, ValueError) as err:
        print(f"passport-node log verify: cannot audit: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(orjson.dumps(result.head.to_json()))
    since = (
        ""
        if result.consistent_with is None
        else f"; consistent with the head of {result.consistent_with} seen before"
    )
    print(
        f"log sound: {result.entries_checked} entries proved in the signed tree "
        f"of {result.head.tree_size}{since}"
    )
    return 0
