"""Operator proofs on write (resolver/integrity/operator.py): checked against the canonical graph
the node stores, kept on the authority view, refused (ProofError, 422) when they do not verify.

The operator's key is the W3C vc-di-eddsa test vectors' key pair (vectors/keyPair.json), used as
a did:key, so the proofs are the spec's eddsa-rdfc-2022 made with the spec's key.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.integrity import operator, proofs
from resolver.integrity.errors import ProofError
from resolver.integrity.multikey import did_key_verification_method, private_key_from_multibase
from resolver.integrity.signer import did_key_resolver
from resolver.jsontypes import JSONObject
from resolver.tiers import Tier
from resolver.validation import prepare_sync

HERE = Path(__file__).parent
PASSPORT = HERE.parents[1] / "examples" / "valid" / "ev-nmc811.jsonld"
CREATED = "2026-11-30T12:00:00Z"


def vector_key() -> Ed25519PrivateKey:
    pair = json.loads((HERE / "vectors" / "keyPair.json").read_text())
    return private_key_from_multibase(pair["privateKeyMultibase"])


def signed_passport(key: Ed25519PrivateKey, text: str | None = None) -> JSONObject:
    """The example passport signed by its operator, as a linked-data tool would send it."""
    document: JSONObject = json.loads(text if text is not None else PASSPORT.read_text())
    method = did_key_verification_method(key.public_key())
    return proofs.secure(document, key=key, verification_method=method, created=CREATED)


def test_the_vector_key_pair_is_the_published_one() -> None:
    pair = json.loads((HERE / "vectors" / "keyPair.json").read_text())
    key = vector_key()
    assert did_key_verification_method(key.public_key()).startswith("did:key:" + pair["publicKeyMultibase"])


def test_a_good_proof_is_kept_on_the_authority_view_and_verifies_offline() -> None:
    signed = orjson.dumps(signed_passport(vector_key()))
    body, carried = operator.carried_proofs(signed, "application/ld+json")
    assert len(carried) == 1 and b'"proof"' not in body
    prepared, verified = operator.attach(prepare_sync(body), carried)
    assert [v.verification_method for v in verified] == [carried[0]["verificationMethod"]]
    stored = orjson.loads(prepared.views[Tier.AUTHORITY])
    assert stored["proof"] == carried[0]
    assert prepared.document == prepared.views[Tier.AUTHORITY]
    # Offline: the stored document read again from its bytes, nothing handed over.
    assert proofs.verify(stored, resolve_key=did_key_resolver)
    for tier in (Tier.PUBLIC, Tier.LEGITIMATE_INTEREST):
        assert "proof" not in orjson.loads(prepared.views[tier])


def test_a_proof_in_another_form_of_the_same_graph_verifies() -> None:
    # Keys reordered: other bytes, the same graph, so the same canonical N-Quads.
    document = signed_passport(vector_key())
    reordered = dict(reversed(list(document.items())))
    body, carried = operator.carried_proofs(orjson.dumps(reordered), "application/ld+json")
    prepared, _ = operator.attach(prepare_sync(body), carried)
    assert "proof" in orjson.loads(prepared.views[Tier.AUTHORITY])


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: d.__setitem__("manufacturingDate", "2026-03-02"), id="tampered-value"),
        pytest.param(lambda d: d["criticalRawMaterials"].pop(), id="dropped-triple"),
    ],
)
def test_a_proof_over_another_graph_is_refused(tamper: object) -> None:
    document = signed_passport(vector_key())
    assert callable(tamper)
    tamper(document)
    body, carried = operator.carried_proofs(orjson.dumps(document), "application/ld+json")
    prepared = prepare_sync(body)
    assert prepared.report.conforms  # the passport itself is fine: only the proof is wrong
    with pytest.raises(ProofError, match="does not verify against the passport's canonical graph") as err:
        operator.attach(prepared, carried)
    assert "does not match the document" in err.value.detail
    assert err.value.status == 422


def test_a_proof_naming_another_key_is_refused() -> None:
    document = signed_passport(vector_key())
    other = Ed25519PrivateKey.generate().public_key()
    proof = document["proof"]
    assert isinstance(proof, dict)
    proof["verificationMethod"] = did_key_verification_method(other)
    body, carried = operator.carried_proofs(orjson.dumps(document), "application/ld+json")
    with pytest.raises(ProofError, match="does not match"):
        operator.attach(prepare_sync(body), carried)


def test_a_proof_with_a_key_that_cannot_be_resolved_offline_is_refused() -> None:
    document = signed_passport(vector_key())
    proof = document["proof"]
    assert isinstance(proof, dict)
    proof["verificationMethod"] = "https://operator.example/keys/1"
    body, carried = operator.carried_proofs(orjson.dumps(document), "application/ld+json")
    with pytest.raises(ProofError, match="cannot be used"):
        operator.attach(prepare_sync(body), carried)


def test_a_malformed_proof_member_is_refused_and_other_bodies_carry_none() -> None:
    document: JSONObject = json.loads(PASSPORT.read_text())
    with pytest.raises(ProofError, match="JSON object"):
        operator.carried_proofs(orjson.dumps({**document, "proof": "z3u2"}), "application/ld+json")
    plain = orjson.dumps(document)
    assert operator.carried_proofs(plain, "application/ld+json") == (plain, ())
    turtle = b'<a> <b> "proof" .'
    assert operator.carried_proofs(turtle, "text/turtle") == (turtle, ())


def test_kept_in_says_whether_a_stored_view_carries_the_proofs() -> None:
    document = signed_passport(vector_key())
    proof = document["proof"]
    assert isinstance(proof, dict)
    assert operator.kept_in(orjson.dumps(document), (proof,))
    assert not operator.kept_in(orjson.dumps({k: v for k, v in document.items() if k != "proof"}), (proof,))
