"""Second life across nodes: a new passport naming predecessors (dp 67), checked and announced.

On a write (``Successions.check``, called by the write path between validation and storing),
every predecessor the new version names and the version it replaces did not is resolved
through the node's stage chain (so through the federation when another node owns it): it must
exist, be live and not be waste, and the passport naming it must have a second-life status.
After the write, ``announce`` stores an announcement per predecessor (the lifecycle store) and
tells its owner in the background: this node records the link itself; another node is sent
``POST /{predecessor}/successors`` with this node's peer credential (through a relay when the
owner is not a peer: the relay passes it on), retried with bounded backoff until acknowledged,
also after a restart (``resume``). The owner (``record``) adds a status change naming the
successor, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass

import orjson

from resolver import background
from resolver.errors import FederationError, InputError, InvalidPassport, NotFound, ResolverError
from resolver.identifiers import parse_identifier
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.facts import facts_of
from resolver.lifecycle.peering import PeerLink, passport_path
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.status import IllegalTransition, StatusChange
from resolver.stores.base import View
from resolver.tiers import Tier

__all__ = [
    "SECOND_LIFE",
    "Resolve",
    "Succession",
    "Successions",
    "UnlinkedSuccessor",
    "UnresolvedPredecessor",
]

_log = logging.getLogger("resolver.lifecycle.succession")

SECOND_LIFE = ("re-used", "repurposed", "remanufactured")
Resolve = Callable[[str], Awaitable[View]]  # the current authority view of a key, from the chain
Sleep = Callable[[float], Awaitable[None]]


class UnresolvedPredecessor(InvalidPassport):
    """422: a predecessor the passport names does not resolve, or may not have a successor."""

    slug = "unresolved-predecessor"
    title = "A predecessor of the passport does not resolve"


class UnlinkedSuccessor(InvalidPassport):
    """422: a successor announced to the owner does not name the predecessor."""

    slug = "successor-not-linked"
    title = "The successor does not name this passport as its predecessor"


@dataclass(frozen=True, slots=True)
class Succession:
    """A written passport (``successor``, its status) and every predecessor it names (keys)."""

    successor: str
    status: str
    predecessors: tuple[str, ...]


class Successions:
    def __init__(
        self,
        service: LifecycleService,
        resolve: Resolve,
        *,
        link: PeerLink | None,
        holds: Callable[[str], bool],
        node_id: str,
        sleep: Sleep = asyncio.sleep,
        backoff: float = 1.0,
        backoff_max: float = 60.0,
        case_sensitive: bool = False,
    ) -> None:
        self.service = service
        self._resolve = resolve
        self._link = link
        self._holds = holds
        self.node_id = node_id
        self._sleep = sleep
        self._clock = service.clock
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._case_sensitive = case_sensitive
        self._tasks: set[asyncio.Task[None]] = set()
        self._sending: set[str] = set()  # announcement keys being told by this process
        self.outcomes: dict[tuple[str, str], str] = {}  # (successor, predecessor) -> last outcome

    def _key(self, text: str) -> str:
        try:
            return parse_identifier(text, case_sensitive=self._case_sensitive).key
        except InputError as err:
            raise UnresolvedPredecessor(
                f"predecessor {text[:200]!r} is not a passport identifier: {err.detail}", predecessor=text
            ) from err

    async def check(self, key: str, view: bytes, previous: bytes | None) -> Succession | None:
        """The succession a new authority ``view`` of ``key`` makes (None: it names no
        predecessor), once its new predecessors resolved; UnresolvedPredecessor (422) naming
        the first that does not."""
        if b'"predecessor"' not in view:
            return None
        facts = facts_of(view)
        keys = tuple(dict.fromkeys(self._key(text) for text in facts.predecessors))
        if not keys:
            return None
        before = {self._key(t) for t in facts_of(previous).predecessors} if previous else set()
        status = facts.status or "original"
        for predecessor in keys:
            if predecessor in before:
                continue  # checked when it was first named
            if predecessor == key:
                raise UnresolvedPredecessor(f"{key} names itself as its predecessor", predecessor=key)
            if status not in SECOND_LIFE:
                raise UnresolvedPredecessor(
                    f"{key} names predecessor {predecessor} but its status is {status}; a battery "
                    f"with a predecessor is {', '.join(SECOND_LIFE)}",
                    predecessor=predecessor,
                )
            await self._check_one(key, predecessor)
        return Succession(key, status, keys)

    async def _check_one(self, key: str, predecessor: str) -> None:
        try:
            found = await self._resolve(predecessor)
        except NotFound as err:  # Gone included
            raise UnresolvedPredecessor(
                f"predecessor {predecessor} of {key} does not resolve: {err.detail}", predecessor=predecessor
            ) from err
        except FederationError as err:
            raise type(err)(
                f"predecessor {predecessor} of {key} could not be checked: {err.detail}",
                **{**err.extensions, "predecessor": predecessor},
            ) from err
        if found.deleted:
            raise UnresolvedPredecessor(f"predecessor {predecessor} was deleted", predecessor=predecessor)
        if facts_of(found.body).status == "waste":
            raise UnresolvedPredecessor(
                f"predecessor {predecessor} is waste; waste is final and has no successor",
                predecessor=predecessor,
            )

    # -- telling the owners -----------------------------------------------------------------

    async def announce(self, succession: Succession) -> None:
        """Store an announcement for each predecessor's owner, then tell them in the background
        (the write is answered once they are stored). Retried until acknowledged, across
        restarts (``resume``)."""
        for predecessor in succession.predecessors:
            announcement = Announcement(succession.successor, predecessor, succession.status, self._clock())
            try:
                await self.service.events.put_announcement(announcement)
            except ResolverError as err:  # told all the same, but only while this process runs
                _log.error(
                    "announcement of %s to %s not stored: %s", announcement.successor, predecessor, err
                )
            self._start(announcement)

    def resume(self) -> None:
        """Tell again, in the background, every announcement stored and not yet acknowledged (a
        node stopped before its owner took it); bounded by the store's timeout."""
        self._spawn(self._resume(), "lineage-resume")

    async def _resume(self) -> None:
        try:
            pending = await self.service.events.announcements()
        except ResolverError as err:
            _log.error("stored announcements could not be read: %s", err)
            return
        for announcement in pending:
            self._start(announcement)

    def _start(self, announcement: Announcement) -> None:
        if announcement.key in self._sending:
            return  # already being told by this process
        self._sending.add(announcement.key)
        self._spawn(self._deliver(announcement), "lineage-announce")

    def _spawn(self, work: Coroutine[object, object, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the announcements in flight (tests; a stopping node cancels them)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def _deliver(self, announcement: Announcement) -> None:
        """Until the owner acknowledges or refuses for good; each failure is stored (attempts,
        error) and followed by a wait of ``backoff * 2**(n-1)``, at most ``backoff_max``."""
        pair = (announcement.successor, announcement.predecessor)
        try:
            while True:
                if announcement.attempts:
                    n = min(announcement.attempts, 32)
                    await self._sleep(min(self.backoff_max, self.backoff * 2 ** (n - 1)))
                try:
                    outcome = await self._tell(announcement)
                except (ResolverError, OSError) as err:
                    announcement = announcement.failed(str(err))
                    self.outcomes[pair] = f"retrying after {announcement.attempts} attempts: {err}"
                    _log.warning("telling the owner of %s about %s failed (attempt %d): %s",
                                 pair[1], pair[0], announcement.attempts, err)  # fmt: skip
                    await self._keep(announcement)
                    continue
                self.outcomes[pair] = outcome
                await self._end(announcement)
                return
        finally:
            self._sending.discard(announcement.key)

    async def _keep(self, announcement: Announcement) -> None:
        try:
            await self.service.events.put_announcement(announcement)
        except ResolverError as err:
            _log.error("announcement of %s not stored: %s", announcement.successor, err)

    async def _end(self, announcement: Announcement) -> None:
        try:
            await self.service.events.end_announcement(announcement)
        except ResolverError as err:  # told again at the next start: the owner records it once
            _log.error("announcement of %s not removed: %s", announcement.successor, err)

    async def _tell(self, announcement: Announcement) -> str:
        """One attempt: "recorded"/"known" or "refused: ..." (final); raises when worth retrying."""
        predecessor = announcement.predecessor
        if self._holds(predecessor):
            try:
                change = await self.record(
                    predecessor, announcement.successor, announcement.status, by=self.node_id
                )
            except (IllegalTransition, NotFound) as err:
                return f"refused: {err.detail}"
            return "recorded" if change is not None else "known"
        peer = self._link.owner_of(predecessor) if self._link is not None else None
        if peer is None or self._link is None:
            return "refused: no peer holds it"
        body = orjson.dumps({"successor": announcement.successor, "status": announcement.status})
        path = passport_path(predecessor, "successors")
        answer = await self._link.call(peer, "POST", path, tier=Tier.AUTHORITY, body=body)
        if answer.status in (200, 201):
            return "recorded" if answer.status == 201 else "known"
        problem = _problem(answer.body)
        final = 400 <= answer.status < 500 and answer.status not in (408, 429)
        if answer.status == 409 and not str(problem.get("type", "")).endswith("illegal-status-transition"):
            final = False  # a concurrent status change: try again
        detail = f"{peer.id} answered {answer.status}: {problem.get('detail', '')}"
        if final:
            return f"refused: {detail}"
        raise FederationError(detail, peer=peer.id)

    async def record(self, predecessor: str, successor: str, status: str, *, by: str) -> StatusChange | None:
        """On the predecessor's owner: a status change naming ``successor`` (None: already
        recorded). IllegalTransition (409) when the status may not follow the current one."""
        if status not in SECOND_LIFE:
            raise InputError(f"status must be one of {', '.join(SECOND_LIFE)}, not {status[:40]!r}")
        changes = await self.service.events.status_changes(predecessor)
        if any(successor in change.successors for change in changes):
            await self.service.facts(predecessor)  # still 404/410 for a passport that went away
            return None
        return await self.service.change_status(
            predecessor, status, by=by, successors=(successor,), note=f"successor {successor} named it"
        )

    async def confirm(self, predecessor: str, successor: str) -> None:
        """That the passport ``successor`` (resolved through the chain) names ``predecessor``;
        UnlinkedSuccessor (422) if not."""
        try:
            found = await self._resolve(successor)
        except NotFound as err:
            raise UnlinkedSuccessor(f"successor {successor} does not resolve: {err.detail}") from err
        named = {self._key(t) for t in facts_of(found.body).predecessors}
        if found.deleted or predecessor not in named:
            raise UnlinkedSuccessor(f"successor {successor} does not name {predecessor} as its predecessor")

    async def aclose(self) -> None:
        for task in list(self._tasks):
            await background.stop(task)


def _problem(body: bytes) -> dict[str, object]:
    try:
        found = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
