"""The dynamic values a reader of a passport sees: each data point's latest reading, per tier.

``latest_values`` gives, for every dynamic data point the caller's tier may see, its latest
reading (``at``: the latest reading not after that time, so the values current then).
``page_health`` is what the HTML page shows of the health rating, or None when the page's
tier may not see it. Both are plain functions of the lifecycle's parts, for any view to call.
"""

from __future__ import annotations

from resolver.errors import NotFound
from resolver.jsontypes import JSONObject
from resolver.lifecycle.datapoints import DATA_POINTS, NEGATIVE_EVENT, SEVERITIES, tier_of
from resolver.lifecycle.eventstore import EventStore
from resolver.lifecycle.health import grade_of
from resolver.lifecycle.readings import Reading, format_time
from resolver.lifecycle.service import LifecycleService
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["HEALTH_TIER_POINT", "latest_values", "page_health"]

# The health rating is as private as the state of certified energy it is computed from.
HEALTH_TIER_POINT = "stateOfCertifiedEnergy"


async def latest_values(
    events: EventStore, profile: Profile, handle: str, tier: Tier, *, at: float | None = None
) -> JSONObject:
    """``{"dataPoint": {"value", "unit", "time", "eventID"}}`` for each data point with a
    reading that ``tier`` may see; data points of a higher tier are left out, not masked."""
    shown: JSONObject = {}
    for name, point in DATA_POINTS.items():
        if tier_of(profile, point) > tier:
            continue
        reading = await events.latest(handle, name, at=at)
        if reading is not None:
            shown[name] = _value(reading)
    return shown


def _value(reading: Reading) -> JSONObject:
    value: JSONObject = {
        "value": reading.value,
        "time": format_time(reading.time),
        "eventID": reading.event_id,
    }
    if reading.data_point == NEGATIVE_EVENT:
        value = {**value, "eventType": reading.label, "severity": SEVERITIES[int(reading.value) - 1]}
        del value["value"]
    elif reading.unit:
        value["unit"] = reading.unit
    return value


async def page_health(
    service: LifecycleService, profile: Profile, handle: str, tier: Tier
) -> JSONObject | None:
    """The rating (``GET /{id}/health``'s body, plus ``grade`` as a plain string under
    ``secondLifeGrade``) for the page of ``tier``; None when that tier may not see it or the
    node holds no such passport."""
    if tier_of(profile, DATA_POINTS[HEALTH_TIER_POINT]) > tier:
        return None
    try:
        rating = await service.health(handle)
    except NotFound:
        return None
    rating["secondLifeGrade"] = grade_of(rating)
    return rating
