"""eddsa-rdfc-2022 proofs: the W3C test vectors, and tampering that must fail."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.integrity import canon, proofs
from resolver.integrity.errors import ProofError, UnusableKey
from resolver.integrity.multikey import (
    did_key_verification_method,
    multibase_decode,
    private_key_from_multibase,
    public_key_from_did_key,
    public_key_from_multibase,
    public_key_multibase,
)

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CONTEXTS = {EXAMPLES_V2: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())}
KEY_PAIR = json.loads((VECTORS / "keyPair.json").read_text())
SIGNED = json.loads((VECTORS / "signedDataInt.json").read_text())
VECTOR_METHOD = SIGNED["proof"]["verificationMethod"]


def vector_keys(method: str) -> proofs.VerificationKey:
    if method != VECTOR_METHOD:
        raise UnusableKey(f"unknown verification method {method}")
    return proofs.VerificationKey(public_key_from_multibase(KEY_PAIR["publicKeyMultibase"]))


def test_vector_key_pair_is_one_ed25519_key() -> None:
    private = private_key_from_multibase(KEY_PAIR["privateKeyMultibase"])
    assert public_key_multibase(private.public_key()) == KEY_PAIR["publicKeyMultibase"]


def test_signer_reproduces_the_vector_proof_value() -> None:
    private = private_key_from_multibase(KEY_PAIR["privateKeyMultibase"])
    unsigned = proofs.unsecured(SIGNED)
    proof = proofs.create_proof(
        unsigned,
        key=private,
        verification_method=VECTOR_METHOD,
        created=SIGNED["proof"]["created"],
        contexts=CONTEXTS,
    )
    assert proof == SIGNED["proof"]
    value = proof["proofValue"]
    assert isinstance(value, str)
    assert len(multibase_decode(value)) == 64


def test_intermediate_values_match_the_vectors() -> None:
    config = proofs.proof_config_nquads(SIGNED["proof"], SIGNED["@context"], CONTEXTS)
    assert config.decode() == (VECTORS / "proofCanonDataInt.txt").read_text()
    document = canon.canonical_nquads(canon.document_quads(proofs.unsecured(SIGNED), CONTEXTS))
    assert proofs.hash_data(config, document).hex() == (VECTORS / "combinedHashDataInt.txt").read_text()


def test_verifier_accepts_the_vector() -> None:
    verified = proofs.verify(SIGNED, resolve_key=vector_keys, contexts=CONTEXTS)
    assert [v.verification_method for v in verified] == [VECTOR_METHOD]


def _tampered(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(SIGNED)
    change(document)
    return dict(document)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["credentialSubject"].update(alumniOf="The School of Fakes"), id="value"),
        pytest.param(lambda d: d.pop("description"), id="dropped-triple"),
        pytest.param(lambda d: d["proof"].update(created="2023-02-24T23:36:39Z"), id="proof-option"),
        pytest.param(lambda d: d["proof"].update(proofPurpose="authentication"), id="proof-purpose"),
    ],
)
def test_tampered_vector_fails(change: Any) -> None:
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(_tampered(change), resolve_key=vector_keys, contexts=CONTEXTS)


def test_swapped_key_fails() -> None:
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(SIGNED, resolve_key=lambda _: proofs.VerificationKey(other), contexts=CONTEXTS)


def test_truncated_proof_value_fails() -> None:
    document = _tampered(lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2]))
    with pytest.raises(ProofError, match="bytes"):
        proofs.verify(document, resolve_key=vector_keys, contexts=CONTEXTS)


def test_unknown_context_without_a_local_copy_is_refused() -> None:
    with pytest.raises(Exception, match="examples/v2"):
        proofs.verify(SIGNED, resolve_key=vector_keys)


LIST_DOC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
    "id": "urn:example:1",
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "urn:example:s", "steps": {"@list": ["one", "two", "three"]}},
}


def _did_key_signed(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    private = Ed25519PrivateKey.generate()
    method = did_key_verification_method(private.public_key())
    signed = proofs.secure(
        document, key=private, verification_method=method, created="2026-11-30T12:00:00Z", contexts=CONTEXTS
    )
    return signed, method


def did_keys(method: str) -> proofs.VerificationKey:
    return proofs.VerificationKey(public_key_from_did_key(method))


def test_did_key_signed_document_verifies_offline() -> None:
    signed, method = _did_key_signed(LIST_DOC)
    verified = proofs.verify(signed, resolve_key=did_keys, contexts=CONTEXTS)
    assert [v.verification_method for v in verified] == [method]


def test_reordered_list_fails() -> None:
    signed, _ = _did_key_signed(LIST_DOC)
    signed["credentialSubject"]["steps"]["@list"].reverse()
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(signed, resolve_key=did_keys, contexts=CONTEXTS)


def test_second_proof_joins_a_proof_set_and_each_is_checked() -> None:
    signed, first = _did_key_signed(LIST_DOC)
    twice, second = _did_key_signed(signed)
    verified = proofs.verify(twice, resolve_key=did_keys, contexts=CONTEXTS)
    assert [v.verification_method for v in verified] == [first, second]
    twice["proof"][0]["proofValue"] = twice["proof"][1]["proofValue"]
    with pytest.raises(ProofError, match=first.split("#")[0]):
        proofs.verify(twice, resolve_key=did_keys, contexts=CONTEXTS)


def test_given_document_nquads_give_the_same_proof() -> None:
    private = Ed25519PrivateKey.generate()
    prepared = proofs.with_proof_context(LIST_DOC)
    nquads = canon.canonical_nquads(canon.document_quads(prepared, CONTEXTS))
    options: dict[str, Any] = {"key": private, "verification_method": "urn:k", "created": "2026-11-30T12:00Z"}
    read = proofs.create_proof(prepared, contexts=CONTEXTS, **options)
    given = proofs.create_proof(prepared, contexts=CONTEXTS, document_nquads=nquads, **options)
    assert read == given
    assert hashlib.sha256(nquads).digest() == proofs.hash_data(b"", nquads)[32:]


def test_validity_period_bounds_the_created_time() -> None:
    from datetime import UTC, datetime

    signed, _ = _did_key_signed(LIST_DOC)

    def retired(method: str) -> proofs.VerificationKey:
        until = datetime(2026, 1, 1, tzinfo=UTC)
        return proofs.VerificationKey(public_key_from_did_key(method), valid_until=until)

    with pytest.raises(ProofError, match="outside the validity period"):
        proofs.verify(signed, resolve_key=retired, contexts=CONTEXTS)


def test_did_key_fragment_must_name_the_same_key() -> None:
    one = did_key_verification_method(Ed25519PrivateKey.generate().public_key())
    two = did_key_verification_method(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(UnusableKey, match="another key"):
        public_key_from_did_key(one.split("#")[0] + "#" + two.split("#")[1])


PASSPORT = json.loads((Path(__file__).parents[2] / "examples" / "valid" / "ev-lfp.jsonld").read_text())


def test_passport_view_signed_in_our_context_verifies_and_keeps_its_graph() -> None:
    signed, _ = _did_key_signed(PASSPORT)
    assert signed["@context"] == [PASSPORT["@context"], proofs.DATA_INTEGRITY_V2]
    assert proofs.verify(signed, resolve_key=did_keys)
    before = canon.canonical_nquads(canon.document_quads(PASSPORT))
    assert proofs.unsecured_nquads(signed) == before


@pytest.mark.parametrize(
    ("key", "value"),
    [("expectedLifetimeCycles", 9999), ("declarationOfConformity", "https://evil.example/fake-doc.pdf")],
)
def test_passport_rewritten_by_a_relay_fails(key: str, value: Any) -> None:
    signed, _ = _did_key_signed(PASSPORT)
    assert key in signed
    signed[key] = value
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(signed, resolve_key=did_keys)


def _reference_config(proof: dict[str, Any], context: Any) -> bytes:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    return canon.canonical_nquads(canon.document_quads({**config, "@context": context}, CONTEXTS))


@pytest.mark.parametrize(
    "proof",
    [
        SIGNED["proof"],
        {**SIGNED["proof"], "proofPurpose": "authentication"},
        {k: v for k, v in SIGNED["proof"].items() if k != "created"},
        {**SIGNED["proof"], "verificationMethod": "did:key:z6Mk#z6Mk"},
        # Odd text: the lines written out must escape as pyoxigraph's serialiser does.
        {**SIGNED["proof"], "created": 'x"y\\z\n\t\r\u00e9\u2028\U0001f50b\x7f\x01'},
        {**SIGNED["proof"], "cryptosuite": "eddsa-rdfc-2022", "created": ""},
        {**SIGNED["proof"], "verificationMethod": "https://n.example/k%20ey?a=b#\u00e9"},
    ],
)
@pytest.mark.parametrize(
    "context",
    [SIGNED["@context"], [PASSPORT["@context"], proofs.DATA_INTEGRITY_V2], proofs.DATA_INTEGRITY_V2],
)
def test_direct_proof_configuration_equals_the_processors_reading(
    proof: dict[str, Any], context: Any
) -> None:
    assert proofs.proof_config_nquads(proof, context, CONTEXTS) == _reference_config(proof, context)
    direct = proofs._direct_config({k: v for k, v in proof.items() if k != "proofValue"}, context)
    if direct is not None:  # written out as the canonicaliser would write it
        assert proofs._lone_blank_nquads(direct) == canon.canonical_nquads(direct)


def test_document_using_proof_terms_is_read_with_the_data_integrity_context() -> None:
    nested = {**PASSPORT, "@context": [PASSPORT["@context"], proofs.DATA_INTEGRITY_V2]}
    nested["bp:note"] = {"type": "DataIntegrityProof", "cryptosuite": "x"}
    reference = canon.canonical_nquads(canon.document_quads(nested))
    assert b"DataIntegrityProof" in reference
    assert proofs.unsecured_nquads(nested) == reference
