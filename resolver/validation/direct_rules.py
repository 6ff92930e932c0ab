"""The eu-battery profile's SPARQL rules (shapes/eu-battery/rules.ttl) as walks over the fast
check's index, for the verdict "this rule reports nothing here" without a SPARQL query.

A walk answers True only when it is certain the query would give no row for the focus node;
anything it cannot decide exactly (a value of an unexpected kind, a date this year, a GS1 Digital
Link identifier, a number near a bound) is False, and the query runs as before. So a walk can
only save a query, never change a verdict, and every report is still pyshacl's. Each walk is
bound to the SHA-256 of the query text it was written for: a rule whose text changes (the
generator, vocab/eu-battery/build.py) runs as SPARQL until its walk is written again
(tests/validation/test_direct_rules.py holds the two together).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

import rdflib
from rdflib.term import Node

from resolver import jsonld

__all__ = ["Index", "RuleWalk", "walk_for"]

# subject -> predicate -> objects: the fast check's index of one passport (shacl_core._Index),
# its literals with the lexical form the query sees (as resolver.jsonld.rdflib_triples and
# rdflib_triples_of_lines make them: never rewritten by rdflib's normalisation).
Index = Mapping[Node, Mapping[Node, set[Node]]]
# (index, focus node) -> True when the rule certainly reports nothing for the focus node.
RuleWalk = Callable[[Index, Node], bool]

_EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
_GS1 = "https://ref.gs1.org/voc/"
_BP = "https://w3id.org/battery-passport/eu-battery#"
_CAT = "https://w3id.org/eudpp/battery-categories#"
_STAT = "https://w3id.org/eudpp/battery-statuses#"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _iri(text: str) -> rdflib.URIRef:
    return jsonld.intern_iri(text)


def _eubat(name: str) -> rdflib.URIRef:
    return _iri(_EUBAT + name)


_VALUE = _iri(_GS1 + "value")
_UNIT = _iri(_GS1 + "unitCode")
_CATEGORY = _iri("https://schema.org/category")
_EV, _LMT = _iri(_CAT + "ElectricVehicleBattery"), _iri(_CAT + "LMTBattery")
_INDUSTRIAL, _STATIONARY = _iri(_CAT + "IndustrialBattery"), _iri(_BP + "StationaryStorageBattery")
_DOUBLE, _DATE, _DATE_TIME = _iri(_XSD + "double"), _iri(_XSD + "date"), _iri(_XSD + "dateTime")
_STRING = _iri(_XSD + "string")
_BOOLEAN = _iri(_XSD + "boolean")

_EMPTY: Mapping[Node, set[Node]] = {}


def _objects(index: Index, subject: Node, predicate: Node) -> set[Node] | tuple[()]:
    return index.get(subject, _EMPTY).get(predicate) or ()


def _path_values(index: Index, subject: Node, first: Node, second: Node) -> list[Node]:
    return [value for node in _objects(index, subject, first) for value in _objects(index, node, second)]


def _plain(term: Node, text: str) -> bool:
    """``term`` is the simple literal ``text`` (as ``"P1"`` in a query)."""
    return (
        isinstance(term, rdflib.Literal)
        and term.language is None
        and term.datatype in (None, _STRING)
        and str(term) == text
    )


def _double(term: Node) -> float | None:
    """The value of an xsd:double literal with a finite value, else None (undecided)."""
    if not isinstance(term, rdflib.Literal) or term.datatype != _DOUBLE:
        return None
    try:
        number = float(str(term))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# --- rule-identity ------------------------------------------------------------------------------

_PASSPORT_ID = _eubat("batteryPassportIdentifier")
_SERIAL, _BATCH = _iri(_GS1 + "hasSerialNumber"), _iri(_GS1 + "hasBatchLotNumber")
_HAZARDOUS, _CAS = _eubat("hasHazardousSubstances"), _eubat("substanceCasNumber")
_CHEMISTRY, _LEAD = _eubat("hasBatteryChemistry"), _eubat("leadSymbolRequired")
_PB = _iri("https://w3id.org/eudpp/battery-chemistries#Pb")
_TRUE = rdflib.Literal("true", datatype=_BOOLEAN)
_STATUS, _PREVIOUS = _iri("https://schema.org/status"), _iri("https://w3id.org/eudpp#linkToPreviousDPP")
_SECOND_LIFE = frozenset(_iri(_STAT + name) for name in ("ReUsed", "Repurposed", "Remanufactured"))
_CAS_FORM = re.compile(r"[0-9]{2,7}-[0-9]{2}-[0-9]")


def _identity(index: Index, this: Node) -> bool:
    props = index.get(this, _EMPTY)
    me = str(this)
    for value in props.get(_PASSPORT_ID, ()):
        if not isinstance(value, rdflib.BNode) and str(value) != me:  # STR of a blank node: no row
            return False
    if not props.get(_SERIAL) and not props.get(_BATCH):
        return False
    if "01/" in me:  # may be a GS1 Digital Link: its GTIN check digit is the query's to judge
        return False
    for value in _path_values(index, this, _HAZARDOUS, _CAS):
        # REGEX of an IRI or blank node is an error (no row); a literal of another form, no row.
        if isinstance(value, rdflib.Literal) and _CAS_FORM.fullmatch(str(value)) and not _cas_ok(str(value)):
            return False
    if _PB in props.get(_CHEMISTRY, ()) and _TRUE not in props.get(_LEAD, ()):
        return False
    predecessors = props.get(_PREVIOUS, ())
    if not predecessors and any(status in _SECOND_LIFE for status in props.get(_STATUS, ())):
        return False
    return this not in predecessors


def _cas_ok(cas: str) -> bool:
    digits = cas[:-2].replace("-", "").rjust(9, "0")
    total = sum((9 - i) * int(digit) for i, digit in enumerate(digits))
    return total % 10 == int(cas[-1])


# --- rule-dates ---------------------------------------------------------------------------------

_PRODUCTION_DATE = _iri(_GS1 + "productionDate")
_NEGATIVE_EVENTS, _EVENT_DATE = _eubat("hasNegativeEvents"), _eubat("eventDate")
_YEAR_FIRST = re.compile(r"-?[0-9]{4,}-[0-9]{2}")
_SAFE_DATE = re.compile(r"([0-9]{4})-[0-9A-Za-z:+.\-]*")
_DATE_FORM = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?")
_DATE_TIME_FORM = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _dates(index: Index, this: Node) -> bool:
    # Two days back: the query's NOW() comes later (its bounds only grow), in whatever time zone.
    before = datetime.now(UTC) - timedelta(days=2)
    for value in _objects(index, this, _PRODUCTION_DATE):
        if not _date_clear(value, before, event=False):
            return False
    return all(
        _date_clear(value, before, event=True)
        for value in _path_values(index, this, _NEGATIVE_EVENTS, _EVENT_DATE)
    )


def _date_clear(value: Node, before: datetime, *, event: bool) -> bool:
    """No row of the date branches for ``value``: its year from 1900 on and not in the future
    (``before``: two days ago), and the lexical form of its date type."""
    if not isinstance(value, rdflib.Literal):
        return False  # STR of an IRI takes part: the query decides
    text = str(value)
    if _YEAR_FIRST.match(text):
        found = _SAFE_DATE.fullmatch(text)
        if found is None:
            return False
        year, today = int(found.group(1)), before.date().isoformat()
        if year < 1900 or year > before.year:
            return False
        if event and year == before.year and not _past_date_time(value, before):
            return False
        if not event and text > today:
            return False
    if value.datatype == _DATE and not _DATE_FORM.fullmatch(text):
        return False
    return not (value.datatype == _DATE_TIME and not _DATE_TIME_FORM.fullmatch(text))


def _past_date_time(value: rdflib.Literal, before: datetime) -> bool:
    """An xsd:dateTime well before the query's NOW() (with or without a time zone: ±14 hours)."""
    if value.datatype != _DATE_TIME or not _DATE_TIME_FORM.fullmatch(str(value)):
        return False
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)) < before


