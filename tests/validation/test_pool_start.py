"""The validator pool's start is bounded: a stuck worker is replaced, never waited on for ever."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from resolver.errors import DocumentError, ResolverError
from resolver.validation.pool import Validator
from tests.support.stuck_warm_up import hang_always, hang_first_time

pytestmark = pytest.mark.asyncio


async def test_a_pool_stuck_while_starting_is_replaced_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STUCK_WARM_UP_MARK", str(tmp_path / "hung-once"))
    # The replacement pool must spawn and load the profile (~1 CPU-s) within the same bound: 3 s
    # was too short on a loaded machine (load 10 on 2 cores); the stuck first pool only sleeps.
    validator = Validator(workers=1, start_timeout=10.0, warm_up=hang_first_time)
    with caplog.at_level(logging.ERROR, logger="resolver.validation.pool"):
        await validator.start()
    try:
        assert (tmp_path / "hung-once").exists()
        assert "not ready after 10 s (attempt 1)" in caplog.text
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
