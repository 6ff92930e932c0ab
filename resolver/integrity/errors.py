"""Errors of signing and verifying; each takes its HTTP status from its base in resolver.errors."""

from __future__ import annotations

from resolver.errors import BadPeerAnswer, DocumentError, InvalidPassport

__all__ = ["BadSignature", "ForkedLog", "ProofError", "UnpinnedOwner", "UnusableKey"]


class ProofError(InvalidPassport):
    """A proof that does not verify, on a document written to the node (422)."""

    slug = "invalid-proof"
    title = "Proof does not verify"


class UnusableKey(DocumentError):
    """A key, Multikey value or did:key that cannot be used (400)."""

    slug = "unusable-key"
    title = "Unusable key"


class BadSignature(BadPeerAnswer):
    """A peer's answer whose proof does not verify against the owner's key (502)."""

    slug = "bad-signature"
    title = "Peer answer has a bad signature"


class ForkedLog(BadPeerAnswer):
    """An answer owned by a node whose transparency log was seen forked (502, never cached)."""

    slug = "forked-log"
    title = "Peer's log is forked"


class UnpinnedOwner(BadPeerAnswer):
    """A peer's answer whose owner has no pinned key here, refused (``[federation] unpinned =
    "refuse"``; 502, never cached): it cannot be checked, so it is not served."""

    slug = "unpinned-owner"
    title = "No pinned key of the answer's owner"