# --- rule-quantities ----------------------------------------------------------------------------

_FOOTPRINT = _eubat("hasCarbonFootprintDeclaration")
_STAGES = tuple(
    _eubat("hasCarbonFootprint" + stage)
    for stage in ("RawMaterialExtraction", "Production", "Distribution", "Recycling", "Total")
)
_RATED, _CURRENT_RATED = _eubat("hasRatedCapacity"), _iri(_BP + "currentRatedCapacity")
_REMAINING, _REMAINING_POWER = _eubat("hasRemainingCapacity"), _eubat("hasRemainingPowerCapability")
_MIN_V, _MAX_V = _eubat("hasMinimumVoltage"), _eubat("hasMaximumVoltage")
_NOMINAL_V = _eubat("hasNominalVoltage")
_IDLE = _eubat("hasTemperatureRangeIdleState")
_MIN_T, _MAX_T = _eubat("hasMinimumTemperature"), _eubat("hasMaximumTemperature")
_MARGIN = 1e-9  # relative: a sum this close to its tolerance is left to the query


def _numbers(values: Iterable[Node]) -> list[float] | None:
    out = []
    for value in values:
        number = _double(value)
        if number is None:
            return None
        out.append(number)
    return out


def _quantity_values(index: Index, this: Node, predicate: Node) -> list[float] | None:
    return _numbers(_path_values(index, this, predicate, _VALUE))


