"""The lifecycle in the OpenAPI document: events, series, health, warnings, status, lineage,
rules and subscriptions (resolver/http/lifecycle_routes.py and subscription_routes.py)."""

from __future__ import annotations

from collections.abc import Mapping

from resolver.openapi.native import HANDLE_DESC
from resolver.openapi.parts import (
    COMMON,
    SECURITY,
    WRITE_SECURITY,
    header,
    json_ok,
    path_param,
    query,
    ref,
    responses,
)

__all__ = ["ROUTES", "SCHEMAS", "lifecycle_paths"]

_BASE = "/{prefix}/{suffix}"
_GS1 = "/01/{suffix}"  # GS1-keyed passports (resolver/http/lifecycle.py add_gs1_routes)
_TAILS = (
    "/events",
    "/series/{point}",
    "/health",
    "/dynamic",
    "/warnings",
    "/warnings/{wid}/ack",
    "/status",
    "/lineage",
    "/successors",
)
ROUTES: dict[str, str] = {
    **{base + tail: base + tail for base in (_BASE, _GS1) for tail in _TAILS},
    "/rules/{rule_prefix}": "/rules/{rule_prefix}",
    "/subscriptions": "/subscriptions",
    "/subscriptions/{sid}": "/subscriptions/{sid}",
    "/subscriptions/{sid}/stream": "/subscriptions/{sid}/stream",
    "/subscriptions/{sid}/dead-letters": "/subscriptions/{sid}/dead-letters",
    "/subscriptions/{sid}/dead-letters/{did}/redeliver": "/subscriptions/{sid}/dead-letters/{did}/redeliver",
}

# A passport's lifecycle: the passport must be here (404, 410), the tier may be too low (401, 403).
_READ = (*COMMON, "401", "403", "404", "410", "502", "504", "508")  # 5xx: the owner, asked
_WRITE = (*_READ, "409", "415", "422")
_JSON_BODY = ("application/json", "application/ld+json")
# Request examples that do something on the demo node (schemathesis sends them too).
_EVENTS_EXAMPLE = [{"dataPoint": "capacityFade", "time": "2026-06-01T10:00:00Z", "value": 4.2, "unit": "P1"}]
_STATUS_EXAMPLE = {"status": "repurposed", "successors": ["88.100.7/SL-ESS-000099"], "note": "second life"}
_SUCCESSOR_BODY = {
    "type": "object",
    "required": ["successor", "status"],
    "properties": {"successor": {"type": "string"}, "status": {"type": "string"}},
}
_SUBSCRIPTION_EXAMPLE = {"filter": {"severities": ["critical"]}, "delivery": {"kind": "sse"}}
_WINDOW = [
    query("since", "An RFC 3339 date-time: from then (inclusive)."),
    query("until", "An RFC 3339 date-time: before then; later than since."),
]


def _op(operation: str, summary: str, responses: Mapping[str, object], **more: object) -> dict[str, object]:
    return {"operationId": operation, "summary": summary, **more, "responses": responses}


def _body(
    schema: Mapping[str, object], example: object, types: tuple[str, ...] = _JSON_BODY
) -> dict[str, object]:
    return {"required": True, "content": {t: {"schema": schema, "example": example} for t in types}}


def _passport_paths(base: str, ident: list[dict[str, object]], kind: str = "") -> dict[str, object]:
    """The lifecycle paths of the passports under ``base``; ``kind`` ends their operationIds."""
    return {
        **_data_paths(base, ident, kind),
        **_state_paths(base, ident, kind),
        **_lineage_paths(base, ident, kind),
    }


