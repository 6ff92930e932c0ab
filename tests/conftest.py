"""Session-wide test hooks: a test that times out reports what its event loops were waiting on.

pytest-timeout (signal method) prints the threads' stacks, which for an asyncio test only shows
the loop's ``select``. The tasks' own stacks say which ``await`` never finished, so a hang seen
once on CI can be read from its log.
"""

from __future__ import annotations

import asyncio
import gc
import io
from collections.abc import Generator

import pytest


def _pending_tasks_text() -> str:
    out = io.StringIO()
    tasks = [o for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done()]
    for task in tasks:
        task.print_stack(limit=30, file=out)
    return out.getvalue() or "no pending asyncio task"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and call.excinfo is not None and "Timeout" in str(call.excinfo.value):
        report.sections.append(("asyncio tasks pending at the timeout", _pending_tasks_text()))
    return report
