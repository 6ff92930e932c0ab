"""``passport-node verify FILE``: check a passport's Data Integrity proofs offline; with
``--log``, also that the node's transparency log holds this view of it.

Keys: ``--key FILE`` for every proof; else a ``did:key`` resolves itself, and a key URL under
``--node`` is fetched from that node. Exit 0 valid, 1 invalid, 2 the check could not be made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import sys
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from resolver.commands import Subparsers
from resolver.commands.proofargs import add_context_option, contexts_of, read_json
from resolver.errors import ResolverError
from resolver.identifiers import parse_identifier
from resolver.integrity.canon import Contexts
from resolver.integrity.errors import ProofError, UnusableKey
from resolver.integrity.keyring import load_private_key
from resolver.integrity.multikey import public_key_from_did_key, public_key_from_multibase
from resolver.integrity.proofs import KeyResolver, VerificationKey, Verified, unsecured_nquads, verify
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.translog.audit import AuditFailed, check_inclusion, checked_head

__all__ = ["add_parser", "run"]


class _Unusable(Exception):
    """The check cannot be made (exit 2); not a ResolverError, so no proof check swallows it."""


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a passport's proofs (and its log entry)",
        description="Check the DataIntegrityProof(s) of a JSON-LD document.\n"
        "Exit 0 valid, 1 invalid, 2 the check could not be made.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the signed JSON-LD document ('-' for stdin)")
    parser.add_argument("--node", metavar="URL", help="the node whose keys (and log) to use")
    parser.add_argument(
        "--key", type=Path, metavar="FILE", help="the public key for every proof: Multikey JSON or PEM"
    )
    add_context_option(parser)
    parser.add_argument(
        "--log", action="store_true", help="check the node's log holds this view (needs --node)"
    )
    parser.add_argument(
        "--id", help="with --log: the passport's identifier in the log (default: the document's id)"
    )
    parser.add_argument("--version", type=int, help="with --log: the passport version")
    parser.set_defaults(run=run)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a Multikey JSON document, a key pair JSON, or a PEM public/private key."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        doc = orjson.loads(data)
        if isinstance(doc, dict) and isinstance(doc.get("publicKeyMultibase"), str):
            return public_key_from_multibase(doc["publicKeyMultibase"])
        return load_private_key(path).public_key()
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise UnusableKey(f"{path}: not an Ed25519 public key")
    return key


def _methods(document: Any) -> list[str]:
    found = document.get("proof") if isinstance(document, dict) else None
    items = found if isinstance(found, list) else [found]
    return [
        p["verificationMethod"]
        for p in items
        if isinstance(p, dict) and isinstance(p.get("verificationMethod"), str)
    ]


def _resolver(fixed: Ed25519PublicKey | None, fetched: dict[str, VerificationKey]) -> KeyResolver:
    def resolve(method: str) -> VerificationKey:
        if fixed is not None:
            return VerificationKey(fixed)
        if method.startswith("did:key:"):
            return VerificationKey(public_key_from_did_key(method))
        if method in fetched:
            return fetched[method]
        raise _Unusable(f"no key for {method}: give --key FILE, or --node URL of the node that serves it")

    return resolve


async def _check(args: argparse.Namespace, document: Any, contexts: Contexts) -> list[Verified]:
    fixed = load_public_key(args.key) if args.key else None
    if args.node is None:
        if args.log:
            raise _Unusable("--log needs --node, the node whose log to ask")
        return verify(document, resolve_key=_resolver(fixed, {}), contexts=contexts)
    async with NodeClient(args.node) as node:
        fetched = {}
        if fixed is None:
            for method in _methods(document):
                if node.owns(method):
                    fetched[method] = await node.key(method)
        verified = verify(document, resolve_key=_resolver(fixed, fetched), contexts=contexts)
        if args.log:
            await _check_log(node, args, document, contexts)
        return verified


async def _check_log(node: NodeClient, args: argparse.Namespace, document: Any, contexts: Contexts) -> None:
    identifier = args.id or document.get("id")
    if not isinstance(identifier, str) or args.version is None:
        raise _Unusable(
            "--log needs the passport version (--version) and an identifier (--id or the document's id)"
        )
    head = await checked_head(node)
    with contextlib.suppress(ResolverError):  # the log names a passport by its handle key
        identifier = parse_identifier(identifier).key
    entry = await check_inclusion(node, head, identifier, args.version)
    digest = hashlib.sha256(unsecured_nquads(document, contexts)).hexdigest()
    if digest not in entry.views.values():
        raise AuditFailed(
            f"the log's entry for {identifier} version {args.version} names no view with this graph"
        )
    print(f"log: {identifier} version {args.version} is in the signed tree of {head.tree_size} entries")


def run(args: argparse.Namespace) -> int:
    try:
        document = read_json(args.file)
        contexts = contexts_of(args.context)
        verified = asyncio.run(_check(args, document, contexts))
    except (ProofError, AuditFailed) as err:
        print(f"INVALID: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 1
    except (ResolverError, Unreachable, _Unusable, OSError, ValueError) as err:
        print(f"passport-node verify: cannot check: {getattr(err, 'detail', err)}", file=sys.stderr)
        return 2
    for item in verified:
        print(f"valid: {item.proof_purpose} proof by {item.verification_method}, created {item.created}")
    return 0
