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

A request is served hot only when nothing in it could change its answer: no ``Authorization``,
no forwarding trail or budget, no ``If-None-Match`` (a revalidation takes the ordinary path,
which answers ``304`` without a body). The rate limit applies as on the ordinary path; metrics
count a hot answer as the route that made it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web
from aiohttp.web_urldispatcher import PlainResource, ResourceRoute
from multidict import CIMultiDict, CIMultiDictProxy

from resolver.errors import TooManyRequests
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.metrics import Metrics
from resolver.ratelimit import RateLimiter
from resolver.stores.base import View

__all__ = ["HotAnswer", "HotAnswers", "KeptViews"]

_Key = tuple[str, str]  # (raw path with its query, Accept header value or "")
# Request headers that can change an answer kept here (the Accept header is part of the key).
_BYPASS = ("Authorization", "If-None-Match", HOPS_HEADER, BUDGET_HEADER)
# Every hot answer's route hangs off this resource; it is never registered with a router.
_RESOURCE = PlainResource("/", name="hot-answer")


class KeptViews(Protocol):
    """The public views the local stage keeps (``resolver.stages.local.PublicViews``)."""

    def peek(self, key: str) -> View | None: ...


class _Counts:
    """What a hot answer counts, as the route that made it would: the request, the answer and
    the time taken; each bound once per route label."""

    __slots__ = ("_bound", "_metrics")

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._bound: dict[str, tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]] = {}

    def of(self, label: str) -> tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]:
        """(count the request, count the answer, observe the seconds) for route ``label``."""
        found = self._bound.get(label)
        if found is None:
            metrics = self._metrics
            found = self._bound[label] = (
                metrics.requests.labelled(label, "200"),
                metrics.answers.labelled("local"),
                metrics.latency.labelled(label),
            )
        return found


class HotAnswer:
    """One kept answer: its bytes, its full header set, the view it was made from, and a route
    of its own, whose handler answers with them, for the router to hand to aiohttp."""

    __slots__ = ("handle", "route", "size", "view")

    def __init__(
        self, handle: str, view: View, response: web.Response, body: bytes, label: str, counts: _Counts
    ) -> None:
        self.handle = handle
        self.view = view
        headers = CIMultiDict(response.headers)
        headers["Content-Length"] = str(len(body))  # aiohttp then measures nothing itself
        self.size = len(body) + sum(len(k) + len(v) for k, v in headers.items()) + 4 * ENTRY_OVERHEAD
        handler = _answering(body, CIMultiDictProxy(headers), label, counts)
        self.route = ResourceRoute("GET", handler, _RESOURCE)


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


def _size(key: _Key, answer: HotAnswer) -> int:
    return len(key[0]) + len(key[1]) + answer.size


class HotAnswers:
    """The kept answers of one app. Empty and unused until ``open``; ``close`` drops them."""

    def __init__(self, metrics: Metrics, *, max_bytes: int) -> None:
        self._answers: Memo[_Key, HotAnswer] = Memo(max_bytes, _size)
        self._counts = _Counts(metrics)
        self._max_bytes = max_bytes
        self._views: KeptViews | None = None
        self._rates: RateLimiter | None = None

    def open(self, views: KeptViews | None, rates: RateLimiter) -> None:
        """Keep and serve answers that ``views`` vouch for (None: keep none)."""
        self._answers.clear()
        self._views = views if self._max_bytes > 0 else None
        self._rates = rates if rates.active else None

    def close(self) -> None:
        self._views = None
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
        ``Accept``: a public view from the local stage, nothing that depends on the caller.
        """
        views = self._views
        if views is None or not isinstance(response, web.Response) or response.status != 200:
            return
        body = response.body
        if not isinstance(body, bytes) or views.peek(handle) is not view:
            return  # a view the local stage does not keep could not be vouched for later
        headers = request.headers
        if any(name in headers for name in _BYPASS):
            return
        key = (request.raw_path, headers.get("Accept", ""))
        self._answers.put(key, HotAnswer(handle, view, response, body, label, self._counts))

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
        if views.peek(found.handle) is not found.view:  # changed, or no longer kept
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
