"""A pytest plugin that records the CPU each test module costs: ``-p tests.support.cpu_report``.

CPU, not wall time: on a loaded machine wall time says more about the neighbours than about the
tests. A module's figure is this process's user + system time, that of the child processes it
reaped (node subprocesses, worker pools, redis-server) and that used meanwhile by the children
still running (a pool shared across modules is reaped only at the end), while its tests and
their module-scoped fixtures ran. Each pytest process (an xdist worker included) appends one
tab-separated line per module, ``cpu-seconds wall-seconds tests module``, to the file named by
``PASSPORT_CPU_REPORT`` (default ``cpu-report.tsv`` under the pytest cache directory).
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from pathlib import Path

import pytest

__all__ = ["pytest_runtest_protocol", "pytest_sessionfinish"]

_totals: dict[str, list[float]] = {}


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system + _live(os.getpid())


def _live(pid: int) -> float:
    """CPU of ``pid``'s running descendants so far (theirs, and their reaped children's)."""
    total = 0.0
    for child in _children(pid):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited meanwhile
        total += sum(int(f) for f in fields[11:15]) / _TICK + _live(child)
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    cpu, wall = _cpu(), time.monotonic()
    try:
        return (yield)
    finally:
        totals = _totals.setdefault(item.nodeid.partition("::")[0], [0.0, 0.0, 0.0])
        totals[0] += _cpu() - cpu
        totals[1] += time.monotonic() - wall
        totals[2] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    default = session.config.rootpath / ".pytest_cache" / "cpu-report.tsv"
    path = Path(os.environ.get("PASSPORT_CPU_REPORT", default))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for module, (cpu, wall, tests) in sorted(_totals.items(), key=lambda kv: -kv[1][0]):
            out.write(f"{cpu:.2f}\t{wall:.2f}\t{tests:.0f}\t{module}\n")
