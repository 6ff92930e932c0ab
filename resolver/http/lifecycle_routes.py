"""HTTP routes of the lifecycle: events in and out, series, health, warnings.

POST /{id}/events                  EPCIS 2.0 JSON-LD, or a compact JSON batch (operator, data-provider)
GET  /{id}/events?since&until&type EPCIS document of the events the caller's tier may see
GET  /{id}/series/{dataPoint}?since&until&every&format=csv
GET  /{id}/health                  the health rating (docs/health.md)
GET  /{id}/dynamic?at=             each dynamic data point's latest value, per tier
GET  /{id}/warnings                warnings raised for the passport
POST /{id}/warnings/{wid}/ack      acknowledgement (operator)
GET  /{id}/status, POST            the battery status and its changes
GET  /{id}/lineage?direction&depth predecessors and successors, across nodes
POST /{id}/successors              a peer node announces a successor (peer credentials only)

A GET of a passport another node holds goes on to that node (``resolver.http.lifecycle_forward``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

import orjson
from aiohttp import web

from resolver import jsonld
from resolver.config.lifecycle import RULE_SETTINGS
from resolver.credentials import Principal
from resolver.errors import (
    AuthError,
    Forbidden,
    InputError,
    NotFound,
    ServiceStarting,
    UnsupportedMediaType,
)
from resolver.http.auth import Authenticator
from resolver.http.body import read_body
from resolver.http.lifecycle_forward import forward, hops_of
from resolver.identifiers import Identifier, claims, parse_identifier
from resolver.jsontypes import JSON, JSONObject
from resolver.lifecycle.compact import parse_compact
from resolver.lifecycle.datapoints import DATA_POINTS, data_point_named, tier_of
from resolver.lifecycle.dynamic import HEALTH_TIER_POINT, latest_values
from resolver.lifecycle.epcis import EPCIS_CONTEXT_URL, EVENT_TYPES, parse_epcis
from resolver.lifecycle.lineage import MAX_DEPTH, LineageTree, Walk
from resolver.lifecycle.links import LineageLinks
from resolver.lifecycle.readings import Reading, ReadingCheck, format_time, parse_time
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.status import StatusChange
from resolver.lookup import TIER_HEADER
from resolver.profile import Profile
from resolver.tiers import Role, Tier

__all__ = ["ROUTES", "Handler", "LifecycleRoutes"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_BASE = "/{prefix}/{suffix:.+}"
# (path, resource name, method -> handler label); registered before the passport route.
ROUTES: list[tuple[str, str, dict[str, str]]] = [
    (f"{_BASE}/events", "lifecycle-events", {"GET": "events-get", "POST": "events-post"}),
    (f"{_BASE}/series/{{point}}", "lifecycle-series", {"GET": "series"}),
    (f"{_BASE}/health", "lifecycle-health", {"GET": "health"}),
    (f"{_BASE}/dynamic", "lifecycle-dynamic", {"GET": "dynamic"}),
    (f"{_BASE}/warnings", "lifecycle-warnings", {"GET": "warnings"}),
    (f"{_BASE}/warnings/{{wid}}/ack", "lifecycle-ack", {"POST": "warning-ack"}),
    (f"{_BASE}/status", "lifecycle-status", {"GET": "status-get", "POST": "status-post"}),
    (f"{_BASE}/lineage", "lifecycle-lineage", {"GET": "lineage"}),
    (f"{_BASE}/successors", "lifecycle-successors", {"POST": "successor-post"}),
    ("/rules/{rule_prefix:.+}", "lifecycle-rules", {"GET": "rules-get", "PUT": "rules-put"}),
]
_BODY_TYPES = ("application/json", "application/ld+json")
_BATTERY_CONTEXT = "https://ref.openepcis.io/extensions/eu/battery/battery-context.jsonld"
# ASCII digits only (re's \d takes any script's), few enough that no figure can overflow.
_EVERY = re.compile(
    r"^(?:([0-9]{1,12})([smhdw]?)|P(?:([0-9]{1,6})D)?(?:T(?:([0-9]{1,8})H)?(?:([0-9]{1,10})M)?(?:([0-9]{1,12})S)?)?)$"
)
_MAX_EVERY = 100 * 366 * 86400  # a century: wider buckets say nothing more
_WHOLE = re.compile(r"-?[0-9]{1,12}")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_GS1_PREFIX = re.compile(r"01/[0-9]{1,14}")
_DIRECTIONS = ("both", "predecessors", "successors")
_ANNOUNCED = ("successor", "status")
_TIER_ROLE = {
    Tier.PUBLIC: Role.PUBLIC,
    Tier.LEGITIMATE_INTEREST: Role.LEGITIMATE_INTEREST,
    Tier.AUTHORITY: Role.AUTHORITY,
}


def _local_tree(service: LifecycleService, profile: Profile, case_sensitive: bool) -> LineageTree:
    """The lineage walk of a node without peers (every passport is held here or nowhere)."""
    grade_tier = tier_of(profile, DATA_POINTS[HEALTH_TIER_POINT])
    return LineageTree(
        service,
        link=None,
        holds=lambda _: True,
        node_id="",
        grade_tier=lambda: grade_tier,
        case_sensitive=case_sensitive,
    )


class LifecycleRoutes:
    """The handlers, by the labels ``ROUTES`` names."""

    def __init__(
        self,
        service: LifecycleService,
        auth: Authenticator,
        *,
        profile: Profile,
        case_sensitive: bool = False,
        max_body_bytes: int = 2 * 1024 * 1024,
        links: LineageLinks | None = None,
    ) -> None:
        self.service = service
        self.links = links
        self.tree = links.tree if links is not None else _local_tree(service, profile, case_sensitive)
        self.auth = auth
        self.profile = profile
        self.case_sensitive = case_sensitive
        self.max_body_bytes = max_body_bytes
        self.check = ReadingCheck(service.clock, skew=service.settings.clock_skew_seconds)

    @property
    def handlers(self) -> dict[str, Handler]:
        remote = self._or_owner
        return {
            "events-get": remote(self.get_events),
            "events-post": self.post_events,
            "series": remote(self.get_series),
            "health": remote(self.get_health),
            "dynamic": remote(self.get_dynamic),
            "warnings": remote(self.get_warnings),
            "warning-ack": self.ack,
            "status-get": remote(self.get_status),
            "status-post": self.post_status,
            "lineage": remote(self.get_lineage),
            "successor-post": self.post_successor,
            "rules-get": self.get_rules,
            "rules-put": self.put_rules,
        }

    # -- helpers -----------------------------------------------------------------------------

    def _ident(self, request: web.Request) -> Identifier:
        match = request.match_info
        text = f"{match.get('prefix', '01')}/{match['suffix']}"  # the GS1 routes' 01 is literal
        return parse_identifier(text, case_sensitive=self.case_sensitive)

    def _principal(self, request: web.Request) -> Principal:
        """The caller; a peer node's role lowered to the ``Passport-Tier`` it asks for (its
        own caller's tier), never raised."""
        principal = self.auth.principal(request.headers.get("Authorization"))
        asked = request.headers.get(TIER_HEADER) if principal.peer else None
        if asked is None:
            return principal
        try:
            tier = Tier.from_label(asked.strip())
        except ValueError as err:
            raise InputError(f"{TIER_HEADER}: {err}") from err
        return replace(principal, role=_TIER_ROLE[tier]) if tier < principal.tier else principal

    def _or_owner(self, handler: Handler) -> Handler:
        """``handler`` for passports this node holds; the owner's answer for those a peer holds."""
        links = self.links
        if links is None or links.link is None:
            return handler
        link, holds = links.link, links.holds

        async def handle(request: web.Request) -> web.StreamResponse:
            key = self._ident(request).key
            if holds(key):
                return await handler(request)
            return await forward(link, request, key, self._principal(request))

        return handle

    def _require_writer(self, principal: Principal, key: str) -> None:
        if principal.role is Role.PUBLIC:
            raise AuthError("recording events needs an operator's or a data provider's credentials")
        allowed = principal.role in (Role.OPERATOR, Role.DATA_PROVIDER) and any(
            claims(p, key) for p in principal.prefixes
        )
        if not allowed:
            raise Forbidden(f"{principal.name} ({principal.role.value}) may not record events for {key}")

    @staticmethod
    def _require_tier(principal: Principal, tier: Tier, what: str) -> None:
        if principal.tier >= tier:
            return
        if principal.role is Role.PUBLIC:
            raise AuthError(f"{what} is {tier.label} data: credentials of that tier are needed")
        raise Forbidden(f"{what} is {tier.label} data; {principal.name} sees {principal.tier.label}")

    async def _body(self, request: web.Request) -> object:
        if request.content_type not in _BODY_TYPES:
            raise UnsupportedMediaType(
                f"events are {' or '.join(_BODY_TYPES)}, not {request.content_type or 'untyped'}",
                accepted=list(_BODY_TYPES),
            )
        body = await read_body(request, self.max_body_bytes)
        if body.lstrip()[:1] == b"[":
            # A compact batch is a flat array of flat objects: each value is checked as a
            # reading, so the depth and count walk over the parsed JSON is not needed.
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError as err:
                raise InputError(
                    f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
                ) from err
        return jsonld.parse_json(body, max_bytes=self.max_body_bytes, max_values=200_000)

    # -- events ------------------------------------------------------------------------------

    async def post_events(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        self._require_writer(self._principal(request), ident.key)
        # The rules read public facts only (dp 31, 33, 34): the hot read of the public view.
        facts = await self.service.facts(ident.key, tier=Tier.PUBLIC)
        data = await self._body(request)
        notes: list[str] = []
        if isinstance(data, list):
            events = parse_compact(data, check=self.check, epc=facts.iri or ident.iri)
        else:
            events, notes = parse_epcis(data, check=self.check)
        done = await self.service.ingest(ident.key, events, facts)
        body: JSONObject = {
            "passport": ident.key,
            "stored": len(done.appended.stored),
            "duplicates": list(done.appended.duplicates),
            "readings": done.readings,
            "warnings": [w.id for w in done.warnings],
        }
        if notes:
            body["notes"] = list[JSON](notes)
        return _json(body, status=201 if done.appended.stored else 200)

    async def get_events(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        principal = self._principal(request)
        await self.service.facts(ident.key)
        since, until = _window(request)
        wanted = request.query.get("type")
        if wanted is not None and wanted not in EVENT_TYPES and data_point_named(wanted) is None:
            raise InputError(f"type={wanted[:40]!r} is neither an EPCIS event type nor a data point")
        limit = _int(request.query.get("limit", "1000"), "limit", 1, 10_000)
        rows = await self.service.events.events(ident.key, since=since, until=until, limit=limit)
        shown = []
        for row in rows:
            event = row.epcis()
            points = _points_in(event)
            # An event without readings is as private as the negative events and conditions
            # (dp 69, 70) it records.
            tiers = [tier_of(self.profile, DATA_POINTS[p]) for p in points or ("negativeEvent",)]
            if max(tiers) > principal.tier:
                continue
            if wanted is not None and wanted != event.get("type") and _name(wanted) not in points:
                continue
            shown.append(event)
        document = {
            "@context": [EPCIS_CONTEXT_URL, _BATTERY_CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": format_time(self.service.clock()),
            "epcisBody": {"eventList": shown},
        }
        return web.Response(
            body=orjson.dumps(document),
            content_type="application/ld+json",
            headers={"Cache-Control": "private, no-store"},
        )

    # -- series ------------------------------------------------------------------------------

    async def get_series(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        found = data_point_named(request.match_info["point"])
        if found is None:
            known = ", ".join(DATA_POINTS)
            raise NotFound(f"no data point {request.match_info['point'][:60]!r}; known: {known}")
        self._require_tier(self._principal(request), tier_of(self.profile, found), found.name)
        await self.service.facts(ident.key)
        since, until = _window(request)
        readings = await self.service.events.series(ident.key, found.name, since=since, until=until)
        every = request.query.get("every")
        as_csv = request.query.get("format") == "csv" or "text/csv" in request.headers.get("Accept", "")
        if every is not None:
            rows = _aggregate(readings, _seconds(every))
            if as_csv:
                return _csv(["start", "count", "min", "max", "mean", "last"], rows)
            return _json({"passport": ident.key, "dataPoint": found.name, "unit": found.units[0],
                          "every": _seconds(every), "buckets": rows})  # fmt: skip
        points = [_point(r) for r in readings]
        if as_csv:
            return _csv(["time", "value", "unit", "eventID", "label"], points)
        return _json(
            {"passport": ident.key, "dataPoint": found.name, "unit": found.units[0], "readings": points}
        )

    async def get_dynamic(self, request: web.Request) -> web.Response:
        """Each dynamic data point's latest value the caller's tier may see (``?at=``: then)."""
        ident = self._ident(request)
        tier = self._principal(request).tier
        text = request.query.get("at")
        at = parse_time(text, "at") if text is not None else None
        await self.service.facts(ident.key)
        values = await latest_values(self.service.events, self.profile, ident.key, tier, at=at)
        body: JSONObject = {"passport": ident.key, "tier": tier.label, "values": values}
        if at is not None:
            body["at"] = format_time(at)
        return _json(body)

    # -- health and warnings -----------------------------------------------------------------

    async def get_health(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        tier = tier_of(self.profile, DATA_POINTS[HEALTH_TIER_POINT])
        self._require_tier(self._principal(request), tier, "the health rating")
        body = await self.service.health(ident.key)
        body["passport"] = ident.key
        return _json(body)

    async def get_warnings(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        tier = tier_of(self.profile, DATA_POINTS[HEALTH_TIER_POINT])
        self._require_tier(self._principal(request), tier, "a warning")
        await self.service.facts(ident.key)
        found = await self.service.events.warnings(ident.key)
        return _json({"passport": ident.key, "warnings": [orjson.loads(w.to_json()) for w in found]})

    async def ack(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        principal = self._principal(request)
        principal.require_writer(ident.key)
        acked = await self.service.events.ack(
            ident.key, request.match_info["wid"], by=principal.name, at=self.service.clock()
        )
        if acked is None:
            raise NotFound(f"{ident.key} has no warning {request.match_info['wid'][:60]!r}")
        return _json(orjson.loads(acked.to_json()))

    # -- status and lineage ------------------------------------------------------------------

    async def get_status(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        self._require_tier(self._principal(request), self._status_tier(), "the battery status")
        facts = await self.service.facts(ident.key)
        changes = await self.service.events.status_changes(ident.key)
        return _json({
            "passport": ident.key,
            "status": changes[-1].status if changes else (facts.status or "original"),
            "changes": [_change(c) for c in changes],
        })  # fmt: skip

    async def post_status(self, request: web.Request) -> web.Response:
        ident = self._ident(request)
        principal = self._principal(request)
        principal.require_writer(ident.key)
        data = await self._body(request)
        if not isinstance(data, dict) or not isinstance(data.get("status"), str):
            raise InputError('a status change is {"status": "...", "successors": [...], "note": "..."}')
        successors = data.get("successors", [])
        if not isinstance(successors, list) or not all(isinstance(x, str) for x in successors):
            raise InputError("successors must be a list of passport identifiers")
        for successor in successors:
            parse_identifier(successor, case_sensitive=self.case_sensitive)  # a usable identifier
        note = data.get("note", "")
        if not isinstance(note, str) or len(note) > 2000:
            raise InputError("note must be a string of at most 2000 characters")
        change = await self.service.change_status(
            ident.key, data["status"], by=principal.name, successors=successors, note=note
        )
        return _json({"passport": ident.key, **_change(change)}, status=201)

    async def get_lineage(self, request: web.Request) -> web.Response:
        """The passport's predecessors (from the passport, dp 67) and successors (from its status
        changes), recursively and across nodes (``resolver.lifecycle.lineage``)."""
        ident = self._ident(request)
        principal = self._principal(request)
        self._require_tier(principal, self._status_tier(), "the lineage")
        direction = request.query.get("direction", "both")
        if direction not in _DIRECTIONS:
            raise InputError(f"direction={direction[:20]!r}: one of {', '.join(_DIRECTIONS)}")
        depth = _int(request.query.get("depth", str(MAX_DEPTH)), "depth", 0, MAX_DEPTH)
        up, down = direction != "successors", direction != "predecessors"
        walk = Walk(principal.tier, up, down, depth, hops_of(request, principal))
        return _json(await self.tree.entry(ident.key, walk))

    async def post_successor(self, request: web.Request) -> web.Response:
        """A peer node announces ``{"successor": id, "status": "repurposed"}``: a battery it
        holds names this passport as its predecessor. Recorded once, as a status change, after
        the successor was resolved and found to name it; passed on to the owner when another
        node holds the passport (this node is the announcer's relay)."""
        ident = self._ident(request)
        principal = self._principal(request)
        if not principal.peer:
            if principal.role is Role.PUBLIC:
                raise AuthError("announcing a successor needs a peer node's credentials")
            raise Forbidden(f"{principal.name} is not a peer node; its node announces successors")
        links = self.links
        if links is None:
            raise ServiceStarting("this node runs without its lineage links")
        relay = links.link is not None and not links.holds(ident.key)
        if not relay:
            await self.service.facts(ident.key)
        data = await self._body(request)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("successor", "status")
        ):
            raise InputError('a successor is announced as {"successor": "<id>", "status": "repurposed"}')
        successor = parse_identifier(data["successor"], case_sensitive=self.case_sensitive).key
        peer = links.link.peer(principal.name.removeprefix("peer:")) if links.link else None
        if peer is not None and peer.prefixes and not any(claims(p, successor) for p in peer.prefixes):
            raise Forbidden(
                f"{principal.name} does not hold {successor} (it claims {', '.join(peer.prefixes)})"
            )
        if relay and links.link is not None:
            body = orjson.dumps({"successor": successor, "status": data["status"]})
            return await forward(links.link, request, ident.key, principal, body=body)
        await links.successions.confirm(ident.key, successor)
        change = await links.successions.record(ident.key, successor, data["status"], by=principal.name)
        shown: JSONObject = {"passport": ident.key, "successor": successor, "recorded": change is not None}
        if change is None:
            return _json(shown)
        return _json({**shown, **_change(change)}, status=201)

    # -- rules per prefix --------------------------------------------------------------------

    def _rule_prefix(self, request: web.Request) -> str:
        """The prefix in the path, which the calling operator must hold."""
        prefix = request.match_info["rule_prefix"].strip("/")
        if prefix.startswith("01/"):
            if not _GS1_PREFIX.fullmatch(prefix):
                raise InputError(f"{prefix[:40]!r} is not a GS1 prefix (01/ and up to 14 digits)")
            key = prefix  # GS1 claims match by string prefix
        else:
            probe = parse_identifier(prefix + "/RULES", case_sensitive=self.case_sensitive)
            prefix, key = probe.prefix, probe.key
        self._principal(request).require_writer(key)
        return prefix

    async def get_rules(self, request: web.Request) -> web.Response:
        prefix = self._rule_prefix(request)
        rules = await self.service.events.rules()
        return _json({"prefix": prefix, "rules": rules.get(prefix, {}), "settable": list(RULE_SETTINGS)})

    async def put_rules(self, request: web.Request) -> web.Response:
        """Replace the prefix's rule settings (``{}`` removes them): the node's defaults apply
        to whatever is not set."""
        prefix = self._rule_prefix(request)
        data = await self._body(request)
        if not isinstance(data, dict):
            raise InputError("rules are a JSON object of setting -> number")
        for key, value in data.items():
            if key not in RULE_SETTINGS:
                raise InputError(f"{key[:40]!r} is not a rule setting ({', '.join(RULE_SETTINGS)})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"{key} must be a non-negative number")
        await self.service.set_rules(prefix, {k: float(v) for k, v in data.items()})
        return _json({"prefix": prefix, "rules": data})

    def _status_tier(self) -> Tier:
        tier = self.profile.tier_of("https://schema.org/status")
        return tier if tier is not None else max(Tier)


def _change(change: StatusChange) -> JSONObject:
    shown: JSONObject = orjson.loads(change.to_json())
    shown["time"] = format_time(change.time)
    return shown


def _json(data: object, *, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(data), content_type="application/json",
        headers={"Cache-Control": "private, no-store"},
    )  # fmt: skip


def _csv(header: list[str], rows: Iterable[JSONObject]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in header])
    return web.Response(
        text=out.getvalue(), content_type="text/csv", headers={"Cache-Control": "private, no-store"}
    )


def _point(r: Reading) -> JSONObject:
    point: JSONObject = {
        "time": format_time(r.time),
        "value": r.value,
        "unit": r.unit,
        "eventID": r.event_id,
    }
    if r.label:
        point["label"] = r.label
    return point


def _window(request: web.Request) -> tuple[float | None, float | None]:
    since = request.query.get("since")
    until = request.query.get("until")
    low = parse_time(since, "since") if since else None
    high = parse_time(until, "until") if until else None
    if low is not None and high is not None and high <= low:
        raise InputError("until must be later than since")
    return low, high


def _int(text: str, name: str, low: int, high: int) -> int:
    if not _WHOLE.fullmatch(text):
        raise InputError(f"{name} must be a whole number")
    value = int(text)
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}")
    return value


def _seconds(text: str) -> int:
    """``every``: seconds, or a number with s/m/h/d/w, or an ISO 8601 duration (P1D, PT15M)."""
    match = _EVERY.match(text.strip())
    if match is None or not any(match.groups()):
        raise InputError(f"every={text[:30]!r}: use seconds, 15m, 1h, 1d, 1w, or P1D / PT1H")
    if match.group(1) is not None:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        days, hours, minutes, secs = (int(g or 0) for g in match.groups()[2:])
        seconds = days * 86400 + hours * 3600 + minutes * 60 + secs
    if not 1 <= seconds <= _MAX_EVERY:
        raise InputError(f"every must be from one second to a century ({_MAX_EVERY} s)")
    return seconds


def _aggregate(readings: list[Reading], every: int) -> list[JSONObject]:
    buckets: dict[int, list[Reading]] = {}
    for r in readings:
        buckets.setdefault(int(r.time // every), []).append(r)
    rows: list[JSONObject] = []
    for start in sorted(buckets):
        values = [r.value for r in buckets[start]]
        rows.append({
            "start": format_time(start * every), "count": len(values), "min": min(values), "max": max(values),
            "mean": round(sum(values) / len(values), 6), "last": values[-1],
        })  # fmt: skip
    return rows


def _name(text: str) -> str:
    found = data_point_named(text)
    return found.name if found is not None else text


def _points_in(event: JSONObject) -> set[str]:
    """The data points an EPCIS event carries (sensor reports and a negative event)."""
    points = set()
    elements = event.get("sensorElementList")
    for element in elements if isinstance(elements, list) else []:
        reports = element.get("sensorReport") if isinstance(element, dict) else None
        for report in reports if isinstance(reports, list) else []:
            found = data_point_named(str(report.get("type", ""))) if isinstance(report, dict) else None
            if found is not None:
                points.add(found.name)
    if "eubat:hasEventType" in event:
        points.add("negativeEvent")
    return points
