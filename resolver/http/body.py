"""A request's body, read whole within a byte limit (413 before or while it streams)."""

from __future__ import annotations

from aiohttp import web

from resolver.errors import PayloadTooLarge

__all__ = ["read_body"]


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, refused (413) at once when its Content-Length is over ``limit`` bytes,
    else as soon as the bytes streamed pass it (a chunked body has no length to check first)."""
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"the body is {length} bytes; the limit is {limit} bytes", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body exceeds the limit of {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)
