"""The bench's TCP gate: it passes bytes, holds them while frozen, and refuses once killed."""

from __future__ import annotations

import asyncio

import pytest

from bench.federation_faults import Gate

pytestmark = pytest.mark.asyncio


_HANDLERS: set[asyncio.Task[None]] = set()


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    task = asyncio.current_task()
    assert task is not None
    _HANDLERS.add(task)
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.transport.abort()


async def test_the_gate_passes_holds_and_refuses_and_opens_again_on_its_port() -> None:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    gate = Gate(server.sockets[0].getsockname()[1])
    await gate.open()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gate.port)
        writer.write(b"one")
        assert await asyncio.wait_for(reader.read(3), 5) == b"one"
        gate.freeze()
        writer.write(b"two")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(3), 0.2)
        gate.freeze(False)
        assert await asyncio.wait_for(reader.read(3), 5) == b"two"
        port = gate.port
        await gate.kill()
        assert await asyncio.wait_for(reader.read(3), 5) == b""  # the link died with the gate
        writer.transport.abort()
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)
        await gate.open()
        assert gate.port == port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"three")
        assert await asyncio.wait_for(reader.read(5), 5) == b"three"
        writer.transport.abort()
    finally:
        await gate.kill()
        server.close()
        await server.wait_closed()
        await asyncio.wait_for(asyncio.gather(*_HANDLERS, return_exceptions=True), 5)
