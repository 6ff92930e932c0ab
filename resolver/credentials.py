"""Bearer-token credentials: who may read which tier, and write under which prefixes.

Below the configuration and the federation table, which both produce ``Credential`` values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from resolver.tiers import Role

__all__ = ["Credential", "hash_token"]


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