def _in_unit(index: Index, this: Node, predicate: Node, unit: str) -> list[float] | None:
    """The gs1:value of each quantity under ``predicate`` whose unit is ``unit``."""
    nodes = [
        node
        for node in _objects(index, this, predicate)
        if any(_plain(found, unit) for found in _objects(index, node, _UNIT))
    ]
    return _numbers(value for node in nodes for value in _objects(index, node, _VALUE))


def _ordered(low: list[float] | None, high: list[float] | None) -> bool:
    """No row of a "low above high" rule: one side has no value (the pattern does not match),
    or every low <= every high (an exact comparison of doubles, as the query's); None: undecided."""
    if low == [] or high == []:
        return True
    if low is None or high is None:
        return False
    return all(a <= b for a in low for b in high)


def _quantities(index: Index, this: Node) -> bool:
    for declaration in _objects(index, this, _FOOTPRINT):
        stages = [_numbers(_path_values(index, declaration, stage, _VALUE)) for stage in _STAGES]
        if not _footprint_clear(stages):
            return False
    for predicate in (_REMAINING, _REMAINING_POWER):
        percents = _in_unit(index, this, predicate, "P1")
        if percents is None or not all(0 <= value <= 100 for value in percents):
            return False
    rated = _quantity_values(index, this, _RATED)
    if not all(_ordered(_in_unit(index, this, p, "AMH"), rated) for p in (_CURRENT_RATED, _REMAINING)):
        return False
    nominal = _quantity_values(index, this, _NOMINAL_V)
    if not _ordered(_quantity_values(index, this, _MIN_V), nominal):
        return False
    if not _ordered(nominal, _quantity_values(index, this, _MAX_V)):
        return False
    return all(
        _ordered(
            _numbers(_path_values(index, idle, _MIN_T, _VALUE)),
            _numbers(_path_values(index, idle, _MAX_T, _VALUE)),
        )
        for idle in _objects(index, this, _IDLE)
    )


def _footprint_clear(stages: list[list[float] | None]) -> bool:
    """The stages of one declaration add up to its total (every combination of their values)."""
    if any(values == [] for values in stages):
        return True  # a stage missing: the query's pattern does not match
    if any(values is None for values in stages):
        return False
    a_, b_, c_, d_, totals = (values or [] for values in stages)
    for total in totals:
        tolerance = total * 0.01 if total * 0.01 > 0.01 else 0.01
        for a in a_:
            for b in b_:
                for c in c_:
                    for d in d_:
                        if abs(a + b + c + d - total) > tolerance * (1 - _MARGIN):
                            return False
    return True


