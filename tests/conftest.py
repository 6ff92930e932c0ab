"""Session-wide test hooks: a test about to time out prints what its event loops wait on, and
the longest modules run first.

pytest-timeout (signal method) prints the threads' stacks, which for an asyncio test only shows
the loop's ``select``. The tasks' own stacks say which ``await`` never finished. Once pytest-timeout
has fired, the loop's tasks are already cancelled, so a watchdog thread prints them a few seconds
before: a hang seen once on CI can then be read from its log.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import threading
from collections.abc import Generator

import pytest

from tests.support.validators import close_shared_validators

_EARLY = 10.0  # seconds before pytest-timeout's own timeout

# The modules that keep one worker busy longest (summed durations of a full run; each starts
# subprocess nodes, worker pools or a browser), longest first. ``make test`` runs pytest-xdist
# with ``--dist loadfile --no-loadscope-reorder``: it hands out whole modules in collection
# order, so these go first and the many short modules fill in around them. Left to xdist's own
# order (most tests first), a one-test module such as the differential test started last and
# the other worker sat idle for its whole length. Add a module here when it takes minutes.
# Ordered by each module's summed durations in one full quiet run (``--durations=0``, 2026-12-01,
# after the test-time cuts of that day).
LONGEST_FIRST = (
    "tests/passport/test_differential.py",
    "tests/contract/test_openapi.py",
    "tests/translog/test_rfc9162.py",
    "tests/passport/test_plain.py",
    "tests/sparql/test_index.py",
    "tests/validation/test_invalid_reports.py",
    "tests/faults/test_kill.py",
    "tests/integration/test_cli.py",
    "tests/sparql/test_columnar.py",
    "tests/passport/test_forms.py",
    "tests/stores/test_redis_cluster.py",
    "tests/profile/test_validation.py",
    "tests/integration/gs1/test_browser.py",
    "tests/integration/test_http_forms.py",
    "tests/bench/test_harness.py",
    "tests/integration/test_sparql_node.py",
    "tests/profile/test_render_direct.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the modules of ``LONGEST_FIRST`` first, in that order (a stable sort: the rest, and the
    tests inside each module, keep their order)."""
    rank = {module: n for n, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the validator pools the session's nodes shared (tests/support/validators.py)."""
    close_shared_validators()


def _pending_tasks_text() -> str:
    out = io.StringIO()
    try:
        tasks = [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]
        for task in tasks:
            task.print_stack(limit=40, file=out)
    except Exception as err:  # read from another thread while the loop runs: best effort
        out.write(f"could not list the tasks: {err!r}\n")
    return out.getvalue() or "no pending asyncio task\n"


def _report(nodeid: str) -> None:
    sys.stderr.write(f"\n+++ {nodeid} is about to time out; pending asyncio tasks:\n")
    sys.stderr.write(_pending_tasks_text())
    sys.stderr.flush()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    timeout = float(item.config.getini("timeout") or 0)
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        timeout = float(marker.args[0])
    watchdog = None
    if timeout > 2 * _EARLY:
        watchdog = threading.Timer(timeout - _EARLY, _report, args=(item.nodeid,))
        watchdog.daemon = True
        watchdog.start()
    try:
        return (yield)
    finally:
        if watchdog is not None:
            watchdog.cancel()
