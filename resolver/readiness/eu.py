"""The EU market's requirements: the 71 data points of the Commission's guidance (read from the
profile's vocabulary, with their legal source, tier and applicability per battery category), and
the obligations with later dates (Batteries Regulation (EU) 2023/1542).

Dates used (the Regulation's own):

- Article 77(1): the battery passport from 18 February 2027;
- Article 8(2): minimum recycled shares from 18 August 2031 (Co 16 %, Pb 85 %, Li 6 %, Ni 6 %);
- Article 8(3): from 18 August 2036 (Co 26 %, Pb 85 %, Li 12 %, Ni 15 %);
- data points the guidance marks "pending" (carbon footprint declaration and class, Article 7;
  due diligence, Article 52; instructions for use) have no date until their delegated or
  implementing act is adopted: they are reported as mandatory later, date to be set.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import rdflib

from resolver.profile import PROFILE_ROOT, Profile
from resolver.tiers import TIER_IRI_BASE, Tier

__all__ = [
    "CATEGORIES",
    "MINIMUMS",
    "PASSPORT_FROM",
    "DataPoint",
    "RecycledMinimum",
    "data_points",
    "properties_by_point",
]

BP = rdflib.Namespace(TIER_IRI_BASE)
BATCAT = "https://w3id.org/eudpp/battery-categories#"
PASSPORT_FROM = datetime.date(2027, 2, 18)
PASSPORT_SOURCE = "BR Article 77 (1)"

# Category concept -> the short name the report uses.
CATEGORIES = {
    BATCAT + "ElectricVehicleBattery": "EV",
    BATCAT + "LMTBattery": "LMT",
    BATCAT + "IndustrialBattery": "industrial",
    TIER_IRI_BASE + "StationaryStorageBattery": "stationary",
}
_STATUS = {
    BP.Mandatory: "mandatory",
    BP.Optional: "optional",
    BP.Conditional: "conditional",
    BP.NotToBeFilled: "notToBeFilled",
    BP.Pending: "pending",
}


@dataclass(frozen=True, slots=True)
class DataPoint:
    number: int
    label: str
    source: str
    tier: Tier
    applicability: dict[str, tuple[str, str]]  # category -> (status, note)


@dataclass(frozen=True, slots=True)
class RecycledMinimum:
    """A minimum recycled share of Article 8 from a date."""

    element: str
    data_point: int
    term: str  # the property's IRI
    percent: float
    date: datetime.date
    source: str


_EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
_SHARES = {
    "cobalt": (20, _EUBAT + "cobaltRecycledShare", 16.0, 26.0),
    "lithium": (21, _EUBAT + "lithiumRecycledShare", 6.0, 12.0),
    "nickel": (22, _EUBAT + "nickelRecycledShare", 6.0, 15.0),
    "lead": (23, _EUBAT + "leadRecycledShare", 85.0, 85.0),
}
MINIMUMS: tuple[RecycledMinimum, ...] = tuple(
    RecycledMinimum(element, point, term, percent, date, source)
    for element, (point, term, first, second) in _SHARES.items()
    for percent, date, source in (
        (first, datetime.date(2031, 8, 18), "BR Article 8 (2)"),
        (second, datetime.date(2036, 8, 18), "BR Article 8 (3)"),
    )
)


@functools.cache
def data_points() -> tuple[DataPoint, ...]:
    """The guidance's data points as the profile's vocabulary states them, by number."""
    graph = rdflib.Graph()
    graph.parse(PROFILE_ROOT / "vocab" / "eu-battery" / "vocab.ttl", format="turtle")
    points = []
    for node in graph.subjects(rdflib.RDF.type, BP.DataPoint):
        applicability = {}
        for entry in graph.objects(node, BP.applicability):
            category = CATEGORIES.get(str(graph.value(entry, BP.category)))
            status = _STATUS.get(rdflib.URIRef(str(graph.value(entry, BP.status))))
            if category and status:
                applicability[category] = (status, str(graph.value(entry, BP.note) or ""))
        tier_iri = graph.value(node, BP.accessTier)
        points.append(
            DataPoint(
                number=int(str(graph.value(node, BP.number))),
                label=str(graph.value(node, rdflib.RDFS.label)),
                source=str(graph.value(node, BP.legalSource) or "Commission guidance v1.0"),
                tier=_tier(str(tier_iri)),
                applicability=applicability,
            )
        )
    return tuple(sorted(points, key=lambda p: p.number))


def _tier(iri: str) -> Tier:
    return {
        TIER_IRI_BASE + "PublicTier": Tier.PUBLIC,
        TIER_IRI_BASE + "LegitimateInterestTier": Tier.LEGITIMATE_INTEREST,
    }.get(iri, Tier.AUTHORITY)


@functools.cache
def properties_by_point() -> dict[int, frozenset[str]]:
    """Data point -> the property IRIs that implement it (from the profile's vocabulary)."""
    found: dict[int, set[str]] = {}
    for iri, info in Profile.load().properties.items():
        for point in info.data_points:
            found.setdefault(point, set()).add(iri)
    return {point: frozenset(iris) for point, iris in found.items()}
