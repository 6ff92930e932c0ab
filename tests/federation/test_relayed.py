"""The relay's log of invalidations it passes on: cursors, bounds, resets."""

from __future__ import annotations

from resolver.federation.relayed import RelayedChanges


def test_a_follower_gets_the_keys_after_its_cursor_once() -> None:
    log = RelayedChanges()
    start = log.since(None)
    assert start.keys == () and not start.reset
    log.record("88.100/A")
    log.record("88.100/B")
    log.record("88.100/A")
    page = log.since(start.cursor)
    assert page.keys == ("88.100/A", "88.100/B") and not page.reset
    assert log.since(page.cursor).keys == ()


def test_a_cursor_of_another_epoch_or_out_of_the_log_means_reset() -> None:
    log = RelayedChanges(max_entries=2)
    cursor = log.since(None).cursor
    for key in ("A/1", "A/2", "A/3"):
        log.record(key)
    assert log.since(cursor).reset  # A/1 fell out of the log
    current = log.since(None).cursor
    log.reset()
    assert log.since(current).reset
    assert log.since("junk").reset and log.since(current.split(".")[0] + ".999").reset