def _data_paths(base: str, ident: list[dict[str, object]], kind: str) -> dict[str, object]:
    """Events in and out, and the series of a data point."""
    events_ok = {
        "description": "An EPCIS 2.0 document of the events the caller's tier may see.",
        "content": {"application/ld+json": {"schema": ref("EpcisDocument")}},
    }
    series_ok = {
        "description": "The readings (or, with every=, buckets of them) as JSON or CSV.",
        "content": {
            "application/json": {"schema": ref("Series")},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
    events_body = {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
    ingested = json_ok("The events were taken (201 when any is new).", ref("Ingested"))
    return {
        f"{base}/events": {
            "parameters": ident,
            "get": _op(
                "getEvents" + kind,
                "The passport's lifecycle events (EPCIS 2.0)",
                responses({"200": events_ok}, _READ),
                security=SECURITY,
                parameters=[
                    *_WINDOW,
                    query("type", "An EPCIS event type or a data point name."),
                    query("limit", "At most this many events (1 to 10,000; 1,000 unless given)."),
                ],
            ),
            "post": _op(
                "postEvents" + kind,
                "Record events: an EPCIS 2.0 document or a compact JSON batch",
                responses({"200": ingested, "201": ingested}, _WRITE),
                security=WRITE_SECURITY,
                requestBody=_body(events_body, _EVENTS_EXAMPLE),
            ),
        },
        f"{base}/series/{{point}}": {
            "parameters": [
                *ident,
                path_param("point", "A data point name, such as capacityFade.", "capacityFade"),
            ],
            "get": _op(
                "getSeries" + kind,
                "A data point's readings over time",
                responses({"200": series_ok}, _READ),
                security=SECURITY,
                parameters=[
                    *_WINDOW,
                    query("every", "Bucket width: seconds, 15m, 1h, 1d, 1w, or P1D / PT1H."),
                    query("format", "csv for CSV (or Accept: text/csv)."),
                    header("Accept", "application/json or text/csv."),
                ],
            ),
        },
    }


def _state_paths(base: str, ident: list[dict[str, object]], kind: str) -> dict[str, object]:
    """Health, warnings, status and lineage."""
    status_body = {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string"},
            "successors": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string", "maxLength": 2000},
        },
    }
    return {
        f"{base}/health": {
            "parameters": ident,
            "get": _op(
                "getHealth" + kind,
                "The passport's health rating",
                responses({"200": json_ok("The rating.", ref("Health"))}, _READ),
                security=SECURITY,
            ),
        },
        f"{base}/dynamic": {
            "parameters": ident,
            "get": _op(
                "getDynamicValues" + kind,
                "Each dynamic data point's latest value the caller's tier may see",
                responses({"200": json_ok("Latest values by data point.")}, _READ),
                parameters=[query("at", "An RFC 3339 date-time: the values current then.")],
                security=SECURITY,
            ),
        },
        f"{base}/warnings": {
            "parameters": ident,
            "get": _op(
                "getWarnings" + kind,
                "The warnings raised for the passport",
                responses({"200": json_ok("The warnings.", ref("Warnings"))}, _READ),
                security=SECURITY,
            ),
        },
        f"{base}/warnings/{{wid}}/ack": {
            "parameters": [*ident, path_param("wid", "A warning's id.")],
            "post": _op(
                "ackWarning" + kind,
                "Acknowledge a warning (operator of the prefix)",
                responses({"200": json_ok("The warning, acknowledged.", ref("Warning"))}, _READ),
                security=WRITE_SECURITY,
            ),
        },
        f"{base}/status": {
            "parameters": ident,
            "get": _op(
                "getStatus" + kind,
                "The battery's status and its changes",
                responses({"200": json_ok("The status.", ref("Status"))}, _READ),
                security=SECURITY,
            ),
            "post": _op(
                "postStatus" + kind,
                "Change the battery's status (repurposed, recycled, ...)",
                responses({"201": json_ok("The change.", ref("StatusChange"))}, _WRITE),
                security=WRITE_SECURITY,
                requestBody=_body(status_body, _STATUS_EXAMPLE),
            ),
        },
    }


def _lineage_paths(base: str, ident: list[dict[str, object]], kind: str) -> dict[str, object]:
    """Lineage, and the peer call that announces a successor."""
    return {
        f"{base}/lineage": {
            "parameters": ident,
            "get": _op(
                "getLineage" + kind,
                "The passport's predecessors and successors, across nodes",
                responses({"200": json_ok("The lineage.", ref("Lineage"))}, _READ),
                parameters=[
                    query("direction", "both (the default), predecessors or successors."),
                    query("depth", "Steps followed in each direction, 0 to 8 (the default)."),
                ],
                security=SECURITY,
            ),
        },
        f"{base}/successors": {
            "parameters": ident,
            "post": _op(
                "postSuccessor" + kind,
                "A peer node announces a successor of the passport (peer credentials only); a node "
                "that does not hold the passport passes it on to the owner (a relay)",
                responses(
                    {
                        "200": json_ok("Already recorded.", ref("Succession")),
                        "201": json_ok("Recorded as a status change.", ref("Succession")),
                    },
                    (*_WRITE, "502", "504"),
                ),
                security=WRITE_SECURITY,
                requestBody=_body(_SUCCESSOR_BODY, {"successor": "88.200/SL-1", "status": "repurposed"}),
            ),
        },
    }


def _rules_paths() -> dict[str, object]:
    rules_ok = json_ok("The prefix's rule settings.", ref("Rules"))
    refused = (*COMMON, "401", "403")
    return {
        "/rules/{rule_prefix}": {
            "parameters": [
                path_param("rule_prefix", "A handle prefix (88.100.1) or a GS1 one (01/0952123).", "88.100.1")
            ],
            "get": _op(
                "getRules",
                "The warning rules' settings of a prefix (its operator)",
                responses({"200": rules_ok}, refused),
                security=WRITE_SECURITY,
            ),
            "put": _op(
                "putRules",
                "Replace the warning rules' settings of a prefix ({} removes them)",
                responses({"200": rules_ok}, (*refused, "415")),
                security=WRITE_SECURITY,
                requestBody=_body(
                    {"type": "object", "additionalProperties": {"type": "number"}}, {"silence_days": 30}
                ),
            ),
        }
    }


def _subscription_paths() -> dict[str, object]:
    sid = path_param("sid", "A subscription's id.")
    refused = (*COMMON, "401", "403", "404")
    body = {
        "type": "object",
        "required": ["delivery"],
        "properties": {"filter": {"type": "object"}, "delivery": {"type": "object"}},
    }
    stream_ok = {
        "description": "Warnings as Server-Sent Events (event: warning), live; resumable by Last-Event-ID.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
    return {
        "/subscriptions": {
            "post": _op(
                "subscribe",
                "Subscribe to warnings, by webhook or Server-Sent Events",
                responses(
                    {
                        "201": json_ok(
                            "The subscription (a webhook's secret shown once).", ref("Subscription")
                        )
                    },
                    (*COMMON, "401", "403", "415"),
                ),
                security=WRITE_SECURITY,
                requestBody=_body(body, _SUBSCRIPTION_EXAMPLE, ("application/json",)),
            ),
        },
        "/subscriptions/{sid}": {
            "parameters": [sid],
            "get": _op(
                "getSubscription",
                "A subscription of the caller's",
                responses({"200": json_ok("The subscription.", ref("Subscription"))}, refused),
                security=WRITE_SECURITY,
            ),
        },
        "/subscriptions/{sid}/stream": {
            "parameters": [sid],
            "get": _op(
                "streamSubscription",
                "The subscription's warnings as they are raised",
                responses({"200": stream_ok}, refused),
                security=WRITE_SECURITY,
                parameters=[
                    header("Last-Event-ID", "Resume after this event."),
                    query("lastEventId", "Resume after this event (for clients without headers)."),
                ],
            ),
        },
        "/subscriptions/{sid}/dead-letters": {
            "parameters": [sid],
            "get": _op(
                "deadLetters",
                "Webhook deliveries that failed for good",
                responses({"200": json_ok("The dead letters.", ref("DeadLetters"))}, refused),
                security=WRITE_SECURITY,
            ),
        },
        "/subscriptions/{sid}/dead-letters/{did}/redeliver": {
            "parameters": [sid, path_param("did", "A dead letter's id.")],
            "post": _op(
                "redeliver",
                "Deliver a dead letter again",
                responses(
                    {"202": json_ok("Redelivering.", {"type": "object", "required": ["redelivering"]})},
                    refused,
                ),
                security=WRITE_SECURITY,
            ),
        },
    }


def lifecycle_paths() -> dict[str, object]:
    ident = [
        path_param("prefix", HANDLE_DESC, "88.100.1"),
        path_param("suffix", "The rest of the identifier.", "BAT-EV-000001"),
    ]
    gs1 = [
        path_param(
            "suffix",
            "The GTIN, then AI/value pairs (21/{serial}, 10/{lot}): an odd number of segments.",
            "09521234010012/21/LFP-2026-000042",
        )
    ]
    return {
        **_passport_paths(_BASE, ident),
        **_passport_paths(_GS1, gs1, "Gs1"),
        **_rules_paths(),
        **_subscription_paths(),
    }


_STRINGS = {"type": "array", "items": {"type": "string"}}
_NUMBER = {"type": ["number", "null"]}

SCHEMAS: dict[str, object] = {
    "EpcisDocument": {
        "type": "object",
        "required": ["@context", "type", "schemaVersion", "epcisBody"],
        "properties": {
            "type": {"const": "EPCISDocument"},
            "schemaVersion": {"type": "string"},
            "creationDate": {"type": "string"},
            "epcisBody": {
                "type": "object",
                "required": ["eventList"],
                "properties": {"eventList": {"type": "array", "items": {"type": "object"}}},
            },
        },
    },
    "Ingested": {
        "type": "object",
        "required": ["passport", "stored", "duplicates", "readings", "warnings"],
        "properties": {
            "passport": {"type": "string"},
            "stored": {"type": "integer", "minimum": 0},
            "duplicates": _STRINGS,
            "readings": {"type": "integer", "minimum": 0},
            "warnings": _STRINGS,
            "notes": _STRINGS,
        },
    },
    "Series": {
        "type": "object",
        "required": ["passport", "dataPoint", "unit"],
        "properties": {
            "passport": {"type": "string"},
            "dataPoint": {"type": "string"},
            "unit": {"type": "string"},
            "every": {"type": "integer", "minimum": 1},
            "readings": {"type": "array", "items": {"type": "object", "required": ["time", "value"]}},
            "buckets": {"type": "array", "items": {"type": "object", "required": ["start", "count"]}},
        },
    },
    "Health": {
        "type": "object",
        "required": ["passport", "status", "grade"],
        "properties": {
            "passport": {"type": "string"},
            "status": {"type": "string"},
            "grade": {"type": "object"},
        },
    },
    "Warning": {
        "type": "object",
        "required": ["id", "handle", "rule", "severity", "time", "raised", "message"],
        "properties": {
            "id": {"type": "string"},
            "handle": {"type": "string"},
            "rule": {"type": "string"},
            "severity": {"enum": ["warning", "critical"]},
            "time": {"type": "number"},
            "raised": {"type": "number"},
            "message": {"type": "string"},
            "data_point": {"type": "string"},
            "value": _NUMBER,
            "event_id": {"type": "string"},
            "acked_by": {"type": "string"},
            "acked_at": _NUMBER,
        },
    },
    "Warnings": {
        "type": "object",
        "required": ["passport", "warnings"],
        "properties": {
            "passport": {"type": "string"},
            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Warning"}},
        },
    },
    "StatusChange": {
        "type": "object",
        "required": ["status", "time"],
        "properties": {
            "passport": {"type": "string"},
            "status": {"type": "string"},
            "time": {"type": "string"},
            "by": {"type": "string"},
            "successors": _STRINGS,
            "note": {"type": "string"},
        },
    },
    "Status": {
        "type": "object",
        "required": ["passport", "status", "changes"],
        "properties": {
            "passport": {"type": "string"},
            "status": {"type": "string"},
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/StatusChange"}},
        },
    },
    "Lineage": {
        "type": "object",
        "required": ["passport", "node", "held", "status"],
        "properties": {
            "passport": {"type": "string"},
            "node": {"type": "string"},
            "held": {"type": "boolean"},
            "status": {"type": "string"},
            "grade": {"type": "string"},
            "predecessors": {"type": "array", "items": {"type": "object", "required": ["id"]}},
            "successors": {"type": "array", "items": {"type": "object", "required": ["id"]}},
        },
    },
    "Succession": {
        "type": "object",
        "required": ["passport", "successor", "recorded"],
        "properties": {
            "passport": {"type": "string"},
            "successor": {"type": "string"},
            "recorded": {"type": "boolean"},
            "status": {"type": "string"},
        },
    },
    "Rules": {
        "type": "object",
        "required": ["prefix", "rules"],
        "properties": {
            "prefix": {"type": "string"},
            "rules": {"type": "object", "additionalProperties": {"type": "number"}},
            "settable": _STRINGS,
        },
    },
    "Subscription": {
        "type": "object",
        "required": ["id", "owner", "kind"],
        "properties": {
            "id": {"type": "string"},
            "owner": {"type": "string"},
            "kind": {"enum": ["webhook", "sse"]},
            "url": {"type": "string"},
            "secret": {"type": "string"},
            "handles": _STRINGS,
            "prefixes": _STRINGS,
            "rules": _STRINGS,
            "severities": _STRINGS,
        },
    },
    "DeadLetters": {
        "type": "object",
        "required": ["subscription", "deadLetters"],
        "properties": {
            "subscription": {"type": "string"},
            "deadLetters": {"type": "array", "items": {"type": "object"}},
        },
    },
}
