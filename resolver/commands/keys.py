"""``passport-node keys rotate``: add a signing key and retire the node's current one.

The retired key stays listed (and served) with its validity period, so proofs it made still
verify; the node signs with the new key from its next start.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resolver.commands import Subparsers
from resolver.errors import ResolverError
from resolver.integrity.keyring import Keyring, time_text

__all__ = ["DEFAULT_KEYS_DIR", "add_parser", "run"]

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
