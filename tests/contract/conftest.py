"""Contract fixtures: a real ``passport-node serve`` on each store, driven synchronously."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    the contract test generates goes to both."""
    with contextlib.ExitStack() as stack:
        yield {
            kind: stack.enter_context(_served(kind, request, tmp_path_factory.mktemp(f"contract-{kind}")))
            for kind in STORES
        }


@contextlib.contextmanager
def _served(kind: str, request: pytest.FixtureRequest, folder: Path) -> Iterator[ServedNode]:
    if kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        store = f"{server.url}?namespace=contract-{uuid.uuid4().hex[:8]}"
    else:
        store = f"sqlite:///{folder}/passports.sqlite3"
    config = write_config(
        folder / "node.toml",
        store=store,
        tokens={OPERATOR: ("operator", ["88.100.1", "01/09521234"]), READER: ("authority", [])},
        prefixes=["88.100.1", "01/09521234"],
        chain=["local"],
    )
    with ServedNode(config, "--demo", log=folder / "node.log") as node:
        yield node
    log = Path(folder / "node.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
