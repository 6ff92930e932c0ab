"""kill -9 of the node, the importer and redis-server: nothing acknowledged is lost, nothing is half.

After each kill: every acknowledged write is in the store, the change feed is contiguous, each
stored passport's current record is its last version, and a re-run of an import completes.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.faults.conftest import OPERATOR, Acked, Writers, check_store, node_config, wait_for
from tests.integration.conftest import passport
from tests.support.node import REPO
from tests.support.node_zygote import ForkedCommand
from tests.support.redis_server import RedisServer
from tests.support.served import ServedNode
from tools.examples import main as generate_examples

ENOUGH = 12  # acknowledged writes before the kill


def _node(config: Path, *, log: Path) -> ServedNode:
    """A node forked from the preloaded zygote (~1.1 CPU-s less than a cold start, and this
    module starts seven): still a process of its own, which SIGKILL ends as it would any."""
    return ServedNode(config, log=log, forked=True)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_kill_9_of_the_node_during_writes_loses_no_acknowledged_write(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    if kind == "redis":
        store = request.getfixturevalue("redis").url
    config = node_config(tmp_path, store)
    acked = Acked()
    node = _node(config, log=tmp_path / "node.log").start()
    try:
        with Writers(node, acked):
            wait_for(lambda: acked.count() >= ENOUGH)
            node.kill(hard=True)
    finally:
        node.kill()
    assert not acked.errors, acked.errors[:3]
    check_store(store, acked.versions)
    # The node starts again on what was left, and takes writes.
    with _node(config, log=tmp_path / "node.log") as again, Writers(again, acked, tag="AFTER"):
        wait_for(lambda: acked.count() >= ENOUGH + 4)
    check_store(store, acked.versions)


def test_kill_9_of_redis_under_load_loses_no_acknowledged_write(redis: RedisServer, tmp_path: Path) -> None:
    config = node_config(tmp_path, redis.url + "?timeout=1")
    acked = Acked()
    with _node(config, log=tmp_path / "node.log") as node, Writers(node, acked):
        wait_for(lambda: acked.count() >= ENOUGH)
        redis.kill(hard=True)
        before = acked.count()
        redis.restart()  # reads back its append-only file
        wait_for(lambda: acked.count() >= before + 6)  # the node writes again
    assert not acked.errors, acked.errors[:3]
    check_store(redis.url, acked.versions)


def test_kill_9_of_the_importer_leaves_whole_passports_and_a_rerun_completes(tmp_path: Path) -> None:
    n = 120
    folder = tmp_path / "many"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    assert generate_examples([str(n), "--seed", "11", "--prefix", "88.100.1", "--out", str(folder)]) == 0
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    args = ["import", str(folder), "--store", store, "--workers", "1", "--json"]
    # Forked from the preloaded zygote (~1 CPU-s of imports less for each run), in a process
    # group of its own: killpg reaches the importer and its validator worker.
    importer = ForkedCommand(args, cwd=tmp_path, env=env)
    try:
        wait_for(lambda: _stored(tmp_path / "p.sqlite3") >= 10 or importer.poll() is not None)
        importer.killpg(signal.SIGKILL)  # the importer and its validator workers
    finally:
        importer.communicate(30)
    kept = check_store(store, {})
    assert 0 < kept < n
    rerun = ForkedCommand(args, cwd=tmp_path, env=env)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]
    summary = json.loads(out)
    assert (summary["created"], summary["unchanged"]) == (n - kept, kept)
    assert check_store(store, {}) == n


def test_a_node_follows_writes_of_another_after_redis_restarts_without_its_data(
    redis: RedisServer, tmp_path: Path
) -> None:
    config = node_config(tmp_path, redis.url)
    handle = f"88.100.1/FOLLOW-{uuid.uuid4().hex[:8].upper()}"
    headers = {"Authorization": f"Bearer {OPERATOR}", "Content-Type": "application/ld+json"}
    with (
        _node(config, log=tmp_path / "a.log") as writer,
        _node(config, log=tmp_path / "b.log") as reader,
    ):
        for n in range(3):  # the reader's follower sees seq 1..3
            requests.put(
                f"{writer.url}/88.100.1/OTHER-{n}", data=passport(f"88.100.1/OTHER-{n}"), headers=headers
            )
        assert (
            requests.put(f"{writer.url}/{handle}", data=passport(handle), headers=headers).status_code == 201
        )
        wait_for(lambda: requests.get(f"{reader.url}/{handle}").status_code == 200)
        requests.get(f"{reader.url}/{handle}")  # kept in the reader's process now
        redis.restart(empty=True)  # the feed starts again at 1, below what the reader saw
        wait_for(lambda: requests.get(f"{reader.url}/{handle}").status_code == 404, timeout=10)
        changed = passport(handle, **{'"cycleCount": 40': '"cycleCount": 77'})
        wait_for(
            lambda: requests.put(f"{writer.url}/{handle}", data=changed, headers=headers).status_code == 201
        )
        wait_for(lambda: requests.get(f"{reader.url}/{handle}").json().get("cycleCount") != 40, timeout=5)
        assert requests.delete(f"{writer.url}/{handle}", headers=headers).status_code == 200
        wait_for(lambda: requests.get(f"{reader.url}/{handle}").status_code == 410, timeout=5)


def _stored(db: Path) -> int:
    import sqlite3

    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM current").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
