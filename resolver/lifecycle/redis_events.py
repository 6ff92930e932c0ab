"""The event store in Redis: keys of its own, hash-tagged per passport (one cluster slot each).

    {ns}:lc:{HANDLE}:ev     hash  eventID -> EPCIS JSON (the idempotency key)
    {ns}:lc:{HANDLE}:evt    zset  eventID scored by event time
    {ns}:lc:{HANDLE}:r:DP   zset  one member per reading of data point DP, scored by time
    {ns}:lc:{HANDLE}:last   string  the latest reading's time
    {ns}:lc:{HANDLE}:rev    string  counts stored events and status changes (the rating's cache key)
    {ns}:lc:{HANDLE}:w      hash  warning id -> warning JSON
    {ns}:lc:{HANDLE}:status list  status changes, oldest first
    {ns}:lc:rules           hash  prefix -> warning-rule settings an operator set
    {ns}:lc:last            zset  handle scored by its latest reading's time (node-wide)
    {ns}:lc:announcements   hash  successor + LF + predecessor -> announcement not yet acknowledged
    {ns}:lc:unpublished     set   warning key + LF + id: stored, not yet taken by the feed (only
                                  when the store does not append to the feed itself)
    {ns}:lc:feed            stream  (the warning feed's, ``redis_feed``): with ``feed=True`` a new
                                  warning is appended in the script that stores it

An append is one Lua script per passport: new events and their readings land together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from resolver.errors import StoreUnavailable
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.eventstore import Appended, EventRow, Raising, Warning
from resolver.lifecycle.readings import Reading, StoredEvent
from resolver.lifecycle.redis_feed import feed_key
from resolver.lifecycle.status import StatusChange

__all__ = ["RedisEventStore"]

# KEYS: ev, evt, last, rev, then each series key once. ARGV[1]: JSON, one entry per event:
# [id, time, body, [[series key index, time, member], ...]] (one argument: the client packs
# one string, not hundreds). Returns 1 (stored) or 0 (known id) per event.
# With warnings: ARGV[2] JSON [[event index, warning id, warning JSON], ...], ARGV[3] '1' to
# append new ones to the feed (else mark them unpublished), and two keys more at the end: the
# passport's warnings hash, then the feed stream (or the set of marks). A warning is stored
# only when its event was stored now; then 1 (new) or 0 (known) per warning follows the flags.
_APPEND = """
local events = cjson.decode(ARGV[1])
local flags = {}
local latest = nil
local stored = 0
for e, event in ipairs(events) do
  local new = redis.call('HSETNX', KEYS[1], event[1], event[3])
  flags[e] = new
  if new == 1 then
    stored = stored + 1
    redis.call('ZADD', KEYS[2], event[2], event[1])
    for _, r in ipairs(event[4]) do
      redis.call('ZADD', KEYS[r[1]], r[2], r[3])
      if latest == nil or r[2] > latest then latest = r[2] end
    end
  end
end
if stored > 0 then redis.call('INCRBY', KEYS[4], stored) end
if latest ~= nil then
  local last = tonumber(redis.call('GET', KEYS[3]) or '-1e300')
  if latest > last then redis.call('SET', KEYS[3], string.format('%.6f', latest)) end
