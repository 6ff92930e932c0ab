"""The dynamic data points a battery reports over its life: name, vocabulary term, units, range.

A reading names a data point by its compact name (``stateOfCertifiedEnergy``), by the
OpenEPCIS term (``eubat:hasStateOfCertifiedEnergy``) or by the EPCIS measurement type
(``Temperature``). Its access tier comes from the profile's vocabulary (``tier_of``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = [
    "DATA_POINTS",
    "NEGATIVE_EVENT",
    "NEGATIVE_EVENT_TYPES",
    "SEVERITIES",
    "DataPoint",
    "data_point_named",
    "tier_of",
]

EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
BP = "https://w3id.org/battery-passport/eu-battery#"
GS1 = "https://gs1.org/voc/"

NEGATIVE_EVENT = "negativeEvent"

# eubat:NegativeEventType (OpenEPCIS battery ontology), the one list of kinds we accept.
NEGATIVE_EVENT_TYPES = (
    "Accident",
    "PhysicalDamage",
    "ThermalEvent",
    "ElectricalFault",
    "WaterIngress",
    "Overcharge",
    "DeepDischarge",
    "ShortCircuit",
)
# eubat:IncidentSeverity, in increasing order; a negative event's reading value is its rank.
SEVERITIES = ("Minor", "Moderate", "Major", "Critical")


@dataclass(frozen=True, slots=True)
class DataPoint:
    """One dynamic data point.

    ``units``: UN/CEFACT common codes accepted (the first is the one stored); ``""`` means
    a count without a unit. ``tier_term``: the vocabulary term whose tier applies when
    ``iri`` itself is not in the profile (OpenEPCIS terms our vocabulary does not carry).
    """

    name: str
    iri: str
    units: tuple[str, ...]
    low: float
    high: float
    eu_data_points: tuple[int, ...]
    tier_term: str | None = None
    integer: bool = False


DATA_POINTS: Mapping[str, DataPoint] = {
    dp.name: dp
    for dp in (
        DataPoint("stateOfCertifiedEnergy", EUBAT + "hasStateOfCertifiedEnergy", ("P1",), 0, 120, (61,)),
        DataPoint(
            "stateOfHealth", EUBAT + "hasStateOfHealth", ("P1",), 0, 120, (61,),
            tier_term=EUBAT + "hasStateOfCertifiedEnergy",
        ),
        DataPoint("capacityFade", EUBAT + "hasCapacityFade", ("P1",), 0, 100, (52,)),
        DataPoint("remainingCapacity", EUBAT + "hasRemainingCapacity", ("AMH",), 0, 1e6, (62,)),
        DataPoint(
            "remainingEnergy", EUBAT + "hasRemainingEnergy", ("KWH",), 0, 1e6, (62,),
            tier_term=EUBAT + "hasRemainingCapacity",
        ),
        DataPoint("currentRatedCapacity", BP + "currentRatedCapacity", ("AMH",), 0, 1e6, (51,)),
        DataPoint("powerCapability", EUBAT + "hasPowerCapability", ("KWT",), 0, 1e5, (53,)),
        DataPoint("powerFade", EUBAT + "hasPowerFade", ("P1",), 0, 100, (54,)),
        DataPoint("internalResistance", EUBAT + "hasInternalResistance", ("OHM",), 0, 1e4, (55, 66)),
        DataPoint(
            "internalResistanceIncrease", EUBAT + "hasInternalResistanceIncrease", ("P1",), 0, 1000, (56,)
        ),
        DataPoint("roundTripEfficiency", EUBAT + "roundTripEfficiency", ("P1",), 0, 100, (57,)),
        DataPoint(
            "expectedRemainingCycles", EUBAT + "expectedRemainingCycles", ("",), 0, 1e6, (59,), integer=True
        ),
        DataPoint("cycleCount", EUBAT + "numberOfFullCycles", ("", "C62"), 0, 1e6, (68,), integer=True),
        DataPoint(
            "energyThroughput", EUBAT + "hasEnergyThroughput", ("KWH",), 0, 1e9, (68,),
            tier_term=EUBAT + "numberOfFullCycles",
        ),
        DataPoint("stateOfCharge", EUBAT + "hasStateOfCharge", ("P1",), 0, 100, (71,)),
        DataPoint(
            "temperature", GS1 + "Temperature", ("CEL",), -80, 200, (70,),
            tier_term=EUBAT + "timeSpentInExtremeTemperaturesAboveBoundary",
        ),
        DataPoint(
            "timeAboveTemperatureBoundary", EUBAT + "timeSpentInExtremeTemperaturesAboveBoundary",
            ("HUR",), 0, 1e6, (70,),
        ),
        DataPoint(
            "timeBelowTemperatureBoundary", EUBAT + "timeSpentInExtremeTemperaturesBelowBoundary",
            ("HUR",), 0, 1e6, (70,),
        ),
        DataPoint(
            NEGATIVE_EVENT, EUBAT + "hasNegativeEvents", ("",), 1, len(SEVERITIES), (69,), integer=True
        ),
    )
}  # fmt: skip

_ALIASES: dict[str, str] = {}
for _dp in DATA_POINTS.values():
    _local = _dp.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    _ALIASES[_dp.name] = _dp.name
    _ALIASES[_dp.iri] = _dp.name
    _ALIASES["eubat:" + _local] = _dp.name
    _ALIASES[_local] = _dp.name
_ALIASES["Temperature"] = "temperature"
_ALIASES["gs1:Temperature"] = "temperature"
_ALIASES["eubat:hasCycleCount"] = "cycleCount"  # the OpenEPCIS state-of-health event's term


def data_point_named(name: str) -> DataPoint | None:
    """The data point a reading or an EPCIS sensor report names, or None."""
    found = _ALIASES.get(name)
    return DATA_POINTS[found] if found is not None else None


def tier_of(profile: Profile, data_point: DataPoint) -> Tier:
    """The access tier of a data point, from the profile (fail closed: the highest tier)."""
    term = data_point.iri if data_point.iri in profile.properties else data_point.tier_term
    if term is None:
        return max(Tier)
    tier = profile.tier_of(term)
    return tier if tier is not None else max(Tier)
