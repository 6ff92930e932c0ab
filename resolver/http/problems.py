"""Every error leaves the node as an RFC 9457 problem document, whatever raised it.

``guarded`` wraps each route's handler: the node's own errors, aiohttp's HTTP exceptions and
unexpected exceptions (500, logged, no trace in the body) become problems, and every request is
counted; a last catch-all route answers unknown paths (404) and wrong methods (405).
``ProblemRequestHandler`` does the same for errors aiohttp raises before any handler runs (a
bad request line, a header over the size limit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import cast

import orjson
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from aiohttp.web_server import Server

from resolver.errors import (
    PROBLEM_BASE,
    AuthError,
    FederationError,
    Gone,
    LoopDetected,
    NotFound,
    ResolverError,
    StoreUnavailable,
    TooManyRequests,
)
from resolver.metrics import Metrics

__all__ = [
    "PROBLEM_TYPE",
    "ProblemRequestHandler",
    "add_unmatched_route",
    "guarded",
    "problem_for_status",
    "problem_response",
    "use_problem_errors",
]

PROBLEM_TYPE = "application/problem+json"
_log = logging.getLogger("resolver.http")

# Problem types for statuses aiohttp raises on its own (the node's errors carry their own).
_SLUGS = {
    400: "bad-request",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    431: "header-too-large",
    500: "internal",
    501: "not-implemented",
    503: "unavailable",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Counted (never sent) for a request whose client closed the connection first, as nginx does.
_CLIENT_CLOSED = 499
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds from a request's first byte to the end of its head


def _json(doc: dict[str, object]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)


def problem_response(err: ResolverError, instance: str | None = None) -> web.Response:
    """The response for one of the node's errors."""
    headers = None
    if type(err) is AuthError or (isinstance(err, AuthError) and err.status == 401):
        headers = {"WWW-Authenticate": 'Bearer realm="passport-node"'}
    elif isinstance(err, TooManyRequests) or (
        isinstance(err, FederationError) and err.status in (502, 504) and not isinstance(err, LoopDetected)
    ):
        # A peer that failed or timed out may answer again soon: an open circuit says when.
        headers = {"Retry-After": str(err.extensions.get("retry_after", 1))}
    elif isinstance(err, NotFound | Gone) and isinstance(err.extensions.get("max_age"), int):
        # A federated "not found" says how long it may still be kept (RFC 2308 for passports).
        headers = {"Cache-Control": f"max-age={err.extensions['max_age']}"}
    return web.Response(
        status=err.status, body=_json(err.problem(instance)), content_type=PROBLEM_TYPE, headers=headers
    )


