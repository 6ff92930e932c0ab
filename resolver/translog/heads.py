"""Signed tree heads: tree size, root hash and time, signed with the node's Ed25519 key.

The signed bytes are the JSON ``{"root_hash": <base64>, "timestamp": <ms>, "tree_size": <n>}``
with sorted keys and no spaces; the signature is multibase base58btc, and ``key`` names the
verification method (a Multikey document URL) that checks it.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from typing import TypedDict

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from resolver.errors import DocumentError
from resolver.integrity.multikey import multibase_decode, multibase_encode

__all__ = ["HeadSigner", "SignedTreeHead", "StoredHead"]

# signed bytes -> (verification method URL, signature)
HeadSigner = Callable[[bytes], tuple[str, bytes]]


class StoredHead(TypedDict):
    """A signed tree head as JSON: what ``/log/sth`` answers and the store keeps."""

    tree_size: int
    root_hash: str  # base64
    timestamp: int
    key: str
    signature: str  # multibase


@dataclasses.dataclass(frozen=True, slots=True)
class SignedTreeHead:
    tree_size: int
    root_hash: bytes
    timestamp: int  # milliseconds since the epoch
    key: str
    signature: bytes

    @staticmethod
    def signed_bytes(tree_size: int, root_hash: bytes, timestamp: int) -> bytes:
        doc = {
            "root_hash": base64.b64encode(root_hash).decode(),
            "timestamp": timestamp,
            "tree_size": tree_size,
        }
        return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)

    @classmethod
    def make(cls, tree_size: int, root_hash: bytes, timestamp: int, signer: HeadSigner) -> SignedTreeHead:
        key, signature = signer(cls.signed_bytes(tree_size, root_hash, timestamp))
        return cls(tree_size, root_hash, timestamp, key, signature)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(
                self.signature, self.signed_bytes(self.tree_size, self.root_hash, self.timestamp)
            )
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> StoredHead:
        return {
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode(),
            "timestamp": self.timestamp,
            "key": self.key,
            "signature": multibase_encode(self.signature),
        }

    @classmethod
    def from_json(cls, doc: object) -> SignedTreeHead:
        if not isinstance(doc, dict):
            raise DocumentError("not a signed tree head: not a JSON object")
        try:
            return cls(
                tree_size=int(doc["tree_size"]),
                root_hash=base64.b64decode(doc["root_hash"], validate=True),
                timestamp=int(doc["timestamp"]),
                key=str(doc["key"]),
                signature=multibase_decode(doc["signature"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise DocumentError(f"not a signed tree head: {err}") from err
