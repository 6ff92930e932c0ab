"""Readings and the checks each one passes before it is stored.

A ``Reading`` is one value of one data point at one time, from one event (``event_id``). The
checks: a known data point, an accepted unit, a value in range, a time not in the future beyond
a small skew (the clock is passed in). A failed check names the reading it refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from resolver.errors import InputError, ResolverError
from resolver.lifecycle.datapoints import DataPoint, data_point_named

__all__ = [
    "Clock",
    "InvalidReading",
    "Reading",
    "ReadingCheck",
    "StoredEvent",
    "format_time",
    "parse_time",
]

Clock = Callable[[], float]


class InvalidReading(ResolverError):
    """422: a reading the node will not store; ``reading`` names it (index, data point, why)."""

    status = 422
    slug = "invalid-reading"
    title = "Reading refused"


# Readings and stored events are values, never changed once made, but not ``frozen``: a frozen
# dataclass sets each field through ``object.__setattr__`` (about 2 us per object, several per
# reading on the events POST path). ``unsafe_hash`` keeps them hashable by value.
@dataclass(slots=True, unsafe_hash=True)
class Reading:
    """One checked value. ``time`` is seconds since the epoch (UTC); ``label`` carries the
    kind of a negative event (``DeepDischarge``)."""

    data_point: str
    time: float
    value: float
    unit: str
    event_id: str
    label: str = ""


@dataclass(slots=True, unsafe_hash=True)
class StoredEvent:
    """One event as stored: its id, time, type, EPCIS JSON body and the readings it carried."""

    event_id: str
    time: float
    type: str
    body: bytes
    readings: tuple[Reading, ...]


def parse_time(text: object, where: str) -> float:
    """An RFC 3339 / ISO 8601 date-time with an offset, as seconds since the epoch."""
    if not isinstance(text, str):
        raise InputError(f"{where}: a time must be an ISO 8601 date-time string", reading=where)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"{where}: {text[:40]!r} is not an ISO 8601 date-time", reading=where) from err
    if parsed.tzinfo is None:
        raise InputError(f"{where}: {text[:40]!r} has no UTC offset (add Z or +hh:mm)", reading=where)
    return parsed.timestamp()


def format_time(seconds: float) -> str:
    """Seconds since the epoch as an ISO 8601 UTC date-time (milliseconds, ``Z``)."""
    text = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class ReadingCheck:
    """Checks raw readings against the data-point catalogue and the clock.

    ``skew``: seconds a reading's time may lie ahead of the node's clock (device clocks drift).
    """

    def __init__(self, clock: Clock, *, skew: float = 300.0) -> None:
        self._clock = clock
        self._skew = skew

    def check(
        self,
        where: str,
        data_point: str,
        time: float,
        value: object,
        unit: object,
        event_id: str,
        label: str = "",
    ) -> Reading:
        """A ``Reading``, or InvalidReading naming ``where`` and what is wrong."""
        found = data_point_named(data_point) if isinstance(data_point, str) else None
        if found is None:
            raise InvalidReading(f"{where}: unknown data point {str(data_point)[:60]!r}", reading=where)
        if time > self._clock() + self._skew:
            raise InvalidReading(
                f"{where}: {found.name} is dated {format_time(time)}, in the future", reading=where
            )
        number = _number(where, found, value)
        unit_code = _unit(where, found, unit)
        return Reading(found.name, time, number, unit_code, event_id, label)

    def check_all(self, items: Sequence[tuple[str, str, float, object, object, str, str]]) -> list[Reading]:
        return [self.check(*item) for item in items]


_NUMBERS = (int, float, str)  # a tuple: isinstance on a union type costs several times more


def _number(where: str, dp: DataPoint, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, _NUMBERS):
        raise InvalidReading(f"{where}: {dp.name} value must be a number", reading=where)
    try:
        number = float(value)
    except ValueError as err:
        raise InvalidReading(
            f"{where}: {dp.name} value {str(value)[:30]!r} is not a number", reading=where
        ) from err
    if not math.isfinite(number):
        raise InvalidReading(f"{where}: {dp.name} value must be finite", reading=where)
    if not dp.low <= number <= dp.high:
        raise InvalidReading(
            f"{where}: {dp.name} value {number:g} is outside {dp.low:g}..{dp.high:g}", reading=where
        )
    if dp.integer and number != int(number):
        raise InvalidReading(f"{where}: {dp.name} value {number:g} must be a whole number", reading=where)
    return number


def _unit(where: str, dp: DataPoint, unit: object) -> str:
    code = "" if unit is None else unit
    if code not in dp.units:
        accepted = ", ".join(repr(u) if u else "none" for u in dp.units)
        raise InvalidReading(
            f"{where}: {dp.name} unit {str(code)[:20]!r} is not accepted (accepted: {accepted})",
            reading=where,
        )
    return dp.units[0]
