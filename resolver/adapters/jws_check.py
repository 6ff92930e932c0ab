"""Checking the signature of an enveloped credential (a vc+jwt, VC-JOSE-COSE), offline.

UNTP secures its credentials with JOSE's enveloping proof and names issuers by ``did:web``. The
node fetches nothing, so a signature is checked when its key can be had without a fetch:

- ``did:key`` (Ed25519 ``z6Mk...``, P-256 ``zDn...``) and ``did:jwk`` keys, resolved from the
  identifier itself;
- a key the caller holds (``known``: the node's own keys, for a credential it exported, and the
  peers' pinned keys; resolver/commands/import_proofs.py). Such a key may have a validity
  period (a retired key of the node's keyring): the signature then counts only if the credential
  says when it was made (its ``validFrom``, else a JWT ``iat``) and that time is within the
  period; a retired key's signature that says no time, or one made outside the period, is bad.

Algorithms: ``EdDSA`` (Ed25519), ``ES256`` (P-256) and ``ES384`` (P-384). A signature that does
not verify, a key of another kind than ``alg`` says, ``alg: none`` or an algorithm the node does
not check refuse the credential (DocumentError). A key that cannot be had offline (``did:web``,
a URL) leaves the signature unchecked, which is said (``Verdict.checked`` False, ``said``), never
taken as verified.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from resolver.adapters.envelope import Opened
from resolver.errors import DocumentError
from resolver.integrity.errors import UnusableKey
from resolver.integrity.keyring import time_text
from resolver.integrity.multikey import multibase_decode, public_key_from_did_key
from resolver.integrity.proofs import VerificationKey

__all__ = ["KnownKeys", "PublicKey", "Verdict", "check"]

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
# a kid -> the key the caller holds for it (with its validity period, if it has one), or None
KnownKeys = Callable[[str], PublicKey | VerificationKey | None]

_P256_PREFIX = b"\x80\x24"  # multicodec p256-pub (0x1200), varint
_CURVES: dict[str, tuple[type[ec.EllipticCurve], hashes.HashAlgorithm, int]] = {
    "ES256": (ec.SECP256R1, hashes.SHA256(), 32),
    "ES384": (ec.SECP384R1, hashes.SHA384(), 48),
}
_JWK_CURVES: dict[str, ec.EllipticCurve] = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}


@dataclass(frozen=True, slots=True)
class Verdict:
    checked: bool  # True: the signature verifies with the key ``kid`` names
    said: str  # for the import summary and the PUT answer


def check(opened: Opened, known: KnownKeys | None = None) -> Verdict:
    """The signature of ``opened`` checked offline; DocumentError when it is bad."""
    header = opened.header
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise DocumentError("id: the vc+jwt is not signed (alg none or no alg)")
    if alg != "EdDSA" and alg not in _CURVES:
        raise DocumentError(f"id: the vc+jwt is signed with {alg}, which the node does not check")
    if not isinstance(kid, str) or not kid:
        raise DocumentError("id: the vc+jwt names no key (kid): its signature cannot be checked")
    held = known(kid) if known is not None else None
    if isinstance(held, VerificationKey):
        _within_validity(opened, held, kid)
        key: PublicKey | None = held.public_key
    else:
        key = held if held is not None else _offline_key(kid)
    if key is None:
        return Verdict(
            False, f"vc+jwt ({alg}) signed by {kid}: not checked (its key is not resolved offline)"
        )
    if not _verifies(alg, key, opened):
        raise DocumentError(f"id: the vc+jwt signature does not verify with the key of {kid}")
    return Verdict(True, f"vc+jwt ({alg}) signed by {kid}: verified")


def _within_validity(opened: Opened, key: VerificationKey, kid: str) -> None:
    """DocumentError unless the credential was made within ``key``'s validity period (by its
    ``validFrom``, else ``iat``); an active key's signature that says no time stands, since
    the key is valid now."""
    when = _signed_at(opened)
    if when is None:
        if key.valid_until is None:
            return
        raise DocumentError(
            f"id: the vc+jwt is signed by {kid}, retired at {time_text(key.valid_until)}, and says "
            "no time it was made (validFrom or iat): it may have been signed after the key was retired"
        )
    if (key.valid_from is not None and when < key.valid_from) or (
        key.valid_until is not None and when >= key.valid_until
    ):
        raise DocumentError(
            f"id: the vc+jwt was made at {time_text(when)}, outside the validity period of {kid}"
        )


def _signed_at(opened: Opened) -> datetime | None:
    """When the credential says it was made: ``validFrom`` (VC 2.0), else ``iat`` (JWT, in
    the payload or the header); DocumentError when one is there but is no time."""
    valid_from = opened.credential.get("validFrom")
    if valid_from is not None:
        try:
            when = datetime.fromisoformat(str(valid_from))
        except ValueError:
            raise DocumentError(f"validFrom: {valid_from!r} is not a date-time") from None
        if when.tzinfo is None:
            raise DocumentError(f"validFrom: {valid_from!r} has no time zone")
        return when
    iat = opened.credential.get("iat", opened.header.get("iat"))
    if iat is None:
        return None
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise DocumentError(f"iat: {iat!r} is not a time (seconds since 1970)")
    try:
        return datetime.fromtimestamp(iat, UTC)
    except (OverflowError, OSError, ValueError):
        raise DocumentError(f"iat: {iat!r} is not a possible time") from None


def _offline_key(kid: str) -> PublicKey | None:
    """The key of a did:key or did:jwk (None: another kind of identifier); DocumentError when it
    is one but unusable."""
    did = kid.partition("#")[0]
    try:
        if did.startswith("did:key:zDn"):
            raw = multibase_decode(did[len("did:key:") :])
            if not raw.startswith(_P256_PREFIX):
                raise DocumentError(f"id: the vc+jwt key {kid[:80]!r} is no P-256 did:key")
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[len(_P256_PREFIX) :])
        if did.startswith("did:key:"):
            return public_key_from_did_key(kid)
        if did.startswith("did:jwk:"):
            return _from_jwk(orjson.loads(_unb64(did[len("did:jwk:") :])))
    except (UnusableKey, ValueError, binascii.Error, orjson.JSONDecodeError) as err:
        raise DocumentError(f"id: the vc+jwt key {kid[:80]!r} cannot be used ({err})") from None
    return None


def _from_jwk(jwk: object) -> PublicKey:
    if not isinstance(jwk, dict):
        raise ValueError("a did:jwk holds a JWK object")
    kty, crv, x = jwk.get("kty"), jwk.get("crv"), jwk.get("x")
    if kty == "OKP" and crv == "Ed25519" and isinstance(x, str):
        return Ed25519PublicKey.from_public_bytes(_unb64(x))
    y = jwk.get("y")
    curve = _JWK_CURVES.get(crv) if isinstance(crv, str) else None
    if kty == "EC" and curve is not None and isinstance(x, str) and isinstance(y, str):
        point = b"\x04" + _unb64(x) + _unb64(y)
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    raise ValueError(f"a JWK of kty {kty!r}, crv {crv!r} is not one the node checks")


def _verifies(alg: str, key: PublicKey, opened: Opened) -> bool:
    try:
        if alg == "EdDSA":
            if not isinstance(key, Ed25519PublicKey):
                return False
            key.verify(opened.signature, opened.signing_input)
            return True
        curve, digest, size = _CURVES[alg]
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, curve):
            return False
        if len(opened.signature) != 2 * size:  # JWS: r and s, each of the curve's size
            return False
        r = int.from_bytes(opened.signature[:size], "big")
        s = int.from_bytes(opened.signature[size:], "big")
        key.verify(encode_dss_signature(r, s), opened.signing_input, ec.ECDSA(digest))
        return True
    except InvalidSignature:
        return False


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
