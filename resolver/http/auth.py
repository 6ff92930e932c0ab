"""Credentials to roles: bearer tokens from the configuration, stored there as SHA-256 digests.

No ``Authorization`` header is the public role; a token the node does not know, an empty
header or one that is not UTF-8 is a 401, never a silent downgrade to public. HTTP Basic is
accepted with the token as the password, so Handle REST clients (which send Basic) work
unchanged.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable

from resolver.credentials import PUBLIC, Credential, Principal, hash_token
from resolver.errors import AuthError

__all__ = ["Authenticator"]


class Authenticator:
    """Maps an ``Authorization`` header value to a ``Principal``."""

    def __init__(self, credentials: Iterable[Credential]) -> None:
        self._by_digest = {c.token_sha256: Principal(c.role, c.name, c.prefixes, c.peer) for c in credentials}

    def principal(self, authorization: str | None) -> Principal:
        """The caller an ``Authorization`` value names (None: no header, the public role).

        A header that is present but empty, or holds bytes that are not UTF-8 (the HTTP layer
        hands those over as surrogate escapes), is a 401: never the public role.
        """
        if authorization is None:
            return PUBLIC
        if not authorization.strip():
            raise AuthError("the Authorization header is empty; send Bearer <token> or no header")
        try:
            authorization.encode("utf-8")
        except UnicodeEncodeError as err:
            raise AuthError("the Authorization header is not UTF-8 text") from err
        scheme, _, value = authorization.strip().partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "bearer":
            tokens: tuple[str, ...] = (value,)
        elif scheme == "basic":
            tokens = _basic_passwords(value)
        else:
            raise AuthError(f"unsupported authorization scheme {scheme[:20]!r}; use Bearer")
        for token in tokens:
            if token:
                found = self._by_digest.get(hash_token(token))
                if found is not None:
                    return found
        raise AuthError("the credentials are not valid for this node")


def _basic_passwords(value: str) -> tuple[str, ...]:
    """The password of Basic credentials: after the first ':' or, for a Handle admin name such
    as ``300:88.100.1/ADMIN`` sent unencoded, after the last one."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as err:
        raise AuthError("malformed Basic credentials") from err
    _, sep, password = decoded.partition(":")
    if not sep:
        raise AuthError("malformed Basic credentials (no ':')")
    last = decoded.rpartition(":")[2]
    return (password,) if last == password else (password, last)