def problem_for_status(status: int, detail: str, instance: str | None = None) -> dict[str, object]:
    """A problem document for a bare HTTP status (errors that are not the node's own)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    doc: dict[str, object] = {
        "type": PROBLEM_BASE + _SLUGS.get(status, "http-" + str(status)),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        doc["instance"] = instance
    return doc


def _from_http_exception(exc: web.HTTPException, request: web.Request) -> web.StreamResponse:
    if exc.status < 400:
        return exc  # a redirect or other non-error raised on purpose
    detail = {
        404: f"no resource at {request.path[:300]}",
        405: f"{request.method} is not allowed on {request.path[:300]}",
    }.get(exc.status) or (exc.text or exc.reason)
    headers = {}
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = sorted(exc.allowed_methods)
        headers["Allow"] = ", ".join(allowed)
        detail += f"; allowed: {', '.join(allowed)}"
    return web.Response(
        status=exc.status,
        body=_json(problem_for_status(exc.status, detail, request.path)),
        content_type=PROBLEM_TYPE,
        headers=headers,
    )


def guarded(handler: Handler, route: str, metrics: Metrics) -> Handler:
    """``handler`` answering every error with a problem document, and counted in ``metrics``.

    Each route's handler is wrapped rather than the app given a middleware: aiohttp then adds
    no layers of its own to every request (the hot path pays for one call, not three).
    """
    requests = metrics.requests
    count_ok = requests.labelled(route, "200")  # bound once: most answers are 200s
    observe = metrics.latency.labelled(route)
    store_errors = metrics.store_errors
    clock = time.perf_counter

    async def answer(request: web.Request) -> web.StreamResponse:
        started = clock()
        try:
            response = await handler(request)
        except ResolverError as err:
            if isinstance(err, StoreUnavailable):
                store_errors.inc()
                _log.warning("store unavailable: %s", err.detail)
            response = problem_response(err, request.path)
        except web.HTTPException as exc:
            response = _from_http_exception(exc, request)
        except asyncio.CancelledError:
            raise
        except ConnectionResetError as err:
            # The client went away (mid-body, say): nothing to answer, and not the node's fault.
            _log.info(
                "client closed the connection during %s %s: %s", request.method, request.path[:300], err
            )
            response = web.Response(status=_CLIENT_CLOSED, reason="Client Closed Request")
        except Exception:
            _log.exception("unexpected error answering %s %s", request.method, request.path[:300])
            response = web.Response(
                status=500,
                body=_json(
                    problem_for_status(500, "an unexpected error occurred; it has been logged", request.path)
                ),
                content_type=PROBLEM_TYPE,
            )
        status = response.status
        if status == 200:
            count_ok()
        else:
            requests.inc(route, str(status))
        observe(clock() - started)
        return response

    return answer


def add_unmatched_route(router: web.UrlDispatcher, metrics: Metrics) -> None:
    """A last route for every path and method: 405 (with ``Allow``) when another route has the
    path under other methods, else 404; both as problem documents. Register it last."""
    catch_all = router.add_resource("/{_unmatched:[\\s\\S]*}")  # "." would miss a decoded newline

    async def unmatched(request: web.Request) -> web.StreamResponse:
        allowed: set[str] = set()
        for resource in router.resources():
            if resource is not catch_all:
                _, methods = await resource.resolve(request)
                allowed |= methods
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        raise web.HTTPNotFound()

    catch_all.add_route("*", guarded(unmatched, "unmatched", metrics))


class ProblemRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering protocol-level errors with problem documents.

    It also closes a connection whose request head (request line and headers) has not arrived
    ``header_timeout`` seconds after its first byte: a client sending headers a byte at a time
    (slowloris) holds a connection for that long at most. aiohttp's keep-alive timer covers only
    a connection on which no byte of the next request has come.
    """

    header_timeout = DEFAULT_HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None
    _head_count = 0

    def data_received(self, data: bytes) -> None:
        timer = self._head_timer
        count = self._request_count
        super().data_received(data)
        if timer is not None:
            if self._request_count != self._head_count:  # the head came whole
                timer.cancel()
                self._head_timer = None
        elif self._request_count == count and data and self._awaiting_head():
            # Part of a head came (a whole one would have been counted): the rest has
            # header_timeout from now. A head that comes in one piece, as nearly all do, costs
            # no timer.
            self._head_count = count
            self._head_timer = self._loop.call_later(self.header_timeout, self._head_timed_out)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)

    def _awaiting_head(self) -> bool:
        # Between requests: no message queued and no handler running (start() waits, or has
        # not begun on a new connection).
        waiter = self._waiter
        return not self._messages and (waiter is None or not waiter.done()) and self._current_request is None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._request_count == self._head_count and self.transport is not None:
            self.logger.info(
                "closed a connection whose request headers took over %.0f s", self.header_timeout
            )
            self.force_close()
            self.transport.close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> StreamResponse:
        if request.writer.output_size > 0:
            # Part of a response is out: the connection is broken, as in aiohttp's own handler.
            raise ConnectionError("response already started; cannot send the error")
        if status >= 500:
            self.log_exception("error handling request from %s", request.remote, exc_info=exc)
        else:
            # A client's malformed request is the client's problem, not the node's: no traceback.
            self.logger.debug("bad request from %s: %s", request.remote, message or exc)
        if status == 500:
            detail = "an unexpected error occurred; it has been logged"
        else:
            detail = (message or HTTPStatus(status).description or "bad request").splitlines()[0][:300]
        response = web.Response(
            status=status, body=_json(problem_for_status(status, detail)), content_type=PROBLEM_TYPE
        )
        response.force_close()
        return response


class _ProblemServer(Server):
    header_timeout = DEFAULT_HEADER_TIMEOUT

    def __call__(self) -> RequestHandler:
        handler = ProblemRequestHandler(self, loop=self._loop, **self._kwargs)
        handler.header_timeout = self.header_timeout
        return handler


def use_problem_errors(server: Server, *, header_timeout: float = DEFAULT_HEADER_TIMEOUT) -> None:
    """Make ``server`` (an AppRunner's, after ``setup()``) answer protocol errors as problems,
    and close connections whose request head takes over ``header_timeout`` seconds.

    aiohttp has no hook for these errors: they are answered before the app's middleware, by
    the connection handler the server creates, so the server is switched to one that creates
    ``ProblemRequestHandler``.
    """
    server.__class__ = _ProblemServer
    cast(_ProblemServer, server).header_timeout = header_timeout
