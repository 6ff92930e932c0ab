"""``passport-node sign FILE --key FILE --verification-method URL``: add a Data Integrity proof
(eddsa-rdfc-2022) to a passport document and print it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from resolver.commands import Subparsers
from resolver.commands.proofargs import add_context_option, contexts_of, read_json
from resolver.errors import ResolverError
from resolver.integrity.keyring import load_private_key, time_text, utc_now
from resolver.integrity.proofs import secure

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "sign",
        help="sign a passport document",
        description="Add a DataIntegrityProof (eddsa-rdfc-2022) to a JSON-LD document; prints the result.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the JSON-LD document ('-' for stdin)")
    parser.add_argument(
        "--key",
        type=Path,
        required=True,
        help="Ed25519 private key: PKCS#8 PEM, or JSON with privateKeyMultibase",
    )
    parser.add_argument(
        "--verification-method",
        required=True,
        metavar="URL",
        help="the URL (or did:key) that names the public key",
    )
    parser.add_argument("--created", metavar="TIME", help="the proof's creation time (default: now, UTC)")
    add_context_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        document = read_json(args.file)
        key = load_private_key(args.key)
        signed = secure(
            document,
            key=key,
            verification_method=args.verification_method,
            created=args.created or time_text(utc_now()),
            contexts=contexts_of(args.context),
        )
    except (ResolverError, OSError, ValueError) as err:
        print(f"passport-node sign: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(orjson.dumps(signed, option=orjson.OPT_INDENT_2) + b"\n")
    return 0
