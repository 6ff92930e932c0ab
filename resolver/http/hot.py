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
it. Its ``Age`` is the copy's age when the request is matched (the same reading of the
clock that found the copy fresh), as the ordinary path computes it.

A request is served hot only when nothing in it could change its answer: no ``Authorization``,
no forwarding trail or budget, no ``If-None-Match`` (a revalidation takes the ordinary path,
which answers ``304`` without a body), no ``Prefer`` (it can ask for a referral). The rate
limit applies as on the ordinary path; metrics count a hot answer as the route that made it.

What the app's response-prepare signal adds to an anonymous answer (the CORS headers,
resolver/http/cors.py) is kept in the answer's header set (``stand_in``), and a hot answer then
skips the signal: checked when the app starts, only if that handler is all the signal has and
the app has no middlewares. Each answer served is made from the kept bytes and a copy of the
kept set (``fast_response``): nothing is encoded or checked again per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, cast

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import PlainResource, ResourceRoute
from multidict import CIMultiDict, istr

from resolver.errors import TooManyRequests
from resolver.http.fast_response import BytesResponse, bytes_response
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.metrics import Metrics
from resolver.ratelimit import RateLimiter
from resolver.stores.base import View

if TYPE_CHECKING:
    from resolver.federation.cache import CacheEntry

__all__ = ["HotAnswer", "HotAnswers", "KeptCopies", "KeptViews"]

_Key = tuple[str, str]  # (raw path with its query, Accept header value or "")
# Request headers that can change an answer kept here (the Accept header is part of the key). As
# istr, as aiohttp's own names: a case-insensitive lookup then does not fold the name each time.
_BYPASS = tuple(map(istr, ("Authorization", "If-None-Match", "Prefer", HOPS_HEADER, BUDGET_HEADER)))
_ACCEPT = hdrs.ACCEPT
# The routes whose answers made from a federation-cache copy may be kept (by their label).
_COPY_ROUTES = frozenset({"passport"})
# What a hot answer counts when served: (count the request, count the answer, observe the seconds).
_Tally = tuple[Callable[[], None], Callable[[], None], Callable[[float], None]]
_HEADER_BYTES = 64  # what one kept header costs, name, value and its entry (an estimate)


class KeptViews(Protocol):
    """The public views the local stage keeps (``resolver.stages.local.PublicViews``)."""

    def peek(self, key: str) -> View | None: ...


class KeptCopies(Protocol):
    """The public copies of peers' answers the cache stage keeps (``resolver.stages.cache.CacheStage``)."""

    def public_copy(self, handle: str) -> CacheEntry | None: ...

    def serving_age(self, handle: str, copy: CacheEntry) -> int | None: ...

    def count_hot_hit(self) -> None: ...


class _Counts:
    """What a hot answer counts, as the route that made it would: the request, the answer and
    the time taken; each bound once per route label."""

    __slots__ = ("_bound", "_metrics")

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._bound: dict[tuple[str, str], _Tally] = {}

    def of(self, label: str, source: str = "local") -> _Tally:
        """(count the request, count the answer, observe the seconds) for route ``label``
        answered from ``source``."""
        found = self._bound.get((label, source))
        if found is None:
            metrics = self._metrics
            found = self._bound[(label, source)] = (
                metrics.requests.labelled(label, "200"),
                metrics.answers.labelled(source),
                metrics.latency.labelled(label),
            )
        return found


class HotAnswer:
    """One kept answer: its bytes, its full header set, the view it was made from (and the
    federation cache's copy, for a peer's answer), and what it counts when served.

    Every kept answer is served by the one hot route (``_ROUTE``), whose match carries the
    answer (``_HotMatch``): keeping or first serving an answer makes no route or handler of its
    own (on a node with many more passports than its memos hold, most answers are served once
    or twice, and a route per answer was a good part of what serving one cost).
    """

    __slots__ = ("_age", "_body", "_copies", "_headers", "_tally", "copy", "handle", "quiet", "size", "view")

    def __init__(
        self,
        handle: str,
        view: View,
        headers: CIMultiDict[str],
        body: bytes,
        tally: _Tally,
        copied: tuple[CacheEntry, KeptCopies] | None = None,
        *,
        quiet: bool = False,
    ) -> None:
        self.handle = handle
        self.view = view
        self.quiet = quiet  # the headers hold what the app's response-prepare signal adds: skip it
        self.copy: CacheEntry | None = None
        self._copies: KeptCopies | None = None
        if copied is not None:
            self.copy, self._copies = copied
        headers["Content-Length"] = str(len(body))  # aiohttp then measures nothing itself
        # The headers' cost by their number (measuring each name and value cost more than the
        # rest of keeping an answer): a passport answer's run to ~40 bytes each.
        self.size = len(body) + _HEADER_BYTES * len(headers) + 4 * ENTRY_OVERHEAD
        self._body = body
        self._headers = headers  # each response copies it; only a copy's Age changes in it
        self._age = -1  # the Age the kept set says (a copy's answer's), -1 until first served
        self._tally = tally

    def respond(self, age: int = -1) -> web.Response:
        """The response, counted as the route that made it counts its own. An answer made from
        a federation-cache copy says the copy's ``age`` (as the match found it: ``Age``, where
        the copy's answer had it among its headers), as the ordinary path computes it."""
        started = _clock()
        count_request, count_answer, observe = self._tally
        copies = self._copies
        if copies is not None:
            if age != self._age:  # the kept set changes once per second of age, not per request
                self._age = age
                self._headers["Age"] = str(age)
            copies.count_hot_hit()
        response = bytes_response(self._body, self._headers.copy())
        count_answer()
        count_request()
        observe(_clock() - started)
        return response


