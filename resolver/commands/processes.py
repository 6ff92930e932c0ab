"""``serve --processes N``: N node processes sharing one port with SO_REUSEPORT.

The parent binds the port first (so port 0 becomes a real port every child can share), starts
N children (``serve ... --port P --process-index K``), waits for each to say it serves, prints
one line of its own, and on SIGINT/SIGTERM stops them all. If a child dies, the others are
stopped too and the parent exits with an error: a supervisor (systemd, a container runtime)
restarts the whole group.

Each process keeps its own in-process caches, kept coherent by the store's change feed, and
its own SPARQL index (an index directory has one writer): ``{index dir}-p{K}``. Use a Redis
store; an SQLite file is shared too (WAL), but its writes are serialised per file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import socket
import sys

from resolver.config import NodeConfig
from resolver.sparql.names import configured_index_dir

__all__ = ["child_config", "supervise"]


def child_config(config: NodeConfig, index: int) -> NodeConfig:
    """Process ``index``'s configuration: its own SPARQL index directory."""
    own = f"{configured_index_dir(config)}-p{index}"
    return dataclasses.replace(config, sparql=dataclasses.replace(config.sparql, index_dir=own))


def _reserve(host: str, port: int) -> socket.socket:
    """A bound (not listening) SO_REUSEPORT socket: fixes the port the children share."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


async def supervise(config: NodeConfig, processes: int, argv: list[str]) -> int:
    """Run ``processes`` children of ``serve`` (``argv``: this command's own arguments)."""
    reserved = _reserve(config.host, config.port)
    port = reserved.getsockname()[1]
    children: list[asyncio.subprocess.Process] = []
    try:
        for index in range(processes):
            args = [*argv, "--port", str(port), "--process-index", str(index)]
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "resolver", *args, stdout=asyncio.subprocess.PIPE
            )
            children.append(child)
            assert child.stdout is not None
            line = (await child.stdout.readline()).decode().strip()
            if " serving at " not in line:
                print(f"passport-node serve: process {index} did not start", file=sys.stderr)
                return 1
        url = line.rsplit(" ", 1)[1]
        print(f"passport-node {config.node_id} serving at {url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        waits = [asyncio.ensure_future(child.wait()) for child in children]
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([stopping, *waits], return_when=asyncio.FIRST_COMPLETED)
        return 0 if stopping in done else 1
    finally:
        reserved.close()
        await _stop(children)


async def _stop(children: list[asyncio.subprocess.Process]) -> None:
    for child in children:
        if child.returncode is None:
            child.terminate()
    for child in children:
        try:
            await asyncio.wait_for(child.wait(), timeout=10)
        except TimeoutError:
            child.kill()
            await child.wait()
