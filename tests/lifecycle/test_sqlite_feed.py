"""The SQLite warning feed delivers at least once: what a stopped process claimed and did not
finish is claimed again when the feed is opened again."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.sqlite_feed import SQLiteWarningFeed


def _warning(n: int) -> Warning:
    return Warning(f"w-{n}", "88.100.1/X", "negative-event", "warning", float(n), float(n), "negative event")


@pytest.mark.asyncio
async def test_entries_claimed_but_not_done_are_claimed_again_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite3"
    feed = await SQLiteWarningFeed.open(path)
    try:
        assert (await feed.claim("p1", wait=0)).entries == []  # the first start: from now on
        ids = await feed.publish([_warning(1), _warning(2), _warning(3)])
        claimed = (await feed.claim("p1", wait=0)).entries
        assert [e[0] for e in claimed] == ids
        await feed.done([ids[0], ids[2]])  # the second is still being delivered when it stops
    finally:
        await feed.aclose()
    feed = await SQLiteWarningFeed.open(path)
    try:
        again = (await feed.claim("p2", wait=0)).entries
        assert [w.id for _, w in again] == ["w-2", "w-3"]  # at least once: w-3 may come twice
        await feed.done([e[0] for e in again])
    finally:
        await feed.aclose()
    feed = await SQLiteWarningFeed.open(path)
    try:
        assert (await feed.claim("p3", wait=0)).entries == []
    finally:
        await feed.aclose()
