"""A lean HTTP/1.1 GET for passport lookups to peers over plain HTTP, on kept-alive connections.

A federated miss asks a peer once; aiohttp's client spends about 0.3-0.4 ms of CPU on each
request (request and URL objects, header multidicts, cookie and proxy checks, the connector's
bookkeeping, signals) where writing the request and reading a framed answer from a kept
connection takes about 0.1 ms. Only what a peer lookup needs is here: one GET, headers given as
they are sent, an answer framed by Content-Length, chunked, or the connection's end. HTTPS
replicas (certificates, pins) stay with aiohttp (resolver/federation/client.py decides).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["BodyTooLarge", "LeanAnswer", "LeanPool", "PeerProtocolError"]

_MAX_HEAD = 64 * 1024  # bytes of status line and headers at most
_MAX_IDLE = 8  # idle connections kept per host and port


class PeerProtocolError(Exception):
    """The peer's answer is not HTTP/1.x this client reads, or the connection broke."""


class BodyTooLarge(Exception):
    """The peer's body exceeds the bound."""


@dataclass(frozen=True, slots=True)
class LeanAnswer:
    status: int
    headers: dict[str, str]  # lower-cased names; a repeated header keeps its last value
    body: bytes


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class LeanPool:
    """Kept-alive connections per (host, port); one request at a time on each."""

    def __init__(self, *, max_body: int) -> None:
        self._max_body = max_body
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._closed = False

    async def get(self, host: str, port: int, target: str, headers: Mapping[str, str]) -> LeanAnswer:
        """GET ``target`` (path and query, already quoted) from ``host:port`` with ``headers``.

        Raises OSError (unreachable), PeerProtocolError, BodyTooLarge; the caller bounds the time.
        A kept connection the peer closed meanwhile is replaced once (a GET is idempotent)."""
        request = _request(host, port, target, headers)
        key = (host, port)
        connection = self._take(key)
        if connection is not None:
            with contextlib.suppress(_Unanswered, ConnectionError):
                return await self._exchange(key, connection, request)
        connection = await _open(host, port)
        return await self._exchange(key, connection, request)

    async def _exchange(self, key: tuple[str, int], connection: _Connection, request: bytes) -> LeanAnswer:
        kept = False
        try:
            connection.writer.write(request)
            answer, kept = await _read_answer(connection.reader, self._max_body)
            return answer
        finally:
            if kept and not self._closed:
                self._give_back(key, connection)
            else:
                connection.close()

    def _take(self, key: tuple[str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    def _give_back(self, key: tuple[str, int], connection: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) >= _MAX_IDLE:
            connection.close()
        else:
            idle.append(connection)

    async def aclose(self) -> None:
        """Close every kept connection (the node is stopping)."""
        self._closed = True
        writers = [c.writer for idle in self._idle.values() for c in idle]
        self._idle.clear()
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


class _Unanswered(PeerProtocolError):
    """A kept connection ended before any byte of the answer: the peer had closed it."""


async def _open(host: str, port: int) -> _Connection:
    reader, writer = await asyncio.open_connection(host, port, limit=_MAX_HEAD)
    return _Connection(reader, writer)


def _request(host: str, port: int, target: str, headers: Mapping[str, str]) -> bytes:
    name = f"[{host}]" if ":" in host else host
    authority = name if port == 80 else f"{name}:{port}"
    lines = [f"GET {target} HTTP/1.1", f"Host: {authority}"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise ValueError(f"header {name!r} cannot be sent")
        lines.append(f"{name}: {value}")
    if any(ch in target for ch in " \r\n"):
        raise ValueError(f"request target {target!r} cannot be sent")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_answer(reader: asyncio.StreamReader, max_body: int) -> tuple[LeanAnswer, bool]:
    """The answer on ``reader`` and whether the connection may carry another request."""
    while True:
        version, status, headers = await _read_head(reader)
        if not 100 <= status < 200:
            break  # an interim answer (100 Continue, 103) precedes the real one
    connection = headers.get("connection", "").lower()
    keep = version == "HTTP/1.1" and "close" not in connection
    if status in (204, 304):
        return LeanAnswer(status, headers, b""), keep
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return LeanAnswer(status, headers, await _read_chunked(reader, max_body)), keep
    length = headers.get("content-length")
    if length is not None:
        size = _length(length)
        if size > max_body:
            raise BodyTooLarge(f"body of {size} bytes exceeds {max_body}")
        return LeanAnswer(status, headers, await _exactly(reader, size)), keep
    body = await reader.read(max_body + 1)  # framed by the connection's end
    while body and len(body) <= max_body and not reader.at_eof():
        more = await reader.read(max_body + 1 - len(body))
        if not more:
            break
        body += more
    if len(body) > max_body:
        raise BodyTooLarge(f"body exceeds {max_body} bytes")
    return LeanAnswer(status, headers, body), False


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, int, dict[str, str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            raise _Unanswered("the connection closed before an answer") from None
        raise PeerProtocolError("the connection closed within the answer's headers") from None
    except asyncio.LimitOverrunError:
        raise PeerProtocolError(f"the answer's headers exceed {_MAX_HEAD} bytes") from None
    lines = head[:-4].decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    well_formed = len(code) == 3 and code.isdigit() and rest[3:4] in ("", " ")
    if not version.startswith("HTTP/1.") or not well_formed:
        raise PeerProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or line[:1] in (" ", "\t"):
            raise PeerProtocolError(f"malformed header line: {line[:80]!r}")
        headers[name.lower()] = value.strip(" \t")
    return version, int(code), headers


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        line = await _line(reader)
        chunk = _length(line.split(b";", 1)[0].strip().decode("latin-1"), base=16)
        if chunk == 0:
            while await _line(reader):  # trailers, up to the empty line
                pass
            return b"".join(chunks)
        size += chunk
        if size > max_body:
            raise BodyTooLarge(f"body exceeds {max_body} bytes")
        chunks.append(await _exactly(reader, chunk))
        if await _line(reader):
            raise PeerProtocolError("a chunk is not followed by its line end")


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        return (await reader.readuntil(b"\r\n"))[:-2]
    except asyncio.IncompleteReadError:
        raise PeerProtocolError("the connection closed within a chunked body") from None
    except asyncio.LimitOverrunError:
        raise PeerProtocolError("a chunk line is too long") from None


async def _exactly(reader: asyncio.StreamReader, size: int) -> bytes:
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as err:
        raise PeerProtocolError(
            f"the connection closed after {len(err.partial)} of {size} bytes of the body"
        ) from None


def _length(text: str, *, base: int = 10) -> int:
    digits = text.strip()
    allowed = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    if not digits or len(digits) > 16 or any(ch not in allowed for ch in digits):
        raise PeerProtocolError(f"not a length: {text[:40]!r}")
    return int(digits, base)
