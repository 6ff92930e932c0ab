"""A 200 answer of bytes with its header set already built, made without aiohttp's checks.

``web.Response(body=..., headers=...)`` copies the headers into a new set and checks every kind
of argument it could have been given (text, a charset, a content type, a payload to look up):
several microseconds per answer, a good part of what serving a passport the node keeps costs.
A passport's answer is always bytes with its ``Content-Type`` among headers the route built, so
``bytes_response`` makes the same object directly: the attributes aiohttp's constructor would
set, to the values it would give them.

Whether that holds is checked once, at import, against aiohttp's own constructor (the same
attributes, the same values): with an aiohttp whose ``Response`` has other attributes, every
answer is made by the constructor as before.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import CIMultiDict

__all__ = ["FAST", "BytesResponse", "bytes_response"]


class _BytesResponse(web.Response):
    """``web.Response(body=body, headers=headers)``, keeping ``headers`` (not a copy)."""

    def __init__(self, body: bytes, headers: CIMultiDict[str]) -> None:  # no super().__init__: its checks
        self._state: dict[Any, Any] = {}
        self._headers = headers
        self._status = 200
        self._reason = "OK"
        self._body = body
        self._compressed_body = None
        self._zlib_executor_size = _ZLIB_SIZE
        self._zlib_executor = None


_ZLIB_SIZE: int = getattr(web.Response(body=b""), "_zlib_executor_size", 0)


def _same_as_aiohttp() -> bool:
    """Whether ``_BytesResponse`` makes what aiohttp's constructor makes from the same bytes and headers."""
    headers = {"Content-Type": "application/ld+json", "ETag": '"v1"'}
    made = vars(web.Response(body=b"{}", headers=headers))
    ours = vars(_BytesResponse(b"{}", CIMultiDict(headers)))
    if made.keys() != ours.keys():
        return False
    return all(
        dict(value) == dict(ours[name]) if name == "_headers" else value == ours[name]
        for name, value in made.items()
    )


FAST = _same_as_aiohttp()
BytesResponse = _BytesResponse  # what bytes_response makes (when FAST)


def bytes_response(body: bytes, headers: CIMultiDict[str]) -> web.Response:
    """A 200 response of ``body`` with ``headers`` (which become the response's own: pass a set
    no one else changes), naming its ``Content-Type`` (else aiohttp sends application/octet-stream)."""
    if FAST:
        return _BytesResponse(body, headers)
    return web.Response(body=body, headers=headers)
