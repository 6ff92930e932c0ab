"""The shared store: Redis, for many node processes serving one node.

One hash per handle holds the current public bytes and every version; each write is one Lua
script (EVALSHA) that checks the expected version and writes version, feed entry and index.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from resolver.errors import Gone, NotFound, PreconditionFailed, StoreUnavailable
from resolver.stores._codec import check_expected, check_views, pack_views, pick_view, unpack_views
from resolver.stores.base import Change, Record, View
from resolver.tiers import Tier

__all__ = ["RedisStore"]

# Keys (``ns`` defaults to "bp"); the hash tag {handle} keeps one handle's data on one
# Redis Cluster slot:
#   {ns}:{HANDLE}   hash  "c" -> b"<version> <modified> <deleted>\n" + public bytes
#                         "<N>" -> b"<modified> <deleted>\n" + zlib(all tier views of version N)
#   {ns}:seq        string  the last change-feed sequence number
#   {ns}:feed       stream  one entry per write, ID "<seq>-0", fields h v d m
#   {ns}:live       zset    current, non-deleted handles (score 0, lexicographic order)
_WRITE = """#!lua
local cur = redis.call('HGET', KEYS[1], 'c')
local ver, mod, del = 0, nil, '0'
if cur then
  local v, m, d = string.match(cur, '^(%d+) (%S+) (%d)')
  ver = tonumber(v)
  mod = m
  del = d
end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= ver then return {-1, ver} end
if ARGV[4] == '1' then
  if not cur then return {-2, 0} end
  if del == '1' then return {-3, ver} end
end
local new = ver + 1
local now = ARGV[3]
if mod and tonumber(mod) > tonumber(now) then now = mod end
-- The feed first: if anything were to fail, it fails before the handle changes.
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], seq .. '-0', 'h', ARGV[1], 'v', new, 'd', ARGV[4], 'm', now)
redis.call('HSET', KEYS[1], 'c', new .. ' ' .. now .. ' ' .. ARGV[4] .. '\\n' .. ARGV[5],
           tostring(new), now .. ' ' .. ARGV[4] .. '\\n' .. ARGV[6])
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[4], ARGV[1])
else
  redis.call('ZADD', KEYS[4], 0, ARGV[1])
