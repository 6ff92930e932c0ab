"""The log in Redis keys, all under one hash tag so a Redis Cluster keeps them in one slot (an
append must be atomic); leaves, nodes and the version index are hashes, written only with HSETNX
by one script that first checks the size it was prepared for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Protocol, TypeVar, cast

import orjson
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from resolver.errors import Conflict, StoreUnavailable
from resolver.translog.base import LeafRecord, LogRaced
from resolver.translog.heads import StoredHead
from resolver.translog.merkle import Coord

__all__ = ["HashRead", "PipelinedReads", "RedisLog"]

T = TypeVar("T")

TILE_LEVELS = 8  # as resolver.translog.sqlite's tiles and the log's kept paths above them
_LEVELS = str(TILE_LEVELS).encode()

# HGET key field over a faster connection than the client's (resolver.stores.redis.HotReads):
# the version index is read on every GET of a passport that this process has not seen yet.
HashRead = Callable[[bytes, bytes], Awaitable[bytes | None]]


class PipelinedReads(Protocol):
    """Read commands over that connection (HotReads): replies as hiredis gives them. The proofs'
    reads and the tile script go there too when given, at about a sixth of redis-py's CPU."""

    async def call(self, *command: bytes) -> object: ...

    async def call_many(self, commands: Sequence[tuple[bytes, ...]]) -> list[object]: ...


def _bytes(value: bytes | str) -> bytes:
    """A stored value (the client does not decode responses, so bytes in practice)."""
    return value if isinstance(value, bytes) else value.encode()


# KEYS: size, leaves, nodes, index. ARGV: expected size, record count, then per record
# (index key, leaf), then per node (field, hash). Checks everything before writing anything.
_APPEND = """
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
if size ~= tonumber(ARGV[1]) then return 0 end
local count = tonumber(ARGV[2])
for i = 0, count - 1 do
  if redis.call('HEXISTS', KEYS[4], ARGV[3 + 2 * i]) == 1 then return -1 end
end
for i = 0, count - 1 do
  redis.call('HSETNX', KEYS[4], ARGV[3 + 2 * i], size + i)
  redis.call('HSETNX', KEYS[2], size + i, ARGV[4 + 2 * i])
end
for j = 3 + 2 * count, #ARGV, 2 do
  redis.call('HSETNX', KEYS[3], ARGV[j], ARGV[j + 1])
end
redis.call('SET', KEYS[1], size + count)
return 1
"""


# KEYS: index, leaves, nodes. ARGV: index field, tile levels, and optionally a tree size. A
# passport version's leaf index and entry bytes and, once its tile (subtree of 2^levels leaves) is
# complete, its siblings inside the tile, level 0 first: the leaf and the lower half of its
# inclusion proof in one round trip. While the tile is incomplete, given a tree size the leaf is
# in: "path" and the nodes of its whole inclusion path in that tree, field then hash (as
# merkle.inclusion_plan; the log evaluates them by its own plan, and reads again what is missing).
_LOCATE_IN_TILE = """
local index = redis.call('HGET', KEYS[1], ARGV[1])
if not index then return false end
local leaf = redis.call('HGET', KEYS[2], index)
if not leaf then return false end
local levels = tonumber(ARGV[2])
local at = tonumber(index)
if redis.call('HEXISTS', KEYS[3], levels .. ':' .. math.floor(at / 2 ^ levels)) == 0 then
  local size = tonumber(ARGV[3] or '0')
  if at >= size then return {index, leaf} end
  local fields = {}
  local function add(level, i) fields[#fields + 1] = string.format('%d:%d', level, i) end
  local level = 0
  while 2 ^ level < size do
    local sibling = math.floor(at / 2 ^ level)
    sibling = sibling % 2 == 0 and sibling + 1 or sibling - 1
    local start = sibling * 2 ^ level
    if start + 2 ^ level <= size then
      add(level, sibling)
    else
      while start < size do  -- the ragged right edge: its complete subtrees, left to right
        local width = 0
        while 2 ^ (width + 1) <= size - start do width = width + 1 end
        while start % 2 ^ width ~= 0 do width = width - 1 end
        add(width, start / 2 ^ width)
        start = start + 2 ^ width
      end
    end
    level = level + 1
  end
  if #fields == 0 then return {index, leaf} end
  local values = redis.call('HMGET', KEYS[3], unpack(fields))
  local reply = {index, leaf, 'path'}
  for i = 1, #fields do
    reply[#reply + 1] = fields[i]
    reply[#reply + 1] = values[i]
  end
  return reply
end
local fields = {}
for level = 0, levels - 1 do
  fields[level + 1] = level .. ':' .. (at % 2 == 0 and at + 1 or at - 1)
  at = math.floor(at / 2)
end
local siblings = redis.call('HMGET', KEYS[3], unpack(fields))
local reply = {index, leaf}
for i = 1, levels do
  if not siblings[i] then return reply end
  reply[i + 2] = siblings[i]
end
return reply
"""