# --- rule-categories and rule-notToBeFilled -----------------------------------------------------

_EV_LMT_REQUIRED = tuple(
    _iri(iri)
    for iri in (
        _EUBAT + "expectedNumberOfCycles",
        _EUBAT + "lifetimeReferenceTest",
        _EUBAT + "roundTripEnergyEfficiency",
        _EUBAT + "roundTripEfficiencyAt50PercentCycleLife",
        _EUBAT + "cRateLifeCycleTest",
        _BP + "currentRatedCapacity",
        _EUBAT + "hasCapacityFade",
        _EUBAT + "hasPowerCapability",
        _EUBAT + "hasPowerFade",
        _EUBAT + "hasInternalResistance",
        _EUBAT + "hasInternalResistanceIncrease",
        _EUBAT + "expectedRemainingCycles",
        _EUBAT + "expectedLifetimeYears",
    )
)
_THRESHOLD, _CERTIFIED = _eubat("capacityThresholdForExhaustion"), _eubat("hasStateOfCertifiedEnergy")
_EV_REQUIRED = (_THRESHOLD, _CERTIFIED)
_ROUND_TRIP = _eubat("hasRemainingRoundTripEfficiency")
_SELF_DISCHARGE = _eubat("hasCurrentSelfDischargingRate")
_LMT_REQUIRED = (_REMAINING, _REMAINING_POWER, _ROUND_TRIP, _SELF_DISCHARGE)


def _categories(index: Index, this: Node) -> bool:
    props = index.get(this, _EMPTY)
    categories = props.get(_CATEGORY, ())
    required: list[Node] = []
    if _EV in categories or _LMT in categories:
        required.extend(_EV_LMT_REQUIRED)
    if _EV in categories:
        required.extend(_EV_REQUIRED)
    if _LMT in categories:
        required.extend(_LMT_REQUIRED)
    return all(props.get(predicate) for predicate in required)


# (categories, predicate): a data point the guidance says not to fill for those categories.
_NOT_TO_BE_FILLED = (
    (frozenset({_EV, _INDUSTRIAL, _LMT, _STATIONARY}), _eubat("hasMaterialComposition")),
    (frozenset({_INDUSTRIAL, _LMT, _STATIONARY}), _THRESHOLD),
    (frozenset({_INDUSTRIAL, _LMT, _STATIONARY}), _CERTIFIED),
    *((frozenset({_EV}), predicate) for predicate in _LMT_REQUIRED),
)


def _not_to_be_filled(index: Index, this: Node) -> bool:
    props = index.get(this, _EMPTY)
    categories = props.get(_CATEGORY, ())
    return not any(
        props.get(predicate) and any(category in categories for category in among)
        for among, predicate in _NOT_TO_BE_FILLED
    )


# SHA-256 of each query's text (sh:select) -> its walk.
_WALKS: dict[str, RuleWalk] = {
    "0c575de89aa9e6eb76dc9c7894996973923707790b412fd5916110d0ef30c09e": _identity,
    "f42226b8b66452af3f745e9711604e8700db401a2f143cbd9811baccb14d3972": _dates,
    "08cabdd25f1c3d4fb6de1f1a9deef79932a15ed96c6d2aff10b650f71ca8821e": _quantities,
    "0995de973e5d34ed50e43e690ac8ad741ef060edbdb92ce9a7aaa5ac8d3f894d": _categories,
    "421d764465ad59603201b7a32647e4af53bbfc5eca079b6dcc8ccd8597ebfd9c": _not_to_be_filled,
}


def walk_for(select_text: str) -> RuleWalk | None:
    """The walk written for exactly this query text, or None (the query runs). A walk answers
    False for a focus node that is not an IRI."""
    walk = _WALKS.get(hashlib.sha256(select_text.encode()).hexdigest())
    if walk is None:
        return None

    def named(index: Index, focus: Node) -> bool:
        return isinstance(focus, rdflib.URIRef) and walk(index, focus)

    return named
