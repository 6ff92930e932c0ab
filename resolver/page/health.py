"""What the page shows of a battery's life: its state of health over time, the current rating
and its warnings, read through the lifecycle service (``resolver.lifecycle.service``).

``PageHealthSource.read`` gathers it for one passport and tier: nothing (None) when the node
has no lifecycle part or the tier may not see the health data point (the page then names it
as hidden, as it does every hidden data point). What it returns carries the event revision,
so a page cached per passport version is made again when new readings arrive.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resolver.errors import Gone, NotFound
from resolver.lifecycle.datapoints import DATA_POINTS, tier_of
from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.readings import Reading, format_time
from resolver.lifecycle.service import LifecycleService
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["CHART_POINTS", "HealthPoint", "PageHealth", "PageHealthSource", "PageWarning", "sample"]

CHART_POINTS = 60  # points drawn at most: the last reading of each of up to 60 equal time spans
KEPT = 4096  # passports whose page health this process keeps (per passport version and revision)
WARNINGS_SHOWN = 10  # the newest warnings listed on the page
_SOURCES = ("stateOfCertifiedEnergy", "stateOfHealth")
_TIER_POINT = "stateOfCertifiedEnergy"  # the data point whose tier the health rating has


@dataclass(frozen=True, slots=True)
class HealthPoint:
    time: float  # seconds since the epoch, UTC
    value: float  # percent


@dataclass(frozen=True, slots=True)
class PageWarning:
    rule: str
    severity: str
    time: str  # ISO date-time of what raised it
    message: str
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class PageHealth:
    """The state of health series (sampled), the rating's headline figures and the warnings."""

    revision: int
    data_point: str  # the series drawn: stateOfCertifiedEnergy, else stateOfHealth
    readings: int  # readings in the series (not only those drawn)
    points: tuple[HealthPoint, ...]
    grade: str  # A, B, C, "not suitable" or "not enough data"
    grade_reasons: tuple[str, ...]
    fade_per_year: float | None  # percentage points lost per year (None: not enough data)
    fade_per_100_cycles: float | None
    remaining_kwh: float | None
    warnings: tuple[PageWarning, ...]
    warnings_total: int


def sample(readings: Sequence[Reading], limit: int = CHART_POINTS) -> tuple[HealthPoint, ...]:
    """At most ``limit`` points of ``readings`` (oldest first): the first reading, then the last
    in each of ``limit - 1`` equal spans of time (so the newest reading is always the last)."""
    if len(readings) <= limit:
        return tuple(HealthPoint(r.time, r.value) for r in readings)
    spans = limit - 1
    start, end = readings[0].time, readings[-1].time
    width = (end - start) / spans or 1.0
    chosen: dict[int, Reading] = {}
    for reading in readings:
        chosen[min(int((reading.time - start) / width), spans - 1)] = reading
    first = readings[0]
    points = [HealthPoint(first.time, first.value)]
    points += [HealthPoint(r.time, r.value) for _, r in sorted(chosen.items()) if r is not first]
    return tuple(points)


class PageHealthSource:
    """Reads a passport's health for the page through ``service``; ``profile`` gives the tier
    of the health data (the tier of state of certified energy, as ``/{id}/health`` uses)."""

    def __init__(self, service: LifecycleService, profile: Profile) -> None:
        self._service = service
        self.tier = tier_of(profile, DATA_POINTS[_TIER_POINT])
        self._kept: OrderedDict[str, tuple[tuple[int, int], PageHealth]] = OrderedDict()

    async def revision(self, handle: str, tier: Tier) -> int | None:
        """The event revision of ``handle`` when ``tier`` may see its health, else None."""
        if tier < self.tier:
            return None
        return await self._service.events.revision(handle)

    async def read(self, handle: str, tier: Tier, version: int) -> PageHealth | None:
        """The page's health section data for version ``version`` of the passport, or None when
        ``tier`` may not see it or there is no live passport. Read again only when the passport
        version or the event revision changed."""
        revision = await self.revision(handle, tier)
        if revision is None:
            return None
        kept = self._kept.get(handle)
        if kept is not None and kept[0] == (version, revision):
            self._kept.move_to_end(handle)
            return kept[1]
        found = await self._read(handle, revision)
        if found is not None:
            self._kept[handle] = ((version, revision), found)
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return found

    async def _read(self, handle: str, revision: int) -> PageHealth | None:
        try:
            rating = await self._service.health(handle)
        except (NotFound, Gone):
            return None
        events = self._service.events
        source, series = _SOURCES[0], await events.series(handle, _SOURCES[0])
        if not series:
            source, series = _SOURCES[1], await events.series(handle, _SOURCES[1])
        warnings = await events.warnings(handle)
        grade = _mapping(rating.get("grade"))
        fade = _mapping(rating.get("fade"))
        return PageHealth(
            revision=revision,
            data_point=source,
            readings=len(series),
            points=sample(series),
            grade=str(grade.get("grade", "not enough data")),
            grade_reasons=tuple(str(x) for x in _sequence(grade.get("reasons"))),
            fade_per_year=_rate(fade.get("perYear")),
            fade_per_100_cycles=_rate(fade.get("per100Cycles")),
            remaining_kwh=_number(_mapping(rating.get("remainingEnergy")).get("value")),
            warnings=tuple(_warning(w) for w in reversed(warnings[-WARNINGS_SHOWN:])),
            warnings_total=len(warnings),
        )


def _warning(warning: Warning) -> PageWarning:
    return PageWarning(
        warning.rule, warning.severity, format_time(warning.time), warning.message, bool(warning.acked_by)
    )


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rate(fit: object) -> float | None:
    return _number(_mapping(fit).get("rate"))