def _index_key(identifier: str, version: int) -> str:
    return f"{version}\x00{identifier}"


class RedisLog:
    """A LogBackend in Redis; ``namespace`` is the hash tag (tests use one per test)."""

    def __init__(
        self,
        client: aioredis.Redis | RedisCluster,
        *,
        namespace: str = "translog",
        hot: HashRead | None = None,
        reads: PipelinedReads | None = None,
    ) -> None:
        self._redis = client
        self._hot = hot
        self._reads = reads
        tag = "{" + namespace + "}"
        self._size, self._leaves, self._nodes = f"{tag}:size", f"{tag}:leaves", f"{tag}:nodes"
        self._index, self._head = f"{tag}:index", f"{tag}:head"
        self._append = client.register_script(_APPEND)
        self._locate_in_tile = client.register_script(_LOCATE_IN_TILE)
        self._locate_sha = self._locate_in_tile.sha.encode()
        self._tile_keys = (self._index.encode(), self._leaves.encode(), self._nodes.encode())

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except RedisError as err:
            raise StoreUnavailable(f"the transparency log in Redis cannot be reached: {err}") from err

    async def size(self) -> int:
        value = await self._call(self._redis.get(self._size))
        return 0 if value is None else int(value)

    async def _hmget(self, key: str, fields: list[str]) -> list[bytes | str | None]:
        if self._reads is not None:
            reply = await self._reads.call(b"HMGET", key.encode(), *[f.encode() for f in fields])
            return cast(list[bytes | str | None], reply)
        return cast(list[bytes | str | None], await self._call(self._redis.hmget(key, fields)))

    async def nodes(self, coords: Sequence[Coord]) -> dict[Coord, bytes]:
        wanted = list(dict.fromkeys(coords))
        if not wanted:
            return {}
        values = await self._hmget(self._nodes, [f"{lv}:{ix}" for lv, ix in wanted])
        return {
            coord: _bytes(value) for coord, value in zip(wanted, values, strict=True) if value is not None
        }

    async def leaves(self, start: int, end: int) -> list[bytes]:
        if end <= start:
            return []
        values = await self._hmget(self._leaves, [str(i) for i in range(start, end)])
        return [_bytes(value) for value in values if value is not None]

    async def leaf_and_nodes(
        self, index: int, coords: Sequence[Coord]
    ) -> tuple[bytes | None, dict[Coord, bytes]]:
        """Leaf ``index`` and ``nodes(coords)`` in one round trip (HGET and HMGET written together)."""
        wanted = list(dict.fromkeys(coords))
        fields = [f"{lv}:{ix}" for lv, ix in wanted]
        replies: list[object]
        if self._reads is not None:
            commands: list[tuple[bytes, ...]] = [(b"HGET", self._leaves.encode(), b"%d" % index)]
            if fields:
                commands.append((b"HMGET", self._nodes.encode(), *[f.encode() for f in fields]))
            replies = await self._reads.call_many(commands)
        else:
            pipe = self._redis.pipeline(transaction=False)
            pipe.hget(self._leaves, str(index))
            if fields:
                pipe.hmget(self._nodes, fields)
            replies = await self._call(pipe.execute())
        leaf = cast(bytes | str | None, replies[0])
        values = cast(list[bytes | str | None], replies[1] if fields else [])
        nodes = {c: _bytes(value) for c, value in zip(wanted, values, strict=True) if value is not None}
        return (None if leaf is None else _bytes(leaf)), nodes

    @property
    def index_key(self) -> str:
        """The hash of the version index: field ``<version>\\0<identifier>`` -> leaf index."""
        return self._index

    async def index_of(self, identifier: str, version: int) -> int | None:
        field = _index_key(identifier, version)
        value: bytes | str | None
        if self._hot is not None:
            value = await self._hot(self._index.encode(), field.encode())
        else:
            value = await self._call(self._redis.hget(self._index, field))
        return None if value is None else int(value)

    async def locate(self, identifier: str, version: int) -> tuple[int, bytes] | None:
        if self._hot is not None:
            hget = self._hot
            value = await hget(self._index.encode(), _index_key(identifier, version).encode())
            if value is None:
                return None
            found = await hget(self._leaves.encode(), value)
            return (int(value), bytes(found)) if found is not None else None
        stored = await self._call(self._redis.hget(self._index, _index_key(identifier, version)))
        if stored is None:
            return None
        leaf = await self.leaves(int(stored), int(stored) + 1)
        return (int(stored), leaf[0]) if leaf else None

    async def locate_in_tile(
        self, identifier: str, version: int
    ) -> tuple[int, bytes, list[bytes] | None] | None:
        """As :meth:`locate`, with the leaf's siblings inside its tile, levels 0 to 7 (None while
        the tile is incomplete, or a sibling is missing: the whole path is then read and checked)."""
        located = await self._locate(_index_key(identifier, version), ())
        return None if located is None else located[:3]

    async def locate_with_path(
        self, identifier: str, version: int, size: int
    ) -> tuple[int, bytes, list[bytes] | None, dict[Coord, bytes]] | None:
        """As :meth:`locate_in_tile`, and while the leaf's tile is incomplete, the nodes of its
        inclusion path in the tree of ``size`` (those stored: the rest are read as they would be)."""
        return await self._locate(_index_key(identifier, version), (b"%d" % size,))

    async def _locate(
        self, field: str, extra: tuple[bytes, ...]
    ) -> tuple[int, bytes, list[bytes] | None, dict[Coord, bytes]] | None:
        reply = await self._hot_script(field, extra)
        if reply is None:
            keys = [self._index, self._leaves, self._nodes]
            reply = await self._call(self._locate_in_tile(keys=keys, args=[field, TILE_LEVELS, *extra]))
        if not reply:
            return None
        index, leaf, *rest = cast(list[bytes | str | None], reply)
        assert index is not None and leaf is not None  # the script answers false without them
        nodes: dict[Coord, bytes] = {}
        if rest and _bytes(rest[0] or b"") == b"path":
            for name, value in zip(rest[1::2], rest[2::2], strict=True):
                if name is not None and value is not None:
                    level, _, at = _bytes(name).partition(b":")
                    nodes[(int(level), int(at))] = _bytes(value)
            return int(index), _bytes(leaf), None, nodes
        found = [_bytes(value) for value in rest if value is not None] if len(rest) == TILE_LEVELS else None
        return int(index), _bytes(leaf), found, nodes

    async def _hot_script(self, field: str, extra: tuple[bytes, ...]) -> object | None:
        """The tile script's reply over the fast connection (``False`` for a version not logged);
        None without one, or where Redis has not the script yet (NOSCRIPT: the client's call
        loads it)."""
        if self._reads is None:
            return None
        try:
            reply = await self._reads.call(
                b"EVALSHA", self._locate_sha, b"3", *self._tile_keys, field.encode(), _LEVELS, *extra
            )
        except StoreUnavailable as err:
            if "NOSCRIPT" not in str(err):
                raise
            return None
        return False if reply is None else reply

    async def append(self, size: int, records: Sequence[LeafRecord], nodes: Mapping[Coord, bytes]) -> None:
        args: list[int | str | bytes] = [size, len(records)]
        for record in records:
            args += [_index_key(record.identifier, record.version), record.leaf]
        for (level, index), value in nodes.items():
            args += [f"{level}:{index}", value]
        keys = [self._size, self._leaves, self._nodes, self._index]
        result = await self._call(self._append(keys=keys, args=args))
        if result == 0:
            raise LogRaced("the log grew while this append was prepared")
        if result == -1:
            raise Conflict("a passport version in this append is in the log already")

    async def latest_head(self) -> object | None:
        value = await self._call(self._redis.get(self._head))
        return None if value is None else orjson.loads(value)

    async def put_head(self, head: StoredHead) -> None:
        # Only a larger tree replaces the stored head (compare-and-set in one script).
        await self._call(
            self._redis.eval(
                "local old = redis.call('GET', KEYS[1]) "
                "if old and cjson.decode(old)['tree_size'] >= tonumber(ARGV[2]) then return 0 end "
                "redis.call('SET', KEYS[1], ARGV[1]) return 1",
                1,
                self._head,
                orjson.dumps(dict(head)),
                head["tree_size"],
            )
        )

    async def aclose(self) -> None:
        """The client belongs to whoever made it (one Redis client per process)."""
