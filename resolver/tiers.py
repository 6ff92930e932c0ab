"""Access tiers and roles: who may see which data points of a passport.

The regulation (Art. 77(2), Annex XIII) names the audiences; tiers are ordered, and a role
sees its own tier and every tier below it.
"""

from __future__ import annotations

import enum

__all__ = ["TIER_IRI_BASE", "Role", "Tier"]

TIER_IRI_BASE = "https://w3id.org/battery-passport/eu-battery#"


class Tier(enum.IntEnum):
    """What a view may hold. A view of tier T holds every property whose tier is <= T."""

    PUBLIC = 0
    LEGITIMATE_INTEREST = 1
    AUTHORITY = 2  # notified bodies, market surveillance authorities, the Commission

    @property
    def iri(self) -> str:
        return TIER_IRI_BASE + _TIER_LOCAL[self]

    @property
    def label(self) -> str:
        return _TIER_LABEL[self]

    @classmethod
    def from_iri(cls, iri: str) -> Tier:
        for tier, local in _TIER_LOCAL.items():
            if iri == TIER_IRI_BASE + local:
                return tier
        raise ValueError(f"not an access tier IRI: {iri}")

    @classmethod
    def from_label(cls, label: str) -> Tier:
        for tier, text in _TIER_LABEL.items():
            if label == text:
                return tier
        raise ValueError(f"not an access tier: {label!r} (one of {', '.join(_TIER_LABEL.values())})")


_TIER_LOCAL = {
    Tier.PUBLIC: "PublicTier",
    Tier.LEGITIMATE_INTEREST: "LegitimateInterestTier",
    Tier.AUTHORITY: "AuthorityTier",
}
_TIER_LABEL = {
    Tier.PUBLIC: "public",
    Tier.LEGITIMATE_INTEREST: "legitimate-interest",
    Tier.AUTHORITY: "authority",
}


class Role(enum.Enum):
    """What a caller is, from its credentials. Only an operator writes."""

    PUBLIC = "public"
    LEGITIMATE_INTEREST = "legitimate-interest"
    AUTHORITY = "authority"
    OPERATOR = "operator"
    # Records dynamic data (events, readings) under its prefixes; reads as the public does.
    DATA_PROVIDER = "data-provider"

    @property
    def tier(self) -> Tier:
        return _ROLE_TIER[self]


_ROLE_TIER = {
    Role.PUBLIC: Tier.PUBLIC,
    Role.LEGITIMATE_INTEREST: Tier.LEGITIMATE_INTEREST,
    Role.AUTHORITY: Tier.AUTHORITY,
    Role.OPERATOR: Tier.AUTHORITY,
    Role.DATA_PROVIDER: Tier.PUBLIC,
}
