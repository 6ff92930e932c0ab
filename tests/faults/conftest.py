"""Fault fixtures: real processes (node, importer, redis-server) that the tests kill with SIGKILL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from resolver.stores import Change, open_store
from tests.integration.conftest import passport
from tests.support.served import ServedNode, write_config

__all__ = ["OPERATOR", "Acked", "Writers", "check_store", "node_config", "wait_for"]

OPERATOR = "fault-operator"


def node_config(folder: Path, store: str) -> Path:
    """The faults' node: what they check is the store, so it starts without the SPARQL index
    process (a follower of the store, outside the write path; tests/integration/test_sparql_node.py
    tests it, and the served nodes of test_cli, test_processes and the contract test start it)."""
    return write_config(
        folder / "node.toml",
        store=store,
        tokens={OPERATOR: ("operator", ["88.100.1"])},
        prefixes=["88.100.1"],
        chain=["local"],
        sparql_index=False,
    )


@dataclass
class Acked:
    """Writes the node acknowledged: handle -> the highest version it answered."""

    versions: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, handle: str, version: int) -> None:
        with self.lock:
            self.versions[handle] = max(version, self.versions.get(handle, 0))

    def count(self) -> int:
        with self.lock:
            return len(self.versions)


class Writers:
    """Threads PUTting passports (each a new handle, then one update) until stopped."""

    def __init__(self, node: ServedNode, acked: Acked, *, threads: int = 4, tag: str = "W") -> None:
        self.node = node
        self.acked = acked
        self.tag = tag
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, n: int) -> None:
        headers = {"Authorization": f"Bearer {OPERATOR}", "Content-Type": "application/ld+json"}
        session = requests.Session()
        i = 0
        while not self._stop.is_set():
            i += 1
            handle = f"88.100.1/{self.tag}-{n}-{i}"
            bodies = [passport(handle), passport(handle, **{'"cycleCount": 40': '"cycleCount": 41'})]
            for body in bodies:
                try:
                    answer = session.put(f"{self.node.url}/{handle}", data=body, headers=headers, timeout=10)
                except requests.RequestException:
                    return  # the node is gone: what it did not answer was not acknowledged
                if answer.status_code in (200, 201):
                    self.acked.record(handle, int(answer.json()["version"]))
                elif answer.status_code != 503:
                    self.acked.errors.append(f"{answer.status_code} {answer.text[:200]}")


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.02)


def check_store(url: str, acked: dict[str, int]) -> int:
    """Assert the store kept every acknowledged write, its feed is contiguous, and every stored
    passport's current record is its last version. Returns the number of feed entries."""
    return asyncio.run(_check(url, acked))


async def _check(url: str, acked: dict[str, int]) -> int:
    store = await open_store(url)
    try:
        changes: list[Change] = []
        for partition in range(store.partitions):  # each partition numbers its changes from 1
            mine: list[Change] = []
            while True:
                since = mine[-1].seq if mine else 0
                page = await store.changes(since=since, limit=1000, partition=partition)
                if not page:
                    break
                mine.extend(page)
            seqs = [c.seq for c in mine]
            assert seqs == list(range(1, len(seqs) + 1)), "the change feed has a gap or a repeat"
            changes.extend(mine)
        last: dict[str, int] = {}
        for change in changes:
            assert change.version == last.get(change.handle, 0) + 1, f"{change.handle}: versions skip"
            last[change.handle] = change.version
        missing = [h for h, v in acked.items() if last.get(h, 0) < v]
        assert not missing, f"{len(missing)} acknowledged write(s) missing, e.g. {missing[:3]}"
        for handle, version in last.items():
            current = await store.get(handle)
            history = await store.history(handle)
            assert current is not None and current.version == version == history[-1].version
            assert dict(current.views) == dict(history[-1].views)
            assert [r.version for r in history] == list(range(1, version + 1))
        return len(changes)
    finally:
        await store.aclose()
