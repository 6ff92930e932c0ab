"""Tier views of a passport: the passport with only the properties a tier may see, as compact
JSON-LD in our context.

A property's tier is the vocabulary's; a declared property without a tier (a structural one such
as a quantity's value) takes the tier of the property it sits under, a nested property never
shows below its parent's tier, and a predicate the vocabulary does not know fails closed.
"""

from __future__ import annotations

from typing import Any

import orjson

from resolver import jsonld
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["compact_document", "filter_expanded", "view", "view_bytes"]

# Keywords a node keeps in every view. Everything else that starts with "@" (@reverse, @graph,
# @included, @nest ...) could carry triples from outside the node's own properties: dropped.
_KEPT_KEYWORDS = frozenset({"@id", "@type", "@index"})


def filter_expanded(expanded: list[dict[str, Any]], tier: Tier, profile: Profile) -> list[dict[str, Any]]:
    """The expanded document holding only the triples ``tier`` may see."""
    return [_node(node, tier, Tier.PUBLIC, profile) for node in expanded if isinstance(node, dict)]


def _node(node: dict[str, Any], tier: Tier, parent: Tier, profile: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("@"):
            if key in _KEPT_KEYWORDS:
                out[key] = value
            continue
        own = profile.tier_of(key)
        effective = parent if own is None else max(parent, own)
        if effective > tier:
            continue
        kept = [_value(item, tier, effective, profile) for item in value]
        out[key] = [item for item in kept if item is not None]
    return out


def _value(value: Any, tier: Tier, parent: Tier, profile: Profile) -> Any:
    if not isinstance(value, dict) or "@value" in value:
        return value
    if "@list" in value:
        return {"@list": [_value(item, tier, parent, profile) for item in value["@list"]]}
    if "@set" in value:
        return {"@set": [_value(item, tier, parent, profile) for item in value["@set"]]}
    return _node(value, tier, parent, profile)


def view(expanded_doc: list[dict[str, Any]], tier: Tier, profile: Profile | None = None) -> dict[str, Any]:
    """The compact JSON-LD view of an expanded passport for ``tier``, in our context."""
    profile = profile or Profile.load()
    return jsonld.compact(filter_expanded(expanded_doc, tier, profile))


def view_bytes(expanded_doc: list[dict[str, Any]], tier: Tier, profile: Profile | None = None) -> bytes:
    """:func:`view` as the bytes the node stores and serves."""
    return orjson.dumps(view(expanded_doc, tier, profile))


def compact_document(expanded_doc: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole passport (every tier) as compact JSON-LD in our context."""
    return jsonld.compact(expanded_doc)
