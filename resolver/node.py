"""The composition root: one running node's parts, built from its parsed configuration.

``open_node`` opens the store, the validator pool, the HTTP session for peers, the Redis client,
the federation's peer client and cache and the lifecycle part (event store, warning feed,
webhook delivery), builds the stages in the configuration's order with those as constructor
arguments, opens the SPARQL index and starts its follower when asked (``serve``), and closes
everything in reverse on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
import redis.asyncio as aioredis

from resolver import background
from resolver.config import NodeConfig
from resolver.federation.cache import FederationCache
from resolver.federation.client import PeerClient
from resolver.federation.delegation import DelegationCache
from resolver.federation.feed import ChangeSignal, Followers
from resolver.federation.probes import Prober
from resolver.federation.relayed import RelayedChanges
from resolver.federation.tls import client_context
from resolver.federation.trust import OwnerKeys, Pin
from resolver.identifiers import claims
from resolver.lifecycle.links import LineageLinks, lineage_links
from resolver.lifecycle.part import LifecyclePart, Timing, open_lifecycle
from resolver.linked.fetch import through_chain
from resolver.linked.passports import LinkedPassports
from resolver.lookup import Next, Stage, StageThatKeeps
from resolver.metrics import Metrics
from resolver.parts.integrity import Integrity, link_log_indexes, open_integrity
from resolver.parts.pins import PeerKeyFile, fork_marks_path, peer_keys_path, with_pinned_keys
from resolver.ratelimit import Rate, RateLimiter
from resolver.sparql.federated import Federation, peers_from_federation
from resolver.sparql.names import configured_index_dir
from resolver.sparql.runtime import SparqlIndex, open_sparql
from resolver.stages.base import build_chain
from resolver.stages.cache import CacheStage
from resolver.stages.federation import FederationStage
from resolver.stages.local import LocalStage
from resolver.stores import Store, open_store
from resolver.translog.marks import ForkMarks
from resolver.translog.watch import HeadWatch
from resolver.validation import Validator

__all__ = ["STAGE_BUILDERS", "Clock", "Node", "NodeParts", "Timing", "ValidatorStart", "open_node"]

_log = logging.getLogger("resolver.node")

Clock = Callable[[], float]
_TIMING = Timing()

_NOT_OPENED = "the SPARQL index is not open in this process"


class ValidatorStart(enum.Enum):
    """When the validator's workers start: never (a read-only command), in the background
    (``serve``: reads are answered while the workers load the shapes), or before the node is
    handed out (a command that verifies peers' answers at once)."""

    NEVER = "never"
    BACKGROUND = "background"
    WAIT = "wait"


@dataclass(frozen=True, eq=False, slots=True)
class NodeParts:
    """What the stages are built from: the node's shared, per-process collaborators."""

    config: NodeConfig
    store: Store
    validator: Validator | None
    metrics: Metrics
    peers: PeerClient
    federation_cache: FederationCache
    followers: Followers | None = None
    delegation: DelegationCache | None = None
    heads: HeadWatch | None = None
    monotonic: Clock = time.monotonic


@dataclass(frozen=True, eq=False, slots=True)
class Node:
    """A node's parts, open: what the HTTP edge and the commands use.

    ``chain`` is the stages composed in configuration order; ``local`` is the local stage when
    the chain has one (it decides which keys this node is authoritative for).
    ``validator_starting`` is the workers' start (None: not started, or already awaited).
    ``sparql`` is the SPARQL index this process serves (None: not opened; ``sparql_unavailable``
    then says why).
    ``lifecycle`` is the lifecycle part (events, warnings, subscriptions); None when the node
    was opened without it (a command that only reads passports).
    ``changed`` wakes the peers waiting on ``/changes``; ``followers`` follow the peers' feeds;
    ``relayed`` logs the keys they invalidated, passed on in ``/changes`` to this node's followers.
    ``checker`` is the ``/validate`` endpoint's own one-worker pool with a time budget, so that
    anonymous validation never queues writes behind it; it starts on first use (None: a node
    whose validator never starts; ``/validate`` then uses ``validator``).
    ``integrity`` is the node's keyring, view signer and transparency log (None: ``[integrity]
    sign = false``, versions are stored unsigned and unlogged).
    ``heads`` watches the signed tree heads of the peers whose keys are pinned (None: none are).
    ``linked`` judges items with their model and batch passports, read through ``chain``, and
    is the write path's validator (resolver/linked/).
    ``lineage`` checks predecessors on writes, tells their owners and walks lineages across
    nodes (None: no lifecycle part).
    """

    config: NodeConfig
    store: Store
    validator: Validator
    metrics: Metrics
    stages: tuple[Stage, ...]
    chain: Next
    local: LocalStage | None
    validator_starting: asyncio.Task[None] | None
    sparql: SparqlIndex | None = None
    sparql_unavailable: str = ""
    lifecycle: LifecyclePart | None = None
    checker: Validator | None = None
    changed: ChangeSignal = field(default_factory=ChangeSignal)
    followers: Followers | None = None
    integrity: Integrity | None = None
    relayed: RelayedChanges | None = None
    heads: HeadWatch | None = None
    linked: LinkedPassports | None = None
    lineage: LineageLinks | None = None

    def authoritative(self, key: str) -> bool:
        """Whether this node holds ``key``: as the local stage decides (prefixes delegated to a
        peer excluded), or by the configured prefixes when the chain has no local stage."""
        if self.local is not None:
            return self.local.covers(key)
        return any(claims(prefix, key) for prefix in self.config.prefixes)

    def forget(self, key: str) -> None:
        """Tell every stage that keeps answers that ``key`` changed (a write in this process),
        wake the peers waiting on ``/changes``, and the SPARQL index's follower (no poll wait)."""
        for stage in self.stages:
            if isinstance(stage, StageThatKeeps):
                stage.forget(key)
        self.changed.notify()
        if self.sparql is not None:
            self.sparql.follower.wake()


def _local(parts: NodeParts) -> Stage:
    config = parts.config
    delegated = tuple(p for peer in config.federation.peers for p in peer.prefixes)
    stage = LocalStage(
        parts.store,
        config.prefixes,
        max_age=config.max_age,
        delegated=delegated,
        view_cache_bytes=config.view_cache_bytes,
    )
    stage.views.start()
    return stage


def _cache(parts: NodeParts) -> Stage:
    return CacheStage(parts.federation_cache, metrics=parts.metrics, followers=parts.followers)


def _federation(parts: NodeParts) -> Stage:
    config = parts.config
    return FederationStage(
        config.federation,
        parts.peers,
        node_id=config.node_id,
        validator=parts.validator,
        metrics=parts.metrics,
        case_sensitive=config.case_sensitive,
        admit=_peer_lookup_limit(config, parts.monotonic),
        delegation=parts.delegation,
        forked=None if parts.heads is None else parts.heads.forked,
        owner_keys=OwnerKeys(config.federation.nodes, parts.peers, pin=_pin_learned(config)),
    )


def _pin_learned(config: NodeConfig) -> Pin:
    """Owners' keys learned over authenticated peer links, kept in the peer-key file (they are
    pinned at the next start too, like those an operator accepted with ``keys learn``)."""
    keys = PeerKeyFile(peer_keys_path(config))

    async def pin(owner: str, offered: Mapping[str, str]) -> None:
        await asyncio.to_thread(keys.pin, owner, offered)

    return pin


def _delegation(config: NodeConfig, clock: Clock) -> DelegationCache | None:
    """The owners learned from answers and referrals (``[federation.cache] delegation_*``)."""
    federation = config.federation
    if not federation.nodes:
        return None
    rules = federation.cache
    known = [peer.id for peer in federation.nodes]
    return DelegationCache(known, ttl=rules.delegation_ttl, max_entries=rules.delegation_entries, clock=clock)


def _peer_lookup_limit(config: NodeConfig, monotonic: Clock) -> Callable[[str], None] | None:
    """Each client's bucket of lookups that reach a peer (``[federation.limits]``), or None;
    the buckets refill by ``monotonic``."""
    limits = config.federation.limits
    if not limits.per_second:
        return None
    rate = Rate(float(limits.per_second), limits.burst or max(1, 2 * limits.per_second))
    limiter = RateLimiter(anonymous=rate, credentialed=rate, clock=monotonic)

    def admit(client: str) -> None:
        limiter.take(client, anonymous=client.startswith("addr:"))

    return admit


# One builder per stage name the configuration may write in ``chain`` (``config.STAGE_NAMES``;
# a test holds the two together). A new stage adds its name there and its builder here.
STAGE_BUILDERS: dict[str, Callable[[NodeParts], Stage]] = {
    "local": _local,
    "cache": _cache,
    "federation": _federation,
}


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("the validator workers did not start: %r", task.exception())


async def _settle(task: asyncio.Task[None]) -> None:
    await background.stop(task)


async def _start_validator(
    validator: Validator, start: ValidatorStart, stack: contextlib.AsyncExitStack
) -> asyncio.Task[None] | None:
    if start is ValidatorStart.NEVER:
        return None
    if start is ValidatorStart.WAIT:
        await validator.start()
        return None
    # Reads need no validator: the node answers while the workers load the shapes.
    # After the task's first step the pool exists, and writes queue on it.
    starting = asyncio.get_running_loop().create_task(validator.start(), name="validator-start")
    starting.add_done_callback(_report_failure)
    await asyncio.sleep(0)
    stack.push_async_callback(_settle, starting)
    return starting


def _checker(
    config: NodeConfig, start: ValidatorStart, stack: contextlib.AsyncExitStack, given: Validator | None
) -> Validator | None:
    """The ``/validate`` pool: one worker, a budget of ``config.limits.validate_seconds``."""
    if start is ValidatorStart.NEVER:
        return None
    if given is not None:
        return given  # the caller's: used and left open
    # Started by the first /validate (most nodes never see one: no extra process until then).
    checker = Validator(workers=1, timeout=float(config.limits.validate_seconds))
    stack.push_async_callback(checker.aclose)
    return checker


def _redis_client(config: NodeConfig, stack: contextlib.AsyncExitStack) -> aioredis.Redis | None:
    if not config.redis:
        return None
    client = aioredis.from_url(config.redis)
    stack.push_async_callback(client.aclose)
    return client


def _federation_cache(
    config: NodeConfig, redis: aioredis.Redis | None, metrics: Metrics, clock: Clock
) -> FederationCache:
    errors = metrics.counter(
        "passport_federation_cache_redis_errors_total",
        "Federation cache Redis calls that failed (answered without the shared cache).",
        ("operation",),
    )
    return FederationCache(config.federation.cache, redis=redis, on_redis_error=errors.inc, clock=clock)


def _followers(
    config: NodeConfig,
    http: aiohttp.ClientSession,
    cache: FederationCache,
    changed: ChangeSignal,
    relayed: RelayedChanges,
) -> Followers | None:
    """Followers of the change feeds of the peers the federation cache keeps copies from; what
    they invalidate is passed on to this node's own followers (``relayed``)."""
    federation = config.federation
    if not federation.nodes or not federation.cache.follow_changes:
        return None

    def invalidate(key: str) -> None:
        cache.drop(key)
        relayed.record(key)  # recorded even without a copy here: a follower may keep one longer
        changed.notify()

    def drop_source(peer_id: str) -> None:
        cache.drop_source(peer_id)
        relayed.reset()  # what was relayed from it is unknown now: followers drop their copies
        changed.notify()

    return Followers(http, federation.nodes, invalidate=invalidate, drop_source=drop_source)


async def _sparql(
    config: NodeConfig, store: Store, http: aiohttp.ClientSession, stack: contextlib.AsyncExitStack
) -> tuple[SparqlIndex | None, str]:
    """The node's SPARQL index, following ``store``; or None and why not.

    An index that cannot be opened (another process holds its directory) is logged, and
    ``/sparql`` answers 503 saying why: the node's other routes do not depend on SPARQL.
    """
    if not config.sparql.enabled:
        return None, "SPARQL is not enabled on this node ([sparql] enabled = false)"
    federation = Federation(config.node_id, peers_from_federation(config.federation), http)
    opening = open_sparql(
        store,
        directory=configured_index_dir(config),
        history=config.sparql.history,
        federation=federation,
        process=config.sparql.process,
    )
    try:
        return await stack.enter_async_context(opening), ""
    except OSError as err:
        _log.error("sparql: this process does not serve /sparql: %s", err)
        return None, str(err)


def _head_watch(
    config: NodeConfig,
    metrics: Metrics,
    clock: Clock,
    stack: contextlib.AsyncExitStack,
    federation_cache: FederationCache,
) -> HeadWatch | None:
    """The watch on the pinned peers' logs, running while the node is open (None: no peer
    has pinned keys). A peer seen forked has every copy it gave or owns dropped from the
    federation cache, here and in Redis; its answers are refused from then on."""
    checks = metrics.counter(
        "passport_translog_head_checks_total",
        "Checks of peers' signed tree heads, by peer and outcome (ok, fork, error).",
        ("peer", "outcome"),
    )
    watch = HeadWatch.for_federation(
        config.federation,
        interval=config.integrity.monitor_interval,
        clock=clock,
        on_check=checks.inc,
        on_fork=federation_cache.drop_source,
        marks=ForkMarks(fork_marks_path(config)),
    )
    if watch is not None:
        for peer in watch.monitor.marked():  # marked before a restart: copies in Redis go too
            federation_cache.drop_source(peer)
        watch.start()
        stack.push_async_callback(watch.aclose)
    return watch


def _peer_session(config: NodeConfig, stack: contextlib.AsyncExitStack) -> aiohttp.ClientSession:
    """The one HTTP session for peers, closed with the node."""
    # Peer requests carry their own per-lookup deadline; this is only the outer bound.
    timeout = aiohttp.ClientTimeout(total=max(config.deadline, 1.0) * 2)
    # Peers are verified against [federation.tls] ca_file, and see this node's certificate.
    connector = aiohttp.TCPConnector(ssl=client_context(config.federation.tls))
    http = aiohttp.ClientSession(timeout=timeout, raise_for_status=False, connector=connector)
    stack.push_async_callback(http.close)
    return http


def _peers(config: NodeConfig, http: aiohttp.ClientSession, stack: contextlib.AsyncExitStack) -> PeerClient:
    """The peer client, with its health probes running while the node is open."""
    peers = PeerClient(http, config.federation, node_id=config.node_id)
    interval = config.federation.breaker.probe_interval
    if config.federation.nodes and interval > 0:
        prober = Prober(peers, interval=interval)
        prober.start()
        stack.push_async_callback(prober.aclose)
    return peers


def _lifecycle(
    config: NodeConfig, store: Store, clock: Clock, timing: Timing
) -> contextlib.AbstractAsyncContextManager[LifecyclePart]:
    return open_lifecycle(
        config.lifecycle,
        store_url=config.store,
        passports=store,
        node_id=config.node_id,
        clock=clock,
        timing=timing,
    )


async def _integrity(
    config: NodeConfig, metrics: Metrics, stack: contextlib.AsyncExitStack
) -> Integrity | None:
    """The node's signing keys and transparency log, counting versions the log did not take."""
    unlogged = metrics.counter(
        "passport_translog_unlogged_total",
        "Versions stored but not appended to the transparency log (the log refused or was unreachable).",
    )
    return await stack.enter_async_context(open_integrity(config, on_unlogged=unlogged.inc))


def _stages(parts: NodeParts, stack: contextlib.AsyncExitStack) -> list[Stage]:
    """The configured chain's stages, in order, each closed with the node."""
    stages: list[Stage] = []
    for name in parts.config.chain:
        stage = STAGE_BUILDERS[name](parts)
        stack.push_async_callback(stage.aclose)
        stages.append(stage)
    return stages


def _with_lineage(
    node: Node, peers: PeerClient, timing: Timing | None, stack: contextlib.AsyncExitStack
) -> Node:
    """``node`` with its lineage links (they resolve through its chain), closed with it."""
    if node.lifecycle is None or timing is None:
        return node
    config = node.config
    links = lineage_links(
        node.lifecycle,
        chain=node.chain,
        peers=peers,
        federation=config.federation,
        node_id=config.node_id,
        deadline=config.deadline,
        holds=node.authoritative,
        timing=timing,
        case_sensitive=config.case_sensitive,
    )
    stack.push_async_callback(links.successions.aclose)
    links.successions.resume()  # announcements a stopped process left unacknowledged
    return dataclasses.replace(node, lineage=links)


async def _store_with_integrity(
    config: NodeConfig, metrics: Metrics, stack: contextlib.AsyncExitStack
) -> tuple[Store, Integrity | None]:
    """The store, and the signing part that seals its writes; the store reads a view's log index
    with the view (one round trip on Redis) once the two are linked."""
    store = await open_store(config.store)
    stack.push_async_callback(store.aclose)
    integrity = await _integrity(config, metrics, stack)
    if integrity is not None:
        link_log_indexes(store, integrity)
    return store, integrity


def _own_validator(
    config: NodeConfig, validator: Validator | None, stack: contextlib.AsyncExitStack
) -> Validator:
    """The caller's pool, left open; else one of ``config.workers`` workers the node closes."""
    if validator is None:
        validator = Validator(workers=config.workers)
        stack.push_async_callback(validator.aclose)
    return validator


@contextlib.asynccontextmanager
async def open_node(
    config: NodeConfig,
    *,
    validator_start: ValidatorStart = ValidatorStart.BACKGROUND,
    metrics: Metrics | None = None,
    clock: Clock = time.time,
    monotonic: Clock = time.monotonic,
    sparql: bool = False,
    lifecycle: Timing | None = _TIMING,
    validator: Validator | None = None,
    checker: Validator | None = None,
) -> AsyncIterator[Node]:
    """Open every part of the node for ``config``; close them all, in reverse, on exit.

    ``clock`` is the node's wall clock (the federation cache ages entries and the lifecycle part
    dates readings by it), ``monotonic`` the one ``[federation.limits]`` buckets refill by; tests
    move both. ``sparql`` opens the SPARQL index (``[sparql]``) and follows the store: only the
    process serving ``/sparql`` does (an index directory has one writer). ``lifecycle``: the
    lifecycle part's delivery timing, or None to open the node without it. ``validator`` (and
    ``checker``, the /validate pool): a pool the caller owns, started or not, used and left open
    (tests share them among a process's nodes); None: the node's own, closed by it."""
    metrics = metrics or Metrics()
    config = with_pinned_keys(config)  # owners' keys an operator accepted (keys learn)
    async with contextlib.AsyncExitStack() as stack:
        store, integrity = await _store_with_integrity(config, metrics, stack)
        validator = _own_validator(config, validator, stack)
        starting = await _start_validator(validator, validator_start, stack)
        checker = _checker(config, validator_start, stack, checker)
        http = _peer_session(config, stack)
        redis = _redis_client(config, stack)
        index, why = await _sparql(config, store, http, stack) if sparql else (None, "")
        federation_cache = _federation_cache(config, redis, metrics, clock)
        changed, relayed = ChangeSignal(), RelayedChanges()
        followers = _followers(config, http, federation_cache, changed, relayed)
        if followers is not None:
            stack.push_async_callback(followers.aclose)
        peers = _peers(config, http, stack)
        heads = _head_watch(config, metrics, clock, stack, federation_cache)
        parts = NodeParts(
            config=config,
            store=store,
            # A validator that never starts cannot check peers' answers: identity checks only.
            validator=validator if validator_start is not ValidatorStart.NEVER else None,
            metrics=metrics,
            peers=peers,
            federation_cache=federation_cache,
            followers=followers,
            delegation=_delegation(config, clock),
            heads=heads,
            monotonic=monotonic,
        )
        part = None
        if lifecycle is not None:
            part = await stack.enter_async_context(_lifecycle(config, store, clock, lifecycle))
        stages = _stages(parts, stack)
        chain = build_chain(stages, node_id=config.node_id)
        node = Node(
            config=config,
            store=store,
            validator=validator,
            metrics=metrics,
            stages=tuple(stages),
            chain=chain,
            local=next((s for s in stages if isinstance(s, LocalStage)), None),
            validator_starting=starting,
            sparql=index,
            sparql_unavailable="" if index is not None else why or _NOT_OPENED,
            lifecycle=part,
            checker=checker,
            followers=followers,
            integrity=integrity,
            changed=changed,
            relayed=relayed if followers is not None else None,
            heads=heads,
            linked=LinkedPassports(validator, through_chain(chain, deadline=config.deadline)),
        )
        yield _with_lineage(node, peers, lifecycle, stack)
        # Let in-flight connection closes settle before the loop goes away.
        await asyncio.sleep(0)
