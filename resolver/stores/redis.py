"""The shared store: Redis (one server, or a Redis Cluster), for many node processes serving one node.

One hash per handle holds the current public bytes and every version; each write is one Lua
script (EVALSHA) that checks the expected version and writes version, feed entry and index.
Handles are spread over a fixed number of feed partitions; every key of a partition (its
handles' hashes, its sequence, feed and index) carries the hash tag ``{pN}``, so one write
touches one Cluster slot. The hot read (the public view) goes over one pipelined connection of
its own on a single Redis (see HotReads), through the cluster client on a Cluster.
"""

from __future__ import annotations

import asyncio
import heapq
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from resolver.errors import Gone, NotFound, PreconditionFailed, StoreUnavailable
from resolver.stores._codec import (
    check_expected,
    check_views,
    compress,
    decompress,
    pack_views,
    pick_view,
    unpack_record,
)
from resolver.stores.base import Change, Record, View
from resolver.stores.durability import Durability, check_redis_durability
from resolver.stores.notify import WriteListeners
from resolver.tiers import Tier

__all__ = ["DEFAULT_PARTITIONS", "HotReads", "IndexSink", "RedisStore", "SlotReads", "partition_of"]

DEFAULT_PARTITIONS = 16

T = TypeVar("T")

# Keys (``ns`` defaults to "bp", P = the handle's partition); the hash tag {pP} keeps a
# partition (its handles' data, sequence, feed and index) on one Redis Cluster slot:
#   {ns}:partitions          string  the number of partitions (fixed when the store is made)
#   {ns}:{pP}:h:{HANDLE}     hash    "c" -> b"<version> <modified> <deleted> <z>\n" + public bytes
#                                    (compressed when z is 1: public views over a threshold)
#                                    "<N>" -> b"<modified> <deleted>\n" + zlib(all tier views of N)
#   {ns}:{pP}:seq            string  the partition's last change-feed sequence number
#   {ns}:{pP}:feed           stream  one entry per write, ID "<seq>-0", fields h v d m
#   {ns}:{pP}:live           zset    current, non-deleted handles (score 0, lexicographic order)
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
redis.call('HSET', KEYS[1], 'c', new .. ' ' .. now .. ' ' .. ARGV[4] .. ' ' .. ARGV[7] .. '\\n' .. ARGV[5],
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

# The current public header and body, and the transparency log's index of that version (field
# "<version>\0<handle>" of the log's index hash, KEYS[2]) in one round trip. One Redis only: on
# a Cluster the log's keys are in a slot of their own.
_READ_PUBLIC_INDEXED = b"""#!lua flags=no-writes
local cur = redis.call('HGET', KEYS[1], 'c')
if not cur then return false end
return {cur, redis.call('HGET', KEYS[2], string.match(cur, '^(%d+)') .. '\\0' .. ARGV[1])}
"""

# What the log's index said of a public view read with it: (handle, version, leaf index or None
# when not logged, when the version was stored).
IndexSink = Callable[[str, int, int | None, float], None]

_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

# Stream entries as XRANGE gives them: raw from the pipelined connection, [id, [field, value,
# ...]]; parsed by redis-py, (id, {field: value}).
_Entries = list[tuple[bytes, list[bytes] | dict[bytes, bytes]]]


class _ReplyPipe(asyncio.Protocol):
    """One Redis connection on which commands are written as they come, replies matched in order.

    A watchdog replaces a timer per read: every ``timeout / 2`` seconds it looks whether a reply
    came since its last look; after two looks with reads waiting and no reply at all, the
    connection is dropped and every waiting read fails. So a read waits at most 1.5 x
    ``timeout``, and a read costs no timer of its own (one ``asyncio.timeout`` per read was a
    timer-heap push, a cancel and three objects, on the busiest path of the node).
    """

    def __init__(self, on_lost: Callable[[], None], timeout: float) -> None:
        self._on_lost = on_lost
        self._timeout = timeout
        self._reader = hiredis.Reader()
        self._waiting: deque[asyncio.Future[object]] = deque()
        self._transport: asyncio.Transport | None = None
        self._out: list[bytes] = []  # commands not yet written (one write per loop pass)
        self._replies = 0  # replies read so far; the watchdog watches it move
        self._seen = 0  # ... as the watchdog's last look found it
        self._stalled = 0  # looks in a row that found reads waiting and no new reply
        self._watch: asyncio.TimerHandle | None = None
        self._why = ""  # why the connection was dropped, for the waiting reads' error
        self.alive = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # create_connection gives a stream transport
        self.alive = True
        self._watch = asyncio.get_running_loop().call_later(self._timeout / 2, self.look)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        waiting = self._waiting
        while (reply := self._reader.gets()) is not False:
            self._replies += 1
            future = waiting.popleft()
            if future.done():  # its caller was cancelled; the order still holds
                continue
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(StoreUnavailable(f"Redis refused a read: {reply}"))
            else:
                future.set_result(reply)

    def look(self) -> None:
        """The watchdog's look (every ``timeout / 2`` s): drop a connection that stopped answering."""
        if not self.alive:
            return
        if self._waiting and self._replies == self._seen:
            self._stalled += 1
            if self._stalled >= 2:
                self._why = f"Redis did not answer within {self._timeout} s"
                self.abort()
                return
        else:
            self._stalled = 0
        self._seen = self._replies
        self._watch = asyncio.get_running_loop().call_later(self._timeout / 2, self.look)

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        self._on_lost()
        why = self._why or f"Redis connection lost: {exc or 'closed'}"
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(StoreUnavailable(why))

    def send(self, *parts: bytes) -> asyncio.Future[object]:
        return self.send_packed(_pack(parts))

    def send_packed(self, command: bytes) -> asyncio.Future[object]:
        """Write one command, already in RESP (``_pack``); its reply's future."""
        if self._transport is None or not self.alive:
            raise StoreUnavailable("Redis connection lost")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[object] = loop.create_future()
        out = self._out
        if not out:  # the first command of this loop pass: write them all once it ends
            loop.call_soon(self._flush)
        out.append(command)
        self._waiting.append(future)
        return future

    def _flush(self) -> None:
        """Write the commands of one loop pass in one system call (and one wake-up of Redis)."""
        out, self._out = self._out, []
        if self._transport is not None and self.alive:
            self._transport.write(b"".join(out))

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class HotReads:
    """The public-view read over one pipelined connection per process (also the log index's).

    Measured here, redis-py spends ~200 us per call (pool checkout, command packing, release);
    writing the command straight onto one shared connection and matching replies in order
    takes ~35 us and lets concurrent requests share round trips (docs/stores.md).
    """

    def __init__(self, url: str, timeout: float) -> None:
        options = parse_url(url)
        self._host = str(options.get("host", "localhost"))
        self._port = int(options.get("port", 6379))
        self._db = int(options.get("db", 0) or 0)
        self._username = options.get("username")
        self._password = options.get("password")
        self._timeout = timeout
        self._pipe: _ReplyPipe | None = None
        self._lock = asyncio.Lock()
        self.losses = 0  # connections lost or refused so far (the store refreshes its pool when this moves)

    async def hget(self, key: bytes, name: bytes) -> bytes | None:
        return cast(bytes | None, await self.call(b"HGET", key, name))  # HGET: a bulk string or nil

    async def call(self, *command: bytes) -> object:
        """One command's reply as hiredis reads it (bytes, int, None, nested lists of them)."""
        pipe = self._pipe
        if pipe is None or not pipe.alive:
            pipe = await self._connect()
        # No timer per read: the connection's watchdog fails every waiting read once Redis stops
        # answering (_ReplyPipe), so a late reply never reaches the wrong caller.
        return await pipe.send(*command)

    async def call_packed(self, command: bytes) -> object:
        """As ``call``, for a command already in RESP (``_pack``)."""
        pipe = self._pipe
        if pipe is None or not pipe.alive:
            pipe = await self._connect()
        return await pipe.send_packed(command)

    async def call_many(self, commands: Sequence[tuple[bytes, ...]]) -> list[object]:
        """The replies of ``commands``, written together (one round trip)."""
        pipe = self._pipe
        if pipe is None or not pipe.alive:
            pipe = await self._connect()
        futures = [pipe.send(*command) for command in commands]
        return [await future for future in futures]

    async def _connect(self) -> _ReplyPipe:
        async with self._lock:
            if self._pipe is not None and self._pipe.alive:
                return self._pipe
            loop = asyncio.get_running_loop()
            try:
                async with asyncio.timeout(self._timeout):
                    _, pipe = await loop.create_connection(
                        lambda: _ReplyPipe(self._lost, self._timeout), self._host, self._port
                    )
                    if self._password is not None:
                        login = [self._username.encode()] if self._username else []
                        await pipe.send(b"AUTH", *login, str(self._password).encode())
                    if self._db:
                        await pipe.send(b"SELECT", str(self._db).encode())
            except (OSError, TimeoutError) as err:
                self.losses += 1
                raise StoreUnavailable(f"Redis at {self._host}:{self._port} does not answer: {err}") from err
            self._pipe = pipe
            return pipe

    @property
    def pipe(self) -> _ReplyPipe | None:
        """The connection, once made (its watchdog's ``look`` is what tests drive)."""
        return self._pipe

    def _lost(self) -> None:
        self.losses += 1

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.abort()
            self._pipe = None


class SlotReads:
    """Pipelined connections (HotReads) to the masters of a Redis Cluster, one each, chosen by
    the cluster client's slot map as it last saw it. ``hget`` falls back to the cluster client,
    which follows MOVED/ASK, where the connection fails (slots moving, a node away)."""

    def __init__(self, client: RedisCluster, url: str, timeout: float) -> None:
        self._client = client
        self._timeout = timeout
        netloc = url.split("://", 1)[1].split("/", 1)[0]
        self._auth = netloc.rpartition("@")[0] + "@" if "@" in netloc else ""  # "user:password@"
        self._nodes: dict[str, HotReads] = {}  # "host:port" of a master -> its connection

    def for_key(self, key: str | bytes) -> HotReads | None:
        try:
            node = self._client.nodes_manager.get_node_from_slot(self._client.keyslot(key))
        except RedisError:
            return None
        hot = self._nodes.get(node.name)
        if hot is None:
            url = f"redis://{self._auth}{node.host}:{node.port}/0"
            hot = self._nodes[node.name] = HotReads(url, self._timeout)
        return hot

    async def hget(self, key: bytes, name: bytes) -> bytes | None:
        hot = self.for_key(key)
        if hot is not None:
            try:
                return await hot.hget(key, name)
            except StoreUnavailable:
                pass
        try:
            return cast(bytes | None, await self._client.hget(key, name))
        except RedisError as err:
            raise StoreUnavailable(f"Redis Cluster read failed: {err}") from err

    def close(self) -> None:
        for hot in self._nodes.values():
            hot.close()


def _pack(parts: Sequence[bytes]) -> bytes:
    """A command in RESP: an array of bulk strings."""
    return b"*%d\r\n" % len(parts) + b"".join([b"$%d\r\n%s\r\n" % (len(part), part) for part in parts])


def partition_of(handle: str, partitions: int) -> int:
    """The feed partition of ``handle``: CRC-32 of its UTF-8, modulo ``partitions`` (stable)."""
    return zlib.crc32(handle.encode()) % partitions


class RedisStore:
    """A ``Store`` in Redis or a Redis Cluster. One instance (one client, one pool) per process."""

    def __init__(
        self,
        client: aioredis.Redis | RedisCluster,
        *,
        namespace: str = "bp",
        compress_public_over: int | None = None,
        partitions: int = DEFAULT_PARTITIONS,
    ) -> None:
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        self._client = client
        self._cluster = isinstance(client, RedisCluster)
        # The cluster client's pools fail at once when full ("Too many connections"); callers
        # wait here instead, as the single-Redis store's blocking pool makes them wait.
        self._gate: asyncio.Semaphore | None = None
        # On a Cluster, one pipelined connection per master (set by _open_cluster).
        self._slots: SlotReads | None = None
        self._timeout = 2.0
        self._compress_over = compress_public_over
        self._hot: HotReads | None = None
        self._losses_seen = 0
        self._ns = namespace
        self._partitions = partitions
        tags = [f"{namespace}:{{p{n}}}" for n in range(partitions)]
        self._prefixes = [tag + ":h:" for tag in tags]
        self._raw_prefixes = [prefix.encode() for prefix in self._prefixes]
        # Set by link_log_index: the indexed read's command up to its key, the log index hash
        # as a RESP bulk string, and where the index goes.
        self._indexed: tuple[bytes, bytes, IndexSink] | None = None
        self._seqs = [tag + ":seq" for tag in tags]
        self._feeds = [tag + ":feed" for tag in tags]
        self._lives = [tag + ":live" for tag in tags]
        self._write = client.register_script(_WRITE)
        self._read_current = client.register_script(_READ_CURRENT)
        self.written = WriteListeners()  # told after each write of this process

    @property
    def partitions(self) -> int:
        return self._partitions

    def partition_of(self, handle: str) -> int:
        return partition_of(handle, self._partitions)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        namespace: str = "bp",
        socket_timeout: float = 2.0,
        max_connections: int = 64,
        compress_public_over: int | None = None,
        durability: Durability = "strict",
        partitions: int = DEFAULT_PARTITIONS,
        cluster: bool = False,
    ) -> RedisStore:
        """Connect to ``redis://host:port/db``, check it answers and keeps ``durability``'s promise.

        With ``cluster``, ``url`` names any node of a Redis Cluster (redis-py's cluster client
        finds the rest and follows MOVED/ASK). Nothing is scanned. Raises StoreUnavailable for a
        Redis whose persistence settings would lose acknowledged writes
        (resolver/stores/durability.py), or that was made with another number of partitions.
        """
        if cluster:
            return await cls._open_cluster(
                url,
                namespace=namespace,
                socket_timeout=socket_timeout,
                max_connections=max_connections,
                compress_public_over=compress_public_over,
                durability=durability,
                partitions=partitions,
            )
        # A blocking pool: under a burst, requests wait (up to the timeout) for a connection
        # instead of failing with "Too many connections" as the default pool does.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=socket_timeout,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            # No automatic retries: a write script must not run twice.
            retry=Retry(NoBackoff(), 0),
            decode_responses=False,
        )
        client = aioredis.Redis.from_pool(pool)  # the client owns and closes the pool
        store = cls(
            client, namespace=namespace, compress_public_over=compress_public_over, partitions=partitions
        )
        if url.startswith("redis://"):  # TLS and unix sockets keep to redis-py
            store._hot = HotReads(url, socket_timeout)

        async def check() -> None:
            await client.ping()
            await check_redis_durability(client, durability, where=_redact(url))

        return await store._checked(check, url)

    @classmethod
    async def _open_cluster(
        cls,
        url: str,
        *,
        namespace: str,
        socket_timeout: float,
        max_connections: int,
        compress_public_over: int | None,
        durability: Durability,
        partitions: int,
    ) -> RedisStore:
        # No retries on connection errors (a write script must not run twice); MOVED and ASK
        # redirections are followed by the client regardless (resharding, failover).
        client = RedisCluster.from_url(
            url,
            max_connections=max_connections,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            retry=Retry(NoBackoff(), 0),
            decode_responses=False,
        )
        store = cls(
            client, namespace=namespace, compress_public_over=compress_public_over, partitions=partitions
        )
        store._gate = asyncio.Semaphore(max_connections)
        store._timeout = socket_timeout
        store._slots = SlotReads(client, url, socket_timeout)

        async def check() -> None:
            await client.initialize()
            # Every node, replicas included: a replica becomes the master on a failover.
            for node in client.get_nodes():
                await check_redis_durability(_OneNode(client, node), durability, where=node.name)

        return await store._checked(check, url)

    async def _checked(self, check: Callable[[], Awaitable[None]], url: str) -> RedisStore:
        try:
            await check()
            await self._check_partitions()
        except (*_ERRORS, RedisError) as err:
            await self.aclose()
            raise StoreUnavailable(f"Redis at {_redact(url)} does not answer: {err}") from err
        except StoreUnavailable:
            await self.aclose()
            raise
        return self

    async def _check_partitions(self) -> None:
        """Record the number of partitions on first use; refuse a store made with another."""
        key = f"{self._ns}:partitions"
        await self._client.set(key, str(self._partitions), nx=True)
        stored = int(cast(bytes, await self._client.get(key)))
        if stored != self._partitions:
            raise StoreUnavailable(
                f"the Redis store {self._ns!r} was made with partitions={stored}; open it with "
                f"that (asked for {self._partitions}): handles are placed by partition"
            )

    def _key(self, handle: str) -> str:
        return self._prefixes[self.partition_of(handle)] + handle

    # -- protocol ---------------------------------------------------------------------------

    def link_log_index(self, index_key: str, sink: IndexSink) -> bool:
        """Read each public view together with the transparency log's index of its version, from
        the hash ``index_key`` on the same Redis (one round trip, a read-only script), and hand
        what it says to ``sink``. Only on one Redis over the pipelined connection (False else)."""
        if self._hot is None:
            return False
        head = _pack([b"EVAL", _READ_PUBLIC_INDEXED, b"2"]).replace(b"*3\r\n", b"*6\r\n", 1)
        self._indexed = (head, _pack([index_key.encode()])[4:], sink)  # [4:]: no array header
        return True

    async def get_view(self, handle: str, tier: Tier) -> View | None:
        if tier is Tier.PUBLIC:
            hot = self._hot
            if hot is not None:  # the common case first: one Redis, no detour
                raw_handle = handle.encode()
                key = self._raw_prefixes[zlib.crc32(raw_handle) % self._partitions] + raw_handle
                if self._indexed is not None:
                    head, index_key, sink = self._indexed
                    command = b"%s$%d\r\n%s\r\n%s$%d\r\n%s\r\n" % (
                        head,
                        len(key),
                        key,
                        index_key,
                        len(raw_handle),
                        raw_handle,
                    )
                    found = await hot.call_packed(command)
                    return _indexed_view(handle, cast(list[bytes | None] | None, found), sink)
                raw = await hot.call(b"HGET", key, b"c")
            else:
                text_key = self._key(handle)
                raw = await self._quick(
                    text_key, (b"HGET", text_key.encode(), b"c"), lambda: self._client.hget(text_key, "c")
                )
            if raw is None:
                return None
            version, modified, deleted, body = _split_current(cast(bytes, raw))  # HGET: bytes or nil
            return View(handle, version, modified, deleted, body)
        record = await self.get(handle)
        if record is None:
            return None
        return View(handle, record.version, record.modified, record.deleted, pick_view(record.views, tier))

    def _hot_for(self, key: str) -> HotReads | None:
        """The pipelined connection to the Redis holding ``key``: on a Cluster, to the master of
        its slot as the cluster client last saw it; None when there is none."""
        if self._slots is not None:
            return self._slots.for_key(key)
        return self._hot

    async def _quick(
        self, key: str, command: tuple[bytes, ...], slow: Callable[[], Awaitable[object]]
    ) -> object:
        """A read of ``key`` over the pipelined connection of its Redis. On a Cluster, where that
        fails (MOVED or ASK while slots move, a node away), ``slow``: the cluster client follows."""
        hot = self._hot_for(key)
        if hot is not None:
            if not self._cluster:
                return await hot.call(*command)
            try:
                return await hot.call(*command)
            except StoreUnavailable:
                pass
        return await self._read(slow)

    async def get(self, handle: str, *, version: int | None = None) -> Record | None:
        key = self._key(handle)
        if version is not None:
            blob = await self._read(lambda: self._client.hget(key, str(version)))
            return None if blob is None else _version_record(handle, version, cast(bytes, blob))
        found = await self._read(lambda: self._read_current(keys=[key]))
        if not found:
            return None
        current, blob = found
        number = _split_current(current)[0]
        return _version_record(handle, number, blob)

    async def put(
        self,
        handle: str,
        views: Mapping[Tier, bytes],
        *,
        expected_version: int | None = None,
        digest: str = "",
    ) -> Record:
        check_views(views)
        frozen = {tier: bytes(body) for tier, body in views.items()}
        return await self._run_write(handle, frozen, expected_version, deleting=False, digest=digest)

    async def delete(self, handle: str, *, expected_version: int | None = None) -> Record:
        return await self._run_write(handle, {}, expected_version, deleting=True)

    async def history(self, handle: str) -> Sequence[Record]:
        fields = cast(dict[bytes, bytes], await self._read(lambda: self._client.hgetall(self._key(handle))))
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

    async def changes(self, *, since: int = 0, limit: int = 1000, partition: int = 0) -> Sequence[Change]:
        if not 0 <= partition < self._partitions:
            raise ValueError(f"partition {partition} is not one of this store's 0..{self._partitions - 1}")
        if limit <= 0:
            return []
        feed = self._feeds[partition]
        start = f"{since + 1}-0"
        # Raw XRANGE entries, [id, [field, value, ...]], over the pipelined connection: the
        # public-view follower of every process reads each partition every 0.2 s.
        command = (b"XRANGE", feed.encode(), start.encode(), b"+", b"COUNT", b"%d" % limit)
        slow = lambda: self._client.xrange(feed, start, "+", count=limit)  # noqa: E731
        entries = cast(_Entries, await self._quick(feed, command, slow))
        out: list[Change] = []
        for entry_id, flat in entries:
            fields = flat if isinstance(flat, dict) else dict(zip(flat[0::2], flat[1::2], strict=True))
            out.append(
                Change(
                    seq=int(entry_id.split(b"-", 1)[0]),
                    handle=fields[b"h"].decode(),
                    version=int(fields[b"v"]),
                    deleted=fields[b"d"] == b"1",
                    modified=float(fields[b"m"]),
                    partition=partition,
                )
            )
        return out

    async def heads(self) -> Sequence[int]:
        async def every() -> list[object]:
            if self._hot is not None:  # one Redis: the GETs written together on the pipelined connection
                return await self._hot.call_many([(b"GET", seq.encode()) for seq in self._seqs])
            if self._cluster and (fast := await self._heads_by_master()) is not None:
                return fast
            async with self._client.pipeline(transaction=False) as pipe:
                for seq in self._seqs:
                    pipe.get(seq)
                return await pipe.execute()

        return [int(cast(bytes | None, value) or 0) for value in await self._read(every)]

    async def _heads_by_master(self) -> list[object] | None:
        """On a Cluster, the sequences' GETs written together to each master's pipelined
        connection; None when any fails (slots moving, a node away): the caller asks redis-py."""
        groups: dict[HotReads, list[int]] = {}
        for partition, seq in enumerate(self._seqs):
            hot = self._hot_for(seq)
            if hot is None:
                return None
            groups.setdefault(hot, []).append(partition)
        found: list[object] = [None] * len(self._seqs)
        try:
            for hot, partitions in groups.items():
                replies = await hot.call_many([(b"GET", self._seqs[p].encode()) for p in partitions])
                for partition, reply in zip(partitions, replies, strict=True):
                    found[partition] = reply
        except StoreUnavailable:
            return None
        return found

    async def handles(self, *, prefix: str = "", offset: int = 0, limit: int = 100) -> tuple[int, list[str]]:
        # UTF-8 never contains the byte 0xff, so "(prefix\xff" closes the range of the prefix.
        low: bytes = b"[" + prefix.encode() if prefix else b"-"
        high: bytes = b"(" + prefix.encode() + b"\xff" if prefix else b"+"

        offset, limit = max(offset, 0), max(limit, 0)

        # Each partition's index is sorted; the page is the merge of each one's first
        # offset + limit names (one pipelined round trip per Redis node).
        async def every() -> list[object]:
            async with self._client.pipeline(transaction=False) as pipe:
                for live in self._lives:
                    pipe.zlexcount(live, low, high)
                    pipe.zrange(live, low, high, bylex=True, offset=0, num=offset + limit)
                return await pipe.execute()

        replies = await self._read(every)
        total = sum(cast(int, n) for n in replies[0::2])  # ZLEXCOUNT: integers
        merged = heapq.merge(*cast(list[list[bytes]], replies[1::2]))  # ZRANGE: lists of names
        page = [name.decode() for _, name in zip(range(offset + limit), merged, strict=False)][offset:]
        return total, page

    async def count(self) -> int:
        async def every() -> list[object]:
            async with self._client.pipeline(transaction=False) as pipe:
                for live in self._lives:
                    pipe.zcard(live)
                return await pipe.execute()

        return sum(cast(int, n) for n in await self._read(every))  # ZCARD: integers

    async def aclose(self) -> None:
        if self._hot is not None:
            self._hot.close()
        if self._slots is not None:
            self._slots.close()
        await self._client.aclose()

    # -- waiting on the feed (resolver/stores/notify.py) -------------------------------------

    @property
    def feed_watch(self) -> bool:
        """One Redis: XREAD can block on every partition's feed at once (on a Cluster the
        feeds are on different slots, and one XREAD cannot name them all)."""
        return not self._cluster

    async def wait_for_changes(self, since: Sequence[int], block: float) -> list[int]:
        """Block (XREAD BLOCK, on a connection of the pool, at most ``block`` seconds and under the
        socket timeout) until a partition's feed holds an entry after ``since``; the last
        sequence seen per partition (``since`` where none came, and all of it on a timeout)."""
        millis = max(1, int(min(block, self._timeout / 4) * 1000))
        streams: dict[bytes | str | memoryview[int], int | bytes | str | memoryview[int]] = {
            feed: f"{position}-0" for feed, position in zip(self._feeds, since, strict=True)
        }
        try:
            reply = await self._client.xread(streams, count=1000, block=millis)
        except RedisError as err:
            raise StoreUnavailable(f"Redis feed wait failed: {err}") from err
        seen = list(since)
        raw = cast(Any, reply)
        for name, found in raw.items() if isinstance(raw, dict) else (raw or []):
            if found:  # [[entry id, fields], ...]; the id is b"<seq>-0"
                key = name.decode() if isinstance(name, bytes) else str(name)
                seen[self._feeds.index(key)] = int(bytes(found[-1][0]).split(b"-", 1)[0])
        return seen

    # -- plumbing ---------------------------------------------------------------------------

    async def _refresh_after_loss(self) -> None:
        # The hot connection is the busiest, so it notices a Redis restart first; the pool's idle
        # connections are as dead, and a write must not be the one to find out.
        if self._hot is not None and self._hot.losses != self._losses_seen:
            self._losses_seen = self._hot.losses
            client = cast(aioredis.Redis, self._client)  # the hot connection is single-Redis only
            await client.connection_pool.disconnect(inuse_connections=False)

    async def _read(self, call: Callable[[], Awaitable[T]]) -> T:
        if self._gate is not None:
            async with self._gate:
                return await self._read_once(call)
        return await self._read_once(call)

    async def _read_once(self, call: Callable[[], Awaitable[T]]) -> T:
        await self._refresh_after_loss()
        for attempt in (1, 2):
            try:
                return await call()
            except RedisConnectionError as err:
                # A read is safe to repeat: once, for a pooled connection that died idle.
                if attempt == 2:
                    raise StoreUnavailable(f"Redis read failed: {err}") from err
            except (RedisTimeoutError, OSError) as err:
                raise StoreUnavailable(f"Redis read failed: {err}") from err
            except ResponseError as err:
                raise StoreUnavailable(f"Redis refused a read: {err}") from err
        raise AssertionError("unreachable")

    async def _run_write(
        self, handle: str, views: dict[Tier, bytes], expected: int | None, *, deleting: bool, digest: str = ""
    ) -> Record:
        check_expected(expected)
        await self._refresh_after_loss()
        blob = pack_views(views, digest) if views else b""
        public = views.get(Tier.PUBLIC, b"")
        squeeze = self._compress_over is not None and len(public) > self._compress_over
        args = [
            handle,
            "" if expected is None else str(expected),
            f"{time.time():.6f}",
            "1" if deleting else "0",
            compress(public) if squeeze else public,
            blob,
            "1" if squeeze else "0",
        ]
        try:
            part = self.partition_of(handle)
            keys = [self._prefixes[part] + handle, self._seqs[part], self._feeds[part], self._lives[part]]
            if self._gate is not None:
                async with self._gate:
                    result = await self._write(keys=keys, args=args)
            else:
                result = await self._write(keys=keys, args=args)
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
        self.written.notify()
        return Record(handle, code, float(result[1]), deleting, views, digest)


