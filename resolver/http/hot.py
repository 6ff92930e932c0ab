"""Hot answers: public answers kept whole (body and headers), served before any routing.

An anonymous GET of a passport this node holds gets the same bytes and headers until the
passport changes. The first answer, made the ordinary way (route, edge, chain, headers), is kept
under (raw path, ``Accept``) with its header set built; the router (``MemoRouter``) serves a
later identical request from it: one dict lookup, no route match, no chain, no header building.

A kept answer is served only while it is current: it holds the very ``View`` object it was made
from, and is served only while the local stage still keeps that object
(``PublicViews.peek(handle) is view``). The local stage drops a view when a write in this process
forgets its handle and when the store's change feed names it, so a hot answer goes stale exactly
when the view the chain would read does, and is never served after the feed delivered a change.
Only a chain whose first stage is the local stage has hot answers (no stage before it could
change the answer), and only a node that takes no client certificates (they can lift a caller
without ``Authorization`` above the public tier).

A chain whose second stage is the federation cache (``resolver.stages.cache``) also keeps the
public answers it made from a peer's verified copy, for handles the local stage does not cover.
Such an answer is served only while the cache stage still keeps that very copy, fresh by the
node's clock and not yet due for its prefetch (``CacheStage.public_copy``): the copy goes when
it expires, when the peer's feed names it, when it is evicted or refreshed, and the answer with
it. Its ``Age`` is the copy's age at the moment it is served, as the ordinary path computes it.

A request is served hot only when nothing in it could change its answer: no ``Authorization``,
no forwarding trail or budget, no ``If-None-Match`` (a revalidation takes the ordinary path,
which answers ``304`` without a body), no ``Prefer`` (it can ask for a referral). The rate
limit applies as on the ordinary path; metrics count a hot answer as the route that made it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from aiohttp import web
from aiohttp.web_urldispatcher import PlainResource, ResourceRoute
from multidict import CIMultiDict, CIMultiDictProxy

from resolver.errors import TooManyRequests
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.metrics import Metrics
from resolver.ratelimit import RateLimiter
from resolver.stores.base import View

if TYPE_CHECKING:
    from resolver.federation.cache import CacheEntry

__all__ = ["HotAnswer", "HotAnswers", "KeptCopies", "KeptViews"]

_Key = tuple[str, str]  # (raw path with its query, Accept header value or "")
# Request headers that can change an answer kept here (the Accept header is part of the key).
_BYPASS = ("Authorization", "If-None-Match", "Prefer", HOPS_HEADER, BUDGET_HEADER)
# The routes whose answers made from a federation-cache copy may be kept (by their label).
_COPY_ROUTES = frozenset({"passport"})
# Every hot answer's route hangs off this resource; it is never registered with a router.
_RESOURCE = PlainResource("/", name="hot-answer")


class KeptViews(Protocol):
    """The public views the local stage keeps (``resolver.stages.local.PublicViews``)."""

    def peek(self, key: str) -> View | None: ...


class KeptCopies(Protocol):
    """The public copies of peers' answers the cache stage keeps (``resolver.stages.cache.CacheStage``)."""

    def public_copy(self, handle: str) -> CacheEntry | None: ...

    def copy_age(self, copy: CacheEntry) -> int: ...

    def count_hot_hit(self) -> None: ...


class _Counts:
    """What a hot answer counts, as the route that made it would: the request, the answer and
    the time taken; each bound once per route label."""

    __slots__ = ("_bound", "_metrics")

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._bound: dict[str, tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]] = {}

    def of(
        self, label: str, source: str = "local"
    ) -> tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]:
        """(count the request, count the answer, observe the seconds) for route ``label``
        answered from ``source``."""
        found = self._bound.get(label + " " + source)
        if found is None:
            metrics = self._metrics
            found = self._bound[label + " " + source] = (
                metrics.requests.labelled(label, "200"),
                metrics.answers.labelled(source),
                metrics.latency.labelled(label),
            )
        return found


class HotAnswer:
    """One kept answer: its bytes, its full header set, the view it was made from (and the
    federation cache's copy, for a peer's answer), and a route of its own, whose handler answers
    with them, for the router to hand to aiohttp.

    The route is made when the answer is first served, not when it is kept: on a node with many
    more passports than its memos hold, most answers are kept and never asked for again, and
    keeping one should cost no more than copying its headers.
    """

    __slots__ = ("_parts", "_route", "copy", "handle", "size", "view")

    def __init__(
        self,
        handle: str,
        view: View,
        headers: CIMultiDict[str],
        body: bytes,
        label: str,
        counts: _Counts,
        copied: tuple[CacheEntry, KeptCopies] | None = None,
    ) -> None:
        self.handle = handle
        self.view = view
        self.copy = copied[0] if copied is not None else None
        headers["Content-Length"] = str(len(body))  # aiohttp then measures nothing itself
        named = sum(map(len, headers.keys())) + sum(map(len, headers.values()))
        self.size = len(body) + named + 4 * ENTRY_OVERHEAD
        self._parts: tuple[bytes, CIMultiDict[str], str, _Counts, tuple[CacheEntry, KeptCopies] | None] | None
        self._parts = (body, headers, label, counts, copied)
        self._route: ResourceRoute | None = None

    @property
    def route(self) -> ResourceRoute:
        route = self._route
        if route is None:
            parts = self._parts
            assert parts is not None  # set until the route is made
            body, headers, label, counts, copied = parts
            if copied is None:
                handler = _answering(body, CIMultiDictProxy(headers), label, counts)
            else:
                handler = _answering_copy(body, headers, label, counts, *copied)
            route = self._route = ResourceRoute("GET", handler, _RESOURCE)
            self._parts = None
        return route


