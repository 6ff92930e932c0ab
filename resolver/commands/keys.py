"""``passport-node keys rotate``: add a signing key and retire the node's current one.
``passport-node keys learn``: show a peer owner's keys and pin the ones an operator accepts.

The retired key stays listed (and served) with its validity period, so proofs it made still
verify; the node signs with the new key from its next start.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from resolver.commands import Subparsers
from resolver.config import ConfigError, load_config
from resolver.errors import ResolverError
from resolver.integrity.keyring import Keyring, time_text
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.parts.pins import OfferedKey, PeerKeyFile, offered_keys, peer_keys_path

__all__ = ["DEFAULT_KEYS_DIR", "add_parser", "run", "run_learn", "run_list"]

DEFAULT_KEYS_DIR = Path("var") / "keys"


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("keys", help="manage the node's signing keys", description=__doc__)
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    rotate = sub.add_parser("rotate", help="add a key and retire the current one")
    rotate.add_argument(
        "--keys-dir",
        type=Path,
        default=DEFAULT_KEYS_DIR,
        help=f"the node's key directory (default: {DEFAULT_KEYS_DIR})",
    )
    rotate.set_defaults(run=run)
    listing = sub.add_parser("list", help="list the node's keys and their validity")
    listing.add_argument("--keys-dir", type=Path, default=DEFAULT_KEYS_DIR, help="the node's key directory")
    listing.set_defaults(run=run_list)
    _add_learn(sub)


def run(args: argparse.Namespace) -> int:
    try:
        ring = Keyring.open(args.keys_dir)
        old = ring.active
        new = ring.rotate()
    except (ResolverError, OSError) as err:
        print(f"passport-node keys rotate: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    print(f"retired {old.name} (valid {time_text(old.valid_from)} to {time_text(new.valid_from)})")
    print(f"active  {new.name} {new.public_key_multibase}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    try:
        ring = Keyring.open(args.keys_dir)
    except (ResolverError, OSError) as err:
        print(f"passport-node keys list: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    for entry in ring.entries:
        until = "active" if entry.retired is None else f"retired {time_text(entry.retired)}"
        print(f"{entry.name}  {entry.public_key_multibase}  from {time_text(entry.valid_from)}  {until}")
    return 0


def _add_learn(sub: Subparsers) -> None:
    learn = sub.add_parser(
        "learn",
        help="show a peer owner's keys with their fingerprints; pin the ones accepted",
        description=(
            "Fetch NODE's /.well-known/passport-node and show each key it lists with its "
            "fingerprint. Nothing is pinned unless its fingerprint is passed with --accept "
            "(checked out of band with the owner's operator); the node reads the pins at start."
        ),
    )
    learn.add_argument("--node", required=True, help="the owner node's base URL")
    learn.add_argument("--owner", required=True, help="the owner's id (its peer entry's id or owner)")
    learn.add_argument("--accept", action="append", default=[], metavar="FINGERPRINT", help="pin this key")
    where = learn.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="the node's configuration (pins go to its peer-key file)")
    where.add_argument("--peer-keys", type=Path, help="the peer-key file itself")
    learn.set_defaults(run=run_learn)


def _peer_key_file(args: argparse.Namespace) -> PeerKeyFile:
    if args.peer_keys is not None:
        return PeerKeyFile(args.peer_keys)
    return PeerKeyFile(peer_keys_path(load_config(args.config)))


async def _offered(node_url: str) -> list[OfferedKey]:
    async with NodeClient(node_url) as node:
        return offered_keys(await node.get_json("/.well-known/passport-node"))


def run_learn(args: argparse.Namespace) -> int:
    """Exit 0 when every key shown is pinned (now or before), 1 when some are not, 2 on error."""
    try:
        store = _peer_key_file(args)
        pinned = store.load().get(args.owner, {})
        offered = asyncio.run(_offered(args.node))
    except (ResolverError, ConfigError, Unreachable, OSError) as err:
        print(f"passport-node keys learn: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    known = {key.fingerprint for key in offered}
    unknown = sorted(set(args.accept) - known)
    if unknown:
        print(f"passport-node keys learn: {args.node} lists no key {', '.join(unknown)}", file=sys.stderr)
        return 2
    accepted = {key.url: key.multibase for key in offered if key.fingerprint in args.accept}
    if accepted:
        store.pin(args.owner, accepted)
    waiting = 0
    for key in offered:
        state = "pinned" if pinned.get(key.url) == key.multibase or key.url in accepted else "NOT PINNED"
        if pinned.get(key.url) not in (None, key.multibase) and key.url not in accepted:
            state = "CHANGED (the pinned value differs; answers signed by it are refused)"
        waiting += state != "pinned"
        period = f"from {key.valid_from or '?'}" + (f" revoked {key.revoked}" if key.revoked else "")
        print(f"{key.fingerprint}  {key.url}  {period}  {state}")
    if waiting:
        print(f"{waiting} key(s) not pinned: check each fingerprint out of band, then --accept it")
    return 1 if waiting else 0
