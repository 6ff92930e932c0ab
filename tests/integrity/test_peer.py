"""A peer's answer is checked against the owner's pinned keys: a lying relay is refused."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.integrity import proofs
from resolver.integrity.errors import BadSignature
from resolver.integrity.multikey import did_key_verification_method
from resolver.integrity.peer import pinned_resolver, verify_peer_answer

OWNER = Ed25519PrivateKey.generate()
OWNER_KEY = "https://eu.example/keys/k1"
PINNED = pinned_resolver({OWNER_KEY: proofs.VerificationKey(OWNER.public_key())})
DOC: dict[str, Any] = {
    "@context": "https://www.w3.org/ns/credentials/v2",
    "id": "urn:example:doc",
    "type": ["VerifiableCredential"],
    "issuer": "https://eu.example",
}


def _signed(key: Ed25519PrivateKey, method: str, document: dict[str, Any] = DOC) -> dict[str, Any]:
    return proofs.secure(document, key=key, verification_method=method, created="2026-11-30T12:00:00Z")


def test_owner_signed_answer_passes() -> None:
    assert (
        verify_peer_answer(_signed(OWNER, OWNER_KEY), owner=PINNED, owner_id="eu")[0].verification_method
        == OWNER_KEY
    )


def test_answer_rewritten_by_a_relay_gets_bad_signature() -> None:
    answer = _signed(OWNER, OWNER_KEY)
    answer["issuer"] = "https://evil.example"
    with pytest.raises(BadSignature, match="keys of eu") as caught:
        verify_peer_answer(answer, owner=PINNED, owner_id="eu")
    assert caught.value.status == 502 and caught.value.slug == "bad-signature"


def test_relay_re_signing_with_its_own_key_is_refused() -> None:
    relay = Ed25519PrivateKey.generate()
    answer = {**DOC, "issuer": "https://evil.example"}
    with pytest.raises(BadSignature):
        verify_peer_answer(_signed(relay, "https://relay.example/keys/k"), owner=PINNED, owner_id="eu")
    with pytest.raises(BadSignature, match="no proof by its owner"):
        relay_did = did_key_verification_method(relay.public_key())
        verify_peer_answer(_signed(relay, relay_did, answer), owner=PINNED, owner_id="eu")


def test_unsigned_answer_is_refused() -> None:
    with pytest.raises(BadSignature, match="no proof"):
        verify_peer_answer(DOC, owner=PINNED, owner_id="eu")
