"""The validator pool's start is bounded: a stuck worker is replaced, never waited on for ever."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from resolver.errors import DocumentError, ResolverError
from resolver.validation.pool import Validator
from tests.support.stuck_warm_up import hang_always, hang_first_time
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio


async def test_a_pool_stuck_while_starting_is_replaced_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mark = tmp_path / "hung-once"
    monkeypatch.setenv("STUCK_WARM_UP_MARK", str(mark))
    waits: list[float] = []

    async def marked() -> bool:
        return mark.exists()

    async def until_stuck(seconds: float) -> None:
        """The pool's start timeout, ended as soon as the first pool's worker is in its hang (it
        has made the mark and never returns): the test does not sleep 10 s to see a timeout.
        The replacement pool gets the whole bound, to spawn and load the profile (~1 CPU-s)."""
        waits.append(seconds)
        if len(waits) > 1:
            await asyncio.sleep(seconds)
            return
        await until(marked, what="the first pool's worker to hang", bound=120)

    validator = Validator(workers=1, start_timeout=10.0, warm_up=hang_first_time, start_wait=until_stuck)
    with caplog.at_level(logging.ERROR, logger="resolver.validation.pool"):
        await validator.start()
    try:
        assert mark.exists()
        assert waits == [10.0, 10.0]  # the first pool timed out; the second started in time
        assert "not ready after 10 s (attempt 1)" in caplog.text
        assert "attempt 2" not in caplog.text
        assert "alive=True" in caplog.text
        with pytest.raises(DocumentError, match="not valid JSON"):  # the replacement pool works
            await validator.validate(b"{")
    finally:
        await validator.aclose()


async def test_a_pool_that_never_starts_fails_instead_of_hanging() -> None:
    validator = Validator(workers=1, start_timeout=1.0, warm_up=hang_always)
    with pytest.raises(ResolverError, match="did not start within 1 s"):
        await validator.start()
    await validator.aclose()
