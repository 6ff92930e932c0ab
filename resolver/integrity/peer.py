"""Checking a peer's answer against the owner node's pinned keys, before it is cached or served.

The owner is the node authoritative for the identifier's prefix, whoever relayed the answer. An
answer passes when every proof it carries verifies (the owner's by a pinned key, an operator's
by its did:key) and at least one is the owner's; otherwise BadSignature (502), never cached.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.errors import ResolverError
from resolver.integrity.errors import BadSignature, ProofError, UnusableKey
from resolver.integrity.proofs import KeyResolver, VerificationKey, Verified, verify
from resolver.integrity.signer import any_of, did_key_resolver

__all__ = ["pinned_resolver", "verify_peer_answer"]


def pinned_resolver(keys: Mapping[str, VerificationKey]) -> KeyResolver:
    """A KeyResolver of pinned keys: verification method URL -> key (with its validity)."""

    def resolve(method: str) -> VerificationKey:
        key = keys.get(method)
        if key is None:
            raise UnusableKey(f"{method!r} is not a pinned key of the owner")
        return key

    return resolve


def verify_peer_answer(
    document: object, *, owner: KeyResolver, owner_id: str, document_nquads: bytes | None = None
) -> list[Verified]:
    """The proofs of a peer's answer, checked; BadSignature naming the owner if they fail.

    ``document_nquads``: the canonical N-Quads of the unsecured document when the caller read
    its graph already (``proofs.unsecured_body`` of it), as :func:`proofs.verify` takes them."""
    if not isinstance(document, dict):
        raise BadSignature(f"the answer claimed to come from {owner_id} is not a JSON-LD object")
    try:
        verified = verify(
            document, resolve_key=any_of(owner, did_key_resolver), document_nquads=document_nquads
        )
    except ProofError as err:
        raise BadSignature(
            f"the answer does not verify against the keys of {owner_id}: {err.detail}"
        ) from err
    for item in verified:
        try:
            owner(item.verification_method)
        except ResolverError:
            continue
        return verified
    raise BadSignature(f"the answer carries no proof by its owner {owner_id}")
