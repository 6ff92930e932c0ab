"""The node's integrity part: its keyring, view signer and transparency log, opened once by the
composition root (resolver/node.py) and handed to the write path and the routes.

Where things live (``[integrity]``, resolver.config.IntegrityConfig): the keyring beside the
store (``<sqlite file>.keys/``, or ``{data_dir}/keys-{node_id}/`` for a Redis store) unless a
key file is configured; the log beside an SQLite store (``<sqlite file>.translog``) or in the
Redis store's server under its own hash tag.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from resolver.config import NodeConfig
from resolver.errors import ResolverError
from resolver.integrity.keyring import Keyring
from resolver.integrity.signer import ViewSigner
from resolver.stores.base import Store
from resolver.stores.redis import HotReads, RedisStore, SlotReads
from resolver.tiers import Tier
from resolver.translog.base import LogBackend
from resolver.translog.entry import LogEntry
from resolver.translog.log import TransparencyLog
from resolver.translog.redis import RedisLog
from resolver.translog.seal import seal_version
from resolver.translog.sqlite import SQLiteLog

__all__ = ["Integrity", "LogIndexes", "link_log_indexes", "node_base_url", "node_signer", "open_integrity"]

_log = logging.getLogger("resolver.integrity")

_INDEXES_KEPT = 100_000  # (handle, version) -> log index pairs kept in memory (immutable facts)
# A version is logged right after it is stored, by a bounded append (a few retries of Redis or
# SQLite calls, each with its timeout); one still unlogged this long after it was stored stays
# so (the write path counts it, nothing logs it later), and that answer is kept too.
_SETTLED_SECONDS = 300.0
_UNLOGGED = -1
# Unsettled "not logged" answers a store's read of a view handed over, each for the next ``of``.
_TOLD_KEPT = 1024


def node_base_url(config: NodeConfig) -> str:
    """The URL under which the node's keys are served (``base_url``, else its listening address)."""
    return config.base_url or f"http://{config.host}:{config.port}"


def node_signer(config: NodeConfig) -> ViewSigner | None:
    """The node's signer alone, without its log (None when ``[integrity] sign`` is false): for
    a tool that signs what it writes out (``export --format untp``)."""
    if not config.integrity.sign:
        return None
    return ViewSigner(_keyring(config), base_url=node_base_url(config))


class LogIndexes:
    """Log index of each (handle, version): from the log (an indexed read), kept in an LRU.

    A version's index never changes, so what is kept never goes stale. The index is not in the
    store's record: the log is where it is decided, and the record formats stay as they are.
    """

    def __init__(
        self, log: TransparencyLog, *, kept: int = _INDEXES_KEPT, clock: Callable[[], float] = time.time
    ) -> None:
        self._log = log
        self._kept = kept
        self._clock = clock
        self._known: OrderedDict[tuple[str, int], int] = OrderedDict()
        self._told: dict[tuple[str, int], None] = {}

    def remember(self, handle: str, version: int, index: int) -> None:
        self._known[(handle, version)] = index
        if len(self._known) > self._kept:
            self._known.popitem(last=False)

    def settled(self, handle: str, version: int) -> bool:
        """Whether ``of`` gives this version's final answer from memory (logged, or long unlogged)."""
        return (handle, version) in self._known

    async def of(self, handle: str, version: int, *, modified: float | None = None) -> int | None:
        """The log index of a version, or None if it was never logged (written unsigned).

        ``modified``: when the version was stored. A version not in the log that long after
        (``_SETTLED_SECONDS``) is remembered as unlogged: a read of it costs no log lookup.
        """
        known = self._known.get((handle, version))
        if known is not None:
            self._known.move_to_end((handle, version))
            return None if known == _UNLOGGED else known
        told = self._told
        if told and (handle, version) in told:  # the read that just brought the view said so
            del told[(handle, version)]
            return None
        index = await self._log.backend.index_of(handle, version)
        self.learn(handle, version, index, modified)
        return index

    def learn(self, handle: str, version: int, index: int | None, modified: float | None) -> None:
        """What the log's index said of a version (read here, or by the store with its view):
        kept if logged, or if unlogged long after it was stored (``of`` explains)."""
        if index is not None:
            self.remember(handle, version, index)
        elif modified is not None and self._clock() - modified > _SETTLED_SECONDS:
            self.remember(handle, version, _UNLOGGED)

    def told(self, handle: str, version: int, index: int | None, modified: float) -> None:
        """What a store's read of a public view said of its version's log index, in the same
        round trip (the store's ``IndexSink``): ``learn``, and a "not logged" that is not settled
        is handed to the next ``of`` of that version, which the reader of the view asks at once:
        it answers from this read rather than with another round trip to the log. Only once: a
        later ``of`` asks the log again, as the append may have come since."""
        self.learn(handle, version, index, modified)
        if index is None and (handle, version) not in self._known:
            told = self._told
            told[(handle, version)] = None
            if len(told) > _TOLD_KEPT:
                del told[next(iter(told))]


