"""What the Battery Pass aspect readers and writers share (resolver/adapters/batterypass*.py).

A reader goes through one aspect's fields with a ``Reading``: each field it maps is recorded
by its path in the payload (``circularity.renewableContent``; list items share one path, so
``labels.labelingSymbol`` covers every label's symbol), so that the fields no mapping took
can be listed; an item of a list that is read only in part (a label in another language, a
resistance of a module) is named with its index in ``left``. A value that is there but cannot
be what the model says (no number, no whole number, no text, an entry outside an enumeration)
refuses the payload with its path, index included: ``circularity.recycledContent[1].
preConsumerShare: 'ten' is not a number``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from resolver.errors import DocumentError

__all__ = ["FACTORS", "Aspect", "Reading", "enumerated", "quantity", "quantity_value"]

_INDEX = re.compile(r"\[\d+\]")
# (our unit, the model's) -> factor: figures our passports give in a smaller unit than the model's
FACTORS = {("E45", "OHM"): 0.001, ("WTT", "KWT"): 0.001}


@dataclass(slots=True)
class Reading:
    """One aspect being read: ``prefix`` is its key and a dot when it sits under one."""

    prefix: str
    read: set[str] = field(default_factory=set)
    left: list[str] = field(default_factory=list)

    def where(self, inside: str, key: str) -> str:
        """The path of ``key`` in the node at ``inside`` (``a[0]``), as a message names it."""
        return f"{self.prefix}{inside}.{key}" if inside else f"{self.prefix}{key}"

    def take(self, inside: str, key: str) -> None:
        self.read.add(_INDEX.sub("", self.where(inside, key)))

    def value(self, node: dict[str, object], key: str, inside: str = "") -> object:
        found = node.get(key)
        if found is not None:
            self.take(inside, key)
        return found

    def number(
        self, node: dict[str, object], key: str, inside: str = "", *, whole: bool = False
    ) -> float | None:
        found = self.value(node, key, inside)
        if found is None:
            return None
        if isinstance(found, bool) or not isinstance(found, int | float) or not math.isfinite(found):
            raise DocumentError(f"{self.where(inside, key)}: {found!r} is not a number")
        if whole and not float(found).is_integer():
            raise DocumentError(f"{self.where(inside, key)}: {found!r} is not a whole number")
        return found

    def text(self, node: dict[str, object], key: str, inside: str = "") -> str | None:
        found = self.value(node, key, inside)
        if found is None or isinstance(found, str):
            return found or None
        raise DocumentError(f"{self.where(inside, key)}: {found!r} is not text")

    def objects(self, node: dict[str, object], key: str, inside: str = "") -> list[dict[str, object]]:
        """The objects of a list field (not counted as read: their fields are)."""
        found = node.get(key)
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise DocumentError(f"{self.where(inside, key)}: {found!r} is not a list of objects")
        return found

    def texts(self, node: dict[str, object], key: str, inside: str = "") -> list[str]:
        found = self.value(node, key, inside)
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(item, str) for item in found):
            raise DocumentError(f"{self.where(inside, key)}: {found!r} is not a list of texts")
        return [item for item in found if item]

    def section(self, node: dict[str, object], key: str, inside: str = "") -> dict[str, object]:
        found = node.get(key)
        if found is None:
            return {}
        if not isinstance(found, dict):
            raise DocumentError(f"{self.where(inside, key)}: {found!r} is not an object")
        return found


@dataclass(frozen=True, slots=True)
class Aspect:
    """One aspect of the data model: its key in a payload of several (and other names it goes
    by), the fields that tell it when it comes alone, its reader (our terms from the aspect) and
    its writer (the aspect from a passport, and the terms it took; the parts of those it could
    not hold go to the list it is given)."""

    key: str
    aliases: tuple[str, ...]
    markers: tuple[str, ...]
    read: Callable[[dict[str, object], Reading], dict[str, object]]
    write: Callable[[Mapping[str, object], list[str]], tuple[dict[str, object], set[str]]]


def enumerated(
    reading: Reading, node: dict[str, object], key: str, inside: str, table: dict[str, str]
) -> str | None:
    """An enumeration's value through ``table``; one the model does not list is refused."""
    found = reading.text(node, key, inside)
    if found is None:
        return None
    if found not in table:
        allowed = ", ".join(sorted(table))
        raise DocumentError(f"{reading.where(inside, key)}: {found!r} is not one of {allowed}")
    return table[found]


def quantity(value: float | None, unit: str) -> dict[str, object] | None:
    return None if value is None else {"value": value, "unit": unit}


def quantity_value(passport: Mapping[str, object], term: str, unit: str) -> float | None:
    """The figure of our quantity ``term`` in ``unit``: as it is, or converted from a unit of
    ``FACTORS`` (else None: not written, and named)."""
    found = passport.get(term)
    if not isinstance(found, dict):
        return None
    value = found.get("value")
    factor = 1.0 if found.get("unit") == unit else FACTORS.get((str(found.get("unit")), unit))
    if factor is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if factor == 1.0 else round(value * factor, 12)