# What aiohttp's match keeps (3.9 to 3.14): a match made here sets them directly, as its own
# constructor would for an empty match dictionary; else it calls that constructor.
_MATCH_SLOTS = ("_route", "_apps", "_current_app", "_frozen")
_DIRECT_MATCH = getattr(web.UrlMappingMatchInfo, "__slots__", ()) == _MATCH_SLOTS


class _HotMatch(web.UrlMappingMatchInfo):
    """The router's match for a request served by a kept answer: the hot route and the answer.

    For a ``quiet`` answer (its headers hold what the app's response-prepare signal would add)
    the app is the match's current app but not in its stack of apps, whose signals aiohttp
    sends when the response is prepared (``Request._prepare_hook``): no signal is sent.
    """

    __slots__ = ("age", "answer")

    def __init__(self, answer: HotAnswer, age: int = -1) -> None:
        if _DIRECT_MATCH:
            self._route = _ROUTE
            self._apps: list[web.Application] = []
            self._current_app: web.Application | None = None
            self._frozen = False
        else:
            super().__init__({}, _ROUTE)
        self.answer = answer
        self.age = age  # a copy's age when matched (-1: not a copy's answer)

    def add_app(self, app: web.Application) -> None:
        if not self.answer.quiet:
            super().add_app(app)
        elif self._current_app is None:
            self._current_app = app


async def _serve(request: web.Request) -> web.StreamResponse:
    """The handler of the hot route: the kept answer the router matched the request to."""
    match = cast(_HotMatch, request.match_info)
    return match.answer.respond(match.age)


_clock = time.perf_counter
# Every hot answer is served by this route; it hangs off a resource never registered with a router.
_ROUTE = ResourceRoute("GET", _serve, PlainResource("/", name="hot-answer"))


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
        self._stand_in: tuple[web.Application, object, dict[str, str]] | None = None
        self._added: dict[str, str] | None = None  # kept in each answer in place of the signal
        self._settled = False  # whether _added is final (the app is frozen: its signal too)

    def stand_in(self, app: web.Application, handler: object, headers: Mapping[str, str]) -> None:
        """``headers`` are what ``handler``, of ``app``'s response-prepare signal, adds to an
        answer to a caller without ``Authorization`` (all a hot answer is made for): answers kept
        from ``open`` on hold them, and skip the signal, if ``handler`` is all it has then and
        ``app`` has no middlewares (else they are sent it, as any answer is). That is checked
        once the app is frozen (aiohttp freezes it after its startup, where ``open`` is called):
        until then, answers are kept without them and are sent the signal."""
        self._stand_in = (app, handler, dict(headers))

    def _signal_headers(self) -> dict[str, str] | None:
        """What answers kept now hold in place of the response-prepare signal (None: they are
        sent it); settled once the app's signal is frozen."""
        stand_in = self._stand_in
        if stand_in is None:
            self._settled = True
            return None
        app, handler, headers = stand_in
        signal = app.on_response_prepare
        if not signal.frozen:
            return None  # asked again at the next answer kept
        self._settled = True
        return headers if list(signal) == [handler] and not app.middlewares else None

    def open(self, views: KeptViews | None, rates: RateLimiter, copies: KeptCopies | None = None) -> None:
        """Keep and serve answers that ``views`` vouch for (None: keep none), and those made
        from copies that ``copies`` (the chain's second stage) vouch for."""
        self._answers.clear()
        self._settled = False
        self._added = self._signal_headers()
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
        # (the types first: isinstance of an aiohttp response is an ABC check, slow for a miss)
        kind = type(response)
        if kind is not BytesResponse and kind is not web.Response and not isinstance(response, web.Response):
            return
        headers = request.headers
        for name in _BYPASS:
            if name in headers:
                return
        body = cast(web.Response, response).body  # one of the two kinds, checked above
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
        key = (request.raw_path, headers.get(_ACCEPT, ""))
        tally = self._counts.of(label, "local" if copied is None else "cache")
        kept_headers = CIMultiDict(response.headers)
        added = self._added if self._settled else self._signal_headers()
        self._added = added
        if added is not None:
            kept_headers.update(added)
        kept = HotAnswer(handle, view, kept_headers, body, tally, copied, quiet=added is not None)
        self._answers.put(key, kept)

    def match(self, request: web.Request) -> web.UrlMappingMatchInfo | None:
        """The route of the kept answer to ``request`` (a GET), if it has a current one."""
        views = self._views
        if views is None:
            return None
        headers = request.headers
        key = (request.raw_path, headers.get(_ACCEPT, ""))
        # Neither lookup reorders its memo: at this rate that would cost more than it saves (the
        # answers and views a hit skips over are dropped first; a miss takes the ordinary path).
        found = self._answers.peek(key)
        if found is None:
            return None
        copy = found.copy
        age = -1
        if copy is None:
            if views.peek(found.handle) is not found.view:  # changed, or no longer kept
                self._answers.pop(key)
                return None
        else:
            copies = self._copies
            # Expired, dropped by the peer's feed, evicted, refreshed, or due for its prefetch.
            kept_age = copies.serving_age(found.handle, copy) if copies is not None else None
            if kept_age is None:
                self._answers.pop(key)
                return None
            age = kept_age
        for name in _BYPASS:
            if name in headers:
                return None
        rates = self._rates
        if rates is not None:
            try:
                rates.take(request.remote or "?", anonymous=True)
            except TooManyRequests:
                return None  # the ordinary path takes again, and answers 429 as it always does
        return _HotMatch(found, age)
