"""Signing tier views at write time with the node's active key, and resolving the node's own
verification methods (``{base_url}/keys/{name}``) to their keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from resolver.integrity.errors import UnusableKey
from resolver.integrity.keyring import Clock, Keyring, time_text, utc_now
from resolver.integrity.multikey import public_key_from_did_key
from resolver.integrity.proofs import KeyResolver, VerificationKey, secure, secure_json

__all__ = ["ViewSigner", "any_of", "did_key_resolver", "key_url", "keyring_resolver"]


def key_url(base_url: str, name: str) -> str:
    """The URL of a key's Multikey document: the verificationMethod of the proofs it makes."""
    return f"{base_url.rstrip('/')}/keys/{name}"


class ViewSigner:
    """Signs documents with the keyring's active key; one per node, shared by every write."""

    def __init__(self, keyring: Keyring, *, base_url: str, clock: Clock = utc_now) -> None:
        self._keyring = keyring
        self._base_url = base_url
        self._clock = clock

    @property
    def verification_method(self) -> str:
        return key_url(self._base_url, self._keyring.active.name)

    def _current(self) -> None:
        self._keyring.refresh()  # a rotation by `passport-node keys rotate` takes effect at once

    def sign_bytes(self, data: bytes) -> tuple[str, bytes]:
        """The verification method and Ed25519 signature of ``data`` (signed tree heads)."""
        self._current()
        return self.verification_method, self._keyring.active_key.sign(data)

    def sign(self, document: dict[str, Any], *, nquads: bytes | None = None) -> dict[str, Any]:
        """``document`` with the Data Integrity context and the node's proof added.

        ``nquads``: the canonical N-Quads (RDFC-1.0) of the document's graph, when the caller
        has them (the write path computes them for the log entry); otherwise they are read here.
        Proofs the document already carries (an operator's) are kept in the proof set.
        """
        return self.sign_all([(document, nquads)])[0]

    def sign_all(self, documents: Sequence[tuple[dict[str, Any], bytes | None]]) -> list[dict[str, Any]]:
        """:meth:`sign` of each (document, nquads), with one key and one ``created`` time for
        all (the tier views of one version: their proof configurations are then the same)."""
        self._current()
        key, method, created = self._keyring.active_key, self.verification_method, time_text(self._clock())
        return [
            secure(document, key=key, verification_method=method, created=created, document_nquads=nquads)
            for document, nquads in documents
        ]

    def sign_json(self, views: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes]:
        """:meth:`sign_all` of views given as orjson's bytes, each with its canonical N-Quads
        and their SHA-256: the signed views' bytes, as ``orjson.dumps`` of :meth:`sign_all`'s
        documents (the proof spliced in where :func:`secure_json` can)."""
        self._current()
        key, method, created = self._keyring.active_key, self.verification_method, time_text(self._clock())
        signed: list[bytes] = []
        for view, nquads, digest in views:
            data = secure_json(
                view, key=key, verification_method=method, created=created, document_hash=digest
            )
            if data is None:
                document = orjson.loads(view)
                secured = secure(
                    document, key=key, verification_method=method, created=created, document_nquads=nquads
                )
                data = orjson.dumps(secured)
            signed.append(data)
        return signed


def keyring_resolver(keyring: Keyring, base_url: str) -> KeyResolver:
    """A KeyResolver for this node's own keys, each bounded by its validity period."""
    prefix = key_url(base_url, "")

    def resolve(method: str) -> VerificationKey:
        keyring.refresh()
        entry = keyring.find(method[len(prefix) :]) if method.startswith(prefix) else None
        if entry is None:
            raise UnusableKey(f"{method!r} is not a key of this node")
        return entry.verification_key()

    return resolve


def did_key_resolver(method: str) -> VerificationKey:
    """A KeyResolver for ``did:key`` verification methods, resolved offline."""
    return VerificationKey(public_key_from_did_key(method))


def any_of(*resolvers: KeyResolver) -> KeyResolver:
    """A KeyResolver asking each in turn; UnusableKey naming the method if none knows it."""

    def resolve(method: str) -> VerificationKey:
        for resolver in resolvers:
            try:
                return resolver(method)
            except UnusableKey:
                continue
        raise UnusableKey(f"no known key for the verification method {method!r}")

    return resolve
