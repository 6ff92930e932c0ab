"""The signature of an enveloped UNTP credential (vc+jwt) is checked offline: did:key (Ed25519,
P-256) and did:jwk keys verify it; a bad signature, alg none, an algorithm the node does not
check or a key of another kind refuse the credential; a did:web key, which the node does not
fetch, leaves it unchecked and says so."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable

import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from resolver.adapters import envelope, untp
from resolver.adapters.formats import for_media_type
from resolver.errors import DocumentError
from resolver.integrity.multikey import did_key, multibase_encode
from tests.adapters.test_untp import CREDENTIAL_07


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jws(header: dict[str, object], sign: Callable[[bytes], bytes], payload: object = CREDENTIAL_07) -> str:
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(payload))}"
    return f"{signing_input}.{_b64(sign(signing_input.encode('ascii')))}"


def _es(key: ec.EllipticCurvePrivateKey, digest: hashes.HashAlgorithm, size: int) -> Callable[[bytes], bytes]:
    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    return sign


def _read(jws: str) -> untp.Credential:
    return untp.convert_with_notes(envelope.wrap(jws.encode("ascii")))


def test_an_ed25519_did_key_signature_is_verified_and_a_changed_payload_refused() -> None:
    key = Ed25519PrivateKey.generate()
    kid = did_key(key.public_key())
    jws = _jws({"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, key.sign)
    assert _read(jws).issuer["envelope"] == f"vc+jwt (EdDSA) signed by {kid}: verified"
    changed = copy.deepcopy(CREDENTIAL_07)
    changed["credentialSubject"]["name"] = "another battery"
    head, _, signature = jws.split(".")
    forged = f"{head}.{_b64(orjson.dumps(changed))}.{signature}"
    with pytest.raises(DocumentError, match="signature does not verify with the key of did:key:z6Mk"):
        _read(forged)


def test_a_p256_did_key_and_a_p384_did_jwk_are_verified() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    point = p256.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    kid = "did:key:" + multibase_encode(b"\x80\x24" + point)
    assert kid.startswith("did:key:zDn")
    jws = _jws({"alg": "ES256", "kid": kid}, _es(p256, hashes.SHA256(), 32))
    assert _read(jws).issuer["envelope"].endswith(": verified")
    p384 = ec.generate_private_key(ec.SECP384R1())
    numbers = p384.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-384",
        "x": _b64(numbers.x.to_bytes(48, "big")),
        "y": _b64(numbers.y.to_bytes(48, "big")),
    }
    kid = "did:jwk:" + _b64(orjson.dumps(jwk)) + "#0"
    jws = _jws({"alg": "ES384", "kid": kid}, _es(p384, hashes.SHA384(), 48))
    assert _read(jws).issuer["envelope"] == f"vc+jwt (ES384) signed by {kid}: verified"
    # the right key, the wrong algorithm for it
    with pytest.raises(DocumentError, match="does not verify"):
        _read(_jws({"alg": "EdDSA", "kid": kid}, _es(p384, hashes.SHA384(), 48)))


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ({"alg": "none", "kid": "did:web:maker.example"}, "is not signed"),
        ({"kid": "did:web:maker.example"}, "is not signed"),
        (
            {"alg": "HS256", "kid": "did:web:maker.example"},
            "signed with HS256, which the node does not check",
        ),
        ({"alg": "EdDSA"}, "names no key"),
        ({"alg": "EdDSA", "kid": "did:key:z6MkNOTAKEY"}, "cannot be used"),
    ],
)
def test_what_cannot_be_a_signature_refuses_the_credential(header: dict[str, object], said: str) -> None:
    with pytest.raises(DocumentError, match=said):
        _read(_jws(header, Ed25519PrivateKey.generate().sign))


def test_a_did_web_key_is_not_fetched_and_the_signature_is_said_to_be_unchecked() -> None:
    kid = "did:web:maker.example#key-1"
    read = _read(_jws({"alg": "EdDSA", "kid": kid}, Ed25519PrivateKey.generate().sign))
    assert (
        read.issuer["envelope"]
        == f"vc+jwt (EdDSA) signed by {kid}: not checked (its key is not resolved offline)"
    )
    assert "id (the vc+jwt signature)" in read.unmapped


def test_an_application_vc_jwt_body_is_read_as_the_credential_it_secures() -> None:
    key = Ed25519PrivateKey.generate()
    jws = _jws({"alg": "EdDSA", "kid": did_key(key.public_key())}, key.sign)
    adapted = for_media_type("application/vc+jwt", jws.encode("ascii") + b"\n")
    assert adapted is not None
    fmt, converted = adapted
    assert fmt == "untp" and dict(converted.issuer)["envelope"].endswith(": verified")
    assert orjson.loads(converted.body) == untp.convert_with_notes(copy.deepcopy(CREDENTIAL_07)).document
    with pytest.raises(DocumentError, match="compact JWS of three parts"):
        for_media_type("application/vc+jwt", b'{"not": "a jws"}')


def test_a_jwt_file_is_imported_as_the_credential_it_secures() -> None:
    from resolver.adapters.formats import convert

    key = Ed25519PrivateKey.generate()
    jws = _jws({"alg": "EdDSA", "kid": did_key(key.public_key())}, key.sign)
    for fmt in ("auto", "untp"):
        converted = convert(fmt, jws.encode("ascii") + b"\n")
        assert dict(converted.issuer)["envelope"].endswith(": verified")
