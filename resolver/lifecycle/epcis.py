"""EPCIS 2.0 JSON-LD in: an ``EPCISDocument`` or one event, checked against GS1's JSON Schema,
turned into stored events and their readings.

The schema and the EPCIS context ship in ``vocab/third-party/gs1-epcis``; nothing is fetched.
A ``@context`` may name only contexts the node holds (or be inline). Two habits of the
OpenEPCIS battery examples are tolerated and reported back (docs/health.md, "Input"):
decimal values written as strings, and CBV 1.x URNs where EPCIS 2.0 has bare words.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

import orjson

from resolver.errors import ContextRefused, DocumentError, InputError
from resolver.jsontypes import JSON, JSONObject
from resolver.lifecycle.datapoints import NEGATIVE_EVENT, NEGATIVE_EVENT_TYPES, SEVERITIES
from resolver.lifecycle.readings import Reading, ReadingCheck, StoredEvent, parse_time

__all__ = ["ACCEPTED_CONTEXTS", "EPCIS_CONTEXT_URL", "SCHEMA_PATH", "Parsed", "parse_epcis"]

_VOCAB = Path(__file__).resolve().parent.parent.parent / "vocab" / "third-party"
SCHEMA_PATH = _VOCAB / "gs1-epcis" / "EPCIS-JSON-Schema.json"
EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
ACCEPTED_CONTEXTS = {
    EPCIS_CONTEXT_URL: _VOCAB / "gs1-epcis" / "epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld": _VOCAB
    / "gs1-epcis"
    / "epcis-context.jsonld",
    "https://ref.openepcis.io/extensions/common/core/dpp-core-context.jsonld": (
        _VOCAB / "openepcis" / "dpp-core-context.jsonld"
    ),
    "https://ref.openepcis.io/extensions/eu/battery/battery-context.jsonld": (
        _VOCAB / "openepcis" / "battery-context.jsonld"
    ),
}
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
_NUMERIC_FIELDS = ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue")
_CBV_URN = "urn:epcglobal:cbv:"
_CBV_ERROR_REASONS = ("did_not_occur", "incorrect_data")

Parsed = tuple[list[StoredEvent], list[str]]


@functools.cache
def _validator() -> Callable[[object], object]:
    import fastjsonschema

    schema = orjson.loads(SCHEMA_PATH.read_bytes())
    # The schema's "uri" format is checked by the patterns that matter (vocab-other-uri);
    # fastjsonschema's own uri regex refuses valid URNs, so the format is left unchecked.
    return fastjsonschema.compile(schema, formats={"uri": r".*"})


def parse_epcis(doc: object, *, check: ReadingCheck) -> Parsed:
    """Events and readings of an EPCIS document or single event, and the notes on what was
    tolerated. Raises DocumentError (schema), ContextRefused, or InvalidReading."""
    if not isinstance(doc, dict):
        raise DocumentError("an EPCIS body is a JSON object (EPCISDocument or an event)")
    _check_context(doc.get("@context"))
    notes: list[str] = []
    checked = _tolerated(doc, notes)
    _check_schema(checked)
    kind = checked.get("type")
    if kind == "EPCISDocument":
        listed = _list(_obj(checked.get("epcisBody")).get("eventList"))
        originals = _list(_obj(doc.get("epcisBody")).get("eventList"))
        where = "epcisBody.eventList"
    elif kind in EVENT_TYPES:
        listed, originals, where = [checked], [doc], "event"
    else:
        raise DocumentError(f"type {str(kind)[:40]!r} is not an EPCISDocument or an EPCIS event")
    events = [
        _event(f"{where}[{i}]" if kind == "EPCISDocument" else where, _obj(event), _obj(original), check)
        for i, (event, original) in enumerate(zip(listed, originals, strict=True))
    ]
    return events, notes


def _check_context(context: object) -> None:
    entries = context if isinstance(context, list) else [context]
    for entry in entries:
        if entry is None or isinstance(entry, dict):
            continue
        if not isinstance(entry, str) or entry not in ACCEPTED_CONTEXTS:
            raise ContextRefused(
                f"the node does not load the context {str(entry)[:200]!r}; it holds "
                + ", ".join(sorted(ACCEPTED_CONTEXTS)),
                context=str(entry)[:200],
            )


def _check_schema(doc: JSONObject) -> None:
    import fastjsonschema

    try:
        _validator()(doc)
    except fastjsonschema.JsonSchemaValueException as err:
        path = ".".join(str(p) for p in err.path[1:]) if err.path else ""
        raise DocumentError(
            f"not valid EPCIS 2.0 (GS1 JSON Schema): {err.message}", schemaPath=err.rule or "", path=path
        ) from err


def _tolerated(doc: JSONObject, notes: list[str]) -> JSONObject:
    """A copy with the tolerated deviations repaired, each noted; the original is kept."""
    document = doc.get("type") == "EPCISDocument"
    events = _obj(doc.get("epcisBody")).get("eventList") if document else [doc]
    if not isinstance(events, list):
        return doc
    copied = copy.deepcopy(doc)
    copied_events = _list(_obj(copied.get("epcisBody")).get("eventList")) if document else [copied]
    for i, event in enumerate(copied_events):
        if isinstance(event, dict):
            _tolerate_event(f"event {i}", event, notes)
    return copied


def _tolerate_event(where: str, event: JSONObject, notes: list[str]) -> None:
    for element in _list(event.get("sensorElementList")):
        for report in _list(_obj(element).get("sensorReport")):
            if not isinstance(report, dict):
                continue
            for name in _NUMERIC_FIELDS:
                value = report.get(name)
                if isinstance(value, str):
                    try:
                        report[name] = float(value)
                    except ValueError:
                        continue
                    notes.append(f"{where}: sensorReport {name} {value!r} was a string; read as a number")
    for field in ("bizStep", "disposition"):
        _bare(where, event, field, notes)
    for name in ("bizTransactionList", "sourceList", "destinationList"):
        for entry in _list(event.get(name)):
            if isinstance(entry, dict):
                _bare(where, entry, "type", notes, f"{name} type")
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        _bare(where, declaration, "reason", notes, "errorDeclaration reason")
        reason = declaration.get("reason")
        if isinstance(reason, str) and reason not in _CBV_ERROR_REASONS and ":" not in reason:
            del declaration["reason"]  # a word CBV 2.0 does not have: not checked (noted above)


def _bare(where: str, holder: JSONObject, field: str, notes: list[str], name: str = "") -> None:
    """A CBV 1.x URN (``urn:epcglobal:cbv:btt:cert``) read as its CBV 2.0 bare word (``cert``)."""
    value = holder.get(field)
    if isinstance(value, str) and value.startswith(_CBV_URN):
        holder[field] = value.rsplit(":", 1)[-1]
        notes.append(
            f"{where}: {name or field} {value!r} is a CBV 1.x URN; checked as its bare word, kept as sent"
        )


def _event(where: str, event: JSONObject, original: JSONObject, check: ReadingCheck) -> StoredEvent:
    event_time = parse_time(event.get("eventTime"), f"{where}.eventTime")
    event_id = event.get("eventID")
    if not isinstance(event_id, str):
        digest = hashlib.sha256(orjson.dumps(original, option=orjson.OPT_SORT_KEYS)).hexdigest()
        event_id = f"ni:///sha-256;{digest}?ver=passport-node"
    readings = _sensor_readings(where, event, event_time, event_id, check)
    negative = _negative_event(where, event, event_time, event_id, check)
    if negative is not None:
        readings.append(negative)
    body = dict(original)
    body.pop("@context", None)
    body["eventID"] = event_id
    return StoredEvent(event_id, event_time, str(event.get("type")), orjson.dumps(body), tuple(readings))


def _sensor_readings(
    where: str, event: JSONObject, event_time: float, event_id: str, check: ReadingCheck
) -> list[Reading]:
    readings = []
    for i, item in enumerate(_list(event.get("sensorElementList"))):
        element = _obj(item)
        metadata = _obj(element.get("sensorMetadata"))
        default_time = (
            parse_time(metadata["time"], f"{where}.sensorMetadata.time") if "time" in metadata else event_time
        )
        for j, entry in enumerate(_list(element.get("sensorReport"))):
            report = _obj(entry)
            at = f"{where}.sensorElementList[{i}].sensorReport[{j}]"
            if "value" not in report:
                raise InputError(f"{at}: a sensor report without a numeric value", reading=at)
            time = parse_time(report["time"], f"{at}.time") if "time" in report else default_time
            readings.append(
                check.check(
                    at, str(report.get("type", "")), time, report["value"], report.get("uom"), event_id
                )
            )
    return readings


def _negative_event(
    where: str, event: JSONObject, event_time: float, event_id: str, check: ReadingCheck
) -> Reading | None:
    kind = _local(event.get("eubat:hasEventType"))
    if kind is None:
        return None
    at = f"{where}.eubat:hasEventType"
    if kind not in NEGATIVE_EVENT_TYPES:
        raise InputError(
            f"{at}: {kind[:40]!r} is not a negative event type ({', '.join(NEGATIVE_EVENT_TYPES)})",
            reading=at,
        )
    severity = _local(event.get("eubat:hasIncidentSeverity")) or "Moderate"
    if severity not in SEVERITIES:
        raise InputError(f"{where}.eubat:hasIncidentSeverity: {severity[:40]!r} is not one of {SEVERITIES}")
    return check.check(at, NEGATIVE_EVENT, event_time, SEVERITIES.index(severity) + 1, None, event_id, kind)


def _obj(value: JSON) -> JSONObject:
    """``value`` if it is a JSON object, else an empty one (the schema check has run)."""
    return value if isinstance(value, dict) else {}


def _list(value: JSON) -> list[JSON]:
    """``value`` if it is a JSON array, else an empty one (the schema check has run)."""
    return value if isinstance(value, list) else []


def _local(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("id")
    if not isinstance(value, str):
        return None
    return value.rsplit(":", 1)[-1].rsplit("/", 1)[-1].rsplit("#", 1)[-1]
