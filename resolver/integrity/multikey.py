"""Multibase base58btc and Multikey encodings of Ed25519 keys, and did:key identifiers.

A Multikey public key is ``z`` + base58btc(0xed 0x01 + 32 key bytes); a private key is
``z`` + base58btc(0x80 0x26 + 32 seed bytes) (the multicodec table's ed25519-pub and -priv).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from resolver.integrity.errors import UnusableKey

__all__ = [
    "ED25519_PRIV_PREFIX",
    "ED25519_PUB_PREFIX",
    "b58decode",
    "b58encode",
    "did_key",
    "did_key_verification_method",
    "multibase_decode",
    "multibase_encode",
    "private_key_from_multibase",
    "private_key_multibase",
    "public_key_bytes",
    "public_key_from_did_key",
    "public_key_from_multibase",
    "public_key_multibase",
]

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
_ALPHABET = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
# Two base58 digits per step: half the big-number divisions (a proof value is 88 digits, and
# every stored version signs three views).
_PAIRS = [bytes((_ALPHABET[i // 58], _ALPHABET[i % 58])) for i in range(58 * 58)]


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet); each leading zero byte becomes a leading '1'."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    pairs = []
    while number:
        number, pair = divmod(number, 58 * 58)
        pairs.append(_PAIRS[pair])
    pairs.reverse()
    # The top pair may start with a zero digit ('1'), which is padding, not a zero byte.
    return ("1" * zeros) + b"".join(pairs).lstrip(b"1").decode("ascii")


def b58decode(text: str) -> bytes:
    """The bytes of a base58 string; UnusableKey for a character outside the alphabet."""
    raw = text.encode("ascii", "replace")
    number = 0
    for char in raw:
        digit = _INDEX.get(char)
        if digit is None:
            raise UnusableKey(f"not base58: {text[:60]!r}")
        number = number * 58 + digit
    zeros = len(raw) - len(raw.lstrip(b"1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """The bytes of a base58btc multibase string (the only base the cryptosuite uses)."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise UnusableKey(f"not a base58btc multibase value (it must start with 'z'): {str(text)[:60]!r}")
    return b58decode(text[1:])


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 public key."""
    return multibase_encode(ED25519_PUB_PREFIX + public_key_bytes(key))


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a Multikey ``publicKeyMultibase``; UnusableKey if it is not one."""
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise UnusableKey(f"not an Ed25519 Multikey (0xed01 and 32 bytes): {text[:60]!r}")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_multibase(key: Ed25519PrivateKey) -> str:
    """The Multikey ``secretKeyMultibase`` (ed25519-priv, the 32-byte seed)."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return multibase_encode(ED25519_PRIV_PREFIX + seed)


def private_key_from_multibase(text: str) -> Ed25519PrivateKey:
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PRIV_PREFIX) or len(raw) != 34:
        raise UnusableKey("not an Ed25519 private Multikey (0x8026 and 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def did_key(key: Ed25519PublicKey) -> str:
    """The ``did:key`` identifier of an Ed25519 public key."""
    return "did:key:" + public_key_multibase(key)


def did_key_verification_method(key: Ed25519PublicKey) -> str:
    """The verification method URL of a did:key: the DID, ``#``, the multibase key again."""
    multibase = public_key_multibase(key)
    return f"did:key:{multibase}#{multibase}"


def public_key_from_did_key(url: str) -> Ed25519PublicKey:
    """Resolve a ``did:key`` (or its verification method URL) offline to its Ed25519 key.

    The fragment, when present, must name the same key as the DID (the did:key method's rule).
    """
    if not url.startswith("did:key:"):
        raise UnusableKey(f"not a did:key: {url[:80]!r}")
    did, _, fragment = url.partition("#")
    multibase = did[len("did:key:") :]
    if fragment and fragment != multibase:
        raise UnusableKey(f"the did:key fragment names another key: {url[:120]!r}")
    return public_key_from_multibase(multibase)
