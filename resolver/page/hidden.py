"""The data points a tier does not show, from the profile's vocabulary (property -> tier, data
point numbers, label). The page names them as hidden, so it never implies they do not exist."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["HiddenPoint", "hidden_points"]


@dataclass(frozen=True, slots=True)
class HiddenPoint:
    """One data point (its number in the EU list), its label and the lowest tier that sees it."""

    number: int
    label: str
    tier: Tier


@functools.cache
def hidden_points(tier: Tier) -> tuple[HiddenPoint, ...]:
    """Every data point whose properties are all above ``tier``, by number (read once per tier)."""
    profile = Profile.load()
    lowest: dict[int, Tier] = {}
    labels: dict[int, str] = {}
    for info in profile.properties.values():
        for number in info.data_points:
            if number not in lowest or info.tier < lowest[number]:
                lowest[number] = info.tier
            # The first of a data point's properties in the vocabulary is its main one.
            labels.setdefault(number, info.label)
    return tuple(
        HiddenPoint(number, labels[number], lowest[number])
        for number in sorted(lowest)
        if lowest[number] > tier
    )