@dataclasses.dataclass(frozen=True, eq=False, slots=True)
class Integrity:
    """A node's signing and logging collaborators (one per process)."""

    keyring: Keyring
    signer: ViewSigner
    log: TransparencyLog
    indexes: LogIndexes
    base_url: str
    on_unlogged: Callable[[], None] = lambda: None

    def sign_views(
        self, views: Mapping[Tier, bytes], nquads: Mapping[Tier, bytes] | None
    ) -> tuple[dict[Tier, bytes], Callable[[str, int, float], LogEntry]]:
        """Each view signed (the bytes to store), and the maker of the version's log entry
        once the store has given the version its number and time."""
        sealed = seal_version(self.signer, identifier="", version=0, time="", views=views, nquads=nquads)

        def entry(handle: str, version: int, modified: float) -> LogEntry:
            when = datetime.fromtimestamp(modified, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            return dataclasses.replace(sealed.entry, identifier=handle, version=version, time=when)

        return sealed.views, entry

    async def log_version(self, entry: LogEntry) -> int | None:
        """Append a stored version's entry to the log; its index (also kept for reads), or None
        when the log refused or could not be reached.

        The version is stored by then: answering the write with an error would make the client
        write it again and meet "unchanged". It is logged as an error and counted
        (``passport_translog_unlogged_total``); its answers carry no Passport-Log-Index.
        """
        try:
            index = await self.log.append(entry)
        except ResolverError as err:
            _log.error("version %s of %s is stored but not logged: %s", entry.version, entry.identifier, err)
            self.on_unlogged()
            return None
        self.indexes.remember(entry.identifier, entry.version, index)
        return index

    async def log_versions(self, entries: Sequence[LogEntry]) -> list[int | None]:
        """:meth:`log_version` of several stored versions, in one append when the log takes
        them all (a bulk import's batch: one read of the tree's frontier and one write for
        all). If it refuses them (one version already logged, say), each is appended on its
        own, so that one refusal leaves only that version unlogged, as one by one."""
        if len(entries) < 2:
            return [await self.log_version(entry) for entry in entries]
        try:
            indexes = await self.log.append_many(entries)
        except ResolverError as err:
            _log.warning("a batch of %d log entries was refused (%s); appending each", len(entries), err)
            return [await self.log_version(entry) for entry in entries]
        for entry, index in zip(entries, indexes, strict=True):
            self.indexes.remember(entry.identifier, entry.version, index)
        return list(indexes)


def link_log_indexes(store: Store, integrity: Integrity) -> bool:
    """Where one Redis holds both the store and the log, have the store read each public view's
    log index with the view (one round trip instead of two) into ``integrity.indexes``."""
    backend = integrity.log.backend
    if isinstance(store, RedisStore) and isinstance(backend, RedisLog):
        return store.link_log_index(backend.index_key, integrity.indexes.told)
    return False


def _sqlite_path(store_url: str) -> Path | None:
    parts = urlsplit(store_url)
    if parts.scheme != "sqlite":
        return None
    return Path(parts.path[1:] if parts.path.startswith("/") else parts.path)


def keys_directory(config: NodeConfig) -> Path:
    """Where the node's keyring lives when no key file is configured."""
    if config.integrity.keys_dir:
        return Path(config.integrity.keys_dir)
    beside = _sqlite_path(config.store)
    if beside is not None:
        return beside.with_name(beside.name + ".keys")
    return Path(config.data_dir) / f"keys-{config.node_id}"


_REDIS_TIMEOUT = 2.0  # seconds, as the Redis store's default


def _keyring(config: NodeConfig) -> Keyring:
    if config.integrity.key_file:
        path = Path(config.integrity.key_file)
        valid_from = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return Keyring.from_key_file(path, valid_from=valid_from)
    return Keyring.open(keys_directory(config))


async def _backend(config: NodeConfig, stack: contextlib.AsyncExitStack) -> LogBackend:
    if config.integrity.log:
        return await SQLiteLog.open(Path(config.integrity.log))
    beside = _sqlite_path(config.store)
    if beside is not None:
        return await SQLiteLog.open(beside.with_name(beside.name + ".translog"))
    parts = urlsplit(config.store)
    namespace = parse_qs(parts.query).get("namespace", ["bp"])[-1]
    cluster = parts.scheme == "redis+cluster"
    plain = urlunsplit(("redis" if cluster else parts.scheme, parts.netloc, parts.path, "", ""))
    # On a Cluster the log's keys share one hash tag (one slot): appends stay one atomic script.
    # Bounded waits, as the store's clients have: a master that stopped answering (failed over)
    # is an error after the timeout, not a write that hangs.
    limits = {"socket_timeout": _REDIS_TIMEOUT, "socket_connect_timeout": _REDIS_TIMEOUT}
    client: aioredis.Redis | RedisCluster = (
        RedisCluster.from_url(plain, **limits) if cluster else aioredis.from_url(plain, **limits)
    )
    stack.push_async_callback(client.aclose)
    hot: HotReads | SlotReads | None = None
    if parts.scheme == "redis":  # one Redis over TCP: the index read goes over a pipelined connection
        hot = HotReads(plain, _REDIS_TIMEOUT)
    elif isinstance(client, RedisCluster):  # ... on a Cluster, over one to its slot's master
        hot = SlotReads(client, plain, _REDIS_TIMEOUT)
    if hot is not None:
        stack.callback(hot.close)
    # The proofs' reads too over the one Redis's pipelined connection (a Cluster's go by the client).
    reads = hot if isinstance(hot, HotReads) else None
    return RedisLog(
        client, namespace=f"translog-{namespace}", hot=hot.hget if hot is not None else None, reads=reads
    )


@contextlib.asynccontextmanager
async def open_integrity(
    config: NodeConfig, *, on_unlogged: Callable[[], None] = lambda: None
) -> AsyncIterator[Integrity | None]:
    """The node's integrity part (None when ``[integrity] sign`` is false); closed on exit.
    ``on_unlogged`` is called for each stored version the log refused (a metric)."""
    if not config.integrity.sign:
        yield None
        return
    async with contextlib.AsyncExitStack() as stack:
        keyring = _keyring(config)
        base_url = node_base_url(config)
        signer = ViewSigner(keyring, base_url=base_url)
        backend = await _backend(config, stack)
        stack.push_async_callback(backend.aclose)
        log = await TransparencyLog(backend, signer=signer.sign_bytes).open()
        yield Integrity(keyring, signer, log, LogIndexes(log), base_url, on_unlogged)