class _OneNode:
    """The commands the durability check sends, to one node of a cluster."""

    def __init__(self, client: RedisCluster, node: ClusterNode) -> None:
        self._client = client
        self._node = node

    async def config_get(self, pattern: str) -> object:
        return await self._client.config_get(pattern, target_nodes=self._node)

    async def info(self, section: str) -> object:
        return await self._client.info(section, target_nodes=self._node)


def _indexed_view(handle: str, found: list[bytes | None] | None, sink: IndexSink) -> View | None:
    """The view of a _READ_PUBLIC_INDEXED reply (nil, or [header + body, log index or nil])."""
    if found is None:
        return None
    current, index = found
    version, modified, deleted, body = _split_current(cast(bytes, current))
    sink(handle, version, None if index is None else int(index), modified)
    return View(handle, version, modified, deleted, body)


def _split_current(raw: bytes) -> tuple[int, float, bool, bytes]:
    end = raw.index(b"\n")
    version, modified, deleted, squeezed = raw[:end].split(b" ")
    body = raw[end + 1 :]
    return int(version), float(modified), deleted == b"1", decompress(body) if squeezed == b"1" else body


def _version_record(handle: str, version: int, blob: bytes) -> Record:
    end = blob.index(b"\n")
    modified, deleted = blob[:end].split(b" ")
    views, digest = unpack_record(blob[end + 1 :])
    return Record(handle, version, float(modified), deleted == b"1", views, digest)


def _redact(url: str) -> str:
    """The URL without a password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"