end
if ARGV[2] then
  local n = #events
  local wkey, target, to_feed = KEYS[#KEYS - 1], KEYS[#KEYS], ARGV[3] == '1'
  for i, w in ipairs(cjson.decode(ARGV[2])) do
    local fresh = 0
    if flags[w[1]] == 1 then
      fresh = redis.call('HSETNX', wkey, w[2], w[3])
      if fresh == 1 then
        if to_feed then
          redis.call('XADD', target, '*', 'w', w[3])
        else
          redis.call('SADD', target, wkey .. '\\n' .. w[2])
        end
      end
    end
    flags[n + i] = fresh
  end
end
return flags
"""

_ACK = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return nil end
local w = cjson.decode(raw)
if w['acked_at'] == cjson.null or w['acked_at'] == nil then
  w['acked_by'] = ARGV[2]
  w['acked_at'] = tonumber(ARGV[3])
  raw = cjson.encode(w)
  redis.call('HSET', KEYS[1], ARGV[1], raw)
end
return raw
"""


# Per warning (KEYS[i], ARGV[2i-1] id, ARGV[2i] JSON): stored if new, and in the same step
# either appended to the feed (ARGV[#ARGV] = '1': KEYS[#KEYS] is the feed's stream, field w as
# the feed writes it; its XADD wakes the blocked deliverers) or marked as not yet on the feed
# (KEYS[#KEYS] the set of marks, member KEYS[i] LF id). 1 per new warning.
_ADD_WARNINGS = """
local last = KEYS[#KEYS]
local to_feed = ARGV[#ARGV] == '1'
local out = {}
for i = 1, #KEYS - 1 do
  local fresh = redis.call('HSETNX', KEYS[i], ARGV[2 * i - 1], ARGV[2 * i])
  if fresh == 1 then
    if to_feed then
      redis.call('XADD', last, '*', 'w', ARGV[2 * i])
    else
      redis.call('SADD', last, KEYS[i] .. '\\n' .. ARGV[2 * i - 1])
    end
  end
  out[i] = fresh
end
return out
"""


_ADD_STATUS = """
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[2])
return 1
"""


class RedisEventStore:
    """An ``EventStore`` in Redis; one client per process, opened with ``open(url)``."""

    def __init__(self, client: aioredis.Redis, *, namespace: str, feed: bool = False) -> None:
        self._client = client
        self._ns = namespace
        # ``feed``: new warnings go onto the warning feed of the same namespace in the script
        # that stores them (one round trip; none left stored but unpublished).
        self.publishes = feed
        self._feed = feed_key(namespace)
        self._quiet = f"{namespace}:lc:last"
        self._rules = f"{namespace}:lc:rules"
        self._announcements = f"{namespace}:lc:announcements"
        self._unpublished = f"{namespace}:lc:unpublished"
        self._append = client.register_script(_APPEND)
        self._ack = client.register_script(_ACK)
        self._add_status = client.register_script(_ADD_STATUS)
        self._add_warnings = client.register_script(_ADD_WARNINGS)

    @classmethod
    async def open(
        cls, url: str, *, namespace: str = "bp", wait: float = 2.0, feed: bool = False
    ) -> RedisEventStore:
        client = aioredis.Redis.from_url(url, socket_timeout=wait, socket_connect_timeout=wait)
        return await cls.attach(client, namespace=namespace, feed=feed)

    @classmethod
    async def attach(cls, client: Any, *, namespace: str, feed: bool = False) -> RedisEventStore:
        """The store on an open client (a ``RedisCluster`` too, with every key in one slot)."""
        try:
            await client.ping()
        except RedisError as err:
            await client.aclose()
            raise StoreUnavailable(f"event store: Redis does not answer: {err}") from err
        return cls(client, namespace=namespace, feed=feed)

    def _key(self, handle: str, part: str) -> str:
        return f"{self._ns}:lc:{{{handle}}}:{part}"

    async def _run(self, call: Any) -> Any:
        try:
            return await call
        except RedisError as err:
            raise StoreUnavailable(f"event store: Redis failed: {err}") from err

    async def append(
        self, handle: str, events: Sequence[StoredEvent], raising: Sequence[Raising] = ()
    ) -> Appended:
        if not events:
            return Appended((), ())
        keys = [self._key(handle, p) for p in ("ev", "evt", "last", "rev")]
        index: dict[str, int] = {}
        packed = []
        for event in events:
            series = []
            for j, reading in enumerate(event.readings):
                at = index.get(reading.data_point)
                if at is None:
                    keys.append(self._key(handle, "r:" + reading.data_point))
                    at = index[reading.data_point] = len(keys)  # Lua indexes from 1
                member = orjson.dumps(
                    [reading.time, reading.value, reading.unit, reading.event_id, reading.label, j]
                )
                series.append((at, reading.time, member.decode()))
            packed.append((event.event_id, event.time, event.body.decode(), series))
        args = [orjson.dumps(packed)]
        if raising:
            position = {e.event_id: i for i, e in enumerate(events, 1)}  # Lua indexes from 1
            warned = [(position.get(eid, 0), w.id, w.to_json().decode()) for eid, w in raising]
            keys += [self._key(handle, "w"), self._feed if self.publishes else self._unpublished]
            args += [orjson.dumps(warned), b"1" if self.publishes else b"0"]
        latest = max((r.time for e in events for r in e.readings), default=None)
        # The node-wide index of latest readings (for the no-data rule) is another slot, so it
        # is not in the script; GT keeps it monotonic whichever process writes last. On one
        # Redis both go in one round trip (a pipeline, not a transaction: the script is atomic
        # alone, and the index only ever moves forward).
        flags: object = None
        if latest is not None and isinstance(self._client, aioredis.Redis):
            # EVALSHA by hand: a pipeline given the script object asks SCRIPT EXISTS first, a
            # round trip of its own. A Redis that lost the script answers NOSCRIPT; the plain
            # call below then loads it.
            pipe = self._client.pipeline(transaction=False)
            pipe.evalsha(self._append.sha, len(keys), *keys, *args)
            pipe.zadd(self._quiet, {handle: latest}, gt=True)
            flags, quiet = await self._run(pipe.execute(raise_on_error=False))
            if isinstance(quiet, Exception):
                raise StoreUnavailable(f"event store: Redis failed: {quiet}")
        if flags is None or isinstance(flags, NoScriptError):
            flags = await self._run(self._append(keys=keys, args=args))
            if latest is not None and not isinstance(self._client, aioredis.Redis):
                await self._run(self._client.zadd(self._quiet, {handle: latest}, gt=True))
        if isinstance(flags, Exception):
            raise StoreUnavailable(f"event store: Redis failed: {flags}")
        assert isinstance(flags, list)
        flags, fresh = flags[: len(events)], flags[len(events) :]
        stored = tuple(e.event_id for e, f in zip(events, flags, strict=True) if int(f))
        duplicates = tuple(e.event_id for e, f in zip(events, flags, strict=True) if not int(f))
        raised = tuple(w for (_, w), f in zip(raising, fresh, strict=True) if int(f))
        return Appended(stored, duplicates, raised)

    async def events(
        self, handle: str, *, since: float | None = None, until: float | None = None, limit: int = 1000
    ) -> list[EventRow]:
        low, high = _range(since, until)
        ids = await self._run(
            self._client.zrangebyscore(
                self._key(handle, "evt"), low, high, start=0, num=limit, withscores=True
            )
        )
        if not ids:
            return []
        bodies = await self._run(self._client.hmget(self._key(handle, "ev"), [i for i, _ in ids]))
        rows = []
        for (event_id, time), body in zip(ids, bodies, strict=True):
            if body is not None:
                kind = "ObjectEvent" if body[:1] == b"[" else orjson.loads(body).get("type", "")
                rows.append(EventRow(event_id.decode(), float(time), kind, bytes(body)))
        return rows

    async def series(
        self,
        handle: str,
        data_point: str,
        *,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100_000,
    ) -> list[Reading]:
        low, high = _range(since, until)
        members = await self._run(
            self._client.zrangebyscore(self._key(handle, "r:" + data_point), low, high, start=0, num=limit)
        )
        readings = []
        for member in members:
            time, value, unit, event_id, label, _ = orjson.loads(member)
            readings.append(Reading(data_point, time, value, unit, event_id, label))
        readings.sort(key=lambda r: r.time)
        return readings

    async def latest(self, handle: str, data_point: str, *, at: float | None = None) -> Reading | None:
        key = self._key(handle, "r:" + data_point)
        if at is None:
            found = await self._run(self._client.zrevrange(key, 0, 0))
        else:
            found = await self._run(self._client.zrevrangebyscore(key, repr(at), "-inf", start=0, num=1))
        if not found:
            return None
        time, value, unit, event_id, label, _ = orjson.loads(found[0])
        return Reading(data_point, time, value, unit, event_id, label)

    async def revision(self, handle: str) -> int:
        raw = await self._run(self._client.get(self._key(handle, "rev")))
        return int(raw) if raw is not None else 0

    async def last_reading(self, handle: str) -> float | None:
        raw = await self._run(self._client.get(self._key(handle, "last")))
        return float(raw) if raw is not None else None

    async def quiet_since(self, before: float) -> list[tuple[str, float]]:
        found = await self._run(
            self._client.zrangebyscore(self._quiet, "-inf", f"({before!r}", withscores=True)
        )
        return [(h.decode(), float(t)) for h, t in found]

    async def add_warnings(self, warnings: Sequence[Warning]) -> list[Warning]:
        if not warnings:
            return []
        keys = [self._key(w.handle, "w") for w in warnings]
        args = [part for w in warnings for part in (w.id, w.to_json())]
        last, flag = (self._feed, "1") if self.publishes else (self._unpublished, "0")
        added = await self._run(self._add_warnings(keys=[*keys, last], args=[*args, flag]))
        return [w for w, fresh in zip(warnings, added, strict=True) if fresh]

    async def published(self, warnings: Sequence[Warning]) -> None:
        if warnings:
            marks = [f"{self._key(w.handle, 'w')}\n{w.id}" for w in warnings]
            await self._run(self._client.srem(self._unpublished, *marks))

    async def unpublished(self) -> list[Warning]:
        marks = await self._run(self._client.smembers(self._unpublished))
        found = []
        for mark in marks:
            key, _, warning_id = mark.decode().partition("\n")
            raw = await self._run(self._client.hget(key, warning_id))
            if raw is not None:
                found.append(Warning.from_json(raw))
        found.sort(key=lambda w: (w.raised, w.id))
        return found

    async def warnings(self, handle: str) -> list[Warning]:
        raw = await self._run(self._client.hvals(self._key(handle, "w")))
        found = [Warning.from_json(value) for value in raw]
        found.sort(key=lambda w: (w.raised, w.id))
        return found

    async def ack(self, handle: str, warning_id: str, *, by: str, at: float) -> Warning | None:
        raw = await self._run(self._ack(keys=[self._key(handle, "w")], args=[warning_id, by, repr(at)]))
        return Warning.from_json(raw) if raw is not None else None

    async def status_changes(self, handle: str) -> list[StatusChange]:
        raw = await self._run(self._client.lrange(self._key(handle, "status"), 0, -1))
        return [StatusChange.from_json(r) for r in raw]

    async def add_status_change(self, handle: str, change: StatusChange, *, expected: int) -> bool:
        keys = [self._key(handle, "status"), self._key(handle, "rev")]
        return bool(await self._run(self._add_status(keys=keys, args=[expected, change.to_json()])))

    async def set_rules(self, prefix: str, overrides: Mapping[str, float]) -> None:
        if overrides:
            await self._run(self._client.hset(self._rules, prefix, orjson.dumps(dict(overrides))))
        else:
            await self._run(self._client.hdel(self._rules, prefix))

    async def rules(self) -> dict[str, dict[str, float]]:
        raw = await self._run(self._client.hgetall(self._rules))
        return {prefix.decode(): orjson.loads(body) for prefix, body in raw.items()}

    async def put_announcement(self, announcement: Announcement) -> None:
        await self._run(self._client.hset(self._announcements, announcement.key, announcement.to_json()))

    async def announcements(self) -> list[Announcement]:
        raw = await self._run(self._client.hvals(self._announcements))
        return sorted((Announcement.from_json(r) for r in raw), key=lambda a: (a.since, a.key))

    async def end_announcement(self, announcement: Announcement) -> None:
        await self._run(self._client.hdel(self._announcements, announcement.key))

    async def aclose(self) -> None:
        await self._client.aclose()


def _range(since: float | None, until: float | None) -> tuple[str, str]:
    low = "-inf" if since is None else repr(since)
    high = "+inf" if until is None else f"({until!r}"
    return low, high
