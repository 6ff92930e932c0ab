"""The compact JSON batch a BMS gateway sends: one object per reading.

    [{"dataPoint": "stateOfCertifiedEnergy", "time": "2026-05-01T10:00:00Z", "value": 93.1,
      "unit": "P1", "eventID": "urn:uuid:..."}, ...]

``eventID`` is optional (a hash of the reading stands in); a negative event gives
``eventType`` (and ``severity``) instead of a value. Each reading is stored as a short JSON
array and read back as one EPCIS ``ObjectEvent`` (``expand``), so every reading reads back as
EPCIS whatever way it came in, without storing the EPCIS text of each.
"""

from __future__ import annotations

import hashlib

import orjson

from resolver.errors import InputError
from resolver.jsontypes import JSONObject
from resolver.lifecycle.datapoints import DATA_POINTS, NEGATIVE_EVENT, NEGATIVE_EVENT_TYPES, SEVERITIES
from resolver.lifecycle.readings import Reading, ReadingCheck, StoredEvent, format_time, parse_time

__all__ = ["MAX_BATCH", "expand", "parse_compact"]

MAX_BATCH = 10_000
_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS = {"dataPoint", "time", "value", "unit", "eventID", "eventType", "severity"}


def parse_compact(items: object, *, check: ReadingCheck, epc: str) -> list[StoredEvent]:
    """One stored event per item; ``epc`` is the passport's identifier (the event's epcList)."""
    if not isinstance(items, list) or not items:
        raise InputError("a compact batch is a non-empty JSON array of readings")
    if len(items) > MAX_BATCH:
        raise InputError(f"a batch holds at most {MAX_BATCH} readings; this one holds {len(items)}")
    return [_one(f"reading {i}", item, check, epc) for i, item in enumerate(items)]


def _one(where: str, item: object, check: ReadingCheck, epc: str) -> StoredEvent:
    if not isinstance(item, dict):
        raise InputError(f"{where}: a reading is a JSON object", reading=where)
    if not _KEYS.issuperset(item):
        unknown = set(item) - _KEYS
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))[:100]}", reading=where)
    # Exact types (orjson gives no subclasses; bool is refused later as a value): a set lookup
    # per value, cheaper than isinstance in a generator, and this runs for every value.
    for value in item.values():
        if type(value) not in _SCALARS:
            raise InputError(f"{where}: every value of a reading is a string or a number", reading=where)
    name = item.get("dataPoint")
    where = f"{where} ({str(name)[:40]})"
    time = parse_time(item.get("time"), where)
    label = ""
    value = item.get("value")
    if name == NEGATIVE_EVENT:
        label, value = _negative(where, item)
    event_id = item.get("eventID")
    if event_id is None:
        key = orjson.dumps([name, item.get("time"), value, item.get("unit"), label])
        event_id = "ni:///sha-256;" + hashlib.sha256(key).hexdigest() + "?ver=passport-node"
    elif not isinstance(event_id, str) or not 0 < len(event_id) <= 256:
        raise InputError(f"{where}: eventID must be a string of 1 to 256 characters", reading=where)
    reading = check.check(where, str(name), time, value, item.get("unit"), event_id, label)
    body = orjson.dumps([reading.data_point, reading.value, reading.unit, label, epc])
    return StoredEvent(event_id, time, "ObjectEvent", body, (reading,))


def _negative(where: str, item: dict[str, object]) -> tuple[str, int]:
    kind = item.get("eventType")
    if kind not in NEGATIVE_EVENT_TYPES:
        raise InputError(
            f"{where}: eventType must be one of {', '.join(NEGATIVE_EVENT_TYPES)}", reading=where
        )
    severity = item.get("severity", "Moderate")
    if severity not in SEVERITIES:
        raise InputError(f"{where}: severity must be one of {', '.join(SEVERITIES)}", reading=where)
    return str(kind), SEVERITIES.index(severity) + 1


def expand(body: bytes, event_id: str, time: float) -> JSONObject:
    """The EPCIS ``ObjectEvent`` of a stored compact reading."""
    data_point, value, unit, label, epc = orjson.loads(body)
    return _epcis(Reading(data_point, time, value, unit, event_id, label), epc)


def _epcis(reading: Reading, epc: str) -> JSONObject:
    event: JSONObject = {
        "type": "ObjectEvent",
        "eventID": reading.event_id,
        "eventTime": format_time(reading.time),
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "epcList": [epc],
    }
    if reading.data_point == NEGATIVE_EVENT:
        event["eubat:hasEventType"] = reading.label
        event["eubat:hasIncidentSeverity"] = SEVERITIES[int(reading.value) - 1]
    else:
        iri = DATA_POINTS[reading.data_point].iri
        term = "eubat:" + iri.rsplit("/", 1)[-1] if "openepcis" in iri else iri
        if reading.data_point == "temperature":
            term = "Temperature"
        report: JSONObject = {"type": term, "value": reading.value}
        if reading.unit:
            report["uom"] = reading.unit
        event["sensorElementList"] = [{"sensorReport": [report]}]
    return event
