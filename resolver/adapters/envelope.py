"""Enveloped verifiable credentials (W3C VC-JOSE-COSE): a credential secured as a compact JWS,
carried as ``{"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,<jws>"}``.

This is how UNTP credentials are signed and exchanged. A JWS signs the credential's bytes, not
its RDF graph, so no JSON-LD context is needed to sign or check it: the node signs the UNTP
credentials it exports this way (``EdDSA``, its Ed25519 key, ``kid`` the key's URL), although it
holds no UNTP context (docs/adapters.md, "UNTP").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from resolver.errors import DocumentError

__all__ = ["ENVELOPED", "MEDIA_TYPE", "Opened", "envelop", "is_enveloped", "open_envelope", "wrap"]

ENVELOPED = "EnvelopedVerifiableCredential"
MEDIA_TYPE = "application/vc+jwt"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_PREFIX = f"data:{MEDIA_TYPE},"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str, part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise DocumentError(f"id: the vc+jwt {part} is not base64url ({err})") from None


def envelop(
    credential: Mapping[str, object], *, kid: str, sign: Callable[[bytes], bytes]
) -> dict[str, object]:
    """``credential`` secured as a vc+jwt: ``sign`` makes the Ed25519 signature of the JWS
    signing input, with the key that ``kid`` names."""
    header = {"alg": "EdDSA", "kid": kid, "typ": "vc+jwt", "cty": "vc"}
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(dict(credential)))}"
    jws = f"{signing_input}.{_b64(sign(signing_input.encode('ascii')))}"
    return {"@context": [VC_CONTEXT], "id": _PREFIX + jws, "type": ENVELOPED}


def wrap(jws: bytes) -> dict[str, object]:
    """An ``application/vc+jwt`` body (a compact JWS) as the enveloped credential that carries
    it; DocumentError when it is no compact JWS."""
    try:
        text = jws.decode("ascii").strip()
    except UnicodeDecodeError:
        raise DocumentError("an application/vc+jwt body is a compact JWS (ASCII)") from None
    if text.count(".") != 2 or any(c.isspace() for c in text):
        raise DocumentError("an application/vc+jwt body is a compact JWS of three parts")
    return {"@context": [VC_CONTEXT], "id": _PREFIX + text, "type": ENVELOPED}


def is_enveloped(doc: object) -> bool:
    """Whether ``doc`` is an enveloped credential (by its type)."""
    types = doc.get("type") if isinstance(doc, dict) else None
    return ENVELOPED in (types if isinstance(types, list) else [types])


@dataclass(frozen=True, slots=True)
class Opened:
    """An enveloped credential opened: the JWS header, the credential, and what was signed."""

    header: dict[str, object]
    credential: dict[str, object]
    signing_input: bytes
    signature: bytes

    def verifies(self, key: Ed25519PublicKey) -> bool:
        """Whether the signature is ``key``'s (an ``EdDSA`` JWS only)."""
        if self.header.get("alg") != "EdDSA":
            return False
        try:
            key.verify(self.signature, self.signing_input)
        except InvalidSignature:
            return False
        return True


def open_envelope(doc: Mapping[str, object]) -> Opened:
    """The credential inside an enveloped credential; DocumentError naming what is wrong."""
    wrapped = doc.get("id")
    if not isinstance(wrapped, str) or not wrapped.startswith(_PREFIX):
        raise DocumentError(f"id: an {ENVELOPED} is carried as a '{_PREFIX}<JWS>' URL")
    parts = wrapped[len(_PREFIX) :].split(".")
    if len(parts) != 3:
        raise DocumentError("id: a vc+jwt is a compact JWS of three parts")
    try:
        header = orjson.loads(_unb64(parts[0], "header"))
        credential = orjson.loads(_unb64(parts[1], "payload"))
    except orjson.JSONDecodeError as err:
        raise DocumentError(f"id: the vc+jwt does not hold JSON ({err})") from None
    if not isinstance(header, dict) or not isinstance(credential, dict):
        raise DocumentError("id: the vc+jwt header and payload are JSON objects")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return Opened(header, credential, signing_input, _unb64(parts[2], "signature"))