end
return {new, now, seq}
"""

# The current version's record in one round trip: the public header, then that version's blob.
_READ_CURRENT = """#!lua flags=no-writes
local cur = redis.call('HGET', KEYS[1], 'c')
if not cur then return false end
local v = string.match(cur, '^(%d+)')
return {cur, redis.call('HGET', KEYS[1], v)}
"""

_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisStore:
    """A ``Store`` in Redis. One instance (one client, one pool) per process."""

    def __init__(self, client: aioredis.Redis, *, namespace: str = "bp") -> None:
        self._client = client
        self._ns = namespace
        self._seq = f"{namespace}:seq"
        self._feed = f"{namespace}:feed"
        self._live = f"{namespace}:live"
        self._write = client.register_script(_WRITE)
        self._read_current = client.register_script(_READ_CURRENT)

    @classmethod
    async def open(
        cls, url: str, *, namespace: str = "bp", socket_timeout: float = 2.0, max_connections: int = 64
    ) -> RedisStore:
        """Connect to ``redis://host:port/db`` and check it answers (nothing is scanned)."""
        client = aioredis.Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            # No automatic retries: a write script must not run twice; reads retry themselves.
            retry=Retry(NoBackoff(), 0),
            max_connections=max_connections,
            decode_responses=False,
        )
        store = cls(client, namespace=namespace)
        try:
            await client.ping()
        except _ERRORS as err:
            await client.aclose()
            raise StoreUnavailable(f"Redis at {_redact(url)} does not answer: {err}") from err
        return store

    def _key(self, handle: str) -> str:
        return f"{self._ns}:{{{handle}}}"

    # -- protocol ---------------------------------------------------------------------------

    async def get_view(self, handle: str, tier: Tier) -> View | None:
        if tier is Tier.PUBLIC:
            raw = await self._read(self._client.hget(self._key(handle), "c"))
            if raw is None:
                return None
            version, modified, deleted, body = _split_current(raw)
            return View(handle, version, modified, deleted, body)
        record = await self.get(handle)
        if record is None:
            return None
        return View(handle, record.version, record.modified, record.deleted, pick_view(record.views, tier))

    async def get(self, handle: str, *, version: int | None = None) -> Record | None:
        key = self._key(handle)
        if version is not None:
            blob = await self._read(self._client.hget(key, str(version)))
            return None if blob is None else _version_record(handle, version, blob)
        found = await self._read(self._read_current(keys=[key]))
        if not found:
            return None
        current, blob = found
        number = _split_current(current)[0]
        return _version_record(handle, number, blob)

    async def put(
        self, handle: str, views: Mapping[Tier, bytes], *, expected_version: int | None = None
    ) -> Record:
        check_views(views)
        frozen = {tier: bytes(body) for tier, body in views.items()}
        return await self._run_write(handle, frozen, expected_version, deleting=False)

    async def delete(self, handle: str, *, expected_version: int | None = None) -> Record:
        return await self._run_write(handle, {}, expected_version, deleting=True)

    async def history(self, handle: str) -> Sequence[Record]:
        fields = await self._read(self._client.hgetall(self._key(handle)))
        records = [
            _version_record(handle, int(name), blob) for name, blob in fields.items() if name.isdigit()
        ]
        records.sort(key=lambda record: record.version)
        return records

    async def at(self, handle: str, when: float) -> Record | None:
        found: Record | None = None
        for record in await self.history(handle):
            if record.modified > when:
                break
            found = record
        return found

    async def changes(self, *, since: int = 0, limit: int = 1000) -> Sequence[Change]:
        if limit <= 0:
            return []
        entries = await self._read(self._client.xrange(self._feed, f"{since + 1}-0", "+", count=limit))
        out: list[Change] = []
        for entry_id, fields in entries:
            out.append(
                Change(
                    seq=int(entry_id.split(b"-", 1)[0]),
                    handle=fields[b"h"].decode(),
                    version=int(fields[b"v"]),
                    deleted=fields[b"d"] == b"1",
                    modified=float(fields[b"m"]),
                )
            )
        return out

    async def handles(self, *, prefix: str = "", offset: int = 0, limit: int = 100) -> tuple[int, list[str]]:
        # UTF-8 never contains the byte 0xff, so "(prefix\xff" closes the range of the prefix.
        low: bytes = b"[" + prefix.encode() if prefix else b"-"
        high: bytes = b"(" + prefix.encode() + b"\xff" if prefix else b"+"
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zlexcount(self._live, low, high)
            pipe.zrange(self._live, low, high, bylex=True, offset=max(offset, 0), num=max(limit, 0))
            total, page = await self._read(pipe.execute())
        return int(total), [name.decode() for name in page]

    async def count(self) -> int:
        return int(await self._read(self._client.zcard(self._live)))

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- plumbing ---------------------------------------------------------------------------

    async def _read(self, pending: Any) -> Any:
        try:
            return await pending
        except _ERRORS as err:
            raise StoreUnavailable(f"Redis read failed: {err}") from err
        except ResponseError as err:
            raise StoreUnavailable(f"Redis refused a read: {err}") from err

    async def _run_write(
        self, handle: str, views: dict[Tier, bytes], expected: int | None, *, deleting: bool
    ) -> Record:
        check_expected(expected)
        blob = pack_views(views) if views else b""
        args = [
            handle,
            "" if expected is None else str(expected),
            f"{time.time():.6f}",
            "1" if deleting else "0",
            views.get(Tier.PUBLIC, b""),
            blob,
        ]
        try:
            result = await self._write(keys=[self._key(handle), self._seq, self._feed, self._live], args=args)
        except _ERRORS as err:
            # The script may or may not have run: the caller must re-read before retrying.
            raise StoreUnavailable(f"Redis write failed, outcome unknown: {err}") from err
        except RedisError as err:
            raise StoreUnavailable(f"Redis refused the write: {err}") from err
        code = int(result[0])
        if code == -1:
            current = int(result[1])
            raise PreconditionFailed(
                f"{handle}: expected version {expected}, current is {current}", current_version=current
            )
        if code == -2:
            raise NotFound(f"{handle} was never written")
        if code == -3:
            raise Gone(f"{handle} is already deleted (version {int(result[1])})")
        return Record(handle, code, float(result[1]), deleting, views)


def _split_current(raw: bytes) -> tuple[int, float, bool, bytes]:
    end = raw.index(b"\n")
    version, modified, deleted = raw[:end].split(b" ")
    return int(version), float(modified), deleted == b"1", raw[end + 1 :]


def _version_record(handle: str, version: int, blob: bytes) -> Record:
    end = blob.index(b"\n")
    modified, deleted = blob[:end].split(b" ")
    return Record(handle, version, float(modified), deleted == b"1", unpack_views(blob[end + 1 :]))


def _redact(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"
