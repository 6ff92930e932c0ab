"""The keys a node description offers (``keys`` in ``/.well-known/passport-node``), as an
operator is shown them (``passport-node keys learn``) and as a node learns them from a peer.
"""

from __future__ import annotations

import dataclasses
import hashlib

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from resolver.errors import DocumentError
from resolver.integrity.errors import UnusableKey
from resolver.integrity.multikey import public_key_from_multibase

__all__ = ["OfferedKey", "fingerprint", "offered_keys"]


def fingerprint(multibase: str) -> str:
    """``sha256:`` and the hex SHA-256 of the raw 32-byte Ed25519 public key."""
    raw = public_key_from_multibase(multibase).public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class OfferedKey:
    """A key an owner lists, as an operator is shown it."""

    url: str
    multibase: str
    fingerprint: str
    valid_from: str | None
    revoked: str | None


def offered_keys(document: object) -> list[OfferedKey]:
    """The Multikey documents under ``keys`` in a node description; DocumentError if unusable."""
    listed = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not listed:
        raise DocumentError("the node description lists no keys (does the node sign passports?)")
    offered: list[OfferedKey] = []
    for item in listed:
        if not isinstance(item, dict):
            raise DocumentError("a key in the node description is not a Multikey document")
        url, value = item.get("id"), item.get("publicKeyMultibase")
        if not isinstance(url, str) or not isinstance(value, str):
            raise DocumentError("a key in the node description has no 'id' or 'publicKeyMultibase'")
        try:
            print_ = fingerprint(value)
        except UnusableKey as err:
            raise DocumentError(f"the key {url} is not an Ed25519 Multikey: {err.detail}") from err
        since, revoked = item.get("validFrom"), item.get("revoked")
        since = since if isinstance(since, str) else None
        revoked = revoked if isinstance(revoked, str) else None
        offered.append(OfferedKey(url, value, print_, since, revoked))
    return offered
