"""Bearer-token credentials and the callers they make: who may read which tier, and write under
which prefixes.

Below the configuration and the federation table, which both produce ``Credential`` values, and
below every module that asks who is calling (``Principal``); reading the ``Authorization``
header into a ``Principal`` is the HTTP edge's (``resolver.http.auth``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from resolver.errors import AuthError, Forbidden
from resolver.identifiers import claims
from resolver.tiers import Role, Tier

__all__ = ["PUBLIC", "Credential", "Principal", "hash_token"]


@dataclass(frozen=True, slots=True)
class Credential:
    """A bearer token (kept only as its SHA-256 hex digest) and the role it gives.

    ``prefixes`` are the prefixes an operator may write under; empty for other roles.
    ``peer`` marks a federation peer's credential: only a peer's forwarding headers (budget,
    tier) are honoured.
    """

    name: str
    role: Role
    token_sha256: str
    prefixes: tuple[str, ...] = ()
    peer: bool = False


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a bearer token is stored in the configuration."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the role and, for an operator, the prefixes it may write under.

    ``peer``: the caller authenticated as a federation peer, whose forwarding headers count.
    """

    role: Role
    name: str = "public"
    prefixes: tuple[str, ...] = ()
    peer: bool = False

    @property
    def tier(self) -> Tier:
        return self.role.tier

    def may_write(self, key: str) -> bool:
        return self.role is Role.OPERATOR and any(claims(p, key) for p in self.prefixes)

    def require_writer(self, key: str) -> None:
        """Raise 401 for the public caller, 403 for a caller that may not write ``key``."""
        if self.role is Role.PUBLIC:
            raise AuthError("writing needs an operator's credentials (Authorization: Bearer <token>)")
        if not self.may_write(key):
            raise Forbidden(f"{self.name} ({self.role.value}) may not write {key}")


PUBLIC = Principal(Role.PUBLIC)
