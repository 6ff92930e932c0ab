"""``background.stop`` ends a task even when a cancellation is lost inside it."""

from __future__ import annotations

import asyncio

import pytest

from resolver import background

pytestmark = pytest.mark.asyncio


async def test_a_loop_that_swallows_its_first_cancellation_is_still_stopped() -> None:
    swallowed = 0

    async def loop() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                # as a client library that turns a cancellation into an error a retry catches
                if swallowed == 0:
                    swallowed += 1
                    continue
                raise

    task = asyncio.get_running_loop().create_task(loop(), name="swallower")
    await asyncio.sleep(0.02)
    await asyncio.wait_for(background.stop(task), timeout=5)
    assert task.cancelled() and swallowed == 1


async def test_a_task_that_failed_is_stopped_without_raising() -> None:
    async def fail() -> None:
        raise RuntimeError("boom")

    task = asyncio.get_running_loop().create_task(fail())
    await asyncio.sleep(0)
    await background.stop(task)
    assert task.done()
