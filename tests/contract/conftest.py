"""Contract fixtures: a real ``passport-node serve`` on each store, driven synchronously."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.node_zygote import zygote
from tests.support.redis_server import RedisServer, redis_server
from tests.support.served import ServedNode, write_config

__all__ = ["OPERATOR", "READER", "redis_server"]

OPERATOR = "contract-operator"
READER = "contract-authority"


STORES = ("sqlite", "redis")


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServedNode]]:
    """A served node on each store (``STORES``), by store, up together for the module: each case
    the contract test generates goes to both. They start side by side (each start is seconds of
    one process importing and loading the demo passports, while this one only waits). Each is
    forked from this process's preloaded node zygote (tests/support/node_zygote.py): a process
    of its own all the same, without ~1.1 CPU-s of imports per node."""
    folders = {kind: tmp_path_factory.mktemp(f"contract-{kind}") for kind in STORES}
    nodes = {
        kind: ServedNode(_config(kind, request, folder), "--demo", log=folder / "node.log", forked=True)
        for kind, folder in folders.items()
    }
    zygote()  # started here, once: not by both threads at the same time
    with ThreadPoolExecutor(len(nodes)) as side_by_side:
        try:
            list(side_by_side.map(ServedNode.start, nodes.values()))
            yield nodes
        finally:  # and stopped side by side: each waits for its own clean shutdown
            list(side_by_side.map(ServedNode.kill, nodes.values()))
    for folder in folders.values():
        log = Path(folder / "node.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]


def _config(kind: str, request: pytest.FixtureRequest, folder: Path) -> Path:
    if kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        store = f"{server.url}?namespace=contract-{uuid.uuid4().hex[:8]}"
    else:
        store = f"sqlite:///{folder}/passports.sqlite3"
    return write_config(
        folder / "node.toml",
        store=store,
        tokens={OPERATOR: ("operator", ["88.100.1", "01/09521234"]), READER: ("authority", [])},
        prefixes=["88.100.1", "01/09521234"],
        chain=["local"],
    )