def _answering(
    body: bytes, headers: CIMultiDictProxy[str], label: str, counts: _Counts
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of a hot answer (a closure, so that the answer and its route hold no cycle)."""
    count_request, count_answer, observe = counts.of(label)
    clock = time.perf_counter

    async def answer(request: web.Request) -> web.StreamResponse:
        started = clock()
        response = web.Response(body=body, headers=headers)
        count_answer()
        count_request()
        observe(clock() - started)
        return response

    return answer


def _answering_copy(
    body: bytes, headers: CIMultiDict[str], label: str, counts: _Counts, copy: CacheEntry, copies: KeptCopies
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of a hot answer made from the federation cache's ``copy``: its ``Age`` is the
    copy's age now (the header set is rebuilt once per second of age, not per request)."""
    count_request, count_answer, observe = counts.of(label, "cache")
    clock = time.perf_counter
    aged: list[tuple[int, CIMultiDictProxy[str]]] = []  # the header set of the age last served

    async def answer(request: web.Request) -> web.StreamResponse:
        started = clock()
        age = copies.copy_age(copy)
        if not aged or aged[0][0] != age:
            fixed = CIMultiDict(headers)
            fixed["Age"] = str(age)
            aged[:] = [(age, CIMultiDictProxy(fixed))]
        response = web.Response(body=body, headers=aged[0][1])
        copies.count_hot_hit()
        count_answer()
        count_request()
        observe(clock() - started)
        return response

    return answer


def _size(key: _Key, answer: HotAnswer) -> int:
    return len(key[0]) + len(key[1]) + answer.size


class HotAnswers:
    """The kept answers of one app. Empty and unused until ``open``; ``close`` drops them."""

    def __init__(self, metrics: Metrics, *, max_bytes: int) -> None:
        self._answers: Memo[_Key, HotAnswer] = Memo(max_bytes, _size)
        self._counts = _Counts(metrics)
        self._max_bytes = max_bytes
        self._views: KeptViews | None = None
        self._copies: KeptCopies | None = None
        self._rates: RateLimiter | None = None

    def open(self, views: KeptViews | None, rates: RateLimiter, copies: KeptCopies | None = None) -> None:
        """Keep and serve answers that ``views`` vouch for (None: keep none), and those made
        from copies that ``copies`` (the chain's second stage) vouch for."""
        self._answers.clear()
        self._views = views if self._max_bytes > 0 else None
        self._copies = copies if self._views is not None else None
        self._rates = rates if rates.active else None

    def close(self) -> None:
        self._views = None
        self._copies = None
        self._rates = None
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)

    def offer(
        self, request: web.Request, handle: str, view: View, response: web.StreamResponse, label: str
    ) -> None:
        """Keep ``response`` (made for ``request`` from ``view`` of ``handle`` by the route
        counted as ``label``) as the answer to requests like it.

        The caller offers only what any anonymous caller would get for the same path and
        ``Accept``: a public view from the local stage or a public, verified copy from the
        federation cache, nothing that depends on the caller.
        """
        views = self._views
        if views is None or response.status != 200:
            return
        # (the type first: isinstance of an aiohttp response is an ABC check, slow for a miss)
        if type(response) is not web.Response and not isinstance(response, web.Response):
            return
        headers = request.headers
        for name in _BYPASS:
            if name in headers:
                return
        body = response.body
        if not isinstance(body, bytes):
            return
        copied: tuple[CacheEntry, KeptCopies] | None = None
        if views.peek(handle) is not view:
            # Not a view the local stage keeps: it is kept here only as a copy the cache stage
            # keeps, fresh, and made into this very view (else it could not be vouched for later).
            # Only the passport route's: its body does not change with the copy's age (the
            # Handle API's ttl does), only its Age header, which is set when served.
            copies = self._copies if label in _COPY_ROUTES else None
            copy = copies.public_copy(handle) if copies is not None else None
            if copies is None or copy is None or not copy.gave(view):
                return
            copied = (copy, copies)
        key = (request.raw_path, headers.get("Accept", ""))
        kept = HotAnswer(handle, view, CIMultiDict(response.headers), body, label, self._counts, copied)
        self._answers.put(key, kept)

    def match(self, request: web.Request) -> web.UrlMappingMatchInfo | None:
        """The route of the kept answer to ``request`` (a GET), if it has a current one."""
        views = self._views
        if views is None:
            return None
        headers = request.headers
        key = (request.raw_path, headers.get("Accept", ""))
        # Neither lookup reorders its memo: at this rate that would cost more than it saves (the
        # answers and views a hit skips over are dropped first; a miss takes the ordinary path).
        found = self._answers.peek(key)
        if found is None:
            return None
        copy = found.copy
        if copy is None:
            if views.peek(found.handle) is not found.view:  # changed, or no longer kept
                self._answers.pop(key)
                return None
        else:
            copies = self._copies
            # Expired, dropped by the peer's feed, evicted, refreshed, or due for its prefetch.
            if copies is None or copies.public_copy(found.handle) is not copy:
                self._answers.pop(key)
                return None
        for name in _BYPASS:
            if name in headers:
                return None
        rates = self._rates
        if rates is not None:
            try:
                rates.take(request.remote or "?", anonymous=True)
            except TooManyRequests:
                return None  # the ordinary path takes again, and answers 429 as it always does
        return web.UrlMappingMatchInfo({}, found.route)
